#!/usr/bin/env python3
"""Charts of one benchmark run.

usage: python3 plot.py [RESULTS_DIR] [--gnuplot]

Reads RESULTS_DIR/results.csv and meta.json (scripts/collect.py) and writes
PNGs next to them, each only when its data is there:
  null.png      null call latency per path, p99 whiskers, floors, Linux peer
  batch.png     cost per call vs batch size, trapping null calls for reference
  cores.png     throughput vs syscall cores
  size.png      read/write cost vs bytes moved
  indirect.png  user work vs call frequency per working set, no calls / trapping /
                flexsc; under ACCEL=sim the extra user-work misses per call
  indirect-model.png  ACCEL=sim only: modeled user IPC (bench/sim/costmodel.json)
  server.png    server throughput, synchronous vs flexsc
  server-model.png  ACCEL=sim only: the server bench's modeled cycles per operation per core
  breakeven.png ACCEL=sim only: synchronous over FlexSC modeled cost against a trap's cost
  workloads.png webserver and kvstore: requests/s and p50/p99 latency per request
                against server threads, per system and mode
RESULTS_DIR defaults to results/latest. With --gnuplot, draws null-gnuplot.png
and batch-gnuplot.png with scripts/plot.gnuplot instead (needs only gnuplot).

Needs pandas and matplotlib; when this python lacks them, plot.py runs itself
again under /usr/bin/python3 (Debian's python3-pandas, python3-matplotlib).
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"
PATH_ORDER = ["int80", "syscall", "sysenter", "flexsc", "io_uring", "io_uring_sqpoll"]
TRAPPING = ["int80", "syscall", "sysenter"]
# What a TSC cycle means under each accelerator.
NOTE = {
    "kvm": "",
    "tcg": " (emulated time, TCG)",
    "tcg-icount": " (guest instructions, icount)",
    "tcg-sim": " (guest instructions, icount, simulation)",
}


def fail(msg):
    print("plot.py: %s" % msg, file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    gnuplot = "--gnuplot" in argv
    rest = [a for a in argv if a != "--gnuplot"]
    if any(a in ("-h", "--help") for a in rest):
        print(__doc__.strip())
        sys.exit(0)
    if len(rest) > 1 or any(a.startswith("-") for a in rest):
        fail("usage: plot.py [RESULTS_DIR] [--gnuplot]")
    d = rest[0] if rest else os.path.join(HERE, "results", "latest")
    if not os.path.isdir(d):
        fail("no results directory %s (run make bench first, or name one)" % d)
    if not os.path.isfile(os.path.join(d, "results.csv")):
        fail("%s has no results.csv (scripts/collect.py writes it)" % d)
    return d, gnuplot


def import_or_reexec():
    """pandas and matplotlib, from this python or from Debian's."""
    try:
        import matplotlib
        import pandas
    except ImportError as e:
        here = os.path.realpath(sys.executable)
        if (os.environ.get("PLOT_PY_REEXEC") or not os.access(SYSTEM_PYTHON, os.X_OK)
                or here == os.path.realpath(SYSTEM_PYTHON)):
            fail("%s (%s): neither it nor %s has pandas and matplotlib: "
                 "apt-get install python3-pandas python3-matplotlib"
                 % (e, sys.executable, SYSTEM_PYTHON))
        os.environ["PLOT_PY_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return pandas, plt


class Run:
    """results.csv and meta.json of one run directory, and how to label them."""

    def __init__(self, pd, d):
        self.dir = d
        # Only empty fields are missing (collect.py keeps NaN words out anyway).
        self.df = pd.read_csv(os.path.join(d, "results.csv"), dtype={"flexsc_cores": str},
                              keep_default_na=False, na_values=[""])
        if self.df.empty:
            fail("%s/results.csv holds no results" % d)
        try:
            with open(os.path.join(d, "meta.json")) as f:
                self.meta = json.load(f)
        except (OSError, ValueError):
            self.meta = {}
        accels = sorted(self.df["accel"].dropna().astype(str).unique())
        self.accel = "/".join(accels) or "unknown accelerator"
        self.note = NOTE.get(self.accel, "")
        self.unit = "TSC cycles" + self.note
        self.rate = "per second of TSC time" + self.note

    def subtitle(self):
        host = self.meta.get("host", {})
        cpu = host.get("cpu_model") or "unknown CPU"
        qemu = (host.get("qemu") or "QEMU").replace("QEMU emulator version", "QEMU")
        qemu = qemu.split(" (")[0]
        smps = sorted(self.df["smp"].dropna().astype(int).unique())
        vcpus = "/".join(str(s) for s in smps)
        return "host %s · %s %s · smp=%s" % (cpu, qemu, self.accel, vcpus)

    def system_label(self, system):
        g = self.meta.get("systems", {}).get(system, {})
        if system != "linux":
            return ("%s %s" % (system, g.get("git", ""))).strip()
        label = "Linux %s" % g.get("kernel", "")
        if "PTI" in g.get("meltdown", ""):
            label += " (PTI on)"
        return label.strip()

    def series(self, df, by):
        """(label, {column: value}, rows) per group of the columns in by, and of
        smp, flexsc_cores and pti where those vary between the run's boots."""
        varying = [c for c in ("smp", "flexsc_cores", "pti")
                   if c in self.df and self.df[c].dropna().nunique() > 1]
        keys = list(by) + varying
        grouper = keys if len(keys) > 1 else keys[0]
        for key, rows in df.groupby(grouper, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            parts = []
            for k, v in zip(keys, key):
                if isinstance(v, float) and v != v:
                    continue
                if k == "system":
                    parts.append(self.system_label(v))
                elif k in ("path", "op"):
                    parts.append(str(v))
                elif k == "flexsc_cores":
                    parts.append("flexsc.cores=%s" % v)
                else:
                    parts.append("%s=%s" % (k, v))
            yield " ".join(parts), dict(zip(keys, key)), rows


def path_rank(p):
    return PATH_ORDER.index(p) if p in PATH_ORDER else len(PATH_ORDER)


def style(key, i):
    """Line i: solid for exless, dashed for Linux, markers by op; coloured by
    path, unless boots of several configurations share paths (a sweep)."""
    varied = "smp" in key or "flexsc_cores" in key or "pti" in key
    return {"color": "C%d" % ((i if varied else path_rank(key.get("path"))) % 10),
            "linestyle": "--" if key.get("system") == "linux" else "-",
            "marker": "s" if key.get("op") == "read" else "o"}


def log_if_wide(ax, values):
    v = [x for x in values if x > 0]
    if v and max(v) / min(v) > 20:
        ax.set_yscale("log")


def human_bytes(v, _pos=None):
    """1 B ... 64 KiB ... 1 MiB."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if v >= scale:
            return "%g %s" % (v / scale, unit)
    return "%g B" % v


def bytes_axis(plt, ax, values):
    """A log2 x axis ticked at values, labelled by human_bytes()."""
    fmt = human_bytes
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(values)))
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.FuncFormatter(fmt))
    ax.xaxis.set_minor_locator(plt.matplotlib.ticker.NullLocator())


def save(plt, fig, run, name, title):
    fig.axes[0].set_title("%s\n%s" % (title, run.subtitle()), fontsize=10)
    fig.tight_layout()
    path = os.path.join(run.dir, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print("plot.py: wrote %s" % path, file=sys.stderr)


def suptitle_save(plt, fig, run, name, title):
    """save() for a figure of several panels: the title above them all."""
    fig.suptitle("%s\n%s" % (title, run.subtitle()), fontsize=10)
    fig.tight_layout()
    path = os.path.join(run.dir, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print("plot.py: wrote %s" % path, file=sys.stderr)


def chart_null(plt, run):
    df = run.df
    null = df[df.bench == "nullcall"]
    if null.empty:
        return
    paths = sorted(null.path.unique(), key=path_rank)
    groups = list(run.series(null, ["system"]))
    width = 0.8 / len(groups)
    fig, ax = plt.subplots(figsize=(10, 6))
    tops = []
    floor_labelled = False
    for i, (label, key, rows) in enumerate(groups):
        xs, med, err = [], [], []
        for j, p in enumerate(paths):
            r = rows[rows.path == p]
            if r.empty:
                continue
            r = r.iloc[0]
            xs.append(j - 0.4 + width * (i + 0.5))
            med.append(r.median_cycles)
            err.append(r.p99_cycles - r.median_cycles)
        ax.bar(xs, med, width * 0.9, yerr=[[0] * len(err), err], capsize=4,
                      label="%s (median, whisker to p99)" % label,
                      hatch="//" if key.get("system") == "linux" else None,
                      edgecolor="black", linewidth=0.5)
        for x, m in zip(xs, med):
            ax.text(x, m, "%d" % m, ha="center", va="bottom", fontsize=7,
                    bbox=dict(facecolor="white", edgecolor="none", pad=1, alpha=0.8))
        tops += med + [m + e for m, e in zip(med, err)]
        # Floors: the path's bare entry/exit, on the same system and run.
        floor = df[(df.bench == "floor") & (df.system == key.get("system"))]
        for k, v in key.items():
            if k in ("smp", "flexsc_cores", "pti"):
                floor = floor[floor[k] == v]
        for x, p in zip(xs, [p for p in paths if not rows[rows.path == p].empty]):
            f = floor[floor.path == p]
            if f.empty:
                continue
            y = f.iloc[0].median_cycles
            ax.hlines(y, x - width * 0.45, x + width * 0.45, colors="black", linewidths=2.5,
                      label=None if floor_labelled else "floor: entry/exit only (median)")
            ax.text(x, y, "floor %d" % y, ha="center", va="top", fontsize=7, color="white")
            floor_labelled = True
            tops.append(y)
    ax.set_xticks(range(len(paths)))
    ax.set_xticklabels(paths)
    ax.set_xlabel("entry path")
    ax.set_ylabel("%s per call" % run.unit)
    log_if_wide(ax, tops)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    save(plt, fig, run, "null.png", "Null system call latency per entry path")


def chart_batch(plt, run):
    df = run.df
    batch = df[df.bench == "batch"]
    if batch.empty:
        return
    fig, ax = plt.subplots(figsize=(10, 6))
    values = []
    for i, (label, key, rows) in enumerate(run.series(batch, ["system", "path"])):
        rows = rows.sort_values("batch")
        ax.errorbar(rows.batch, rows.median_cycles,
                    yerr=[[0] * len(rows), rows.p99_cycles - rows.median_cycles],
                    capsize=3, label=label, **style(key, i))
        values += list(rows.median_cycles)
    null = df[(df.bench == "nullcall") & df.path.isin(TRAPPING)]
    if null.groupby(["run", "path"]).ngroups > 4:
        null = null[null.path == "syscall"]  # a sweep: one reference per boot
    for i, (label, key, rows) in enumerate(run.series(null, ["system", "path"])):
        y = rows.iloc[0].median_cycles
        ax.axhline(y, color="dimgray", linestyle=":", linewidth=1)
        # Alternate sides, so that labels of close values do not overlap.
        ax.annotate("%s null: %d" % (label, y), (0.99 if i % 2 else 0.01, y),
                    xycoords=("axes fraction", "data"), ha="right" if i % 2 else "left",
                    va="bottom", fontsize=7, color="dimgray")
        values.append(y)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(batch.batch.unique()))
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("calls per batch")
    ax.set_ylabel("%s per call (median, whisker to p99)" % run.unit)
    log_if_wide(ax, values)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(plt, fig, run, "batch.png",
         "Cost per call vs batch size (dotted: one trapping null call)")


def throughput(rows):
    """ops_per_sec, or 1e9 / median_ns where a line had none."""
    ops = rows.ops_per_sec.astype(float)
    return ops.fillna(1e9 / rows.median_ns.astype(float))


def chart_cores(plt, run):
    cores = run.df[run.df.bench == "cores"]
    if cores.empty:
        return
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, (label, key, rows) in enumerate(
            run.series(cores, ["system", "path", "batch", "user_threads"])):
        rows = rows.sort_values("syscall_cores")
        ax.plot(rows.syscall_cores, throughput(rows), label=label, **style(key, i))
    ax.set_xlabel("syscall cores")
    ax.set_ylabel("calls %s" % run.rate)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.EngFormatter())
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(plt, fig, run, "cores.png", "Throughput vs syscall cores")


def chart_size(plt, run):
    size = run.df[run.df.bench == "size"]
    if size.empty:
        return
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, (label, key, rows) in enumerate(run.series(size, ["system", "path", "op"])):
        rows = rows.sort_values("size_bytes")
        ax.errorbar(rows.size_bytes, rows.median_cycles,
                    yerr=[[0] * len(rows), rows.p99_cycles - rows.median_cycles],
                    capsize=3, label=label, **style(key, i))
    bytes_axis(plt, ax, size.size_bytes)
    ax.set_yscale("log")
    ax.set_xlabel("bytes per call")
    ax.set_ylabel("%s per call (median, whisker to p99)" % run.unit)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(plt, fig, run, "size.png", "read() from zero (squares), write() to null (circles): "
         "cost vs size")


def indirect_rows(run):
    """bench=indirect rows with call_every and units_per_call from extra, and
    the path's label: flexsc from a flexsc.cores=none boot is "flexsc
    single-core" (that boot's other paths repeat the first boot's)."""
    ind = run.df[run.df.bench == "indirect"].copy()
    if ind.empty or "call_every=" not in " ".join(ind.extra.astype(str)):
        return None
    for k in ("call_every", "units_per_call"):
        ind[k] = ind.extra.str.extract(r"%s=(\d+)" % k)[0].astype(float)
    ind["working_set"] = ind.working_set.astype(float)
    single = ind.flexsc_cores.astype(str) == "none"
    ind = ind[~single | (ind.path == "flexsc")].copy()
    ind["label"] = ind.path.where(~single, "flexsc single-core")
    ind.loc[(ind.path == "flexsc") & ~single, "label"] = "flexsc (syscall core)"
    return ind


def chart_indirect(plt, run):
    ind = indirect_rows(run)
    if ind is None:
        return
    sets = sorted(ind.working_set.unique())
    sim = "l1d_miss" in ind and ind.l1d_miss.notna().any()
    labels = [l for l in ["none", "int80", "syscall", "sysenter", "flexsc (syscall core)",
                          "flexsc single-core"] if l in set(ind.label)]
    colours = {l: "C%d" % i for i, l in enumerate(labels)}
    if not sim:
        fig, axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets), 4.5), squeeze=False)
        for ax, ws in zip(axes[0], sets):
            part = ind[ind.working_set == ws]
            for l in labels:
                rows = part[part.label == l].sort_values("call_every")
                ax.plot(rows.call_every, rows.median_cycles / rows.units_per_call, marker="o",
                        color=colours[l], label=l)
            ax.set_xscale("log")
            ax.set_title("working set %s" % human_bytes(ws), fontsize=9)
            ax.set_xlabel("user instructions between calls (K)", fontsize=8)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel("%s\nper unit of user work (median)" % run.unit, fontsize=8)
        axes[0][-1].legend(fontsize=7)
        suptitle_save(plt, fig, run, "indirect.png",
                      "Indirect cost: user work (one line touched) vs call frequency")
        return
    # Simulation: each path's extra user-work misses per call over the none
    # row of the same boot, working set and frequency (FlexSC, fig. 3).
    metrics = [m for m in ("l1i_miss", "l1d_miss", "l2_miss", "llc_miss", "tlb_miss")
               if ind[m].max() > 0]
    base = run.df[(run.df.bench == "indirect") & (run.df.path == "none")].copy()
    base["working_set"] = base.working_set.astype(float)
    base["call_every"] = base.extra.str.extract(r"call_every=(\d+)")[0].astype(float)
    base = base.set_index(["run", "working_set", "call_every"])
    fig, axes = plt.subplots(len(metrics), len(sets), figsize=(2.9 * len(sets), 2.6 * len(metrics)),
                             squeeze=False, sharex=True)
    for r, m in enumerate(metrics):
        for c, ws in enumerate(sets):
            ax = axes[r][c]
            part = ind[(ind.working_set == ws) & (ind.path != "none")]
            for l in labels[1:]:
                rows = part[part.label == l].sort_values("call_every")
                none = base.loc[[(run_, ws, k) for run_, k in zip(rows.run, rows.call_every)], m]
                extra = (rows[m].values - none.values) * rows.units_per_call.values
                k = rows.insns_user.values * rows.units_per_call.values
                ax.plot(k, extra, marker="o", markersize=3, color=colours[l], label=l)
            ax.set_xscale("log")
            ax.axhline(0, color="grey", linewidth=0.5)
            ax.grid(alpha=0.3)
            if r == 0:
                ax.set_title("working set %s" % human_bytes(ws), fontsize=9)
            if c == 0:
                ax.set_ylabel("extra user %s\nper call (model)" % m.replace("_miss", " misses"),
                              fontsize=8)
            if r == len(metrics) - 1:
                ax.set_xlabel("user instructions between calls", fontsize=8)
    axes[0][-1].legend(fontsize=7)
    suptitle_save(plt, fig, run, "indirect.png", "Simulation (cache/TLB model, not measured): "
                  "the user work's extra misses per call, over no calls")


