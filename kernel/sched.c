/* Per-CPU run queues, preemption on timer ticks, sleeping on wait queues.
 *
 * A thread belongs to one CPU's run queue (t->cpu). A wakeup from another CPU
 * enqueues it there and sends that CPU an IPI. A thread may be made runnable
 * while still switching away (t->on_cpu); the CPU that picks it waits for
 * on_cpu to clear before running it, so it never runs on two stacks. */
#include "test.h"
#include "sched.h"
#include "proc.h"
#include "mm.h"
#include "panic.h"
#include "console.h"
#include "time.h"
#include "trap.h"
#include "vm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trapframe.h"
#include "flexsc.h"

struct runqueue {
	struct spinlock lock;
	struct list ready;
	struct thread *idle;
	struct thread *switch_prev; /* the thread this CPU is switching away from */
	u64 nready;
};

static struct runqueue rqs[MAX_CPUS];
static struct thread idle_threads[MAX_CPUS];
static struct spinlock timer_lock = SPINLOCK_INIT("timers");
static struct list timers = LIST_INIT(timers);

void switch_stack(u64 *save_rsp, u64 new_rsp);
void thread_entry(void);

static struct runqueue *this_rq(void) { return &rqs[this_cpu()->id]; }

static void enqueue(struct runqueue *rq, struct thread *t)
{
	if (!t->queued && t != rq->idle) {
		list_add_tail(&rq->ready, &t->rq_node);
		t->queued = true;
		rq->nready++;
	}
}

static struct thread *dequeue(struct runqueue *rq)
{
	if (list_empty(&rq->ready))
		return rq->idle;
	struct thread *t = container_of(rq->ready.next, struct thread, rq_node);
	list_del(&t->rq_node);
	t->queued = false;
	rq->nready--;
	return t;
}

/* Make the calling CPU's boot context (the stack it runs on now) into its
 * idle thread, idle_threads[id], and set up its run queue. */
void sched_init_cpu(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = this_rq();
	struct thread *t = &idle_threads[c->id];
	spin_init(&rq->lock, "runqueue");
	list_init(&rq->ready);
	t->state = T_RUNNING;
	t->on_cpu = true;
	t->cpu = c->id;
	t->affinity = 1ul << c->id;
	snprintf(t->name, sizeof(t->name), "idle%d", c->id);
	rq->idle = t;
	c->current = t;
}

/* Put runnable t on its CPU's run queue and tell that CPU. */
static void enqueue_on(struct thread *t)
{
	struct runqueue *rq = &rqs[t->cpu];
	spin_lock(&rq->lock);
	enqueue(rq, t);
	cpus[t->cpu].resched = true;
	int target = t->cpu;
	spin_unlock(&rq->lock);
	if (target != this_cpu()->id)
		lapic_send_ipi(cpus[target].apic_id, VEC_IPI_WAKE);
}

/* Second half of every switch, run by the thread switched to. */
static void finish_switch(void)
{
	struct runqueue *rq = this_rq();
	struct thread *prev = rq->switch_prev;
	struct cpu *c = this_cpu();
	/* The killed byte of the work word, for the thread switched to: cleared,
	 * then set again if its process was killed (see sched_note_kill). */
	c->killed = false;
	mfence();
	if (c->current->proc && c->current->proc->killed)
		c->killed = true;
	bool free_prev = prev->state == T_DEAD && (!prev->user || prev->reap_on_switch);
	bool moved = prev->state == T_RUNNABLE && prev->cpu != this_cpu()->id;
	/* A user thread that ended and waits to be joined (or for its process
	 * to be reaped) needs no stack: we are off it. Taken before on_cpu
	 * clears, so that whoever frees the thread finds it gone. */
	void *dead_stack = 0;
	if (prev->state == T_DEAD && prev->user && !prev->reap_on_switch) {
		dead_stack = prev->kstack;
		prev->kstack = 0;
	}
	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	spin_unlock(&rq->lock);
	kfree(dead_stack);
	if (moved)
		enqueue_on(prev); /* sched_set_affinity moved it: its new CPU runs it */
	if (free_prev && prev->user)
		proc_free_orphan(prev);
	else if (free_prev)
		thread_free(prev);
}

