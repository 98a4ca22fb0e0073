/*
 * The heap: first fit over memory from sbrk, with 16-byte aligned payloads.
 *
 * Every block starts with a 16-byte header holding its own size and the size
 * of the block just below it, so a freed block finds both neighbours at once
 * and merges with the free ones: no two free blocks are ever adjacent. Free
 * blocks are on one doubly-linked list kept in their payloads. The heap ends
 * in a header of size 0 marked in use, which stops every merge and walk.
 *
 *   [block][block] ... [block][end]
 */
#include "libc.h"
#include "sys.h"
#include "thread.h"

#define ALIGN 16
#define USED 1UL                /* in-use bit of block.size */
#define GROW_MIN (64 * 1024)    /* least memory asked of sbrk at once */
#define PAGE 4096

struct block {
	size_t size;      /* header and payload bytes, a multiple of 16; | USED */
	size_t prev_size; /* size of the block just below, 0 for the first */
};

struct free_block {
	struct block hdr;
	struct free_block *next, *prev;
};

#define HDR sizeof(struct block)
#define MIN_BLOCK sizeof(struct free_block)

static struct mutex heap_lock = MUTEX_INITIALIZER; /* threads share the heap */
static struct free_block *free_list;
static struct block *heap_start;        /* first block; NULL until the first grow */
static struct block *heap_end;          /* the end header */
static char *heap_top;                  /* end of the memory from sbrk */

static size_t bsize(const struct block *b)
{
	return b->size & ~USED;
}

static bool in_use(const struct block *b)
{
	return b->size & USED;
}

static struct block *next_block(struct block *b)
{
	return (struct block *)((char *)b + bsize(b));
}

static struct block *prev_block(struct block *b)
{
	return (struct block *)((char *)b - b->prev_size);
}

static void list_insert(struct block *b)
{
	struct free_block *f = (struct free_block *)b;

	f->prev = NULL;
	f->next = free_list;
	if (free_list)
		free_list->prev = f;
	free_list = f;
}

static void list_remove(struct block *b)
{
	struct free_block *f = (struct free_block *)b;

	if (f->prev)
		f->prev->next = f->next;
	else
		free_list = f->next;
	if (f->next)
		f->next->prev = f->prev;
}

/* Marks b free, merges it with free neighbours and lists the result.
 * Returns the merged block. */
static struct block *release(struct block *b)
{
	struct block *n = next_block(b);

	b->size = bsize(b);
	if (!in_use(n)) {
		list_remove(n);
		b->size += n->size;
	}
	if (b->prev_size && !in_use(prev_block(b))) {
		struct block *p = prev_block(b);
		list_remove(p);
		p->size += b->size;
		b = p;
	}
	next_block(b)->prev_size = b->size;
	list_insert(b);
	return b;
}

/* Shrinks in-use block b to size bytes, freeing the rest if it makes a
 * block. */
static void split(struct block *b, size_t size)
{
	size_t rest = bsize(b) - size;
	struct block *r;

	if (rest < MIN_BLOCK)
		return;
	b->size = size | USED;
	r = next_block(b);
	r->size = rest;
	r->prev_size = size;
	release(r);
}

/*
 * Gets memory for a block of at least size bytes from sbrk and adds it to the
 * heap as a free block. Returns that block, merged with a free block below,
 * or NULL. sbrk traps directly: under uthreads a call through the flexsc hook
 * could switch to another thread in the middle of a heap update.
 */
