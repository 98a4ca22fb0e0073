/*
 * FlexSC-Threads: M:N user-level threads, on one kernel thread (uthread_run)
 * or on one kernel thread per user core (uthread_run_cores).
 *
 * The scheduler runs on the stack of uthread_run's caller (of the core's
 * kernel thread). A thread gives up
 * the CPU by switching back to it (yield, mutex, join, a system call in
 * flight under PATH_FLEXSC), and the scheduler picks the next ready thread.
 * Calls in flight are polled only when no thread is ready (or after a
 * yield): threads run until all have posted their calls, which the kernel's
 * syscall threads then work through as a batch, as in the paper.
 */
#include "uthread.h"
#include "flexsc.h"
#include "libc.h"
#include "sys.h"
#include "thread.h"

#define MXCSR_DEFAULT 0x1f80 /* all exceptions masked, round to nearest */
#define FCW_DEFAULT 0x037f   /* the same for x87, extended precision */

/*
 * A thread is running, or on one of its scheduler's queues: ready, the
 * in_syscall list (its call posted), entry_waiters (no syscall entry was
 * free), a mutex's waiters; or blocked joining, or finished. Only the last
 * is recorded: nothing else asks. The fields every call touches come first.
 */
struct uthread {
	void *sp;                   /* saved stack pointer, while switched out */
	struct uthread *next;       /* link on whichever queue it is on */
	struct flexsc_entry *entry; /* its call, while on in_syscall; else the
				     * FREE entry it keeps for its next call,
				     * or NULL (give_entry) */
	bool finished;              /* its stack freed, waiting to be joined */
	void *stack;                /* base of its stack */
	void *(*fn)(void *);
	void *arg;
	void *ret;                  /* fn's result */
	struct uthread *joiner;     /* the thread in uthread_join on it */
};

void uthread_switch(void **save_sp, void *load_sp);

/* One kernel thread's scheduler: uthread_run's is `one`; each user core of
 * uthread_run_cores has its own, found from the stack (core_self). */
struct sched {
	struct uthread *current;          /* the running thread, NULL in the scheduler */
	void *sched_sp;                   /* the scheduler's, while a thread runs */
	bool scheduling;                  /* inside the run loop */
	struct uthread_queue ready;
	struct uthread_queue entry_waiters;
	struct uthread_queue in_syscall;  /* calls in flight, in posting order */
	int nlive;                        /* created and not finished */
	/* A user core's own (uthread_run_cores): */
	int id;                           /* 0..ncores-1 */
	int cpu;                          /* pinned to */
	struct flexsc_entry **free;       /* its FREE syscall entries, a stack */
	int nfree;
	int held_back;                    /* posted, not yet submitted */
	void *(*main_fn)(void *);
	void *arg, *ret;
	int err;
	int tid;
	void *stack;                      /* its kernel thread's, from malloc */
};

static struct sched one;
static bool cores_on; /* inside uthread_run_cores: every stack starts with its sched */

/* A user core's threads and its kernel thread run on stacks of
 * UTHREAD_STACK_SIZE aligned to their size, whose lowest word points to the
 * core's sched. */
_Static_assert((UTHREAD_STACK_SIZE & (UTHREAD_STACK_SIZE - 1)) == 0, "stack size a power of 2");

/* The calling kernel thread's scheduler. */
static inline struct sched *sched_self(void)
{
	char here;

	if (__builtin_expect(!cores_on, 1))
		return &one;
	return *(struct sched **)((uintptr_t)&here & ~(uintptr_t)(UTHREAD_STACK_SIZE - 1));
}

/* Allocates a stack for a thread of s; stores its top in *top. Returns what
 * to free, or NULL if out of memory. */
static void *stack_alloc(struct sched *s, char **top)
{
	char *raw, *base;

	if (s == &one) {
		raw = malloc(UTHREAD_STACK_SIZE);
		*top = raw + UTHREAD_STACK_SIZE;
		return raw;
	}
	raw = malloc(2 * UTHREAD_STACK_SIZE);
	if (!raw)
		return NULL;
	base = (char *)(((uintptr_t)raw + UTHREAD_STACK_SIZE - 1) & ~(uintptr_t)(UTHREAD_STACK_SIZE - 1));
	*(struct sched **)base = s;
	*top = base + UTHREAD_STACK_SIZE;
	return raw;
}

