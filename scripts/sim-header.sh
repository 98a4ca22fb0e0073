#!/bin/bash
# Fetches QEMU's TCG plugin header (include/qemu/qemu-plugin.h) from Debian's
# source package of the QEMU installed here, into ~/.cache/exless/, and prints
# the directory that holds qemu/qemu-plugin.h. Only `make bench ACCEL=sim`
# (bench/sim/sim.mk) runs it. apt-get runs with a private sources list, lists
# and cache directory, so the system's apt configuration is never touched.
# The mirror and suites are the ones /etc/apt/sources.list* use for bookworm.
# Exit status: 0 ok; 1 download or extraction failed.
set -u
die() { echo "sim-header.sh: $*" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/exless/qemu-src
ver=$(dpkg-query -W -f '${source:Version}' qemu-system-x86 2>/dev/null) ||
	die "qemu-system-x86 is not installed (run scripts/setup.sh)"
upstream=${ver#*:}
upstream=${upstream%-*}
out=$cache/$ver/include
if [ -f "$out/qemu/qemu-plugin.h" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache/lists/partial" "$cache/apt/archives/partial" "$cache/$ver" || die "cannot create $cache"
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p; s/^deb \(http[^ ]*debian\) bookworm .*/\1/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$cache/sources.list" <<LIST
deb-src [signed-by=$key] $mirror bookworm main
deb-src [signed-by=$key] $mirror bookworm-updates main
deb-src [signed-by=$key] ${mirror%/debian}/debian-security bookworm-security main
LIST
apt_opts=(-o "Dir::Etc::sourcelist=$cache/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/apt" -o Dir::State::status=/var/lib/dpkg/status
	-o APT::Sandbox::User=root)
echo "sim-header.sh: fetching Debian's qemu $ver source into $cache (about 24 MB, once)" >&2
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update (private lists) failed"
(cd "$cache/$ver" && apt-get "${apt_opts[@]}" -qq source --download-only "qemu=$ver" >&2) ||
	die "apt-get source qemu=$ver failed: is that version still on $mirror?"
orig=$(ls "$cache/$ver"/qemu_"$upstream".orig.tar.* 2>/dev/null | head -1)
[ -n "$orig" ] || die "no qemu_$upstream.orig.tar.* in $cache/$ver"
tmp=$(mktemp -d "$cache/$ver/x.XXXXXX") || die "mktemp failed"
tar -xf "$orig" -C "$tmp" --wildcards '*/include/qemu/qemu-plugin.h' ||
	{ rm -rf "$tmp"; die "no include/qemu/qemu-plugin.h in $orig"; }
# Debian's patches could touch the header: refuse rather than use the wrong one.
deb=$(ls "$cache/$ver"/qemu_"${ver#*:}".debian.tar.* 2>/dev/null | head -1)
if [ -n "$deb" ] && tar -xOf "$deb" 2>/dev/null | grep -q '^+++ .*include/qemu/qemu-plugin.h'; then
	rm -rf "$tmp"
	die "Debian's patches change qemu-plugin.h: extract the patched tree by hand"
fi
mkdir -p "$out/qemu" && mv "$tmp"/*/include/qemu/qemu-plugin.h "$out/qemu/" && rm -rf "$tmp" ||
	die "cannot install the header into $out"
echo "$out"
