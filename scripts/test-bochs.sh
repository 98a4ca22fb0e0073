#!/bin/bash
# make test-bochs: the in-kernel suite under Bochs with its Skylake-X model
# (x2APIC, PCID, INVPCID: what QEMU 7.2's TCG lacks), booted from a GRUB 2
# ISO (so the GRUB form of the Multiboot command line is exercised too).
# Bochs interprets every instruction: one boot takes many minutes. Debian's
# bochs stops in its debugger at reset, so a command file continues it; the
# kernel cannot leave Bochs, so this script stops Bochs once the serial log
# shows the end of the run. Ends with "N passed, N failed"; non-zero on any
# failure.
set -u
cd "$(dirname "$0")/.."
usage() {
	cat <<'USAGE'
usage: scripts/test-bochs.sh [--kernel FILE] [--smp N] [--mem MIB] [--model M] [--append STR] [--timeout SEC]
  --kernel FILE   kernel (default build/exless.img)
  --smp N         CPUs (default 2)
  --mem MIB       guest memory in MiB (default 128: the memory-exhaustion tests scale with it)
  --model M       Bochs cpu model (default corei7_skylake_x; bochs --help cpu lists them)
  --append STR    kernel options (default "test"; e.g. "test=lapic" for a subset)
  --timeout SEC   give up after SEC seconds (default 3600)
USAGE
}
kernel=build/exless.img smp=2 mem=128 model=corei7_skylake_x append=test timeout=3600
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:-}; shift ;;
	--smp) smp=${2:-}; shift ;;
	--mem) mem=${2:-}; shift ;;
	--model) model=${2:-}; shift ;;
	--append) append=${2:-}; shift ;;
	--timeout) timeout=${2:-}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; echo "test-bochs.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "test-bochs.sh: $*" >&2; exit 2; }
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive integer, not '$smp'"
[[ "$mem" =~ ^[1-9][0-9]*$ ]] || die "--mem must be MiB as a positive integer, not '$mem'"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout must be whole seconds, not '$timeout'"
[[ "$model" =~ ^[a-z0-9_]+$ ]] || die "--model must be a Bochs cpu model name, not '$model'"
[ -f "$kernel" ] || die "no kernel at '$kernel' (run make first)"
scripts/setup.sh bochs || exit 2
bochs --help cpu 2>&1 | grep -qx "$model" || die "Bochs has no cpu model '$model' (see: bochs --help cpu)"

dir=build/bochs
rm -rf "$dir" && mkdir -p "$dir/iso/boot/grub"
cp "$kernel" "$dir/iso/boot/exless.img"
cat >"$dir/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
menuentry "exless $append" {
	multiboot /boot/exless.img $append
	boot
}
CFG
grub-mkrescue -o "$dir/exless.iso" "$dir/iso" >"$dir/grub-mkrescue.log" 2>&1 ||
	{ cat "$dir/grub-mkrescue.log" >&2; die "grub-mkrescue failed"; }
# The rfb display needs no X server; timeout=0: do not wait for a viewer.
cat >"$dir/bochsrc" <<RC
cpu: model=$model, count=$smp, ips=100000000
memory: guest=$mem, host=$mem
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=exless.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=serial.log
display_library: rfb, options="timeout=0"
sound: driver=dummy
speaker: enabled=0
log: bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
RC
printf 'continue\nquit\n' >"$dir/commands"
echo "== kernel tests under Bochs ($model, $smp CPU(s)), booted by GRUB; serial log $dir/serial.log"
t0=$SECONDS
(cd "$dir" && exec bochs -q -f bochsrc -rc commands >bochs.out 2>&1 </dev/null) &
pid=$!
status=0
while :; do
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"; status=$?
		[ "$status" = 0 ] && status=2 # Bochs ended on its own: a triple fault or a Bochs panic
		break
	fi
	if grep -qE '^exless: tests done|^PANIC on CPU' "$dir/serial.log" 2>/dev/null; then
		sleep 2 # the rest of a panic report
		grep -q '^exless: tests done, 0 failed' "$dir/serial.log" && status=0 || status=1
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		break
	fi
	if [ $((SECONDS - t0)) -ge "$timeout" ]; then
		echo "test-bochs.sh: timeout after ${timeout}s" >&2
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		status=124
		break
	fi
	sleep 5
done
grep -E '>>PANIC<<|\]e\[' "$dir/bochs.log" 2>/dev/null | head -n 5 | sed 's/^/bochs: /'
grep -E '^(tsc|cpu|smp):' "$dir/serial.log" 2>/dev/null
python3 scripts/ktap.py "$dir/serial.log" "bochs-$model-smp$smp" "$status" | tee "$dir/summary.txt"
echo "bochs: $((SECONDS - t0))s"
line=$(tail -n 1 "$dir/summary.txt")
p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$line")
f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$line")
echo "${p:-0} passed, ${f:-1} failed"
[ "${f:-1}" = 0 ]