/* First thing a new thread runs (from thread_entry). */
void thread_started(void)
{
	this_cpu()->irq_was_on = true;
	finish_switch();
}

void schedule(void)
{
	schedule_to(0);
}

/* schedule(), but straight to t when t is asleep on this CPU: a hand-off
 * that skips the run queue. Otherwise (t NULL, or a wakeup or a kill got
 * to it first) the run queue's next. The caller owns t's wakeup: it took t
 * from wherever t published its sleep, with interrupts off since, so t
 * cannot have moved on to another sleep. */
void schedule_to(struct thread *t)
{
	/* No preemption between choosing this CPU's queue and locking it: one
	 * in between can move a thread whose affinity just changed to another
	 * CPU, which would then lock and run this one's queue. */
	irq_push();
	struct cpu *c = this_cpu();
	struct runqueue *rq = this_rq();
	struct thread *cur = c->current;
	spin_lock(&rq->lock);
	irq_pop();
	bool irq_was_on = c->irq_was_on;
	c->resched = false;
	if (cur->state == T_RUNNING) {
		cur->state = T_RUNNABLE;
		if (cur->cpu == c->id)
			enqueue(rq, cur); /* else finish_switch hands it to its new CPU */
	}
	struct thread *next = t && t->state == T_SLEEPING && t->cpu == c->id && !t->queued ? t : dequeue(rq);
	next->state = T_RUNNING;
	next->slice_end = c->ticks + SCHED_SLICE_TICKS;
	if (next == cur) {
		spin_unlock(&rq->lock);
		return;
	}
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	next->on_cpu = true;
	c->current = next;
	cpu_set_stack(c, next->kstack_top);
	as_switch(next->proc ? next->proc->as : next->as);
	/* User code may use SSE and AVX and load its own data selectors; the
	 * kernel never does, so that state only changes hands here. */
	if (cur->user) {
		fpu_save(cur->fpu);
		user_segs_save(cur->useg);
	}
	if (next->user) {
		fpu_restore(next->fpu);
		user_segs_load(next->useg);
	}
	rq->switch_prev = cur;
	switch_stack(&cur->saved_rsp, next->saved_rsp);
	/* Back on this thread, maybe on another CPU: the interrupt state that
	 * releasing the run-queue lock restores is its own, not the previous
	 * thread's. */
	this_cpu()->irq_was_on = irq_was_on;
	finish_switch();
}

void sched_yield(void)
{
	schedule();
}

bool sched_need_resched(void)
{
	return this_cpu()->resched;
}

void sched_note_kill(void)
{
	mfence(); /* the caller's store of killed before ours */
	for (int i = 0; i < MAX_CPUS; i++)
		cpus[i].killed = true;
}

void thread_make_runnable(struct thread *t)
{
	struct runqueue *rq = &rqs[t->cpu];
	spin_lock(&rq->lock);
	bool woke = false;
	if (t->state == T_SLEEPING) {
		t->state = T_RUNNABLE;
		enqueue(rq, t);
		cpus[t->cpu].resched = true;
		woke = true;
	}
	int target = t->cpu;
	spin_unlock(&rq->lock);
	if (woke && target != this_cpu()->id)
		lapic_send_ipi(cpus[target].apic_id, VEC_IPI_WAKE);
}

static void wake_expired_timers(void)
{
	u64 now = ktime_ns();
	spin_lock(&timer_lock);
	list_for_each_safe(n, tmp, &timers) {
		struct thread *t = container_of(n, struct thread, timer_node);
		if (t->wake_at_ns <= now) {
			list_del(&t->timer_node);
			thread_make_runnable(t);
		}
	}
	spin_unlock(&timer_lock);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = this_rq();
	c->ticks++;
	wake_expired_timers();
	if (READ_ONCE(rq->nready) && (c->current == rq->idle || c->ticks >= c->current->slice_end))
		c->resched = true;
}

