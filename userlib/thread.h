/*
 * Kernel threads for user programs: threads that share the process's memory
 * and descriptors and run on CPUs of their own (thread_create, thread_exit,
 * thread_join in abi/syscall.h), and a mutex and condition variable built on
 * futex_wait/futex_wake.
 *
 * Every call here traps (the syscall instruction), whatever path
 * syscall_path_set() chose: userlib's FlexSC side (flexsc.c) keeps its
 * entries without a lock, so only one thread of a process may use the
 * PATH_FLEXSC stubs at a time. The heap (malloc.c) takes a mutex of these.
 */
#ifndef USERLIB_THREAD_H
#define USERLIB_THREAD_H

#include <stdint.h>

#define THREAD_STACK_SIZE (64 * 1024)

struct thread {
	int tid;
	void *stack;             /* malloc'd, freed by thread_wait */
	int (*fn)(void *);
	void *arg;
};

/* Start fn(arg) in a new thread of this process; its return value becomes
 * its exit status. Returns its tid or a negative errno. */
int thread_spawn(struct thread *t, int (*fn)(void *), void *arg);
/* Wait for t to end, store its status (if status) and free its stack.
 * Returns 0 or a negative errno. */
int thread_wait(struct thread *t, int *status);

/* 0 unlocked, 1 locked, 2 locked with (maybe) sleepers (Drepper's mutex). */
struct mutex {
	uint32_t state;
};
#define MUTEX_INITIALIZER { 0 }

void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

/* A condition variable: a sequence number waiters sleep on. */
struct cond {
	uint32_t seq;
};
#define COND_INITIALIZER { 0 }

void cond_wait(struct cond *c, struct mutex *m);
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

long futex_wait(uint32_t *addr, uint32_t expected, unsigned long timeout_ns);
long futex_wake(uint32_t *addr, int n);

#endif
