#!/bin/bash
# make test: boot the kernel with `test` on each CPU count (pti=off), and with
# each other PTI mode of --pti (pti=on) on the CPU counts of --pti-smp, check
# its KTAP output, check that a CPU without NX is refused at boot, run a short
# fuzz (--fuzz-calls N per path, default 5000, 0 skips it: scripts/fuzz.sh, all
# four paths, 2 CPUs, known hazards off, seed 1, the leak check on), run the
# host-side unit tests (userlib, the sim model, the server workloads over
# Linux: bench/linux/srvtest.sh), and end with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
smp_list="1 2" mem=512M accel=auto cpu= append= timeout=240 fuzz_calls=5000 pti_list="off on" pti_smp=2
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp_list=$2; shift ;;
	--mem) mem=$2; shift ;;
	--accel) accel=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--append) append=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--fuzz-calls) fuzz_calls=$2; shift ;; # calls per path; 0 skips the fuzz run
	--pti) pti_list=$2; shift ;;          # modes: off runs on every --smp count
	--pti-smp) pti_smp=$2; shift ;;       # CPU counts of the other modes (pti=on)
	*) echo "test.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
for n in $smp_list; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "test.sh: TEST_SMP must list CPU counts, not '$n'" >&2; exit 2; }
done
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || { echo "test.sh: TEST_TIMEOUT must be whole seconds per boot, not '$timeout'" >&2; exit 2; }
[ -n "${pti_list// /}" ] || { echo "test.sh: TEST_PTI must name a mode (on, off)" >&2; exit 2; }
for m in $pti_list; do
	[[ "$m" =~ ^(on|off)$ ]] || { echo "test.sh: TEST_PTI must list on and/or off, not '$m'" >&2; exit 2; }
done
for n in $pti_smp; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "test.sh: TEST_PTI_SMP must list CPU counts, not '$n'" >&2; exit 2; }
done
[[ "$fuzz_calls" =~ ^[0-9]+$ ]] || { echo "test.sh: TEST_FUZZ_CALLS must be a whole number (0 skips), not '$fuzz_calls'" >&2; exit 2; }
mkdir -p build/test
total_pass=0 total_fail=0
count() { # add the counts from a summary line "label: N passed, N failed..."
	local line p f
	line=$(tail -n 1 "$1")
	p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$line")
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-1}))
}
boots=()
for m in $pti_list; do
	if [ "$m" = off ]; then
		for n in $smp_list; do boots+=("$n off"); done
	else
		for n in $pti_smp; do boots+=("$n $m"); done
	fi
done
for b in "${boots[@]}"; do
	read -r n m <<<"$b"
	name=smp$n
	[ "$m" = off ] || name=smp$n-pti-$m
	log=build/test/kernel-$name.log
	echo "== kernel tests, $n CPU(s), pti=$m"
	args=(--smp "$n" --mem "$mem" --accel "$accel" --timeout "$timeout" --append "test pti=$m $append")
	[ -n "$cpu" ] && args+=(--cpu "$cpu")
	scripts/qemu.sh "${args[@]}" >"$log" 2>build/test/qemu-$name.err
	status=$?
	cat build/test/qemu-$name.err >&2
	python3 scripts/ktap.py "$log" "$name" "$status" | tee build/test/summary-$name.txt
	count build/test/summary-$name.txt
done
echo "== a CPU without NX: refused at boot with a message"
nargs=(--smp 1 --mem "$mem" --accel "$accel" --cpu qemu64,-nx --timeout 60 --append test)
scripts/qemu.sh "${nargs[@]}" >build/test/nonx.log 2>build/test/nonx.err
status=$?
if [ "$status" -eq 1 ] && grep -aq 'lacks long mode or NX' build/test/nonx.log; then
	echo "nonx: 1 passed, 0 failed"
else
	echo "nonx: 0 passed, 1 failed (status $status, want 1 and the refusal line; log build/test/nonx.log)"
fi | tee build/test/summary-nonx.txt
count build/test/summary-nonx.txt
if [ "$fuzz_calls" -gt 0 ]; then
	echo "== fuzz, 2 CPUs, $fuzz_calls calls per path"
	fargs=(--calls "$fuzz_calls" --seed 1 --known off --smp 2 --mem "$mem" --accel "$accel" --log build/test/fuzz.log)
	[ -n "$cpu" ] && fargs+=(--cpu "$cpu")
	scripts/fuzz.sh "${fargs[@]}" >build/test/fuzz.out 2>&1
	grep -E '^fuzz: (seed|FAIL|wall)' build/test/fuzz.out
	grep -q '^fuzz: 1 passed' build/test/fuzz.out || cat build/test/fuzz.out
	tail -n 1 build/test/fuzz.out >build/test/summary-fuzz.txt
	count build/test/summary-fuzz.txt
fi
# One host-side suite: host_suite LABEL LOG COMMAND...; its last
# "N passed, N failed" line counts; a suite that fails with no failures
# counted, or prints no such line, counts as one failure.
host_suite() {
	local label=$1 log=build/test/$2 sum=build/test/summary-${2%.log}.txt status
	shift 2
	echo "== $label host tests"
	"$@" >"$log" 2>&1
	status=$?
	grep -E 'FAIL' "$log" | tail -n 20
	grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | sed "s/^/$label: /" >"$sum"
	[ -s "$sum" ] || echo "$label: 0 passed, 1 failed" >"$sum"
	count "$sum"
	[ "$status" -ne 0 ] && [ "$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' "$sum")" = 0 ] && total_fail=$((total_fail + 1))
	return 0
}
host_suite userlib userlib.log userlib/test/run.sh
host_suite "sim model" sim-model.log bench/sim/test.sh
host_suite "server workloads" srvtest.log bench/linux/srvtest.sh
host_suite "bench targets" targets.log python3 scripts/targets_test.py
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
