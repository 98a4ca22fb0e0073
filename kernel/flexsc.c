/*
 * Exception-less system calls, kernel side (protocol in abi/flexsc.h).
 *
 * Each syscall core runs FLEXSC_THREADS_PER_CPU syscall threads, pinned to
 * it. One of them, the core's active thread, polls every registered
 * process's submission counter; the others are spares. When the active thread blocks inside a call
 * (console read, sleep, wait), a spare becomes active and goes on polling,
 * as in FlexSC; the blocked call finishes later on its own thread.
 *
 *      process (user)              syscall core
 *   +-------------------+      +--------------------------+
 *   | write args        |      | active thread: counters  |
 *   | SUBMITTED (rel)   | ---> | CAS SUBMITTED->BUSY (acq)|
 *   | seq += n; mfence; |      | copy args; switch CR3    |
 *   | doorbell?         |      |                          |
 *   | ... other work    |      | syscall_run() (same table|
 *   | DONE? (acq)       | <--- |  and checks as traps)    |
 *   +-------------------+      | ret; DONE (rel); wake    |
 *                              +--------------------------+
 *
 * Idle policy: a core that finds no work for flexsc.poll_us sets
 * need_wakeup in each registered process's first page, fences, looks at
 * the counters once more and sleeps; flexsc_wake() (a trap, made only when
 * the flag is seen) wakes it.
 *
 * Locks: the entries of the process a thread holds (its address space
 * loaded, a count on its ctx) are claimed, copied, run and completed with
 * no lock; flexsc_lock is taken once per pass to walk the others, and for
 * the pool's bookkeeping when a call blocks.
 *
 * Single-core mode (one CPU, or flexsc.cores=none): the syscall threads
 * share CPU 0 with processes and never poll. Entries wait in the pages until
 * their process calls flexsc_wait() or is preempted. flexsc.single=inline
 * (the default): the waiter runs them itself (run_posted), up to the first
 * call that may wait, which it leaves, with the rest, to a syscall thread
 * (a call of its own that sleeps anyway hands the rest over too:
 * waiter_blocking). flexsc.single=switch: the waiter hands the CPU to the
 * parked syscall thread, which runs them and hands it back (handoff, park),
 * as in FlexSC's single-core mode. A blocked call still hands polling over
 * to a spare. need_wakeup stays clear: posting never traps.
 */
#include "flexsc.h"
#include "proc.h"
#include "sched.h"
#include "syscall.h"
#include "vm.h"
#include "mm.h"
#include "console.h"
#include "cmdline.h"
#include "panic.h"
#include "time.h"
#include "vfs.h"
#include "file.h"
#include "mutex.h"
#include "param.h"
#include "test.h"
#include "abi/flexsc.h"
#include "abi/errno.h"
#include "abi/syscall.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/simmark.h"

struct flexsc_ctx {
	struct proc *proc;
	struct flexsc_page *pages[FLEXSC_MAX_PAGES]; /* through the direct map */
	u32 npages;
	int inflight;              /* syscall threads running an entry or holding its CR3 (flexsc_lock) */
	int blocked;               /* its calls that made a syscall thread hand polling over (flexsc_lock) */
	u64 seen_seq;              /* submit_seq at the last look (atomic, see take_posted) */
	u32 serving;               /* syscall threads in serve() for it: its claimed entries not DONE are theirs (atomic) */
	u32 rescan;                /* look at every entry at the next pass (set by its traps) */
	u64 done_seq;              /* entries the kernel made DONE (atomic, seq_cst: see wake_waiter) */
	volatile u32 waiting;      /* the process sleeps in flexsc_wait (see publish) */
	int nwaiting;              /* its threads inside flexsc_wait (lock): the last out clears waiting */
	struct thread *handoff;    /* single-core mode: asleep in flexsc_wait, handed the CPU to the poller (atomic, see park) */
	bool dead;                 /* unregistered: claim nothing more (flexsc_lock) */
	bool garbage_reported;
	struct spinlock lock;      /* done_wait's condition */
	struct waitq done_wait;    /* flexsc_wait() sleeps here */
	struct waitq let_go;       /* teardown sleeps here until inflight is 0 */
	struct list node;          /* registered */
};

struct flexsc_core;

/* One syscall thread. It keeps the address space of the process it served
 * last loaded (a CR3 write flushes the TLB, dearly under emulation), and
 * holds a count on that process's ctx meanwhile, so an exit waits until it
 * lets go: at its next pass, before it sleeps, or when a call blocks. */
struct flexsc_worker {
	struct flexsc_core *core;
	struct thread *thread;     /* NULL: a free slot */
	struct flexsc_ctx *held;   /* ctx whose address space is loaded, or NULL */
	u64 want;                  /* posts of held's taken by the serve under way (see return_posts) */
	u64 budget;                /* claims the serve under way may make: want, or all (a look at every entry) */
	u64 left;                  /* of which not made yet: a claim counts once its call returns (claimed) */
	u64 published;             /* of which counted in held's done_seq (see publish) */
	bool full;                 /* serving a look at every entry of held's */
	bool blocked;              /* handed polling over during its current call */
	bool waiter;               /* a process's own thread in flexsc_wait (inline mode): held is its ctx, not a hold */
	bool rest;                 /* waiter: stopped at a call that may wait, left to the poller */
};

struct flexsc_core {
	int cpu;
	int nthreads;              /* live syscall threads (flexsc_lock) */
	int nblocked;              /* of which blocked in a call they handed polling over for */
	struct flexsc_worker workers[FLEXSC_MAX_THREADS_PER_CPU];
	struct thread *active;     /* the one polling now */
	bool sleeping;             /* the active thread sleeps on doorbell */
	struct thread *parked;     /* single-core mode: the active thread, asleep until handed the CPU (atomic, see park) */
	struct waitq doorbell;     /* the idle active thread */
	struct waitq spares;       /* threads that are neither active nor in a call */
	/* The active thread's call as this CPU's last tick saw it (flexsc_tick): */
	struct thread *slow;       /* the thread, in a call (NULL: none) */
	struct flexsc_ctx *slow_ctx; /* the process it holds */
	u64 slow_done;             /* slow_ctx->done_seq then */
	u32 slow_ticks;            /* ticks since, with nothing of slow_ctx's completed */
};

/* flexsc_lock: registered, every core's state, every ctx's counts. Lock
 * order: proc_lock, a waitq sleeper's lock, flexsc_lock, wait-queue and
 * run-queue locks. */
static struct spinlock flexsc_lock = SPINLOCK_INIT("flexsc");
static struct list registered = LIST_INIT(registered);
static int nregistered;    /* on registered (written under flexsc_lock) */
static struct flexsc_core cores[MAX_CPUS];
static int ncores;
static u64 core_mask;
static u64 poll_ns;
static bool shared_mode;   /* single-core mode: no CPU reserved */
static bool inline_mode;   /* single-core mode, flexsc.single=inline: a waiter runs its posts itself */
static u64 inlined;        /* waits that took posts of their process's to run themselves (test) */
static u64 handoffs;       /* flexsc_wait hand-offs to a parked poller (test) */
static u64 long_handovers; /* polling handed over for a call running long (test) */

static void syscall_thread(void *arg);

u64 flexsc_cpu_mask(void)
{
	return core_mask;
}

/* What a syscall page may run, by number (the syscall list's facts), one
 * table per role: the arguments the call takes (0..6), or PAGE_REFUSED for
 * the trap-only calls (SCF_TRAP); for a waiter, PAGE_WAITS if it may wait
 * (SCF_WAITS): inline mode leaves it to the syscall threads (the waiter
 * stops at the first such entry and hands the rest over), so that a call
 * that waits never holds its process's waiter, which must return once any
 * entry completes. Any other call runs in the waiter; one that sleeps
 * anyway (a contended mutex) hands the rest over the same way
 * (waiter_blocking) and finishes in the waiter. A number the list leaves
 * out takes none (sys_nosys); one past the list is PAGE_NOSYS (-ENOSYS).
 * A table covers every value of an entry's one-byte sysnum: no range check,
 * nothing to speculate past. */
#define PAGE_REFUSED 7
#define PAGE_WAITS 8
#define PAGE_NOSYS 9
#define PAGE_RUN(flags, nargs) ((flags) & SCF_TRAP ? PAGE_REFUSED : (nargs))
_Static_assert(SYS_COUNT < FLEXSC_SYSNUMS, "every call fits an entry's sysnum");
static const u8 thread_nargs[FLEXSC_SYSNUMS] = {
	[SYS_COUNT ... FLEXSC_SYSNUMS - 1] = PAGE_NOSYS,
#define NARGS(name, nr, nargs, flags) [nr] = PAGE_RUN(flags, nargs),
	EXLESS_SYSCALLS(NARGS)
#undef NARGS
};
static const u8 waiter_nargs[FLEXSC_SYSNUMS] = {
	[SYS_COUNT ... FLEXSC_SYSNUMS - 1] = PAGE_NOSYS,
#define NARGS(name, nr, nargs, flags) [nr] = (flags) & SCF_WAITS ? PAGE_WAITS : PAGE_RUN(flags, nargs),
	EXLESS_SYSCALLS(NARGS)
#undef NARGS
};

