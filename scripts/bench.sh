#!/bin/bash
# Runs the benchmark suite: boots exless with "bench" on its command line (the
# kernel runs the suite, then powers off), then the Linux peer on the same
# virtual hardware, and turns their serial output into results/<UTC time>/:
# raw.log, qemu.log, results.csv, meta.json and the charts. Everything is
# written to a temporary directory first and renamed at the end, so a failed
# run leaves no half directory and never touches an earlier one;
# results/latest follows only successful runs. `make bench` calls this.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
qemu_sh=${QEMU_SH:-$root/scripts/qemu.sh}
all_benches="nullcall floor pingpong batch cores size indirect server webserver kvstore"
# The default: all but the server workloads, which take minutes under TCG.
default_benches="nullcall floor pingpong batch cores size indirect server"
linux_benches="nullcall pingpong batch size webserver kvstore"
# The kernel keeps CMDLINE_MAX - 1 bytes of its command line (kernel/cmdline.h).
cmdline_max=255

usage() {
	cat <<USAGE
usage: scripts/bench.sh [options]
  --kernel FILE      exless image (default build/exless.img)
  --iters N          samples per measurement, 1..1000000 (default 10000)
  --batches LIST     batch sizes, each 1..1024 (default "1 2 4 8 16 32 64 128 256")
  --sizes LIST       bytes per read/write, each 1..1048576
                     (default "1 4 16 64 256 1024 4096 16384 65536")
  --list NAMES       benches among: $all_benches
                     (default: all but webserver and kvstore)
  --threads LIST     server threads (= client connections) for webserver and kvstore,
                     each 1..64 (default "1 4 16")
  --work LIST        bytes of user work per operation of the server bench, each
                     1..4096 (default "256 1024 4096")
  --requests N       measured requests per point of webserver and kvstore,
                     1..1000000 (default 500)
  --smp N            CPUs of every boot, 1..64 (default 2)
  --syscall-cores N  exless's syscall cores: the top N CPUs (flexsc.cores=SMP-N..SMP-1),
                     0..SMP-1, 0 meaning flexsc.cores=none (single-core mode); default:
                     the kernel's (the top CPU with 2 CPUs or more). Not with --config
  --user-cores N     CPUs of the webserver and kvstore servers (bench.user_cores=N on
                     exless and Linux): CPUs 1, 2, ... that run no syscall threads, then
                     CPU 0, the client's. N + syscall cores must be at most the CPUs of
                     each boot. Default: every CPU a mode leaves free but CPU 0
  --mem SIZE         memory of every boot, e.g. 1G (default 1G)
  --accel A          auto | kvm | tcg | icount | sim (default auto: scripts/qemu.sh decides)
  --icount 0|1       1: same as --accel icount: TCG with -icount shift=0, the TSC
                     counting guest instructions (default 0)
  --sim-plugin FILE  the simulation plugin (bench/sim/), needed by --accel sim:
                     icount plus the plugin, which counts instructions, cache and
                     TLB misses per measurement window (exless only: no peer)
  --sim-args STR     plugin settings, e.g. "l1d=49152:12 llc=8388608:16";
                     profile=1 adds instructions per code address to raw.log
                     (read them with scripts/simprof.py)
  --cpu MODEL        -cpu value for every boot (default: scripts/qemu.sh's)
  --peer 0|1         also boot the Linux peer (default 1)
  --peer-args STR    more Linux parameters, e.g. nopti (default none)
  --pti MODES        exless page-table isolation, "off", "on" or "off on": every exless
                     boot once per mode (pti=MODE on its command line; default off).
                     The mode is the pti column of results.csv and each run's in meta.json
  --flexsc-single M  how exless's single-core FlexSC mode (no syscall core) runs a
                     waiter's posts: inline (the waiter runs them, default) or switch
                     (a hand-off to a syscall thread and back); flexsc.single=M on every
                     exless command line, the flexsc_single column of results.csv and
                     meta.json (only boots without a syscall core use it)
  --exless 0|1       boot exless (default 1; 0 runs the Linux peer alone)
  --config SPEC      one exless boot, "smp=N" or "smp=N flexsc=LIST|none"; repeatable,
                     overrides --smp (scripts/sweep.sh uses it). The peer boots once
                     per distinct smp.
  --timeout SEC      per boot (default 300)
  --out DIR          parent of the run directory (default results)
  --check            check the options, then exit (bench.mk does, before building)
LISTs and NAMES are separated by spaces or commas, at most 16 entries.
QEMU_SH=FILE boots through FILE instead of scripts/qemu.sh (tests).
Exit status: 0 published; 1 a boot, the collection or the charts failed
(the logs are kept in \${TMPDIR:-/tmp}); 64 bad usage.
USAGE
}

die() { echo "bench.sh: $1" >&2; exit "${2:-64}"; }
need() { [ $# -ge 2 ] || die "option '$1' needs a value"; }

kernel=$root/build/exless.img iters=10000 batches="1 2 4 8 16 32 64 128 256" threads="1 4 16" requests=500
sizes="1 4 16 64 256 1024 4096 16384 65536" work="256 1024 4096" list=$default_benches smp=2 mem=1G accel=auto
icount=0 cpu='' peer=1 peer_args='' exless=1 timeout=300 out=$root/results configs=() check=0
sim_plugin='' sim_args='' pti=off syscall_cores='' user_cores='' flexsc_single=inline

command="scripts/bench.sh $*"
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need "$@"; kernel=$2; shift ;;
	--iters) need "$@"; iters=$2; shift ;;
	--batches) need "$@"; batches=$2; shift ;;
	--sizes) need "$@"; sizes=$2; shift ;;
	--list) need "$@"; list=$2; shift ;;
	--threads) need "$@"; threads=$2; shift ;;
	--work) need "$@"; work=$2; shift ;;
	--requests) need "$@"; requests=$2; shift ;;
	--smp) need "$@"; smp=$2; shift ;;
	--syscall-cores) need "$@"; syscall_cores=$2; shift ;;
	--user-cores) need "$@"; user_cores=$2; shift ;;
	--mem) need "$@"; mem=$2; shift ;;
	--accel) need "$@"; accel=$2; shift ;;
	--icount) need "$@"; icount=$2; shift ;;
	--cpu) need "$@"; cpu=$2; shift ;;
	--peer) need "$@"; peer=$2; shift ;;
	--peer-args) need "$@"; peer_args=$2; shift ;;
	--pti) need "$@"; pti=$2; shift ;;
	--flexsc-single) need "$@"; flexsc_single=$2; shift ;;
	--exless) need "$@"; exless=$2; shift ;;
	--config) need "$@"; configs+=("$2"); shift ;;
	--sim-plugin) need "$@"; sim_plugin=$2; shift ;;
	--sim-args) need "$@"; sim_args=$2; shift ;;
	--timeout) need "$@"; timeout=$2; shift ;;
	--out) need "$@"; out=$2; shift ;;
	--check) check=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

