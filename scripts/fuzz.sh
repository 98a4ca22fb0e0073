#!/bin/bash
# make fuzz: boot exless with the random-syscall fuzzer as init
# (userlib/prog/fuzz.c), then judge the run from its console output.
# Fails (non-zero exit) on a kernel panic, a crash or triple fault, a hang
# (timeout), a missing summary, or a FAIL from the fuzzer (a leak of free
# pages, a register the kernel changed, calls not made). Prints the kill
# reasons the kernel gave, counted, and ends with "fuzz: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
usage() {
	cat <<'USAGE'
usage: scripts/fuzz.sh [options]
  --calls N        calls per path (default 1000000)
  --seed N         seed, 0 <= N < 2^63 (default: a new one, printed)
  --paths LIST     comma list of int80,syscall,sysenter,flexsc (default all)
  --known on|off   off leaves out the hazards of issue 8's known bugs (default on)
  --smp N --mem SIZE --accel A --cpu MODEL   as for scripts/qemu.sh (default 2 CPUs)
  --timeout SEC    give up after SEC seconds (default: from the number of calls)
  --log FILE       console log (default build/fuzz/fuzz-<seed>.log)
  --kernel FILE    kernel image (default build/exless.img)
  --append STR     more kernel command line (e.g. fuzz.trace=1)
USAGE
}
die() { echo "fuzz.sh: $*" >&2; exit 2; }
kernel=build/exless.img calls=1000000 seed= paths=int80,syscall,sysenter,flexsc known=on smp=2 mem=512M accel=auto cpu= timeout= log= append=
while [ $# -gt 0 ]; do
	case "$1" in
	--calls) calls=${2-}; shift ;;
	--seed) seed=${2-}; shift ;;
	--paths) paths=${2-}; shift ;;
	--known) known=${2-}; shift ;;
	--smp) smp=${2-}; shift ;;
	--mem) mem=${2-}; shift ;;
	--accel) accel=${2-}; shift ;;
	--cpu) cpu=${2-}; shift ;;
	--timeout) timeout=${2-}; shift ;;
	--log) log=${2-}; shift ;;
	--kernel) kernel=${2-}; shift ;;
	--append) append=${2-}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
[[ "$calls" =~ ^[1-9][0-9]{0,11}$ ]] || die "FUZZ_CALLS (--calls) must be a positive integer, not '$calls'"
[ -z "$seed" ] && seed=$(( (RANDOM << 30 | RANDOM << 15 | RANDOM) ))
[[ "$seed" =~ ^[0-9]{1,18}$ ]] || die "FUZZ_SEED (--seed) must be a non-negative integer below 10^18, not '$seed'"
[[ "$paths" =~ ^(int80|syscall|sysenter|flexsc)(,(int80|syscall|sysenter|flexsc))*$ ]] ||
	die "FUZZ_PATHS (--paths) must be a comma list of int80,syscall,sysenter,flexsc, not '$paths'"
[[ "$known" =~ ^(on|off)$ ]] || die "FUZZ_KNOWN (--known) must be on or off, not '$known'"
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive integer, not '$smp'"
npaths=$(tr ',' '\n' <<<"$paths" | sort -u | wc -l)
# Under TCG a path makes a few thousand calls a second; allow 10x slower.
[ -z "$timeout" ] && timeout=$((120 + calls * npaths / 250))
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout must be whole seconds, not '$timeout'"
mkdir -p build/fuzz
[ -z "$log" ] && log=build/fuzz/fuzz-$seed.log

echo "fuzz: seed $seed, $calls calls per path ($paths), known hazards $known, $smp CPUs, timeout ${timeout}s, log $log"
args=(--kernel "$kernel" --smp "$smp" --mem "$mem" --accel "$accel" --timeout "$timeout"
	--append "init=fuzz fuzz.calls=$calls fuzz.seed=$seed fuzz.paths=$paths fuzz.known=$known $append")
[ -n "$cpu" ] && args+=(--cpu "$cpu")
start=$(date +%s)
scripts/qemu.sh "${args[@]}" >"$log" 2>"$log.err"
status=$?
secs=$(( $(date +%s) - start ))
cat "$log.err" >&2

problems=()
grep -aq '^PANIC on CPU' "$log" && problems+=("kernel panic")
case $status in
0|1) ;;
124) problems+=("hang: no end within ${timeout}s") ;;
*) problems+=("QEMU ended without an exit code (status $status): crash or triple fault") ;;
esac
grep -aq '^fuzz: summary' "$log" || problems+=("no summary from the fuzzer")
grep -aq '^fuzz: FAIL' "$log" && problems+=("the fuzzer reported failure")
grep -aq '^fuzz: PASS' "$log" || [ ${#problems[@]} -gt 0 ] || problems+=("no PASS line")

# The fuzzer's own lines, then the kernel's kill reasons, addresses folded.
grep -a '^fuzz: \(MISMATCH\|watchdog\|STUCK\)' "$log" | tr -d '\r' | head -n 20
grep -a '^fuzz: \(summary\|path \|int80\|syscall\|sysenter\|flexsc\|free pages\)' "$log" | tr -d '\r'
echo "fuzz: processes killed by the kernel, by reason:"
grep -ao '\] killed: .*' "$log" | tr -d '\r' | sed -E 's/^\] killed: //; s/0x[0-9a-f]+/ADDR/g' |
	sort | uniq -c | sort -rn | sed 's/^/fuzz:   /'
grep -aq 'garbage status' "$log" && echo "fuzz: FlexSC garbage-status reports: $(grep -ac 'garbage status' "$log")"
echo "fuzz: wall time ${secs}s (accel $(scripts/qemu.sh --accel "$accel" --print-accel))"
if [ ${#problems[@]} -gt 0 ]; then
	for p in "${problems[@]}"; do echo "fuzz: FAIL: $p (seed $seed, replay with FUZZ_SEED=$seed)"; done
	echo "fuzz: last lines of $log:"
	tail -n 25 "$log" | tr -d '\r\0' | sed 's/^/      | /'
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
echo "fuzz: 1 passed, 0 failed"
