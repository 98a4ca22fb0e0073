#!/bin/bash
# The batch-size and core-count sweeps: one exless boot per (CPU count,
# flexsc.cores) pair and one Linux peer boot per CPU count, collected into a
# single results directory by scripts/bench.sh (its --config option). Each
# row of results.csv says its smp and flexsc_cores. With --list "webserver
# kvstore" it is the server workloads' sweep over syscall cores, the user
# cores fixed by --user-cores.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
host_cpus=$(nproc)

usage() {
	cat <<USAGE
usage: scripts/sweep.sh [options]
  --smp LIST        CPU counts to boot, each 1..64 (default: 1 to nproc, here "$(seq -s ' ' 1 "$host_cpus")")
  --flexsc LIST     flexsc.cores values to try at every CPU count: "none" or CPU
                    lists such as 1 or 1-3; those naming a CPU the machine lacks
                    are skipped (default, per CPU count N: none, then the last k
                    CPUs for k = 1..N-1, e.g. N=2: "none 1"; N=4: "none 3 2-3 1-3")
  --list NAMES      benches (default "nullcall batch cores": nullcall for the reference
                    lines of the batch chart)
  --user-cores N    CPUs of the webserver and kvstore servers in every boot (as
                    scripts/bench.sh); pairs where N + the syscall cores exceed the CPU
                    count are skipped. E.g. --list "webserver kvstore" --smp 4
                    --user-cores 2: syscall cores none, 3 and 2-3
  --iters N, --batches LIST, --sizes LIST, --threads LIST, --work LIST, --requests N, --mem SIZE,
  --accel A, --icount 0|1, --sim-plugin FILE, --sim-args STR, --pti MODES, --flexsc-single MODE,
  --cpu MODEL, --peer 0|1, --peer-args STR, --kernel FILE, --timeout SEC, --out DIR
                    as scripts/bench.sh (--accel sim needs --sim-plugin: make bench
                    ACCEL=sim or make sim-test builds build/sim/libexsim.so)
LISTs are separated by spaces. Exit status: scripts/bench.sh's; 64 bad usage.
USAGE
}

die() { echo "sweep.sh: $1" >&2; exit 64; }
need() { [ $# -ge 2 ] || die "option '$1' needs a value"; }

smps=$(seq -s ' ' 1 "$host_cpus") flexsc='' list="nullcall batch cores" pass=() user_cores=''
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) need "$@"; smps=$2; shift ;;
	--flexsc) need "$@"; flexsc=$2; shift ;;
	--list) need "$@"; list=$2; shift ;;
	--user-cores) need "$@"; user_cores=$2; pass+=("$1" "$2"); shift ;;
	--iters|--batches|--sizes|--threads|--work|--requests|--mem|--accel|--icount|--sim-plugin|--sim-args|--pti|--flexsc-single|--cpu|--peer|--peer-args|--kernel|--timeout|--out)
		need "$@"; pass+=("$1" "$2"); shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

# The highest CPU a flexsc.cores list names ("none": -1).
max_cpu() {
	local max=-1 c
	if [ "$1" != none ]; then
		for c in ${1//[,-]/ }; do
			[ "$c" -gt "$max" ] && max=$c
		done
	fi
	echo "$max"
}

# How many CPUs below n a flexsc.cores list names ("none": 0).
count_cpus() {
	local n=0 c a b
	if [ "$1" != none ]; then
		for c in ${1//,/ }; do
			a=${c%-*} b=${c#*-}
			for ((; a <= b && a < $2; a++)); do n=$((n + 1)); done
		done
	fi
	echo "$n"
}

[ -z "$user_cores" ] || [[ "$user_cores" =~ ^[1-9][0-9]?$ ]] ||
	die "--user-cores wants a number in 1..64, not '$user_cores'"
configs=()
read -ra smp_list <<<"$smps"
[ ${#smp_list[@]} -ge 1 ] || die "--smp names no CPU count"
for n in "${smp_list[@]}"; do
	[[ "$n" =~ ^[1-9][0-9]?$ ]] && [ "$n" -le 64 ] || die "--smp: '$n' is not a CPU count in 1..64"
	[ "$n" -le "$host_cpus" ] || echo "sweep.sh: warning: smp=$n is more vCPUs than the" \
		"$host_cpus host cores: vCPUs will take turns, cross-core figures will suffer" >&2
	if [ -n "$flexsc" ]; then
		read -ra values <<<"$flexsc"
	else
		values=(none)
		for ((k = 1; k < n; k++)); do
			values+=("$([ "$k" = 1 ] && echo $((n - 1)) || echo "$((n - k))-$((n - 1))")")
		done
	fi
	for v in "${values[@]}"; do
		[[ "$v" =~ ^(none|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)$ ]] ||
			die "--flexsc: '$v' is neither none nor a CPU list such as 1 or 1-3,5"
		if [ "$(max_cpu "$v")" -ge "$n" ]; then
			echo "sweep.sh: smp=$n has no CPU $(max_cpu "$v"): skipping flexsc.cores=$v there" >&2
			continue
		fi
		if [ -n "$user_cores" ] && [ $((user_cores + $(count_cpus "$v" "$n"))) -gt "$n" ]; then
			echo "sweep.sh: smp=$n has no room for $user_cores user core(s) beside flexsc.cores=$v: skipping it" >&2
			continue
		fi
		configs+=(--config "smp=$n flexsc=$v")
	done
done

[ ${#configs[@]} -gt 0 ] || die "no (smp, flexsc.cores) pair left to boot"
echo "sweep.sh: $((${#configs[@]} / 2)) exless boots: ${configs[*]//--config/}" >&2
exec "$root/scripts/bench.sh" --list "$list" "${pass[@]}" "${configs[@]}"
