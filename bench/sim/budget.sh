#!/bin/bash
# Issue 10's budget for FlexSC's kernel side, checked under the simulation
# plugin (make sim-test): boots exless on 2 CPUs (syscall core: CPU 1) with
# the batch bench at batch 64 and checks that the syscall core's kernel work
# per call (idle polling excluded: the bench's insns_remote) is at most
# BUDGET instructions, 1x a `syscall` null call when the budget was set (38).
# Usage: bench/sim/budget.sh KERNEL_IMG PLUGIN_SO. Last line "N passed, N failed".
set -u
[ $# -eq 2 ] || { echo "usage: bench/sim/budget.sh KERNEL_IMG PLUGIN_SO" >&2; exit 2; }
kernel=$1 plugin=$2
budget=38
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
"$root/scripts/qemu.sh" --kernel "$kernel" --smp 2 --mem 512M --accel sim --timeout 300 \
	--plugin "$plugin,out=$out/sim.txt" \
	--append "bench bench.iters=200 bench.batches=64 bench.list=batch" >"$out/boot.log" 2>&1 ||
	{ tail -n 20 "$out/boot.log"; echo "0 passed, 1 failed"; exit 1; }
python3 - "$out" "$budget" <<'PY'
import re
import sys

d, budget = sys.argv[1], int(sys.argv[2])


def kv(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


rows = [kv(x) for x in open("%s/boot.log" % d, errors="replace")
        if "@@BENCH result" in x and "path=flexsc" in x and "batch=64 " in x]
ok, detail = False, "no batch=64 FlexSC result with sim_window in the boot log"
if rows and "sim_window" in rows[0]:
    w, units = rows[0]["sim_window"], int(rows[0]["sim_units"])
    remote = 0
    for x in open("%s/sim.txt" % d):
        if x.startswith("@@SIM count "):
            f = kv(x)
            if f["window"] == w and f["cpu"] != "0" and f["mode"] == "kernel":
                remote += int(f["insns"])
    per = remote / units
    ok = units > 0 and per <= budget
    detail = "%.1f instructions per call on the syscall core, budget %d" % (per, budget)
print("%s FlexSC batch 64: syscall-core kernel work per call (%s)" % ("PASS" if ok else "FAIL", detail))
print("%d passed, %d failed" % (ok, not ok))
sys.exit(not ok)
PY