def chart_indirect_model(plt, run):
    """Under ACCEL=sim: the user work's modeled IPC against call frequency
    (FlexSC, fig. 3), from bench/sim/costmodel.json; a model, not a measurement."""
    ind = indirect_rows(run)
    if ind is None or "model_ipc_user" not in ind or not ind.model_ipc_user.notna().any():
        return
    sets = sorted(ind.working_set.unique())
    labels = [l for l in ["none", "int80", "syscall", "sysenter", "flexsc (syscall core)",
                          "flexsc single-core"] if l in set(ind.label)]
    fig, axes = plt.subplots(1, len(sets), figsize=(2.9 * len(sets), 4), squeeze=False)
    for ax, ws in zip(axes[0], sets):
        part = ind[ind.working_set == ws]
        for i, l in enumerate(labels):
            rows = part[part.label == l].sort_values("call_every")
            ax.plot(rows.insns_user * rows.units_per_call, rows.model_ipc_user, marker="o",
                    markersize=3, color="C%d" % i, label=l)
        ax.set_xscale("log")
        ax.set_title("working set %s" % human_bytes(ws), fontsize=9)
        ax.set_xlabel("user instructions between calls", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("user IPC (model)")
    axes[0][-1].legend(fontsize=7)
    suptitle_save(plt, fig, run, "indirect-model.png", "Cost model (bench/sim/costmodel.json) "
                  "over simulated counts: modeled user IPC vs call frequency")


def server_panels(plt, srv):
    """A figure with one panel per size of user work per operation of the
    server rows srv (size_bytes; 0 in runs before it varied, when it was
    4096), titled: the figure and (axis, that size's rows) per panel."""
    works = sorted(srv.size_bytes.unique())
    fig, axes = plt.subplots(1, len(works), figsize=(5 * len(works) + 2, 6), squeeze=False)
    panels = []
    for ax, work in zip(axes[0], works):
        ax.set_title("user work per operation: %d bytes" % (work or 4096), fontsize=9)
        panels.append((ax, srv[srv.size_bytes == work]))
    return fig, panels


def chart_server(plt, run):
    """bench=server: throughput against user threads, a panel per work size."""
    srv = run.df[run.df.bench == "server"]
    if srv.empty:
        return
    fig, panels = server_panels(plt, srv)
    for ax, rows_w in panels:
        if rows_w.user_threads.nunique() > 1:
            for i, (label, key, rows) in enumerate(
                    run.series(rows_w, ["system", "path", "syscall_cores"])):
                rows = rows.sort_values("user_threads")
                ax.plot(rows.user_threads, throughput(rows), label=label, **style(key, i))
            ax.set_xlabel("user threads")
            ax.legend(fontsize=8)
        else:
            labels, ops = [], []
            for label, key, rows in run.series(rows_w, ["system", "path", "syscall_cores"]):
                labels.append(label)
                ops.append(throughput(rows).iloc[0])
            bars = ax.bar(labels, ops, edgecolor="black", linewidth=0.5)
            ax.bar_label(bars, labels=["%.0f" % o for o in ops], fontsize=8)
        ax.set_ylabel("requests %s" % run.rate)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.EngFormatter())
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    suptitle_save(plt, fig, run, "server.png", "Server throughput: synchronous vs flexsc")


