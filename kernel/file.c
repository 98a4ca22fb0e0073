/* Open files, the devices of /dev, and per-process descriptor tables. A
 * new stream device is one more entry in devices[], with its operations. */
#include "file.h"
#include "vfs.h"
#include "proc.h"
#include "console.h"
#include "uaccess.h"
#include "mm.h"
#include "spinlock.h"
#include "abi/errno.h"
#include "abi/syscall.h"
#include "sched.h"
#include "time.h"
#include "arch/x86_64/percpu.h"
#include "test.h"

static long console_dev_read(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)off;
	char tmp[256];
	long got = console_read(tmp, MIN(n, sizeof(tmp)));
	if (got > 0 && copy_to_user(buf, tmp, got))
		return -EFAULT;
	return got;
}

/* Writes n bytes at the console's pace (a long write takes minutes), so a
 * kill of the caller ends it between chunks: what was written, or -EINTR.
 * In a syscall thread the caller is the process it runs the call for. */
static long console_dev_write(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)off;
	char tmp[256];
	for (u64 done = 0; done < n;) {
		if (thread_interrupted(current_thread()))
			return done ? (long)done : -EINTR;
		u64 chunk = MIN(n - done, sizeof(tmp));
		if (copy_from_user(tmp, buf + done, chunk))
			return done ? (long)done : -EFAULT;
		console_write(tmp, chunk);
		done += chunk;
	}
	return (long)n;
}

static long null_read(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return 0;
}

/* Like Linux's /dev/null: accepts the bytes without reading them. */
static long null_write(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)buf, (void)off;
	return (long)n;
}

static long zero_read(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)off;
	long r = clear_user(buf, n);
	return r ? r : (long)n;
}

/* Readable once a line's bytes are in; always writable. */
static unsigned console_dev_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	return console_poll(pt) | POLLOUT;
}

static const struct file_ops console_ops = { console_dev_read, console_dev_write, inode_stat, 0, false,
					      console_dev_poll };
static const struct file_ops null_ops = { null_read, null_write, inode_stat, 0, false, 0 };
static const struct file_ops zero_ops = { zero_read, null_write, inode_stat, 0, false, 0 };

const struct device devices[] = {
	{ "console", &console_ops },
	{ "null", &null_ops },
	{ "zero", &zero_ops },
};
const u64 ndevices = ARRAY_SIZE(devices);

struct file *file_alloc(const struct file_ops *ops, int flags, struct inode *ip)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return 0;
	f->ops = ops;
	f->flags = flags;
	f->ip = ip;
	f->pipe = 0;
	f->sock = 0;
	f->refs = 1;
	return f;
}

struct file *file_dup(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void file_close(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->ops->release)
		f->ops->release(f);
	if (f->ip)
		inode_put(f->ip);
	kfree(f);
}

/* The open file at fd with a reference taken (a syscall thread may use it
 * while the process closes it), or NULL. */
struct file *fd_get(u64 fd)
{
	struct proc *p = current_proc();
	if (fd >= MAX_FDS)
		return 0;
	spin_lock(&p->lock);
	struct file *f = p->files[fd] ? file_dup(p->files[fd]) : 0;
	spin_unlock(&p->lock);
	return f;
}

int fd_install(struct file *f)
{
	struct proc *p = current_proc();
	spin_lock(&p->lock);
	int fd = 0;
	while (fd < MAX_FDS && p->files[fd])
		fd++;
	if (fd < MAX_FDS)
		p->files[fd] = f;
	spin_unlock(&p->lock);
	return fd < MAX_FDS ? fd : -EMFILE;
}

int fd_close(u64 fd)
{
	struct proc *p = current_proc();
	if (fd >= MAX_FDS)
		return -EBADF;
	spin_lock(&p->lock);
	struct file *f = p->files[fd];
	p->files[fd] = 0;
	spin_unlock(&p->lock);
	if (!f)
		return -EBADF;
	file_close(f);
	return 0;
}

int fd_dup2(u64 fd, u64 newfd)
{
	struct proc *p = current_proc();
	if (fd >= MAX_FDS || newfd >= MAX_FDS)
		return -EBADF;
	spin_lock(&p->lock);
	struct file *f = p->files[fd], *old = 0;
	if (f && fd != newfd) {
		old = p->files[newfd];
		p->files[newfd] = file_dup(f);
	}
	spin_unlock(&p->lock);
	if (old)
		file_close(old);
	return f ? (int)newfd : -EBADF;
}

void fd_inherit(struct proc *child, struct proc *parent)
{
	spin_lock(&parent->lock);
	for (int fd = 0; fd < MAX_FDS; fd++)
		child->files[fd] = parent->files[fd] ? file_dup(parent->files[fd]) : 0;
	spin_unlock(&parent->lock);
}

void fd_close_all(struct proc *p)
{
	for (int fd = 0; fd < MAX_FDS; fd++) {
		spin_lock(&p->lock);
		struct file *f = p->files[fd];
		p->files[fd] = 0;
		spin_unlock(&p->lock);
		if (f)
			file_close(f);
	}
}

/* A kill ends a long console write (uflood: 4 MiB, minutes at the console's
 * pace), so that neither the process's exit nor a syscall thread running the
 * write for it waits for the console to drain. */
KTEST(console_write_ends_at_a_kill)
{
	int pid = ktest_spawn_user("uflood", "4");
	KEXPECT(pid > 0);
	sleep_ns(300000000); /* in its write by now */
	u64 t0 = ktime_ns();
	KEXPECT_EQ(proc_kill(pid), 0);
	KEXPECT_EQ(ktest_wait_user(pid), -1);
	u64 ms = (ktime_ns() - t0) / 1000000;
	kprintf("\n");
	if (ms > 1000)
		ktest_fail(__FILE__, __LINE__, "the killed writer took %lu ms to end", ms);
}
