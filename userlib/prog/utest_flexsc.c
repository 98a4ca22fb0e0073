/* Exception-less calls against the kernel's syscall threads (or single-core
 * mode): same results as syscall, exactly-once under stress with M:N
 * threads, a blocking call that does not stall the others, bad entries,
 * the doorbell, submit-and-wait. usage: utest_flexsc [section] -> exit status = failed checks */
#include "check.h"
#include "../sys.h"
#include "../flexsc.h"
#include "../uthread.h"

#define KERNEL_ADDR 0xFFFFFFFF80100000l

static char buf[8192];

static void same_as_syscall(void)
{
	long want[6], got[6];
	for (int pass = 0; pass < 2; pass++) {
		long *r = pass ? got : want;
		syscall_path_set(pass ? PATH_FLEXSC : PATH_SYSCALL);
		r[0] = sys_null();
		r[1] = sys_getpid();
		long fd = sys_open((long)"zero", O_RDONLY);
		memset(buf, 7, sizeof(buf));
		r[2] = sys_read(fd, (long)buf, sizeof(buf)) + buf[100] + buf[8191];
		r[3] = sys_close(fd) + sys_close(fd);
		r[4] = syscall6(999, 0, 0, 0, 0, 0, 0);
		r[5] = sys_write(1, KERNEL_ADDR, 4) + sys_read(0, 0, 4);
	}
	syscall_path_set(PATH_SYSCALL);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(got[i], want[i], "call %d over flexsc vs syscall", i);
	CHECK_EQ(want[4], -ENOSYS, "unknown number");
}

#define THREADS 40
#define CALLS 500
static long stress_bad, stress_fd;

static void *stress_thread(void *arg)
{
	long id = (long)arg, fd = stress_fd;
	for (int i = 0; i < CALLS; i++) {
		long n = (id * 31 + i) % 4096;
		if (sys_write(fd, (long)buf, n) != n)
			stress_bad++;
		if (sys_null() != 0)
			stress_bad++;
	}
	return 0;
}

static void *stress_main(void *arg)
{
	(void)arg;
	struct uthread *t[THREADS];
	for (long i = 0; i < THREADS; i++)
		t[i] = uthread_create(stress_thread, (void *)i);
	for (int i = 0; i < THREADS; i++)
		uthread_join(t[i], 0);
	return 0;
}

static void stress(void)
{
	stress_fd = sys_open((long)"null", O_WRONLY);
	syscall_path_set(PATH_FLEXSC);
	uint64_t posts = flexsc_posts();
	uthread_run(stress_main, 0, 0);
	syscall_path_set(PATH_SYSCALL);
	sys_close(stress_fd);
	CHECK_EQ(stress_bad, 0, "wrong results in %d x %d x 2 calls", THREADS, CALLS);
	CHECK_EQ(flexsc_posts() - posts, THREADS * CALLS * 2, "entries posted");
}

/* More threads than free entries: a thread keeps its last call's entry
 * for its next call, so it must give it back when it waits on a mutex (the
 * holder, which gave its own back when it yielded, needs one for the calls
 * it makes holding it), yields or ends, and when another thread waits for
 * an entry; else this deadlocks (uthread_run: -EBUSY) or leaves entries
 * out. */
#define SCARCE_LEFT 3                    /* free entries while they run */
#define SCARCE_THREADS (SCARCE_LEFT + 1) /* the holder and one per entry */
#define SCARCE_ROUNDS 20
static struct uthread_mutex scarce_lock = UTHREAD_MUTEX_INITIALIZER;
static long scarce_bad, scarce_inside, scarce_queued, scarce_live, getpid_want;

static void *scarce_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < SCARCE_ROUNDS; i++) {
		if (sys_null() != 0)
			scarce_bad++;
		scarce_queued++;
		uthread_mutex_lock(&scarce_lock);
		scarce_queued--;
		scarce_inside++;
		/* The holder gives its entry back when it yields; meanwhile
		 * each other thread's call takes a free entry and completes,
		 * and the thread waits on the lock: with no free entry left
		 * unless waiting on the lock gave theirs back. */
		while (scarce_queued < scarce_live - 1) {
			uthread_yield();
			flexsc_wait_any(); /* single-core mode runs the calls here */
		}
		if (sys_getpid() != getpid_want || sys_null() != 0 || scarce_inside != 1)
			scarce_bad++;
		scarce_inside--;
		uthread_mutex_unlock(&scarce_lock);
	}
	scarce_live--;
	return 0;
}

