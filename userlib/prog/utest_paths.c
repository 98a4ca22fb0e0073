/* The same calls over every trapping path, compared with each other, and
 * every bad-number and bad-pointer case on each path.
 * usage: utest_paths -> exit status = number of failed checks */
#include "check.h"
#include "../sys.h"

#define KERNEL_ADDR 0xFFFFFFFF80100000l
#define NONCANONICAL 0x0000800000000000l

static char big[65536 + 64];
static const char rodata_buf[64] = "read-only";

/* Results of the ordinary calls, compared across paths. */
struct results {
	long null, getpid, fd_null, w_null, r_zero, zero_ok, fd_zero, close1, close2, sleep, cpu_ok;
};

static void run_calls(struct results *r)
{
	r->null = sys_null();
	r->getpid = sys_getpid();
	long cpu = sys_getcpu();
	struct sysinfo si;
	sys_sysinfo((long)&si);
	r->cpu_ok = cpu >= 0 && cpu < (long)si.ncpus;
	r->fd_null = sys_open((long)"null", O_RDWR);
	r->w_null = sys_write(r->fd_null, (long)big, sizeof(big));
	r->fd_zero = sys_open((long)"zero", O_RDONLY);
	memset(big, 0x5a, sizeof(big));
	r->r_zero = sys_read(r->fd_zero, (long)big, 65536); /* one call, 16 pages */
	r->zero_ok = 1;
	for (int i = 0; i < 65536; i++)
		if (big[i])
			r->zero_ok = 0;
	r->close1 = sys_close(r->fd_null);
	r->close2 = sys_close(r->fd_zero);
	long t0 = sys_time_ns();
	r->sleep = sys_sleep_ns(1000000);
	if (sys_time_ns() - t0 < 1000000)
		r->sleep = -999;
}

static void bad_cases(const char *path)
{
	CHECK_EQ(syscall6(999, 0, 0, 0, 0, 0, 0), -ENOSYS, "%s: unknown number", path);
	CHECK_EQ(syscall6(SYS_COUNT, 0, 0, 0, 0, 0, 0), -ENOSYS, "%s: first unused number", path);
	CHECK_EQ(syscall6(-1, 0, 0, 0, 0, 0, 0), -ENOSYS, "%s: negative number", path);
	CHECK_EQ(syscall6(0x7fffffffffffffffl, 0, 0, 0, 0, 0, 0), -ENOSYS, "%s: huge number", path);
	long fd = sys_open((long)"null", O_RDWR);
	long zfd = sys_open((long)"zero", O_RDONLY);
	CHECK_EQ(sys_write(1, 0, 10), -EFAULT, "%s: NULL", path);
	CHECK_EQ(sys_write(fd, KERNEL_ADDR, 10), -EFAULT, "%s: kernel address", path);
	CHECK_EQ(sys_write(fd, NONCANONICAL, 10), -EFAULT, "%s: non-canonical", path);
	CHECK_EQ(sys_write(fd, -16, 32), -EFAULT, "%s: range that wraps", path);
	CHECK_EQ(sys_write(fd, 0x00007ffffffffff0l, 0x20), -EFAULT, "%s: past the top of user space", path);
	CHECK_EQ(sys_write(fd, (long)big, 1l << 40), -EFAULT, "%s: huge length", path);
	CHECK_EQ(sys_write(fd, (long)big, -1), -EINVAL, "%s: negative length", path);
	long brk = sys_sbrk(0);
	CHECK_EQ(sys_read(zfd, brk - 8, 16), -EFAULT, "%s: straddles the end of the heap", path);
	CHECK_EQ(sys_read(zfd, (long)rodata_buf, 8), -EFAULT, "%s: read into read-only data", path);
	CHECK_EQ(sys_read(zfd, (long)&bad_cases, 8), -EFAULT, "%s: read into code", path);
	CHECK_EQ(sys_read(zfd, KERNEL_ADDR, 8), -EFAULT, "%s: read into the kernel", path);
	CHECK_EQ(sys_open(KERNEL_ADDR, 0), -EFAULT, "%s: open(kernel name)", path);
	CHECK_EQ(sys_open(0, 0), -EFAULT, "%s: open(NULL)", path);
	CHECK_EQ(sys_open((long)"nosuchdevice", 0), -ENOENT, "%s: open(unknown)", path);
	CHECK_EQ(sys_open((long)"null", 7), -EINVAL, "%s: open(bad mode)", path);
	CHECK_EQ(sys_write(77, (long)big, 1), -EBADF, "%s: bad fd", path);
	CHECK_EQ(sys_write(-1, (long)big, 1), -EBADF, "%s: negative fd", path);
	CHECK_EQ(sys_spawn(KERNEL_ADDR, 0), -EFAULT, "%s: spawn(kernel name)", path);
	CHECK_EQ(sys_spawn((long)"nosuchprogram", 0), -ENOENT, "%s: spawn(unknown)", path);
	CHECK_EQ(sys_spawn((long)"utrue", KERNEL_ADDR), -EFAULT, "%s: spawn(kernel argv)", path);
	CHECK_EQ(sys_wait(-1, KERNEL_ADDR), -EFAULT, "%s: wait(kernel status)", path);
	CHECK_EQ(sys_wait(-1, 0), -ECHILD, "%s: wait with no child", path);
	CHECK_EQ(sys_kill(99999), -ESRCH, "%s: kill(no such pid)", path);
	CHECK_EQ(sys_ps(KERNEL_ADDR, 4), -EFAULT, "%s: ps(kernel buffer)", path);
	CHECK_EQ(sys_sysinfo(NONCANONICAL), -EFAULT, "%s: sysinfo(non-canonical)", path);
	CHECK_EQ(sys_sleep_ns(-5), -EINVAL, "%s: negative sleep", path);
	CHECK_EQ(sys_setaffinity(0, 0), -EINVAL, "%s: empty affinity", path);
	CHECK_EQ(sys_poweroff(0), -EPERM, "%s: poweroff from a child", path);
	CHECK_EQ(syscall_floor(syscall_path_get()), 0, "%s: floor", path);
	sys_close(fd);
	sys_close(zfd);
}

int main(void)
{
	static const enum syscall_path paths[] = { PATH_INT80, PATH_SYSCALL, PATH_SYSENTER };
	struct results first, r;
	int ran = 0;
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *name = syscall_path_name(paths[i]);
		if (syscall_path_set(paths[i])) {
			printf("utest_paths: path %s unsupported on this CPU: skipped\n", name);
			continue;
		}
		run_calls(&r);
		if (!ran++) {
			first = r;
			CHECK_EQ(r.null, 0, "%s", name);
			CHECK_EQ(r.w_null, sizeof(big), "%s", name);
			CHECK_EQ(r.r_zero, 65536, "%s", name);
			CHECK_EQ(r.zero_ok, 1, "%s", name);
			CHECK_EQ(r.close1, 0, "%s", name);
			CHECK_EQ(r.sleep, 0, "%s", name);
			CHECK_EQ(r.cpu_ok, 1, "%s", name);
		}
		CHECK_EQ(memcmp(&r, &first, sizeof(r)), 0, "%s: results differ from the first path", name);
		bad_cases(name);
	}
	syscall_path_set(PATH_SYSCALL);
	printf("utest_paths: %d paths, %d failed checks\n", ran, check_failures);
	return check_failures;
}
