/*
 * exsim: the QEMU TCG plugin of `make bench ACCEL=sim`. Counts, per
 * (measurement window, vCPU, mode), the instructions executed and the misses
 * of the cache and TLB model (model.h), and writes them to a file at exit:
 *
 *   @@SIM config plugin_api=1 qemu_src=... line=64 l1i=32768:8 ... coherence=1 traps=1 ...
 *   @@SIM count window=W cpu=C mode=user|kernel|idle|user_idle insns=... fetch=...
 *         data=... l1i_miss=... l1d_miss=... l2_miss=... llc_miss=... tlb_miss=... coh_miss=...
 *         int80=... syscall=... sysenter=...   (trap instructions executed in user code)
 *   @@SIM prof window=W cpu=C mode=M pc=0x... insns=N      (with profile=1)
 *
 * Windows and idle polling come from marker NOPs (kernel/abi/simmark.h),
 * found at translation time. Mode: QEMU 7.2's plugin API shows neither CPL
 * nor registers, so an instruction at a kernel-half address (bit 63 set) is
 * kernel, one below is user; idle is kernel code between a CPU's
 * IDLE_BEGIN and IDLE_END markers in kernel code (the FlexSC poller),
 * user_idle user code between such markers in user code (userlib's spin on
 * a FlexSC entry): each kind of marker sets its own mode's flag only.
 *
 * Instructions are counted per stretch of a translation block between
 * markers, when the stretch starts: a block cut short by an exception or an
 * I/O recompile (MMIO) counts its rest too. Instruction-cache lines are the
 * virtual lines of each stretch, data accesses use the physical address
 * (MMIO skipped); a store invalidates its lines in the other vCPUs' L1d and
 * L2 (model.h: coherence). The TLB: 4 KiB pages, 2 MiB in the kernel's direct map
 * (kernel/arch/x86_64/layout.h); kernel pages are global (exless sets PTE_G);
 * `mov %reg,%cr3` flushes the non-global entries (TCG 7.2 has no PCID, so
 * exless runs without it and every CR3 write flushes), invlpg and invpcid
 * flush all entries (the plugin cannot read their operand).
 *
 * Needs one QEMU thread (-icount, round-robin vCPUs): no locking.
 * Arguments (-plugin libexsim.so,out=FILE,l1d=32768:8,...): out= (required);
 * line=BYTES; l1i=, l1d=, l2=, llc= BYTES:WAYS; itlb=, dtlb=, stlb= ENTRIES:WAYS;
 * profile=0|1.
 *
 * profile=1: the instructions of each window are also counted per (cpu,
 * mode, address of the stretch's first instruction), one "@@SIM prof" line
 * each (scripts/simprof.py maps them to functions). A stretch ends at a
 * marker or with its block, and QEMU ends a block at every jump, call or
 * return, so a stretch lies within one function unless code falls through
 * into the next. Outside windows nothing is profiled.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu/qemu-plugin.h>

#include "insn.h"
#include "model.h"
#include "../../kernel/abi/simmark.h"
#include "../../kernel/arch/x86_64/layout.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#ifndef SIM_QEMU_SRC
#define SIM_QEMU_SRC "unknown"
#endif
#define MAX_CPUS 16

enum mode { USER, KERNEL, IDLE, USER_IDLE, MODES };
static const char *const mode_names[MODES] = { "user", "kernel", "idle", "user_idle" };

/* What one window holds: counts per CPU and mode. */
struct window {
	struct model_counts c[MAX_CPUS][MODES];
	uint64_t insns[MAX_CPUS][MODES];
	uint64_t traps[MAX_CPUS][MODES][INSN_TRAPS]; /* by enum insn_trap */
};

static struct model model;
static char *out_path;
static struct window **windows; /* by number, allocated when first used */
static uint32_t nwindows, cur_window;
static bool in_window;
static bool idle[MAX_CPUS];      /* between kernel IDLE markers */
static bool user_idle[MAX_CPUS]; /* between user IDLE markers */
static bool profile;

