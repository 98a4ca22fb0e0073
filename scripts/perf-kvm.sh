#!/bin/bash
# Hypervisor exits per system call under hardware KVM, counted on the host
# with perf. Boots exless's null benchmark twice, with N and 2N iterations,
# each under `perf stat -a -e kvm:kvm_exit`: the difference of the two counts
# over the N extra calls per path is free of the exits of booting, setup and
# warm-up. `perf kvm stat` then breaks the larger run's exits down by reason.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<'USAGE'
usage: scripts/perf-kvm.sh [options]
  --kernel FILE   exless image (default build/exless.img)
  --iters N       null calls per path in the smaller run (default 20000)
  --smp N         CPUs (default 2)
  --mem SIZE      memory (default 1G)
  --timeout SEC   per boot (default 300)
The count is host-wide (-a): other guests running meanwhile add to it.
The figure is the mean over the paths the null benchmark measures.
Exit status: 0 measured; 77 this host cannot measure it (no vmx/svm, a
software /dev/kvm such as PVM, or no perf with kvm tracepoints), with the
reason; 1 a boot or perf failed; 64 bad usage.
USAGE
}

die() { echo "perf-kvm.sh: $1" >&2; exit "${2:-64}"; }
cannot() { echo "perf-kvm.sh: cannot count hypervisor exits here: $1" >&2; exit 77; }
need() { [ $# -ge 2 ] || die "option '$1' needs a value"; }

kernel=$root/build/exless.img iters=20000 smp=2 mem=1G timeout=300
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need "$@"; kernel=$2; shift ;;
	--iters) need "$@"; iters=$2; shift ;;
	--smp) need "$@"; smp=$2; shift ;;
	--mem) need "$@"; mem=$2; shift ;;
	--timeout) need "$@"; timeout=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
[[ "$iters" =~ ^[1-9][0-9]*$ ]] && [ "$iters" -le 500000 ] || die "--iters wants a number in 1..500000"
[[ "$smp" =~ ^[1-9][0-9]?$ ]] || die "--smp wants a CPU count"
[[ "$mem" =~ ^[1-9][0-9]*[MG]$ ]] || die "--mem wants a size like 1G"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds"

grep -qwE 'vmx|svm' /proc/cpuinfo ||
	cannot "the CPU shows neither vmx nor svm, so there is no hardware KVM$(
		[ -d /sys/module/kvm_pvm ] && echo " (/dev/kvm here is kvm_pvm, a software hypervisor)")"
[ -d /sys/module/kvm_pvm ] && ! [ -d /sys/module/kvm_intel ] && ! [ -d /sys/module/kvm_amd ] &&
	cannot "/dev/kvm is kvm_pvm, a software hypervisor, not hardware KVM"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || cannot "/dev/kvm is missing or not readable and writable"
command -v perf >/dev/null || cannot "no perf (apt-get install linux-perf)"
perf list 'kvm:kvm_exit' 2>/dev/null | grep -q 'kvm:kvm_exit' ||
	cannot "perf sees no kvm:kvm_exit tracepoint (needs root or kernel.perf_event_paranoid=-1, and tracefs)"
[ -f "$kernel" ] || die "no exless image at $kernel (run make first)" 1

tmp=$(mktemp -d) || die "cannot create a temporary directory" 1
trap 'rm -rf "$tmp"' EXIT

# Boots the null benchmark with n iterations under perf; prints "exits paths".
count() {
	local n=$1 log=$tmp/serial.$1 exits paths
	perf stat -a -x, -e kvm:kvm_exit -o "$tmp/stat.$n" -- \
		"$root/scripts/qemu.sh" --kernel "$kernel" --accel kvm --smp "$smp" --mem "$mem" \
		--timeout "$timeout" --append "bench bench.list=nullcall bench.iters=$n" >"$log" ||
		die "the boot with $n iterations failed (perf or scripts/qemu.sh; serial log: $log)" 1
	grep -q '@@BENCH done' "$log" || die "the boot with $n iterations did not finish" 1
	exits=$(awk -F, '$3 == "kvm:kvm_exit" { print $1 }' "$tmp/stat.$n")
	paths=$(grep -c '@@BENCH result .*bench=nullcall' "$log")
	[[ "$exits" =~ ^[0-9]+$ ]] || die "perf counted no kvm:kvm_exit events" 1
	[ "$paths" -gt 0 ] || die "the guest printed no null results" 1
	echo "$exits $paths"
}

echo "perf-kvm.sh: booting with $iters, then $((2 * iters)) null calls per path" >&2
small=$(count "$iters") || exit
large=$(count $((2 * iters))) || exit
read -r e1 p1 <<<"$small"
read -r e2 p2 <<<"$large"
[ "$p1" = "$p2" ] || die "the two boots measured different paths ($p1 vs $p2)" 1
echo "exits: $e1 with $iters calls per path, $e2 with $((2 * iters)) ($p1 paths)"
awk -v d=$((e2 - e1)) -v n=$((iters * p1)) 'BEGIN { printf "exits per null call: %.3f\n", d / n }'

perf kvm stat record -a -o "$tmp/kvm.data" -- \
	"$root/scripts/qemu.sh" --kernel "$kernel" --accel kvm --smp "$smp" --mem "$mem" \
	--timeout "$timeout" --append "bench bench.list=nullcall bench.iters=$((2 * iters))" \
	>/dev/null 2>&1 || die "perf kvm stat record failed" 1
perf kvm stat report -i "$tmp/kvm.data" --event=vmexit 2>/dev/null ||
	die "perf kvm stat report failed" 1
