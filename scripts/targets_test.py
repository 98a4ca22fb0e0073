#!/usr/bin/env python3
"""Host test of scripts/targets.py and scripts/breakeven.py: synthetic
results.csv files with known figures, and the verdicts and break-even trap
costs they must get; and of the simulation windows collect.py reads for a
result line. Prints PASS/FAIL lines and
"N passed, N failed"; exit status 1 if any failed."""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ("run", "system", "accel", "smp", "flexsc_cores", "pti", "flexsc_single", "bench", "path", "op", "batch",
           "user_threads", "size_bytes", "median_cycles", "ops_per_sec", "insns_user", "insns_kernel", "insns_remote",
           "traps", "model_cycles", "model_cycles_remote")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS %s" % name)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def row(**kw):
    r = dict(run=1, system="exless", smp=1, flexsc_cores="default", pti="off", op="", batch=1,
             user_threads=1)
    r.update(kw)
    return r


def run_script(script, out, rows):
    """Runs script (targets.py, breakeven.py) on a run of rows: its process
    and the file out it wrote ('' if none)."""
    d = tempfile.mkdtemp(prefix="targets-test.")
    with open(os.path.join(d, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, restval="")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    p = subprocess.run([sys.executable, os.path.join(HERE, script), d], capture_output=True, text=True)
    md = open(os.path.join(d, out)).read() if os.path.exists(os.path.join(d, out)) else ""
    return p, md


def run_targets(rows):
    return run_script("targets.py", "targets.md", rows)


def line(text, what):
    """The table line whose 'what' cell starts with what, or ''."""
    for ln in text.splitlines():
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith(what):
            return ln
    return ""


ic = dict(accel="tcg-icount")
p, md = run_targets([
    row(bench="nullcall", path="syscall", median_cycles=40, **ic),
    row(bench="nullcall", path="sysenter", median_cycles=56, **ic),
    row(bench="floor", path="syscall", median_cycles=13, **ic),
    row(bench="batch", path="flexsc", batch=1, median_cycles=80, **ic),
    row(bench="batch", path="flexsc", batch=8, median_cycles=40, **ic),
    row(bench="batch", path="flexsc", batch=64, median_cycles=20, **ic),
    row(bench="nullcall", path="syscall", median_cycles=60, pti="on", **ic),
])
check("runs", p.returncode == 0, p.stderr)
check("writes targets.md", "| where | what |" in md)
check("null under budget is met", line(p.stdout, "`syscall` null call").endswith("| met |"),
      line(p.stdout, "`syscall` null call"))
check("null over budget is missed by its ratio", "missed by 1.02x" in line(p.stdout, "`sysenter` null call"),
      line(p.stdout, "`sysenter` null call"))
check("absent path is not in this run", "not in this run" in line(p.stdout, "`int80` null call"))
check("single-core batch 1 against 2x syscall null",
      "<= 2x `syscall` null (80)" in line(p.stdout, "FlexSC single-core, batch 1") and
      line(p.stdout, "FlexSC single-core, batch 1").endswith("| met |"))
check("single-core batch 8 equal to syscall null is met",
      line(p.stdout, "FlexSC single-core, batch 8").endswith("| met |"))
on = p.stdout.split("pti=on")[1] if "pti=on" in p.stdout else ""
check("each PTI mode against its own figures", "missed by 1.20x" in line(on, "`syscall` null call"), on)
check("other accelerators listed as not checked", "simulation targets" in p.stdout and "TCG or KVM time targets" in p.stdout)

p, _ = run_targets([
    row(bench="nullcall", path="syscall", median_cycles=40, **ic),
    row(bench="batch", path="flexsc", batch=1, median_cycles=70, flexsc_single="inline", **ic),
    row(bench="batch", path="flexsc", batch=8, median_cycles=30, flexsc_single="inline", **ic),
    row(bench="batch", path="flexsc", batch=1, median_cycles=600, flexsc_single="switch", **ic),
    row(bench="batch", path="flexsc", batch=8, median_cycles=110, flexsc_single="switch", **ic),
])
check("each single-core mode against its own figures",
      line(p.stdout, "FlexSC single-core (inline), batch 1").endswith("| met |") and
      "missed by 7.50x" in line(p.stdout, "FlexSC single-core (switch), batch 1") and
      "missed by 2.75x" in line(p.stdout, "FlexSC single-core (switch), batch 8"), p.stdout)

tcg = dict(accel="tcg", smp=2)
p, _ = run_targets([
    row(bench="nullcall", path="syscall", median_cycles=400, **tcg),
    row(bench="floor", path="syscall", median_cycles=200, **tcg),
    row(bench="batch", path="flexsc", batch=64, median_cycles=100, **tcg),
    row(bench="server", path="syscall", user_threads=8, size_bytes=4096, ops_per_sec=1000, **tcg),
    row(bench="server", path="flexsc", user_threads=8, size_bytes=4096, ops_per_sec=900, **tcg),
    row(bench="server", path="syscall", user_threads=32, size_bytes=4096, ops_per_sec=1000, **tcg),
    row(bench="server", path="flexsc", user_threads=32, size_bytes=4096, ops_per_sec=1500, **tcg),
    # Smaller work: not the target's rows, whatever they say.
    row(bench="server", path="syscall", user_threads=8, size_bytes=256, ops_per_sec=1000, **tcg),
    row(bench="server", path="flexsc", user_threads=8, size_bytes=256, ops_per_sec=2000, **tcg),
])
check("TCG ratio met", line(p.stdout, "FlexSC per call at batch 64").endswith("| met |"),
      line(p.stdout, "FlexSC per call at batch 64"))
check("TCG ratio missed", "missed by 1.54x" in line(p.stdout, "`syscall` null / its floor"),
      line(p.stdout, "`syscall` null / its floor"))
check("server below sync is missed", "missed: 0.90x" in line(p.stdout, "server bench, 8 threads"))
check("server rows of other work sizes are not checked", p.stdout.count("server bench, 8 threads") == 1, p.stdout)
check("server above sync is met", line(p.stdout, "server bench, 32 threads").endswith("| met |"))
check("no icount rows in a TCG run", "| icount |" not in p.stdout)

# Two boots in one run (scripts/sweep.sh, --config): each against its own
# null call, named in its rows.
p, _ = run_targets([
    row(bench="nullcall", path="syscall", median_cycles=400, flexsc_cores="1", **tcg),
    row(bench="batch", path="flexsc", batch=64, median_cycles=300, flexsc_cores="1", **tcg),
    row(bench="nullcall", path="syscall", median_cycles=300, flexsc_cores="none", **tcg),
    row(bench="batch", path="flexsc", batch=64, median_cycles=120, flexsc_cores="none", **tcg),
])
one = line(p.stdout, "FlexSC per call at batch 64 / `syscall` null (300 / 400 cycles) (smp=2, flexsc.cores=1)")
none = line(p.stdout, "FlexSC per call at batch 64 / `syscall` null (120 / 300 cycles) "
                      "(smp=2, flexsc.cores=none: single-core)")
check("each boot against its own figures", "missed by 1.50x" in one and none.endswith("| met |"), p.stdout)

p = subprocess.run([sys.executable, os.path.join(HERE, "targets.py"), "/nonexistent-run"],
                   capture_output=True, text=True)
check("a missing run directory is an error", p.returncode != 0 and "cannot read" in p.stderr, p.stderr)

# breakeven.py: model cycles at the cost model's E = 100 per syscall trap.
sim = dict(accel="tcg-sim")
p, md = run_script("breakeven.py", "breakeven.md", [
    # Null call: 40 + 100 E; base 40.
    row(bench="nullcall", path="syscall", traps=1, model_cycles=140, **sim),
    # Single-core batch 8: 30 + E/8: wins from (30 - 40) / (1 - 1/8) < 0, at any E.
    row(bench="batch", path="flexsc", batch=8, traps=0.125, model_cycles=42.5, **sim),
    # Single-core batch 1: 200 + E: never.
    row(bench="batch", path="flexsc", batch=1, traps=1, model_cycles=300, **sim),
    # Syscall core, batch 64: 60 + 90 (sum), no trap: wins from E = 110.
    row(bench="batch", path="flexsc", batch=64, smp=2, traps=0, model_cycles=60, model_cycles_remote=90, **sim),
    # Server, 8 threads: sync 500 + 4 E against max(400, 700): wins from 50.
    row(bench="server", path="syscall", smp=2, user_threads=8, size_bytes=256, traps=4, model_cycles=900, **sim),
    row(bench="server", path="flexsc", smp=2, user_threads=8, size_bytes=256, traps=0, model_cycles=400,
        model_cycles_remote=700, **sim),
    # A FlexSC user core whose traps grow faster than sync's: wins only up to an E.
    row(bench="server", path="syscall", smp=2, user_threads=4, size_bytes=256, traps=1, model_cycles=600, **sim),
    row(bench="server", path="flexsc", smp=2, user_threads=4, size_bytes=256, traps=2, model_cycles=600,
        model_cycles_remote=100, **sim),
    # One thread waits for its calls: sync 500 + 4 E against 300 + 400: from 50.
    row(bench="server", path="syscall", smp=2, user_threads=1, size_bytes=256, traps=4, model_cycles=900, **sim),
    row(bench="server", path="flexsc", smp=2, user_threads=1, size_bytes=256, traps=0, model_cycles=300,
        model_cycles_remote=400, **sim),
])


def be(what):
    """The last cell of breakeven.md's line for comparison what, or ''."""
    for ln in md.splitlines():
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if len(cells) == 7 and cells[1] == what:
            return cells[6]
    return ""


check("break-even: wins at any trap cost", be("null call vs FlexSC single-core, batch 8") == "any", md)
check("break-even: never", be("null call vs FlexSC single-core, batch 1") == "never", md)
check("break-even: a batch's two cores add up", be("null call vs FlexSC syscall core, batch 64") == "110.0", md)
check("break-even: the slower of a server's two cores", be("server 256 B, 8 threads, syscall core") == "50.0", md)
check("break-even: a bounded span", be("server 256 B, 4 threads, syscall core") == "up to 100.0", md)
check("break-even: one server thread's two cores add up", be("server 256 B, 1 thread, syscall core") == "50.0", md)
check("break-even: ratio at the model's E", "| 1.29x |" in md and "| 0.80x |" not in md, md)
# A sweep: two boots of two CPUs, single-core and with a syscall core, each
# against the one-CPU boot's null call, named apart.
p, md = run_script("breakeven.py", "breakeven.md", [
    row(bench="nullcall", path="syscall", traps=1, model_cycles=140, flexsc_cores="none", **sim),
    row(bench="batch", path="flexsc", batch=1, smp=2, flexsc_cores="none", traps=1, model_cycles=300, **sim),
    row(bench="batch", path="flexsc", batch=1, smp=2, flexsc_cores="1", traps=0, model_cycles=60,
        model_cycles_remote=90, **sim),
])
check("break-even: a sweep's boots apart",
      be("null call vs FlexSC single-core (smp=2, flexsc.cores=none: single-core), batch 1") == "never" and
      be("null call vs FlexSC syscall core, batch 1") == "110.0", md)
p, md = run_script("breakeven.py", "breakeven.md", [row(bench="nullcall", path="syscall", median_cycles=40, **ic)])
check("break-even: no file for a run without the model", p.returncode == 0 and md == "", p.stderr + md)

sys.path.insert(0, HERE)
from collect import windows  # noqa: E402

check("windows: one", windows({"sim_window": "4"}) == {"4"})
check("windows: taken in turn", windows({"sim_window": "3", "sim_windows": "3", "sim_stride": "2"}) == {"3", "5", "7"})
check("windows: malformed", windows({"sim_window": "x"}) == set())

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
