/* The file system and pipe calls over one way into the kernel: every call's
 * success and error cases, limits, many files, an unlinked open file,
 * pipes between processes (many writers, EOF, EPIPE, a large transfer
 * checked byte by byte, blocked ends killed). Everything it makes under
 * /tmp it removes again, so the kernel's memory can be compared after.
 * usage: utest_fs PATH            (int80, syscall, sysenter, flexsc)
 *                                 -> exit status = number of failed checks
 * children it spawns:  utest_fs writer PATH FD ID RECORDS
 *                      utest_fs stream PATH FD BYTES
 *                      utest_fs blockread PATH FD | blockwrite PATH FD */
#include "check.h"
#include "../sys.h"
#include "../flexsc.h"
#include "../uthread.h"

#define KERNEL_ADDR 0xFFFFFFFF80100000l
#define NONCANONICAL 0x0000800000000000l
#define REC 64 /* bytes of a writer's record: at most PIPE_ATOMIC */

static const char rodata_buf[64] = "read-only";
static char big[65536];
static char dir[32];     /* this run's directory, /tmp/<path> */
static const char *path_name;
/* Over FlexSC every call is a hand-off to another CPU, dear under emulation:
 * the loops there are shorter. The limits, the same kernel code whatever
 * the way in, are filled up over syscall only. */
static bool flexsc;

/* A path under dir from a format; four at a time may be live. */
static const char *P(const char *fmt, ...) PRINTF_LIKE(1, 2);
static const char *P(const char *fmt, ...)
{
	static char bufs[4][FS_PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 4];
	int n = snprintf(b, FS_PATH_MAX + 64, "%s/", dir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b + n, FS_PATH_MAX + 64 - n, fmt, ap);
	va_end(ap);
	return b;
}

static long sopen(const char *p, long flags) { return sys_open((long)p, flags); }
static long sstat(const char *p, struct stat *st) { return sys_stat((long)p, (long)st); }

static unsigned char pattern(long i) { return (unsigned char)(i * 13 + 7 + (i >> 12)); }

static void files(void)
{
	char buf[128];
	struct stat st, st2;
	CHECK_EQ(sys_mkdir((long)P("f")), 0, "%s: mkdir", path_name);
	const char *a = P("f/a");
	long fd = sopen(a, O_CREAT | O_RDWR);
	CHECK_EQ(fd >= 3, 1, "%s: open O_CREAT -> %ld", path_name, fd);
	CHECK_EQ(sys_write(fd, (long)"hello", 5), 5, "%s: write", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR), 5, "%s: offset after write", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_SET), 0, "%s: lseek SET", path_name);
	CHECK_EQ(sys_read(fd, (long)buf, sizeof(buf)), 5, "%s: read back", path_name);
	CHECK_EQ(memcmp(buf, "hello", 5), 0, "%s: bytes read back", path_name);
	CHECK_EQ(sys_read(fd, (long)buf, sizeof(buf)), 0, "%s: read at end", path_name);
	CHECK_EQ(sys_pwrite(fd, (long)"XY", 2, 1), 2, "%s: pwrite", path_name);
	CHECK_EQ(sys_pread(fd, (long)buf, 5, 0), 5, "%s: pread", path_name);
	CHECK_EQ(memcmp(buf, "hXYlo", 5), 0, "%s: pread bytes", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR), 5, "%s: pread/pwrite leave the offset", path_name);
	CHECK_EQ(sys_lseek(fd, -2, SEEK_END), 3, "%s: lseek END", path_name);
	CHECK_EQ(sys_read(fd, (long)buf, 10), 2, "%s: read tail", path_name);
	CHECK_EQ(memcmp(buf, "lo", 2), 0, "%s: tail bytes", path_name);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat", path_name);
	CHECK_EQ(st.type, FT_FILE, "%s: fstat type", path_name);
	CHECK_EQ(st.size, 5, "%s: fstat size", path_name);
	CHECK_EQ(st.nlink, 1, "%s: fstat nlink", path_name);
	CHECK_EQ(sstat(a, &st2), 0, "%s: stat", path_name);
	CHECK_EQ(st2.ino, st.ino, "%s: stat and fstat agree", path_name);
	/* A hole past the end reads as zeros. */
	CHECK_EQ(sys_lseek(fd, 10000, SEEK_SET), 10000, "%s: lseek past the end", path_name);
	CHECK_EQ(sys_write(fd, (long)"!", 1), 1, "%s: write past the end", path_name);
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(sys_pread(fd, (long)buf, 100, 5000), 100, "%s: read a hole", path_name);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(buf[i], 0, "%s: hole byte %d", path_name, i);
	CHECK_EQ(sys_close(fd), 0, "%s: close", path_name);
	/* O_APPEND, O_TRUNC, O_EXCL, access modes. */
	fd = sopen(a, O_WRONLY | O_APPEND);
	CHECK_EQ(sys_write(fd, (long)"Z", 1), 1, "%s: append", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR), 10002, "%s: append offset", path_name);
	CHECK_EQ(sys_read(fd, (long)buf, 1), -EBADF, "%s: read from O_WRONLY", path_name);
	sys_close(fd);
	fd = sopen(a, O_RDONLY);
	CHECK_EQ(sys_pread(fd, (long)buf, 2, 10000), 2, "%s: pread appended", path_name);
	CHECK_EQ(memcmp(buf, "!Z", 2), 0, "%s: appended bytes", path_name);
	CHECK_EQ(sys_write(fd, (long)"x", 1), -EBADF, "%s: write to O_RDONLY", path_name);
	sys_close(fd);
	CHECK_EQ(sopen(a, O_CREAT | O_EXCL | O_RDWR), -EEXIST, "%s: O_EXCL on an existing file", path_name);
	fd = sopen(a, O_RDWR | O_TRUNC);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat", path_name);
	CHECK_EQ(st.size, 0, "%s: O_TRUNC", path_name);
	/* Larger than a page, written and read in sizes that straddle pages. */
	long n = 5 * 4096 + 123;
	for (long i = 0; i < n; i++)
		big[i] = pattern(i);
	long done = 0;
	while (done < n) {
		long w = sys_write(fd, (long)big + done, n - done < 1000 ? n - done : 1000);
		if (w <= 0)
			break;
		done += w;
	}
	CHECK_EQ(done, n, "%s: multi-page write", path_name);
	memset(big, 0, sizeof(big));
	CHECK_EQ(sys_lseek(fd, 0, SEEK_SET), 0, "%s: rewind", path_name);
	done = 0;
	for (long r; (r = sys_read(fd, (long)big + done, 777)) > 0;)
		done += r;
	CHECK_EQ(done, n, "%s: multi-page read", path_name);
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += (unsigned char)big[i] != pattern(i);
	CHECK_EQ(bad, 0, "%s: wrong bytes in a multi-page file", path_name);
	CHECK_EQ(sys_pread(fd, (long)buf, 10, 4096 - 5), 10, "%s: pread across a page", path_name);
	for (int i = 0; i < 10; i++)
		CHECK_EQ((unsigned char)buf[i], pattern(4096 - 5 + i), "%s: byte %d across a page", path_name, i);
	sys_close(fd);
	CHECK_EQ(sys_unlink((long)a), 0, "%s: unlink", path_name);
	CHECK_EQ(sstat(a, &st), -ENOENT, "%s: stat after unlink", path_name);
	CHECK_EQ(sys_rmdir((long)P("f")), 0, "%s: rmdir", path_name);
}

