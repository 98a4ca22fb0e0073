/*
 * Exception-less system calls, kernel side (protocol in abi/flexsc.h).
 *
 * Each syscall core runs FLEXSC_THREADS_PER_CPU syscall threads, pinned to
 * it. One of them, the core's active thread, polls every registered page;
 * the others are spares. When the active thread blocks inside a call
 * (console read, sleep, wait), a spare becomes active and goes on polling,
 * as in FlexSC; the blocked call finishes later on its own thread.
 *
 *      process (user)              syscall core
 *   +-------------------+      +--------------------------+
 *   | write args        |      | active thread: scan pages|
 *   | SUBMITTED (rel)   | ---> | CAS SUBMITTED->BUSY (acq)|
 *   | mfence; doorbell? |      | copy args; switch CR3    |
 *   | ... other work    |      | syscall_run() (same table|
 *   | DONE? (acq)       | <--- |  and checks as traps)    |
 *   +-------------------+      | ret; DONE (rel); wake    |
 *                              +--------------------------+
 *
 * Idle policy: a core that finds no work for flexsc.poll_us sets
 * need_wakeup in each registered process's first page, fences, scans once
 * more and sleeps; flexsc_wake() (a trap, made only when the flag is seen)
 * wakes it.
 *
 * Single-core mode (one CPU, or flexsc.cores=none): the syscall threads
 * share CPU 0 with processes and never poll. Entries wait in the pages until
 * their process calls flexsc_wait() or is preempted; then the syscall
 * threads run them (a blocked call still hands over to a spare), as in
 * FlexSC's single-core mode. need_wakeup stays clear: posting never traps.
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
	int inflight;              /* syscall threads running an entry or holding its CR3 */
	u64 seen_seq;              /* submit_seq at the last scan (flexsc_lock) */
	volatile u32 waiting;      /* the process sleeps in flexsc_wait (see run_entry) */
	bool dead;                 /* the process is exiting: claim nothing more */
	bool garbage_reported;
	struct spinlock lock;      /* done_wait's condition */
	struct waitq done_wait;    /* flexsc_wait() and teardown sleep here */
	struct list node;          /* registered */
};

struct flexsc_core;

/* One syscall thread. It keeps the address space of the process it served
 * last loaded (a CR3 write flushes the TLB, dearly under emulation), and
 * holds a count on that process's ctx meanwhile, so an exit waits until it
 * lets go: at its next pass, before it sleeps, or when a call blocks. */
struct flexsc_worker {
	struct flexsc_core *core;
	struct thread *thread;
	struct flexsc_ctx *held;   /* ctx whose address space is loaded, or NULL */
	bool full_scan;            /* ignore submit_seq: look at every entry */
};

struct flexsc_core {
	int cpu;
	struct flexsc_worker workers[FLEXSC_THREADS_PER_CPU];
	struct thread *active;     /* the one polling now */
	bool sleeping;             /* the active thread sleeps on doorbell */
	struct waitq doorbell;     /* the idle active thread */
	struct waitq spares;       /* threads that are neither active nor in a call */
};

static struct spinlock flexsc_lock = SPINLOCK_INIT("flexsc"); /* registered, cores' state */
static struct list registered = LIST_INIT(registered);
static struct flexsc_core cores[MAX_CPUS];
static int ncores;
static u64 core_mask;
static u64 poll_ns;
static bool shared_mode;   /* single-core mode: no CPU reserved */

u64 flexsc_cpu_mask(void)
{
	return core_mask;
}

/* Copy the request out of the page, check it, run it for ctx's process in
 * its address space, publish the result. The entry is BUSY and ours. */
static void run_entry(struct flexsc_ctx *ctx, struct flexsc_entry *e)
{
	u16 nr = READ_ONCE(e->sysnum), nargs = READ_ONCE(e->nargs);
	u64 a[6];
	for (int i = 0; i < 6; i++)
		a[i] = i < nargs ? READ_ONCE(e->args[i]) : 0;
	long ret;
	if (nargs > 6)
		ret = -EINVAL;
	else if (nr == SYS_exit || nr == SYS_flexsc_register || nr == SYS_flexsc_wait || nr == SYS_flexsc_wake)
		ret = -EINVAL; /* these only make sense trapping, from the process itself */
	else
		ret = syscall_run(nr, a);
	e->ret = ret;
	__atomic_store_n(&e->status, FLEXSC_DONE, __ATOMIC_RELEASE);
	/* Store DONE, fence, load waiting; flexsc_wait stores waiting, fences,
	 * then looks for DONE: one of us sees the other, so the lock is only
	 * taken when someone may sleep. */
	mfence();
	if (READ_ONCE(ctx->waiting)) {
		spin_lock(&ctx->lock);
		waitq_wake_all(&ctx->done_wait);
		spin_unlock(&ctx->lock);
	}
}