/* wake_waiter's slow part: someone may sleep. */
static void __attribute__((noinline)) wake_waiters(struct flexsc_ctx *ctx)
{
	if (__atomic_exchange_n(&ctx->waiting, 0, __ATOMIC_RELAXED)) {
		spin_lock(&ctx->lock);
		waitq_wake_all(&ctx->done_wait);
		spin_unlock(&ctx->lock);
	}
}

/* Wake the process if it sleeps in flexsc_wait, so it looks again. The
 * caller made a store flexsc_wait looks at (done_seq, seen_seq) and a full
 * fence since: flexsc_wait stores waiting, fences, then looks, so one of us
 * sees the other. The lock is only taken when someone may sleep, and only
 * by the first to see it (the waiter sets it again before it looks again). */
static inline void wake_waiter(struct flexsc_ctx *ctx)
{
	if (__atomic_load_n(&ctx->waiting, __ATOMIC_SEQ_CST))
		wake_waiters(ctx);
}

/* The handler of a call that takes n arguments, called with n: the
 * registers past them hold whatever the kernel left there, never a user
 * value (a handler ignores them: syscall.h). */
typedef long (*call0_fn)(void);
typedef long (*call1_fn)(u64);
typedef long (*call2_fn)(u64, u64);
typedef long (*call3_fn)(u64, u64, u64);
typedef long (*call4_fn)(u64, u64, u64, u64);
typedef long (*call5_fn)(u64, u64, u64, u64, u64);
#define AS(type, fn) ((type)(void (*)(void))(fn))

/* Run call nr (0..255, read once from entry e) in the current address space, and
 * publish its result (ret, then DONE with a release store): as many
 * arguments copied out of the page as the call takes by the kernel's own
 * table, each read once, and no more (a call never sees a user value it
 * does not take). The entry is BUSY and ours; it is read and written
 * through the kernel's direct map, never through the user's mapping. The
 * caller counts the completion in done_seq (publish). A waiter (inline
 * mode) runs no call that may wait (PAGE_WAITS): false, e untouched. */
static inline __attribute__((always_inline)) bool run_call(struct flexsc_entry *e, u64 nr, const bool waiter)
{
	const volatile u64 *a = e->args;
	long ret;
	/* One jump on the call's facts, by the role's table; the handler is
	 * looked up only for a number the list has. */
	switch ((waiter ? waiter_nargs : thread_nargs)[nr]) {
	case 0: ret = AS(call0_fn, syscall_table[nr])(); break;
	case 1: ret = AS(call1_fn, syscall_table[nr])(a[0]); break;
	case 2: ret = AS(call2_fn, syscall_table[nr])(a[0], a[1]); break;
	case 3: ret = AS(call3_fn, syscall_table[nr])(a[0], a[1], a[2]); break;
	case 4: ret = AS(call4_fn, syscall_table[nr])(a[0], a[1], a[2], a[3]); break;
	case 5: ret = AS(call5_fn, syscall_table[nr])(a[0], a[1], a[2], a[3], a[4]); break;
	case 6: ret = syscall_table[nr](a[0], a[1], a[2], a[3], a[4], a[5]); break;
	case PAGE_REFUSED: ret = -EINVAL; break; /* only makes sense trapping, from the process itself */
	case PAGE_NOSYS: ret = -ENOSYS; break; /* past the list */
	case PAGE_WAITS: return false; /* a waiter's: may wait */
	default: __builtin_unreachable(); /* the tables hold nothing else */
	}
	e->ret = ret;
	__atomic_store_n(&e->status, FLEXSC_DONE, __ATOMIC_RELEASE);
	return true;
}

/* Where a claim looks: from entry e of page pg on, the page ending at end. */
struct cursor {
	struct flexsc_entry *e, *end;
	u32 pg;
};

/* A cursor at ctx's first entry. */
static struct cursor cursor_start(const struct flexsc_ctx *ctx)
{
	struct flexsc_entry *e = ctx->pages[0]->entry;
	return (struct cursor){ e, e + FLEXSC_ENTRIES_PER_PAGE, 0 };
}

/* Report entry e of page pg, whose status st is garbage: once per process. */
static void __attribute__((noinline, cold)) report_garbage(struct flexsc_ctx *ctx, u32 pg,
							    const struct flexsc_entry *e, u32 st)
{
	if (ctx->garbage_reported)
		return;
	ctx->garbage_reported = true;
	kprintf("[pid %d %s] flexsc: entry %u of page %u has garbage status 0x%x: ignored\n",
		ctx->proc->pid, ctx->proc->name, (u32)(e - ctx->pages[pg]->entry), pg, st);
}

/* Claim entry c->e if it is SUBMITTED (SUBMITTED -> BUSY), else return
 * false, reporting a garbage status once per process. The compare-and-swap
 * is the first look at an entry: a posted one, the usual case, costs no
 * separate load. */
static inline __attribute__((always_inline)) bool claim_here(struct flexsc_ctx *ctx, const struct cursor *c)
{
	u32 st = FLEXSC_SUBMITTED;
	if (likely(__atomic_compare_exchange_n(&c->e->status, &st, FLEXSC_BUSY, false, __ATOMIC_ACQUIRE,
					       __ATOMIC_RELAXED)))
		return true;
	if (unlikely(st > FLEXSC_DONE))
		report_garbage(ctx, c->pg, c->e, st);
	return false;
}

/* Claim the first SUBMITTED entry from c on and leave c at it (the caller
 * steps past it), or return false at the end of ctx's pages, or at the
 * next page once *stop is set. */
static inline __attribute__((always_inline)) bool claim(struct flexsc_ctx *ctx, struct cursor *c,
							const volatile bool *stop)
{
	for (;; c->e++) {
		if (unlikely(c->e == c->end)) {
			if (++c->pg >= ctx->npages || READ_ONCE(*stop))
				return false;
			c->e = ctx->pages[c->pg]->entry;
			c->end = c->e + FLEXSC_ENTRIES_PER_PAGE;
		}
		if (likely(claim_here(ctx, c)))
			return true;
	}
}

/* Run entry e, just claimed by w (run_call), and count the claim. Returns
 * whether w's batch goes on: not once the claims it wanted are made, or it
 * was ended (last_claim: the poller, or a spare, took what it had not
 * claimed), nor at a call w may not run (a waiter's PAGE_WAITS), whose
 * entry goes back to SUBMITTED, as it was, the rest to the poller. */
static inline __attribute__((always_inline)) bool run_claimed(struct flexsc_worker *w, struct flexsc_entry *e,
							      const bool waiter)
{
	if (!run_call(e, READ_ONCE(e->sysnum), waiter)) {
		__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
		w->rest = true;
		return false;
	}
	return !local_dec_and_test(&w->left);
}

/* Wake ctx's process if it handed the CPU to the poller and sleeps (with
 * interrupts off: see schedule_to). */
static void wake_handoff(struct flexsc_ctx *ctx)
{
	struct thread *t = READ_ONCE(ctx->handoff) ? __atomic_exchange_n(&ctx->handoff, 0, __ATOMIC_SEQ_CST) : 0;
	if (t)
		thread_make_runnable(t);
}

/* Let go of the held ctx (flexsc_lock held): kernel tables again. The last
 * to let go of a dead ctx wakes its teardown. */
static void unhold(struct flexsc_worker *w)
{
	struct flexsc_ctx *ctx = w->held;
	if (!ctx)
		return;
	w->held = 0;
	w->thread->as = 0;
	as_switch(0);
	wake_handoff(ctx); /* park hands the CPU back only to the held one's */
	if (--ctx->inflight == 0 && ctx->dead)
		waitq_wake_all(&ctx->let_go);
}

/* Load ctx's address space (flexsc_lock held), holding a count on it. */
static void hold(struct flexsc_worker *w, struct flexsc_ctx *ctx)
{
	if (w->held == ctx)
		return;
	unhold(w);
	ctx->inflight++;
	w->held = ctx;
	w->thread->as = ctx->proc->as; /* what a preemption restores */
	as_switch(ctx->proc->as);
}

static void set_need_wakeup(u32 v);
static void kick(void);

/* Wake every sleeping core's poller (flexsc_lock held). */
static void wake_cores(void)
{
	for (int c = 0; c < ncores; c++) {
		struct thread *t = READ_ONCE(cores[c].parked);
		if (t && (t = __atomic_exchange_n(&cores[c].parked, 0, __ATOMIC_SEQ_CST)))
			thread_make_runnable(t);
		if (cores[c].sleeping) {
			cores[c].sleeping = false;
			waitq_wake_all(&cores[c].doorbell);
		}
	}
	if (!shared_mode)
		set_need_wakeup(0);
}

/* Whether ctx has posts nobody took yet, or its traps asked for a look at
 * every entry: a poller's look before it takes them (take_posted), two
 * loads and no store, so polling an idle process writes nothing. */
static inline bool has_posts(const struct flexsc_ctx *ctx)
{
	return READ_ONCE(ctx->rescan) ||
	       __atomic_load_n(&ctx->pages[0]->header.submit_seq, __ATOMIC_RELAXED) != READ_ONCE(ctx->seen_seq);
}

/* Take what ctx's counter moved by since the last look (any thread on any
 * core may look: the compare-and-swap gives each move to one of them), and
 * whether its traps asked for a look at every entry. A poller comes once
 * has_posts said yes; a waiter, which comes after posting, at once. */