/* profile=1: instructions by (window, cpu, mode, stretch address), an
 * open-addressing hash table kept at most half full. */
struct prof_slot {
	uint64_t pc;                /* 0: an empty slot (no stretch starts at 0) */
	uint64_t insns;
	uint32_t window;
	uint16_t cpu;
	uint16_t mode;
};
static struct prof_slot *prof;
static size_t prof_cap, prof_used; /* cap: a power of two */

/* A stretch of a block: from a marker (or the block's start) to the next. */
struct stretch {
	uint32_t insns;             /* counted, the marker not among them */
	uint32_t marker;            /* SIMMARK_* or 0 */
	bool kernel;
	uint64_t pc;                /* its first instruction's (the marker's) */
	uint32_t nlines;
	uint64_t line[];            /* the virtual fetch lines, in order */
};

/* Window w's counts, allocated (zeroed) the first time; aborts when memory
 * runs out, as a count lost would be a wrong result. */
static struct window *window_get(uint32_t w)
{
	if (w >= nwindows) {
		uint32_t n = nwindows ? nwindows : 64;
		while (n <= w)
			n *= 2;
		windows = realloc(windows, n * sizeof(*windows));
		if (!windows) {
			fprintf(stderr, "exsim: out of memory\n");
			abort();
		}
		memset(windows + nwindows, 0, (n - nwindows) * sizeof(*windows));
		nwindows = n;
	}
	if (!windows[w] && !(windows[w] = calloc(1, sizeof(struct window)))) {
		fprintf(stderr, "exsim: out of memory\n");
		abort();
	}
	return windows[w];
}

/* The slot of key (window, cpu, m, pc) in prof, which has a free one. */
static struct prof_slot *prof_slot(uint32_t window, unsigned cpu, enum mode m, uint64_t pc)
{
	uint64_t h = (pc ^ ((uint64_t)window << 20) ^ ((uint64_t)cpu << 8) ^ m) * 0x9e3779b97f4a7c15ull;
	for (size_t i = h >> 32;; i++) {
		struct prof_slot *s = &prof[i & (prof_cap - 1)];
		if (!s->pc || (s->pc == pc && s->window == window && s->cpu == cpu && s->mode == m))
			return s;
	}
}

/* Adds n instructions at stretch address pc, run by cpu in mode m inside
 * window, to the profile; aborts when memory runs out (a lost count would
 * be a wrong profile). */
static void prof_add(uint32_t window, unsigned cpu, enum mode m, uint64_t pc, uint64_t n)
{
	if (2 * (prof_used + 1) > prof_cap) {
		size_t old = prof_cap;
		struct prof_slot *o = prof;
		prof_cap = old ? 2 * old : 4096;
		prof = calloc(prof_cap, sizeof(*prof));
		if (!prof) {
			fprintf(stderr, "exsim: out of memory\n");
			abort();
		}
		for (size_t i = 0; i < old; i++)
			if (o[i].pc)
				*prof_slot(o[i].window, o[i].cpu, o[i].mode, o[i].pc) = o[i];
		free(o);
	}
	struct prof_slot *s = prof_slot(window, cpu, m, pc);
	if (!s->pc) {
		*s = (struct prof_slot){ .pc = pc, .window = window, .cpu = (uint16_t)cpu, .mode = (uint16_t)m };
		prof_used++;
	}
	s->insns += n;
}

/* The mode of code at a kernel (or user) address running on cpu now. */
static enum mode mode_of(unsigned cpu, bool kernel)
{
	return !kernel ? (user_idle[cpu] ? USER_IDLE : USER) : idle[cpu] ? IDLE : KERNEL;
}

/* Where cpu's events in mode m go: the open window, or window 0. */
static struct model_counts *counts(unsigned cpu, enum mode m)
{
	return &window_get(in_window ? cur_window : 0)->c[cpu][m];
}

/* exless's layout: the kernel owns the upper half (layout.h). */
static bool is_kernel(uint64_t vaddr)
{
	return vaddr >> 63;
}