/* Claim the SUBMITTED entry at or after *pos in ctx (advancing *pos), or
 * return NULL at the end. Garbage statuses are skipped and reported once
 * per process. */
static struct flexsc_entry *claim(struct flexsc_ctx *ctx, u32 *pos)
{
	for (; *pos < ctx->npages * FLEXSC_ENTRIES_PER_PAGE; (*pos)++) {
		u32 pg = *pos / FLEXSC_ENTRIES_PER_PAGE, i = *pos % FLEXSC_ENTRIES_PER_PAGE;
		struct flexsc_entry *e = &ctx->pages[pg]->entry[i];
		u32 st = __atomic_load_n(&e->status, __ATOMIC_RELAXED);
		if (st == FLEXSC_SUBMITTED) {
			u32 want = FLEXSC_SUBMITTED;
			if (__atomic_compare_exchange_n(&e->status, &want, FLEXSC_BUSY, false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				(*pos)++;
				return e;
			}
		} else if (st > FLEXSC_DONE && !ctx->garbage_reported) {
			ctx->garbage_reported = true;
			kprintf("[pid %d %s] flexsc: entry %u of page %u has garbage status 0x%x: ignored\n",
				ctx->proc->pid, ctx->proc->name, i, pg, st);
		}
	}
	return 0;
}

/* Let go of the held ctx (flexsc_lock held): kernel tables again. */
static void unhold(struct flexsc_worker *w)
{
	struct flexsc_ctx *ctx = w->held;
	if (!ctx)
		return;
	w->held = 0;
	w->thread->as = 0;
	as_switch(0);
	if (--ctx->inflight == 0 && ctx->dead) {
		spin_lock(&ctx->lock);
		waitq_wake_all(&ctx->done_wait);
		spin_unlock(&ctx->lock);
	}
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

/* One pass over every registered process: claim and run what is there.
 * Returns how many entries ran. */
static int scan_once(struct flexsc_worker *w)
{
	struct thread *me = w->thread;
	struct flexsc_core *core = w->core;
	int ran = 0;
	spin_lock(&flexsc_lock);
	if (w->held && w->held->dead)
		unhold(w);
	list_for_each(n, &registered) {
		struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
		struct flexsc_entry *e;
		u32 pos = 0;
		u64 seq = __atomic_load_n(&ctx->pages[0]->header.submit_seq, __ATOMIC_ACQUIRE);
		u64 want = seq - ctx->seen_seq; /* entries the user says it posted */
		if (!w->full_scan && !want)
			continue;
		ctx->seen_seq = seq;
		while (!ctx->dead && READ_ONCE(core->active) == me && (w->full_scan || want) &&
		       (e = claim(ctx, &pos))) {
			simmark_idle_end();
			if (want)
				want--;
			hold(w, ctx);
			spin_unlock(&flexsc_lock);
			me->proc = ctx->proc;
			me->flexsc_worker = true;
			run_entry(ctx, e);
			me->flexsc_worker = false;
			me->proc = 0;
			spin_lock(&flexsc_lock);
			ran++;
		}
		if (READ_ONCE(core->active) != me)
			break; /* we blocked in a call and a spare took over */
	}
	if (READ_ONCE(core->active) != me)
		unhold(w); /* off to be a spare */
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

static bool any_submitted(void)
{
	list_for_each(n, &registered) {
		struct flexsc_ctx *ctx = container_of(n, struct flexsc_ctx, node);
		for (u32 pg = 0; pg < ctx->npages; pg++)
			for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++)
				if (__atomic_load_n(&ctx->pages[pg]->entry[i].status, __ATOMIC_RELAXED) == FLEXSC_SUBMITTED)
					return true;
	}
	return false;
}

static void syscall_thread(void *arg)
{
	struct flexsc_worker *w = arg;
	struct flexsc_core *core = w->core;
	struct thread *me = current_thread();
	u64 idle_since = ktime_ns();
	for (;;) {
		if (READ_ONCE(core->active) != me) {
			spin_lock(&flexsc_lock);
			while (READ_ONCE(core->active) != me) {
				if (!READ_ONCE(core->active)) {
					WRITE_ONCE(core->active, me); /* the active one blocked in a call */
					break;
				}
				waitq_sleep(&core->spares, &flexsc_lock);
			}
			spin_unlock(&flexsc_lock);
		}

		if (scan_once(w)) {
			idle_since = ktime_ns();
			continue;
		}
		if (ktime_ns() - idle_since < poll_ns) {
			simmark_idle_begin();
			cpu_relax();
			continue; /* kernel preemption lets others on this CPU run */
		}
		/* Before sleeping, one pass over every entry: the counter is only a
		 * hint, and an entry posted without it must still run. */
		simmark_idle_end();
		w->full_scan = true;
		int ran = scan_once(w);
		w->full_scan = false;
		if (ran) {
			idle_since = ktime_ns();
			continue;
		}
		/* Sleep: flag, full fence, look again, then sleep on the doorbell. */
		spin_lock(&flexsc_lock);
		/* sleeping before need_wakeup: a user who sees the flag then
		 * finds sleeping set, and flexsc_wake's lock-free check holds. */
		WRITE_ONCE(core->sleeping, true);
		if (!shared_mode)
			set_need_wakeup(1);
		mfence();
		if (!any_submitted() && READ_ONCE(core->active) == me) {
			unhold(w);
			waitq_sleep(&core->doorbell, &flexsc_lock);
		}
		core->sleeping = false;
		set_need_wakeup(0);
		spin_unlock(&flexsc_lock);
		idle_since = ktime_ns();
	}
}

/* Called (wait queue lock held) when a syscall thread is about to block in
 * a call: hand polling to a spare, which exists unless all are in calls. */
void flexsc_worker_blocking(struct thread *t)
{
	struct flexsc_core *core = &cores[0];
	for (int c = 0; c < ncores; c++)
		if (cores[c].cpu == t->cpu)
			core = &cores[c];
	/* Runs under the sleeper's wait-queue lock, so flexsc_lock can't be
	 * taken here: active is only ever handed over with single stores. */
	if (READ_ONCE(core->active) != t)
		return;
	WRITE_ONCE(core->active, 0); /* the first spare to look takes it */
	waitq_wake_one(&core->spares);
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
	if (shared_mode)
		poll_ns = 0;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		if (!(mask >> cpu & 1) && !(shared_mode && cpu == 0))
			continue;
		struct flexsc_core *core = &cores[ncores];
		core->cpu = cpu;
		waitq_init(&core->doorbell);
		waitq_init(&core->spares);
		for (int i = 0; i < FLEXSC_THREADS_PER_CPU; i++) {
			struct flexsc_worker *w = &core->workers[i];
			char name[16];
			snprintf(name, sizeof(name), "flexsc%d.%d", cpu, i);
			w->core = core;
			w->thread = kthread_create(name, syscall_thread, w, cpu);
			if (!w->thread)
				panic("flexsc: no memory for syscall threads");
		}
		ncores++;
		if (!shared_mode)
			core_mask |= 1ul << cpu;
	}
	for (int c = 0; c < ncores; c++)
		for (int i = 0; i < FLEXSC_THREADS_PER_CPU; i++)
			thread_make_runnable(cores[c].workers[i].thread);
	if (!shared_mode)
		kprintf("flexsc: syscall threads on CPUs 0x%lx, %d per core, poll %lu us\n", core_mask,
			FLEXSC_THREADS_PER_CPU, boot_opts.flexsc_poll_us);
	else
		kprintf("flexsc: no syscall core: single-core mode, %d syscall threads on CPU 0 run entries "
			"when their process waits or is preempted\n", FLEXSC_THREADS_PER_CPU);
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
	long r = 0;
	for (u64 i = 0; i < npages && !r; i++) {
		paddr_t pa = pmm_alloc();
		if (!pa) {
			r = -ENOMEM;
			break;
		}
		ctx->pages[ctx->npages++] = phys_to_virt(pa);
		r = vm_map_page(p->as, USER_FLEXSC_BASE + i * PAGE_SIZE, pa, VM_WRITE);
	}
	if (r) {
		for (u32 i = 0; i < ctx->npages; i++)
			pmm_free(virt_to_phys(ctx->pages[i]));
		kfree(ctx);
		return r; /* the pages mapped so far are not owned: exit leaves them */
	}
	ctx->pages[0]->header.npages = npages;
	spin_lock(&flexsc_lock);
	p->flexsc = ctx;
	list_add_tail(&registered, &ctx->node);
	spin_unlock(&flexsc_lock);
	return USER_FLEXSC_BASE;
}

static bool any_done_or_pending(struct flexsc_ctx *ctx, bool *pending)
{
	*pending = false;
	for (u32 pg = 0; pg < ctx->npages; pg++)
		for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++) {
			u32 st = __atomic_load_n(&ctx->pages[pg]->entry[i].status, __ATOMIC_ACQUIRE);
			if (st == FLEXSC_DONE)
				return true;
			if (st == FLEXSC_SUBMITTED || st == FLEXSC_BUSY)
				*pending = true;
		}
	return false;
}