static struct block *grow(size_t size)
{
	/* Room for the alignment and the end header of a fresh region too. */
	size_t inc = (size + ALIGN + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
	char *base, *top, *start;
	long r;
	struct block *b;

	if (inc < GROW_MIN)
		inc = GROW_MIN;
	r = syscall_syscall(SYS_sbrk, (long)inc, 0, 0, 0, 0, 0);
	if (r < 0)
		return NULL;
	base = (char *)r;
	top = base + inc;
	if (heap_end && base == heap_top) {
		/* Right above the heap: the old end header starts the new block. */
		b = heap_end;
	} else {
		/* First region, or something else moved the break: the memory in
		 * between becomes an in-use block nobody frees. */
		start = (char *)(((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
		if (heap_end) {
			if (start < (char *)heap_end)
				return NULL;
			heap_end->size = (size_t)(start - (char *)heap_end) | USED;
		} else {
			heap_start = (struct block *)start;
		}
		b = (struct block *)start;
		b->prev_size = heap_end ? bsize(heap_end) : 0;
	}
	heap_top = top;
	b->size = ((size_t)(top - (char *)b) - HDR) & ~(size_t)(ALIGN - 1);
	heap_end = next_block(b);
	heap_end->size = USED;
	heap_end->prev_size = b->size;
	b->size |= USED;
	return release(b);
}

/* Returns the block size that holds n payload bytes, or 0 if too large. */
static size_t block_size(size_t n)
{
	size_t size;

	if (n > SIZE_MAX / 2)
		return 0;
	size = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return size < MIN_BLOCK ? MIN_BLOCK : size;
}

/* malloc, with heap_lock held. */
static void *alloc(size_t n)
{
	size_t size = block_size(n);
	struct free_block *f;
	struct block *b;

	if (!size)
		return NULL;
	for (f = free_list; f && bsize(&f->hdr) < size; f = f->next)
		;
	b = f ? &f->hdr : grow(size);
	if (!b)
		return NULL;
	list_remove(b);
	b->size |= USED;
	split(b, size);
	return b + 1;
}

/* Returns n bytes aligned to 16, or NULL if out of memory. */
void *malloc(size_t n)
{
	mutex_lock(&heap_lock);
	void *p = alloc(n);
	mutex_unlock(&heap_lock);
	return p;
}

/* Returns memory from malloc, calloc or realloc to the heap; NULL is
 * ignored. */
void free(void *p)
{
	if (!p)
		return;
	mutex_lock(&heap_lock);
	release((struct block *)p - 1);
	mutex_unlock(&heap_lock);
}

/* Returns n * size zeroed bytes, or NULL if out of memory or it overflows. */
void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* Resizes p to n bytes, in place when it can, keeping the contents up to the
 * smaller size. NULL p: malloc(n); n of 0: free(p) and NULL. Returns NULL,
 * leaving p as it was, if out of memory. */
void *realloc(void *p, size_t n)
{
	size_t size = block_size(n);
	struct block *b, *next;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	if (!size)
		return NULL;
	mutex_lock(&heap_lock);
	b = (struct block *)p - 1;
	if (bsize(b) < size) {
		next = next_block(b);
		if (in_use(next) || bsize(b) + bsize(next) < size) {
			q = alloc(n);
			if (q) {
				memcpy(q, p, bsize(b) - HDR);
				release(b);
			}
			mutex_unlock(&heap_lock);
			return q;
		}
		list_remove(next);
		b->size += next->size;
		next_block(b)->prev_size = bsize(b);
	}
	split(b, size);
	mutex_unlock(&heap_lock);
	return p;
}

/* Walks the heap and the free list checking their invariants. Returns 0 if
 * they hold, -1 if not. */
int malloc_check(void)
{
	struct block *b, *prev = NULL;
	struct free_block *f;
	size_t nfree = 0;

	if (!heap_start)
		return free_list ? -1 : 0;
	for (b = heap_start; b != heap_end; prev = b, b = next_block(b)) {
		if (b > heap_end || (uintptr_t)b % ALIGN || bsize(b) < HDR || bsize(b) % ALIGN)
			return -1;
		if (b->prev_size != (prev ? bsize(prev) : 0))
			return -1;
		if (!in_use(b)) {
			if (bsize(b) < MIN_BLOCK || (prev && !in_use(prev)))
				return -1;
			nfree++;
		}
	}
	if (heap_end->size != USED || heap_end->prev_size != (prev ? bsize(prev) : 0))
		return -1;
	for (f = free_list; f; f = f->next, nfree--) {
		if (nfree == 0 || in_use(&f->hdr) || (f->next && f->next->prev != f) ||
		    (f == free_list && f->prev))
			return -1;
	}
	return nfree == 0 ? 0 : -1;
}