/* Each CPU ends up here once it is set up; the loop is its idle thread. */
void sched_run_idle(void)
{
	struct runqueue *rq = this_rq();
	irq_enable();
	for (;;) {
		irq_disable();
		if (READ_ONCE(rq->nready)) {
			irq_enable();
			schedule();
		} else {
			irq_enable_and_halt();
		}
	}
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg, int cpu)
{
	struct thread *t = kmalloc(sizeof(*t));
	if (!t)
		return 0;
	t->kstack = kmalloc(KSTACK_SIZE);
	if (!t->kstack) {
		kfree(t);
		return 0;
	}
	t->kstack_top = (u64)t->kstack + KSTACK_SIZE;
	/* Room for a trapframe above the switch frame, for user threads. */
	struct switch_frame *sf = (struct switch_frame *)(t->kstack_top - TF_SIZE) - 1;
	memset(sf, 0, sizeof(*sf));
	sf->rip = (u64)thread_entry; /* switch_stack returns there */
	sf->rflags = RFLAGS_FIXED;   /* interrupts off until thread_started */
	sf->r12 = (u64)fn;           /* thread_entry's function and argument */
	sf->r13 = (u64)arg;
	t->saved_rsp = (u64)sf;
	fpu_init_state(t->fpu);
	memset(t->useg, 0, sizeof(t->useg));
	t->cpu = cpu < 0 ? this_cpu()->id : cpu;
	t->affinity = cpu < 0 ? ~0ul : 1ul << cpu;
	t->state = T_SLEEPING;
	list_init(&t->wait_node);
	list_init(&t->proc_node);
	list_init(&t->timer_node);
	strncpy0(t->name, name, sizeof(t->name));
	return t;
}

void thread_free(struct thread *t)
{
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	kfree(t->kstack);
	kfree(t);
}

int sched_set_affinity(struct thread *t, u64 mask)
{
	u64 online = ncpus >= 64 ? ~0ul : (1ul << ncpus) - 1;
	mask &= online;
	if (!mask)
		return -1;
	t->affinity = mask;
	if (!(mask >> t->cpu & 1)) {
		/* Move: the thread is the caller, so it is running here now. It
		 * stays T_RUNNING with its new CPU set: whichever schedule() takes
		 * it off this CPU first (this one, or a preemption before it)
		 * hands it to the new CPU's queue, so no window loses it. */
		struct runqueue *rq = &rqs[t->cpu];
		spin_lock(&rq->lock);
		t->cpu = __builtin_ctzl(mask);
		spin_unlock(&rq->lock);
		schedule();
	}
	return 0;
}

void thread_exit(void)
{
	struct thread *t = current_thread();
	irq_disable();
	t->state = T_DEAD;
	schedule();
	panic("thread_exit: dead thread ran");
}

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock, "waitq");
	list_init(&wq->sleepers);
}

bool thread_interrupted(struct thread *t)
{
	return t->proc && t->proc->killed;
}

/* The sleep behind every waitq_sleep*: kill_ends (false for teardown,
 * which must wait for its condition even in a killed process) says whether
 * a kill ends it. */
static bool sleep_on(struct waitq *wq, struct spinlock *lk, u64 ns, bool kill_ends)
{
	struct thread *t = current_thread();
	if (t->flexsc_worker)
		flexsc_worker_blocking(t); /* before wq->lock: it takes flexsc_lock */
	spin_lock(&wq->lock);
	if (kill_ends && thread_interrupted(t)) {
		spin_unlock(&wq->lock);
		return false;
	}
	t->state = T_SLEEPING;
	t->waiting_on = wq;
	list_add_tail(&wq->sleepers, &t->wait_node);
	/* A kill stores killed, then looks at our state and waiting_on
	 * (thread_interrupt); we store those, fence, and look at killed again:
	 * one of us sees the other, so a kill landing now is not lost. */
	mfence();
	bool wake_self = kill_ends && thread_interrupted(t);
	if (ns) {
		spin_lock(&timer_lock);
		t->wake_at_ns = ktime_ns() + ns;
		list_add_tail(&timers, &t->timer_node);
		spin_unlock(&timer_lock);
	}
	if (lk)
		spin_unlock(lk);
	spin_unlock(&wq->lock);
	if (wake_self)
		thread_make_runnable(t);
	schedule();
	spin_lock(&wq->lock);
	if (t->waiting_on == wq) {
		list_del(&t->wait_node);
		t->waiting_on = 0;
	}
	spin_unlock(&wq->lock);
	if (ns) {
		spin_lock(&timer_lock);
		list_del(&t->timer_node);
		spin_unlock(&timer_lock);
	}
	if (lk)
		spin_lock(lk);
	return !kill_ends || !thread_interrupted(t);
}