static inline __attribute__((always_inline)) u64 take_posted(struct flexsc_ctx *ctx, bool *full)
{
	u64 seq = __atomic_load_n(&ctx->pages[0]->header.submit_seq, __ATOMIC_ACQUIRE);
	u64 seen = __atomic_load_n(&ctx->seen_seq, __ATOMIC_RELAXED);
	*full = READ_ONCE(ctx->rescan) && __atomic_exchange_n(&ctx->rescan, 0, __ATOMIC_ACQUIRE);
	if (!__atomic_compare_exchange_n(&ctx->seen_seq, &seen, seq, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return 0;
	return seq - seen;
}

/* Whether ctx's entries must wait on core for one of its blocked calls to
 * return: it has FLEXSC_BLOCKED_PER_PROC calls blocked, and more only while
 * the core's pool keeps FLEXSC_RESERVED_PER_CPU threads free of blocked
 * calls for the other processes. One process alone may so block many calls
 * (a FlexSC-Threads server's idle connections) and still never take every
 * thread others need. Read without flexsc_lock on the hot path: a stale
 * answer only delays a look until the next pass (a returning call wakes
 * the cores). */
static bool over_share(const struct flexsc_ctx *ctx, const struct flexsc_core *core)
{
	int b = READ_ONCE(ctx->blocked);
	return b >= FLEXSC_BLOCKED_PER_PROC &&
	       FLEXSC_MAX_THREADS_PER_CPU - READ_ONCE(core->nblocked) <= FLEXSC_RESERVED_PER_CPU;
}

/* Count in ctx's done_seq w's completions up to done (of its claims in
 * this serve) not counted yet; the caller then calls wake_waiter (this
 * locked add, or a later one, is the full fence it needs). Each entry was
 * made DONE by run_call before. One add and one look per batch, not per
 * entry: a waiter sleeps only while ctx->serving counts us (in_flight),
 * and we publish before serve stops counting us and before a call of ours
 * sleeps (flexsc_worker_blocking), so no completion waits on a later
 * call's. */
static void publish(struct flexsc_worker *w, struct flexsc_ctx *ctx, u64 done)
{
	if (done == w->published)
		return;
	__atomic_fetch_add(&ctx->done_seq, done - w->published, __ATOMIC_SEQ_CST);
	w->published = done;
}

/* Entries of w's serve under way whose calls returned. */
static inline u64 claimed(const struct flexsc_worker *w)
{
	return w->budget - w->left;
}

/* End w's batch after the claim under way, or the next one if none is:
 * nothing taken left to give back (the caller gave it: return_posts),
 * fewer claims to make, as many made (claimed). From a sleep in a call
 * (flexsc_worker_blocking), or from a tick on w's CPU (flexsc_tick): the
 * loop's decrement of left is one instruction (local_dec_and_test), so the
 * tick lands before or after it, never inside. */
static void last_claim(struct flexsc_worker *w)
{
	w->want = 0;
	w->full = false;
	w->budget -= w->left - 1;
	w->left = 1;
}

/* Give the want posts taken from ctx's counter, past the first n claimed,
 * back to the counter (the next pass looks again), and a look at every
 * entry (full) back to rescan. */
static inline void return_posts(struct flexsc_ctx *ctx, u64 want, bool full, u64 n)
{
	if (want > n)
		__atomic_fetch_sub(&ctx->seen_seq, want - n, __ATOMIC_RELAXED);
	if (full)
		WRITE_ONCE(ctx->rescan, 1);
}

/* w's call has returned after it handed polling over (it blocked, or ran
 * long): it no longer counts against its core's pool or ctx's share. */
static void unblocked(struct flexsc_worker *w, struct flexsc_ctx *ctx)
{
	spin_lock(&flexsc_lock);
	w->blocked = false;
	w->core->nblocked--;
	ctx->blocked--;
	wake_cores(); /* entries over their share may run now */
	spin_unlock(&flexsc_lock);
}

/* Claim and run the entries of ctx's posted since the last look, with no
 * lock, as w: a syscall thread that holds ctx (its address space is
 * loaded and ctx cannot be freed), or in inline mode (waiter) the calling
 * thread of ctx's process, in flexsc_wait, in its own kernel context (its
 * process lives while it runs). Claims are compare-and-swaps, each entry's
 * result is published by run_call, and the batch's completions are
 * counted once (publish). The look starts at the first entry and stops
 * once it claimed what was posted: userlib reuses the entries freed last,
 * so those in use stay at the start of the pages. It also stops once ctx
 * is dead (a syscall thread) or its process killed (a waiter), looked at
 * once per page; after a call that blocked or, for a syscall thread, ran
 * long (last_claim: a spare polls, or the poller runs the rest); and for a
 * waiter at the first call that may wait (PAGE_WAITS: left unclaimed,
 * w->rest set, the posts from it on given back for the poller). Returns
 * how many ran, and for a waiter *done: ctx's done_seq once they are
 * counted. */
static inline __attribute__((always_inline)) int run_posts(struct flexsc_worker *w, struct flexsc_ctx *ctx,
							   struct thread *me, const bool waiter, u64 *done)
{
	const volatile bool *stop = waiter ? &me->proc->killed : &ctx->dead;
	bool full, dry = false;
	u64 want = take_posted(ctx, &full);
	if (!full && !want) {
		if (waiter)
			*done = __atomic_load_n(&ctx->done_seq, __ATOMIC_ACQUIRE);
		return 0;
	}
	if (!waiter) {
		simmark_idle_end();
		/* Our proc before we look at dead; flexsc_release stores dead,
		 * then flexsc_interrupt looks at our proc: one of us sees the
		 * other (the locked add below is the full fence). */
		WRITE_ONCE(me->proc, ctx->proc);
	}
	/* Counted before we claim: flexsc_wait sees work in flight while we
	 * hold claimed entries. */
	__atomic_fetch_add(&ctx->serving, 1, __ATOMIC_SEQ_CST);
	struct cursor c = cursor_start(ctx);
	/* Claims to make; a look at every entry goes to the end of the pages
	 * (claim stops). */
	w->want = want;
	w->full = full;
	w->budget = w->left = full ? ~0ul : want;
	w->published = 0;
	/* Set for the whole batch: nothing here sleeps but a call. */
	me->flexsc_worker = w;
	/* No share check per entry: a call of ours that blocked has cost us
	 * the active role already (a poller on another core can take the
	 * process one call past its share: at most one per core). A death or
	 * kill is looked at once per page. */
	if (unlikely(READ_ONCE(*stop)))
		goto end;
	/* The usual batch: the first page's entries can hold it (userlib
	 * reuses the entries freed last, so those in use stay at the start),
	 * and it is claimed there, one entry after another. Its claims, at
	 * most want (left counts them down; last_claim only lowers it), cannot
	 * pass the page's end while none is skipped: no end test until one
	 * is. */
	if (!full && want <= FLEXSC_ENTRIES_PER_PAGE) {
		for (;; c.e++) {
			if (unlikely(!claim_here(ctx, &c))) {
				c.e++;
				goto scan; /* skipped: the page's end counts from here */
			}
			if (!run_claimed(w, c.e, waiter)) {
				if (waiter && w->rest)
					goto end;
				/* Every claim it could make is made (or a call
				 * that blocked gave the rest back): nothing to
				 * give back. */
				me->flexsc_worker = 0;
				goto counted;
			}
		}
	}
scan:
	for (;; c.e++) {
		if (!claim(ctx, &c, stop)) {
			/* Claimed elsewhere, or never posted: nothing to give back. */
			dry = !READ_ONCE(*stop);
			break;
		}
		if (!run_claimed(w, c.e, waiter))
			break;
	}
end:
	me->flexsc_worker = 0;
	/* A look at every entry ends here, whatever stopped it; but for a
	 * waiter's rest, which is the poller's. A call that blocked gave back
	 * what it could already (w->want, w->full cleared). */
	return_posts(ctx, dry ? 0 : w->want, waiter && w->full && w->rest, claimed(w));
counted:
	if (!waiter) {
		if (unlikely(READ_ONCE(w->blocked)))
			unblocked(w, ctx); /* our last call blocked or ran long */
		WRITE_ONCE(me->proc, 0);
	}
	u64 ran = claimed(w);
	/* The completions not counted yet (publish), with no test: an add of
	 * none is harmless, and w->published is set again by the next batch. */
	*done = __atomic_add_fetch(&ctx->done_seq, ran - w->published, __ATOMIC_SEQ_CST);
	if (waiter)
		inlined++; /* a test's count: lost updates between CPUs are harmless */
	/* Done with it (a locked sub, a full fence); a wait re-checks. */
	__atomic_fetch_sub(&ctx->serving, 1, __ATOMIC_SEQ_CST);
	wake_waiter(ctx);
	return (int)ran;
}

/* A syscall thread's batch of ctx's, which w holds: run_posts. */
static int serve(struct flexsc_worker *w, struct flexsc_ctx *ctx)
{
	u64 done; /* a waiter's */
	return run_posts(w, ctx, w->thread, false, &done);
}

/* Inline mode: the calling thread of ctx's process runs its posts itself
 * (run_posts), as the core's syscall thread would; *rest set if it left a
 * call that may wait, and those after it, to the poller. Returns ctx's
 * done_seq once those that ran are counted in it. */
static u64 run_posted(struct flexsc_ctx *ctx, struct thread *me, bool *rest)
{
	struct flexsc_worker w; /* what run_posts and waiter_blocking use of it: no core, no thread */
	u64 done;
	w.held = ctx;
	w.blocked = w.rest = false;
	w.waiter = true;
	run_posts(&w, ctx, me, true, &done);
	*rest = w.rest;
	return done;
}

/* One pass: first the process whose address space this thread holds, with
 * no lock; then, under flexsc_lock, every registered process, taking a hold
 * on each that has work and dropping the lock while serving it. Returns how
 * many entries ran. */
static int scan_once(struct flexsc_worker *w)
{
	struct thread *me = w->thread;
	struct flexsc_core *core = w->core;
	struct flexsc_ctx *held = w->held;
	int ran = 0;
	if (held && !READ_ONCE(held->dead)) {
		bool alive = true;
		if (!over_share(held, core) && has_posts(held)) {
			ran = serve(w, held);
			alive = !READ_ONCE(held->dead);
		}
		if (alive && READ_ONCE(nregistered) == 1 && READ_ONCE(core->active) == me)
			return ran; /* held is the only process (alive: registered): the walk would find no other */
	}
	spin_lock(&flexsc_lock);
	if (w->held && w->held->dead)
		unhold(w);
	list_for_each(n, &registered) {
		if (READ_ONCE(core->active) != me)
			break; /* we blocked in a call and a spare took over */
		struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
		if (over_share(ctx, core))
			continue; /* its share of syscall threads is blocked: the rest wait */
		if (!has_posts(ctx))
			continue;
		hold(w, ctx);
		spin_unlock(&flexsc_lock);
		ran += serve(w, ctx);
		spin_lock(&flexsc_lock);
		if (ctx->dead)
			break; /* unlinked while we ran its entry: n->next is stale */
	}
	if (READ_ONCE(core->active) != me || (w->held && w->held->dead))
		unhold(w); /* off to be a spare, or let the teardown go on */
	spin_unlock(&flexsc_lock);
	return ran;
}

static void set_need_wakeup(u32 v)
{
	list_for_each(n, &registered) {
		struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
		__atomic_store_n(&ctx->pages[0]->header.need_wakeup, v, __ATOMIC_RELAXED);
	}
}

/* Whether a pass would find work (flexsc_lock held): a process whose
 * counter moved or whose traps asked for a look at every entry. One word
 * or two per process, never its entries. */
static bool any_work(const struct flexsc_core *core)
{
	list_for_each(n, &registered) {
		struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
		if (over_share(ctx, core))
			continue; /* not ours to run until one of its calls returns */
		if (has_posts(ctx))
			return true;
	}
	return false;
}

/* Start one more syscall thread on core (flexsc_lock held); false if the
 * pool is at its cap or memory is out. */
static bool grow(struct flexsc_core *core)
{
	for (int i = 0; i < FLEXSC_MAX_THREADS_PER_CPU; i++) {
		struct flexsc_worker *w = &core->workers[i];
		if (w->thread)
			continue;
		char name[16];
		snprintf(name, sizeof(name), "flexsc%d.%d", core->cpu, i);
		*w = (struct flexsc_worker){ .core = core };
		w->thread = kthread_create(name, syscall_thread, w, core->cpu);
		if (!w->thread)
			return false;
		core->nthreads++;
		thread_make_runnable(w->thread);
		return true;
	}
	return false;
}

/* Wait as a spare until this thread is the core's poller. A spare beyond
 * the core's FLEXSC_THREADS_PER_CPU idle ones (the pool grew while calls
 * were blocked) ends instead. */
static void wait_to_poll(struct flexsc_worker *w)
{
	struct flexsc_core *core = w->core;
	struct thread *me = w->thread;
	spin_lock(&flexsc_lock);
	while (READ_ONCE(core->active) != me) {
		if (!core->active) {
			WRITE_ONCE(core->active, me); /* the active one blocked in a call */
			break;
		}
		if (core->nthreads - core->nblocked > FLEXSC_THREADS_PER_CPU) {
			unhold(w);
			w->thread = 0;
			core->nthreads--;
			spin_unlock(&flexsc_lock);
			thread_exit();
		}
		waitq_sleep(&core->spares, &flexsc_lock);
	}
	spin_unlock(&flexsc_lock);
}

/* Whether park may sleep: no posts and no dead process held. One word or
 * two of the held process when it is the only one, else any_work under
 * flexsc_lock. */
static bool may_park(struct flexsc_worker *w)
{
	struct flexsc_ctx *held = w->held;
	if (held && READ_ONCE(held->dead))
		return false; /* let go of it first (scan_once) */
	if (held && READ_ONCE(nregistered) == 1) /* any_work's test, for held alone */
		return !has_posts(held) || over_share(held, w->core);
	spin_lock(&flexsc_lock);
	bool idle = !any_work(w->core);
	spin_unlock(&flexsc_lock);
	return idle;
}

/* Single-core mode's sleep: the active thread publishes itself in
 * core->parked and sleeps, handing the CPU straight back to the held
 * process if it waits for us (ctx->handoff). Whoever takes it out of
 * parked (an exchange: one taker) wakes it: a process in flexsc_wait by
 * switching straight to it, a kick with thread_make_runnable. No lock, no
 * run queue, no timer: the two switches of a single-core call. */
static void park(struct flexsc_worker *w)
{
	struct flexsc_core *core = w->core;
	struct thread *me = w->thread;
	irq_disable(); /* nothing runs between taking a sleeper and switching to it */
	me->state = T_SLEEPING;
	/* A seq_cst store (an exchange), a full fence: a post made before a kick looked at
	 * parked is seen below, or the kick sees us. */
	__atomic_store_n(&core->parked, me, __ATOMIC_SEQ_CST);
	if (!may_park(w) && __atomic_exchange_n(&core->parked, 0, __ATOMIC_SEQ_CST) == me) {
		enum thread_state sleeping = T_SLEEPING;
		if (!__atomic_compare_exchange_n(&me->state, &sleeping, T_RUNNING, false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			schedule(); /* a stray wake queued us: let it pass */
		irq_enable();
		return;
	}
	/* Parked (or a kick took us out and wakes us): straight back to the
	 * held process's waiter if any (unless a kill woke it already), else
	 * through the run queue. */
	struct thread *next = w->held && READ_ONCE(w->held->handoff)
				      ? __atomic_exchange_n(&w->held->handoff, 0, __ATOMIC_SEQ_CST)
				      : 0;
	if (!next || !schedule_to(next))
		schedule();
	irq_enable();
}

/* Single-core mode: hand this CPU straight to the parked poller, which
 * runs our posts and hands it straight back (park). False when it cannot
 * (no poller parked on this CPU, or another thread of ours is handing
 * off): the caller kicks and sleeps as with a syscall core. */
static inline __attribute__((always_inline)) bool handoff(struct flexsc_ctx *ctx)
{
	struct flexsc_core *core = &cores[0];
	struct thread *me = current_thread();
	if (!shared_mode || me->cpu != core->cpu || !READ_ONCE(core->parked))
		return false;
	irq_disable();
	struct thread *none = 0;
	if (!__atomic_compare_exchange_n(&ctx->handoff, &none, me, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
		irq_enable();
		return false;
	}
	struct thread *poller = __atomic_exchange_n(&core->parked, 0, __ATOMIC_SEQ_CST);
	if (!poller) {
		WRITE_ONCE(ctx->handoff, 0);
		irq_enable();
		return false;
	}
	me->state = T_SLEEPING;
	bool switched = schedule_to(poller);
	if (switched)
		WRITE_ONCE(handoffs, handoffs + 1); /* only this CPU's, interrupts off */
	/* Back: handed back by park, woken by unhold, or by a kill (then
	 * still published: take it back). Or the poller was woken otherwise
	 * (it runs, and parks again): then we did not sleep, and may not while
	 * a kill may have queued us. */
	struct thread *mine = me;
	bool took_back = READ_ONCE(ctx->handoff) == me &&
			 __atomic_compare_exchange_n(&ctx->handoff, &mine, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	enum thread_state sleeping = T_SLEEPING;
	if (!switched && !(took_back && __atomic_compare_exchange_n(&me->state, &sleeping, T_RUNNING, false,
								    __ATOMIC_RELAXED, __ATOMIC_RELAXED)))
		schedule(); /* our waker took us (or a kill queued us): let it pass */
	irq_enable();
	return switched;
}

/* Idle passes between two looks at the clock while a poller polls. */
#define FLEXSC_POLL_CLOCK_EVERY 64

/*
 * A syscall thread: polls while it is its core's active thread, else waits
 * as a spare. Idle, it polls for flexsc.poll_us, then sleeps. Idle passes
 * run back to back, as io_uring's SQPOLL thread polls, with a pause and a
 * look at the clock once every FLEXSC_POLL_CLOCK_EVERY passes: under TCG
 * each pause leaves the translated code and takes QEMU's global lock,
 * which the user core's vCPU needs too (for its own pauses, interrupts and
 * IPIs); and under icount's round robin (make bench ACCEL=sim) a pause is
 * where the other vCPU gets its turn, so the poller still yields.
 */
static void syscall_thread(void *arg)
{
	struct flexsc_worker *w = arg;
	struct flexsc_core *core = w->core;
	struct thread *me = current_thread();
	u64 idle_since = 0; /* 0: the last pass found work (the clock is read once idle) */
	u32 idle_passes = 0;
	for (;;) {
		if (READ_ONCE(core->active) != me)
			wait_to_poll(w);

		if (scan_once(w) && poll_ns) {
			idle_since = 0;
			continue;
		}
		/* No poll window: straight to the sleep below, which looks at
		 * every process's counter first. */
		if (poll_ns) {
			simmark_idle_begin();
			if (idle_since && ++idle_passes % FLEXSC_POLL_CLOCK_EVERY)
				continue; /* kernel preemption lets others on this CPU run */
			cpu_relax();
			u64 now = ktime_ns();
			if (!idle_since)
				idle_since = now;
			if (now - idle_since < poll_ns)
				continue;
		}
		simmark_idle_end();
		if (shared_mode && READ_ONCE(core->active) == me) {
			park(w);
			continue;
		}
		/* Sleep: flag, full fence, look again, then sleep on the doorbell.
		 * The address space of the process served last stays loaded (its
		 * teardown rings the doorbell to make us let go): going back to
		 * that process then loads no CR3. */
		spin_lock(&flexsc_lock);
		if (READ_ONCE(core->active) != me) {
			spin_unlock(&flexsc_lock);
			continue; /* a call of ours blocked: a spare polls, we go back to the spares */
		}
		/* sleeping before need_wakeup: a user who sees the flag then
		 * finds sleeping set, and flexsc_wake's lock-free check holds.
		 * A process registering while we sleep gets the flag set by
		 * flexsc_register, under this lock. */
		WRITE_ONCE(core->sleeping, true);
		if (!shared_mode)
			set_need_wakeup(1);
		mfence();
		if (!any_work(core) && !(w->held && w->held->dead))
			waitq_sleep(&core->doorbell, &flexsc_lock);
		core->sleeping = false;
		if (!shared_mode)
			set_need_wakeup(0);
		spin_unlock(&flexsc_lock);
		idle_since = 0;
	}
}

/* Hand core's polling over to a spare (flexsc_lock held): w, the active
 * thread, is in a call that blocks (in_call) or runs long (a tick, which
 * may also fall between two calls of a batch). The call counts against
 * its process's share until it returns (serve); what w took and did not
 * claim goes back to the counter; if every thread is in a call, the pool
 * grows by one. */
static void hand_over(struct flexsc_core *core, struct flexsc_worker *w, bool in_call)
{
	w->blocked = true;
	core->nblocked++;
	if (w->held) {
		/* Its process may wait for a hand-back that the spare,
		 * holding another, would not give. */
		wake_handoff(w->held);
		w->held->blocked++;
		/* What we took and did not claim goes back to the spare that
		 * polls next: past those whose calls returned and the one
		 * under way. From a tick, which cannot tell whether a call is
		 * under way, one post too many may go back: the next pass
		 * looks once more for nothing and takes the counter as it is. */
		return_posts(w->held, w->want, w->full, claimed(w) + in_call);
	}
	last_claim(w);
	WRITE_ONCE(core->active, 0); /* the first spare to look takes it */
	if (core->nblocked >= core->nthreads)
		grow(core); /* every thread is in a call: one more to poll */
	waitq_wake_one(&core->spares);
}

/* The worker slot of syscall thread t on core, or NULL. */
static struct flexsc_worker *worker_of(struct flexsc_core *core, struct thread *t)
{
	for (int i = 0; i < FLEXSC_MAX_THREADS_PER_CPU; i++)
		if (core->workers[i].thread == t)
			return &core->workers[i];
	return 0;
}

/* Inline mode: the waiter w's call is about to sleep (w's thread, holding
 * at most the sleeper's own lock). The rest of its batch must not wait
 * behind the call: what it took and did not claim goes back to the
 * counter, the batch's earlier completions are counted, and the parked
 * poller is woken to run the rest (it runs once we sleep, in our
 * process's address space). The call completes later on this thread,
 * counted like any other (run_posted). Once per call: a later sleep of the
 * same call finds nothing more to give. */
static void __attribute__((noinline, cold)) waiter_blocking(struct flexsc_worker *w)
{
	struct flexsc_ctx *ctx = w->held;
	if (w->blocked)
		return;
	w->blocked = true;
	return_posts(ctx, w->want, w->full, claimed(w) + 1); /* past ours, under way */
	last_claim(w);
	publish(w, ctx, claimed(w));
	wake_waiter(ctx);
	mfence(); /* the posts given back before we look at parked; park does the reverse */
	kick();
}

/* Called by a syscall thread (its flexsc_worker flag set, holding at most
 * the sleeper's own lock) about to sleep inside a call: if it was polling,
 * a spare takes over, and if none is left the pool grows by one. The call
 * counts against its process's share until it returns (scan_once). */
void flexsc_worker_blocking(struct thread *t)
{
	struct flexsc_worker *blocking = 0;
	if (t->flexsc_worker->waiter) {
		waiter_blocking(t->flexsc_worker);
		return;
	}
	spin_lock(&flexsc_lock);
	for (int c = 0; c < ncores; c++) {
		struct flexsc_core *core = &cores[c];
		struct flexsc_worker *w;
		if (core->cpu == t->cpu && READ_ONCE(core->active) == t && (w = worker_of(core, t))) {
			hand_over(core, w, true);
			if (w->held)
				blocking = w;
		}
	}
	spin_unlock(&flexsc_lock);
	/* The batch's completions before this call's, which may never come
	 * (serve counts them per batch): outside flexsc_lock, as the waiter's
	 * lock goes before it. */
	if (blocking) {
		publish(blocking, blocking->held, claimed(blocking));
		/* Our blocked count before waiting (publish may add nothing): a
		 * waiter whose serves are all blocked looks for uncounted posts
		 * (in_flight). */
		mfence();
		wake_waiter(blocking->held);
	}
}

/* From the timer interrupt, on every CPU (interrupts off: no lock of this
 * CPU's is held). A call that runs without sleeping (a multi-MiB console
 * write, a large read of /dev/zero) would keep its core's poller from
 * every other process's entries until it returns: once the active thread
 * of this CPU's core has been in one call for FLEXSC_LONG_CALL_TICKS ticks
 * (its process completing nothing meanwhile), a spare takes over polling,
 * as for a call that blocks, and the two share the CPU. Only while a spare
 * is left: no thread is made in an interrupt. */
void flexsc_tick(void)
{
	struct thread *t = current_thread();
	if (!t->flexsc_worker)
		return; /* not a syscall thread in a call */
	for (int c = 0; c < ncores; c++) {
		struct flexsc_core *core = &cores[c];
		struct flexsc_worker *w;
		if (core->cpu != t->cpu || READ_ONCE(core->active) != t || !(w = worker_of(core, t)) || !w->held)
			continue;
		/* w->held is stable: only t changes it, and we interrupted t. */
		struct flexsc_ctx *ctx = w->held;
		u64 done = __atomic_load_n(&ctx->done_seq, __ATOMIC_RELAXED);
		if (core->slow != t || core->slow_ctx != ctx || core->slow_done != done) {
			core->slow = t; /* a call we had not seen: start counting */
			core->slow_ctx = ctx;
			core->slow_done = done;
			core->slow_ticks = 0;
			continue;
		}
		if (++core->slow_ticks < FLEXSC_LONG_CALL_TICKS)
			continue;
		core->slow = 0;
		spin_lock(&flexsc_lock);
		if (READ_ONCE(core->active) == t && core->nblocked + 1 < core->nthreads) {
			hand_over(core, w, false);
			long_handovers++;
		}
		spin_unlock(&flexsc_lock);
	}
}

void flexsc_init(void)
{
	u64 online = ncpus >= 64 ? ~0ul : (1ul << ncpus) - 1;
	u64 mask = boot_opts.flexsc_cpus_set ? boot_opts.flexsc_cpus : (ncpus >= 2 ? 1ul << (ncpus - 1) : 0);
	if (mask & ~online)
		kprintf("flexsc: flexsc.cores names CPUs that are not online: using 0x%lx\n", mask & online);
	mask &= online;
	if (mask == online && mask) {
		kprintf("flexsc: every CPU would be a syscall core; leaving CPU 0 to processes\n");
		mask &= ~1ul;
	}
	poll_ns = boot_opts.flexsc_poll_us * 1000;
	shared_mode = !mask;
	inline_mode = shared_mode && !boot_opts.flexsc_switch;
	if (shared_mode)
		poll_ns = 0;
	spin_lock(&flexsc_lock);
	for (int cpu = 0; cpu < ncpus; cpu++) {
		if (!(mask >> cpu & 1) && !(shared_mode && cpu == 0))
			continue;
		struct flexsc_core *core = &cores[ncores];
		core->cpu = cpu;
		waitq_init(&core->doorbell);
		waitq_init(&core->spares);
		for (int i = 0; i < FLEXSC_THREADS_PER_CPU; i++)
			if (!grow(core))
				panic("flexsc: no memory for syscall threads");
		ncores++;
		if (!shared_mode)
			core_mask |= 1ul << cpu;
	}
	spin_unlock(&flexsc_lock);
	if (!shared_mode)
		kprintf("flexsc: syscall threads on CPUs 0x%lx, %d per core, poll %lu us\n", core_mask,
			FLEXSC_THREADS_PER_CPU, boot_opts.flexsc_poll_us);
	else
		kprintf("flexsc: no syscall core: single-core mode (%s), %d syscall threads on CPU 0 run entries "
			"%s\n", inline_mode ? "inline" : "switch", FLEXSC_THREADS_PER_CPU,
			inline_mode ? "that a waiter leaves (calls that may wait), or when their process is preempted"
				    : "when their process waits or is preempted");
}

long flexsc_register(struct proc *p, u64 npages)
{
	if (!npages || npages > FLEXSC_MAX_PAGES)
		return -EINVAL;
	if (p->flexsc)
		return -EBUSY;
	struct flexsc_ctx *ctx = kmalloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->proc = p;
	spin_init(&ctx->lock, "flexsc ctx");
	waitq_init(&ctx->done_wait);
	waitq_init(&ctx->let_go);
	long r = 0;
	u32 mapped = 0;
	for (u64 i = 0; i < npages && !r; i++) {
		paddr_t pa = pmm_alloc();
		if (!pa) {
			r = -ENOMEM;
			break;
		}
		ctx->pages[ctx->npages++] = phys_to_virt(pa);
		r = vm_map_page(p->as, USER_FLEXSC_BASE + i * PAGE_SIZE, pa, VM_WRITE);
		mapped += !r;
	}
	if (r) {
		/* Unmap (and flush) before freeing: a page freed while still
		 * mapped could come back as anything, a page table among them. */
		for (u32 i = 0; i < mapped; i++)
			vm_unmap_page(p->as, USER_FLEXSC_BASE + i * PAGE_SIZE);
		for (u32 i = 0; i < ctx->npages; i++)
			pmm_free(virt_to_phys(ctx->pages[i]));
		kfree(ctx);
		return r;
	}
	ctx->pages[0]->header.npages = npages;
	spin_lock(&flexsc_lock);
	p->flexsc = ctx;
	list_add_tail(&registered, &ctx->node);
	WRITE_ONCE(nregistered, nregistered + 1);
	/* A core asleep set need_wakeup in the processes registered then; a
	 * late registrant must see the doorbell too. */
	for (int c = 0; c < ncores; c++)
		if (!shared_mode && cores[c].sleeping)
			ctx->pages[0]->header.need_wakeup = 1;
	spin_unlock(&flexsc_lock);
	return USER_FLEXSC_BASE;
}

/* in_flight's look at every entry (the process waits with nothing counted):
 * a SUBMITTED one asks for a rescan, and rings the doorbell as flexsc_wake
 * does (a poller that looked at rescan before our store sleeps, and nobody
 * else would wake it). */
static bool __attribute__((noinline)) posted_uncounted(struct flexsc_ctx *ctx)
{
	for (u32 pg = 0; pg < ctx->npages; pg++)
		for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++)
			if (__atomic_load_n(&ctx->pages[pg]->entry[i].status, __ATOMIC_RELAXED) == FLEXSC_SUBMITTED) {
				WRITE_ONCE(ctx->rescan, 1);
				mfence(); /* rescan before we look at sleeping (see flexsc_wake) */
				kick();
				return true;
			}
	return false;
}

/* Whether ctx has work in flight that will complete: claimed entries not
 * DONE yet, or posts the pollers have not reached. If neither, or if every
 * serve of ctx's is in a call that blocked (it may never return), one look
 * at every entry for a SUBMITTED one posted without the counter (a rescan
 * is asked for then): only a process that waits with nothing posted, or
 * only blocked calls, pays it. */
static inline bool in_flight(struct flexsc_ctx *ctx)
{
	u32 serving = __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE);
	if (serving > (u32)READ_ONCE(ctx->blocked))
		return true;
	return has_posts(ctx) || posted_uncounted(ctx) || serving;
}

/* Ring the doorbell of sleeping cores, if any. */
static void kick(void)
{
	bool any = false;
	for (int c = 0; c < ncores; c++)
		any |= READ_ONCE(cores[c].sleeping) || READ_ONCE(cores[c].parked);
	if (!any)
		return; /* every core polls: stay off the lock its poller takes */
	spin_lock(&flexsc_lock);
	wake_cores();
	spin_unlock(&flexsc_lock);
}

/* flexsc_wait's sleep, when no hand-off brought a completion: on the
 * ctx's wait queue until one comes, or nothing is in flight any more. */
static long __attribute__((noinline)) wait_sleep(struct flexsc_ctx *ctx, u64 *waited_seq)
{
	long r = 0;
	spin_lock(&ctx->lock);
	ctx->nwaiting++;
	for (;;) {
		WRITE_ONCE(ctx->waiting, 1);
		mfence(); /* see wake_waiter */
		u64 done = __atomic_load_n(&ctx->done_seq, __ATOMIC_ACQUIRE);
		if (done != *waited_seq) {
			*waited_seq = done;
			break;
		}
		if (!in_flight(ctx))
			break;
		if (!waitq_sleep(&ctx->done_wait, &ctx->lock)) {
			r = -EINTR;
			break;
		}
	}
	if (--ctx->nwaiting == 0)
		WRITE_ONCE(ctx->waiting, 0); /* not while another thread sleeps here */
	spin_unlock(&ctx->lock);
	return r;
}

/* What a waiter waits on runs elsewhere (another thread's batch, a
 * blocked call, the poller): in single-core mode hand the poller the CPU,
 * else ring. Handed back with an entry done since *waited_seq: 0, with no
 * lock (the count is ours); else sleep (wait_sleep). */
static long __attribute__((noinline)) hand_off_then_wait(struct flexsc_ctx *ctx, u64 *waited_seq)
{
	if (!handoff(ctx))
		kick();
	u64 done = __atomic_load_n(&ctx->done_seq, __ATOMIC_ACQUIRE);
	if (done != *waited_seq) {
		*waited_seq = done;
		return 0;
	}
	return wait_sleep(ctx, waited_seq);
}

/* The flexsc_wait call: sleep until an entry of the calling process's
 * completes that had not when flexsc_wait last returned to the calling
 * thread, or return at once if none is in flight. No entry is looked at:
 * the kernel counts what it completes. The count each thread saw last is
 * its own, so threads of one process that wait at once each see every
 * completion. */
long sys_flexsc_wait(void)
{
	struct thread *me = current_thread();
	struct flexsc_ctx *ctx = me->proc->flexsc;
	if (!ctx)
		return -EINVAL;
	/* Inline mode: run what was posted ourselves; what completes then
	 * counts as a completion since our last return. Else what we wait on
	 * runs elsewhere already, and we sleep. */
	if (inline_mode) {
		bool rest;
		u64 done = run_posted(ctx, me, &rest);
		/* A call that may wait: the poller runs it and what follows, as
		 * in switch mode (it hands back once it parks). */
		if (unlikely(rest))
			return hand_off_then_wait(ctx, &me->flexsc_waited);
		/* Some completed since our last return: those that ran here
		 * (done_seq only grows), or others. */
		if (done != me->flexsc_waited) {
			me->flexsc_waited = done;
			return 0;
		}
	} else if (__atomic_load_n(&ctx->done_seq, __ATOMIC_ACQUIRE) == me->flexsc_waited && in_flight(ctx)) {
		return hand_off_then_wait(ctx, &me->flexsc_waited);
	}
	return wait_sleep(ctx, &me->flexsc_waited);
}

/* The doorbell: sleeping cores wake, and the next pass looks at every
 * entry of p's (entries posted without the counter run then). */
long flexsc_wake(struct proc *p)
{
	if (!p->flexsc)
		return -EINVAL;
	WRITE_ONCE(p->flexsc->rescan, 1);
	mfence(); /* rescan before we look at sleeping; a poller going to sleep does the reverse */
	kick();
	return 0;
}

void flexsc_preempted(struct proc *p)
{
	if (shared_mode && p->flexsc)
		kick();
}

/* Kill or exit (p->killed already stored): every syscall thread running a
 * call for p is pulled out of its sleep, and any later sleep of that call
 * ends at once (sleep_on), so it returns -EINTR. */
void flexsc_interrupt(struct proc *p)
{
	spin_lock(&flexsc_lock);
	for (int c = 0; c < ncores; c++)
		for (int i = 0; i < FLEXSC_MAX_THREADS_PER_CPU; i++) {
			struct thread *t = cores[c].workers[i].thread;
			if (t && t->proc == p)
				thread_interrupt(t);
		}
	spin_unlock(&flexsc_lock);
}

/* Teardown, from proc_exit (exit and kill alike, p->killed set): no entry
 * is claimed once the ctx is dead; calls in flight are interrupted; then we
 * sleep until the last syscall thread lets go (unhold wakes let_go), and
 * unmap the pages (flushing every TLB) before freeing them. */
void flexsc_release(struct proc *p)
{
	struct flexsc_ctx *ctx = p->flexsc;
	if (!ctx)
		return;
	spin_lock(&flexsc_lock);
	ctx->dead = true;
	list_del(&ctx->node);
	WRITE_ONCE(nregistered, nregistered - 1);
	wake_cores(); /* a sleeping poller may hold ctx: it lets go when it wakes */
	spin_unlock(&flexsc_lock);
	flexsc_interrupt(p);
	spin_lock(&flexsc_lock);
	while (ctx->inflight)
		waitq_sleep_unkillable(&ctx->let_go, &flexsc_lock);
	p->flexsc = 0;
	spin_unlock(&flexsc_lock);
	for (u32 i = 0; i < ctx->npages; i++)
		vm_unmap_page(p->as, USER_FLEXSC_BASE + i * PAGE_SIZE);
	for (u32 i = 0; i < ctx->npages; i++)
		pmm_free(virt_to_phys(ctx->pages[i]));
	kfree(ctx);
}

KTEST(flexsc_user_suite)
{
	KEXPECT_EQ(ktest_run_user("utest_flexsc", 0), 0);
}

/* Two threads of one process, on two CPUs, each posting to its own entries
 * of the one set of syscall pages and sleeping in flexsc_wait. */
KTEST(flexsc_two_threads_of_one_process)
{
	KEXPECT_EQ(ktest_run_user("uthr", "flexsc"), 0);
}

KTEST(flexsc_teardown_with_entries_in_flight)
{
	KEXPECT_EQ(ktest_run_user("uflexsc_die", "exit"), 0); /* warm */
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 20; i++) {
		KEXPECT_EQ(ktest_run_user("uflexsc_die", "exit"), 0);
		int pid = ktest_spawn_user("uflexsc_die", "wait");
		sleep_ns(20000000);
		KEXPECT_EQ(proc_kill(pid), 0);
		KEXPECT_EQ(ktest_wait_user(pid), -1);
	}
	KEXPECT_EQ(pmm_free_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* Tests: wait (up to 2 s) until every core's pool is back to its idle
 * threads and the ones that ended are freed (a failure if not). */
void flexsc_pool_settle(void)
{
	for (int i = 0; i < 200; i++) {
		bool settled = true;
		spin_lock(&flexsc_lock);
		for (int c = 0; c < ncores; c++)
			settled &= cores[c].nthreads == FLEXSC_THREADS_PER_CPU && !cores[c].nblocked;
		spin_unlock(&flexsc_lock);
		sleep_ns(10000000); /* an ended thread is freed once switched away */
		if (settled)
			return;
	}
	ktest_fail(__FILE__, __LINE__, "the syscall thread pool did not shrink back");
}

/* Free pages and heap bytes back where they were, once the pool settled. */
static void expect_reclaimed(u64 pages, u64 heap)
{
	flexsc_pool_settle();
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* FlexSC-Threads on user cores: a kernel thread per core, each with its own
 * user threads and its own entries of the one set of syscall pages, calls
 * and pipe messages between cores checked exactly (userlib uthread.c); the
 * memory comes back once the pool settles. */
KTEST(flexsc_threads_on_user_cores)
{
	KEXPECT_EQ(ktest_run_user("ucores", 0), 0); /* warm */
	flexsc_pool_settle();
	u64 before = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	KEXPECT_EQ(ktest_run_user("ucores", 0), 0);
	flexsc_pool_settle();
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* Issue 10: in single-core mode a wait runs the posts itself (inline) or
 * hands the CPU straight to the parked poller and gets it straight back
 * (switch; it went through the doorbell's wait queue, the run queue and
 * flexsc_lock). Each of the 50 calls of "served" waits once (on one CPU).
 * With a syscall core, neither. */
KTEST(flexsc_single_core_wait_hands_off)
{
	u64 before = READ_ONCE(handoffs), ran = READ_ONCE(inlined);
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "served"), 0);
	if (!shared_mode) {
		KEXPECT_EQ(READ_ONCE(handoffs), before);
		KEXPECT_EQ(READ_ONCE(inlined), ran);
	} else if (inline_mode) {
		KEXPECT(READ_ONCE(inlined) - ran >= 50);
		KEXPECT_EQ(READ_ONCE(handoffs), before);
	} else if (ncpus == 1) { /* with more, the process may run on another CPU: no hand-off there */
		KEXPECT(READ_ONCE(handoffs) - before >= 50);
	}
}

/* Issue 8 item 4: exit with a console read (and long sleeps) in syscall
 * threads hung the machine. */
KTEST(flexsc_exit_with_read_in_flight)
{
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "exit-read"), 0); /* warm */
	flexsc_pool_settle(); /* the threads the warm run's blocked calls grew end now, not after before */
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 10; i++)
		KEXPECT_EQ(ktest_run_user("uflexsc_life", "exit-read"), 0);
	expect_reclaimed(before, heap);
}

/* Issue 8 item 6: killed in ring 3 while syscall threads hold its context
 * (single-core mode looped in flexsc_release). */
KTEST(flexsc_kill_while_threads_hold_context)
{
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 5; i++) {
		int pid = ktest_spawn_user("uflexsc_life", "spin");
		KEXPECT(pid > 0);
		sleep_ns(30000000);
		KEXPECT_EQ(proc_kill(pid), 0);
		KEXPECT_EQ(ktest_wait_user(pid), -1);
	}
	expect_reclaimed(before, heap);
}

/* Issue 8 item 7: a process registering while the core sleeps must see the
 * doorbell, or its entry waits until it traps with flexsc_wake. */
KTEST(flexsc_late_registrant_sees_doorbell)
{
	for (int i = 0; i < 3; i++)
		KEXPECT_EQ(ktest_run_user("uflexsc_life", "late"), 0);
}

/* Issue 8 item 9: two processes keeping their calls blocked (more than the
 * 4 threads of a core between them) leave a third one served; once they are
 * killed the pool shrinks back and everything is reclaimed. */
static void starve_round(void)
{
	int hog[2];
	for (int i = 0; i < 2; i++)
		hog[i] = ktest_spawn_user("uflexsc_life", "hog");
	sleep_ns(200000000); /* their calls are blocked now */
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "served"), 0);
	for (int i = 0; i < 2; i++) {
		KEXPECT_EQ(proc_kill(hog[i]), 0);
		KEXPECT_EQ(ktest_wait_user(hog[i]), -1);
	}
}

