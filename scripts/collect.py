#!/usr/bin/env python3
"""Turn serial logs of benchmark boots into results.csv and meta.json.

Reads the lines the guests print (see bench/report.h):

  @@BENCH meta system=... tsc_hz=... (once per boot, first)
  @@BENCH result system=... bench=... path=... min=... median=... ...
  @@BENCH error ... msg="..."
  @@BENCH done                        (last)

and the lines scripts/bench.sh writes before each boot's output:

  @@RUN system=exless accel=tcg smp=2 mem=1G flexsc_cores=none cmdline="..."

Boots are numbered in the order they appear (the run column). Anything else on the serial port (kernel messages) is ignored. Standard
library only: runs on any python3.

Exit status: 0; 1 when a boot has no "done", no result at all was found or
a log cannot be read (--allow-incomplete keeps going past the first two);
2 bad usage.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys

TOKEN = re.compile(r'([A-Za-z_][\w.]*)=(?:"([^"]*)"|(\S*))')
REQUIRED = ("system", "bench", "path", "batch", "syscall_cores", "user_threads",
            "size_bytes", "iters", "min", "median", "p99", "mean")
# Result keys with a column of their own; the rest go to "extra".
COLUMNS = ("run", "system", "accel", "smp", "flexsc_cores", "bench", "path", "op",
           "batch", "syscall_cores", "user_threads", "user_cores", "size_bytes",
           "working_set", "iters", "min_cycles", "median_cycles", "p99_cycles",
           "max_cycles", "mean_cycles", "median_ns", "ops_per_sec", "tsc_overhead",
           "note", "extra")
RENAMED = {"min": "min_cycles", "median": "median_cycles", "p99": "p99_cycles",
           "max": "max_cycles", "mean": "mean_cycles"}
INTEGER = ("batch", "syscall_cores", "user_threads", "size_bytes", "iters", "min",
           "median", "p99")
SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
# The words pandas.read_csv turns into NaN by default: no field may hold one,
# so that the file loads correctly with read_csv's defaults.
PANDAS_NA = {"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}


def fields(text):
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in TOKEN.finditer(text)}


def is_number(v, integer):
    return bool(re.fullmatch(r"\d+" if integer else r"\d+(\.\d+)?", v))


def bytes_value(v):
    """"64K" -> "65536"; anything that is not a size stays as it is."""
    m = re.fullmatch(r"(\d+)([KMG]?)i?B?", v)
    return str(int(m.group(1)) * SUFFIX[m.group(2)]) if m else v


class Boot:
    def __init__(self, run):
        self.run = dict(run)
        self.meta = None
        self.results = []
        self.errors = []
        self.done = False


class Collector:
    def __init__(self, default_accel):
        self.default_accel = default_accel
        self.boots = []
        self.warnings = []

    def warn(self, where, msg):
        self.warnings.append("%s: %s" % (where, msg))

    def new_boot(self, run):
        run = dict(run, run=str(len(self.boots) + 1))
        self.boots.append(Boot(run))
        return self.boots[-1]

    def current(self, where):
        if not self.boots:
            self.warn(where, "@@BENCH line before any @@RUN or meta line")
            return self.new_boot({"accel": self.default_accel})
        return self.boots[-1]

    def line(self, where, text):
        if text.startswith("@@RUN "):
            self.new_boot(fields(text[6:]))
            return
        at = text.find("@@BENCH ")
        if at < 0:
            return
        kind, _, rest = text[at + 8:].partition(" ")
        kv = fields(rest)
        if kind == "meta":
            # Logs without @@RUN lines: each meta line starts a boot.
            b = self.boots[-1] if self.boots else None
            if b is None:
                b = self.new_boot({"accel": self.default_accel})
            elif b.meta is not None or b.results or b.done:
                b = self.new_boot({k: v for k, v in b.run.items() if k != "run"})
            b.meta = kv
        elif kind == "result":
            self.result(where, kv)
        elif kind == "error":
            b = self.current(where)
            b.errors.append(dict(kv, run=b.run.get("run")))
        elif kind == "done":
            self.current(where).done = True
        else:
            self.warn(where, "unknown @@BENCH line '%s'" % kind)

    def result(self, where, kv):
        b = self.current(where)
        missing = [k for k in REQUIRED if k not in kv]
        bad = [k for k in REQUIRED + ("max", "ops_per_sec", "tsc_overhead")
               if k in kv and k not in ("system", "bench", "path")
               and not is_number(kv[k], k in INTEGER)]
        if missing or bad:
            self.warn(where, "malformed result line skipped (missing %s, bad %s)"
                      % (",".join(missing) or "-", ",".join(bad) or "-"))
            return
        if b.meta is None:
            self.warn(where, "result before any meta line: no median_ns")
        elif b.meta.get("system") != kv["system"]:
            self.warn(where, "result of system %s in a %s boot"
                      % (kv["system"], b.meta.get("system")))
        b.results.append(kv)

    def rows(self):
        for b in self.boots:
            meta = b.meta or {}
            try:
                tsc_hz = float(meta.get("tsc_hz", 0))
            except ValueError:
                tsc_hz = 0
            for kv in b.results:
                row = {c: "" for c in COLUMNS}
                row.update(run=b.run.get("run", ""), accel=b.run.get("accel", ""),
                           smp=b.run.get("smp", meta.get("cpus", "")),
                           flexsc_cores=b.run.get("flexsc_cores", ""))
                extra = []
                for k, v in kv.items():
                    col = RENAMED.get(k, k)
                    if col in ("working_set", "size_bytes"):
                        v = bytes_value(v)
                    if col in COLUMNS and col not in ("run", "accel", "smp", "flexsc_cores",
                                                      "median_ns", "extra"):
                        row[col] = v
                    else:
                        extra.append("%s=%s" % (k, v))
                row["extra"] = ";".join(extra)
                if tsc_hz > 0:
                    row["median_ns"] = "%.1f" % (float(kv["median"]) / tsc_hz * 1e9)
                yield row


def cpuinfo():
    info, flags = {}, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                key, val = key.strip(), val.strip()
                if key == "flags" and not flags:
                    flags = set(val.split())
                info.setdefault(key, val)
    except OSError:
        pass
    return info, flags


def host_info():
    info, flags = cpuinfo()
    modules = set(os.listdir("/sys/module")) if os.path.isdir("/sys/module") else set()
    kvm_modules = sorted(m for m in ("kvm_intel", "kvm_amd", "kvm_pvm") if m in modules)
    hw = bool(flags & {"vmx", "svm"})
    dev_kvm = os.path.exists("/dev/kvm")
    if not dev_kvm:
        summary = "no /dev/kvm"
    elif "kvm_pvm" in kvm_modules:
        summary = "/dev/kvm is PVM (kvm_pvm), a software hypervisor: no hardware virtualization"
    elif hw:
        summary = "/dev/kvm with hardware virtualization (vmx/svm)"
    else:
        summary = "/dev/kvm without vmx/svm in the CPU flags"
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True,
                              timeout=10).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        qemu = None
    return {
        "cpu_model": info.get("model name"),
        "cpu_vendor": info.get("vendor_id"),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "host_is_a_vm": "hypervisor" in flags,
        "virtualization": {"dev_kvm": dev_kvm, "vmx_or_svm": hw,
                           "kvm_modules": kvm_modules, "summary": summary},
        "qemu": qemu,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("logs", nargs="+", metavar="LOG", help="serial logs (raw.log)")
    ap.add_argument("--out", help="directory for results.csv and meta.json "
                    "(default: the first LOG's)")
    ap.add_argument("--command", default="", help="the command line that made the logs")
    ap.add_argument("--accel", default="", help="accelerator of boots with no @@RUN line")
    ap.add_argument("--allow-incomplete", action="store_true",
                    help="write what there is even when a boot has no 'done' or no results")
    args = ap.parse_args()
    out = args.out or os.path.dirname(os.path.abspath(args.logs[0]))
    if not os.path.isdir(out):
        ap.error("no directory %s" % out)

    c = Collector(args.accel)
    for path in args.logs:
        try:
            with open(path, errors="replace") as f:
                for n, text in enumerate(f, 1):
                    c.line("%s:%d" % (path, n), text.strip().strip("\x00"))
        except OSError as e:
            print("collect.py: %s" % e, file=sys.stderr)
            return 1

    problems = ["run %s (%s): no '@@BENCH done': the boot did not finish"
                % (b.run.get("run"), (b.meta or {}).get("system") or b.run.get("system", "?"))
                for b in c.boots if not b.done]
    rows = list(c.rows())
    if not rows:
        problems.append("no @@BENCH result lines in %s" % " ".join(args.logs))
    for w in c.warnings:
        print("collect.py: warning: %s" % w, file=sys.stderr)
    errors = [e for b in c.boots for e in b.errors]
    for e in errors:
        print("collect.py: guest error: %s" % " ".join("%s=%s" % kv for kv in e.items()),
              file=sys.stderr)
    for p in problems:
        print("collect.py: %s" % p, file=sys.stderr)
    na = sorted({"%s=%s" % (k, v) for r in rows for k, v in r.items() if v in PANDAS_NA})
    if na:
        print("collect.py: fields pandas would read as NaN: %s" % ", ".join(na), file=sys.stderr)
        return 1
    if problems and not args.allow_incomplete:
        return 1

    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)

    accels = sorted({b.run.get("accel", "") for b in c.boots} - {""})
    systems = {}
    for b in c.boots:
        if b.meta:
            systems.setdefault(b.meta.get("system", "?"), b.meta)
    meta = {
        "created_utc": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": args.command,
        "accel": accels[0] if len(accels) == 1 else accels,
        "host": host_info(),
        "systems": systems,
        "runs": [dict(b.run, guest=b.meta, results=len(b.results), done=b.done,
                      errors=b.errors) for b in c.boots],
        "errors": errors,
        "warnings": c.warnings,
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("collect.py: %d results from %d boots -> %s" % (len(rows), len(c.boots), out),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