/* TLB key: 2 MiB pages in the direct map, 4 KiB elsewhere. */
static uint64_t page_of(uint64_t vaddr)
{
	bool big = vaddr >= DIRECT_MAP && vaddr - DIRECT_MAP < DIRECT_MAP_MAX;
	return model_page(vaddr, big ? 21 : 12);
}

/* What a marker executed on cpu, in kernel code or not, does
 * (kernel/abi/simmark.h). */
static void apply_marker(unsigned cpu, uint32_t marker, bool kernel)
{
	bool *flag = kernel ? &idle[cpu] : &user_idle[cpu];

	switch (marker) {
	case SIMMARK_BEGIN: in_window = true; break;
	case SIMMARK_END: in_window = false; break;
	case SIMMARK_NEXT: cur_window++; break;
	case SIMMARK_IDLE_BEGIN: *flag = true; break;
	case SIMMARK_IDLE_END: *flag = false; break;
	}
}

/* Runs when a stretch starts: its marker first, then its instructions and
 * instruction-line fetches go to the window and mode now in force. */
static void stretch_exec(unsigned cpu, void *udata)
{
	struct stretch *s = udata;
	if (cpu >= MAX_CPUS)
		return;
	if (s->marker)
		apply_marker(cpu, s->marker, s->kernel);
	enum mode m = mode_of(cpu, s->kernel);
	struct window *w = window_get(in_window ? cur_window : 0);
	w->insns[cpu][m] += s->insns;
	if (profile && in_window && s->insns)
		prof_add(cur_window, cpu, m, s->pc, s->insns);
	for (uint32_t i = 0; i < s->nlines; i++) {
		uint64_t va = s->line[i] << model.line_bits;
		model_fetch(&model, cpu, va, page_of(va), s->kernel, &w->c[cpu][m]);
	}
}

/* Before a CR3 write (udata INSN_FLUSH_CR3) or invlpg/invpcid (ALL). */
static void flush_exec(unsigned cpu, void *udata)
{
	if (cpu < MAX_CPUS)
		model_tlb_flush(&model, cpu, (uintptr_t)udata == INSN_FLUSH_ALL);
}

/* Before a trap instruction (udata: enum insn_trap, the instruction is
 * user code): counted for the cost model's entry and exit. */
static void trap_exec(unsigned cpu, void *udata)
{
	if (cpu < MAX_CPUS)
		window_get(in_window ? cur_window : 0)->traps[cpu][mode_of(cpu, false)][(uintptr_t)udata]++;
}

/* Every data access (udata: the instruction is kernel code): each line it
 * touches, by physical address, through the dTLB and the data caches. */
static void mem_access(unsigned cpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	if (cpu >= MAX_CPUS)
		return;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (hw && qemu_plugin_hwaddr_is_io(hw))
		return;
	uint64_t phys = hw ? qemu_plugin_hwaddr_phys_addr(hw) : vaddr;
	unsigned size = 1u << qemu_plugin_mem_size_shift(info);
	bool kernel = (uintptr_t)udata;
	struct model_counts *c = counts(cpu, mode_of(cpu, kernel));
	uint64_t first = phys >> model.line_bits, last = (phys + size - 1) >> model.line_bits;
	bool global = is_kernel(vaddr), write = qemu_plugin_mem_is_store(info);
	for (uint64_t l = first; l <= last; l++)
		model_data(&model, cpu, l << model.line_bits, page_of(vaddr), global, write, c);
}

/* Instructions [from, to) of tb as one stretch, started by marker (or 0):
 * its callback goes on instruction from. */
