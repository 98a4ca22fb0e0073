#!/usr/bin/env python3
"""Parse the KTAP v1 output of one exless boot (stdlib only).

usage: ktap.py LOG LABEL QEMU_STATUS
Prints one line per failed or skipped test with its diagnostics, and a
summary line "LABEL: N passed, N failed, N skipped". A panic, a missing plan
line, a plan that does not match the results, or a bad QEMU status counts as
one more failure. Exit status 0 only when everything passed.
"""
import re
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, label, status = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    plan = None
    passed = failed = skipped = 0
    diags = []
    problems = []
    result = re.compile(r"^(ok|not ok) (\d+) (\S+)(?: # (SKIP|TODO)\b ?(.*))?$")
    for line in lines:
        if line.startswith("PANIC on CPU"):
            problems.append("kernel panic: " + line)
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            plan = int(m.group(1))
            continue
        if line.startswith("    #"):
            diags.append(line.strip())
            continue
        m = result.match(line)
        if not m:
            continue
        name = m.group(3)
        if m.group(4) == "SKIP":
            skipped += 1
            print(f"  {label}: skip {name}: {m.group(5)}")
        elif m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
            print(f"  {label}: FAIL {name}")
            for d in diags:
                print(f"      {d}")
        diags = []
    if plan is None:
        problems.append("no KTAP plan line: the kernel did not reach its test runner")
    elif passed + failed + skipped != plan:
        problems.append(f"plan said {plan} tests, {passed + failed + skipped} reported (crash or hang mid-suite?)")
    if status == "124":
        problems.append("timeout")
    elif status not in ("0", "1"):
        problems.append(f"QEMU ended without an exit code (status {status}): crash or triple fault")
    elif status == "1" and not failed and not problems:
        problems.append("the kernel reported failure")
    for p in problems:
        print(f"  {label}: FAIL {p}")
        for l in lines[-15:]:
            print(f"      | {l}")
        failed += 1
    print(f"{label}: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


main()
