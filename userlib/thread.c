/* Kernel threads, mutexes and condition variables for user programs (see
 * thread.h). Every call traps: see there why. */
#include "thread.h"
#include "libc.h"
#include "sys.h"

long futex_wait(uint32_t *addr, uint32_t expected, unsigned long timeout_ns)
{
	return syscall_syscall(SYS_futex_wait, (long)addr, expected, (long)timeout_ns, 0, 0, 0);
}

long futex_wake(uint32_t *addr, int n)
{
	return syscall_syscall(SYS_futex_wake, (long)addr, n, 0, 0, 0, 0);
}

/* Where a thread starts, on its new stack (rsp as a call leaves it). */
__attribute__((noreturn)) static void thread_entry(struct thread *t)
{
	int status = t->fn(t->arg);
	syscall_syscall(SYS_thread_exit, status, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

int thread_spawn(struct thread *t, int (*fn)(void *), void *arg)
{
	t->stack = malloc(THREAD_STACK_SIZE);
	if (!t->stack)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	/* A null return address at the top, 8 below a multiple of 16: the
	 * stack as a call would leave it on entry to thread_entry. */
	uint64_t *top = (uint64_t *)(((uintptr_t)t->stack + THREAD_STACK_SIZE) & ~(uintptr_t)15) - 1;
	*top = 0;
	long r = syscall_syscall(SYS_thread_create, (long)thread_entry, (long)top, (long)t, 0, 0, 0);
	if (r < 0) {
		free(t->stack);
		t->stack = NULL;
		return (int)r;
	}
	t->tid = (int)r;
	return t->tid;
}

int thread_wait(struct thread *t, int *status)
{
	long r = syscall_syscall(SYS_thread_join, t->tid, (long)status, 0, 0, 0, 0);
	if (r < 0)
		return (int)r;
	free(t->stack); /* the thread is gone: nothing runs on it any more */
	t->stack = NULL;
	return 0;
}

void mutex_lock(struct mutex *m)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(&m->state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex_wait(&m->state, 2, 0);
		c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	}
}

void mutex_unlock(struct mutex *m)
{
	if (__atomic_fetch_sub(&m->state, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->state, 0, __ATOMIC_RELEASE);
		futex_wake(&m->state, 1);
	}
}

void cond_wait(struct cond *c, struct mutex *m)
{
	uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	mutex_unlock(m);
	futex_wait(&c->seq, seq, 0);
	/* Locked as contended: another waiter may sleep on m already. */
	while (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0)
		futex_wait(&m->state, 2, 0);
}

void cond_signal(struct cond *c)
{
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
	futex_wake(&c->seq, 1);
}

void cond_broadcast(struct cond *c)
{
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
	futex_wake(&c->seq, 1 << 30);
}