bool waitq_sleep_timeout(struct waitq *wq, struct spinlock *lk, u64 ns)
{
	return sleep_on(wq, lk, ns, true);
}

bool waitq_sleep(struct waitq *wq, struct spinlock *lk)
{
	return sleep_on(wq, lk, 0, true);
}

void waitq_sleep_unkillable(struct waitq *wq, struct spinlock *lk)
{
	sleep_on(wq, lk, 0, false);
}

static void wake_locked(struct waitq *wq, bool all)
{
	list_for_each_safe(n, tmp, &wq->sleepers) {
		struct thread *t = container_of(n, struct thread, wait_node);
		list_del(&t->wait_node);
		t->waiting_on = 0;
		thread_make_runnable(t);
		if (!all)
			break;
	}
}

void waitq_wake_all(struct waitq *wq)
{
	spin_lock(&wq->lock);
	wake_locked(wq, true);
	spin_unlock(&wq->lock);
}

void waitq_wake_one(struct waitq *wq)
{
	spin_lock(&wq->lock);
	wake_locked(wq, false);
	spin_unlock(&wq->lock);
}

int waitq_wake_matching(struct waitq *wq, bool (*match)(struct thread *t, void *arg), void *arg, int n)
{
	int woke = 0;
	spin_lock(&wq->lock);
	list_for_each_safe(it, tmp, &wq->sleepers) {
		if (woke >= n)
			break;
		struct thread *t = container_of(it, struct thread, wait_node);
		if (!match(t, arg))
			continue;
		list_del(&t->wait_node);
		t->waiting_on = 0;
		thread_make_runnable(t);
		woke++;
	}
	spin_unlock(&wq->lock);
	return woke;
}

void waitq_wake_thread(struct waitq *wq, struct thread *t)
{
	spin_lock(&wq->lock);
	if (t->waiting_on == wq) {
		list_del(&t->wait_node);
		t->waiting_on = 0;
		thread_make_runnable(t);
	}
	spin_unlock(&wq->lock);
}

void thread_interrupt(struct thread *t)
{
	mfence(); /* the caller's store of killed before our look (see sleep_on) */
	struct waitq *wq = READ_ONCE(t->waiting_on);
	if (wq) {
		spin_lock(&wq->lock);
		if (t->waiting_on == wq) {
			list_del(&t->wait_node);
			t->waiting_on = 0;
		}
		spin_unlock(&wq->lock);
	}
	thread_make_runnable(t);
}

/* Only the timer (or a kill) ends these sleeps. A static queue, not one on
 * the sleeper's stack: thread_interrupt may still be taking its lock after
 * the sleeper's timer fired and sleep_ns returned. */
static struct waitq timed_sleepers = WAITQ_INIT(timed_sleepers);

bool sleep_ns(u64 ns)
{
	return waitq_sleep_timeout(&timed_sleepers, 0, ns ? ns : 1);
}

/* Producer/consumer across CPUs through a wait queue: every item handed
 * over once, no wakeup lost. */
static struct spinlock pc_lock = SPINLOCK_INIT("pc");
static struct waitq pc_wait;
static int pc_items, pc_taken, pc_ran_on[MAX_CPUS];
#define PC_ITEMS 2000

