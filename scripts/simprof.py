#!/usr/bin/env python3
"""Where a bench's instructions go, by function: reads the per-address
profile of the simulation plugin (bench/sim/plugin.c with profile=1) and the
bench's result lines, maps each address to a symbol of the kernel and of the
user program, and prints each selected result's top functions per CPU and
mode, in instructions per call (or operation: the result's sim_units).

  make bench ACCEL=sim SIM_ARGS=profile=1 BENCH_LIST=batch BENCH_BATCHES=64
  scripts/simprof.py results/<timestamp> --match batch=64

Inputs: a results directory (its raw.log) or files read in order as one
text: a boot's serial output and the plugin's out= file, or a raw.log where
"@@RUN" lines start each boot. Lines used:

  @@BENCH result ... sim_window=W sim_units=U      (the bench; sim_windows=N
                                                   sim_stride=S: N windows)
  @@SIM prof window=W cpu=C mode=M pc=0x... insns=N (the plugin)

A stretch's address is that of its first instruction; the plugin's stretches
lie within one function but where code falls through into the next.
Standard library and binutils' nm only.
"""
import argparse
import bisect
import os
import re
import signal
import subprocess
import sys

from collect import windows

FIELD = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")


def die(msg):
    print("simprof.py: " + msg, file=sys.stderr)
    sys.exit(2)


def symbols(elf):
    """(sorted start addresses, names) of elf's code symbols."""
    if not os.path.isfile(elf):
        die("no ELF file %s (build it first, or name it with --elf / --user)" % elf)
    try:
        out = subprocess.run(["nm", "-n", "--defined-only", elf], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        die("nm %s failed: %s" % (elf, e))
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    if not addrs:
        die("%s has no code symbols" % elf)
    return addrs, names


def name_of(table, pc, offset=False):
    """pc's function in table (with +offset: function+0x.. of the stretch)."""
    addrs, names = table
    i = bisect.bisect_right(addrs, pc) - 1
    if i < 0:
        return "?%#x" % pc
    return "%s+%#x" % (names[i], pc - addrs[i]) if offset else names[i]


def read_boots(paths):
    """Boots: each a (results, profile) pair; results are field dicts,
    profile maps (window, cpu, mode) to {pc: insns}."""
    boots = [([], {})]
    for path in paths:
        try:
            f = open(path, errors="replace")
        except OSError as e:
            die("cannot read %s: %s" % (path, e.strerror))
        with f:
            for line in f:
                if line.startswith("@@RUN "):
                    if boots[-1][0] or boots[-1][1]:
                        boots.append(([], {}))
                elif line.startswith("@@SIM prof "):
                    kv = dict(FIELD.findall(line))
                    try:
                        key = (kv["window"], kv["cpu"], kv["mode"])
                        pcs = boots[-1][1].setdefault(key, {})
                        pc = int(kv["pc"], 16)
                        pcs[pc] = pcs.get(pc, 0) + int(kv["insns"])
                    except (KeyError, ValueError):
                        die("%s: malformed profile line: %s" % (path, line.strip()))
                else:
                    at = line.find("@@BENCH result ")
                    if at >= 0:
                        boots[-1][0].append(dict(FIELD.findall(line[at + 15:])))
    return boots


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="a results directory, or log and plugin files")
    ap.add_argument("--match", action="append", default=[], metavar="KEY=VALUE",
                    help="only results with this field (repeatable), e.g. batch=64")
    ap.add_argument("--elf", default="build/exless.elf", help="kernel symbols (default %(default)s)")
    ap.add_argument("--user", default="build/user/bench_all.elf",
                    help="user program symbols (default %(default)s)")
    ap.add_argument("--top", type=int, default=12, help="functions per CPU and mode (default 12)")
    ap.add_argument("--by", choices=("func", "addr"), default="func",
                    help="func: per function; addr: per stretch, as function+offset (default func)")
    args = ap.parse_args()
    want = []
    for m in args.match:
        k, eq, v = m.partition("=")
        if not eq or not k:
            die("--match wants KEY=VALUE, not '%s'" % m)
        want.append((k, v))
    if args.top < 1:
        die("--top wants a positive number")
    paths = []
    for p in args.inputs:
        paths.append(os.path.join(p, "raw.log") if os.path.isdir(p) else p)
    kernel, user = symbols(args.elf), symbols(args.user)
    shown = 0
    for b, (results, prof) in enumerate(read_boots(paths), 1):
        for r in results:
            if any(r.get(k) != v for k, v in want) or "sim_window" not in r:
                continue
            try:
                units = int(r.get("sim_units", "0"))
            except ValueError:
                units = 0
            if units <= 0:
                continue
            wins = windows(r)
            # Per CPU and mode, over the result's windows.
            merged = {}
            for k in prof:
                if k[0] in wins:
                    merged.setdefault(k[1:], []).append(prof[k])
            label = " ".join("%s=%s" % (k, r[k]) for k in ("bench", "path", "op", "batch",
                                                           "user_threads", "size_bytes") if k in r)
            print("boot %d window %s: %s (%d units)" % (b, ",".join(sorted(wins, key=int)), label, units))
            if not merged:
                print("  no profile for this window (was the plugin run with profile=1?)")
            for key in sorted(merged):
                by = {}
                for pcs in merged[key]:
                    for pc, n in pcs.items():
                        name = name_of(kernel if pc >> 63 else user, pc, args.by == "addr")
                        by[name] = by.get(name, 0) + n
                total = sum(by.values())
                print("  cpu %s %s: %.1f per unit" % (key[0], key[1], total / units))
                for name, n in sorted(by.items(), key=lambda x: (-x[1], x[0]))[:args.top]:
                    print("    %10.2f  %s" % (n / units, name))
            shown += 1
    if not shown:
        die("no result line matched (with sim_window and sim_units)")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under head
    main()
