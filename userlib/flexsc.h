/*
 * Exception-less system calls, user side (FlexSC, Soares & Stumm, OSDI 2010).
 *
 * flexsc_init() registers syscall pages with the kernel and installs the
 * stub hook, so that after syscall_path_set(PATH_FLEXSC) every sys_* call is
 * posted to a page and reaped instead of trapping. The low-level calls below
 * post and reap entries directly; uthread.c uses them to run other user
 * threads while calls are in flight. The protocol is in kernel/abi/flexsc.h.
 */
#ifndef USERLIB_FLEXSC_H
#define USERLIB_FLEXSC_H

#include <stdbool.h>
#include "../kernel/abi/flexsc.h"
#include "../kernel/abi/simmark.h"
#include "../kernel/abi/syscall.h"
#include "sys.h"

/* One call of a batch. */
struct flexsc_call {
	long nr;                    /* SYS_* */
	long args[6];
	long ret;                   /* out: the result, negative errno on failure */
	struct flexsc_entry *entry; /* private to flexsc_batch */
};

/* Arguments each call takes (the syscall list): the kernel reads that many
 * of an entry's args, so only those are written. Here, not in flexsc.c, so
 * that a post of a constant call number copies its arguments unrolled. */
static const uint8_t flexsc_nargs[SYS_COUNT] = {
#define FLEXSC_NARGS(name, nr, nargs, flags) [nr] = nargs,
	EXLESS_SYSCALLS(FLEXSC_NARGS)
#undef FLEXSC_NARGS
};

/* The FREE entries, a stack whose top is flexsc_free[flexsc_nfree_top - 1]
 * (flexsc.c). */
extern struct flexsc_entry *flexsc_free[];
extern unsigned int flexsc_nfree_top;

/* Entries posted and not yet submitted, which flexsc_flush submits. */
extern int flexsc_held_back;

/* Counters, for benchmark reports. */
struct flexsc_stats {
	unsigned long wakes; /* doorbell rings: flexsc_wake traps */
	unsigned long waits; /* flexsc_wait traps */
};

extern struct flexsc_stats flexsc_stats;

/* pause iterations a waiter spins on an entry before it sleeps in
 * flexsc_wait. */
extern unsigned int flexsc_spin;

/* Single-core mode (sysinfo: no syscall core): posts run only once the
 * process traps into flexsc_wait (kernel/flexsc.c). */
extern bool flexsc_single;

/*
 * Set by a user-level thread scheduler: parks the calling thread until entry
 * e is DONE (e NULL: until an entry is free), running other threads
 * meanwhile. Returns false at once if the caller is not such a thread.
 */
extern bool (*flexsc_park)(struct flexsc_entry *e);

/* Waits until submitted entry e, just found not DONE, is (spinning, then in
 * flexsc_wait): flexsc_finish's slow path. */