uint='^[1-9][0-9]{0,8}$'
# Checks a list of numbers in 1..max and prints it comma-separated.
number_list() {
	local name=$1 max=$2 words w
	read -ra words <<<"${3//,/ }"
	[ ${#words[@]} -ge 1 ] && [ ${#words[@]} -le 16 ] ||
		die "$name wants 1 to 16 numbers, not '$3'"
	for w in "${words[@]}"; do
		[[ "$w" =~ $uint ]] && [ "$w" -le "$max" ] || die "$name: '$w' is not a number in 1..$max"
	done
	local IFS=,
	echo "${words[*]}"
}
[[ "$iters" =~ $uint ]] && [ "$iters" -le 1000000 ] || die "--iters wants a number in 1..1000000, not '$iters'"
batches=$(number_list --batches 1024 "$batches") || exit
sizes=$(number_list --sizes 1048576 "$sizes") || exit
threads=$(number_list --threads 64 "$threads") || exit
work=$(number_list --work 4096 "$work") || exit
[[ "$requests" =~ $uint ]] && [ "$requests" -le 1000000 ] ||
	die "--requests wants a number in 1..1000000, not '$requests'"
read -ra names <<<"${list//,/ }"
[ ${#names[@]} -ge 1 ] || die "--list names no bench"
linux_names=()
for n in "${names[@]}"; do
	[[ " $all_benches " == *" $n "* ]] || die "--list: unknown bench '$n' (known: $all_benches)"
	[[ " $linux_benches " == *" $n "* ]] && linux_names+=("$n")
done
list=$(IFS=,; echo "${names[*]}")
linux_list=$(IFS=,; echo "${linux_names[*]}")
[[ "$smp" =~ $uint ]] && [ "$smp" -le 64 ] || die "--smp wants a number in 1..64, not '$smp'"
[[ "$mem" =~ ^[1-9][0-9]*[MG]$ ]] || die "--mem wants a size like 512M or 1G, not '$mem'"
[[ "$timeout" =~ $uint ]] || die "--timeout wants whole seconds, not '$timeout'"
for v in icount peer exless; do
	[[ "${!v}" =~ ^[01]$ ]] || die "--$v wants 0 or 1, not '${!v}'"
done
case "$accel" in auto|kvm|tcg|icount|sim) ;; *) die "--accel wants auto, kvm, tcg, icount or sim, not '$accel'" ;; esac
read -ra pti_modes <<<"${pti//,/ }"
[ ${#pti_modes[@]} -ge 1 ] || die "--pti wants off, on or both, not '$pti'"
for m in "${pti_modes[@]}"; do
	[[ "$m" =~ ^(on|off)$ ]] || die "--pti: '$m' is not on or off"
	[ "$(printf '%s\n' "${pti_modes[@]}" | grep -cx "$m")" = 1 ] || die "--pti: '$m' given twice"
done
[[ "$flexsc_single" =~ ^(inline|switch)$ ]] || die "--flexsc-single wants inline or switch, not '$flexsc_single'"
if [ "$icount" = 1 ]; then
	[ "$accel" = kvm ] && die "--icount 1 is a TCG mode: it cannot go with --accel kvm"
	[ "$accel" = sim ] || accel=icount
fi
# sim: every plugin setting key=value, joined with commas for -plugin.
sim_spec=''
read -ra sim_words <<<"$sim_args"
for w in "${sim_words[@]}"; do
	[[ "$w" =~ ^(line=[0-9]+|(l1i|l1d|l2|llc|itlb|dtlb|stlb)=[0-9]+:[0-9]+|profile=[01])$ ]] ||
		die "--sim-args: '$w' is not line=BYTES, l1i|l1d|l2|llc|itlb|dtlb|stlb=SIZE:WAYS or profile=0|1"
	sim_spec+=,$w
done
if [ "$accel" = sim ]; then
	if [ "$peer" = 1 ]; then
		echo "bench.sh: the Linux peer does not run under --accel sim: exless only" >&2
		peer=0
	fi
	[ "$exless" = 1 ] || die "--accel sim runs exless only: --exless 0 leaves nothing"
	[ -n "$sim_plugin" ] || [ "$check" = 1 ] || die "--accel sim needs --sim-plugin (make bench ACCEL=sim builds it)"
else
	[ -z "$sim_args" ] || die "--sim-args goes with --accel sim only"
fi
[ "$exless" = 1 ] || [ "$peer" = 1 ] || die "--exless 0 --peer 0 leaves nothing to run"
explicit_configs=${#configs[@]}
if [ -n "$syscall_cores" ]; then
	[ "$explicit_configs" = 0 ] ||
		die "--syscall-cores goes with --smp; with --config give flexsc= in each --config"
	[[ "$syscall_cores" =~ ^(0|[1-9][0-9]?)$ ]] && [ "$syscall_cores" -lt "$smp" ] ||
		die "--syscall-cores wants a number in 0..$((smp - 1)) (smp=$smp: the top N CPUs, at least one left for user code), not '$syscall_cores'"
	if [ "$syscall_cores" = 0 ]; then
		configs=("smp=$smp flexsc=none")
	elif [ "$syscall_cores" = 1 ]; then
		configs=("smp=$smp flexsc=$((smp - 1))")
	else
		configs=("smp=$smp flexsc=$((smp - syscall_cores))-$((smp - 1))")
	fi
fi
if [ -n "$user_cores" ]; then
	[[ "$user_cores" =~ $uint ]] && [ "$user_cores" -le 64 ] ||
		die "--user-cores wants a number in 1..64, not '$user_cores'"
	[[ ",$list," == *,webserver,* || ",$list," == *,kvstore,* ]] ||
		die "--user-cores is for webserver and kvstore, which --list ($list) does not name"
fi
[ ${#configs[@]} -gt 0 ] || configs=("smp=$smp")
# The syscall cores of a boot: flexsc_count SMP FLEXSC (default: the
# kernel's, the top CPU with 2 CPUs or more; CPUs past SMP count none).
flexsc_count() {
	local n=0 c a b
	case "$2" in
	default) [ "$1" -ge 2 ] && n=1 ;;
	none) ;;
	*) for c in ${2//,/ }; do
		a=${c%-*} b=${c#*-}
		for ((; a <= b && a < $1; a++)); do n=$((n + 1)); done
	   done ;;
	esac
	echo "$n"
}
# Each config: "smp flexsc" with flexsc "default" when not given.
runs=()
for c in "${configs[@]}"; do
	c_smp='' c_flexsc=default
	read -ra kvs <<<"$c"
	for kv in "${kvs[@]}"; do
		case "$kv" in
		smp=*) c_smp=${kv#smp=} ;;
		flexsc=*) c_flexsc=${kv#flexsc=} ;;
		*) die "--config '$c': unknown setting '$kv' (smp=N flexsc=LIST|none)" ;;
		esac
	done
	[[ "$c_smp" =~ $uint ]] && [ "$c_smp" -le 64 ] || die "--config '$c' wants smp=N, N in 1..64"
	[[ "$c_flexsc" =~ ^(default|none|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)$ ]] ||
		die "--config '$c': flexsc= wants a CPU list such as 1 or 1-3,5, or none"
	if [ -n "$user_cores" ]; then
		n=$(flexsc_count "$c_smp" "$c_flexsc")
		[ $((user_cores + n)) -le "$c_smp" ] ||
			die "--user-cores $user_cores and $n syscall core(s) (flexsc.cores=$c_flexsc) need $((user_cores + n)) CPUs; smp=$c_smp has $c_smp (fewer user cores or syscall cores, or more CPUs)"
	fi
	runs+=("$c_smp $c_flexsc")
done
# The bench.* options of a boot running the comma-separated benches $1: only
# those they read, so that the command line stays short.
bench_args() {
	local a="bench.iters=$iters"
	[[ ",$1," != *,batch,* ]] || a+=" bench.batches=$batches"
	[[ ",$1," != *,size,* ]] || a+=" bench.sizes=$sizes"
	[[ ",$1," != *,server,* ]] || a+=" bench.work=$work"
	[[ ",$1," != *,webserver,* && ",$1," != *,kvstore,* ]] ||
		a+=" bench.threads=$threads bench.requests=$requests${user_cores:+ bench.user_cores=$user_cores}"
	echo "$a bench.list=$1"
}
# exless's command line: "bench", the options, flexsc.cores=.
# exless's command line: exless_append FLEXSC LIST PTI
exless_append() {
	local a="bench $(bench_args "$2") pti=$3 flexsc.single=$flexsc_single"
	[ "$1" = default ] || a+=" flexsc.cores=$1"
	echo "$a"
}
for r in "${runs[@]}"; do
	a=$(exless_append "${r#* }" "$list" off)
	[ ${#a} -le $cmdline_max ] ||
		die "exless's command line would be ${#a} bytes, more than the $cmdline_max it keeps: '$a' (fewer benches, batches or sizes per run)"
done
[ "$check" = 0 ] || exit 0
[ "$exless" = 0 ] || [ -f "$kernel" ] || die "no exless image at $kernel (run make first)" 1
[ -d "$out" ] || mkdir -p "$out" || die "cannot create $out" 1
[ -x "$qemu_sh" ] || die "no $qemu_sh" 1
if [ "$accel" = sim ]; then
	# The plugin's API must be one this QEMU loads, and its header must come
	# from the source of the QEMU installed here.
	[ -f "$sim_plugin" ] || die "no simulation plugin at $sim_plugin" 1
	built=$(cat "$sim_plugin.qemu-src" 2>/dev/null)
	installed=$(dpkg-query -W -f '${source:Version}' qemu-system-x86 2>/dev/null)
	[ -n "$installed" ] && [ "$built" = "$installed" ] ||
		die "the plugin was built against the header of Debian qemu '${built:-?}', but the installed QEMU is '${installed:-?}': rebuild it (rm $sim_plugin; make bench ACCEL=sim)" 1
	probe=$(echo quit | timeout 30 qemu-system-x86_64 -M none -display none -nodefaults -monitor stdio \
		-accel tcg -plugin "$sim_plugin,out=/dev/null$sim_spec" 2>&1 >/dev/null) ||
		die "QEMU refuses the plugin (API version or settings): $probe" 1
fi

peer_smps=$(for r in "${runs[@]}"; do echo "${r%% *}"; done | sort -nu)
# Boots whose TSC counts instructions: one-CPU benches boot alone (below).
exact=0
case "$accel" in icount|sim) exact=1 ;; esac
if [ "$accel" = icount ] && [ "$peer" = 1 ] && [ "$peer_smps" != 1 ]; then
	echo "bench.sh: under icount Linux hangs bringing up a second CPU: the peer boots with smp=1" >&2
	peer_smps=1
fi
# Under icount the benches that use one CPU (nullcall, floor, size) get a boot of
# their own with one CPU; the rest keep the configured CPUs.
single_list= multi_list=
for b in ${list//,/ }; do
	case "$b" in
	nullcall|floor|size) single_list+=${single_list:+,}$b ;;
	# Counted exactly, batch runs on both: the one-CPU boot is FlexSC's
	# single-core mode, the other has a syscall core.
	batch) [ "$exact" = 0 ] || single_list+=${single_list:+,}$b
	       multi_list+=${multi_list:+,}$b ;;
	*) multi_list+=${multi_list:+,}$b ;;
	esac
done
# Counted exactly, the one-CPU benches boot once per run, with one CPU
# (single-core mode, whatever flexsc.cores a config names): not at all when
# a config of one CPU runs the whole list, else before the first config of
# several CPUs. one_cpu_boot: 1 while that boot is still to come.
one_cpu_boot=0
if [ "$exact" = 1 ] && [ -n "$single_list" ]; then
	one_cpu_boot=1
	for r in "${runs[@]}"; do
		[ "${r%% *}" -gt 1 ] || one_cpu_boot=0
	done
fi
phases=0
if [ "$exless" = 1 ]; then
	[ "$one_cpu_boot" = 0 ] || phases=${#pti_modes[@]}
	for r in "${runs[@]}"; do
		if [ "$exact" = 1 ] && [ "${r%% *}" -gt 1 ] && [ -n "$single_list" ]; then
			[ -z "$multi_list" ] || phases=$((phases + ${#pti_modes[@]}))
		else
			phases=$((phases + ${#pti_modes[@]}))
		fi
	done
fi
if [ "$peer" = 1 ]; then
	if [ -z "$linux_list" ]; then
		echo "bench.sh: the Linux peer runs none of --list ($list): skipped" >&2
		peer=0
	else
		phases=$((phases + $(echo "$peer_smps" | wc -l)))
	fi
fi
# sim: bench=indirect once more with flexsc.cores=none, for FlexSC single-core.
sim_single=0
if [ "$accel" = sim ] && [ "$explicit_configs" = 0 ] && [[ ",$list," == *,indirect,* ]] && [ "$smp" -gt 1 ]; then
	sim_single=1
	phases=$((phases + ${#pti_modes[@]}))
fi
phases=$((phases + 4)) # setup, collect, plot, targets
phase=0
step() { phase=$((phase + 1)); printf 'bench: [%d/%d] %s' "$phase" "$phases" "$1" >&2; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest=$out/$stamp
[ -e "$dest" ] && die "$dest exists already: not overwriting it" 1
tmp=$(mktemp -d "$out/.tmp-$stamp.XXXXXX") && chmod 755 "$tmp" ||
	die "cannot create a directory in $out" 1
published=0
# On any failure or interrupt: the logs go to a directory of their own in
# /tmp, results/ keeps nothing.
finish() {
	local rc=$?
	[ "$published" = 1 ] && return
	local keep=${TMPDIR:-/tmp}/exless-bench-$stamp.failed
	if mv -T "$tmp" "$keep" 2>/dev/null; then
		echo "bench.sh: run failed; its logs are in $keep" >&2
	else
		rm -rf "$tmp"
	fi
	exit $((rc ? rc : 1))
}
trap finish EXIT
trap 'exit 130' INT TERM

t_start=$SECONDS
step "setup (scripts/setup.sh)"
if [ -x "$root/scripts/setup.sh" ]; then
	"$root/scripts/setup.sh" >&2 || { echo >&2; die "scripts/setup.sh failed" 1; }
	echo " ok" >&2
else
	echo " skipped: no scripts/setup.sh" >&2
fi
accel_name=$("$qemu_sh" --print-accel --accel "$accel") || die "scripts/qemu.sh --print-accel failed" 1
echo "bench: accel=$accel_name, mem=$mem, iters=$iters, list=$list, pti=${pti_modes[*]}" >&2

# Boots one guest: boot NAME RUN-FIELDS COMMAND...; appends a @@RUN line and
# the serial output to raw.log, stderr to qemu.log.
run_no=0
boot() {
	local name=$1 fields=$2 t0=$SECONDS rc reason
	shift 2
	run_no=$((run_no + 1))
	step "$name: booting (timeout ${timeout} s) ..."
	echo "### run $run_no: $*" >>"$tmp/qemu.log"
	rm -f "$tmp/sim.txt"
	"$@" >"$tmp/boot.log" 2>>"$tmp/qemu.log"
	rc=$?
	{ echo "@@RUN $fields"; cat "$tmp/boot.log"; } >>"$tmp/raw.log"
	# The plugin's counts (written at QEMU's exit) follow the boot's output.
	if [ "$accel" = sim ] && [ "$rc" = 0 ]; then
		if [ -s "$tmp/sim.txt" ]; then
			cat "$tmp/sim.txt" >>"$tmp/raw.log"
		else
			rc=5
		fi
	fi
	case $rc in
	0) grep -q '@@BENCH done' "$tmp/boot.log" && reason= || reason="the guest ended without '@@BENCH done'"
	   # An exless boot says which PTI mode it runs (mmu.c): it must be the one asked for.
	   if [ -z "$reason" ] && [[ "$fields" == system=exless* ]]; then
		   local want=${fields##* pti=}
		   want=${want%% *}
		   grep -q "^mmu: PTI $want\b" "$tmp/boot.log" || reason="the kernel does not report PTI $want (mmu: line)"
		   # A boot without a syscall core says which single-core mode it runs (flexsc.c).
		   if [ -z "$reason" ] && grep -q "single-core mode (" "$tmp/boot.log"; then
			   grep -q "single-core mode ($flexsc_single)" "$tmp/boot.log" ||
				   reason="the kernel does not report single-core mode $flexsc_single (flexsc: line)"
		   fi
	   fi ;;
	1) reason="the guest reported failure (panic or failed test)" ;;
	2) reason="the guest crashed (no exit code: triple fault?)" ;;
	3) reason="the guest ended without '@@BENCH done'" ;;
	124) reason="timeout after $timeout s" ;;
	5) reason="the simulation plugin wrote no counts" ;;
	*) reason="exit status $rc (see qemu.log)" ;;
	esac
	if [ -n "$reason" ]; then
		echo " FAILED: $reason" >&2
		echo "--- last lines of its serial output ---" >&2
		tail -n 20 "$tmp/boot.log" >&2
		echo "--- last lines of qemu.log ---" >&2
		tail -n 5 "$tmp/qemu.log" >&2
		exit 1
	fi
	echo " ok: $(grep -c '@@BENCH result' "$tmp/boot.log") results, $(grep -c '@@BENCH error' \
		"$tmp/boot.log") errors, $((SECONDS - t0)) s" >&2
}

# One exless boot per PTI mode: boot_exless SMP FLEXSC LIST
boot_exless() {
	local m
	for m in "${pti_modes[@]}"; do
		boot_exless_pti "$@" "$m"
	done
}
boot_exless_pti() {
	local append
	append=$(exless_append "$2" "$3" "$4")
	boot "exless smp=$1 flexsc.cores=$2 pti=$4" \
		"system=exless accel=$accel_name smp=$1 mem=$mem flexsc_cores=$2 cmdline=\"$append\" pti=$4 flexsc_single=$flexsc_single" \
		"$qemu_sh" --kernel "$kernel" --smp "$1" --mem "$mem" --accel "$accel" \
		${cpu:+--cpu "$cpu"} --append "$append" --timeout "$timeout" \
		${sim_plugin:+--plugin "$sim_plugin,out=$tmp/sim.txt$sim_spec"}
}
for r in "${runs[@]}"; do
	[ "$exless" = 1 ] || break
	read -r r_smp r_flexsc <<<"$r"
	if [ "$exact" = 1 ] && [ "$r_smp" -gt 1 ] && [ -n "$single_list" ]; then
		# With several vCPUs QEMU switches between them on host time, so an
		# interrupt can land in a different sample each run: the one-CPU
		# benches boot alone on one CPU, where icount repeats exactly.
		if [ "$one_cpu_boot" = 1 ]; then
			boot_exless 1 none "$single_list"
			one_cpu_boot=0
		fi
		[ -z "$multi_list" ] || boot_exless "$r_smp" "$r_flexsc" "$multi_list"
	else
		boot_exless "$r_smp" "$r_flexsc" "$list"
	fi
done
[ "$sim_single" = 0 ] || boot_exless "$smp" none indirect
if [ "$peer" = 1 ]; then
	# Linux's own choice unless its parameters make one.
	case " $peer_args " in
	*" nopti "*|*" pti=off "*|*" mitigations=off "*) linux_pti=off ;;
	*" pti=on "*) linux_pti=on ;;
	*) linux_pti=linux-default ;;
	esac
	for s in $peer_smps; do
		args=$(bench_args "$linux_list")
		boot "linux peer smp=$s" \
			"system=linux accel=$accel_name smp=$s mem=$mem pti=$linux_pti" \
			"$root/scripts/linux-peer.sh" --smp "$s" --mem "$mem" --accel "$accel" \
			${cpu:+--cpu "$cpu"} --bench-args "$args" --kernel-args "$peer_args" \
			--timeout "$timeout"
	done
fi
rm -f "$tmp/boot.log"

step "collect (scripts/collect.py) ..."
echo >&2
python3 "$root/scripts/collect.py" --out "$tmp" --command "$command" "$tmp/raw.log" ||
	die "collecting the results failed" 1
step "charts (plot.py) ..."
echo >&2
python3 "$root/plot.py" "$tmp" || die "drawing the charts failed" 1

step "targets (scripts/targets.py, scripts/breakeven.py) ..."
echo >&2
python3 "$root/scripts/targets.py" "$tmp" >&2 || die "checking the targets failed" 1
python3 "$root/scripts/breakeven.py" "$tmp" >&2 || die "the break-even table failed" 1

mv -T "$tmp" "$dest" || die "cannot rename $tmp to $dest" 1
published=1
ln -sfn "$stamp" "$out/.latest.$$" && mv -T "$out/.latest.$$" "$out/latest" ||
	echo "bench.sh: warning: could not point $out/latest at $stamp" >&2
errors=$(grep -c '@@BENCH error' "$dest/raw.log")
[ "$errors" = 0 ] || echo "bench.sh: warning: $errors benchmark(s) reported errors, see $dest/meta.json" >&2
echo "bench: done in $((SECONDS - t_start)) s: $dest" >&2
