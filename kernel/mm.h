/* Physical pages, the direct map, and the kernel heap. */
#ifndef MM_H
#define MM_H

#include "types.h"
#include "arch/x86_64/layout.h"

static inline void *phys_to_virt(paddr_t p) { return (void *)(DIRECT_MAP + p); }
static inline paddr_t virt_to_phys(const void *v)
{
	u64 a = (u64)v;
	return a >= KERNEL_VMA ? a - KERNEL_VMA : a - DIRECT_MAP;
}

struct mem_region {
	paddr_t base, len;
};

/* Usable RAM from the boot loader's map (filled before pmm_init). */
extern struct mem_region boot_ram[64];
extern int boot_nram;

void pmm_init(paddr_t reserved_end);
paddr_t pmm_alloc(void);             /* one zeroed page, or 0 */
paddr_t pmm_alloc_contig(u64 npages); /* npages physically contiguous, zeroed, or 0 */
void pmm_free(paddr_t p);
void pmm_free_contig(paddr_t p, u64 npages);
u64 pmm_free_pages(void);
u64 pmm_total_pages(void);

void *kmalloc(size_t n);             /* zeroed; NULL when memory is out */
void kfree(void *p);
u64 kmalloc_bytes_in_use(void);
u64 kmalloc_slab_pages(void);        /* pages the heap holds as slabs (placement varies) */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy0(char *d, const char *s, size_t n); /* always NUL-terminates */

#endif