long flexsc_wait(struct proc *p)
{
	struct flexsc_ctx *ctx = p->flexsc;
	if (!ctx)
		return -EINVAL;
	flexsc_wake(p); /* make sure someone is polling for what we wait on */
	long r = 0;
	spin_lock(&ctx->lock);
	WRITE_ONCE(ctx->waiting, 1);
	mfence(); /* see run_entry */
	for (;;) {
		bool pending;
		if (any_done_or_pending(ctx, &pending) || !pending)
			break;
		if (!waitq_sleep(&ctx->done_wait, &ctx->lock)) {
			r = -EINTR;
			break;
		}
	}
	WRITE_ONCE(ctx->waiting, 0);
	spin_unlock(&ctx->lock);
	return r;
}

long flexsc_wake(struct proc *p)
{
	if (!p->flexsc)
		return -EINVAL;
	bool any = false;
	for (int c = 0; c < ncores; c++)
		any |= READ_ONCE(cores[c].sleeping);
	if (!any)
		return 0; /* every core polls: stay off the lock its poller takes */
	spin_lock(&flexsc_lock);
	for (int c = 0; c < ncores; c++) {
		if (cores[c].sleeping) {
			cores[c].sleeping = false;
			waitq_wake_all(&cores[c].doorbell);
		}
	}
	set_need_wakeup(0);
	spin_unlock(&flexsc_lock);
	return 0;
}

