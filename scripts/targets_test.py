#!/usr/bin/env python3
"""Host test of scripts/targets.py: synthetic results.csv files with known
figures, and the verdicts they must get. Prints PASS/FAIL lines and
"N passed, N failed"; exit status 1 if any failed."""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ("run", "system", "accel", "smp", "flexsc_cores", "pti", "flexsc_single", "bench", "path", "op", "batch",
           "user_threads", "size_bytes", "median_cycles", "ops_per_sec", "insns_user", "insns_kernel", "insns_remote")
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


def run_targets(rows):
    d = tempfile.mkdtemp(prefix="targets-test.")
    with open(os.path.join(d, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, restval="")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    p = subprocess.run([sys.executable, os.path.join(HERE, "targets.py"), d], capture_output=True, text=True)
    md = open(os.path.join(d, "targets.md")).read() if os.path.exists(os.path.join(d, "targets.md")) else ""
    return p, md


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

p = subprocess.run([sys.executable, os.path.join(HERE, "targets.py"), "/nonexistent-run"],
                   capture_output=True, text=True)
check("a missing run directory is an error", p.returncode != 0 and "cannot read" in p.stderr, p.stderr)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