static void enqueue(struct uthread_queue *q, struct uthread *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static struct uthread *dequeue(struct uthread_queue *q)
{
	struct uthread *t = q->head;

	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
	}
	return t;
}

static void make_ready(struct sched *s, struct uthread *t)
{
	enqueue(&s->ready, t);
}

/* Gives the FREE entry thread t keeps, if any, back to s's free entries.
 * A thread keeps the entry of its last call for its next one (no pop and
 * push per call) and gives it back when another thread waits for one, and
 * before it blocks other than in a call, yields or ends: an entry kept by a
 * thread that waits could be the one another thread waits for. */
static void give_entry(struct sched *s, struct uthread *t)
{
	struct flexsc_entry *e = t->entry;

	if (!e)
		return;
	t->entry = NULL;
	if (s == &one)
		flexsc_give(e);
	else
		s->free[s->nfree++] = e;
}

/* Switches from s's current thread, its wake-up arranged by the caller,
 * to the scheduler. Returns when the scheduler runs it again. */
static void suspend(struct sched *s)
{
	uthread_switch(&s->current->sp, s->sched_sp);
}

/* Switches from s's current thread t, queued by the
 * caller, straight to the next ready thread, or to the scheduler when none
 * is: one switch per parked call while threads are ready.
 * Returns when t runs again. */
static inline void switch_out(struct sched *s, struct uthread *t)
{
	struct uthread *n = dequeue(&s->ready);

	if (!n) {
		uthread_switch(&t->sp, s->sched_sp);
		return;
	}
	s->current = n;
	uthread_switch(&t->sp, n->sp);
}

/* Where a new thread starts, on its own stack. */
__attribute__((noreturn)) static void thread_start(void)
{
	struct uthread *t = sched_self()->current;

	uthread_exit(t->fn(t->arg));
}

/* Creates a thread of s running fn(arg), ready to run. Returns it, or NULL
 * if out of memory. */
static struct uthread *create_on(struct sched *s, void *(*fn)(void *), void *arg)
{
	struct uthread *t = calloc(1, sizeof(*t));
	uint64_t *sp;
	char *top;

