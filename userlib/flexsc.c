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
bool (*flexsc_park)(struct flexsc_entry *e);

static struct flexsc_page *pages; /* NULL until flexsc_init */

const uint8_t flexsc_nargs[SYS_COUNT] = {
#define NARGS(name, nr, nargs, flags) [nr] = nargs,
	EXLESS_SYSCALLS(NARGS)
#undef NARGS
};

/* The FREE entries, as a stack. Only the user moves an entry to FREE, so
 * this is exact. The entry freed last is reused first: its line is the
 * likeliest to still be in this CPU's cache. */
static struct flexsc_entry *free_stack[MAX_ENTRIES];
static int nfree;

static struct flexsc_entry *entry_at(int i)
{
	return &pages[i / PER_PAGE].entry[i % PER_PAGE];
}

/* Registers npages (1..FLEXSC_MAX_PAGES) syscall pages with the kernel, by a
 * trap whatever the current path, and hooks the stubs to them. Returns 0 or
 * a negative errno (-EBUSY if already done). */
int flexsc_init(int npages)
{
	long r;

	if (pages)
		return -EBUSY;
	if (npages < 1 || npages > FLEXSC_MAX_PAGES)
		return -EINVAL;
	r = syscall_syscall(SYS_flexsc_register, npages, 0, 0, 0, 0, 0);
	if (r < 0)
		return (int)r;
	pages = (struct flexsc_page *)r;
	/* Single-core mode: no syscall core can finish an entry while we spin,
	 * only flexsc_wait lets the syscall threads run. */
	struct sysinfo si;
	if (syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0 && !si.flexsc_cpus)
		flexsc_spin = 0;
	for (nfree = 0; nfree < npages * PER_PAGE; nfree++)
		free_stack[nfree] = entry_at(npages * PER_PAGE - 1 - nfree);
	syscall_flexsc_hook = flexsc_call;
	return 0;
}

/* Returns how many entries are FREE. */
int flexsc_nfree(void)
{
	return nfree;
}

/* Traps, whatever the current path, and sleeps until at least one of our
 * entries is DONE. Returns 0 or a negative errno. */
long flexsc_wait_any(void)
{
	flexsc_stats.waits++;
	return syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0);
}

/* Writes call nr (0..65535) to a FREE entry and marks it SUBMITTED, with
 * no fence and no counter: flexsc_submit() publishes it. Returns the entry,
 * or NULL if none is free. */
static inline struct flexsc_entry *post_one(long nr, const long args[6])
{
	struct flexsc_entry *e;

	if (nfree == 0)
		return NULL;
	e = free_stack[--nfree];
	e->sysnum = (uint16_t)nr;
	for (unsigned i = 0, n = (unsigned long)nr < SYS_COUNT ? flexsc_nargs[nr] : 6; i < n; i++)
		e->args[i] = args[i];
	/* Release: a kernel that sees SUBMITTED sees the whole request. */
	__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	return e;
}

/* Publishes the last n entries posted: bumps the submission counter by n,
 * then one full fence and one look at the doorbell for them all, ringing it
 * if syscall threads sleep. */
void flexsc_submit(int n)
{
	/* Only this thread writes the counter: a plain add, published after
	 * the entries (release). */
	__atomic_store_n(&pages[0].header.submit_seq, pages[0].header.submit_seq + (uint64_t)n,
			 __ATOMIC_RELEASE);
	flexsc_stats.posts += n;
	/* Store the counter, fence, load need_wakeup; the kernel stores
	 * need_wakeup, fences and looks at the counter once more before it
	 * sleeps. Either it sees our posts or we see its flag: no lost wakeup. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pages[0].header.need_wakeup, __ATOMIC_RELAXED)) {
		flexsc_stats.wakes++;
		syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
	}
}

/* Posts call nr (0..65535) to a FREE entry and submits it. Returns the
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
	for (unsigned int i = 0; i < flexsc_spin; i++) {
		if (flexsc_done(e))
			return;
		__asm__ volatile("pause");
	}
	if (!flexsc_done(e))
		flexsc_wait_any();
}

/* Frees DONE entry e and returns its result: touches e and the free
 * stack, nothing else. */
static inline long reap_done(struct flexsc_entry *e)
{
	long ret = e->ret;

	/* Release keeps the read of ret before the entry can be reused. */
	__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	free_stack[nfree++] = e;
	return ret;
}

/* Waits until posted entry e is DONE (parked, under a uthread scheduler),
 * frees it and returns the call's result. */
long flexsc_reap(struct flexsc_entry *e)
{
	if (!flexsc_done(e) && flexsc_park)
		flexsc_park(e);
	while (!flexsc_done(e))
		spin_then_wait(e);
	return reap_done(e);
}

/* Runs call nr through the syscall pages and returns its result: the stub
 * hook of PATH_FLEXSC. -EAGAIN if no entry is free and none can be waited
 * for. */
long flexsc_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct flexsc_entry *e;

	if ((unsigned long)nr > UINT16_MAX)
		return -ENOSYS;
	while (!(e = flexsc_post(nr, a1, a2, a3, a4, a5, a6)))
		if (!flexsc_park || !flexsc_park(NULL))
			return -EAGAIN;
	return flexsc_reap(e);
}

/*
 * Runs n calls, as many in flight at once as there are free entries, and
 * sets each one's ret. Every call that finds a free entry is posted, then
 * the lot is submitted at once (one fence, one doorbell check). Results are
 * reaped in order, each freed entry taking the next call. Returns how many
 * calls, from the first, have run: n unless no entry could be had at all.
 */
int flexsc_batch(struct flexsc_call *calls, int n)
{
	int posted = 0, reaped = 0;

	while (reaped < n) {
		int fresh = 0;

		for (; posted < n; posted++) {
			struct flexsc_call *c = &calls[posted];

			c->entry = NULL;
			if ((unsigned long)c->nr > UINT16_MAX) {
				c->ret = -ENOSYS;
				continue;
			}
			c->entry = post_one(c->nr, c->args);
			if (!c->entry)
				break;
			fresh++;
		}
		if (fresh)
			flexsc_submit(fresh);
		if (reaped == posted) {
			/* None free, none of ours in flight: wait for another
			 * thread's entry, if we are a thread that can. */
			if (flexsc_park && flexsc_park(NULL))
				continue;
			return reaped;
		}
		struct flexsc_entry *e = calls[reaped].entry;
		if (e)
			calls[reaped].ret = flexsc_done(e) ? reap_done(e) : flexsc_reap(e);
		reaped++;
	}
	return n;
}
