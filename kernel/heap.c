/* kmalloc: power-of-two slabs of one page for small sizes, whole pages
 * (physically contiguous, direct-mapped) for the rest. Every page starts
 * with a header, so kfree finds the page from the pointer alone, and an
 * empty slab goes back to the page allocator. */
#include "test.h"
#include "mm.h"
#include "spinlock.h"
#include "sched.h"
#include "panic.h"
#include "arch/x86_64/percpu.h"

#define HDR 64
#define MAGIC_SLAB 0x51AB51AB
#define MAGIC_BIG 0xB16B16B1
#define NCLASSES 7 /* 32 .. 2048 */

struct page_hdr {
	u32 magic;
	u32 cls;          /* slab: size class; big: page count */
	u32 inuse;
	u32 pad;
	void *free;       /* slab free list */
	struct page_hdr *next, *prev; /* slabs of this class with room */
};
_Static_assert(sizeof(struct page_hdr) <= HDR, "header fits");

static struct page_hdr *partial[NCLASSES];
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static u64 bytes_in_use;  /* atomic only: whole pages change it outside heap_lock */
static u64 slab_pages;    /* pages held as slabs (heap_lock) */

static int class_of(size_t n)
{
	for (int c = 0; c < NCLASSES; c++)
		if (n <= (32u << c))
			return c;
	return -1;
}

static void unlink_slab(struct page_hdr *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		partial[h->cls] = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = 0;
}

static void push_slab(struct page_hdr *h)
{
	h->prev = 0;
	h->next = partial[h->cls];
	if (h->next)
		h->next->prev = h;
	partial[h->cls] = h;
}

static struct page_hdr *new_slab(int c)
{
	paddr_t p = pmm_alloc();
	if (!p)
		return 0;
	struct page_hdr *h = phys_to_virt(p);
	slab_pages++;
	h->magic = MAGIC_SLAB;
	h->cls = c;
	size_t sz = 32u << c;
	for (u64 off = HDR; off + sz <= PAGE_SIZE; off += sz) {
		void **obj = (void **)((char *)h + off);
		*obj = h->free;
		h->free = obj;
	}
	push_slab(h);
	return h;
}

void *kmalloc(size_t n)
{
	int c = class_of(n);
	if (c < 0) {
		u64 np = (n + HDR + PAGE_SIZE - 1) / PAGE_SIZE;
		paddr_t p = pmm_alloc_contig(np);
		if (!p)
			return 0;
		struct page_hdr *h = phys_to_virt(p);
		h->magic = MAGIC_BIG;
		h->cls = np;
		__atomic_add_fetch(&bytes_in_use, np * PAGE_SIZE, __ATOMIC_RELAXED);
		return (char *)h + HDR;
	}
	spin_lock(&heap_lock);
	struct page_hdr *h = partial[c] ? partial[c] : new_slab(c);
	void **obj = 0;
	if (h) {
		obj = h->free;
		h->free = *obj;
		h->inuse++;
		if (!h->free)
			unlink_slab(h);
		__atomic_add_fetch(&bytes_in_use, 32u << c, __ATOMIC_RELAXED);
	}
	spin_unlock(&heap_lock);
	if (obj)
		memset(obj, 0, 32u << c);
	return obj;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct page_hdr *h = (struct page_hdr *)ALIGN_DOWN((u64)p, PAGE_SIZE);
	if (h->magic == MAGIC_BIG) {
		if ((char *)p != (char *)h + HDR)
			panic("kfree: bad pointer %p", p);
		__atomic_sub_fetch(&bytes_in_use, h->cls * PAGE_SIZE, __ATOMIC_RELAXED);
		h->magic = 0;
		pmm_free_contig(virt_to_phys(h), h->cls);
		return;
	}
	if (h->magic != MAGIC_SLAB)
		panic("kfree: bad pointer %p", p);
	spin_lock(&heap_lock);
	bool was_full = !h->free;
	*(void **)p = h->free;
	h->free = p;
	h->inuse--;
	__atomic_sub_fetch(&bytes_in_use, 32u << h->cls, __ATOMIC_RELAXED);
	if (was_full)
		push_slab(h);
	if (!h->inuse) {
		unlink_slab(h);
		h->magic = 0;
		slab_pages--;
		pmm_free(virt_to_phys(h));
	}
	spin_unlock(&heap_lock);
}

u64 kmalloc_bytes_in_use(void)
{
	return READ_ONCE(bytes_in_use);
}

u64 kmalloc_slab_pages(void)
{
	return READ_ONCE(slab_pages);
}

KTEST(heap_exhaust_and_return)
{
	u64 pages_before = pmm_free_pages(), bytes_before = kmalloc_bytes_in_use();
	static const size_t sizes[] = { 8, 32, 100, 512, 2048, 3000, 20000 };
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		void **head = 0;
		u64 n = 0;
		for (;;) { /* a linked chain through the objects, until memory runs out */
			void **o = kmalloc(sizes[s]);
			if (!o)
				break;
			KEXPECT(((u64)o & 15) == 0);
			*o = head;
			head = o;
			n++;
		}
		KEXPECT(n > 0);
		while (head) {
			void **next = *head;
			kfree(head);
			head = next;
		}
		KEXPECT_EQ(kmalloc_bytes_in_use(), bytes_before);
		KEXPECT_EQ(pmm_free_pages(), pages_before);
	}
}

KTEST(heap_objects_do_not_overlap)
{
	u8 *p[64];
	for (int i = 0; i < 64; i++) {
		p[i] = kmalloc(24 + 40 * i);
		memset(p[i], i, 24 + 40 * i);
	}
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 24 + 40 * i; j++)
			if (p[i][j] != i) {
				KEXPECT(p[i][j] == i);
				break;
			}
		kfree(p[i]);
	}
}

#define CHURN_BIG_ROUNDS 100000

static int churn_big_left; /* CPUs still allocating whole pages */

/* Odd CPUs allocate and free whole pages CHURN_BIG_ROUNDS times while
 * even ones allocate and free slab objects until they are done, so each
 * kind of update of bytes_in_use meets the other from another CPU. */
static void churn_worker(void *arg, int cpu)
{
	(void)arg;
	if (cpu % 2) {
		for (int i = 0; i < CHURN_BIG_ROUNDS; i++)
			kfree(kmalloc(PAGE_SIZE));
		__atomic_sub_fetch(&churn_big_left, 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&churn_big_left, __ATOMIC_ACQUIRE))
		kfree(kmalloc(32));
}

KTEST_SMP(heap_bytes_exact_under_churn_on_every_cpu)
{
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), bytes = kmalloc_bytes_in_use();
	churn_big_left = ncpus / 2;
	ktest_on_each_cpu(churn_worker, 0);
	/* What other CPUs free late (a thread that ended, freed at its CPU's
	 * next switch: once, in make test-cpus, one thread's 22,528 bytes and
	 * 5 pages were still out at the check) may take a moment; a leak
	 * never comes back. */
	for (int i = 0; i < 100 && (kmalloc_bytes_in_use() != bytes ||
				    pmm_free_pages() + kmalloc_slab_pages() != pages); i++)
		sleep_ns(10000000);
	KEXPECT_EQ(kmalloc_bytes_in_use(), bytes);
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), pages);
}
