#!/bin/sh
# Install what exless needs on Debian 12, only what is missing. Idempotent:
# once everything is there it prints nothing and changes nothing.
# `setup.sh bochs` installs what make test-bochs needs instead (Bochs, GRUB's
# BIOS modules and xorriso for grub-mkrescue), which nothing else needs.
set -e
need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
case "${1:-}" in
'') ;;
bochs)
	for p in bochs bochsbios vgabios grub-pc-bin grub-common xorriso; do
		have_pkg $p || need="$need $p"
	done ;;
*) echo "setup: unknown argument '$1' (none, or bochs)" >&2; exit 2 ;;
esac
if [ -z "${1:-}" ]; then
	have_cmd qemu-system-x86_64 || need="$need qemu-system-x86"
	have_cmd gdb || need="$need gdb"
	have_cmd gcc || need="$need gcc"
	have_cmd ld || need="$need binutils"
	have_cmd make || need="$need make"
	have_cmd cpio || need="$need cpio"
	have_cmd musl-gcc || need="$need musl-tools"
	have_cmd gnuplot || need="$need gnuplot-nox"
	have_pkg liburing-dev || need="$need liburing-dev"
	have_pkg python3-pandas || need="$need python3-pandas"
	have_pkg python3-matplotlib || need="$need python3-matplotlib"
	[ -e /usr/share/qemu/qboot.rom ] || need="$need qemu-system-data"
fi
[ -z "$need" ] && exit 0
echo "setup: installing:$need"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
	have_cmd sudo || { echo "setup: not root and no sudo: install$need yourself" >&2; exit 1; }
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
echo "setup: done"
