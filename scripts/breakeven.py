#!/usr/bin/env python3
"""From what trap cost exception-less calls win, under the cost model.

Reads RUN/results.csv of a `make bench ACCEL=sim` run (scripts/collect.py's
output) and writes RUN/breakeven.md. The cost model (bench/sim/costmodel.json)
charges each trap's entry and exit a fixed E cycles (`syscall`: 100), so each
modeled figure is a line in E: a row's model_cycles is base + traps x E, its
traps column the trap instructions per call or operation. For a synchronous
row and a FlexSC row of the same boot and PTI mode:

  sync(E)   = S + ts x E
  FlexSC(E) = max(U + tu x E, R)   server: threads overlap the two cores
  FlexSC(E) = U + tu x E + R       batch, or a server of one thread: it
                                   waits for its calls

U + tu x E the calling (user) core, R its syscall core's kernel work
(model_cycles_remote; none in single-core mode, where every cycle is the
calling core's). A server's threads keep the user core busy while their
calls run elsewhere, so the slower core bounds it (a lower bound: the cores
also wait on each other); the batch bench's one thread posts, then waits
while the syscall core runs the batch, so the two cores' work adds up (an
upper bound: the first entries are reaped while the last run). FlexSC wins
where sync(E) >= FlexSC(E); the table gives the E from which it does
("any": at every trap cost; "never": at none; "up to" or "X to Y" where
its own traps outgrow the synchronous row's), and sync / FlexSC at the
cost model's own E. Comparisons:

  null call   `syscall` null call (bench=nullcall, from the one-CPU boot
              where a boot has none) against FlexSC per call at each batch
              size (bench=batch): single-core mode on the one-CPU boot, a
              syscall core on the others
  server      each work size and thread count (bench=server): synchronous
              calls against FlexSC-Threads, per operation

Only traps of the `syscall` kind are priced by E: userlib's FlexSC traps
(flexsc_wait, flexsc_wake) and the synchronous rows compared here are all
`syscall`. A model with its parameters, not a measurement: its cycles are
labelled "model" wherever they appear. A run without the model's columns
(another accelerator, or a plugin that counted no traps) gets no file.
Exit status 0 unless the run directory or its CSV cannot be read.
"""
import json
import os
import sys

from targets import Run, boot_name, boots, num, read_run, single_core

COST_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "sim",
                          "costmodel.json")


