/* FlexSC process lifecycle cases, one per mode (exit status 0 = as expected):
 *   exit-read  nulls, a console read and long sleeps in flight, then exit
 *   spin       the same in flight, then spin in ring 3 until killed
 *   late       register while the syscall core sleeps, post without trapping:
 *              the doorbell must be seen (1 if the entry never ran)
 *   hog        keep console reads and 150 long sleeps blocked (more than a
 *              core's pool less its reserve), wait until killed
 *   served     50 calls must complete within 3 s (1 if slower)
 *   blockmany  12 reads of empty pipes blocked at once (4x the share every
 *              process has), then the 12 writes that end them, all through
 *              FlexSC: done within 5 s (1 if not; a hang if the writes
 *              wait behind the reads for good, as a FlexSC-Threads
 *              server's idle connections held its busy one back)
 *   uncounted  a read of an empty pipe (counted) blocks in a syscall thread;
 *              a getpid posted without the counter must run at flexsc_wait,
 *              not once the read ends (a thread ends it after 3 s): 0 if
 *              the getpid ran first, 1 if only after the read
 *   idle       register one page, then sleep 5 s in a trap (posting
 *              nothing: the kernel test posts for us)
 *   long       one call that runs long without sleeping: a read of
 *              LONG_READ bytes of /dev/zero into fresh heap pages
 *              (0 if it read them all)
 *   first-waits  a batch whose first call waits (a read of an empty pipe
 *              whose write is a later entry of the batch; a 300 ms sleep
 *              before getpids): the rest completes without it (3 if the
 *              write waited behind the read for 3 s, 4 if a result is
 *              wrong, 5 if the sleep completed before the getpids)
 *   lseek      open /inline_lseek, then a batch of an lseek (which the
 *              kernel test keeps asleep on the file's mutex) and getpids;
 *              0 if all return what they should
 *   oom        register 16 pages while the kernel starves us of memory:
 *              0 registered, 1 -ENOMEM and nothing left mapped,
 *              2 -ENOMEM with a syscall page still mapped, 3 other error */
#include "../libc.h"
#include "../sys.h"
#include "../flexsc.h"
#include "../thread.h"

#define PAGES 0x00007F0000000000l
#define LONG_READ (64l << 20)

static char buf[64];

static long now(void) { return syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0); }

/* Nulls, then calls that block (console reads, 100 s sleeps); returns once
 * the nulls are done and reaped, so that flexsc_wait sleeps from then on. */
static void post_blocking(void)
{
	struct flexsc_entry *nulls[5];
	for (int i = 0; i < 5; i++)
		nulls[i] = flexsc_post(SYS_null, 0, 0, 0, 0, 0, 0);
	flexsc_post(SYS_read, 0, (long)buf, sizeof(buf), 0, 0, 0);
	for (int i = 0; i < 3; i++)
		flexsc_post(SYS_sleep_ns, 100000000000l, 0, 0, 0, 0, 0);
	flexsc_post(SYS_read, 0, (long)buf, sizeof(buf), 0, 0, 0);
	for (int i = 0; i < 5; i++)
		flexsc_reap(nulls[i]); /* in single-core mode, its wait is what runs them all */
}

#define NPIPES 12

static int blockmany(void)
{
	int fds[NPIPES][2];
	struct flexsc_entry *rd[NPIPES], *wr[NPIPES];
	static char in[NPIPES];
	for (int i = 0; i < NPIPES; i++)
		if (syscall_syscall(SYS_pipe, (long)fds[i], 0, 0, 0, 0, 0))
			return 100;
	for (int i = 0; i < NPIPES; i++)
		rd[i] = flexsc_post(SYS_read, fds[i][0], (long)&in[i], 1, 0, 0, 0);
	flexsc_flush();
	syscall_syscall(SYS_sleep_ns, 100000000, 0, 0, 0, 0, 0); /* the reads block now */
	for (int i = 0; i < NPIPES; i++)
		wr[i] = flexsc_post(SYS_write, fds[i][1], (long)"x", 1, 0, 0, 0);
	flexsc_flush();
	long t0 = now();
	for (int i = 0; i < NPIPES; i++)
		while (!(flexsc_done(rd[i]) && flexsc_done(wr[i]))) {
			if (now() - t0 > 5000000000l)
				return 1;
			flexsc_wait_any(); /* single-core mode: what runs them */
		}
	for (int i = 0; i < NPIPES; i++)
		if (flexsc_reap(rd[i]) != 1 || flexsc_reap(wr[i]) != 1 || in[i] != 'x')
			return 2;
	return 0;
}

