/* Physical page allocator: one bit per page of RAM, the bitmap itself
 * carved from RAM at boot and sized from the highest usable address. */
#include "test.h"
#include "mm.h"
#include "spinlock.h"
#include "panic.h"
#include "console.h"

struct mem_region boot_ram[64];
int boot_nram;

static u64 *bitmap;     /* 1 = free */
static u64 npages_max;  /* pages covered by the bitmap */
static u64 nfree, ntotal;
static u64 hint;        /* where the next search starts */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

static bool is_free(u64 pg) { return bitmap[pg / 64] >> (pg % 64) & 1; }
static void set_free(u64 pg) { bitmap[pg / 64] |= 1ul << (pg % 64); }
static void set_used(u64 pg) { bitmap[pg / 64] &= ~(1ul << (pg % 64)); }

/* Everything below reserved_end (low memory, kernel image, boot page
 * tables) stays in use. */
void pmm_init(paddr_t reserved_end)
{
	paddr_t top = 0;
	for (int i = 0; i < boot_nram; i++)
		top = MAX(top, boot_ram[i].base + boot_ram[i].len);
	npages_max = top / PAGE_SIZE;
	u64 bitmap_bytes = ALIGN_UP((npages_max + 63) / 64 * 8, PAGE_SIZE);
	paddr_t bm = ALIGN_UP(reserved_end, PAGE_SIZE);
	bitmap = phys_to_virt(bm);
	memset(bitmap, 0, bitmap_bytes);
	reserved_end = bm + bitmap_bytes;
	for (int i = 0; i < boot_nram; i++) {
		u64 first = ALIGN_UP(boot_ram[i].base, PAGE_SIZE) / PAGE_SIZE;
		u64 end = ALIGN_DOWN(boot_ram[i].base + boot_ram[i].len, PAGE_SIZE) / PAGE_SIZE;
		for (u64 pg = first; pg < end; pg++) {
			if (pg * PAGE_SIZE < reserved_end && pg * PAGE_SIZE >= 0x100000)
				continue;
			if (pg < 0x100000 / PAGE_SIZE)
				continue; /* low memory: trampoline, BIOS data */
			set_free(pg);
			nfree++;
		}
	}
	ntotal = nfree;
	hint = reserved_end / PAGE_SIZE;
}

/* Find and take n contiguous free pages, from the hint on, wrapping once. */
static paddr_t take(u64 n)
{
	for (int pass = 0; pass < 2; pass++) {
		u64 start = pass ? 0 : hint, run = 0;
		for (u64 pg = start; pg < npages_max; pg++) {
			if (!(pg % 64) && !bitmap[pg / 64] && pg + 64 <= npages_max) {
				run = 0;
				pg += 63;
				continue;
			}
			run = is_free(pg) ? run + 1 : 0;
			if (run == n) {
				u64 first = pg + 1 - n;
				for (u64 i = first; i <= pg; i++)
					set_used(i);
				nfree -= n;
				hint = pg + 1;
				return first * PAGE_SIZE;
			}
		}
	}
	return 0;
}

paddr_t pmm_alloc_contig(u64 npages)
{
	spin_lock(&pmm_lock);
	paddr_t p = npages && npages <= nfree ? take(npages) : 0;
	spin_unlock(&pmm_lock);
	if (p)
		memset(phys_to_virt(p), 0, npages * PAGE_SIZE);
	return p;
}

paddr_t pmm_alloc(void)
{
	return pmm_alloc_contig(1);
}

void pmm_free_contig(paddr_t p, u64 npages)
{
	spin_lock(&pmm_lock);
	for (u64 pg = p / PAGE_SIZE; pg < p / PAGE_SIZE + npages; pg++) {
		if (pg >= npages_max || is_free(pg))
			panic("pmm_free: page 0x%lx not allocated", pg * PAGE_SIZE);
		set_free(pg);
		nfree++;
	}
	spin_unlock(&pmm_lock);
}

void pmm_free(paddr_t p)
{
	pmm_free_contig(p, 1);
}

u64 pmm_free_pages(void) { return READ_ONCE(nfree); }
u64 pmm_total_pages(void) { return ntotal; }

KTEST(pmm_exhaust_and_return)
{
	u64 before = pmm_free_pages();
	paddr_t *pages = phys_to_virt(pmm_alloc_contig(ALIGN_UP(before * 8, PAGE_SIZE) / PAGE_SIZE));
	KEXPECT(pages != phys_to_virt(0));
	u64 table_pages = ALIGN_UP(before * 8, PAGE_SIZE) / PAGE_SIZE, n = 0;
	paddr_t p;
	while ((p = pmm_alloc_contig(1))) {
		KEXPECT(p % PAGE_SIZE == 0 && p >= 0x100000);
		*(u64 *)phys_to_virt(p) = p; /* each page is ours alone */
		pages[n++] = p;
	}
	KEXPECT_EQ(n, before - table_pages);
	KEXPECT_EQ(pmm_free_pages(), 0);
	for (u64 i = 0; i < n; i++) {
		KEXPECT_EQ(*(u64 *)phys_to_virt(pages[i]), pages[i]);
		pmm_free(pages[i]);
	}
	pmm_free_contig(virt_to_phys(pages), table_pages);
	KEXPECT_EQ(pmm_free_pages(), before);
}

KTEST(pmm_contiguous_runs)
{
	u64 before = pmm_free_pages();
	paddr_t a = pmm_alloc_contig(16), b = pmm_alloc_contig(3);
	KEXPECT(a && b && (b >= a + 16 * PAGE_SIZE || b + 3 * PAGE_SIZE <= a));
	KEXPECT_EQ(pmm_alloc_contig(before + 1), 0);
	pmm_free_contig(a, 16);
	pmm_free_contig(b, 3);
	KEXPECT_EQ(pmm_free_pages(), before);
}
