/*
 * FlexSC-Threads: M:N user-level threads on the process's one kernel thread.
 *
 * The scheduler runs on the stack of uthread_run's caller. A thread gives up
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

#define MXCSR_DEFAULT 0x1f80 /* all exceptions masked, round to nearest */
#define FCW_DEFAULT 0x037f   /* the same for x87, extended precision */

enum uthread_state {
	READY,      /* on the ready queue */
	RUNNING,
	IN_SYSCALL, /* on the in_syscall list, its call posted */
	ENTRY_WAIT, /* on entry_waiters: no syscall entry was free */
	BLOCKED,    /* on a mutex, or joining */
	FINISHED,   /* its stack freed, waiting to be joined */
};

struct uthread {
	void *sp;                   /* saved stack pointer, while switched out */
	void *stack;                /* base of its stack */
	enum uthread_state state;
	void *(*fn)(void *);
	void *arg;
	void *ret;                  /* fn's result */
	struct uthread *next;       /* link on whichever queue it is on */
	struct uthread *joiner;     /* the thread in uthread_join on it */
	struct flexsc_entry *entry; /* its call, while IN_SYSCALL */
};

void uthread_switch(void **save_sp, void *load_sp);

static struct uthread *current;           /* the running thread, NULL in the scheduler */
static void *sched_sp;                    /* the scheduler's, while a thread runs */
static bool scheduling;                   /* inside uthread_run */
static struct uthread_queue ready;
static struct uthread_queue entry_waiters;
static struct uthread *in_syscall;        /* unordered list */
static int nlive;                         /* created and not finished */
static bool poll_due;                     /* a thread yielded: poll calls in flight */

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

static void make_ready(struct uthread *t)
{
	t->state = READY;
	enqueue(&ready, t);
}

/* Switches from the current thread, its state set and queued by the caller,
 * to the scheduler. Returns when the scheduler runs it again. */
static void suspend(void)
{
	uthread_switch(&current->sp, sched_sp);
}

/* Where a new thread starts, on its own stack. */
__attribute__((noreturn)) static void thread_start(void)
{
	uthread_exit(current->fn(current->arg));
}

/* Creates a thread running fn(arg), ready to run under uthread_run (called
 * in a thread or before). Returns it, to be joined, or NULL if out of
 * memory. */
struct uthread *uthread_create(void *(*fn)(void *), void *arg)
{
	struct uthread *t = calloc(1, sizeof(*t));
	uint64_t *sp;