/* Posts n (up to 8) calls {nr, a0, a1, a2} as one caller-owned batch and
 * submits it; returns the entries, call i's at [i]. The kernel looks at
 * entries in page order, and a batch's entries come off the free stack
 * highest address first: call 0 goes to the lowest, so it runs first. */
static struct flexsc_entry **post_batch(int n, const long (*calls)[4])
{
	static struct flexsc_entry *in_order[8];
	struct flexsc_entry **es = flexsc_batch_take((unsigned)n);
	for (int i = 0; i < n; i++) {
		long args[6] = { calls[i][1], calls[i][2], calls[i][3] };
		in_order[i] = es[n - 1 - i];
		flexsc_post_entry(in_order[i], calls[i][0], args);
	}
	flexsc_submit(n);
	return in_order;
}

static int first_waits(void)
{
	int fds[2];
	static char in;
	long pid = syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (syscall_syscall(SYS_pipe, (long)fds, 0, 0, 0, 0, 0))
		return 100;
	const long rw[5][4] = {
		{ SYS_read, fds[0], (long)&in, 1 }, { SYS_getpid }, { SYS_null },
		{ SYS_write, fds[1], (long)"x", 1 }, { SYS_getpid },
	};
	struct flexsc_entry **es = post_batch(5, rw);
	long t0 = now();
	/* Reaping the read first: its wait must see the write run. */
	while (!flexsc_done(es[0]) && now() - t0 < 3000000000l)
		flexsc_wait_any();
	if (!flexsc_done(es[0]))
		return 3; /* still here, killed by the kernel test's timeout */
	long r[5];
	for (int i = 0; i < 5; i++)
		r[i] = flexsc_finish(es[i]);
	flexsc_batch_give(5);
	if (r[0] != 1 || in != 'x' || r[1] != pid || r[2] != 0 || r[3] != 1 || r[4] != pid)
		return 4;
	const long sl[4][4] = { { SYS_sleep_ns, 300000000 }, { SYS_getpid }, { SYS_getpid }, { SYS_null } };
	es = post_batch(4, sl);
	while (!flexsc_done(es[0]) && !(flexsc_done(es[1]) && flexsc_done(es[2]) && flexsc_done(es[3])))
		flexsc_wait_any();
	if (flexsc_done(es[0]))
		return 5; /* the getpids waited behind the sleep */
	for (int i = 0; i < 4; i++)
		r[i] = flexsc_finish(es[i]);
	flexsc_batch_give(4);
	return r[0] == 0 && r[1] == pid && r[2] == pid && r[3] == 0 ? 0 : 4;
}

static int lseek_batch(void)
{
	long fd = syscall_syscall(SYS_open, (long)"/inline_lseek", O_RDWR, 0, 0, 0, 0);
	long pid = syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (fd < 0)
		return 100;
	const long calls[3][4] = { { SYS_lseek, fd, 0, SEEK_SET }, { SYS_getpid }, { SYS_getpid } };
	struct flexsc_entry **es = post_batch(3, calls);
	long r[3];
	for (int i = 0; i < 3; i++)
		r[i] = flexsc_finish(es[i]);
	flexsc_batch_give(3);
	return r[0] == 0 && r[1] == pid && r[2] == pid ? 0 : 1;
}

static int pipe_fds[2];

/* Ends the read of uncounted() after 3 s, if nothing else did. */
static int end_read_later(void *arg)
{
	(void)arg;
	syscall_syscall(SYS_sleep_ns, 3000000000l, 0, 0, 0, 0, 0);
	syscall_syscall(SYS_write, pipe_fds[1], (long)"x", 1, 0, 0, 0);
	return 0;
}

/* The raw protocol, as the fuzzer's FlexSC child posts: entry 10 a read
 * that blocks, counted; entry 20 a getpid, not counted (a count that an
 * entry at a lower index took has the same effect). A kernel that skips
 * its look for uncounted posts while a call of ours is in flight waits for
 * the read (for good, if nothing ended it). */