	if (!t)
		return NULL;
	t->stack = stack_alloc(s, &top);
	if (!t->stack) {
		free(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	/* The frame uthread_switch pops (see uthread_switch.S). Its ret enters
	 * thread_start with rsp as a call leaves it, 8 below a multiple of 16;
	 * the null return address above ends backtraces. */
	sp = (uint64_t *)top;
	*--sp = 0;
	*--sp = (uintptr_t)thread_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp rbx r12 r13 r14 r15 */
	*--sp = MXCSR_DEFAULT | (uint64_t)FCW_DEFAULT << 32;
	t->sp = sp;
	s->nlive++;
	make_ready(s, t);
	return t;
}

/* Creates a thread running fn(arg), ready to run under uthread_run (called
 * in a thread or before) or on the calling thread's user core. Returns it,
 * to be joined, or NULL if out of memory. */
struct uthread *uthread_create(void *(*fn)(void *), void *arg)
{
	return create_on(sched_self(), fn, arg);
}

/* Ends the calling thread with result ret; outside threads, ends the
 * process with exit status ret. */
void uthread_exit(void *ret)
{
	struct sched *s = sched_self();

	if (!s->current)
		exit((int)(long)ret);
	give_entry(s, s->current);
	s->current->ret = ret;
	s->current->finished = true;
	if (s->current->joiner)
		make_ready(s, s->current->joiner);
	suspend(s);
	__builtin_unreachable();
}

/* uthread_join for a thread of s. */
static int join_on(struct sched *s, struct uthread *t, void **ret)
{
	if (t == s->current || t->joiner)
		return -EINVAL;
	if (!t->finished) {
		if (!s->current)
			return -EINVAL;
		t->joiner = s->current;
		give_entry(s, s->current);
		suspend(s);
	}
	if (ret)
		*ret = t->ret;
	free(t);
	return 0;
}

/* Waits for thread t (of the caller's core) to finish, stores its result in
 * *ret (if ret) and frees it. Returns 0, or -EINVAL if t is the caller, is
 * already being joined, or has not finished and the caller is not a thread. */
int uthread_join(struct uthread *t, void **ret)
{
	return join_on(sched_self(), t, ret);
}

static inline void flush(struct sched *s);
static int poll_syscalls(struct sched *s);

/* Lets the other ready threads run first, and those whose calls are DONE
 * (a yielder is always ready, so the scheduler would not look); a no-op
 * outside threads. */
void uthread_yield(void)
{
	struct sched *s = sched_self();

	if (!s->current)
		return;
	give_entry(s, s->current);
	make_ready(s, s->current);
	if (s->in_syscall.head) {
		flush(s);
		poll_syscalls(s);
	}
	suspend(s);
}

/* Returns the calling thread, or NULL outside threads. */
struct uthread *uthread_self(void)
{
	return sched_self()->current;
}

/* Returns the caller's user core under uthread_run_cores, else 0. */
int uthread_core(void)
{
	return sched_self()->id;
}

/* Makes m an unlocked mutex. */
void uthread_mutex_init(struct uthread_mutex *m)
{
	*m = (struct uthread_mutex)UTHREAD_MUTEX_INITIALIZER;
}

/* Locks m, waiting in line behind earlier callers if it is held. Waiting
 * needs a thread: locking a held mutex outside threads is an error. */
void uthread_mutex_lock(struct uthread_mutex *m)
{
	struct sched *s;

	if (!m->locked) {
		m->locked = 1;
		return;
	}
	s = sched_self();
	give_entry(s, s->current);
	enqueue(&m->waiters, s->current);
	suspend(s);
	/* uthread_mutex_unlock handed m to us, still locked. */
}

/* Unlocks m, or hands it to its first waiter. */
void uthread_mutex_unlock(struct uthread_mutex *m)
{
	struct uthread *t = dequeue(&m->waiters);

	if (t)
		make_ready(sched_self(), t);
	else
		m->locked = 0;
}

/* Parks s's current thread, which gives back the entry it keeps, until its
 * call in entry e (not its own: flexsc.c's) is DONE (e NULL: until an
 * entry is free) while other threads run. */
static void park_on(struct sched *s, struct flexsc_entry *e)
{
	struct uthread *t = s->current;

	give_entry(s, t);
	if (e) {
		t->entry = e;
		enqueue(&s->in_syscall, t);
	} else {
		enqueue(&s->entry_waiters, t);
	}
	switch_out(s, t);
	t->entry = NULL;
}

/* flexsc_park for threads of uthread_run. */
static bool park(struct flexsc_entry *e)
{
	if (!one.current)
		return false;
	park_on(&one, e);
	return true;
}

/* Parks s's current thread until one of s's entries is free. */
static __attribute__((noinline)) void wait_entry(struct sched *s)
{
	while (s == &one ? flexsc_nfree_top == 0 : s->nfree == 0)
		park_on(s, NULL);
}

/* thread_call's way when s has no free entry: parks the caller until one
 * is, then makes the call through the stub hook. */
static __attribute__((noinline)) long call_when_free(struct sched *s, long nr, long a1, long a2, long a3,
						       long a4, long a5, long a6)
{
	wait_entry(s);
	return syscall_flexsc_hook(nr, a1, a2, a3, a4, a5, a6);
}

/*
 * The PATH_FLEXSC stub hook under uthread_run (s is &one: the process's
 * free entries and flexsc_flush's count) and uthread_run_cores (a core's
 * own): posts call nr to a FREE entry, held back for the scheduler's next
 * submission, and runs the next ready thread until the call is DONE. Outside
 * threads, uthread_run's caller calls through flexsc_call and a core's
 * scheduler traps.
 */
static inline __attribute__((always_inline)) long thread_call(struct sched *s, long nr, long a1, long a2,
								long a3, long a4, long a5, long a6)
{
	struct uthread *t = s->current;
	struct flexsc_entry *e;
	long ret;

	if (!t)
		return s == &one ? flexsc_call(nr, a1, a2, a3, a4, a5, a6) :
				   syscall_syscall(nr, a1, a2, a3, a4, a5, a6);
	if (__builtin_expect((unsigned long)nr >= FLEXSC_SYSNUMS, 0))
		return -ENOSYS;
	e = t->entry;
	if (__builtin_expect(!e, 0)) {
		if (s == &one ? flexsc_nfree_top == 0 : s->nfree == 0)
			return call_when_free(s, nr, a1, a2, a3, a4, a5, a6);
		e = s == &one ? flexsc_free[--flexsc_nfree_top] : s->free[--s->nfree];
		t->entry = e;
	}
	/* All six arguments, from the registers they came in, whatever nr
	 * takes (the kernel reads as many as its table says): six stores to
	 * the entry's line cost fewer instructions than a jump on the count. */
	e->args[0] = a1;
	e->args[1] = a2;
	e->args[2] = a3;
	e->args[3] = a4;
	e->args[4] = a5;
	e->args[5] = a6;
	flexsc_publish(e, nr);
	if (s == &one)
		flexsc_held_back++;
	else
		s->held_back++;
	/* park_on(s, e), inlined: only a poll takes t off in_syscall, once
	 * its acquire load saw e DONE, so e->ret is ready when t runs. */
	enqueue(&s->in_syscall, t);
	switch_out(s, t);
	ret = e->ret;
	/* Release keeps the read of ret before the entry can be reused. */
	__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	if (__builtin_expect(s->entry_waiters.head != NULL, 0))
		give_entry(s, t);
	return ret;
}

static long one_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return thread_call(&one, nr, a1, a2, a3, a4, a5, a6);
}

/* Makes ready every thread of s whose call is DONE. Returns how many. */
static int poll_syscalls(struct sched *s)
{
	struct uthread **pp = &s->in_syscall.head, *t, *kept = NULL;
	int n = 0;

	while ((t = *pp)) {
		if (flexsc_done(t->entry)) {
			*pp = t->next;
			make_ready(s, t);
			n++;
		} else {
			kept = t;
			pp = &t->next;
		}
	}
	s->in_syscall.tail = kept;
	return n;
}

/*
 * Makes ready the threads at the front of s's in_syscall queue whose calls
 * are DONE, up to the first that is not, in one splice. Returns how many.
 * The kernel mostly completes in the order calls were posted, so this finds
 * most completions without a look at each call in flight; it may miss one
 * completed out of order, so a caller that finds none spins looking at them
 * all (wait_syscalls), and a yield polls them all.
 */
static int poll_front(struct sched *s)
{
	struct uthread *first = s->in_syscall.head, *t = first, *last = NULL;
	int n = 0;

	for (; t && flexsc_done(t->entry); t = t->next, n++)
		last = t;
	if (!n)
		return 0;
	s->in_syscall.head = t;
	if (!t)
		s->in_syscall.tail = NULL;
	last->next = NULL;
	if (s->ready.tail)
		s->ready.tail->next = first;
	else
		s->ready.head = first;
	s->ready.tail = last;
	return n;
}

unsigned long uthread_spin_ns = 2000000;

/* Rounds of the spin per pause and look at the clock. */
#define SPIN_PAUSE_EVERY 8

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/* How long the scheduler spins on its calls before it sleeps, in TSC
 * cycles: uthread_spin_ns, or 0 where flexsc_spin is 0 (single-core mode:
 * nothing completes while this core spins). */
static uint64_t spin_budget(void)
{
	static uint64_t tsc_khz;
	struct sysinfo si;

	if (!tsc_khz)
		tsc_khz = syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0 ? si.tsc_hz / 1000 : 1;
	return flexsc_spin ? tsc_khz * uthread_spin_ns / 1000000 : 0;
}

/*
 * With no thread ready and calls in flight: spins polling them, then sleeps
 * in flexsc_wait (for this kernel thread only), until one is DONE. The spin
 * is bounded in time (budget, TSC cycles from spin_budget: uthread_spin_ns,
 * as long as a syscall core polls before it sleeps by default:
 * flexsc.poll_us), not in rounds, whose cost
 * differs a hundredfold between CPUs and emulators: a round is a look at
 * each call in flight (not poll_front's: rounds that cost less make the
 * pauses more frequent, and under TCG more pauses starve the syscall core's
 * vCPU), and a pause and a look at the clock come once per
 * SPIN_PAUSE_EVERY rounds (under TCG a pause leaves the translated code
 * and takes QEMU's global lock; under icount's round robin it is where the
 * syscall core's vCPU gets its turn).
 */
static void wait_syscalls(struct sched *s, uint64_t budget)
{
	uint64_t until = 0;
	int ready = 0;

	flexsc_spin_begin();
	for (unsigned int i = 0; budget && !(ready = poll_syscalls(s)); i++) {
		if (i % SPIN_PAUSE_EVERY == 0) {
			uint64_t now = rdtsc();

			if (!until)
				until = now + budget;
			else if ((int64_t)(now - until) > 0)
				break;
			__asm__ volatile("pause");
		}
	}
	flexsc_spin_end();
	if (ready)
		return;
	while (!poll_syscalls(s)) {
		if (s == &one) {
			flexsc_wait_any();
		} else {
			__atomic_fetch_add(&flexsc_stats.waits, 1, __ATOMIC_RELAXED);
			syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0);
		}
	}
}

