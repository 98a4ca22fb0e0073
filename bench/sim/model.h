/*
 * The cache and TLB model of the simulation plugin (plugin.c), apart from
 * QEMU's plugin header so that a host test (test_model.c) can link it.
 *
 * One structure serves caches and TLBs: a set-associative array of keys with
 * true LRU replacement. A cache's key is a line number (address >> line
 * bits); a TLB's a page number tagged with its size. An access looks the key
 * up in its set, and on a miss puts it in place of the least recently used
 * way. Entries may be global (kernel pages with PTE_G): a TLB flush for a CR3
 * write keeps them.
 *
 * The hierarchy, per CPU: private L1i, L1d, L2, a last-level cache shared by
 * all CPUs; an L1 iTLB, an L1 dTLB and a second-level TLB (STLB) shared by
 * both. Non-inclusive, write-allocate, no coherence traffic, no prefetcher.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

struct sa {
	unsigned sets, ways;
	uint64_t *key;      /* sets * ways; key + 1, 0 = empty */
	uint64_t *used;     /* tick of the last access, for LRU */
	uint8_t *global;    /* survives sa_flush(.., false) */
	uint64_t tick;
};

/* A set-associative array of entries / ways entries; NULL, or why not. */
const char *sa_init(struct sa *a, unsigned entries, unsigned ways);
void sa_free(struct sa *a);
/* Looks key up; true on a hit. A miss evicts the LRU way of key's set. */
bool sa_access(struct sa *a, uint64_t key, bool global);
/* Empties a; all = false keeps the global entries. */
void sa_flush(struct sa *a, bool all);
/* Entries in use (tests). */
unsigned sa_used(const struct sa *a);

/* Geometry of one level: bytes (or TLB entries) and ways. */
struct level_cfg {
	unsigned size, ways;
};

struct model_cfg {
	unsigned line;              /* bytes per cache line, a power of two */
	struct level_cfg l1i, l1d, l2, llc;
	struct level_cfg itlb, dtlb, stlb;  /* size = entries */
};

/* The defaults: Intel Skylake-SP (Xeon Scalable), see plugin.c. */
extern const struct model_cfg model_default;

/* Events counted per access. */
struct model_counts {
	uint64_t fetch, data;       /* line fetches, data accesses */
	uint64_t l1i_miss, l1d_miss, l2_miss, llc_miss, tlb_miss;
};

struct model_cpu {
	struct sa l1i, l1d, l2, itlb, dtlb, stlb;
};

struct model {
	struct model_cfg cfg;
	unsigned line_bits;
	unsigned ncpus;
	struct model_cpu *cpu;
	struct sa llc;
};

/* NULL, or what is wrong with cfg (sizes not a multiple of line * ways,
 * sets not a power of two, ...). */
const char *model_init(struct model *m, const struct model_cfg *cfg, unsigned ncpus);
void model_free(struct model *m);

/* One instruction-line fetch / one data access on cpu. line_addr and the
 * data's phys address are byte addresses; page is the page number tagged
 * with its size (model_page()); global: a kernel page. Counts go to c. */
void model_fetch(struct model *m, unsigned cpu, uint64_t addr, uint64_t page, bool global,
		 struct model_counts *c);
void model_data(struct model *m, unsigned cpu, uint64_t phys, uint64_t page, bool global,
		struct model_counts *c);

/* The TLB key of a virtual address in a page of 1 << shift bytes: the page
 * number (low bits pick the set), its size in the top bits. */
static inline uint64_t model_page(uint64_t vaddr, unsigned shift)
{
	return (vaddr >> shift & ((1ull << 52) - 1)) | (uint64_t)shift << 56;
}

/* A CR3 write (all = false: the global pages stay) or invlpg/invpcid (all). */
void model_tlb_flush(struct model *m, unsigned cpu, bool all);

#endif