/* Names in the directory open at fd: how many, and whether want is among them. */
static int list(long fd, const char *want, int *found)
{
	struct dirent d[4];
	int total = 0;
	*found = 0;
	sys_lseek(fd, 0, SEEK_SET);
	for (long r; (r = sys_readdir(fd, (long)d, 4)) > 0;) {
		for (long i = 0; i < r; i++)
			*found += want && !strcmp(d[i].name, want);
		total += r;
	}
	return total;
}

static void dirs(void)
{
	struct stat st, st2;
	int found;
	CHECK_EQ(sys_mkdir((long)P("d")), 0, "%s: mkdir", path_name);
	CHECK_EQ(sys_mkdir((long)P("d")), -EEXIST, "%s: mkdir twice", path_name);
	CHECK_EQ(sys_mkdir((long)P("d/s")), 0, "%s: mkdir nested", path_name);
	CHECK_EQ(sstat(P("d/s"), &st), 0, "%s: stat dir", path_name);
	CHECK_EQ(st.type, FT_DIR, "%s: dir type", path_name);
	CHECK_EQ(sopen(P("d/s"), O_RDWR), -EISDIR, "%s: open dir to write", path_name);
	CHECK_EQ(sopen(P("d/s"), O_WRONLY | O_CREAT), -EISDIR, "%s: O_CREAT on a dir", path_name);
	for (int i = 0; i < 3; i++)
		sys_close(sopen(P("d/s/f%d", i), O_CREAT | O_WRONLY));
	long dfd = sopen(P("d/s"), O_RDONLY);
	char c;
	CHECK_EQ(sys_read(dfd, (long)&c, 1), -EISDIR, "%s: read a dir", path_name);
	CHECK_EQ(list(dfd, "f1", &found), 3, "%s: readdir count", path_name);
	CHECK_EQ(found, 1, "%s: readdir finds f1", path_name);
	struct dirent d[4];
	sys_lseek(dfd, 0, SEEK_SET);
	CHECK_EQ(sys_readdir(dfd, (long)d, 2), 2, "%s: readdir 2", path_name);
	CHECK_EQ(sys_readdir(dfd, (long)d, 2), 1, "%s: readdir the rest", path_name);
	CHECK_EQ(sys_readdir(dfd, (long)d, 2), 0, "%s: readdir at the end", path_name);
	CHECK_EQ(d[0].type, FT_FILE, "%s: dirent type", path_name);
	CHECK_EQ(sys_readdir(dfd, KERNEL_ADDR, 2), -EFAULT, "%s: readdir into the kernel", path_name);
	sys_lseek(dfd, 0, SEEK_SET);
	CHECK_EQ(sys_readdir(dfd, (long)rodata_buf, 1), -EFAULT, "%s: readdir into rodata", path_name);
	CHECK_EQ(sys_readdir(1, (long)d, 2), -ENOTDIR, "%s: readdir on the console", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/s")), -ENOTEMPTY, "%s: rmdir non-empty", path_name);
	CHECK_EQ(sys_unlink((long)P("d/s")), -EISDIR, "%s: unlink a dir", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/s/f0")), -ENOTDIR, "%s: rmdir a file", path_name);
	CHECK_EQ(sopen(P("d/s/f0/x"), O_CREAT | O_RDWR), -ENOTDIR, "%s: a file as a dir", path_name);
	CHECK_EQ(sstat(P("d/none/x"), &st), -ENOENT, "%s: missing dir", path_name);
	CHECK_EQ(sopen(P("d/none"), O_RDONLY), -ENOENT, "%s: open missing", path_name);
	CHECK_EQ(sys_unlink((long)P("d/none")), -ENOENT, "%s: unlink missing", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/none")), -ENOENT, "%s: rmdir missing", path_name);
	CHECK_EQ(sstat(P("d/s/../s/./f1"), &st), 0, "%s: . and ..", path_name);
	CHECK_EQ(sstat("/..", &st2), 0, "%s: /..", path_name);
	CHECK_EQ(sstat("/", &st), 0, "%s: /", path_name);
	CHECK_EQ(st.ino, st2.ino, "%s: /.. is /", path_name);
	/* rename */
	CHECK_EQ(sstat(P("d/s/f0"), &st), 0, "%s: stat f0", path_name);
	CHECK_EQ(sys_rename((long)P("d/s/f0"), (long)P("d/s/f9")), 0, "%s: rename", path_name);
	CHECK_EQ(sstat(P("d/s/f0"), &st2), -ENOENT, "%s: old name gone", path_name);
	CHECK_EQ(sstat(P("d/s/f9"), &st2), 0, "%s: new name", path_name);
	CHECK_EQ(st2.ino, st.ino, "%s: same inode", path_name);
	CHECK_EQ(sys_rename((long)P("d/s/f9"), (long)P("d/s/f1")), 0, "%s: rename over a file", path_name);
	CHECK_EQ(sstat(P("d/s/f1"), &st2), 0, "%s: replaced", path_name);
	CHECK_EQ(st2.ino, st.ino, "%s: replaced by the renamed inode", path_name);
	CHECK_EQ(list(dfd, 0, &found), 2, "%s: entries after replacing", path_name);
	CHECK_EQ(sys_rename((long)P("d/s/f1"), (long)P("d/f1")), 0, "%s: rename across dirs", path_name);
	CHECK_EQ(sys_rename((long)P("d/s"), (long)P("d/s/x")), -EINVAL, "%s: dir into itself", path_name);
	CHECK_EQ(sys_mkdir((long)P("d/s/t")), 0, "%s: mkdir", path_name);
	CHECK_EQ(sys_rename((long)P("d/s"), (long)P("d/s/t/u")), -EINVAL, "%s: dir into its subtree", path_name);
	CHECK_EQ(sys_rename((long)P("d/f1"), (long)P("d/s")), -EISDIR, "%s: file over a dir", path_name);
	CHECK_EQ(sys_rename((long)P("d/s/t"), (long)P("d/f1")), -ENOTDIR, "%s: dir over a file", path_name);
	CHECK_EQ(sys_mkdir((long)P("d/e")), 0, "%s: mkdir", path_name);
	CHECK_EQ(sys_rename((long)P("d/e"), (long)P("d/s")), -ENOTEMPTY, "%s: dir over non-empty", path_name);
	CHECK_EQ(sys_rename((long)P("d/s"), (long)P("d/e")), 0, "%s: dir over an empty dir", path_name);
	CHECK_EQ(sstat(P("d/e/t"), &st), 0, "%s: moved subtree", path_name);
	CHECK_EQ(sys_rename((long)P("d/none"), (long)P("d/x")), -ENOENT, "%s: rename missing", path_name);
	CHECK_EQ(sys_rename((long)P("d/f1"), (long)P("d/none/x")), -ENOENT, "%s: rename into missing", path_name);
	CHECK_EQ(sys_rename((long)P("d/."), (long)P("d/x")), -EINVAL, "%s: rename .", path_name);
	/* The open directory was moved, not removed: it still lists. */
	CHECK_EQ(list(dfd, "t", &found), 2, "%s: moved dir still lists", path_name);
	sys_close(dfd);
	/* A removed directory that is still open: empty, nothing made in it. */
	CHECK_EQ(sys_mkdir((long)P("d/gone")), 0, "%s: mkdir", path_name);
	dfd = sopen(P("d/gone"), O_RDONLY);
	CHECK_EQ(sys_rmdir((long)P("d/gone")), 0, "%s: rmdir an open dir", path_name);
	CHECK_EQ(sys_fstat(dfd, (long)&st), 0, "%s: fstat removed dir", path_name);
	CHECK_EQ(st.nlink, 0, "%s: removed dir nlink", path_name);
	CHECK_EQ(list(dfd, 0, &found), 0, "%s: removed dir is empty", path_name);
	sys_close(dfd);
	CHECK_EQ(sys_rmdir((long)"/"), -EINVAL, "%s: rmdir /", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/..")), -EINVAL, "%s: rmdir ..", path_name);
	CHECK_EQ(sys_unlink((long)"/"), -EISDIR, "%s: unlink /", path_name);
	CHECK_EQ(sys_mkdir((long)"/"), -EEXIST, "%s: mkdir /", path_name);
	CHECK_EQ(sys_mkdir((long)""), -ENOENT, "%s: mkdir empty path", path_name);
	CHECK_EQ(sys_unlink((long)P("d/e/t")), -EISDIR, "%s: unlink a dir", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/e/t")), 0, "%s: rmdir", path_name);
	CHECK_EQ(sys_unlink((long)P("d/e/f2")), 0, "%s: unlink", path_name);
	CHECK_EQ(sys_rmdir((long)P("d/e")), 0, "%s: rmdir", path_name);
	CHECK_EQ(sys_unlink((long)P("d/f1")), 0, "%s: unlink", path_name);
	CHECK_EQ(sys_rmdir((long)P("d")), 0, "%s: rmdir", path_name);
}

static void names(void)
{
	char name[FS_NAME_MAX + 2], longpath[FS_PATH_MAX + 8];
	struct stat st;
	memset(name, 'n', sizeof(name));
	name[FS_NAME_MAX] = 0; /* the longest name */
	long fd = sopen(P("%s", name), O_CREAT | O_RDWR);
	CHECK_EQ(fd >= 0, 1, "%s: longest name -> %ld", path_name, fd);
	sys_close(fd);
	CHECK_EQ(sys_unlink((long)P("%s", name)), 0, "%s: unlink longest name", path_name);
	name[FS_NAME_MAX] = 'n';
	name[FS_NAME_MAX + 1] = 0;
	CHECK_EQ(sopen(P("%s", name), O_CREAT | O_RDWR), -ENAMETOOLONG, "%s: name too long", path_name);
	CHECK_EQ(sys_mkdir((long)P("%s", name)), -ENAMETOOLONG, "%s: mkdir name too long", path_name);
	memset(longpath, 'p', sizeof(longpath));
	for (int i = 0; i < FS_PATH_MAX + 4; i += 8)
		longpath[i] = '/';
	longpath[FS_PATH_MAX + 4] = 0;
	CHECK_EQ(sstat(longpath, &st), -ENAMETOOLONG, "%s: path too long", path_name);
	CHECK_EQ(sys_rename((long)"/tmp", (long)longpath), -ENAMETOOLONG, "%s: rename to a long path", path_name);
	/* Devices: by bare name (as before) and under /dev. */
	fd = sopen("/dev/null", O_RDWR);
	CHECK_EQ(sys_write(fd, (long)big, 100), 100, "%s: /dev/null", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_SET), -ESPIPE, "%s: lseek a device", path_name);
	CHECK_EQ(sys_pread(fd, (long)big, 1, 0), -ESPIPE, "%s: pread a device", path_name);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat a device", path_name);
	CHECK_EQ(st.type, FT_DEV, "%s: device type", path_name);
	sys_close(fd);
	long zfd = sopen("zero", O_RDONLY), dfd = sopen("/dev", O_RDONLY);
	CHECK_EQ(sys_read(zfd, (long)big, 10), 10, "%s: read zero by bare name", path_name);
	int found;
	list(dfd, "console", &found);
	CHECK_EQ(found, 1, "%s: /dev lists console", path_name);
	CHECK_EQ(sstat("console", &st), 0, "%s: stat console", path_name);
	CHECK_EQ(sstat("/console", &st), -ENOENT, "%s: no /console", path_name);
	sys_close(zfd);
	sys_close(dfd);
	/* The packed documents, byte by byte. */
	fd = sopen("/www/doc-8192.txt", O_RDONLY);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat a packed file", path_name);
	CHECK_EQ(st.size, 8192, "%s: packed size", path_name);
	CHECK_EQ(sys_read(fd, (long)big, sizeof(big)), 8192, "%s: read a packed file", path_name);
	long bad = 0;
	for (int i = 0; i < 8192; i++)
		bad += big[i] != (i % 64 == 63 ? '\n' : 'a' + (i * 7 + 8) % 26);
	CHECK_EQ(bad, 0, "%s: wrong bytes in a packed file", path_name);
	sys_close(fd);
	CHECK_EQ(sstat("/www/index.html", &st), 0, "%s: packed index.html", path_name);
}

static void bad_pointers(void)
{
	struct stat st;
	long fd = sopen(P("b"), O_CREAT | O_RDWR);
	sys_write(fd, (long)"abcdef", 6);
	CHECK_EQ(sys_open(KERNEL_ADDR, O_RDONLY), -EFAULT, "%s: open(kernel path)", path_name);
	CHECK_EQ(sys_open(0, O_RDONLY), -EFAULT, "%s: open(NULL)", path_name);
	CHECK_EQ(sys_open(NONCANONICAL, O_RDONLY), -EFAULT, "%s: open(non-canonical)", path_name);
	CHECK_EQ(sys_stat((long)P("b"), KERNEL_ADDR), -EFAULT, "%s: stat into the kernel", path_name);
	CHECK_EQ(sys_stat((long)P("b"), (long)rodata_buf), -EFAULT, "%s: stat into rodata", path_name);
	CHECK_EQ(sys_stat(KERNEL_ADDR, (long)&st), -EFAULT, "%s: stat(kernel path)", path_name);
	CHECK_EQ(sys_fstat(fd, 0), -EFAULT, "%s: fstat(NULL)", path_name);
	CHECK_EQ(sys_pread(fd, (long)rodata_buf, 4, 0), -EFAULT, "%s: pread into rodata", path_name);
	CHECK_EQ(sys_pread(fd, KERNEL_ADDR, 4, 0), -EFAULT, "%s: pread into the kernel", path_name);
	CHECK_EQ(sys_pwrite(fd, KERNEL_ADDR, 4, 0), -EFAULT, "%s: pwrite from the kernel", path_name);
	CHECK_EQ(sys_write(fd, NONCANONICAL, 4), -EFAULT, "%s: write from non-canonical", path_name);
	CHECK_EQ(sys_unlink(0), -EFAULT, "%s: unlink(NULL)", path_name);
	CHECK_EQ(sys_mkdir(KERNEL_ADDR), -EFAULT, "%s: mkdir(kernel)", path_name);
	CHECK_EQ(sys_rmdir(NONCANONICAL), -EFAULT, "%s: rmdir(non-canonical)", path_name);
	CHECK_EQ(sys_rename(KERNEL_ADDR, (long)P("c")), -EFAULT, "%s: rename(kernel, ...)", path_name);
	CHECK_EQ(sys_rename((long)P("b"), 0), -EFAULT, "%s: rename(..., NULL)", path_name);
	CHECK_EQ(sys_pipe(0), -EFAULT, "%s: pipe(NULL)", path_name);
	CHECK_EQ(sys_pipe(KERNEL_ADDR), -EFAULT, "%s: pipe(kernel)", path_name);
	CHECK_EQ(sys_pipe((long)rodata_buf), -EFAULT, "%s: pipe(rodata)", path_name);
	/* Arguments. */
	CHECK_EQ(sopen(P("b"), 0x100000 | O_RDONLY), -EINVAL, "%s: unknown open flag", path_name);
	CHECK_EQ(sopen(P("b"), O_ACCMODE), -EINVAL, "%s: access mode 3", path_name);
	CHECK_EQ(sys_lseek(fd, 0, 3), -EINVAL, "%s: lseek whence 3", path_name);
	CHECK_EQ(sys_lseek(fd, -7, SEEK_END), -EINVAL, "%s: lseek before 0", path_name);
	CHECK_EQ(sys_lseek(fd, 0x7fffffffffffffffl, SEEK_END), -EINVAL, "%s: lseek overflow", path_name);
	CHECK_EQ(sys_pread(fd, (long)big, 4, -1), -EINVAL, "%s: pread at -1", path_name);
	CHECK_EQ(sys_pwrite(fd, (long)big, -1, 0), -EINVAL, "%s: pwrite of -1 bytes", path_name);
	/* Bad descriptors. */
	CHECK_EQ(sys_read(-1, (long)big, 1), -EBADF, "%s: read(-1)", path_name);
	CHECK_EQ(sys_read(60, (long)big, 1), -EBADF, "%s: read(unused fd)", path_name);
	CHECK_EQ(sys_pread(1000, (long)big, 1, 0), -EBADF, "%s: pread(1000)", path_name);
	CHECK_EQ(sys_fstat(60, (long)&st), -EBADF, "%s: fstat(unused fd)", path_name);
	CHECK_EQ(sys_lseek(60, 0, SEEK_SET), -EBADF, "%s: lseek(unused fd)", path_name);
	CHECK_EQ(sys_readdir(60, (long)big, 1), -EBADF, "%s: readdir(unused fd)", path_name);
	CHECK_EQ(sys_readdir(fd, (long)big, 1), -ENOTDIR, "%s: readdir(a file)", path_name);
	CHECK_EQ(sys_dup(60), -EBADF, "%s: dup(unused fd)", path_name);
	CHECK_EQ(sys_dup(-5), -EBADF, "%s: dup(-5)", path_name);
	CHECK_EQ(sys_dup2(60, 5), -EBADF, "%s: dup2(unused fd)", path_name);
	CHECK_EQ(sys_dup2(fd, 256), -EBADF, "%s: dup2 beyond the table (MAX_FDS)", path_name);
	CHECK_EQ(sys_dup2(fd, -1), -EBADF, "%s: dup2 to -1", path_name);
	CHECK_EQ(sys_close(fd), 0, "%s: close", path_name);
	CHECK_EQ(sys_close(fd), -EBADF, "%s: close twice", path_name);
	CHECK_EQ(sys_unlink((long)P("b")), 0, "%s: unlink", path_name);
}

static void dups(void)
{
	char buf[8];
	long fd = sopen(P("u"), O_CREAT | O_RDWR), other = sopen(P("v"), O_CREAT | O_RDWR);
	sys_write(other, (long)"other", 5);
	long d = sys_dup(fd);
	CHECK_EQ(d > fd, 1, "%s: dup -> %ld", path_name, d);
	CHECK_EQ(sys_write(fd, (long)"abc", 3), 3, "%s: write", path_name);
	CHECK_EQ(sys_lseek(d, 0, SEEK_CUR), 3, "%s: dup shares the offset", path_name);
	CHECK_EQ(sys_dup2(fd, fd), fd, "%s: dup2 onto itself", path_name);
	CHECK_EQ(sys_dup2(fd, 40), 40, "%s: dup2 to a free fd", path_name);
	CHECK_EQ(sys_dup2(fd, other), other, "%s: dup2 onto an open fd", path_name);
	CHECK_EQ(sys_pread(other, (long)buf, 8, 0), 3, "%s: the fd now names the first file", path_name);
	CHECK_EQ(memcmp(buf, "abc", 3), 0, "%s: its bytes", path_name);
	sys_close(fd);
	CHECK_EQ(sys_pread(40, (long)buf, 8, 0), 3, "%s: dup outlives close", path_name);
	sys_close(40);
	sys_close(d);
	sys_close(other);
	struct stat st;
	CHECK_EQ(sstat(P("v"), &st), 0, "%s: stat", path_name);
	CHECK_EQ(st.size, 5, "%s: the replaced file is untouched", path_name);
	sys_unlink((long)P("u"));
	sys_unlink((long)P("v"));
	/* EMFILE: fill the table (MAX_FDS, 256); a pipe needs two slots. */
	static long fds[300];
	long n = 0, r;
	while (n < 300 && (r = sopen("null", O_RDONLY)) >= 0)
		fds[n++] = r;
	CHECK_EQ(r, -EMFILE, "%s: open with a full table", path_name);
	CHECK_EQ(n >= 32, 1, "%s: %ld descriptors before EMFILE", path_name, n);
	CHECK_EQ(sys_dup(0), -EMFILE, "%s: dup with a full table", path_name);
	sys_close(fds[--n]);
	int pfd[2];
	CHECK_EQ(sys_pipe((long)pfd), -EMFILE, "%s: pipe with one free slot", path_name);
	sys_close(fds[--n]);
	CHECK_EQ(sys_pipe((long)pfd), 0, "%s: pipe with two free slots", path_name);
	sys_close(pfd[0]);
	sys_close(pfd[1]);
	while (n)
		sys_close(fds[--n]);
}

/* An unlinked file stays readable through its open descriptor. */
static void unlink_open(void)
{
	struct stat st;
	long fd = sopen(P("gone"), O_CREAT | O_RDWR);
	for (int i = 0; i < 3 * 4096; i++)
		big[i] = pattern(i);
	CHECK_EQ(sys_write(fd, (long)big, 3 * 4096), 3 * 4096, "%s: write", path_name);
	CHECK_EQ(sys_unlink((long)P("gone")), 0, "%s: unlink an open file", path_name);
	CHECK_EQ(sstat(P("gone"), &st), -ENOENT, "%s: no name", path_name);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat", path_name);
	CHECK_EQ(st.nlink, 0, "%s: nlink 0", path_name);
	CHECK_EQ(st.size, 3 * 4096, "%s: size kept", path_name);
	memset(big, 0, 3 * 4096);
	CHECK_EQ(sys_pread(fd, (long)big, 3 * 4096, 0), 3 * 4096, "%s: read unlinked", path_name);
	long bad = 0;
	for (int i = 0; i < 3 * 4096; i++)
		bad += (unsigned char)big[i] != pattern(i);
	CHECK_EQ(bad, 0, "%s: bytes of the unlinked file", path_name);
	long fd2 = sopen(P("gone"), O_CREAT | O_RDWR);
	CHECK_EQ(sys_fstat(fd2, (long)&st), 0, "%s: fstat", path_name);
	CHECK_EQ(st.size, 0, "%s: a new file of the same name is new", path_name);
	sys_close(fd);
	sys_close(fd2);
	sys_unlink((long)P("gone"));
}

/* Many files: each with its own size and bytes, listed, read back, removed. */
static void many_files(void)
{
	const int MANY = flexsc ? 40 : 200;
	CHECK_EQ(sys_mkdir((long)P("m")), 0, "%s: mkdir", path_name);
	for (int i = 0; i < MANY; i++) {
		long fd = sopen(P("m/file%d", i), O_CREAT | O_EXCL | O_WRONLY);
		for (int j = 0; j < i * 37; j++)
			big[j] = (char)(i + j);
		CHECK_EQ(sys_write(fd, (long)big, i * 37), i * 37, "%s: write file %d", path_name, i);
		sys_close(fd);
	}
	long dfd = sopen(P("m"), O_RDONLY);
	int found;
	CHECK_EQ(list(dfd, "file13", &found), MANY, "%s: entries listed", path_name);
	CHECK_EQ(found, 1, "%s: file13 listed", path_name);
	sys_close(dfd);
	long bad = 0;
	for (int i = 0; i < MANY; i++) {
		long fd = sopen(P("m/file%d", i), O_RDONLY);
		long n = sys_read(fd, (long)big, sizeof(big));
		bad += n != i * 37;
		for (int j = 0; j < n; j++)
			bad += big[j] != (char)(i + j);
		sys_close(fd);
		bad += sys_unlink((long)P("m/file%d", i)) != 0;
	}
	CHECK_EQ(bad, 0, "%s: wrong sizes, bytes or unlinks among %d files", path_name, MANY);
	CHECK_EQ(sys_rmdir((long)P("m")), 0, "%s: rmdir", path_name);
}

/* Each limit gives its error: entries per directory, inodes, pages. */
static void limits(void)
{
	CHECK_EQ(sys_mkdir((long)P("l")), 0, "%s: mkdir", path_name);
	int n = 0;
	long r;
	while ((r = sopen(P("l/%d", n), O_CREAT | O_RDWR)) >= 0) {
		sys_close(r);
		n++;
	}
	CHECK_EQ(r, -ENOSPC, "%s: a full directory", path_name);
	CHECK_EQ(n, FS_DIR_MAX, "%s: entries in a full directory", path_name);
	CHECK_EQ(sys_mkdir((long)P("l/x")), -ENOSPC, "%s: mkdir in a full directory", path_name);
	sys_close(sopen(P("outside"), O_CREAT | O_RDWR));
	CHECK_EQ(sys_rename((long)P("outside"), (long)P("l/x")), -ENOSPC, "%s: rename into a full dir", path_name);
	CHECK_EQ(sys_rename((long)P("outside"), (long)P("l/0")), 0, "%s: rename over an entry of a full dir", path_name);
	for (int i = 0; i < n; i++)
		sys_unlink((long)P("l/%d", i));
	CHECK_EQ(sys_rmdir((long)P("l")), 0, "%s: rmdir", path_name);
	/* Inodes: directories of files until the file system has no more. */
	int dirs = 0, files = 0;
	for (r = 0; r >= 0; dirs++) {
		if ((r = sys_mkdir((long)P("i%d", dirs))) < 0)
			break;
		for (int j = 0; j < FS_DIR_MAX && (r = sopen(P("i%d/%d", dirs, j), O_CREAT | O_RDWR)) >= 0; j++, files++)
			sys_close(r);
	}
	CHECK_EQ(r, -ENOSPC, "%s: out of inodes", path_name);
	CHECK_EQ(files + dirs < FS_MAX_INODES && files + dirs > FS_MAX_INODES - 100, 1,
		 "%s: %d inodes made before ENOSPC", path_name, files + dirs);
	for (int i = 0; i < dirs; i++) {
		for (int j = 0; j < FS_DIR_MAX; j++)
			if (sys_unlink((long)P("i%d/%d", i, j)))
				break;
		sys_rmdir((long)P("i%d", i));
	}
	/* Pages: whole files until the file system's pages run out. */
	memset(big, 'x', sizeof(big));
	long pages = 0, fd;
	int nf = 0;
	for (r = 1; r > 0 && nf < 16; nf++) {
		fd = sopen(P("p%d", nf), O_CREAT | O_RDWR);
		for (long off = 0; off < (long)FS_FILE_MAX; off += r) {
			if ((r = sys_write(fd, (long)big, sizeof(big))) <= 0)
				break;
			pages += r / 4096;
		}
		sys_close(fd);
	}
	CHECK_EQ(r, -ENOSPC, "%s: out of pages", path_name);
	CHECK_EQ(pages < FS_MAX_PAGES && pages > FS_MAX_PAGES - 512, 1, "%s: %ld pages before ENOSPC", path_name, pages);
	for (int i = 0; i < nf; i++)
		sys_unlink((long)P("p%d", i));
}

/* File size: the last byte, then EFBIG; a hole costs nothing. */
static void file_size_limit(void)
{
	struct stat st;
	long fd = sopen(P("huge"), O_CREAT | O_RDWR);
	CHECK_EQ(sys_pwrite(fd, (long)"ab", 2, FS_FILE_MAX - 1), 1, "%s: write up to the size limit", path_name);
	CHECK_EQ(sys_pwrite(fd, (long)"ab", 2, FS_FILE_MAX), -EFBIG, "%s: write past the size limit", path_name);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_END), FS_FILE_MAX, "%s: size", path_name);
	CHECK_EQ(sys_write(fd, (long)"ab", 2), -EFBIG, "%s: write at the limit", path_name);
	CHECK_EQ(sys_fstat(fd, (long)&st), 0, "%s: fstat", path_name);
	CHECK_EQ(st.size, FS_FILE_MAX, "%s: size at the limit", path_name);
	sys_close(fd);
	sys_unlink((long)P("huge"));
}

/* Pipes inside this process. */
static void pipe_basics(void)
{
	int p[2];
	char buf[64];
	struct stat st;
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	CHECK_EQ(sys_write(p[1], (long)"hello", 5), 5, "%s: write a pipe", path_name);
	CHECK_EQ(sys_fstat(p[0], (long)&st), 0, "%s: fstat a pipe", path_name);
	CHECK_EQ(st.type, FT_PIPE, "%s: pipe type", path_name);
	CHECK_EQ(st.size, 5, "%s: bytes buffered", path_name);
	CHECK_EQ(sys_read(p[0], (long)buf, 3), 3, "%s: part of it", path_name);
	CHECK_EQ(sys_read(p[0], (long)buf + 3, sizeof(buf)), 2, "%s: the rest (a partial read)", path_name);
	CHECK_EQ(memcmp(buf, "hello", 5), 0, "%s: pipe bytes", path_name);
	CHECK_EQ(sys_read(p[1], (long)buf, 1), -EBADF, "%s: read the write end", path_name);
	CHECK_EQ(sys_write(p[0], (long)buf, 1), -EBADF, "%s: write the read end", path_name);
	CHECK_EQ(sys_lseek(p[0], 0, SEEK_SET), -ESPIPE, "%s: lseek a pipe", path_name);
	CHECK_EQ(sys_pwrite(p[1], (long)buf, 1, 0), -ESPIPE, "%s: pwrite a pipe", path_name);
	CHECK_EQ(sys_write(p[1], KERNEL_ADDR, 4), -EFAULT, "%s: write a pipe from the kernel", path_name);
	sys_write(p[1], (long)"x", 1);
	CHECK_EQ(sys_read(p[0], (long)rodata_buf, 1), -EFAULT, "%s: read a pipe into rodata", path_name);
	CHECK_EQ(sys_read(p[0], (long)buf, 1), 1, "%s: the byte is still there", path_name);
	/* Fill it without blocking: exactly PIPE_SIZE fit. */
	memset(big, 'f', PIPE_SIZE);
	CHECK_EQ(sys_write(p[1], (long)big, PIPE_SIZE), PIPE_SIZE, "%s: fill a pipe", path_name);
	CHECK_EQ(sys_read(p[0], (long)big, sizeof(big)), PIPE_SIZE, "%s: drain it", path_name);
	long d = sys_dup(p[1]);
	sys_close(p[1]);
	sys_write(d, (long)"z", 1);
	sys_close(d);
	CHECK_EQ(sys_read(p[0], (long)buf, 10), 1, "%s: data before EOF", path_name);
	CHECK_EQ(sys_read(p[0], (long)buf, 10), 0, "%s: EOF once every writer closed", path_name);
	sys_close(p[0]);
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	sys_close(p[0]);
	CHECK_EQ(sys_write(p[1], (long)"x", 1), -EPIPE, "%s: write with no reader", path_name);
	sys_close(p[1]);
}

static long spawn(const char *mode, long fd, long a, long b)
{
	char s1[16], s2[16], s3[16];
	snprintf(s1, sizeof(s1), "%ld", fd);
	snprintf(s2, sizeof(s2), "%ld", a);
	snprintf(s3, sizeof(s3), "%ld", b);
	const char *argv[] = { "utest_fs", mode, path_name, s1, s2, s3, 0 };
	return sys_spawn((long)"utest_fs", (long)argv);
}

static long waitpid(long pid)
{
	int status = -999;
	long r = sys_wait(pid, (long)&status);
	return r == pid ? status : r;
}

/* Writers in other processes, one reader here: every record arrives whole,
 * each writer's in order; then EOF. */
#define WRITERS 3
static void pipe_writers(void)
{
	const int RECORDS = flexsc ? 40 : 300;
	int p[2];
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	long pids[WRITERS];
	for (int i = 0; i < WRITERS; i++)
		pids[i] = spawn("writer", p[1], i, RECORDS);
	sys_close(p[1]);
	int next[WRITERS] = { 0 }, bad = 0;
	long total = 0, have = 0;
	static char rec[REC * 8];
	/* Let the writers fill the pipe and block; then reads of 100 bytes, each
	 * followed (for a while) by a yield to them, leave room for less than a
	 * record, which a writer must not take. */
	sys_sleep_ns(20000000);
	long reads = 0;
	for (long r; (r = sys_read(p[0], (long)rec + have, 100)) > 0;) {
		if (reads++ < 200)
			sys_yield();
		have += r;
		long whole = have / REC * REC;
		for (long off = 0; off < whole; off += REC) {
			unsigned id = (unsigned char)rec[off], seq;
			memcpy(&seq, rec + off + 4, sizeof(seq));
			if (id >= WRITERS || seq != (unsigned)next[id]) {
				bad++;
				continue;
			}
			for (int j = 8; j < REC; j++)
				bad += rec[off + j] != (char)(id * 31 + seq + j);
			next[id]++;
		}
		memmove(rec, rec + whole, have - whole);
		have -= whole;
		total += whole;
	}
	CHECK_EQ(bad, 0, "%s: records torn, out of order or wrong", path_name);
	CHECK_EQ(total, WRITERS * RECORDS * REC, "%s: bytes through the pipe", path_name);
	CHECK_EQ(have, 0, "%s: a partial record at EOF", path_name);
	for (int i = 0; i < WRITERS; i++)
		CHECK_EQ(waitpid(pids[i]), 0, "%s: writer %d", path_name, i);
	sys_close(p[0]);
}

static unsigned char stream_byte(long i) { return (unsigned char)(i * 31 + (i >> 9)); }

/* A large transfer from another process, checked byte by byte. */
static void pipe_stream(void)
{
	const long STREAM = flexsc ? 64 * 1024 : 512 * 1024;
	int p[2];
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	long pid = spawn("stream", p[1], STREAM, 0);
	sys_close(p[1]);
	long got = 0, bad = 0;
	for (long r; (r = sys_read(p[0], (long)big, 3001)) > 0; got += r)
		for (long i = 0; i < r; i++)
			bad += (unsigned char)big[i] != stream_byte(got + i);
	CHECK_EQ(got, STREAM, "%s: bytes streamed", path_name);
	CHECK_EQ(bad, 0, "%s: wrong bytes streamed", path_name);
	CHECK_EQ(waitpid(pid), 0, "%s: streamer", path_name);
	sys_close(p[0]);
}

/* A reader blocked on an empty pipe, and a writer on a full one, killed. */
static void pipe_kill(void)
{
	static const char *const modes[] = { "blockread", "blockwrite" };
	for (int m = 0; m < 2; m++) {
		int p[2];
		CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
		long pid = spawn(modes[m], p[m], 0, 0);
		sys_sleep_ns(30000000);
		struct stat st;
		sys_fstat(p[0], (long)&st);
		if (m == 1)
			CHECK_EQ(st.size, PIPE_SIZE, "%s: the writer filled the pipe", path_name);
		CHECK_EQ(sys_kill(pid), 0, "%s: kill %s", path_name, modes[m]);
		CHECK_EQ(waitpid(pid), -1, "%s: %s killed", path_name, modes[m]);
		sys_close(p[0]);
		sys_close(p[1]);
	}
}

/* FlexSC only: user threads of this process on both ends of a pipe; the
 * reader's call blocks in a syscall thread while the writers' run. */
static int up[2];
static long uread_bad, uread_total;

static void *uwriter(void *arg)
{
	long id = (long)arg;
	char rec[REC];
	for (int s = 0; s < 100; s++) {
		memset(rec, (int)(id * 50 + s % 50), REC);
		if (sys_write(up[1], (long)rec, REC) != REC)
			uread_bad++;
	}
	return 0;
}

static void *ureader(void *arg)
{
	(void)arg;
	char buf[REC * 4];
	long have = 0;
	for (long r; (r = sys_read(up[0], (long)buf + have, sizeof(buf) - have)) > 0;) {
		have += r;
		long whole = have / REC * REC;
		for (long off = 0; off < whole; off += REC)
			for (int j = 1; j < REC; j++)
				uread_bad += buf[off + j] != buf[off];
		memmove(buf, buf + whole, have - whole);
		have -= whole;
		uread_total += whole;
	}
	return 0;
}

static void *upipe_main(void *arg)
{
	(void)arg;
	struct uthread *r = uthread_create(ureader, 0);
	uthread_yield(); /* the read is posted first, on an empty pipe */
	struct uthread *w[2] = { uthread_create(uwriter, (void *)0), uthread_create(uwriter, (void *)1) };
	uthread_join(w[0], 0);
	uthread_join(w[1], 0);
	sys_close(up[1]);
	uthread_join(r, 0);
	return 0;
}

static void pipe_uthreads(void)
{
	CHECK_EQ(sys_pipe((long)up), 0, "%s: pipe", path_name);
	uthread_run(upipe_main, 0, 0);
	CHECK_EQ(uread_bad, 0, "%s: uthread pipe records", path_name);
	CHECK_EQ(uread_total, 2 * 100 * REC, "%s: uthread pipe bytes", path_name);
	sys_close(up[0]);
}

/* The children: they use the parent's way in too. */
static int child(int argc, char **argv)
{
	if (argc < 4 || check_set_path(argv[2]))
		return 100;
	long fd = atoi(argv[3]);
	if (!strcmp(argv[1], "writer")) {
		long id = atoi(argv[4]), n = atoi(argv[5]);
		char rec[REC];
		for (long s = 0; s < n; s++) {
			unsigned seq = (unsigned)s;
			rec[0] = (char)id;
			memcpy(rec + 4, &seq, sizeof(seq));
			for (int j = 8; j < REC; j++)
				rec[j] = (char)(id * 31 + s + j);
			if (sys_write(fd, (long)rec, REC) != REC)
				return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "stream")) {
		long n = atoi(argv[4]);
		for (long done = 0; done < n;) {
			long chunk = n - done < 4999 ? n - done : 4999;
			for (long i = 0; i < chunk; i++)
				big[i] = stream_byte(done + i);
			long w = sys_write(fd, (long)big, chunk);
			if (w != chunk)
				return 1;
			done += w;
		}
		return 0;
	}
	if (!strcmp(argv[1], "blockread"))
		return sys_read(fd, (long)big, 1) == -EINTR ? 2 : 3; /* killed first: never returns */
	if (!strcmp(argv[1], "blockwrite"))
		return sys_write(fd, (long)big, sizeof(big)) ? 2 : 3;
	return 100;
}

/* Every check of this run's path. */
static void run(void)
{
	flexsc = syscall_path_get() == PATH_FLEXSC;
	files();
	dirs();
	names();
	bad_pointers();
	dups();
	unlink_open();
	many_files();
	file_size_limit();
	if (!strcmp(path_name, "syscall"))
		limits();
	pipe_basics();
	pipe_writers();
	pipe_stream();
	pipe_kill();
	if (flexsc)
		pipe_uthreads();
}

int main(int argc, char **argv)
{
	if (argc > 2)
		return child(argc, argv);
	return check_main("utest_fs", argc, argv, &path_name, dir, sizeof(dir), "/tmp/", run);
}