/* Submits the calls s's threads posted since the last look, as one batch. */
static inline void flush(struct sched *s)
{
	if (s == &one) {
		flexsc_flush();
	} else if (s->held_back) {
		flexsc_submit_shared(s->held_back);
		s->held_back = 0;
	}
}

/*
 * Schedules s's threads until all have finished. Returns 0, or -EBUSY if
 * the threads left are all blocked on each other, which are then abandoned.
 * Inlined: for uthread_run, s is the constant &one.
 */
static inline __attribute__((always_inline)) int run(struct sched *s)
{
	struct uthread *t;
	int err = 0;
	uint64_t budget = spin_budget(); /* wait_syscalls's, once per run */

	s->scheduling = true;
	while (s->nlive > 0) {
		if (s->entry_waiters.head)
			for (int n = s == &one ? flexsc_nfree() : s->nfree; n > 0 && s->entry_waiters.head; n--)
				make_ready(s, dequeue(&s->entry_waiters));
		if (s->in_syscall.head && !s->ready.head) {
			flush(s); /* the calls posted since the last look: one batch */
			if (!poll_front(s))
				wait_syscalls(s, budget);
		}
		t = dequeue(&s->ready);
		if (!t) {
			/* Deadlock: abandon them, so that a later run starts clean. */
			s->entry_waiters = (struct uthread_queue){ NULL, NULL };
			s->nlive = 0;
			err = -EBUSY;
			break;
		}
		s->current = t;
		uthread_switch(&s->sched_sp, t->sp);
		/* Threads switch among themselves: the one back here may be
		 * another. */
		t = s->current;
		s->current = NULL;
		if (t->finished) {
			/* Off its stack at last: free it. */
			free(t->stack);
			s->nlive--;
		}
	}
	s->scheduling = false;
	return err;
}

