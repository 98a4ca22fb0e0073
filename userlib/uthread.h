/*
 * FlexSC-Threads: user-level threads, many on a kernel thread, switched
 * cooperatively in user space: on the caller's (uthread_run), or on one
 * kernel thread per user core, each pinned to a CPU and multiplexing its own
 * threads (uthread_run_cores), as in the paper. Threads stay on their core.
 *
 * Under PATH_FLEXSC (after flexsc_init) a thread's system call posts an entry
 * to the syscall pages and the thread sleeps while others run; when none can
 * run, the scheduler sleeps in flexsc_wait and wakes every thread whose call
 * is DONE. On any other path the same program traps on each call and threads
 * switch only when they yield or block on a mutex or a join.
 */
#ifndef USERLIB_UTHREAD_H
#define USERLIB_UTHREAD_H

#include <stddef.h>

#define UTHREAD_STACK_SIZE (64 * 1024) /* a power of 2 */
#define UTHREAD_MAX_CORES 16

/* Under PATH_FLEXSC, how long (ns) a scheduler with no thread ready spins
 * on its calls in flight before it sleeps in flexsc_wait (default 2000000);
 * read when a run starts (uthread_run, uthread_run_cores). */
extern unsigned long uthread_spin_ns;

struct uthread;

struct uthread_queue {
	struct uthread *head, *tail;
};

/* FIFO mutex: unlock hands it straight to the longest waiter. For the
 * threads of one core. */
struct uthread_mutex {
	int locked;
	struct uthread_queue waiters;
};

#define UTHREAD_MUTEX_INITIALIZER { 0, { NULL, NULL } }

int uthread_run(void *(*main_fn)(void *), void *arg, void **ret);
int uthread_run_cores(int ncores, void *(*main_fn)(void *), void *arg, void **rets);
int uthread_core(void);
struct uthread *uthread_create(void *(*fn)(void *), void *arg);
int uthread_join(struct uthread *t, void **ret);
void uthread_yield(void);
struct uthread *uthread_self(void);
__attribute__((noreturn)) void uthread_exit(void *ret);
void uthread_mutex_init(struct uthread_mutex *m);
void uthread_mutex_lock(struct uthread_mutex *m);
void uthread_mutex_unlock(struct uthread_mutex *m);

#endif