static void pc_thread(void *arg, int cpu)
{
	(void)arg;
	pc_ran_on[cpu] = this_cpu()->id == cpu;
	spin_lock(&pc_lock);
	if (cpu == 0) {
		for (int i = 0; i < PC_ITEMS; i++) {
			pc_items++;
			waitq_wake_all(&pc_wait);
			spin_unlock(&pc_lock);
			if (i % 64 == 0)
				sched_yield();
			spin_lock(&pc_lock);
		}
	} else {
		while (pc_taken < PC_ITEMS) {
			while (!pc_items && pc_taken < PC_ITEMS)
				waitq_sleep_timeout(&pc_wait, &pc_lock, 1000000000);
			if (pc_items) {
				pc_items--;
				pc_taken++;
			}
		}
	}
	spin_unlock(&pc_lock);
}

KTEST_SMP(waitq_across_cpus)
{
	waitq_init(&pc_wait);
	pc_items = pc_taken = 0;
	ktest_on_each_cpu(pc_thread, 0);
	KEXPECT_EQ(pc_taken, PC_ITEMS);
	KEXPECT_EQ(pc_items, 0);
}

KTEST(every_cpu_online_runs_code)
{
	memset(pc_ran_on, 0, sizeof(pc_ran_on));
	waitq_init(&pc_wait);
	pc_items = pc_taken = PC_ITEMS;
	ktest_on_each_cpu(pc_thread, 0);
	for (int c = 0; c < ncpus; c++) {
		KEXPECT(cpus[c].online || c == 0);
		KEXPECT_EQ(pc_ran_on[c], 1);
	}
}

KTEST(timer_ticks_every_cpu)
{
	u64 before[MAX_CPUS];
	for (int c = 0; c < ncpus; c++)
		before[c] = cpus[c].ticks;
	sleep_ns(100000000); /* 100 ms = 10 ticks at TIMER_HZ 100 */
	for (int c = 0; c < ncpus; c++)
		KEXPECT(cpus[c].ticks >= before[c] + 3);
}

KTEST(sleep_ns_sleeps)
{
	u64 t0 = ktime_ns();
	KEXPECT(sleep_ns(30000000));
	KEXPECT(ktime_ns() - t0 >= 30000000);
}

static volatile int if_seen;

/* Yields with interrupts on, then records whether they still are. */
static void if_probe(void *arg)
{
	(void)arg;
	sched_yield();
	if_seen = (read_rflags() & RFLAGS_IF) != 0;
	thread_exit();
}

KTEST(schedule_keeps_each_threads_interrupt_state)
{
	if_seen = -1;
	struct thread *t = kthread_create("ifprobe", if_probe, 0, this_cpu()->id);
	KEXPECT(t);
	if (!t)
		return;
	thread_make_runnable(t);
	/* Switch to the probe with interrupts off: it must resume with its own
	 * (on), not ours, and we must come back with ours (off). */
	for (int i = 0; i < 1000 && if_seen < 0; i++) {
		irq_disable();
		sched_yield();
		KEXPECT(!(read_rflags() & RFLAGS_IF));
		irq_enable();
	}
	KEXPECT_EQ(if_seen, 1);
}

/* Threads on every CPU move between CPUs at once, many times: each lands
 * where it asked, none is lost (a lost one hangs the test). */
#define HOPS 500
static int hop_wrong[MAX_CPUS];

static void hop_thread(void *arg, int cpu)
{
	(void)arg;
	struct thread *me = current_thread();
	for (int i = 0; i < HOPS; i++) {
		int to = (cpu + i + 1) % ncpus;
		sched_set_affinity(me, 1ul << to);
		hop_wrong[cpu] += this_cpu()->id != to;
	}
}

KTEST_SMP(sched_set_affinity_moves_under_load)
{
	memset(hop_wrong, 0, sizeof(hop_wrong));
	ktest_on_each_cpu(hop_thread, 0);
	for (int c = 0; c < ncpus; c++)
		KEXPECT_EQ(hop_wrong[c], 0);
}