/* Grown threads' structs land in slabs shared with other objects, so
 * which slab pages exist after a round varies (measured over 6 rounds:
 * -1, -1, +1, -1, 0, +1 free pages, heap bytes equal): free pages are
 * counted with the heap's slab pages. */
KTEST(flexsc_blocked_process_does_not_starve_others)
{
	starve_round(); /* warm */
	flexsc_pool_settle();
	u64 before = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	starve_round();
	flexsc_pool_settle();
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* One process blocks 4x FLEXSC_BLOCKED_PER_PROC calls, then posts the calls
 * that end them: they run (the pool has room, so the share grows). */
KTEST(flexsc_one_process_blocks_past_its_share)
{
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "blockmany"), 0);
	flexsc_pool_settle();
}

/* The registered ctx of process pid, once every core's poller sleeps
 * (or is parked): at most 2 s; NULL if not. */
static struct flexsc_ctx *idle_ctx(int pid)
{
	for (int t = 0; t < 200; t++) {
		struct flexsc_ctx *found = 0;
		bool asleep = true;
		spin_lock(&flexsc_lock);
		list_for_each(n, &registered) {
			struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
			if (ctx->proc->pid == pid)
				found = ctx;
		}
		for (int c = 0; c < ncores; c++)
			asleep &= cores[c].sleeping || READ_ONCE(cores[c].parked);
		spin_unlock(&flexsc_lock);
		if (found && asleep)
			return found;
		sleep_ns(10000000);
	}
	return 0;
}

