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
 * both. Non-inclusive, write-allocate, no prefetcher.
 *
 * Coherence: a data write invalidates the line in every other CPU's L1d and
 * L2, so that CPU's next access to it misses both and goes to the LLC (a
 * coherence miss, counted apart too): the line another core wrote comes back
 * at the price of an LLC hit, a lower bound for a transfer from that core.
 * The writer's own upgrade (invalidating the others' copies) costs nothing
 * here, as a store that retires through the store buffer.
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
	uint8_t *stale;     /* invalidated by another CPU's write (sa_invalidate) */
	uint64_t tick;
};

/* A set-associative array of entries / ways entries; NULL, or why not. */
const char *sa_init(struct sa *a, unsigned entries, unsigned ways);
void sa_free(struct sa *a);
/* What a look-up found. */
enum sa_result { SA_MISS, SA_HIT, SA_STALE /* a miss on a key sa_invalidate took */ };
/* Looks key up and makes it the most recently used; anything but a hit
 * puts it in place of the LRU way of key's set (a stale key, in its own). */
enum sa_result sa_touch(struct sa *a, uint64_t key, bool global);
/* sa_touch: true on a hit. */
bool sa_access(struct sa *a, uint64_t key, bool global);
/* Marks key stale if a holds it: its next look-up misses (SA_STALE), and
 * its way goes first meanwhile. */
void sa_invalidate(struct sa *a, uint64_t key);
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
	uint64_t coh_miss;          /* L1d misses on lines another CPU's write took */
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
void model_data(struct model *m, unsigned cpu, uint64_t phys, uint64_t page, bool global, bool write,
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