def chart_server_model(plt, run):
    """Under ACCEL=sim: the server bench's modeled cycles per operation
    (bench/sim/costmodel.json) against user threads, a panel per work size:
    the synchronous core's, and FlexSC-Threads' user core and syscall core
    apart (the slower of the two bounds its throughput). A model, not a
    measurement."""
    srv = run.df[run.df.bench == "server"]
    if srv.empty or "model_cycles_remote" not in srv or not srv.model_cycles_remote.notna().any():
        return
    fig, panels = server_panels(plt, srv)
    for ax, rows_w in panels:
        for i, (label, key, rows) in enumerate(run.series(rows_w, ["system", "path"])):
            rows = rows.sort_values("user_threads")
            st = style(key, i)
            if key.get("path") == "flexsc":
                ax.plot(rows.user_threads, rows.model_cycles, label=label + ": user core", **st)
                st["linestyle"] = ":"
                ax.plot(rows.user_threads, rows.model_cycles_remote, label=label + ": syscall core", **st)
            else:
                ax.plot(rows.user_threads, rows.model_cycles, label=label, **st)
        ax.set_xlabel("user threads")
        ax.set_ylabel("model cycles per operation (lower is better)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    panels[-1][0].legend(fontsize=7)
    suptitle_save(plt, fig, run, "server-model.png", "Cost model (bench/sim/costmodel.json) over simulated "
                  "counts: server bench, cycles per operation per core")


def chart_breakeven(plt, run):
    """Under ACCEL=sim: synchronous over FlexSC cost against the cost of a
    trap's entry and exit (scripts/breakeven.py's lines in E), a panel per
    PTI mode: above 1 FlexSC costs less. The server rows of several threads
    and FlexSC's batch 8 and 64 against a null call. A model, not a
    measurement."""
    sys.path.insert(0, os.path.join(HERE, "scripts"))
    import breakeven
    e = breakeven.trap_cost()
    if e is None:
        return
    with open(os.path.join(run.dir, "results.csv"), newline="") as f:
        found = [(pti, label, ln) for pti, label, ln in breakeven.pairs(list(csv.DictReader(f)), e)
                 if "threads" in label or label.endswith(("batch 8", "batch 64"))]
    if not found:
        return
    modes = sorted({pti for pti, _, _ in found})
    fig, axes = plt.subplots(1, len(modes), figsize=(7 * len(modes), 6), squeeze=False)
    xs = [4 * i for i in range(151)]
    for ax, pti in zip(axes[0], modes):
        for i, (_, label, ln) in enumerate(x for x in found if x[0] == pti):
            ax.plot(xs, [ln.sync(x) / ln.flex(x) for x in xs], label=label, color="C%d" % (i % 10),
                    linestyle="-" if "server" in label else "--")
        ax.axhline(1, color="black", linewidth=0.8)
        ax.axvline(e, color="grey", linestyle=":", label="the cost model's E (%g)" % e)
        ax.set_title("pti=%s" % pti, fontsize=9)
        ax.set_xlabel("E: cycles of a syscall entry and exit, beyond its instructions")
        ax.set_ylabel("synchronous / FlexSC, model cycles (above 1: FlexSC costs less)")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.ScalarFormatter())
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    suptitle_save(plt, fig, run, "breakeven.png", "Cost model (bench/sim/costmodel.json) over simulated "
                  "counts: from what trap cost FlexSC wins (scripts/breakeven.py)")