void flexsc_preempted(struct proc *p)
{
	if (shared_mode && p->flexsc)
		flexsc_wake(p);
}

/* Kill: syscall threads blocked in a call for p give up (-EINTR). */
void flexsc_interrupt(struct proc *p)
{
	spin_lock(&flexsc_lock);
	for (int c = 0; c < ncores; c++)
		for (int i = 0; i < FLEXSC_THREADS_PER_CPU; i++) {
			struct thread *t = cores[c].workers[i].thread;
			if (t->proc == p && t->state == T_SLEEPING)
				thread_interrupt(t);
		}
	spin_unlock(&flexsc_lock);
}

void flexsc_release(struct proc *p)
{
	struct flexsc_ctx *ctx = p->flexsc;
	if (!ctx)
		return;
	spin_lock(&flexsc_lock);
	ctx->dead = true;
	list_del(&ctx->node);
	spin_unlock(&flexsc_lock);
	flexsc_interrupt(p);
	spin_lock(&flexsc_lock);
	while (ctx->inflight) {
		spin_unlock(&flexsc_lock);
		sleep_ns(1000000); /* a call in flight finishes or sees the kill */
		flexsc_interrupt(p);
		spin_lock(&flexsc_lock);
	}
	spin_unlock(&flexsc_lock);
	p->flexsc = 0;
	for (u32 i = 0; i < ctx->npages; i++)
		pmm_free(virt_to_phys(ctx->pages[i]));
	kfree(ctx);
}

KTEST(flexsc_user_suite)
{
	KEXPECT_EQ(ktest_run_user("utest_flexsc", 0), 0);
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
