#!/bin/bash
# make test-cpus: the in-kernel suite under several CPU models and through
# SeaBIOS, so that a feature one model lacks (RDTSCP on qemu64, x2APIC, an
# AMD vendor) or firmware that leaves the 8259 on is caught. One line per
# boot, then "N passed, N failed"; exit status 0 only if nothing failed.
# Each boot gets 1 or 2 CPUs: the 2-CPU ones run the KTEST_SMP tests too.
set -u
cd "$(dirname "$0")/.."
usage() {
	cat <<'USAGE'
usage: scripts/test-cpus.sh [--jobs N] [--timeout SEC] [--only LABEL]
  --jobs N        boots at once (default 2)
  --timeout SEC   per boot (default 300)
  --only LABEL    just that entry of the matrix (e.g. EPYC, seabios)
USAGE
}
jobs=2 timeout=300 only=
while [ $# -gt 0 ]; do
	case "$1" in
	--jobs) jobs=${2:-}; shift ;;
	--timeout) timeout=${2:-}; shift ;;
	--only) only=${2:-}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; echo "test-cpus.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "test-cpus.sh: --jobs must be a positive integer, not '$jobs'" >&2; exit 2; }
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || { echo "test-cpus.sh: --timeout must be whole seconds, not '$timeout'" >&2; exit 2; }

# label        -cpu                          CPUs firmware
matrix=(
	"qemu64         qemu64                        2 qboot"
	"Nehalem        Nehalem                       1 qboot"
	"Skylake-Server Skylake-Server                1 qboot"
	"Icelake-Server Icelake-Server                2 qboot"
	"EPYC           EPYC                          2 qboot"
	"seabios        max,vendor=GenuineIntel       2 seabios"
)
if [ -n "$only" ]; then
	sel=()
	for m in "${matrix[@]}"; do [ "${m%% *}" = "$only" ] && sel+=("$m"); done
	[ ${#sel[@]} -gt 0 ] || { echo "test-cpus.sh: no '$only' in the matrix (${matrix[*]%% *})" >&2; exit 2; }
	matrix=("${sel[@]}")
fi

dir=build/test-cpus
rm -rf "$dir" && mkdir -p "$dir"
boot() { # label cpu smp firmware: one boot, its summary line in $dir/label.sum
	local label=$1 cpu=$2 smp=$3 fw=$4 t0=$SECONDS status
	scripts/qemu.sh --smp "$smp" --cpu "$cpu" --firmware "$fw" --accel tcg --timeout "$timeout" \
		--append test >"$dir/$label.log" 2>"$dir/$label.err"
	status=$?
	python3 scripts/ktap.py "$dir/$label.log" "$label" "$status" >"$dir/$label.ktap"
	printf '%-15s -cpu %-24s %d CPU(s), %-7s %3ds  %s\n' "$label" "$cpu" "$smp" "$fw" $((SECONDS - t0)) \
		"$(tail -n 1 "$dir/$label.ktap" | sed 's/^[^:]*: //')" >"$dir/$label.sum"
}
t0=$SECONDS
running=0
for m in "${matrix[@]}"; do
	# shellcheck disable=SC2086
	boot $m &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
pass=0 fail=0
for m in "${matrix[@]}"; do
	label=${m%% *}
	cat "$dir/$label.sum"
	line=$(tail -n 1 "$dir/$label.ktap")
	p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$line")
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
	if [ "${f:-1}" != 0 ]; then
		sed '$d' "$dir/$label.ktap"
		grep -v '^qemu.sh: accel=' "$dir/$label.err" | grep -v "doesn't support requested feature" | sed 's/^/    /'
		echo "    log: $dir/$label.log"
	fi
done
echo "cpu matrix: ${#matrix[@]} boots in $((SECONDS - t0))s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