void flexsc_wait_done(const struct flexsc_entry *e);
int flexsc_init(int npages);
struct flexsc_entry *flexsc_post(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void flexsc_flush(void);
long flexsc_reap(struct flexsc_entry *e);
long flexsc_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
int flexsc_batch(struct flexsc_call *calls, int n);
int flexsc_nfree(void);

struct flexsc_entry *flexsc_take(void);
void flexsc_give(struct flexsc_entry *e);
void flexsc_submit_shared(int n);

/* An entry's first 8 bytes, status, sysnum and reserved, as one word
 * (little-endian): posting stores them at once. */
typedef uint64_t __attribute__((may_alias)) flexsc_head_word;
_Static_assert(__builtin_offsetof(struct flexsc_entry, status) == 0 &&
		       __builtin_offsetof(struct flexsc_entry, sysnum) == 4 &&
		       __builtin_offsetof(struct flexsc_entry, reserved) == 5,
	       "status, sysnum, reserved: one 8-byte word");

/* Marks FREE entry e, its arguments written, SUBMITTED for call nr
 * (0..255): status and sysnum in one release store (reserved zero), so a
 * kernel that sees SUBMITTED sees the whole request. No fence, no counter:
 * a submit publishes it. */
static inline void flexsc_publish(struct flexsc_entry *e, long nr)
{
	__atomic_store_n((flexsc_head_word *)&e->status, FLEXSC_SUBMITTED | (uint64_t)(uint8_t)nr << 32,
			 __ATOMIC_RELEASE);
}

/* Writes call nr (0..255) with its arguments into FREE entry e and marks
 * it SUBMITTED (flexsc_publish). */
static inline void flexsc_post_entry(struct flexsc_entry *e, long nr, const long args[6])
{
	for (unsigned i = 0, n = (unsigned long)nr < SYS_COUNT ? flexsc_nargs[nr] : 6; i < n; i++)
		e->args[i] = args[i];
	flexsc_publish(e, nr);
}

/* The registered syscall pages (NULL until flexsc_init). */
extern struct flexsc_page *flexsc_pages;

/* Rings the doorbell: syscall threads sleep (need_wakeup). */
void flexsc_ring(void);

/* Bumps the submission counter by the last n entries posted. Only this
 * thread writes it: a plain add, published after the entries (release). */
static inline void flexsc_count(int n)
{
	struct flexsc_header *h = &flexsc_pages[0].header;

	__atomic_store_n(&h->submit_seq, h->submit_seq + (uint64_t)n, __ATOMIC_RELEASE);
}

/* Entries submitted since flexsc_init: the submission counter. */
static inline unsigned long flexsc_posts(void)
{
	return __atomic_load_n(&flexsc_pages[0].header.submit_seq, __ATOMIC_RELAXED);
}

/* Publishes the last n entries posted: bumps the submission counter by n,
 * then one full fence and one look at the doorbell for them all, ringing it
 * (flexsc_ring) if syscall threads sleep. Only one thread may post at a
 * time (else flexsc_submit_shared). */
static inline void flexsc_submit(int n)
{
	flexsc_count(n);
	/* Store the counter, fence, load need_wakeup; the kernel stores
	 * need_wakeup, fences and looks at the counter once more before it
	 * sleeps. Either it sees our posts or we see its flag: no lost wakeup. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&flexsc_pages[0].header.need_wakeup, __ATOMIC_RELAXED))
		flexsc_ring();
}

/* Traps, whatever the current path, and sleeps until at least one of our
 * entries is DONE. Returns 0 or a negative errno. */
static inline long flexsc_wait_any(void)
{
	flexsc_stats.waits++;
	return syscall_syscall_0(SYS_flexsc_wait);
}

/* flexsc_submit for a caller that waits for the entries right after (as
 * io_uring_submit_and_wait): in single-core mode, where nothing runs them
 * before the process traps, the counter alone, then straight into
 * flexsc_wait, which runs them (no fence and doorbell look: no syscall
 * thread polls to be woken). The caller reaps as after flexsc_submit. */
static inline void flexsc_submit_wait(int n)
{
	if (!flexsc_single) {
		flexsc_submit(n);
		return;
	}
	flexsc_count(n);
	flexsc_wait_any();
}

/* Whether the kernel has finished entry e; an acquire, so e->ret may be read
 * once it says yes: one compare with the status in memory (an x86 load is
 * an acquire; the clobber keeps later reads after it), where C's atomic
 * load takes a load and a compare. */
static inline bool flexsc_done(const struct flexsc_entry *e)
{
	bool done;

	__asm__ volatile("cmpl %2, %1" : "=@ccz"(done) : "m"(e->status), "i"(FLEXSC_DONE) : "memory");
	return done;
}

/*
 * A batch posted and reaped by the caller itself, the leanest way through
 * the pages (one thread at a time, not under a uthread scheduler):
 *
 *	es = flexsc_batch_take(n);          n <= flexsc_nfree()
 *	flexsc_post_entry(es[i], nr, args)  for each i < n
 *	flexsc_submit(n);
 *	ret = flexsc_finish(es[i])          for each i < n
 *	flexsc_batch_give(n);
 *
 * The n entries stay in their slots of the free stack while out, so giving
 * them back is one add; nothing else may take or give entries meanwhile.
 */
static inline struct flexsc_entry **flexsc_batch_take(unsigned int n)
{
	flexsc_nfree_top -= n;
	return &flexsc_free[flexsc_nfree_top];
}

static inline void flexsc_batch_give(unsigned int n)
{
	flexsc_nfree_top += n;
}

/* Marks entry e, found DONE, FREE and returns the call's result; leaves the
 * free stack as it is. */
static inline long flexsc_release(struct flexsc_entry *e)
{
	long ret = e->ret;

	/* Release keeps the read of ret before the entry can be reused. */
	__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	return ret;
}

/* Waits until submitted entry e is DONE (spinning, then in flexsc_wait),
 * marks it FREE and returns the call's result; leaves the free stack as it
 * is. */
static inline long flexsc_finish(struct flexsc_entry *e)
{
	if (__builtin_expect(!flexsc_done(e), 0))
		flexsc_wait_done(e);
	return flexsc_release(e);
}

/* Around a spin on entries that another core works on: the simulation
 * plugin (make bench ACCEL=sim) counts the user code in between as waiting
 * (user_idle), not as work. NOPs everywhere else. */
static inline void flexsc_spin_begin(void)
{
	__asm__ volatile(SIMMARK(SIMMARK_IDLE_BEGIN) ::: "memory");
}

static inline void flexsc_spin_end(void)
{
	__asm__ volatile(SIMMARK(SIMMARK_IDLE_END) ::: "memory");
}

#endif
