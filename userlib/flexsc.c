/*
 * Exception-less system calls, user side: posting requests to the syscall
 * pages, reaping results, and the PATH_FLEXSC stub hook. The process has a
 * single kernel thread, so nothing here needs a lock; only the entry status
 * words and the doorbell are shared with the kernel.
 */
#include "flexsc.h"
#include "libc.h"
#include "sys.h"

#define PER_PAGE FLEXSC_ENTRIES_PER_PAGE
#define MAX_ENTRIES (FLEXSC_MAX_PAGES * PER_PAGE)

struct flexsc_stats flexsc_stats;
unsigned int flexsc_spin = 2000;
bool flexsc_single;
bool (*flexsc_park)(struct flexsc_entry *e);

struct flexsc_page *flexsc_pages; /* NULL until flexsc_init */

/* The FREE entries, as a stack. Only the user moves an entry to FREE, so
 * this is exact. The entry freed last is reused first: the entries in use
 * stay at the start of the pages, where the kernel's look begins, however
 * out of order calls complete (FlexSC-Threads), and their lines are the
 * likeliest to still be in this CPU's cache. */
struct flexsc_entry *flexsc_free[MAX_ENTRIES];
unsigned int flexsc_nfree_top;

static struct flexsc_entry *entry_at(int i)
{
	return &flexsc_pages[i / PER_PAGE].entry[i % PER_PAGE];
}

/* Registers npages (1..FLEXSC_MAX_PAGES) syscall pages with the kernel, by a
 * trap whatever the current path, and hooks the stubs to them. Returns 0 or
 * a negative errno (-EBUSY if already done). */
int flexsc_init(int npages)
{
	long r;

	if (flexsc_pages)
		return -EBUSY;
	if (npages < 1 || npages > FLEXSC_MAX_PAGES)
		return -EINVAL;
	r = syscall_syscall(SYS_flexsc_register, npages, 0, 0, 0, 0, 0);
	if (r < 0)
		return (int)r;
	flexsc_pages = (struct flexsc_page *)r;
	/* Single-core mode: no syscall core can finish an entry while we spin,
	 * only flexsc_wait lets the syscall threads run. */
	struct sysinfo si;
	flexsc_single = syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0 && !si.flexsc_cpus;
	if (flexsc_single)
		flexsc_spin = 0;
	for (flexsc_nfree_top = 0; flexsc_nfree_top < (unsigned int)npages * PER_PAGE; flexsc_nfree_top++)
		flexsc_free[flexsc_nfree_top] = entry_at(npages * PER_PAGE - 1 - (int)flexsc_nfree_top);
	syscall_flexsc_hook = flexsc_call;
	return 0;
}

/* Returns how many entries are FREE. */
int flexsc_nfree(void)
{
	return (int)flexsc_nfree_top;
}

/* Takes a FREE entry and posts call nr (0..255) to it, unsubmitted.
 * Returns the entry, or NULL if none is free. */
static inline struct flexsc_entry *post_one(long nr, const long args[6])
{
	struct flexsc_entry *e;

	if (flexsc_nfree_top == 0)
		return NULL;
	e = flexsc_free[--flexsc_nfree_top];
	flexsc_post_entry(e, nr, args);
	return e;
}

void flexsc_ring(void)
{
	__atomic_fetch_add(&flexsc_stats.wakes, 1, __ATOMIC_RELAXED);
	syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
}

/* Publishes n entries posted by one of several kernel threads of the
 * process (uthread_run_cores): the atomic add the contract asks for, whose
 * lock is also the full fence between the counter and the doorbell look. */
void flexsc_submit_shared(int n)
{
	__atomic_fetch_add(&flexsc_pages[0].header.submit_seq, (uint64_t)n, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&flexsc_pages[0].header.need_wakeup, __ATOMIC_RELAXED))
		flexsc_ring();
}

/* Takes a FREE entry off the free stack for a caller to own (a user core
 * of uthread_run_cores, before its kernel thread starts). Returns it, or
 * NULL if none is free. */
struct flexsc_entry *flexsc_take(void)
{
	return flexsc_nfree_top ? flexsc_free[--flexsc_nfree_top] : NULL;
}

/* Gives back FREE entry e, taken with flexsc_take. */
void flexsc_give(struct flexsc_entry *e)
{
	flexsc_free[flexsc_nfree_top++] = e;
}

/* Entries posted under a uthread scheduler and held back, to be submitted
 * as one batch by flexsc_flush. */
int flexsc_held_back;

/* Submits the entries flexsc_call held back: one fence and one doorbell
 * check for all the calls posted since the last flush (uthread.c flushes
 * before it looks for results, once no thread is ready). */
void flexsc_flush(void)
{
	if (flexsc_held_back) {
		int n = flexsc_held_back;

		flexsc_held_back = 0;
		flexsc_submit(n);
	}
}

/* Posts call nr (0..255) to a FREE entry and submits it. Returns the
 * entry, to be reaped, or NULL if none is free. */
struct flexsc_entry *flexsc_post(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	const long args[6] = { a1, a2, a3, a4, a5, a6 };
	struct flexsc_entry *e = post_one(nr, args);

	if (e)
		flexsc_submit(1);
	return e;
}

/* Spins on e for flexsc_spin rounds, then, if it is still not DONE, sleeps
 * until some entry of ours is. */