def chart_workloads(plt, run):
    """bench=webserver and kvstore: throughput (top) and latency per request,
    p50 solid and p99 dotted (bottom), against server threads."""
    df = run.df[run.df.bench.isin(["webserver", "kvstore"])]
    if df.empty:
        return
    benches = [b for b in ("webserver", "kvstore") if b in set(df.bench)]
    fig, axes = plt.subplots(2, len(benches), figsize=(6.5 * len(benches), 9), squeeze=False)
    for c, bench in enumerate(benches):
        part = df[df.bench == bench]
        top, bottom = axes[0][c], axes[1][c]
        for i, (label, key, rows) in enumerate(
                run.series(part, ["system", "path", "syscall_cores", "user_cores"])):
            rows = rows.sort_values("user_threads")
            # One colour per series: exless and Linux share the path name.
            st = dict(style(key, i), color="C%d" % i)
            top.plot(rows.user_threads, throughput(rows), label=label, **st)
            st.pop("linestyle")
            bottom.plot(rows.user_threads, rows.median_ns.astype(float) / 1e6, label=label + " p50",
                        linestyle="-", **st)
            bottom.plot(rows.user_threads, rows.p99_ns.astype(float) / 1e6, label=label + " p99",
                        linestyle=":", **st)
        for ax in (top, bottom):
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted(part.user_threads.unique()))
            ax.xaxis.set_major_formatter(plt.matplotlib.ticker.ScalarFormatter())
            ax.xaxis.set_minor_locator(plt.matplotlib.ticker.NullLocator())
            ax.set_xlabel("server threads (= client connections)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        top.set_title(bench, fontsize=10)
        top.set_ylabel("requests %s" % run.rate)
        top.yaxis.set_major_formatter(plt.matplotlib.ticker.EngFormatter())
        top.set_ylim(bottom=0)
        bottom.set_ylabel("latency per request, ms of TSC time%s" % run.note)
        bottom.set_yscale("log")
    suptitle_save(plt, fig, run, "workloads.png",
                  "Server workloads over local sockets: throughput and latency vs server threads")


def gnuplot(d):
    """null and batch data as whitespace tables for scripts/plot.gnuplot."""
    with open(os.path.join(d, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    accel = next((r["accel"] for r in rows if r["accel"]), "")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "null.dat"), "w") as f:
            for r in rows:
                if r["bench"] in ("nullcall", "floor"):
                    f.write("%s-%s-%s %s %s\n" % (r["system"], r["bench"], r["path"],
                                                  r["median_cycles"], r["p99_cycles"]))
        series = {}
        for r in rows:
            if r["bench"] == "batch":
                series.setdefault("%s-%s" % (r["system"], r["path"]), []).append(r)
        with open(os.path.join(tmp, "batch.dat"), "w") as f:
            # One gnuplot data block per series, in the order of their names.
            for name, rs in sorted(series.items()):
                for r in sorted(rs, key=lambda r: int(r["batch"])):
                    f.write("%s %s %s\n" % (r["batch"], r["median_cycles"], r["p99_cycles"]))
                f.write("\n\n")
        cmd = ["gnuplot", "-e", "data='%s'; out='%s'; unit='%s'; series='%s'"
               % (tmp, os.path.abspath(d), "TSC cycles" + NOTE.get(accel, ""),
                  " ".join(sorted(series))),
               os.path.join(HERE, "scripts", "plot.gnuplot")]
        try:
            subprocess.run(cmd, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            fail("gnuplot failed: %s" % e)
    print("plot.py: wrote %s/null-gnuplot.png and batch-gnuplot.png" % d, file=sys.stderr)


def main():
    d, use_gnuplot = parse_args(sys.argv[1:])
    if use_gnuplot:
        gnuplot(d)
        return
    pd, plt = import_or_reexec()
    run = Run(pd, d)
    for chart in (chart_null, chart_batch, chart_cores, chart_size, chart_indirect,
                  chart_indirect_model, chart_server, chart_server_model, chart_breakeven, chart_workloads):
        chart(plt, run)


if __name__ == "__main__":
    main()