/* A process waiting with an entry posted without the counter (and no
 * doorbell) while the syscall core sleeps: in_flight finds the entry and
 * asks for a rescan; it must ring too, or the poller, which looked at
 * rescan before it slept, never runs it (fuzzer STUCK children reaping
 * such entries, in flexsc_wait's loop). The kernel plays the process's
 * part: the entry, then in_flight as flexsc_wait calls it. */
KTEST(flexsc_wait_rings_for_an_uncounted_post)
{
	int pid = ktest_spawn_user("uflexsc_life", "idle");
	KEXPECT(pid > 0);
	struct flexsc_ctx *ctx = idle_ctx(pid);
	KEXPECT(ctx != 0);
	if (ctx) {
		struct flexsc_entry *e = &ctx->pages[0]->entry[5];
		e->sysnum = SYS_getpid;
		__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
		KEXPECT(in_flight(ctx));
		for (int t = 0; t < 100 && __atomic_load_n(&e->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE; t++)
			sleep_ns(10000000);
		KEXPECT_EQ(__atomic_load_n(&e->status, __ATOMIC_ACQUIRE), (u32)FLEXSC_DONE);
		KEXPECT_EQ(e->ret, (long)pid);
	}
	KEXPECT_EQ(proc_kill(pid), 0);
	KEXPECT_EQ(ktest_wait_user(pid), -1);
}

/* A call of the process blocks in a syscall thread (a read of an empty
 * pipe, counted), and a getpid at a higher index was posted without the
 * counter: flexsc_wait must run it, not sleep until the read ends (its
 * look for uncounted posts was skipped while any call was in flight; the
 * fuzzer's FlexSC child posts so). The process ends the read after 3 s:
 * status 1 if the getpid ran only then. */
KTEST(flexsc_wait_runs_an_uncounted_post_behind_a_blocked_call)
{
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "uncounted"), 0);
	flexsc_pool_settle();
	u64 before = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "uncounted"), 0);
	flexsc_pool_settle();
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* A call that runs long without sleeping (process A's 64 MiB read of
 * /dev/zero) held its core's poller: every other process's entries waited
 * for it. Now a tick hands polling over to a spare: process B's 50 FlexSC
 * calls complete while A's read is still running (its entry BUSY). */
