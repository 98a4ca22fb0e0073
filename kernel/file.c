/* Devices and file descriptors. A new stream device is one more entry in
 * devices[], with its read and write. */
#include "file.h"
#include "proc.h"
#include "console.h"
#include "uaccess.h"
#include "mm.h"
#include "spinlock.h"
#include "abi/errno.h"
#include "abi/syscall.h"

static long console_dev_read(struct file *f, u64 buf, u64 n)
{
	(void)f;
	char tmp[256];
	long got = console_read(tmp, MIN(n, sizeof(tmp)));
	if (got > 0 && copy_to_user(buf, tmp, got))
		return -EFAULT;
	return got;
}

static long console_dev_write(struct file *f, u64 buf, u64 n)
{
	(void)f;
	char tmp[256];
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, sizeof(tmp));
		if (copy_from_user(tmp, buf + done, chunk))
			return done ? (long)done : -EFAULT;
		console_write(tmp, chunk);
		done += chunk;
	}
	return (long)n;
}

static long null_read(struct file *f, u64 buf, u64 n)
{
	(void)f, (void)buf, (void)n;
	return 0;
}

/* Like Linux's /dev/null: accepts the bytes without reading them. */
static long null_write(struct file *f, u64 buf, u64 n)
{
	(void)f, (void)buf;
	return (long)n;
}

static long zero_read(struct file *f, u64 buf, u64 n)
{
	(void)f;
	long r = clear_user(buf, n);
	return r ? r : (long)n;
}

static const struct device devices[] = {
	{ "console", console_dev_read, console_dev_write },
	{ "null", null_read, null_write },
	{ "zero", zero_read, null_write },
};

struct file *file_open(const char *name, int mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		if (strcmp(devices[i].name, name))
			continue;
		struct file *f = kmalloc(sizeof(*f));
		if (!f)
			return 0;
		f->dev = &devices[i];
		f->mode = mode;
		f->refs = 1;
		return f;
	}
	return 0;
}

struct file *file_dup(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void file_close(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(f);
}

/* The open file at fd with a reference taken (a syscall thread may use it
 * while the process closes it), or NULL. */
static struct file *fd_get(u64 fd)
{
	struct proc *p = current_proc();
	if (fd >= MAX_FDS)
		return 0;
	spin_lock(&p->lock);
	struct file *f = p->files[fd] ? file_dup(p->files[fd]) : 0;
	spin_unlock(&p->lock);
	return f;
}

long sys_open(u64 uname, u64 mode)
{
	char name[32];
	long r = strncpy_from_user(name, uname, sizeof(name));
	if (r < 0)
		return r;
	if (mode > O_RDWR)
		return -EINVAL;
	struct proc *p = current_proc();
	struct file *f = file_open(name, (int)mode);
	if (!f)
		return -ENOENT;
	spin_lock(&p->lock);
	int fd = 0;
	while (fd < MAX_FDS && p->files[fd])
		fd++;
	if (fd < MAX_FDS)
		p->files[fd] = f;
	spin_unlock(&p->lock);
	if (fd == MAX_FDS) {
		file_close(f);
		return -EMFILE;
	}
	return fd;
}

long sys_close(u64 fd)
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

long sys_read(u64 fd, u64 buf, u64 n)
{
	struct file *f = fd_get(fd);
	long r;
	if (!f || f->mode == O_WRONLY)
		r = -EBADF;
	else if ((i64)n < 0)
		r = -EINVAL;
	else if (!user_range_ok(buf, n, true))
		r = -EFAULT;
	else
		r = f->dev->read(f, buf, n);
	if (f)
		file_close(f);
	return r;
}

long sys_write(u64 fd, u64 buf, u64 n)
{
	struct file *f = fd_get(fd);
	long r;
	if (!f || f->mode == O_RDONLY)
		r = -EBADF;
	else if ((i64)n < 0)
		r = -EINVAL;
	else if (!user_range_ok(buf, n, false))
		r = -EFAULT;
	else
		r = f->dev->write(f, buf, n);
	if (f)
		file_close(f);
	return r;
}
