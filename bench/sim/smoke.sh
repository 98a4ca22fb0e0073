#!/bin/bash
# Smoke test of the simulation plugin in a real boot (make sim-test): boots
# exless with init=simcheck (userlib/prog/simcheck.c) on one CPU under
# scripts/qemu.sh --accel sim, twice, and checks the plugin's counts against
# what simcheck says it did:
#   loop      exactly the loop's user instructions, nothing else in user mode
#   user_idle the same loop between user IDLE markers: all user_idle, and
#             the 3 instructions around it user
#   l1d_over  a working set twice the modeled L1d: one L1d miss per line (+-2%)
#   l1d_fit   a quarter of it, warm: no L1d miss, no TLB walk
#   cr3       after a process switch (CR3 writes): a TLB walk for each of its
#             pages again (at most 4 more: stack and code pages)
#   traps     100 calls through `syscall`: 100 syscall traps counted, no other
#   determinism: the two boots' counts are identical
#   profile   the second boot runs with profile=1: per (window, cpu, mode)
#             its per-address counts add up to the window's instructions, and
#             the loop's all fall in simcheck's main
# Usage: bench/sim/smoke.sh KERNEL_IMG PLUGIN_SO. Last line "N passed, N failed".
set -u
[ $# -eq 2 ] || { echo "usage: bench/sim/smoke.sh KERNEL_IMG PLUGIN_SO" >&2; exit 2; }
kernel=$1 plugin=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
for i in 1 2; do
	prof=$([ "$i" = 2 ] && echo ,profile=1)
	"$root/scripts/qemu.sh" --kernel "$kernel" --smp 1 --mem 512M --accel sim --timeout 120 \
		--plugin "$plugin,out=$out/sim$i.txt$prof" --append "init=simcheck" >"$out/boot$i.log" 2>&1 ||
		{ tail -n 20 "$out/boot$i.log"; echo "0 passed, 1 failed"; exit 1; }
done
nm -n --defined-only "$root/build/user/simcheck.elf" >"$out/simcheck.nm" ||
	{ echo "0 passed, 1 failed"; exit 1; }
python3 - "$out" <<'PY'
import re
import sys

d = sys.argv[1]
passed = failed = 0


def check(name, ok, detail):
    global passed, failed
    print("%s %s (%s)" % ("PASS" if ok else "FAIL", name, detail))
    passed, failed = passed + ok, failed + (not ok)


def kv(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


counts = {}
for line in open("%s/sim1.txt" % d):
    if line.startswith("@@SIM count "):
        f = kv(line)
        counts[(int(f["window"]), f["mode"])] = {k: int(v) for k, v in f.items()
                                                 if k not in ("window", "cpu", "mode")}
checks = {}
for line in open("%s/boot1.log" % d):
    m = re.search(r"@@SIMCHECK (\w+) ?(.*)", line)
    if m:
        checks[m.group(1)] = kv(m.group(2))
check("simcheck ran to the end", "done" in checks and "error" not in checks, ", ".join(checks))


def user(name, key, mode="user"):
    return counts.get((int(checks[name]["window"]), mode), {}).get(key, 0)


if "done" in checks:
    want = int(checks["loop"]["insns_user"])
    check("loop: exact user instructions", user("loop", "insns") == want,
          "%d counted, %d expected" % (user("loop", "insns"), want))
    want = (int(checks["user_idle"]["insns_user_idle"]), int(checks["user_idle"]["insns_user"]))
    got = (user("user_idle", "insns", "user_idle"), user("user_idle", "insns"))
    check("user IDLE markers: user_idle, not user", got == want,
          "user_idle/user %d/%d counted, %d/%d expected" % (got + want))
    lines = int(checks["l1d_over"]["lines"])
    got = user("l1d_over", "l1d_miss")
    check("twice L1d: one miss per line", abs(got - lines) <= lines // 50,
          "%d misses, %d lines" % (got, lines))
    check("fits L1d: no miss after warm-up", user("l1d_fit", "l1d_miss") == 0
          and user("l1d_fit", "tlb_miss") == 0,
          "%d misses, %d walks" % (user("l1d_fit", "l1d_miss"), user("l1d_fit", "tlb_miss")))
    pages = int(checks["cr3"]["pages"])
    got = user("cr3", "tlb_miss")
    check("CR3 write empties the TLB", pages <= got <= pages + 4,
          "%d walks after the switch, %d pages touched" % (got, pages))
    want = int(checks["traps"]["syscall"])
    got = (user("traps", "syscall"), user("traps", "int80"), user("traps", "sysenter"))
    check("traps: each syscall counted once, nothing else", got == (want, 0, 0),
          "syscall/int80/sysenter %d/%d/%d counted, %d syscalls made" % (got + (want,)))


def count_lines(i):
    return [x for x in open("%s/sim%d.txt" % (d, i)) if x.startswith("@@SIM count ")]


check("two boots, identical counts", count_lines(1) == count_lines(2),
      "sim1.txt vs sim2.txt (profile=1)")
prof = {}
for line in open("%s/sim2.txt" % d):
    if line.startswith("@@SIM prof "):
        f = kv(line)
        key = (int(f["window"]), f["cpu"], f["mode"])
        prof.setdefault(key, []).append((int(f["pc"], 16), int(f["insns"])))
windows = {(w, m): c["insns"] for (w, m), c in counts.items() if w > 0 and c["insns"]}
sums = {(w, m): sum(n for _, n in v) for (w, c, m), v in prof.items()}
check("profile adds up to each window's instructions", bool(prof) and sums == windows,
      "%d windows and modes profiled, %d counted" % (len(sums), len(windows)))
if "done" in checks:
    syms = [(int(a, 16), n) for a, t, n in (x.split() for x in open("%s/simcheck.nm" % d)
                                            if len(x.split()) == 3)]
    main = [a for a, n in syms if n == "main"]
    after = [a for a, _ in syms if main and a > main[0]]
    lo, hi = (main[0], min(after)) if main and after else (0, 0)
    loop = prof.get((int(checks["loop"]["window"]), "0", "user"), [])
    check("profile: the loop's instructions are in main", bool(loop)
          and all(lo <= pc < hi for pc, _ in loop),
          "%d stretches" % len(loop))
print("%d passed, %d failed" % (passed, failed))
sys.exit(failed != 0)
PY