KTEST(flexsc_long_call_hands_polling_over)
{
	u64 before = READ_ONCE(long_handovers);
	int a = ktest_spawn_user("uflexsc_life", "long");
	KEXPECT(a > 0);
	struct flexsc_entry *busy = 0;
	struct flexsc_ctx *actx = 0;
	for (int t = 0; t < 500 && !busy; t++) {
		spin_lock(&flexsc_lock);
		list_for_each(n, &registered) {
			struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
			for (int i = 0; ctx->proc->pid == a && !busy && i < FLEXSC_ENTRIES_PER_PAGE; i++) {
				struct flexsc_entry *e = &ctx->pages[0]->entry[i];
				if (READ_ONCE(e->status) == FLEXSC_BUSY && READ_ONCE(e->sysnum) == SYS_read) {
					busy = e;
					actx = ctx;
					ctx->inflight++; /* as a hold: A's exit waits before it frees the page */
				}
			}
		}
		spin_unlock(&flexsc_lock);
		if (!busy)
			sleep_ns(10000000);
	}
	KEXPECT(busy != 0);
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "served"), 0);
	if (busy) {
		KEXPECT_EQ(__atomic_load_n(&busy->status, __ATOMIC_ACQUIRE), (u32)FLEXSC_BUSY);
		spin_lock(&flexsc_lock);
		if (--actx->inflight == 0 && actx->dead)
			waitq_wake_all(&actx->let_go);
		spin_unlock(&flexsc_lock);
	}
	if (!inline_mode) /* inline, A's read runs in A's own context: nobody's poller waits for it */
		KEXPECT(READ_ONCE(long_handovers) > before);
	KEXPECT_EQ(ktest_wait_user(a), 0);
	flexsc_pool_settle();
}

