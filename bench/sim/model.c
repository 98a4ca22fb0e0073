/* The cache and TLB model: see model.h. Plain C, no QEMU header. */
#include <stdlib.h>

#include "model.h"

/*
 * Intel Skylake-SP (Xeon Scalable, e.g. Xeon Gold 6148), from the "Intel 64
 * and IA-32 Architectures Optimization Reference Manual" (order 248966),
 * Skylake Server microarchitecture, cache and TLB tables:
 *   L1i 32 KiB 8-way, L1d 32 KiB 8-way, L2 1 MiB 16-way, 64-byte lines;
 *   LLC 1.375 MiB per core, 11-way, shared: 2.75 MiB for this 2-CPU machine;
 *   iTLB 128 entries 8-way (4 KiB), dTLB 64 entries 4-way (4 KiB),
 *   STLB 1536 entries 12-way (4 KiB and 2 MiB pages).
 * The model has one L1 dTLB for all page sizes (Skylake has another 32
 * entries for 2 MiB pages) and no page-walk caches.
 */
const struct model_cfg model_default = {
	.line = 64,
	.l1i = { 32 << 10, 8 },
	.l1d = { 32 << 10, 8 },
	.l2 = { 1 << 20, 16 },
	.llc = { 2816 << 10, 11 },
	.itlb = { 128, 8 },
	.dtlb = { 64, 4 },
	.stlb = { 1536, 12 },
};

const char *sa_init(struct sa *a, unsigned entries, unsigned ways)
{
	*a = (struct sa){ 0 };
	if (!ways || !entries || entries % ways)
		return "entries must be a non-zero multiple of ways";
	a->sets = entries / ways;
	if (a->sets & (a->sets - 1))
		return "sets (entries / ways) must be a power of two";
	a->ways = ways;
	a->key = calloc(entries, sizeof(*a->key));
	a->used = calloc(entries, sizeof(*a->used));
	a->global = calloc(entries, 1);
	a->stale = calloc(entries, 1);
	if (!a->key || !a->used || !a->global || !a->stale) {
		sa_free(a);
		return "out of memory";
	}
	return NULL;
}

void sa_free(struct sa *a)
{
	free(a->key);
	free(a->used);
	free(a->global);
	free(a->stale);
	*a = (struct sa){ 0 };
}

enum sa_result sa_touch(struct sa *a, uint64_t key, bool global)
{
	unsigned base = (unsigned)(key & (a->sets - 1)) * a->ways, victim = base;
	a->tick++;
	for (unsigned i = base; i < base + a->ways; i++) {
		if (a->key[i] == key + 1) {
			a->used[i] = a->tick;
			if (!a->stale[i])
				return SA_HIT;
			a->stale[i] = 0;
			a->global[i] = global;
			return SA_STALE;
		}
		if (a->used[i] < a->used[victim])
			victim = i;
	}
	a->key[victim] = key + 1;
	a->used[victim] = a->tick;
	a->global[victim] = global;
	a->stale[victim] = 0;
	return SA_MISS;
}

bool sa_access(struct sa *a, uint64_t key, bool global)
{
	return sa_touch(a, key, global) == SA_HIT;
}

void sa_invalidate(struct sa *a, uint64_t key)
{
	unsigned base = (unsigned)(key & (a->sets - 1)) * a->ways;
	for (unsigned i = base; i < base + a->ways; i++) {
		if (a->key[i] == key + 1) {
			a->stale[i] = 1;
			a->used[i] = 0;
			return;
		}
	}
}

void sa_flush(struct sa *a, bool all)
{
	for (unsigned i = 0; i < a->sets * a->ways; i++) {
		if (all || !a->global[i]) {
			a->key[i] = 0;
			a->used[i] = 0;
			a->stale[i] = 0;
		}
	}
}

unsigned sa_used(const struct sa *a)
{
	unsigned n = 0;
	for (unsigned i = 0; i < a->sets * a->ways; i++)
		n += a->key[i] != 0;
	return n;
}