static void stretch_register(struct qemu_plugin_tb *tb, size_t from, size_t to, uint32_t marker)
{
	struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, from);
	uint64_t lines[2 * (to - from) + 1];
	uint32_t nl = 0;
	for (size_t i = from; i < to; i++) {
		struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
		uint64_t a = qemu_plugin_insn_vaddr(in), z = a + qemu_plugin_insn_size(in) - 1;
		for (uint64_t l = a >> model.line_bits; l <= z >> model.line_bits; l++)
			if (!nl || lines[nl - 1] != l)
				lines[nl++] = l;
	}
	struct stretch *s = malloc(sizeof(*s) + nl * sizeof(uint64_t));
	if (!s) {
		fprintf(stderr, "exsim: out of memory\n");
		abort();
	}
	s->insns = (uint32_t)(to - from) - (marker != 0);
	s->marker = marker;
	s->pc = qemu_plugin_insn_vaddr(first);
	s->kernel = is_kernel(s->pc);
	s->nlines = nl;
	memcpy(s->line, lines, nl * sizeof(uint64_t));
	qemu_plugin_register_vcpu_insn_exec_cb(first, stretch_exec, QEMU_PLUGIN_CB_NO_REGS, s);
}

/* Translation of a block: cut it into stretches at markers, and hook the
 * TLB-flushing instructions and every memory access. */
static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb), from = 0;
	uint32_t from_marker = 0;
	bool kernel = is_kernel(qemu_plugin_tb_vaddr(tb));
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *b = qemu_plugin_insn_data(in);
		size_t len = qemu_plugin_insn_size(in);
		uint32_t marker = insn_marker(b, len);
		if (marker) {
			if (i > from)
				stretch_register(tb, from, i, from_marker);
			from = i;
			from_marker = marker;
			continue;
		}
		enum insn_flush f = insn_flush(b, len);
		if (f)
			qemu_plugin_register_vcpu_insn_exec_cb(in, flush_exec, QEMU_PLUGIN_CB_NO_REGS,
								(void *)(uintptr_t)f);
		enum insn_trap t = kernel ? INSN_TRAP_NONE : insn_trap(b, len);
		if (t)
			qemu_plugin_register_vcpu_insn_exec_cb(in, trap_exec, QEMU_PLUGIN_CB_NO_REGS,
								(void *)(uintptr_t)t);
		qemu_plugin_register_vcpu_mem_cb(in, mem_access, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, (void *)(uintptr_t)kernel);
	}
	if (n > from)
		stretch_register(tb, from, n, from_marker);
}

/* One "@@SIM count" line, unless (w, cpu, m) saw nothing. */
static void write_counts(FILE *f, uint32_t w, unsigned cpu, enum mode m)
{
	const struct model_counts *c = &windows[w]->c[cpu][m];
	const uint64_t *t = windows[w]->traps[cpu][m];
	uint64_t insns = windows[w]->insns[cpu][m];
	if (!insns && !c->fetch && !c->data)
		return;
	fprintf(f, "@@SIM count window=%" PRIu32 " cpu=%u mode=%s insns=%" PRIu64 " fetch=%" PRIu64
		" data=%" PRIu64 " l1i_miss=%" PRIu64 " l1d_miss=%" PRIu64 " l2_miss=%" PRIu64
		" llc_miss=%" PRIu64 " tlb_miss=%" PRIu64 " coh_miss=%" PRIu64 " int80=%" PRIu64 " syscall=%" PRIu64
		" sysenter=%" PRIu64 "\n", w, cpu, mode_names[m], insns, c->fetch, c->data, c->l1i_miss, c->l1d_miss,
		c->l2_miss, c->llc_miss, c->tlb_miss, c->coh_miss, t[INSN_TRAP_INT80], t[INSN_TRAP_SYSCALL],
		t[INSN_TRAP_SYSENTER]);
}

