/* FlexSC-Threads on several user cores (uthread_run_cores) over PATH_FLEXSC:
 * 2 cores of 8 threads each making getpid/null calls and passing messages
 * through pipes to threads of the other core, checked exactly; then 8 cores
 * whose threads outnumber their entries; then uthread_run as before.
 * usage: ucores -> exit status: failed checks */
#include "check.h"
#include "../sys.h"
#include "../flexsc.h"
#include "../uthread.h"

#define TRAP(nr, a, b, c) syscall_syscall(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

#define THREADS 8 /* per core */
#define CALLS 40  /* getpid + null pairs per caller thread */
#define MSGS 25   /* round trips per pipe pair */
#define PAIRS 4   /* threads 4..7 of each core */

static long pid;
static int ping[PAIRS][2], pong[PAIRS][2]; /* core 0 -> core 1, and back */
static long core_tid[UTHREAD_MAX_CORES];

/* getpid and null CALLS times each. Returns the wrong results. */
static long caller(void)
{
	long bad = 0;

	for (int i = 0; i < CALLS; i++) {
		bad += sys_getpid() != pid;
		bad += sys_null() != 0;
	}
	return bad;
}

/* Pair j: core 0's thread sends MSGS words down ping[j] and expects each
 * back from core 1's thread, plus one, up pong[j]. Returns the wrong
 * results. */
static long pinger(int core, int j)
{
	long bad = 0;

	for (long i = 0; i < MSGS; i++) {
		long out = j * 1000 + i, in = -1;

		if (core == 0) {
			bad += sys_write(ping[j][1], (long)&out, sizeof(out)) != sizeof(out);
			bad += sys_read(pong[j][0], (long)&in, sizeof(in)) != sizeof(in);
			bad += in != out + 1;
		} else {
			bad += sys_read(ping[j][0], (long)&in, sizeof(in)) != sizeof(in);
			bad += in != out;
			in++;
			bad += sys_write(pong[j][1], (long)&in, sizeof(in)) != sizeof(in);
		}
	}
	return bad;
}

/* Thread k of its core: a caller (k < THREADS - PAIRS) or pipe pair k's
 * end. Returns its wrong results; the core it ran on must not change. */
static void *worker(void *arg)
{
	int k = (int)(long)arg, core = uthread_core();
	long bad = k < THREADS - PAIRS ? caller() : pinger(core, k - (THREADS - PAIRS));

	return (void *)(bad + (uthread_core() != core));
}

/* A core's main thread: notes its kernel thread, starts THREADS workers
 * (callers only if arg), joins them. Returns the wrong results, each thread
 * that could not start counting one. */
static void *core_main(void *arg)
{
	struct uthread *t[THREADS];
	long bad = 0;

	core_tid[uthread_core()] = TRAP(SYS_gettid, 0, 0, 0);
	for (long k = 0; k < THREADS; k++)
		t[k] = uthread_create(worker, (void *)(arg ? k % (THREADS - PAIRS) : k));
	for (int k = 0; k < THREADS; k++) {
		void *r = (void *)1l;

		if (t[k])
			uthread_join(t[k], &r);
		bad += (long)r;
	}
	return (void *)bad;
}

static void *one_main(void *arg)
{
	(void)arg;
	return (void *)(caller() + (uthread_core() != 0));
}

int main(void)
{
	void *rets[8], *ret = (void *)1l;
	int entries;

	pid = TRAP(SYS_getpid, 0, 0, 0);
	for (int j = 0; j < PAIRS; j++) {
		CHECK_EQ(TRAP(SYS_pipe, ping[j], 0, 0), 0, "pipe");
		CHECK_EQ(TRAP(SYS_pipe, pong[j], 0, 0), 0, "pipe");
	}
	CHECK_EQ(flexsc_init(1), 0, "flexsc_init");
	CHECK_EQ(syscall_path_set(PATH_FLEXSC), 0, "path");
	entries = flexsc_nfree();
	CHECK_EQ(uthread_run_cores(0, core_main, 0, rets), -EINVAL, "no cores");
	CHECK_EQ(uthread_run_cores(UTHREAD_MAX_CORES + 1, core_main, 0, rets), -EINVAL, "too many");

	CHECK_EQ(uthread_run_cores(2, core_main, 0, rets), 0, "2 cores");
	for (int i = 0; i < 2; i++)
		CHECK_EQ((long)rets[i], 0, "wrong results on core %d", i);
	CHECK_EQ(core_tid[0] != core_tid[1], 1, "a kernel thread per core");
	CHECK_EQ(core_tid[0] != TRAP(SYS_gettid, 0, 0, 0), 1, "core 0 not the caller");
	CHECK_EQ(flexsc_nfree(), entries, "entries back");

	/* 7 entries a core for 8 threads: some wait for one. */
	CHECK_EQ(uthread_run_cores(8, core_main, (void *)1l, rets), 0, "8 cores");
	for (int i = 0; i < 8; i++)
		CHECK_EQ((long)rets[i], 0, "wrong results on core %d of 8", i);
	CHECK_EQ(flexsc_nfree(), entries, "entries back after 8 cores");

	CHECK_EQ(uthread_run(one_main, 0, &ret), 0, "uthread_run after");
	CHECK_EQ((long)ret, 0, "uthread_run's results");
	syscall_path_set(PATH_SYSCALL);
	CHECK_EQ(malloc_check(), 0, "heap");
	return check_failures;
}
