/* Futexes: wait on a 32-bit user word until another thread of the process
 * wakes that word. The words hash onto FUTEX_BUCKETS buckets, each a lock
 * and one wait queue of sched.c; a sleeper records its (process, address)
 * in its thread, and a wake takes only the sleepers of its own word.
 *
 * No wakeup is lost: futex_wait reads the word (once before, to fault it in
 * with no lock held, then again) and goes on the queue under the bucket's
 * lock, which futex_wake takes before it looks at the queue;
 * so a waker that changed the word before waking either finds the sleeper
 * queued or made it see the new value (-EAGAIN). */
#include "futex.h"
#include "proc.h"
#include "sched.h"
#include "uaccess.h"
#include "test.h"
#include "abi/errno.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"

struct futex_bucket {
	struct spinlock lock; /* the words' sleepers' condition */
	struct waitq wq;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];

void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		spin_init(&buckets[i].lock, "futex");
		waitq_init(&buckets[i].wq);
	}
}

static struct futex_bucket *bucket_of(struct proc *p, u64 uaddr)
{
	u64 h = ((u64)p >> 6) ^ (uaddr >> 2);
	h *= 0x9e3779b97f4a7c15ul;
	return &buckets[h >> 58 & (FUTEX_BUCKETS - 1)];
}

_Static_assert((FUTEX_BUCKETS & (FUTEX_BUCKETS - 1)) == 0 && FUTEX_BUCKETS <= 64, "bucket index is 6 bits");

long futex_wait(u64 uaddr, u32 expected, u64 timeout_ns)
{
	struct proc *p = current_proc();
	struct thread *me = current_thread();
	if (uaddr & 3)
		return -EINVAL;
	if ((i64)timeout_ns < 0)
		return -EINVAL;
	struct futex_bucket *b = bucket_of(p, uaddr);
	u32 v;
	if (copy_from_user(&v, uaddr, sizeof(v)))
		return -EFAULT;
	spin_lock(&b->lock);
	if (get_user_u32_locked(&v, uaddr)) {
		spin_unlock(&b->lock);
		return -EFAULT;
	}
	if (v != expected) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	me->futex_proc = p;
	me->futex_addr = uaddr;
	me->futex_woken = false;
	bool not_killed = timeout_ns ? waitq_sleep_timeout(&b->wq, &b->lock, timeout_ns) : waitq_sleep(&b->wq, &b->lock);
	bool woken = me->futex_woken;
	me->futex_proc = 0;
	spin_unlock(&b->lock);
	if (woken)
		return 0;
	if (!not_killed)
		return -EINTR;
	return timeout_ns ? -ETIMEDOUT : 0;
}

struct futex_key {
	struct proc *p;
	u64 uaddr;
};

/* A sleeper on key's word (its bucket's lock held): marked woken. */
static bool key_match(struct thread *t, void *arg)
{
	struct futex_key *k = arg;
	if (t->futex_proc != k->p || t->futex_addr != k->uaddr)
		return false;
	t->futex_woken = true;
	return true;
}

long futex_wake(u64 uaddr, u64 n)
{
	if (uaddr & 3)
		return -EINVAL;
	if (uaddr < PAGE_SIZE || uaddr >= USER_TOP)
		return -EFAULT;
	if (!n)
		return 0;
	struct futex_key k = { current_proc(), uaddr };
	struct futex_bucket *b = bucket_of(k.p, uaddr);
	spin_lock(&b->lock);
	int woke = waitq_wake_matching(&b->wq, key_match, &k, (int)MIN(n, 0x7fffffffu)); /* syscall threads too */
	spin_unlock(&b->lock);
	return woke;
}

/* Ping-pong between threads on two CPUs, errors, hostile thread_create:
 * the main thread's calls over every path, FlexSC included. */
KTEST(futex_wait_wake_every_path)
{
	KEXPECT_EQ(ktest_run_user("uthr", "futex"), 0);
}