/* At QEMU's exit (the guest's isa-debug-exit included): the whole file. */
static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	FILE *f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "exsim: cannot write %s\n", out_path);
		return;
	}
	const struct model_cfg *c = &model.cfg;
	fprintf(f, "@@SIM config plugin=exsim plugin_api=%d qemu_src=%s cpus=%u line=%u l1i=%u:%u "
		"l1d=%u:%u l2=%u:%u llc=%u:%u itlb=%u:%u dtlb=%u:%u stlb=%u:%u coherence=1 traps=1 profile=%d windows=%" PRIu32 "\n",
		QEMU_PLUGIN_VERSION, SIM_QEMU_SRC, model.ncpus, c->line, c->l1i.size, c->l1i.ways,
		c->l1d.size, c->l1d.ways, c->l2.size, c->l2.ways, c->llc.size, c->llc.ways,
		c->itlb.size, c->itlb.ways, c->dtlb.size, c->dtlb.ways, c->stlb.size, c->stlb.ways,
		profile, cur_window);
	for (uint32_t w = 0; w < nwindows; w++)
		for (unsigned cpu = 0; windows[w] && cpu < model.ncpus; cpu++)
			for (int m = 0; m < MODES; m++)
				write_counts(f, w, cpu, m);
	for (size_t i = 0; i < prof_cap; i++)
		if (prof[i].pc)
			fprintf(f, "@@SIM prof window=%" PRIu32 " cpu=%u mode=%s pc=0x%" PRIx64 " insns=%" PRIu64 "\n",
				prof[i].window, prof[i].cpu, mode_names[prof[i].mode], prof[i].pc, prof[i].insns);
	if (fclose(f))
		fprintf(stderr, "exsim: cannot write %s\n", out_path);
}

/* "SIZE:WAYS" into l; false when malformed. */
static bool parse_level(const char *v, struct level_cfg *l)
{
	char *end;
	unsigned long s = strtoul(v, &end, 10), w;
	if (end == v || *end != ':')
		return false;
	v = end + 1;
	w = strtoul(v, &end, 10);
	if (end == v || *end || !s || !w || s > 1ul << 30 || w > 64)
		return false;
	*l = (struct level_cfg){ (unsigned)s, (unsigned)w };
	return true;
}

/* Parses the arguments, sets the model up and registers the callbacks; -1
 * (QEMU then refuses to start) on any bad argument. */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	struct model_cfg cfg = model_default;
	struct { const char *name; struct level_cfg *l; } levels[] = {
		{ "l1i", &cfg.l1i }, { "l1d", &cfg.l1d }, { "l2", &cfg.l2 }, { "llc", &cfg.llc },
		{ "itlb", &cfg.itlb }, { "dtlb", &cfg.dtlb }, { "stlb", &cfg.stlb },
	};
	if (info->system_emulation == false) {
		fprintf(stderr, "exsim: system emulation only\n");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		bool ok = eq != NULL;
		if (ok) {
			*eq = 0;
			const char *v = eq + 1;
			if (!strcmp(argv[i], "out")) {
				out_path = strdup(v);
			} else if (!strcmp(argv[i], "line")) {
				char *end;
				unsigned long l = strtoul(v, &end, 10);
				ok = end != v && !*end && l >= 8 && l <= 4096;
				cfg.line = (unsigned)l;
			} else if (!strcmp(argv[i], "profile")) {
				ok = !strcmp(v, "0") || !strcmp(v, "1");
				profile = !strcmp(v, "1");
			} else {
				ok = false;
				for (size_t k = 0; k < sizeof(levels) / sizeof(levels[0]); k++)
					if (!strcmp(argv[i], levels[k].name))
						ok = parse_level(v, levels[k].l);
			}
			*eq = '=';
		}
		if (!ok) {
			fprintf(stderr, "exsim: bad argument '%s' (out=FILE line=BYTES "
				"l1i|l1d|l2|llc=BYTES:WAYS itlb|dtlb|stlb=ENTRIES:WAYS profile=0|1)\n", argv[i]);
			return -1;
		}
	}
	if (!out_path) {
		fprintf(stderr, "exsim: out=FILE is required\n");
		return -1;
	}
	int ncpus = info->system.max_vcpus;
	if (ncpus < 1 || ncpus > MAX_CPUS) {
		fprintf(stderr, "exsim: %d vCPUs, at most %d\n", ncpus, MAX_CPUS);
		return -1;
	}
	const char *err = model_init(&model, &cfg, (unsigned)ncpus);
	if (err) {
		fprintf(stderr, "exsim: bad cache or TLB geometry: %s\n", err);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