static void spin_then_wait(const struct flexsc_entry *e)
{
	unsigned int n = flexsc_spin;

	/* No spin at all (single-core mode: nothing else could finish e on
	 * this CPU meanwhile): straight to the kernel. */
	if (n) {
		flexsc_spin_begin();
		for (unsigned int i = 0; i < n && !flexsc_done(e); i++)
			__asm__ volatile("pause");
		flexsc_spin_end();
		if (flexsc_done(e))
			return;
	}
	flexsc_wait_any();
}

/* Waits until submitted entry e, found not DONE, is: flexsc_finish's slow
 * path. */
void flexsc_wait_done(const struct flexsc_entry *e)
{
	do
		spin_then_wait(e);
	while (!flexsc_done(e));
}

/* Frees DONE entry e onto the free stack, whose size is *top (flexsc_nfree_top, or a
 * copy in a register), and returns its result: touches e and the stack,
 * nothing else. */
static inline long free_done(struct flexsc_entry *e, unsigned int *top)
{
	flexsc_free[(*top)++] = e;
	return flexsc_release(e);
}

/* Waits until posted entry e is DONE (parked, under a uthread scheduler),
 * frees it and returns the call's result. */
long flexsc_reap(struct flexsc_entry *e)
{
	if (!flexsc_done(e) && !(flexsc_park && flexsc_park(e)))
		flexsc_flush(); /* no scheduler to do it: e may be held back */
	if (!flexsc_done(e))
		flexsc_wait_done(e);
	return free_done(e, &flexsc_nfree_top);
}

/* Runs call nr through the syscall pages and returns its result: the stub
 * hook of PATH_FLEXSC. -EAGAIN if no entry is free and none can be waited
 * for. */
long flexsc_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	const long args[6] = { a1, a2, a3, a4, a5, a6 };
	struct flexsc_entry *e;

	if ((unsigned long)nr >= FLEXSC_SYSNUMS)
		return -ENOSYS;
	while (!(e = post_one(nr, args))) {
		flexsc_flush();
		if (!flexsc_park || !flexsc_park(NULL))
			return -EAGAIN;
	}
	/* Under a uthread scheduler the call waits for the batch its
	 * scheduler submits (flexsc_flush); alone, it goes now. */
	if (flexsc_park)
		flexsc_held_back++;
	else
		flexsc_submit_wait(1);
	return flexsc_reap(e);
}

/* flexsc_batch when all n calls find an entry and no other thread shares
 * them: a caller-owned batch (flexsc.h), each call's entry noted in it. */
static __attribute__((noinline)) int batch_at_once(struct flexsc_call *calls, int n)
{
	struct flexsc_entry **es = flexsc_batch_take((unsigned int)n), **p = es;
	struct flexsc_call *c, *end = calls + n;

	for (c = calls; c < end; c++) {
		unsigned long nr = (unsigned long)c->nr;

		if (__builtin_expect(nr >= FLEXSC_SYSNUMS, 0)) {
			c->entry = NULL;
			c->ret = -ENOSYS;
			continue;
		}
		c->entry = *p;
		flexsc_post_entry(*p++, (long)nr, c->args);
	}
	flexsc_submit_wait((int)(p - es));
	for (c = calls; c < end; c++)
		if (c->entry)
			c->ret = flexsc_finish(c->entry);
	flexsc_batch_give((unsigned int)n);
	return n;
}

/*
 * Runs n calls, as many in flight at once as there are free entries, and
 * sets each one's ret. Every call that finds a free entry is posted, then
 * the lot is submitted at once (one fence, one doorbell check). Results are
 * reaped in order; while calls remain unposted, each freed entry takes the
 * next. Returns how many calls, from the first, have run: n unless no entry
 * could be had at all.
 */
int flexsc_batch(struct flexsc_call *calls, int n)
{
	int posted = 0, reaped = 0;

	if (!flexsc_park && n > 0 && (unsigned int)n <= flexsc_nfree_top)
		return batch_at_once(calls, n);


	while (reaped < n) {
		/* The free stack's size in a register: the stores into the
		 * pages may alias anything. */
		unsigned int top = flexsc_nfree_top;
		int from = posted, bad = 0;

		for (; posted < n; posted++) {
			struct flexsc_call *c = &calls[posted];
			long nr = c->nr;

			if ((unsigned long)nr >= FLEXSC_SYSNUMS) {
				c->entry = NULL;
				c->ret = -ENOSYS;
				bad++;
				continue;
			}
			if (top == 0)
				break;
			struct flexsc_entry *e = flexsc_free[--top];
			c->entry = e;
			flexsc_post_entry(e, nr, c->args);
		}
		flexsc_nfree_top = top;
		if (posted - from > bad)
			flexsc_submit(posted - from - bad);
		if (reaped == posted) {
			/* None free, none of ours in flight: wait for another
			 * thread's entry, if we are a thread that can. */
			if (flexsc_park && flexsc_park(NULL))
				continue;
			return reaped;
		}
		/* Reap what is in flight; back to posting after one if calls
		 * are waiting for an entry. */
		int until = posted == n ? posted : reaped + 1;
		do {
			struct flexsc_call *c = &calls[reaped++];
			struct flexsc_entry *e = c->entry;
			if (!e)
				continue;
			if (flexsc_done(e)) {
				c->ret = free_done(e, &top);
			} else {
				flexsc_nfree_top = top;
				c->ret = flexsc_reap(e);
				top = flexsc_nfree_top;
			}
		} while (reaped < until);
		flexsc_nfree_top = top;
	}
	return n;
}