	if (!t)
		return NULL;
	t->stack = malloc(UTHREAD_STACK_SIZE);
	if (!t->stack) {
		free(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	/* The frame uthread_switch pops (see uthread_switch.S). Its ret enters
	 * thread_start with rsp as a call leaves it, 8 below a multiple of 16;
	 * the null return address above ends backtraces. */
	sp = (uint64_t *)((char *)t->stack + UTHREAD_STACK_SIZE);
	*--sp = 0;
	*--sp = (uintptr_t)thread_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp rbx r12 r13 r14 r15 */
	*--sp = MXCSR_DEFAULT | (uint64_t)FCW_DEFAULT << 32;
	t->sp = sp;
	nlive++;
	make_ready(t);
	return t;
}

/* Ends the calling thread with result ret; outside threads, ends the
 * process with exit status ret. */
void uthread_exit(void *ret)
{
	if (!current)
		exit((int)(long)ret);
	current->ret = ret;
	current->state = FINISHED;
	if (current->joiner)
		make_ready(current->joiner);
	suspend();
	__builtin_unreachable();
}

/* Waits for thread t to finish, stores its result in *ret (if ret) and frees
 * it. Returns 0, or -EINVAL if t is the caller, is already being joined, or
 * has not finished and the caller is not a thread. */
int uthread_join(struct uthread *t, void **ret)
{
	if (t == current || t->joiner)
		return -EINVAL;
	if (t->state != FINISHED) {
		if (!current)
			return -EINVAL;
		t->joiner = current;
		current->state = BLOCKED;
		suspend();
	}
	if (ret)
		*ret = t->ret;
	free(t);
	return 0;
}

/* Lets the other ready threads run first; a no-op outside threads. */
void uthread_yield(void)
{
	if (!current)
		return;
	poll_due = true;
	make_ready(current);
	suspend();
}

/* Returns the calling thread, or NULL outside threads. */
struct uthread *uthread_self(void)
{
	return current;
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
	if (!m->locked) {
		m->locked = 1;
		return;
	}
	current->state = BLOCKED;
	enqueue(&m->waiters, current);
	suspend();
	/* uthread_mutex_unlock handed m to us, still locked. */
}

/* Unlocks m, or hands it to its first waiter. */
void uthread_mutex_unlock(struct uthread_mutex *m)
{
	struct uthread *t = dequeue(&m->waiters);

	if (t)
		make_ready(t);
	else
		m->locked = 0;
}

/* flexsc_park for threads: parks the caller until its call in entry e is
 * DONE (e NULL: until an entry is free) while other threads run. */
static bool park(struct flexsc_entry *e)
{
	if (!current)
		return false;
	if (e) {
		current->state = IN_SYSCALL;
		current->entry = e;
		current->next = in_syscall;
		in_syscall = current;
	} else {
		current->state = ENTRY_WAIT;
		enqueue(&entry_waiters, current);
	}
	suspend();
	return true;
}

/* Makes ready every thread whose call is DONE. Returns how many. */
static int poll_syscalls(void)
{
	struct uthread **pp = &in_syscall, *t;
	int n = 0;

	while ((t = *pp)) {
		if (flexsc_done(t->entry)) {
			*pp = t->next;
			make_ready(t);
			n++;
		} else {
			pp = &t->next;
		}
	}
	return n;
}

/* With no thread ready and calls in flight: spins polling them, then sleeps
 * in flexsc_wait, until one is DONE. */
static void wait_syscalls(void)
{
	for (unsigned int i = 0; i < flexsc_spin; i++) {
		if (poll_syscalls())
			return;
		__asm__ volatile("pause");
	}
	while (!poll_syscalls())
		flexsc_wait_any();
}

/*
 * Runs main_fn(arg) as a thread and schedules it and every thread it creates
 * until all have finished; stores main_fn's result in *ret (if ret). Returns
 * 0; -EINVAL if called from a thread; -ENOMEM; or -EBUSY if the threads left
 * are all blocked on each other, which are then abandoned.
 */
int uthread_run(void *(*main_fn)(void *), void *arg, void **ret)
{
	bool (*saved_park)(struct flexsc_entry *e) = flexsc_park;
	struct uthread *main_thread, *t;
	int err = 0;

	if (scheduling)
		return -EINVAL;
	main_thread = uthread_create(main_fn, arg);
	if (!main_thread)
		return -ENOMEM;
	scheduling = true;
	flexsc_park = park;
	while (nlive > 0) {
		for (int n = flexsc_nfree(); n > 0 && entry_waiters.head; n--)
			make_ready(dequeue(&entry_waiters));
		if (in_syscall && (poll_due || !ready.head)) {
			flexsc_flush(); /* the calls posted since the last look: one batch */
			poll_due = false;
			if (!poll_syscalls() && !ready.head)
				wait_syscalls();
		}
		t = dequeue(&ready);
		if (!t) {
			/* Deadlock: abandon them, so that a later run starts clean. */
			entry_waiters = (struct uthread_queue){ NULL, NULL };
			nlive = 0;
			err = -EBUSY;
			break;
		}
		current = t;
		t->state = RUNNING;
		uthread_switch(&sched_sp, t->sp);
		current = NULL;
		if (t->state == FINISHED) {
			/* Off its stack at last: free it. */
			free(t->stack);
			nlive--;
		}
	}
	flexsc_park = saved_park;
	scheduling = false;
	if (!err)
		uthread_join(main_thread, ret);
	return err;
}