/* The registered ctx of process pid, held as a syscall thread holds it
 * (its teardown waits for unhold_ctx), once it registers: at most 2 s;
 * NULL if not. */
static struct flexsc_ctx *hold_ctx(int pid)
{
	for (int t = 0; t < 200; t++) {
		struct flexsc_ctx *found = 0;
		spin_lock(&flexsc_lock);
		list_for_each(n, &registered) {
			struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
			if (ctx->proc->pid == pid) {
				found = ctx;
				ctx->inflight++;
			}
		}
		spin_unlock(&flexsc_lock);
		if (found)
			return found;
		sleep_ns(10000000);
	}
	return 0;
}

static void unhold_ctx(struct flexsc_ctx *ctx)
{
	spin_lock(&flexsc_lock);
	if (--ctx->inflight == 0 && ctx->dead)
		waitq_wake_all(&ctx->let_go);
	spin_unlock(&flexsc_lock);
}

/* Wait (up to 2 s) until every core's poller sleeps or is parked. */
static void pollers_asleep(void)
{
	for (int t = 0; t < 200; t++) {
		bool asleep = true;
		spin_lock(&flexsc_lock);
		for (int c = 0; c < ncores; c++)
			asleep &= cores[c].sleeping || READ_ONCE(cores[c].parked);
		spin_unlock(&flexsc_lock);
		if (asleep)
			return;
		sleep_ns(10000000);
	}
}