/*
 * Runs main_fn(arg) as a thread and schedules it and every thread it creates
 * until all have finished; stores main_fn's result in *ret (if ret). Returns
 * 0; -EINVAL if called from a thread or under uthread_run_cores; -ENOMEM; or
 * -EBUSY if the threads left are all blocked on each other, which are then
 * abandoned.
 */
int uthread_run(void *(*main_fn)(void *), void *arg, void **ret)
{
	bool (*saved_park)(struct flexsc_entry *e) = flexsc_park;
	long (*hook)(long, long, long, long, long, long, long) = syscall_flexsc_hook;
	struct uthread *main_thread;
	int err;

	if (one.scheduling || cores_on)
		return -EINVAL;
	main_thread = create_on(&one, main_fn, arg);
	if (!main_thread)
		return -ENOMEM;
	flexsc_park = park;
	if (hook)
		syscall_flexsc_hook = one_call;
	err = run(&one);
	syscall_flexsc_hook = hook;
	flexsc_park = saved_park;
	if (!err)
		join_on(&one, main_thread, ret);
	return err;
}

/* ---- user cores: one kernel thread each ---- */

static long core_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return thread_call(sched_self(), nr, a1, a2, a3, a4, a5, a6);
}

/* A user core's kernel thread: pins itself, runs main_fn(arg) and the
 * threads it creates, and ends. */
