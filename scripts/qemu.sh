#!/bin/bash
# Boot a kernel under QEMU with the settings every exless command shares.
# Chooses the accelerator: hardware KVM only where /dev/kvm works AND the CPU
# has vmx/svm (a software /dev/kvm, such as PVM, is far slower than TCG);
# otherwise multi-threaded TCG. Maps the guest's isa-debug-exit codes:
#   0  guest wrote 0x10 (success)     1   guest wrote 0x11 (failure, panic)
#   124 timeout                        2   anything else (crash, triple fault)
set -u
usage() {
	cat <<'USAGE'
usage: scripts/qemu.sh [options] [-- extra qemu args]
  --kernel FILE     kernel (default build/exless.img)
  --initrd FILE     initial ramdisk
  --smp N           CPUs (default 2)
  --mem SIZE        memory (default 512M)
  --accel A         auto | kvm | tcg | icount | sim (default auto); sim is icount
                    plus a TCG plugin (--plugin), for make bench ACCEL=sim
  --cpu MODEL       -cpu value (default: host for kvm, max,vendor=GenuineIntel for TCG)
  --firmware F      qboot | seabios (default qboot where installed, else QEMU's default, SeaBIOS)
  --append STR      kernel command line
  --timeout SEC     kill the guest after SEC seconds (exit 124)
  --log FILE        also copy the serial output to FILE
  --interactive     serial console on this terminal (stdin goes to the guest)
  --gdb             start paused with the gdb stub on :1234
  --plugin SPEC     -plugin SPEC (FILE.so,key=value,...); needed by --accel sim
  --print-accel     print the accelerator that would be used (kvm|tcg|tcg-icount|tcg-sim) and exit
USAGE
}
kernel=build/exless.img initrd= smp=2 mem=512M accel=auto cpu= firmware= append= timeout=0 log= interactive=0 gdb=0 print=0
plugin=
extra=()
die() { echo "qemu.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift ;;
	--initrd) initrd=${2:?}; shift ;;
	--smp) smp=${2:?}; shift ;;
	--mem) mem=${2:?}; shift ;;
	--accel) accel=${2:?}; shift ;;
	--cpu) cpu=${2:?}; shift ;;
	--firmware) firmware=${2:?}; shift ;;
	--append) append=${2-}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--log) log=${2:?}; shift ;;
	--plugin) plugin=${2:?}; shift ;;
	--interactive) interactive=1 ;;
	--gdb) gdb=1 ;;
	--print-accel) print=1 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive integer, not '$smp'"
[[ "$mem" =~ ^[1-9][0-9]*[MG]?$ ]] || die "--mem must look like 512M or 2G, not '$mem'"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds, not '$timeout'"
qboot=/usr/share/qemu/qboot.rom
case "$firmware" in
'') [ -e "$qboot" ] && firmware=qboot || firmware=seabios ;;
qboot) [ -e "$qboot" ] || die "--firmware qboot: no $qboot (install qemu-system-data)" ;;
seabios) ;;
*) die "--firmware must be qboot or seabios, not '$firmware'" ;;
esac

hw_virt() { grep -qwE 'vmx|svm' /proc/cpuinfo; }
kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ] && hw_virt; }
case "$accel" in
auto)
	if kvm_usable; then accel=kvm why="/dev/kvm works and the CPU has vmx/svm"
	elif [ -e /dev/kvm ]; then accel=tcg why="/dev/kvm exists but the CPU shows no vmx/svm (a software hypervisor such as PVM emulates guests far slower than TCG)"
	else accel=tcg why="no /dev/kvm"; fi ;;
kvm) kvm_usable || echo "qemu.sh: warning: ACCEL=kvm forced, but hardware virtualization was not found" >&2
	why="forced" ;;
tcg|icount|sim) why="forced" ;;
*) die "--accel must be auto, kvm, tcg, icount or sim, not '$accel'" ;;
esac
if [ "$print" = 1 ]; then
	case "$accel" in icount|sim) echo "tcg-$accel" ;; *) echo "$accel" ;; esac
	exit 0
fi
[ "$accel" != sim ] || [ -n "$plugin" ] || die "--accel sim needs --plugin (make bench ACCEL=sim gives it)"
[ "$accel" = sim ] || [ -z "$plugin" ] || [ "${accel#tcg}" != "$accel" ] || [ "$accel" = icount ] ||
	die "--plugin needs a TCG accelerator (tcg, icount, sim), not '$accel'"
[ -f "$kernel" ] || die "no kernel at '$kernel' (run make first)"

args=(-machine q35 -m "$mem" -smp "$smp" -kernel "$kernel" -no-reboot -display none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
# SeaBIOS is what QEMU loads without -bios; its option ROM boots -kernel.
[ "$firmware" = qboot ] && args+=(-bios "$qboot")
case "$accel" in
kvm) args+=(-accel kvm -cpu "${cpu:-host,-arch-capabilities}") ;;
tcg) args+=(-accel tcg,thread=multi -cpu "${cpu:-max,vendor=GenuineIntel}") ;;
icount|sim) args+=(-accel tcg -icount shift=0,sleep=off -cpu "${cpu:-max,vendor=GenuineIntel}") ;;
esac
[ -n "$plugin" ] && args+=(-plugin "$plugin")
[ -n "$initrd" ] && args+=(-initrd "$initrd")
[ -n "$append" ] && args+=(-append "$append")
if [ "$gdb" = 1 ]; then args+=(-s -S); fi
echo "qemu.sh: accel=$(case "$accel" in icount|sim) echo "tcg-$accel" ;; *) echo "$accel" ;; esac) ($why), smp=$smp, mem=$mem, firmware=$firmware" >&2

if [ "$interactive" = 1 ]; then
	args+=(-serial mon:stdio)
	qemu-system-x86_64 "${args[@]}" "${extra[@]}"
	rc=$?
else
	args+=(-serial stdio -monitor none)
	if [ "$timeout" -gt 0 ]; then
		run=(timeout --foreground -k 5 "$timeout" qemu-system-x86_64)
	else
		run=(qemu-system-x86_64)
	fi
	if [ -n "$log" ]; then
		"${run[@]}" "${args[@]}" "${extra[@]}" </dev/null | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		"${run[@]}" "${args[@]}" "${extra[@]}" </dev/null
		rc=$?
	fi
fi
case $rc in
33) exit 0 ;;
35) exit 1 ;;
124|137) echo "qemu.sh: timeout after ${timeout}s" >&2; exit 124 ;;
*) echo "qemu.sh: guest ended without an exit code (qemu status $rc): crash or triple fault" >&2; exit 2 ;;
esac