static void *scarce_main(void *arg)
{
	(void)arg;
	struct uthread *t[SCARCE_THREADS];
	for (long i = 0; i < SCARCE_THREADS; i++)
		t[i] = uthread_create(scarce_thread, 0);
	for (int i = 0; i < SCARCE_THREADS; i++)
		uthread_join(t[i], 0);
	return 0;
}

static void scarce(void)
{
	static struct flexsc_entry *held[FLEXSC_MAX_PAGES * FLEXSC_ENTRIES_PER_PAGE];
	int nheld = 0, before;

	getpid_want = sys_getpid();
	scarce_live = SCARCE_THREADS;
	while (flexsc_nfree() > SCARCE_LEFT)
		held[nheld++] = flexsc_take();
	before = flexsc_nfree();
	syscall_path_set(PATH_FLEXSC);
	uint64_t posts = flexsc_posts();
	int err = uthread_run(scarce_main, 0, 0);
	syscall_path_set(PATH_SYSCALL);
	CHECK_EQ(err, 0, "uthread_run");
	CHECK_EQ(scarce_bad, 0, "wrong results or two threads inside the lock");
	CHECK_EQ(flexsc_posts() - posts, SCARCE_THREADS * SCARCE_ROUNDS * 3, "entries posted");
	CHECK_EQ(flexsc_nfree(), before, "entries back");
	while (nheld > 0)
		flexsc_give(held[--nheld]);
}

/* Long enough that, even on a loaded emulator, the others can only finish
 * first if the blocked call really stalls nothing. */
#define SLEEP_NS 2000000000l
static long sleeper_done_ns, others_done_ns;

static void *sleeper(void *arg)
{
	(void)arg;
	sys_sleep_ns(SLEEP_NS);
	sleeper_done_ns = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
	return 0;
}

static void *other(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		sys_null();
	others_done_ns = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
	return 0;
}

static void *blocking_main(void *arg)
{
	(void)arg;
	struct uthread *s = uthread_create(sleeper, 0);
	uthread_yield(); /* the sleep is posted first */
	struct uthread *o = uthread_create(other, 0);
	uthread_join(o, 0);
	uthread_join(s, 0);
	return 0;
}

static void blocking(void)
{
	syscall_path_set(PATH_FLEXSC);
	long t0 = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
	uthread_run(blocking_main, 0, 0);
	syscall_path_set(PATH_SYSCALL);
	CHECK_EQ(sleeper_done_ns - t0 >= SLEEP_NS, 1, "the sleep slept");
	CHECK_EQ(others_done_ns < sleeper_done_ns, 1, "others finished before the sleep: %ld vs %ld ms",
		 (others_done_ns - t0) / 1000000, (sleeper_done_ns - t0) / 1000000);
}

/* The FlexSC-Threads scheduler with no thread ready spins on its calls in
 * flight for uthread_spin_ns, however many rounds that is, then sleeps in
 * flexsc_wait (single-core mode sleeps at once: nothing completes while its
 * one CPU spins). A call that outlasts the spin must outlast it by far
 * more than the host may keep the spinning vCPU off its CPU: a spin that
 * resumes after the call completed finds it DONE and never sleeps (with
 * 5 ms calls, a run beside two other QEMUs on two host CPUs counted no
 * sleep for any of the three). */
#define SPIN_CALL_NS 100000000l /* 50 times the default spin (2 ms) */

static void *spin_sleeps_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		sys_sleep_ns(SPIN_CALL_NS);
	return 0;
}

/* Waits in flexsc_wait of three SPIN_CALL_NS calls, spinning spin_ns. */
static unsigned long spin_waits(unsigned long spin_ns)
{
	unsigned long saved = uthread_spin_ns, waits = flexsc_stats.waits;

	uthread_spin_ns = spin_ns;
	syscall_path_set(PATH_FLEXSC);
	uthread_run(spin_sleeps_main, 0, 0);
	syscall_path_set(PATH_SYSCALL);
	uthread_spin_ns = saved;
	return flexsc_stats.waits - waits;
}

static void spin(void)
{
	struct sysinfo si;

	sys_sysinfo((long)&si);
	CHECK_EQ(spin_waits(uthread_spin_ns) >= 3, 1, "a %ld ms call outlasts the default spin: sleep",
		 SPIN_CALL_NS / 1000000);
	/* Ten seconds of spinning: millions of rounds. */
	unsigned long long_spin = spin_waits(10000000000ul);
	if (si.flexsc_cpus)
		CHECK_EQ(long_spin, 0, "a 10 s spin outlasts %ld ms calls: no sleep", SPIN_CALL_NS / 1000000);
	else
		CHECK_EQ(long_spin >= 3, 1, "single-core mode sleeps at once");
}

