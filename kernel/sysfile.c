/* The file system calls: descriptors, files, directories, pipes. Each
 * copies its user strings and buffers through uaccess and hands the work
 * to vfs.c, pipe.c or the file's operations. */
#include "file.h"
#include "vfs.h"
#include "pipe.h"
#include "proc.h"
#include "uaccess.h"
#include "mm.h"
#include "syscall.h"
#include "time.h"
#include "test.h"
#include "console.h"
#include "abi/errno.h"
#include "abi/syscall.h"

/* A path from user space into buf: 0, -EFAULT or -ENAMETOOLONG. */
static long get_path(char buf[FS_PATH_MAX], u64 upath)
{
	long r = strncpy_from_user(buf, upath, FS_PATH_MAX);
	return r < 0 ? r : 0;
}

long sys_open(u64 upath, u64 flags)
{
	char path[FS_PATH_MAX];
	long r = get_path(path, upath);
	if (r)
		return r;
	if (flags > 0xffffffff)
		return -EINVAL;
	struct file *f;
	r = vfs_open(path, (int)flags, &f);
	if (r)
		return r;
	r = fd_install(f);
	if (r < 0)
		file_close(f);
	return r;
}

long sys_close(u64 fd) { return fd_close(fd); }

/* read, write, pread, pwrite: off NULL for the file's own offset. */
static long rw(u64 fd, u64 buf, u64 n, i64 *off, bool write)
{
	struct file *f = fd_get(fd);
	long r;
	int acc = f ? f->flags & O_ACCMODE : 0;
	if (!f || acc == (write ? O_RDONLY : O_WRONLY))
		r = -EBADF;
	else if ((i64)n < 0 || (off && *off < 0))
		r = -EINVAL;
	else if (off && !f->ops->seekable)
		r = -ESPIPE;
	else if (!user_range_ok(buf, n, !write))
		r = -EFAULT;
	else
		r = (write ? f->ops->write : f->ops->read)(f, buf, n, off ? (u64 *)off : &f->off);
	if (f)
		file_close(f);
	return r;
}

long sys_read(u64 fd, u64 buf, u64 n) { return rw(fd, buf, n, 0, false); }
long sys_write(u64 fd, u64 buf, u64 n) { return rw(fd, buf, n, 0, true); }

long sys_pread(u64 fd, u64 buf, u64 n, u64 off)
{
	i64 o = (i64)off;
	return rw(fd, buf, n, &o, false);
}

long sys_pwrite(u64 fd, u64 buf, u64 n, u64 off)
{
	i64 o = (i64)off;
	return rw(fd, buf, n, &o, true);
}

/* lseek(fd, off, SEEK_*) -> the new offset; regular files and directories only. */
long sys_lseek(u64 fd, u64 off, u64 whence)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = -ESPIPE;
	if (f->ops->seekable) {
		mutex_lock(&f->ip->lock);
		i64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (i64)f->off : (i64)f->ip->size;
		i64 pos;
		if (whence > SEEK_END || __builtin_add_overflow(base, (i64)off, &pos) || pos < 0)
			r = -EINVAL;
		else
			r = f->off = pos;
		mutex_unlock(&f->ip->lock);
	}
	file_close(f);
	return r;
}

long sys_stat(u64 upath, u64 ust)
{
	char path[FS_PATH_MAX];
	struct stat st;
	long r = get_path(path, upath);
	if (!r)
		r = vfs_stat(path, &st);
	if (!r && copy_to_user(ust, &st, sizeof(st)))
		r = -EFAULT;
	return r;
}

long sys_fstat(u64 fd, u64 ust)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct stat st;
	f->ops->stat(f, &st);
	file_close(f);
	return copy_to_user(ust, &st, sizeof(st)) ? -EFAULT : 0;
}

/* The calls that take one path and return 0 or -errno. */
static long path_call(u64 upath, int (*fn)(const char *))
{
	char path[FS_PATH_MAX];
	long r = get_path(path, upath);
	return r ? r : fn(path);
}

long sys_unlink(u64 upath) { return path_call(upath, vfs_unlink); }
long sys_mkdir(u64 upath) { return path_call(upath, vfs_mkdir); }
long sys_rmdir(u64 upath) { return path_call(upath, vfs_rmdir); }

long sys_rename(u64 ufrom, u64 uto)
{
	char from[FS_PATH_MAX], to[FS_PATH_MAX];
	long r = get_path(from, ufrom);
	if (!r)
		r = get_path(to, uto);
	return r ? r : vfs_rename(from, to);
}

/* readdir(fd, struct dirent *buf, max) -> entries stored, 0 at the end. */
long sys_readdir(u64 fd, u64 ubuf, u64 max)
{
	if (max > FS_DIR_MAX)
		max = FS_DIR_MAX; /* more cannot be there: keeps max * size small */
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = user_range_ok(ubuf, max * sizeof(struct dirent), true) ? vfs_readdir(f, ubuf, max) : -EFAULT;
	file_close(f);
	return r;
}

long sys_dup(u64 fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int r = fd_install(f);
	if (r < 0)
		file_close(f);
	return r;
}

long sys_dup2(u64 fd, u64 newfd) { return fd_dup2(fd, newfd); }

/* pipe(int fds[2]): fds[0] the read end, fds[1] the write end. */
long sys_pipe(u64 ufds)
{
	if (!user_range_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *rd, *wr;
	long r = pipe_create(&rd, &wr);
	if (r)
		return r;
	int fds[2] = { fd_install(rd), -1 };
	if (fds[0] >= 0)
		fds[1] = fd_install(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fds[0]);
		else
			file_close(rd);
		file_close(wr);
		return -EMFILE;
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

/* The user suite once over each way in; the kernel's memory afterwards is
 * what it was before, to the page and the heap byte. Free pages are counted
 * with the heap's slab pages: which slabs hold the heap's bytes varies (run
 * alone on one CPU, the suite left one slab page more, heap bytes equal). */
KTEST(fs_user_suite_every_path)
{
	static const char *const paths[] = { "int80", "syscall", "sysenter", "flexsc" };
	KEXPECT_EQ(ktest_run_user("utrue", 0), 0); /* warm: first-use allocations */
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		u64 t0 = ktime_ns();
		KEXPECT_EQ(ktest_run_user("utest_fs", paths[i]), 0);
		kprintf("    # utest_fs %s: %lu ms\n", paths[i], (ktime_ns() - t0) / 1000000);
	}
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}
