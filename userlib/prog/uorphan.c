/* An orphan may not power the machine off. "top" (run by the test) spawns
 * "mid" and waits for it; mid spawns "leaf" and exits at once; leaf, once
 * orphaned, calls poweroff and reports the result through shm page 7.
 * top's exit status: 0 if leaf got -EPERM, 1 if it got something else, 2 if
 * leaf never reported. */
#include "../libc.h"
#include "../sys.h"

#define KEY 7

static long now(void) { return syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0); }

static int my_ppid(void)
{
	static struct proc_info ps[64];
	long n = sys_ps((long)ps, 64), me = sys_getpid();
	for (long i = 0; i < n; i++)
		if (ps[i].pid == me)
			return ps[i].ppid;
	return -1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "top";
	volatile long *page = (volatile long *)sys_shm(KEY);
	if ((long)page < 0)
		return 3;
	if (!strcmp(mode, "leaf")) {
		long t0 = now();
		while (my_ppid() != 0 && now() - t0 < 2000000000l)
			sys_sleep_ns(1000000);
		long r = sys_poweroff(1);
		page[1] = r;
		__atomic_store_n(&page[0], 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (!strcmp(mode, "mid")) {
		char *av[] = { "uorphan", "leaf", 0 };
		return sys_spawn((long)"uorphan", (long)av) > 0 ? 0 : 1;
	}
	page[0] = 0;
	char *av[] = { "uorphan", "mid", 0 };
	long mid = sys_spawn((long)"uorphan", (long)av);
	int st = -1;
	if (mid < 0 || sys_wait(mid, (long)&st) != mid || st != 0)
		return 4;
	long t0 = now();
	while (!__atomic_load_n(&page[0], __ATOMIC_ACQUIRE) && now() - t0 < 3000000000l)
		sys_sleep_ns(1000000);
	if (!page[0])
		return 2;
	return page[1] == -EPERM ? 0 : 1;
}
