#!/bin/bash
# The Linux peer: boots Debian's own Linux kernel through scripts/qemu.sh (the
# same accelerator, CPU model, CPUs and memory as exless) with an initramfs
# whose /init runs the shared benchmark suite (bench/linux), and prints the
# guest's serial output, @@BENCH lines included, on stdout.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<'USAGE'
usage: scripts/linux-peer.sh [options]
  --smp N            CPUs (default 2)
  --mem SIZE         memory, e.g. 1G (default 1G)
  --accel A          auto | kvm | tcg | icount (default auto), as scripts/qemu.sh
  --cpu MODEL        -cpu value (default: scripts/qemu.sh's choice)
  --bench-args STR   bench.* options for the suite, e.g. "bench.iters=2000 bench.list=nullcall"
                     (see bench/suite.h)
  --kernel-args STR  more Linux parameters, e.g. "nopti" (default none: the
                     kernel's own defaults, mitigations included)
  --timeout SEC      give up after SEC seconds (default 300)
  --build-only       fetch the kernel, build the initramfs, print both paths, boot nothing
Progress goes to stderr. Linux comes from Debian's linux-image-amd64 package,
fetched once with apt-get download into ${XDG_CACHE_HOME:-~/.cache}/exless;
LINUX_PEER_KERNEL=FILE boots FILE instead; QEMU_SH=FILE boots through FILE
instead of scripts/qemu.sh (tests).
Exit status: 0 success; 1 the guest reported failure; 2 crash; 124 timeout
(scripts/qemu.sh's codes); 3 the guest ended without "@@BENCH done";
4 no kernel or no initramfs; 64 bad usage (icount wants --smp 1).
USAGE
}

die() { echo "linux-peer.sh: $1" >&2; exit "${2:-64}"; }
need() { [ $# -ge 2 ] || die "option '$1' needs a value"; }

smp=2 mem=1G accel=auto cpu='' bench_args='' kernel_args='' timeout=300 build_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) need "$@"; smp=$2; shift ;;
	--mem) need "$@"; mem=$2; shift ;;
	--accel) need "$@"; accel=$2; shift ;;
	--cpu) need "$@"; cpu=$2; shift ;;
	--bench-args) need "$@"; bench_args=$2; shift ;;
	--kernel-args) need "$@"; kernel_args=$2; shift ;;
	--timeout) need "$@"; timeout=$2; shift ;;
	--build-only) build_only=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive integer, not '$smp'"
[[ "$mem" =~ ^[1-9][0-9]*[MG]$ ]] || die "--mem wants a size like 512M or 1G, not '$mem'"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, not '$timeout'"
case "$accel" in auto|kvm|tcg|icount) ;; *) die "--accel wants auto, kvm, tcg or icount, not '$accel'" ;; esac
# Seen with QEMU 7.2 and Linux 6.1: the boot stops at "x86: Booting SMP
# configuration" for good.
[ "$accel" != icount ] || [ "$smp" = 1 ] ||
	die "under icount Linux hangs bringing up its second CPU: use --smp 1"

# Prints the path of a bzImage of the kernel that linux-image-amd64 depends on
# now, downloading it on first use; a cached one when apt knows none.
linux_kernel() {
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/exless ver tmp
	if [ -n "${LINUX_PEER_KERNEL-}" ]; then
		[ -f "$LINUX_PEER_KERNEL" ] || die "LINUX_PEER_KERNEL=$LINUX_PEER_KERNEL is not a file" 4
		echo "$LINUX_PEER_KERNEL"
		return
	fi
	mkdir -p "$cache" || die "cannot create $cache" 4
	ver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
	if [ -z "$ver" ]; then
		ver=$(find "$cache" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' |
			sed 's/^vmlinuz-//' | sort -V | tail -n1)
		[ -n "$ver" ] || die "apt-cache knows no linux-image-amd64 and $cache holds no kernel" 4
		echo "linux-peer.sh: apt-cache knows no linux-image-amd64; using cached $ver" >&2
	fi
	if [ ! -s "$cache/vmlinuz-$ver" ]; then
		echo "linux-peer.sh: fetching linux-image-$ver (once, into $cache)" >&2
		tmp=$(mktemp -d "$cache/fetch.XXXXXX") || die "cannot create a directory in $cache" 4
		# apt downloads as user _apt, which must be able to write there.
		[ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1 && chown _apt "$tmp"
		if ! (cd "$tmp" && apt-get download -q "linux-image-$ver" >&2) ||
			! dpkg-deb --fsys-tarfile "$tmp"/linux-image-"$ver"_*.deb |
				tar -xO "./boot/vmlinuz-$ver" >"$tmp/vmlinuz" || [ ! -s "$tmp/vmlinuz" ]; then
			rm -rf "$tmp"
			die "cannot fetch or unpack linux-image-$ver" 4
		fi
		mv "$tmp/vmlinuz" "$cache/vmlinuz-$ver"
		rm -rf "$tmp"
	fi
	echo "$cache/vmlinuz-$ver"
}

kernel=$(linux_kernel) || exit
build=$root/build/linux-peer
# Make variables of a calling make (bench.mk) are not meant for this build.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root/bench/linux" O="$build" >&2 ||
	die "cannot build the initramfs (bench/linux)" 4
initrd=$build/initramfs.cpio
if [ "$build_only" = 1 ]; then
	echo "kernel: $kernel"
	echo "initrd: $initrd"
	exit 0
fi

# quiet: kernel messages would interleave with @@BENCH lines on the serial
# port. panic=-1: a dying /init ends QEMU (-no-reboot) at once.
append="console=ttyS0 quiet panic=-1${kernel_args:+ $kernel_args}${bench_args:+ $bench_args}"
log=$(mktemp) || die "cannot create a temporary file" 4
trap 'rm -f "$log"' EXIT
"${QEMU_SH:-$root/scripts/qemu.sh}" --kernel "$kernel" --initrd "$initrd" --smp "$smp" \
	--mem "$mem" --accel "$accel" ${cpu:+--cpu "$cpu"} --append "$append" \
	--timeout "$timeout" | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || exit "$rc"
grep -q '@@BENCH done' "$log" || die "the guest ended without '@@BENCH done'" 3