static const char *level_init(struct sa *a, struct level_cfg l, unsigned unit)
{
	if (!unit || l.size % unit)
		return "size must be a multiple of the line size";
	return sa_init(a, l.size / unit, l.ways);
}

const char *model_init(struct model *m, const struct model_cfg *cfg, unsigned ncpus)
{
	const char *e;
	*m = (struct model){ .cfg = *cfg, .ncpus = ncpus };
	if (!cfg->line || cfg->line & (cfg->line - 1))
		return "line size must be a power of two";
	while (1u << m->line_bits < cfg->line)
		m->line_bits++;
	m->cpu = calloc(ncpus, sizeof(*m->cpu));
	if (!m->cpu)
		return "out of memory";
	if ((e = level_init(&m->llc, cfg->llc, cfg->line)))
		return e;
	for (unsigned i = 0; i < ncpus; i++) {
		struct model_cpu *c = &m->cpu[i];
		if ((e = level_init(&c->l1i, cfg->l1i, cfg->line)) ||
		    (e = level_init(&c->l1d, cfg->l1d, cfg->line)) ||
		    (e = level_init(&c->l2, cfg->l2, cfg->line)) ||
		    (e = level_init(&c->itlb, cfg->itlb, 1)) ||
		    (e = level_init(&c->dtlb, cfg->dtlb, 1)) ||
		    (e = level_init(&c->stlb, cfg->stlb, 1)))
			return e;
	}
	return NULL;
}

void model_free(struct model *m)
{
	for (unsigned i = 0; m->cpu && i < m->ncpus; i++) {
		struct model_cpu *c = &m->cpu[i];
		sa_free(&c->l1i);
		sa_free(&c->l1d);
		sa_free(&c->l2);
		sa_free(&c->itlb);
		sa_free(&c->dtlb);
		sa_free(&c->stlb);
	}
	free(m->cpu);
	sa_free(&m->llc);
	*m = (struct model){ 0 };
}

/* L1 missed: L2, then the LLC. */
static void below_l1(struct model *m, struct model_cpu *c, uint64_t line, struct model_counts *n)
{
	if (sa_access(&c->l2, line, false))
		return;
	n->l2_miss++;
	if (!sa_access(&m->llc, line, false))
		n->llc_miss++;
}

static void tlb(struct sa *l1, struct sa *stlb, uint64_t page, bool global, struct model_counts *n)
{
	if (!sa_access(l1, page, global) && !sa_access(stlb, page, global))
		n->tlb_miss++;
}

/* Instruction lines live in a key space of their own (bit 63): their
 * addresses are virtual, data addresses physical. */
void model_fetch(struct model *m, unsigned cpu, uint64_t addr, uint64_t page, bool global,
		 struct model_counts *n)
{
	struct model_cpu *c = &m->cpu[cpu];
	uint64_t line = addr >> m->line_bits | 1ull << 63;
	n->fetch++;
	tlb(&c->itlb, &c->stlb, page, global, n);
	if (sa_access(&c->l1i, line, false))
		return;
	n->l1i_miss++;
	below_l1(m, c, line, n);
}

void model_data(struct model *m, unsigned cpu, uint64_t phys, uint64_t page, bool global, bool write,
		struct model_counts *n)
{
	struct model_cpu *c = &m->cpu[cpu];
	uint64_t line = phys >> m->line_bits;
	n->data++;
	tlb(&c->dtlb, &c->stlb, page, global, n);
	enum sa_result r = sa_touch(&c->l1d, line, false);
	if (r != SA_HIT) {
		n->l1d_miss++;
		n->coh_miss += r == SA_STALE;
		below_l1(m, c, line, n);
	}
	if (!write)
		return;
	for (unsigned o = 0; o < m->ncpus; o++) {
		if (o != cpu) {
			sa_invalidate(&m->cpu[o].l1d, line);
			sa_invalidate(&m->cpu[o].l2, line);
		}
	}
}

void model_tlb_flush(struct model *m, unsigned cpu, bool all)
{
	struct model_cpu *c = &m->cpu[cpu];
	sa_flush(&c->itlb, all);
	sa_flush(&c->dtlb, all);
	sa_flush(&c->stlb, all);
}