static void bad_entries(void)
{
	/* A hand-made entry in the last line, which the library hands out last. */
	struct flexsc_page *pg = (struct flexsc_page *)0x00007F0000000000l;
	struct flexsc_entry *h = &pg[1].entry[FLEXSC_ENTRIES_PER_PAGE - 1];
	h->sysnum = SYS_getpid;
	h->reserved[0] = 9; /* the byte after sysnum: junk the kernel ignores */
	__atomic_store_n(&h->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
	while (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE)
		flexsc_wait_any();
	CHECK_EQ(h->ret, sys_getpid(), "reserved field 9 ignored");
	__atomic_store_n(&h->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	CHECK_EQ(flexsc_call(999, 0, 0, 0, 0, 0, 0), -ENOSYS, "unknown number");
	CHECK_EQ(flexsc_call(SYS_exit, 3, 0, 0, 0, 0, 0), -EINVAL, "exit through a syscall page");
	CHECK_EQ(flexsc_call(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0), -EINVAL, "flexsc_wait through a page");
	CHECK_EQ(flexsc_call(SYS_write, 1, KERNEL_ADDR, 8, 0, 0, 0), -EFAULT, "kernel pointer");
	CHECK_EQ(flexsc_call(SYS_write, 1, 0x0000800000000000l, 8, 0, 0, 0), -EFAULT, "non-canonical");
	CHECK_EQ(flexsc_call(SYS_read, 0, 16, 8, 0, 0, 0), -EFAULT, "NULL page");
	/* Garbage status in a free entry: ignored (and reported once). */
	struct flexsc_entry *g = &pg->entry[FLEXSC_ENTRIES_PER_PAGE - 1];
	uint32_t saved = g->status;
	__atomic_store_n(&g->status, 0xdeadbeef, __ATOMIC_RELEASE);
	CHECK_EQ(flexsc_call(SYS_null, 0, 0, 0, 0, 0, 0), 0, "a call beside garbage");
	sys_sleep_ns(5000000);
	CHECK_EQ(g->status, 0xdeadbeef, "garbage left alone");
	g->status = saved;
	CHECK_EQ(syscall_syscall(SYS_flexsc_register, 1, 0, 0, 0, 0, 0), -EBUSY, "registering twice");
}

/* Runs one hand-made entry (the last line of page 1, which the library hands
 * out last), with garbage in the reserved field and in the arguments past
 * a2, and returns its result. It bumps no counter: flexsc_wake makes the
 * kernel look. */
static long raw(uint8_t nr, long a0, long a1, long a2)
{
	struct flexsc_page *pg = (struct flexsc_page *)0x00007F0000000000l;
	struct flexsc_entry *h = &pg[1].entry[FLEXSC_ENTRIES_PER_PAGE - 1];
	h->sysnum = nr;
	h->reserved[0] = h->reserved[1] = h->reserved[2] = 0xff;
	h->args[0] = a0;
	h->args[1] = a1;
	h->args[2] = a2;
	h->args[3] = h->args[4] = h->args[5] = -1;
	__atomic_store_n(&h->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
	while (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE)
		flexsc_wait_any();
	long r = h->ret;
	__atomic_store_n(&h->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	return r;
}

/* Garbage in the syscall pages: each case gets an error or a harmless
 * result, and the kernel goes on. */
static void hostile(void)
{
	struct flexsc_page *pg = (struct flexsc_page *)0x00007F0000000000l;
	long zero = sys_open((long)"zero", O_RDONLY);
	CHECK_EQ(raw(SYS_null, 0, 0, 0), 0, "reserved bytes 0xff: ignored");
	CHECK_EQ(raw(0xff, 0, 0, 0), -ENOSYS, "sysnum 255");
	CHECK_EQ(raw(SYS_COUNT, 0, 0, 0), -ENOSYS, "sysnum SYS_COUNT");
	CHECK_EQ(raw(SYS_write, 1, 0, 0), 0, "write of 0 bytes, garbage past its 3 arguments");
	CHECK_EQ(raw(SYS_getpid, 0, 0, 0), sys_getpid(), "getpid, garbage in every unused field");
	/* Pointers into the kernel: image, direct map, non-canonical. */
	static const long bad[] = { KERNEL_ADDR, (long)0xFFFF800000100000ul, 0x0000800000000000l, -1l, 8 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(raw(SYS_read, zero, bad[i], 64), -EFAULT, "read into %lx", bad[i]);
		CHECK_EQ(raw(SYS_sysinfo, bad[i], 0, 0), -EFAULT, "sysinfo into %lx", bad[i]);
		CHECK_EQ(raw(SYS_ps, bad[i], 4, 0), -EFAULT, "ps into %lx", bad[i]);
		CHECK_EQ(raw(SYS_wait, -1, bad[i], 0), -EFAULT, "wait status into %lx", bad[i]);
		CHECK_EQ(raw(SYS_open, bad[i], 0, 0), -EFAULT, "open name at %lx", bad[i]);
		CHECK_EQ(raw(SYS_spawn, bad[i], 0, 0), -EFAULT, "spawn name at %lx", bad[i]);
	}
	/* Calls that are the process's own business, refused from a page. */
	CHECK_EQ(raw(SYS_setaffinity, 0, 1, 0), -EINVAL, "setaffinity from a syscall thread");
	CHECK_EQ(raw(SYS_poweroff, 0, 0, 0), -EPERM, "poweroff");
	CHECK_EQ(raw(SYS_flexsc_register, 1, 0, 0), -EINVAL, "register from a page");
	CHECK_EQ(raw(SYS_kill, 0, 0, 0), -ESRCH, "kill pid 0");
	CHECK_EQ(raw(SYS_sleep_ns, -1, 0, 0), -EINVAL, "negative sleep");
	/* A child spawned and waited for from the page: the wait blocks a
	 * syscall thread, which hands polling over. */
	long pid = raw(SYS_spawn, (long)"utrue", 0, 0);
	static int st = -7;
	CHECK_EQ(pid > 0, 1, "spawn from a page: %ld", pid);
	CHECK_EQ(raw(SYS_wait, pid, (long)&st, 0), pid, "wait from a page");
	CHECK_EQ(st, 0, "its status");
	/* Pointers into the syscall pages themselves: the kernel writes zeros
	 * over page 1, the running entry's line included, then stores DONE. */
	CHECK_EQ(raw(SYS_read, zero, (long)&pg[1], 4096), 4096, "read over the page being run");
	CHECK_EQ(raw(SYS_sysinfo, (long)&pg[1].entry[0], 0, 0), 0, "sysinfo over entries");
	CHECK_EQ(raw(SYS_write, 1, (long)&pg[1].entry[3], 0), 0, "write from the page");
	memset(&pg[1].entry[0], 0, sizeof(pg[1].entry[0]) * (FLEXSC_ENTRIES_PER_PAGE - 1));
	CHECK_EQ(raw(SYS_read, zero, (long)&pg[0].header, 64), 64, "read over page 0's header");
	CHECK_EQ(flexsc_call(SYS_getpid, 0, 0, 0, 0, 0, 0), sys_getpid(), "a call after the header was zeroed");
	/* Header garbage: submit_seq, npages. */
	pg[0].header.submit_seq = ~0ul;
	pg[0].header.npages = 1000;
	CHECK_EQ(flexsc_call(SYS_getpid, 0, 0, 0, 0, 0, 0), sys_getpid(), "a call after header garbage");
	/* An entry rewritten while BUSY: claimed again or not, it ends DONE
	 * with one of the two results and nothing else moves. SUBMITTED comes
	 * last: the kernel then runs the entry twice, and the first run's DONE
	 * lands whenever its sleep ends, so it is waited out below. */
	struct flexsc_entry *h = &pg[1].entry[FLEXSC_ENTRIES_PER_PAGE - 1];
	static const uint32_t rewrite[] = { FLEXSC_FREE, 7, 0xffffffff, FLEXSC_SUBMITTED };
	for (unsigned i = 0; i < sizeof(rewrite) / sizeof(rewrite[0]); i++) {
		h->sysnum = SYS_sleep_ns;
		h->args[0] = 100000000; /* BUSY long enough to be seen on a loaded host */
		__atomic_store_n(&h->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
		syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
		long t0 = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
		while (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) != FLEXSC_BUSY &&
		       syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0) - t0 < 1000000000l)
			syscall_syscall(SYS_sleep_ns, 1000000, 0, 0, 0, 0, 0);
		CHECK_EQ(h->status, FLEXSC_BUSY, "claimed (round %u)", i);
		h->sysnum = SYS_exit;
		h->reserved[0] = 200;
		h->args[0] = KERNEL_ADDR;
		__atomic_store_n(&h->status, rewrite[i], __ATOMIC_RELEASE);
		syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
		t0 = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
		while (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE &&
		       syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0) - t0 < 1000000000l)
			syscall_syscall(SYS_sleep_ns, 1000000, 0, 0, 0, 0, 0);
		if (rewrite[i] == FLEXSC_SUBMITTED)
			syscall_syscall(SYS_sleep_ns, 300000000, 0, 0, 0, 0, 0); /* the first run ends too */
		CHECK_EQ(h->status, FLEXSC_DONE, "rewritten to 0x%x while BUSY", rewrite[i]);
		CHECK_EQ(h->ret == 0 || h->ret == -EINVAL, 1, "its result %ld", h->ret);
		__atomic_store_n(&h->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	}
	/* A status of BUSY written by the user: the kernel never claims it. */
	__atomic_store_n(&h->status, FLEXSC_BUSY, __ATOMIC_RELEASE);
	CHECK_EQ(flexsc_call(SYS_null, 0, 0, 0, 0, 0, 0), 0, "a call beside a user-made BUSY");
	CHECK_EQ(h->status, FLEXSC_BUSY, "left alone");
	__atomic_store_n(&h->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	sys_close(zero);
}

static void doorbell(void)
{
	struct sysinfo si;
	sys_sysinfo((long)&si);
	for (int i = 0; i < 5; i++) {
		sys_sleep_ns(30000000); /* longer than flexsc.poll_us: the syscall threads sleep */
		uint64_t wakes = flexsc_stats.wakes;
		CHECK_EQ(flexsc_call(SYS_getpid, 0, 0, 0, 0, 0, 0), sys_getpid(), "call after idle");
		if (si.flexsc_cpus)
			CHECK_EQ(flexsc_stats.wakes > wakes, 1, "doorbell rung after idle (round %d)", i);
	}
}

/* A caller-owned batch through flexsc_submit_wait, three rounds: in
 * single-core mode its one trap runs every post (none may wait), so all are
 * DONE when it returns, with one flexsc_wait and no doorbell; with a
 * syscall core it is flexsc_submit. Either way each result is the call's. */
static void submit_wait(void)
{
	enum { N = 16 };
	long pid = sys_getpid();
	for (int round = 0; round < 3; round++) {
		unsigned long waits = flexsc_stats.waits, wakes = flexsc_stats.wakes;
		struct flexsc_entry **es = flexsc_batch_take(N);
		for (int i = 0; i < N; i++)
			flexsc_post_entry(es[i], i % 2 ? SYS_getpid : SYS_null, NULL);
		flexsc_submit_wait(N);
		if (flexsc_single) {
			int done = 0;
			for (int i = 0; i < N; i++)
				done += flexsc_done(es[i]);
			CHECK_EQ(done, N, "DONE once flexsc_submit_wait returns (round %d)", round);
			CHECK_EQ(flexsc_stats.waits - waits, 1, "one flexsc_wait (round %d)", round);
			CHECK_EQ(flexsc_stats.wakes - wakes, 0, "no doorbell (round %d)", round);
		}
		for (int i = 0; i < N; i++)
			CHECK_EQ(flexsc_finish(es[i]), i % 2 ? pid : 0, "entry %d's result (round %d)", i, round);
		flexsc_batch_give(N);
	}
}

int main(int argc, char **argv)
{
	CHECK_EQ(syscall_syscall(SYS_flexsc_register, 0, 0, 0, 0, 0, 0), -EINVAL, "zero pages");
	CHECK_EQ(syscall_syscall(SYS_flexsc_register, FLEXSC_MAX_PAGES + 1, 0, 0, 0, 0, 0), -EINVAL, "too many pages");
	CHECK_EQ(syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0), -EINVAL, "wait before registering");
	CHECK_EQ(flexsc_init(2), 0, "flexsc_init");
	const char *only = argc > 1 ? argv[1] : "";
	if (!*only || !strcmp(only, "same"))
		same_as_syscall();
	if (!*only || !strcmp(only, "stress"))
		stress();
	if (!*only || !strcmp(only, "blocking"))
		blocking();
	if (!*only || !strcmp(only, "scarce"))
		scarce();
	if (!*only || !strcmp(only, "spin"))
		spin();
	if (!*only || !strcmp(only, "bad"))
		bad_entries();
	if (!*only || !strcmp(only, "hostile"))
		hostile();
	if (!*only || !strcmp(only, "doorbell"))
		doorbell();
	if (!*only || !strcmp(only, "submit-wait"))
		submit_wait();
	printf("utest_flexsc: %d failed checks\n", check_failures);
	return check_failures;
}
