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
	bool switch_direct;         /* ... by schedule_to: the run-queue lock is not held */
	struct thread *fpu_owner;   /* the user thread whose FPU state and data selectors the registers hold */
	u64 fpu_saves;              /* user FPU states saved by this CPU (test) */
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

/* Where every switch lands, run by the thread switched to; irq_was_on is
 * its own interrupt state from before it switched away. A switch by
 * schedule_to holds no lock and leaves interrupts off: only the previous
 * thread's on_cpu is left to clear. */
static void switched_in(bool irq_was_on)
{
	struct runqueue *rq = this_rq();
	if (rq->switch_direct) {
		__atomic_store_n(&rq->switch_prev->on_cpu, false, __ATOMIC_RELEASE);
		if (irq_was_on)
			irq_enable();
		return;
	}
	this_cpu()->irq_was_on = irq_was_on;
	finish_switch();
}

/* First thing a new thread runs (from thread_entry). */
void thread_started(void)
{
	switched_in(true);
}

/* The user state the kernel never touches (x87/SSE/AVX registers, DS, ES,
 * FS, GS) changes hands lazily: the registers keep the last user thread's
 * (rq->fpu_owner) until another user thread runs on this CPU, so a switch
 * to a kernel thread (a syscall thread, the idle thread) and back to the
 * same user thread saves and restores nothing. The owner's state is saved
 * before it can run elsewhere (it moved to another CPU) and dropped when it
 * ended (its struct may be freed). Interrupts off. */
static void switch_user_state(struct runqueue *rq, struct thread *cur, struct thread *next)
{
	struct thread *owner = rq->fpu_owner;
	if (owner == cur && (cur->state == T_DEAD || cur->cpu != this_cpu()->id)) {
		if (cur->state != T_DEAD) {
			fpu_save(cur->fpu);
			user_segs_save(cur->useg);
			rq->fpu_saves++;
		}
		rq->fpu_owner = owner = 0;
	}
	if (next->user && owner != next) {
		if (owner) {
			fpu_save(owner->fpu);
			user_segs_save(owner->useg);
			rq->fpu_saves++;
		}
		fpu_restore(next->fpu);
		user_segs_load(next->useg);
		rq->fpu_owner = next;
	}
}

/* Give up the CPU to the run queue's next thread (or keep it if there is
 * none and cur stays runnable); cur's state is already set. */
void schedule(void)
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
	struct thread *next = dequeue(rq);
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
	switch_user_state(rq, cur, next);
	rq->switch_prev = cur;
	rq->switch_direct = false;
	switch_stack(&cur->saved_rsp, next->saved_rsp);
	/* Back on this thread, maybe on another CPU: the interrupt state that
	 * releasing the run-queue lock restores is its own, not the previous
	 * thread's. */
	switched_in(irq_was_on);
}

/* A hand-off: switch straight to t, which sleeps on this CPU, with no run
 * queue and no lock. The caller has interrupts off, holds no lock, has set
 * its own state (T_SLEEPING: whoever took it from where it published its
 * sleep wakes it) and took t from where t published its sleep, which makes
 * it t's only waker but for a kill or a stray thread_interrupt: the state
 * changes by compare-and-swap, so one of them wins. Returns false at once,
 * without switching, when t is not asleep on this CPU (woken otherwise);
 * true once something switched back to the caller. No timer tick: t runs
 * on the caller's time slice, and a preemption due stays due. */
bool schedule_to(struct thread *t)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	struct thread *cur = c->current;
	enum thread_state sleeping = T_SLEEPING;
	if (t->cpu != c->id || READ_ONCE(t->queued) ||
	    !__atomic_compare_exchange_n(&t->state, &sleeping, T_RUNNING, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	t->on_cpu = true;
	c->current = t;
	if (t->user) {
		/* A kernel thread never enters ring 3: its stack top and the
		 * killed byte only matter when a user thread runs. The byte is
		 * only set here (a kill stores killed, then sets every byte; a
		 * stale one costs one pass through syscall_work). */
		cpu_set_stack(c, t->kstack_top);
		if (t->proc->killed)
			c->killed = true;
	}
	as_switch(t->proc ? t->proc->as : t->as);
	/* cur sleeps on this CPU, neither ended nor moved: only t's side of
	 * switch_user_state can have work. */
	if (t->user && rq->fpu_owner != t)
		switch_user_state(rq, cur, t);
	rq->switch_prev = cur;
	rq->switch_direct = true;
	switch_stack(&cur->saved_rsp, t->saved_rsp);
	switched_in(false);
	return true;
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
	enum thread_state sleeping = T_SLEEPING;
	/* A compare-and-swap: schedule_to takes sleepers without this lock. */
	if (__atomic_compare_exchange_n(&t->state, &sleeping, T_RUNNABLE, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
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

/* Two processes on one CPU, each holding its own x87, SSE and AVX values
 * in the registers across FlexSC waits (hand-offs to the syscall thread in
 * single-core mode), calls that switch to the other process inside the
 * syscall thread, and preemption: each reads back its own values. */
KTEST(fpu_state_stays_with_its_process)
{
	int a = ktest_spawn_user("ufpu", "1");
	int b = ktest_spawn_user("ufpu", "2");
	KEXPECT_EQ(ktest_wait_user(a), 0);
	KEXPECT_EQ(ktest_wait_user(b), 0);
}

static u64 fpu_saves(void)
{
	u64 n = 0;
	for (int c = 0; c < ncpus; c++)
		n += READ_ONCE(rqs[c].fpu_saves);
	return n;
}

/* Issue 10: in single-core mode a FlexSC wait switches to the syscall
 * thread and back without saving the process's FPU state (each wait saved
 * it, 832 bytes by xsave). "served" waits 50 times, alone on the CPU but
 * for kernel threads. */
KTEST(flexsc_wait_saves_no_fpu_state)
{
	u64 before = fpu_saves();
	KEXPECT_EQ(ktest_run_user("uflexsc_life", "served"), 0);
	if (ncpus == 1)
		KEXPECT(fpu_saves() - before < 25);
}
