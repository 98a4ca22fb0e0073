/* poll(): readiness of several descriptors, sleeping until one is ready,
 * a timeout, or a kill.
 *
 * Each file's poll operation reports its POLL* bits and hooks the poll's
 * table onto its object's list of pollers (under the object's lock), at
 * each look (the hooks of the last look are taken off after a sleep). An object whose state changes calls poll_wake under
 * its lock: each table on the list is marked fired and its thread woken.
 * The poller sleeps on one static wait queue (never one on its stack: a
 * kill may still be taking the lock of the queue it slept on after it
 * returned), under its table's lock, only while its table has not fired,
 * so no change between its look and its sleep is lost. Lock order: an
 * object's lock, a table's lock, wait-queue locks.
 *
 * Files without a poll operation (regular files, directories, null, zero)
 * are always readable and writable, as on Unix. */
#include "poll.h"
#include "file.h"
#include "sched.h"
#include "mm.h"
#include "uaccess.h"
#include "syscall.h"
#include "time.h"
#include "test.h"
#include "arch/x86_64/percpu.h"
#include "abi/errno.h"
#include "abi/syscall.h"

struct poll_table {
	struct spinlock lock;   /* fired, and the sleep */
	bool fired;             /* an object changed since the last look */
	struct thread *thread;  /* the poller */
	struct poll_hook *hooks;
	u32 nhooks, cap;
};

static struct waitq pollers_asleep = WAITQ_INIT(pollers_asleep);

void poll_add(struct poll_table *pt, struct spinlock *lock, struct list *pollers)
{
	if (!pt || pt->nhooks == pt->cap)
		return;
	struct poll_hook *h = &pt->hooks[pt->nhooks++];
	h->lock = lock;
	h->pt = pt;
	list_add_tail(pollers, &h->node);
}

void poll_wake(struct list *pollers)
{
	list_for_each(n, pollers) {
		struct poll_table *pt = container_of(n, struct poll_hook, node)->pt;
		spin_lock(&pt->lock);
		pt->fired = true;
		waitq_wake_thread(&pollers_asleep, pt->thread);
		spin_unlock(&pt->lock);
	}
}

/* Hooks per descriptor: a socket watches two rings. */
#define HOOKS_PER_FD 2

/* Take pt off every object it is hooked on. */
static void unhook(struct poll_table *pt)
{
	for (u32 i = 0; i < pt->nhooks; i++) {
		spin_lock(pt->hooks[i].lock);
		list_del(&pt->hooks[i].node);
		spin_unlock(pt->hooks[i].lock);
	}
	pt->nhooks = 0;
}

/* One look at every descriptor, hooking pt on each: how many have
 * revents. */
static long look(struct pollfd *fds, struct file **files, u64 n, struct poll_table *pt)
{
	long ready = 0;
	for (u64 i = 0; i < n; i++) {
		unsigned m;
		if (fds[i].fd < 0)
			m = 0;
		else if (!files[i])
			m = POLLNVAL;
		else if (files[i]->ops->poll)
			m = files[i]->ops->poll(files[i], pt);
		else
			m = POLLIN | POLLOUT;
		m &= (unsigned)(u16)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
		fds[i].revents = (short)m;
		ready += m != 0;
	}
	return ready;
}

/* poll(fds, n, timeout_ns): negative timeout waits for ever, 0 looks once.
 * The count of descriptors with revents, 0 on timeout, or -errno. */
long sys_poll(u64 ufds, u64 n, u64 timeout_ns)
{
	if (n > POLL_MAX)
		return -EINVAL;
	if (!user_range_ok(ufds, n * sizeof(struct pollfd), true))
		return -EFAULT;
	u64 bytes = n * (sizeof(struct pollfd) + sizeof(struct file *) + HOOKS_PER_FD * sizeof(struct poll_hook));
	u8 *mem = kmalloc(bytes ? bytes : 1);
	if (!mem)
		return -ENOMEM;
	struct pollfd *fds = (struct pollfd *)mem;
	struct file **files = (struct file **)(fds + n);
	struct poll_table pt = { .thread = current_thread(), .hooks = (struct poll_hook *)(files + n),
				 .cap = n * HOOKS_PER_FD };
	spin_init(&pt.lock, "poll");
	long r = copy_from_user(fds, ufds, n * sizeof(*fds));
	if (r) {
		kfree(mem);
		return r;
	}
	for (u64 i = 0; i < n; i++)
		files[i] = fds[i].fd >= 0 ? fd_get(fds[i].fd) : 0;
	u64 deadline = (i64)timeout_ns > 0 ? ktime_ns() + timeout_ns : 0;
	for (;;) {
		WRITE_ONCE(pt.fired, false);
		r = look(fds, files, n, &pt);
		if (r || !timeout_ns)
			break;
		u64 now = ktime_ns();
		if (deadline && now >= deadline)
			break; /* r is 0: timed out */
		spin_lock(&pt.lock);
		bool alive = pt.fired || waitq_sleep_timeout(&pollers_asleep, &pt.lock, deadline ? deadline - now : 0);
		spin_unlock(&pt.lock);
		unhook(&pt); /* the next look hooks what is there then (a socket connected meanwhile: its rings) */
		if (!alive) {
			r = -EINTR;
			break;
		}
	}
	unhook(&pt);
	for (u64 i = 0; i < n; i++)
		if (files[i])
			file_close(files[i]);
	if (r >= 0) {
		for (u64 i = 0; i < n; i++)
			if (copy_to_user(ufds + i * sizeof(*fds) + offsetof(struct pollfd, revents), &fds[i].revents,
					 sizeof(fds[i].revents)))
				r = -EFAULT;
	}
	kfree(mem);
	return r;
}
