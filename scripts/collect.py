#!/usr/bin/env python3
"""Turn serial logs of benchmark boots into results.csv and meta.json.

Reads the lines the guests print (see bench/report.h):

  @@BENCH meta system=... tsc_hz=... (once per boot, first)
  @@BENCH result system=... bench=... path=... min=... median=... ...
  @@BENCH error ... msg="..."
  @@BENCH skip system=... bench=... path=... msg="..."   (rows a system cannot give)
  @@BENCH done                        (last)

and the lines scripts/bench.sh writes before each boot's output:

  @@RUN system=exless accel=tcg smp=2 mem=1G flexsc_cores=none cmdline="..." pti=off flexsc_single=inline

and, after a boot under make bench ACCEL=sim, the simulation plugin's counts
(bench/sim/plugin.c):

  @@SIM config plugin=exsim plugin_api=1 ... (once per boot)
  @@SIM count window=W cpu=C mode=user|kernel|idle|user_idle insns=... l1d_miss=...
  @@SIM prof ... (with SIM_ARGS=profile=1: read by scripts/simprof.py, not here)

A result line with sim_window=W sim_units=U gets the sim columns: window W's
counts (with sim_windows=N sim_stride=S, those of the N windows W, W+S, ...)
divided by U (calls or operations): insns_user and insns_kernel on the
calling CPU (CPU 0, where the suite runs), insns_remote the kernel work of the
other CPUs, insns_idle the kernel's polling that found no work (all CPUs),
insns_user_idle the calling CPU's user-mode waiting (userlib spinning on a
FlexSC entry that another core works on; not in insns_user, so insns_user is
work and insns_user + insns_user_idle what the user core executed), and the
misses and data references of the calling CPU's work (waiting apart:
coh_miss counts its L1d misses on lines another CPU's write took). With
sim_scope=user (bench=indirect) the misses and instructions are the user
mode's only. With bench/sim/costmodel.json, model_cycles models the calling
CPU's columns, with an entry and exit for each trap instruction (int80=,
syscall=, sysenter= of the count lines) it executed (the traps column:
how many per unit, of every kind; not for sim_scope=user), and
model_cycles_remote the other CPUs' kernel work; a log of a plugin that
counted no traps (no traps=1 in its config line) gets neither.

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
COLUMNS = ("run", "system", "accel", "smp", "flexsc_cores", "pti", "flexsc_single", "bench", "path", "op",
           "batch", "syscall_cores", "user_threads", "user_cores", "size_bytes",
           "working_set", "iters", "min_cycles", "median_cycles", "p99_cycles",
           "max_cycles", "mean_cycles", "median_ns", "p99_ns", "ops_per_sec", "tsc_overhead",
           "insns_user", "insns_kernel", "insns_remote", "insns_idle", "insns_user_idle",
           "l1i_miss", "l1d_miss", "l2_miss", "llc_miss", "tlb_miss", "coh_miss", "traps", "data_refs", "model_cycles",
           "model_cycles_remote", "model_ipc_user", "note", "extra")
SIM_MISSES = ("l1i_miss", "l1d_miss", "l2_miss", "llc_miss", "tlb_miss")
SIM_COLUMNS = ("insns_user", "insns_kernel", "insns_remote", "insns_idle",
               "insns_user_idle") + SIM_MISSES + (
    "data_refs",)
CALLING_CPU = "0"
COST_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "sim",
                          "costmodel.json")
# The trap instructions the plugin counts (bench/sim/insn.h), by the key of
# costmodel.json's entry_exit.
TRAPS = ("int80", "syscall", "sysenter")


def windows(kv):
    """The simulation windows of result kv, as the count lines name them:
    sim_window, and with sim_windows=N sim_stride=S (samples taken in turn
    with another row's) the N windows from it S apart; empty if malformed."""
    try:
        first, n, stride = int(kv["sim_window"]), int(kv.get("sim_windows", "1")), int(kv.get("sim_stride", "1"))
    except (KeyError, ValueError):
        return set()
    return {str(first + k * stride) for k in range(max(n, 1))}


def load_cost_model():
    """The parameters of bench/sim/costmodel.json, or None."""
    try:
        with open(COST_MODEL) as f:
            return {k: v["value"] for k, v in json.load(f)["params"].items()}
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("collect.py: warning: no cost model (%s): no model columns" % e, file=sys.stderr)
        return None


def modeled(p, insns, misses):
    """Cycles the cost model gives insns instructions with misses (a dict of
    SIM_MISSES counts)."""
    return (insns * p["cpi"] + (misses["l1i_miss"] + misses["l1d_miss"]) * p["l1_miss"]
            + misses["l2_miss"] * p["l2_miss"] + misses["llc_miss"] * p["llc_miss"]
            + misses["tlb_miss"] * p["tlb_walk"])


def model_columns(p, kv, vals, remote, traps):
    """Modeled cycles per unit from the raw (not yet divided) counts of one
    row: the calling CPU's, with an entry and exit per trap it made (traps:
    counts by TRAPS; none for a user-scope row, whose calls are not its
    work), and the other CPUs' kernel work (remote: its misses; a FlexSC
    row's syscall cores, idle polling apart), and the user IPC they imply;
    see bench/sim/costmodel.json."""
    user_scope = kv.get("sim_scope") == "user"
    insns = vals["insns_user"] + (0 if user_scope else vals["insns_kernel"])
    cycles = modeled(p, insns, vals)
    units = int(kv["sim_units"])
    if not user_scope:
        cycles += sum(traps[t] * p["entry_exit"][t] for t in TRAPS)
    out = {"model_cycles": "%.3f" % (cycles / units),
           "model_cycles_remote": "%.3f" % (modeled(p, vals["insns_remote"], remote) / units)}
    if user_scope and cycles:
        out["model_ipc_user"] = "%.4f" % (vals["insns_user"] / cycles)
    return out
RENAMED = {"min": "min_cycles", "median": "median_cycles", "p99": "p99_cycles",
           "max": "max_cycles", "mean": "mean_cycles"}
# min, median, p99: whole cycles, or per call to three decimals where a
# sample is a batch's total (bench=batch).
INTEGER = ("batch", "syscall_cores", "user_threads", "size_bytes", "iters")
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
        self.skips = []
        self.done = False
        self.sim_config = None
        self.sim = {}  # (window, cpu, mode) -> {event: count}


class Collector:
    def __init__(self, default_accel):
        self.default_accel = default_accel
        self.cost = None
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
        if text.startswith("@@SIM "):
            self.sim_line(where, text[6:])
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
        elif kind == "skip":
            b = self.current(where)
            b.skips.append(dict(kv, run=b.run.get("run")))
        elif kind == "done":
            self.current(where).done = True
        else:
            self.warn(where, "unknown @@BENCH line '%s'" % kind)

    def sim_line(self, where, text):
        kind, _, rest = text.partition(" ")
        kv = fields(rest)
        b = self.current(where)
        if kind == "config":
            b.sim_config = kv
        elif kind == "count":
            try:
                key = (kv.pop("window"), kv.pop("cpu"), kv.pop("mode"))
                b.sim[key] = {k: int(v) for k, v in kv.items()}
            except (KeyError, ValueError):
                self.warn(where, "malformed @@SIM count line skipped")
        elif kind != "prof":  # prof: the profile, for scripts/simprof.py
            self.warn(where, "unknown @@SIM line '%s'" % kind)

    def sim_columns(self, b, kv):
        """The sim columns of result kv, or {} when it has none."""
        if "sim_window" not in kv or not b.sim_config:
            return {}
        try:
            units = int(kv.get("sim_units", "0"))
        except ValueError:
            units = 0
        if units <= 0:
            return {}
        wins = windows(kv)
        user_only = kv.get("sim_scope") == "user"

        def total(event, cpus, modes):
            return sum(c.get(event, 0) for (win, cpu, mode), c in b.sim.items()
                       if win in wins and cpus(cpu) and mode in modes)

        calling = lambda cpu: cpu == CALLING_CPU  # noqa: E731
        other = lambda cpu: cpu != CALLING_CPU  # noqa: E731
        every = lambda cpu: True  # noqa: E731
        own = ("user",) if user_only else ("user", "kernel", "idle")
        vals = {
            "insns_user": total("insns", calling, ("user",)),
            "insns_kernel": total("insns", calling, ("kernel",)),
            "insns_remote": total("insns", other, ("kernel",)),
            "insns_idle": total("insns", every, ("idle",)),
            "insns_user_idle": total("insns", calling, ("user_idle",)),
            "data_refs": total("data", calling, own),
        }
        for m in SIM_MISSES:
            vals[m] = total(m, calling, own)
        out = {k: "%.3f" % (v / units) for k, v in vals.items()}
        # Coherence misses (a subset of l1d_miss), from a plugin that models
        # them: left empty for a log of one that did not.
        if b.sim_config.get("coherence") == "1":
            out["coh_miss"] = "%.3f" % (total("coh_miss", calling, own) / units)
        if b.sim_config.get("traps") == "1":
            traps = {t: total(t, calling, ("user", "user_idle")) for t in TRAPS}
            if not user_only:
                out["traps"] = "%.3f" % (sum(traps.values()) / units)
            if self.cost:
                remote = {m: total(m, other, ("kernel",)) for m in SIM_MISSES}
                out.update(model_columns(self.cost, kv, vals, remote, traps))
        return out

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
                           flexsc_cores=b.run.get("flexsc_cores", ""),
                           pti=b.run.get("pti", ""),
                           flexsc_single=b.run.get("flexsc_single", ""))
                extra = []
                for k, v in kv.items():
                    col = RENAMED.get(k, k)
                    if col in ("working_set", "size_bytes"):
                        v = bytes_value(v)
                    if col in COLUMNS and col not in ("run", "accel", "smp", "flexsc_cores",
                                                      "pti", "flexsc_single", "median_ns", "p99_ns",
                                                      "extra"):
                        row[col] = v
                    else:
                        extra.append("%s=%s" % (k, v))
                row["extra"] = ";".join(extra)
                if tsc_hz > 0:
                    row["median_ns"] = "%.1f" % (float(kv["median"]) / tsc_hz * 1e9)
                    row["p99_ns"] = "%.1f" % (float(kv["p99"]) / tsc_hz * 1e9)
                row.update(self.sim_columns(b, kv))
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
    c.cost = load_cost_model()
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
    skips = [s for b in c.boots for s in b.skips]
    for s in skips:
        print("collect.py: skipped: %s" % " ".join("%s=%s" % kv for kv in s.items()),
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
    sim_boots = [b for b in c.boots if b.run.get("accel") == "tcg-sim"]
    for b in sim_boots:
        if not b.sim_config:
            problems.append("run %s: a sim boot without the plugin's counts" % b.run.get("run"))
    if problems and not args.allow_incomplete:
        for p in problems[-1:]:
            print("collect.py: %s" % p, file=sys.stderr)
        return 1
    systems = {}
    for b in c.boots:
        if b.meta:
            systems.setdefault(b.meta.get("system", "?"), b.meta)
    sim_configs = [b.sim_config for b in sim_boots if b.sim_config]
    sim_meta = {}
    if sim_configs:
        sim_meta = {"sim": {
            "what": "simulation: QEMU TCG -icount shift=0 with the exsim plugin; counts "
                    "are a model's (in-order, no prefetcher, no branch predictor), not "
                    "measurements of a real CPU",
            "plugin": {k: v for k, v in sim_configs[0].items() if k != "windows"},
            "columns": "per call or operation (sim_units); indirect rows: per unit of "
                       "user work (one line), user mode only",
        }}
        try:
            with open(COST_MODEL) as f:
                sim_meta["sim"]["cost_model"] = json.load(f)
        except (OSError, ValueError):
            pass
    meta = {
        "created_utc": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": args.command,
        "accel": accels[0] if len(accels) == 1 else accels,
        "pti": sorted({b.run.get("pti", "") for b in c.boots if b.run.get("system") == "exless"} - {""}),
        # flexsc.single=: how single-core mode (no syscall core) runs a waiter's posts
        "flexsc_single": sorted({b.run.get("flexsc_single", "") for b in c.boots
                                 if b.run.get("system") == "exless"} - {""}),
        "host": host_info(),
        "systems": systems,
        "runs": [dict(b.run, guest=b.meta, results=len(b.results), done=b.done,
                      errors=b.errors, skipped=b.skips,
                      **({"sim": b.sim_config} if b.sim_config else {}))
                 for b in c.boots],
        "errors": errors,
        "skipped": skips,
        "warnings": c.warnings,
    }
    meta.update(sim_meta)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("collect.py: %d results from %d boots -> %s" % (len(rows), len(c.boots), out),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