def trap_cost():
    """The cost model's entry and exit of a `syscall` trap, or None."""
    try:
        with open(COST_MODEL) as f:
            return float(json.load(f)["params"]["entry_exit"]["value"]["syscall"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def wins_from(s, ts, u, tu, r):
    """The E >= 0 from which S + ts E >= max(U + tu E, R): (low, high) with
    high None when unbounded, or None if no such E. Each condition a + b E
    >= 0 holds on a half-line (or everywhere, or nowhere)."""
    low, high = 0.0, None
    for a, b in ((s - u, ts - tu), (s - r, ts)):
        if b > 0:
            low = max(low, -a / b)
        elif b < 0:
            bound = -a / b
            high = bound if high is None else min(high, bound)
        elif a < 0:
            return None
    if high is not None and high < low:
        return None
    return low, high


def model_of(row, e):
    """A row's (base, traps per unit, remote) under the model, its model
    cycles less its traps at the model's E; None without the columns."""
    m, t = num(row.get("model_cycles")), num(row.get("traps"))
    if m is None or t is None:
        return None
    return m - t * e, t, num(row.get("model_cycles_remote")) or 0.0


def fmt(v):
    return "{:,.1f}".format(v)


class Lines:
    """A comparison as lines in E: sync(E) = s + ts E; FlexSC(E) =
    max(u + tu E, r), where a FlexSC row whose cores work one after the
    other has its syscall core's work in u (and r 0); remote, the syscall
    core's work as the row gives it."""

    def __init__(self, sync_row, flex_row, e, overlap):
        self.s, self.ts, _ = model_of(sync_row, e)
        self.u, self.tu, self.remote = model_of(flex_row, e)
        self.overlap = overlap
        self.r = self.remote if overlap else 0.0
        if not overlap:
            self.u += self.remote

    def sync(self, e):
        return self.s + self.ts * e

    def flex(self, e):
        return max(self.u + self.tu * e, self.r)


def pairs(rows, e):
    """Every comparison the run has, per PTI mode and boot: (pti, label,
    Lines)."""
    sim = [r for r in rows if r.get("system") == "exless" and r.get("accel") == "tcg-sim"]
    for pti in sorted({r["pti"] for r in sim}):
        configs = sorted(boots(Run(sim), dict(pti=pti)), key=lambda k: (int(k[0]), k[1]))
        modes = [single_core(*k) for k in configs]
        for smp, cores in configs:
            boot = [r for r in sim if r["pti"] == pti and r["smp"] == smp and r.get("flexsc_cores", "") == cores]
            mode = "single-core" if single_core(smp, cores) else "syscall core"
            if modes.count(single_core(smp, cores)) > 1:
                mode += " (%s)" % boot_name(smp, cores)
            # The null call runs on the one-CPU boot (bench.sh); a boot
            # with a syscall core compares with that one.
            null = [r for r in boot if r["bench"] == "nullcall" and r["path"] == "syscall"]
            null = null or [r for r in sim if r["pti"] == pti and r["smp"] == "1" and
                            r["bench"] == "nullcall" and r["path"] == "syscall"]
            found = []
            for b in sorted({r["batch"] for r in boot if r["bench"] == "batch"}, key=int):
                flex = [r for r in boot if r["bench"] == "batch" and r["path"] == "flexsc" and r["batch"] == b]
                if len(null) == 1 and len(flex) == 1:
                    found.append(("null call vs FlexSC %s, batch %s" % (mode, b), null[0], flex[0], False))
            srv = [r for r in boot if r["bench"] == "server"]
            for work, threads in sorted({(r["size_bytes"], r["user_threads"]) for r in srv},
                                        key=lambda k: (int(k[0]), int(k[1]))):
                pair = {p: [r for r in srv if r["path"] == p and r["size_bytes"] == work and
                            r["user_threads"] == threads] for p in ("syscall", "flexsc")}
                if len(pair["syscall"]) == 1 and len(pair["flexsc"]) == 1:
                    label = "server %s B, %s thread%s, %s" % (work, threads, "" if threads == "1" else "s", mode)
                    found.append((label, pair["syscall"][0], pair["flexsc"][0], threads != "1"))
            for label, sync_row, flex_row, overlap in found:
                if model_of(sync_row, e) and model_of(flex_row, e):
                    yield pti, label, Lines(sync_row, flex_row, e, overlap)


def compare(ln, e):
    """The table cells of comparison ln at the model's E."""
    span = wins_from(ln.s, ln.ts, ln.u, ln.tu, ln.r)
    if span is None:
        where = "never"
    elif span[1] is None:
        where = "any" if span[0] == 0 else fmt(span[0])
    elif span[0] == 0:
        where = "up to " + fmt(span[1])
    else:
        where = "%s to %s" % (fmt(span[0]), fmt(span[1]))
    sync_e, flex_e = ln.sync(e), ln.flex(e)
    flex = fmt(ln.u + ln.tu * e - (0 if ln.overlap else ln.remote))
    if ln.remote:
        flex += " / %s (%s)" % (fmt(ln.remote), "max" if ln.overlap else "sum")
    return (fmt(sync_e), flex, "%.2fx" % (sync_e / flex_e) if flex_e else "-", "%g / %g" % (ln.ts, ln.tu), where)


def comparisons(rows, e):
    """Table rows of every comparison the run has."""
    return [(pti, label) + compare(ln, e) for pti, label, ln in pairs(rows, e)]


def table(rows, e):
    head = ["| pti | comparison | sync (model cycles) | FlexSC: calling core / syscall core | sync / FlexSC |"
            " traps per unit, sync / FlexSC | FlexSC wins from E = |",
            "|---|---|---|---|---|---|---|"]
    return "\n".join(head + ["| %s |" % " | ".join(r) for r in rows]) + "\n"


def main():
    run_dir, rows = read_run(__doc__, "breakeven.py")
    e = trap_cost()
    if e is None:
        sys.exit("breakeven.py: cannot read the trap cost of %s" % COST_MODEL)
    found = comparisons(rows, e)
    if not found:
        return
    text = ("Cost model (bench/sim/costmodel.json), per call or operation, at its `syscall` entry and exit "
            "E = %g cycles; the last column is the E from which FlexSC costs no more than the synchronous "
            "row (scripts/breakeven.py)\n\n" % e) + table(found, e)
    sys.stdout.write(text)
    try:
        with open(os.path.join(run_dir, "breakeven.md"), "w") as f:
            f.write(text)
    except OSError as err:
        sys.exit("breakeven.py: cannot write breakeven.md in %s: %s" % (run_dir, err.strerror))


if __name__ == "__main__":
    main()