static int uncounted(void)
{
	struct flexsc_page *pg = (struct flexsc_page *)PAGES;
	struct flexsc_entry *rd = &pg->entry[10], *e = &pg->entry[20];
	struct thread t;
	if (syscall_syscall(SYS_pipe, (long)pipe_fds, 0, 0, 0, 0, 0) || thread_spawn(&t, end_read_later, 0) < 0)
		return 100;
	rd->sysnum = SYS_read;
	rd->args[0] = pipe_fds[0];
	rd->args[1] = (long)buf;
	rd->args[2] = 1;
	e->sysnum = SYS_getpid;
	__atomic_store_n(&rd->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	/* The read only, and no doorbell: flexsc_wake would ask for a look at
	 * every entry (flexsc_wait rings without asking). */
	__atomic_fetch_add(&pg->header.submit_seq, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&e->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE &&
	       __atomic_load_n(&rd->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE)
		syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0);
	int r = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE) == FLEXSC_DONE &&
			__atomic_load_n(&rd->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE
		? 0
		: 1;
	syscall_syscall(SYS_write, pipe_fds[1], (long)"x", 1, 0, 0, 0);
	while (__atomic_load_n(&e->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE ||
	       __atomic_load_n(&rd->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE)
		syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0);
	if (e->ret != syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0) || rd->ret != 1)
		return 2;
	return r; /* the thread, asleep or ended, goes with the process */
}

static int oom(void)
{
	long fd = syscall_syscall(SYS_open, (long)"null", O_WRONLY, 0, 0, 0, 0);
	syscall_syscall(SYS_sleep_ns, 30000000, 0, 0, 0, 0, 0); /* the kernel takes the memory now */
	long r = syscall_syscall(SYS_flexsc_register, FLEXSC_MAX_PAGES, 0, 0, 0, 0, 0);
	if (r == (long)PAGES)
		return 0;
	if (r != -ENOMEM)
		return 3;
	for (int i = 0; i < FLEXSC_MAX_PAGES; i++)
		if (syscall_syscall(SYS_write, fd, PAGES + i * 4096l, 1, 0, 0, 0) != -EFAULT)
			return 2; /* the kernel still lets us at a freed page */
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "oom"))
		return oom();
	struct sysinfo si;
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	if (!strcmp(mode, "late")) {
		if (!si.flexsc_cpus)
			return 0; /* single-core mode: entries run at flexsc_wait, no doorbell */
		syscall_syscall(SYS_sleep_ns, 50000000, 0, 0, 0, 0, 0); /* > flexsc.poll_us */
		if (flexsc_init(1))
			return 100;
		struct flexsc_entry *e = flexsc_post(SYS_getpid, 0, 0, 0, 0, 0, 0);
		long t0 = now();
		while (!flexsc_done(e) && now() - t0 < 1000000000l)
			syscall_syscall(SYS_sleep_ns, 1000000, 0, 0, 0, 0, 0);
		return flexsc_done(e) ? 0 : 1;
	}
	if (flexsc_init(!strcmp(mode, "hog") ? 4 : 1))
		return 100;
	if (!strcmp(mode, "exit-read")) {
		post_blocking();
		syscall_syscall(SYS_sleep_ns, 5000000, 0, 0, 0, 0, 0);
		return 0;
	}
	if (!strcmp(mode, "spin")) {
		post_blocking();
		for (;;)
			__asm__ volatile("pause");
	}
	if (!strcmp(mode, "hog")) {
		post_blocking();
		for (int i = 0; i < 150; i++)
			flexsc_post(SYS_sleep_ns, 100000000000l, 0, 0, 0, 0, 0);
		flexsc_flush();
		for (;;)
			flexsc_wait_any();
	}
	if (!strcmp(mode, "blockmany"))
		return blockmany();
	if (!strcmp(mode, "first-waits"))
		return first_waits();
	if (!strcmp(mode, "lseek"))
		return lseek_batch();
	if (!strcmp(mode, "long")) {
		long fd = syscall_syscall(SYS_open, (long)"zero", O_RDONLY, 0, 0, 0, 0);
		long heap = syscall_syscall(SYS_sbrk, LONG_READ, 0, 0, 0, 0, 0);
		if (fd < 0 || heap < 0)
			return 100;
		return flexsc_reap(flexsc_post(SYS_read, fd, heap, LONG_READ, 0, 0, 0)) == LONG_READ ? 0 : 1;
	}
	if (!strcmp(mode, "uncounted"))
		return uncounted();
	if (!strcmp(mode, "idle")) {
		syscall_syscall(SYS_sleep_ns, 5000000000l, 0, 0, 0, 0, 0);
		return 0;
	}
	if (!strcmp(mode, "served")) {
		long t0 = now();
		for (int i = 0; i < 50; i++)
			if (flexsc_call(SYS_getpid, 0, 0, 0, 0, 0, 0) != syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0))
				return 2;
		return now() - t0 < 3000000000l ? 0 : 1;
	}
	return 99;
}
