/* Threads, per-CPU run queues with timer preemption, and wait queues. */
#ifndef SCHED_H
#define SCHED_H

#include "types.h"
#include "list.h"
#include "spinlock.h"
#include "arch/x86_64/layout.h"

enum thread_state { T_RUNNABLE, T_RUNNING, T_SLEEPING, T_DEAD };

struct proc;
struct waitq;
struct addrspace;
struct flexsc_worker;

struct thread {
	u8 fpu[FPU_AREA_SIZE] __attribute__((aligned(64))); /* user FPU state (xsave or fxsave) */
	u16 useg[4];             /* user DS, ES, FS, GS selectors while switched out */
	u64 saved_rsp;           /* while switched out */
	void *kstack;            /* KSTACK_SIZE bytes */
	u64 kstack_top;
	enum thread_state state;
	volatile bool on_cpu;    /* still running on (or switching away from) a CPU */
	bool queued;             /* on a run queue */
	int cpu;                 /* run queue it belongs to */
	u64 affinity;            /* allowed CPUs */
	u64 slice_end;           /* tick at which it should yield */
	bool user;               /* the thread of a process (has a ring-3 side) */
	bool reap_on_switch;     /* an orphan's: freed with its process once switched away */
	struct proc *proc;       /* process whose calls it runs: its own, or a syscall thread's client */
	struct addrspace *as;    /* kernel threads: the space to run in (NULL: kernel only) */
	struct list rq_node;
	struct list wait_node;
	struct waitq *waiting_on;
	u64 wake_at_ns;          /* sleep deadline, 0 = none */
	struct list timer_node;
	struct flexsc_worker *flexsc_worker; /* running a syscall page's call (a syscall thread, or a waiter inline): a sleep hands the rest over */
	/* A thread of a process (proc.c): */
	int tid;                 /* unique among live threads; a process's first thread's is its pid */
	int exit_status;         /* thread_exit's, once exited */
	bool exited;             /* ended by thread_exit: waits to be joined (proc_lock) */
	bool joining;            /* someone waits in thread_join for it (proc_lock) */
	struct list proc_node;   /* on its process's threads (proc_lock) */
	/* futex_wait (futex.c), under its bucket's lock: */
	struct proc *futex_proc; /* the process whose word it waits on, NULL if none */
	u64 futex_addr;          /* the user address of that word */
	bool futex_woken;        /* a futex_wake took it off the queue */
	u64 flexsc_waited;       /* its process's FlexSC completions when its flexsc_wait last returned */
	char name[16];
};

struct waitq {
	struct spinlock lock;
	struct list sleepers;
};

#define WAITQ_INIT(name) { SPINLOCK_INIT("waitq"), LIST_INIT((name).sleepers) }

void sched_init_cpu(void);      /* per CPU: its boot stack becomes its idle thread */
void __noreturn sched_run_idle(void); /* enter the scheduler on this CPU */
/* A kernel thread running fn(arg) on cpu (-1: this CPU). */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg, int cpu);
void thread_make_runnable(struct thread *t);
void schedule(void);            /* give up the CPU: state already set */
/* A hand-off straight to t, asleep on this CPU, with no run queue or lock
 * (interrupts off, no lock held, the caller's state set): false, and no
 * switch, if t was woken otherwise. */
bool schedule_to(struct thread *t);
void sched_yield(void);         /* stay runnable, let others go first */
void sched_tick(void);          /* timer interrupt */
bool sched_need_resched(void);
/* After storing a process's killed flag: set the killed byte of every CPU's
 * work word, so a fast system-call exit on whichever CPU runs it looks. */
void sched_note_kill(void);
int sched_set_affinity(struct thread *t, u64 mask);
void __noreturn thread_exit(void); /* the current kernel thread ends */
void thread_free(struct thread *t); /* a dead thread's stack and struct */

void waitq_init(struct waitq *wq);
/* Sleep on wq; lk (held, may be NULL) is dropped while asleep and retaken.
 * Returns false when woken by a kill rather than a wakeup. */
bool waitq_sleep(struct waitq *wq, struct spinlock *lk);
/* Like waitq_sleep, but returns after at most ns nanoseconds. */
bool waitq_sleep_timeout(struct waitq *wq, struct spinlock *lk, u64 ns);
/* Like waitq_sleep, but a kill does not end it (the caller re-checks its
 * condition after any wakeup): for teardown, which runs in a killed process. */
void waitq_sleep_unkillable(struct waitq *wq, struct spinlock *lk);
void waitq_wake_all(struct waitq *wq);
void waitq_wake_one(struct waitq *wq);
/* Wake up to n sleepers of wq for which match(t, arg) holds (called with
 * wq's lock held); returns how many woke. */
int waitq_wake_matching(struct waitq *wq, bool (*match)(struct thread *t, void *arg), void *arg, int n);
/* Wake t if it sleeps on wq (a sleeper picked by its waker: poll). */
void waitq_wake_thread(struct waitq *wq, struct thread *t);
/* Pull t off whatever it sleeps on and make it run (kill). */
void thread_interrupt(struct thread *t);
bool thread_interrupted(struct thread *t);

/* Sleep for ns nanoseconds; false if interrupted by a kill. */
bool sleep_ns(u64 ns);

#endif
