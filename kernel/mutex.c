/* Sleeping locks on the one wait-queue mechanism. */
#include "mutex.h"
#include "panic.h"
#include "test.h"
#include "abi/errno.h"
#include "arch/x86_64/percpu.h"

void mutex_init(struct mutex *m)
{
	spin_init(&m->lk, "mutex");
	m->held = false;
	waitq_init(&m->wq);
}

/* Both ways to take m: kill_ends says whether a kill ends the wait. */
static int take(struct mutex *m, bool kill_ends)
{
	if (spin_any_held())
		panic("mutex_lock: may sleep, but a spinlock is held");
	spin_lock(&m->lk);
	while (m->held) {
		if (!kill_ends) {
			waitq_sleep_unkillable(&m->wq, &m->lk);
		} else if (!waitq_sleep(&m->wq, &m->lk)) {
			/* We may have been the one woken by an unlock: pass it on. */
			if (!m->held)
				waitq_wake_one(&m->wq);
			spin_unlock(&m->lk);
			return -EINTR;
		}
	}
	m->held = true;
	spin_unlock(&m->lk);
	return 0;
}

void mutex_lock(struct mutex *m)
{
	take(m, false);
}

int mutex_lock_killable(struct mutex *m)
{
	return take(m, true);
}

void mutex_unlock(struct mutex *m)
{
	spin_lock(&m->lk);
	if (!m->held)
		panic("mutex_unlock: not held");
	m->held = false;
	waitq_wake_one(&m->wq);
	spin_unlock(&m->lk);
}

/* Threads on every CPU increment a counter under one mutex, sleeping on it
 * while another holds it across a yield: no increment is lost. */
static struct mutex count_mutex;
static u64 mcount;
#define MUTEX_ROUNDS 2000

static void mutex_worker(void *arg, int cpu)
{
	(void)arg, (void)cpu;
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&count_mutex);
		u64 v = READ_ONCE(mcount);
		if (i % 16 == 0)
			sched_yield(); /* the others sleep on the mutex meanwhile */
		WRITE_ONCE(mcount, v + 1);
		mutex_unlock(&count_mutex);
	}
}

KTEST(mutex_counter_every_cpu)
{
	mutex_init(&count_mutex);
	mcount = 0;
	ktest_on_each_cpu(mutex_worker, 0);
	KEXPECT_EQ(mcount, (u64)ncpus * MUTEX_ROUNDS);
	KEXPECT(!count_mutex.held);
}