__attribute__((noreturn)) static void core_entry(struct sched *s)
{
	struct uthread *m;

	s->err = (int)syscall_syscall(SYS_setaffinity, 0, (long)(1ul << s->cpu), 0, 0, 0, 0);
	if (!s->err) {
		m = create_on(s, s->main_fn, s->arg);
		s->err = m ? run(s) : -ENOMEM;
		if (!s->err)
			join_on(s, m, &s->ret);
	}
	syscall_syscall(SYS_thread_exit, 0, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

/*
 * Runs ncores (1..UTHREAD_MAX_CORES) user cores, each a kernel thread of
 * this process pinned to a CPU of its own (the CPUs running no syscall
 * threads, in turn; all CPUs if every one does) that runs main_fn(arg) as a
 * thread and schedules it and every thread it creates, as uthread_run does.
 * Under PATH_FLEXSC each core posts to its own share of the free syscall
 * entries. Threads stay on the core that created them; a uthread_mutex is
 * for the threads of one core, and while the cores run the caller's other
 * kernel threads must not use the uthread calls or the PATH_FLEXSC stubs
 * (their stacks hold no core). Stores core i's main_fn result in rets[i]
 * (if rets). Returns 0, or the first core's error (as uthread_run's), or
 * -EINVAL if ncores is out of range, called from a thread or with fewer
 * free syscall entries than cores.
 */
int uthread_run_cores(int ncores, void *(*main_fn)(void *), void *arg, void **rets)
{
	static struct sched cores[UTHREAD_MAX_CORES];
	long (*hook)(long, long, long, long, long, long, long) = syscall_flexsc_hook;
	int per = flexsc_nfree() / (ncores > 0 ? ncores : 1), cpus[64] = { 0 }, ncpus = 0, started = 0, err = 0;
	struct sysinfo si;

	if (ncores < 1 || ncores > UTHREAD_MAX_CORES || one.scheduling || cores_on || (hook && per == 0))
		return -EINVAL;
	if (syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) < 0)
		return -EINVAL;
	for (unsigned int c = 0; c < si.ncpus && c < 64; c++)
		if (!(si.flexsc_cpus >> c & 1))
			cpus[ncpus++] = (int)c;
	for (unsigned int c = 0; ncpus == 0 && c < si.ncpus && c < 64; c++)
		cpus[ncpus++] = (int)c;
	for (int i = 0; i < ncores; i++) {
		struct sched *s = &cores[i];

		*s = (struct sched){ .id = i, .cpu = ncpus ? cpus[i % ncpus] : 0, .main_fn = main_fn, .arg = arg };
		if (!hook)
			continue;
		s->free = malloc((size_t)per * sizeof(*s->free));
		if (!s->free) {
			err = -ENOMEM;
			ncores = i;
			break;
		}
		while (s->nfree < per)
			s->free[s->nfree++] = flexsc_take();
	}
	cores_on = true;
	if (hook)
		syscall_flexsc_hook = core_call;
	for (; !err && started < ncores; started++) {
		struct sched *s = &cores[started];
		char *top;
		long r;

		s->stack = stack_alloc(s, &top);
		if (!s->stack) {
			err = -ENOMEM;
			break;
		}
		/* A null return address, 8 below a multiple of 16: the stack as
		 * a call leaves it on entry to core_entry. */
		*(uint64_t *)(top -= 8) = 0;
		r = syscall_syscall(SYS_thread_create, (long)core_entry, (long)top, (long)s, 0, 0, 0);
		if (r < 0) {
			free(s->stack);
			err = (int)r;
			break;
		}
		s->tid = (int)r;
	}
	for (int i = 0; i < started; i++) {
		syscall_syscall(SYS_thread_join, cores[i].tid, 0, 0, 0, 0, 0);
		free(cores[i].stack);
		if (!err)
			err = cores[i].err;
		if (rets)
			rets[i] = cores[i].ret;
	}
	syscall_flexsc_hook = hook;
	cores_on = false;
	for (int i = 0; i < ncores; i++) {
		while (cores[i].nfree > 0)
			flexsc_give(cores[i].free[--cores[i].nfree]);
		free(cores[i].free);
	}
	return err;
}