/* Whether a syscall thread runs a call for p now. */
static bool worker_serves(struct proc *p)
{
	bool any = false;
	spin_lock(&flexsc_lock);
	for (int c = 0; c < ncores; c++)
		for (int i = 0; i < FLEXSC_MAX_THREADS_PER_CPU; i++) {
			struct thread *t = cores[c].workers[i].thread;
			any |= t && READ_ONCE(t->proc) == p;
		}
	spin_unlock(&flexsc_lock);
	return any;
}

/* How many of ctx's first page's entries are sysnum nr with status st. */
static int entries_in(struct flexsc_ctx *ctx, u16 nr, u32 st)
{
	int n = 0;
	for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++) {
		struct flexsc_entry *e = &ctx->pages[0]->entry[i];
		n += READ_ONCE(e->sysnum) == nr && __atomic_load_n(&e->status, __ATOMIC_ACQUIRE) == st;
	}
	return n;
}

/* Issue 10, inline single-core mode: a batch whose first call waits (a
 * pipe read whose write is a later entry; a sleep before getpids) must not
 * hold the rest back: the waiter stops at it and hands the rest to the
 * poller. Without that the read's waiter never sees its write run (a hang:
 * killed after 5 s here), or the getpids complete after the sleep (5).
 * Every mode runs it. */
KTEST(flexsc_batch_whose_first_call_waits)
{
	int pid = ktest_spawn_user("uflexsc_life", "first-waits");
	KEXPECT(pid > 0);
	struct flexsc_ctx *ctx = hold_ctx(pid);
	KEXPECT(ctx != 0);
	int t = 0;
	while (ctx && !READ_ONCE(ctx->dead) && t++ < 500)
		sleep_ns(10000000);
	if (ctx && !READ_ONCE(ctx->dead)) {
		ktest_fail(__FILE__, __LINE__, "pid %d still runs its batch after 5 s", pid);
		proc_kill(pid);
	}
	if (ctx)
		unhold_ctx(ctx);
	KEXPECT_EQ(ktest_wait_user(pid), 0);
}

/* Issue 10, inline single-core mode: a call the waiter runs itself that
 * sleeps anyway (an lseek on a file whose mutex the test holds) hands the
 * rest of the batch to the poller (the getpids complete while it sleeps),
 * and a kill while it sleeps ends the process once the call returns: the
 * machine goes on, and free pages and heap bytes come back. With a
 * syscall core (or switch mode) a syscall thread sleeps instead and a
 * spare runs the getpids: the same holds. */
KTEST(flexsc_kill_while_a_batch_call_sleeps)
{
	struct file *f = 0;
	KEXPECT_EQ(vfs_open("/inline_lseek", O_CREAT | O_RDWR, &f), 0);
	if (!f)
		return;
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "lseek"), 0); /* warm, and it works unhindered */
	flexsc_pool_settle();
	u64 before = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	mutex_lock(&f->ip->lock);
	pollers_asleep(); /* no poller about to run on its own: only a hand-over makes the getpids run */
	int pid = ktest_spawn_user("uflexsc_life", "lseek");
	KEXPECT(pid > 0);
	struct flexsc_ctx *ctx = hold_ctx(pid);
	KEXPECT(ctx != 0);
	bool rest_ran = false;
	for (int t = 0; ctx && t < 200 && !rest_ran; t++) {
		rest_ran = entries_in(ctx, SYS_lseek, FLEXSC_BUSY) == 1 && entries_in(ctx, SYS_getpid, FLEXSC_DONE) == 2;
		if (!rest_ran)
			sleep_ns(10000000);
	}
	KEXPECT(rest_ran);
	/* Who sleeps in the lseek: the waiter inline, else a syscall thread. */
	if (ctx && rest_ran)
		KEXPECT_EQ(worker_serves(ctx->proc), !inline_mode);
	KEXPECT_EQ(proc_kill(pid), 0);
	sleep_ns(20000000);
	if (ctx) {
		if (inline_mode) /* its waiter sleeps in the lseek: the kill waits for it */
			KEXPECT(!READ_ONCE(ctx->dead));
		unhold_ctx(ctx);
	}
	mutex_unlock(&f->ip->lock);
	KEXPECT_EQ(ktest_wait_user(pid), -1);
	flexsc_pool_settle();
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
	file_close(f);
	KEXPECT_EQ(vfs_unlink("/inline_lseek"), 0);
}

/* Take free pages, in runs as large as the allocator gives, until only
 * leave are left; returns the list (each run's first words: next, length)
 * for give_back. */
static paddr_t take_memory(u64 leave, paddr_t list)
{
	u64 n = pmm_free_pages();
	while (pmm_free_pages() > leave) {
		n = MIN(n, pmm_free_pages() - leave);
		paddr_t p = pmm_alloc_contig(n);
		if (!p) {
			n = MAX(n / 2, 1ul);
			continue;
		}
		u64 *run = phys_to_virt(p);
		run[0] = list;
		run[1] = n;
		list = p;
	}
	return list;
}

static void give_back(paddr_t list)
{
	while (list) {
		u64 *run = phys_to_virt(list);
		paddr_t p = list;
		list = run[0];
		pmm_free_contig(p, run[1]);
	}
}

/* Issue 8 item 3: flexsc_register failing for lack of memory freed pages
 * it left mapped. The kernel leaves the process n free pages, for n = 0..23,
 * while it registers 16 pages: every way of running out, mid-way included. */
KTEST(flexsc_register_out_of_memory)
{
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "oom"), 0); /* warm */
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	paddr_t reserve = take_memory(256, 0); /* most of it, once: the rest per round */
	int enomem = 0;
	for (u64 n = 0; n < 24; n++) {
		int pid = ktest_spawn_user("uflexsc_life", "oom");
		KEXPECT(pid > 0);
		sleep_ns(10000000); /* it sleeps 30 ms before registering */
		paddr_t held = take_memory(n, 0);
		int st = ktest_wait_user(pid);
		give_back(held);
		if (st != 0 && st != 1)
			ktest_fail(__FILE__, __LINE__, "%lu pages left: status %d (2: a freed page still mapped)", n, st);
		enomem += st == 1;
	}
	give_back(reserve);
	KEXPECT(enomem > 0);
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "oom"), 0); /* and it works again */
	expect_reclaimed(before, heap);
}
