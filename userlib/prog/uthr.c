/* Kernel threads of one process: create, exit, join, futexes, exit and
 * kill of every thread, brk shrink seen by the other CPU. The main thread
 * makes its calls over each path (FlexSC included); the other threads trap.
 * usage: uthr section [flexsc] -> exit status (see each section) */
#include "check.h"
#include "../sys.h"
#include "../flexsc.h"
#include "../thread.h"

#define KERNEL_ADDR 0xFFFFFFFF80100000l
#define NONCANONICAL 0x0000800000001000l
#define SEC 1000000000l

#define TRAP(nr, a, b, c) syscall_syscall(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static int ncpus;

/* Pin the calling thread to cpu (mod the CPUs online). */
static void pin(int cpu)
{
	TRAP(SYS_setaffinity, 0, 1ul << (cpu % ncpus), 0);
}

static int my_cpu(void)
{
	return (int)TRAP(SYS_getcpu, 0, 0, 0);
}

struct mem {
	unsigned long pages, heap;
};

/* The kernel's free pages (slab pages counted as free: their placement
 * varies) and heap bytes. */
static struct mem mem_now(void)
{
	struct sysinfo si;
	TRAP(SYS_sysinfo, &si, 0, 0);
	return (struct mem){ si.free_pages + si.slab_pages, si.heap_bytes };
}

/* The same once what others free lags no more: up to a second. */
static void expect_mem(struct mem before, const char *what)
{
	struct mem now = mem_now();
	for (int i = 0; i < 100 && (now.pages != before.pages || now.heap != before.heap); i++) {
		TRAP(SYS_sleep_ns, 10000000, 0, 0);
		now = mem_now();
	}
	CHECK_EQ(now.pages, before.pages, "free pages after %s", what);
	CHECK_EQ(now.heap, before.heap, "heap bytes after %s", what);
}

/* ---- a thread started over the current path (thread_spawn traps) ---- */

__attribute__((noreturn)) static void path_entry(struct thread *t)
{
	TRAP(SYS_thread_exit, t->fn(t->arg), 0, 0);
	__builtin_unreachable();
}

static uint64_t *stack_top(struct thread *t)
{
	uint64_t *top = (uint64_t *)(((uintptr_t)t->stack + THREAD_STACK_SIZE) & ~(uintptr_t)15) - 1;
	*top = 0;
	return top;
}

static long spawn_on_path(struct thread *t, int (*fn)(void *), void *arg)
{
	t->stack = malloc(THREAD_STACK_SIZE);
	t->fn = fn;
	t->arg = arg;
	t->tid = (int)sys_thread_create((long)path_entry, (long)stack_top(t), (long)t);
	return t->tid;
}

static int join_on_path(struct thread *t)
{
	int st = -1000;
	CHECK_EQ(sys_thread_join(t->tid, (long)&st), t->tid, "join over %s", syscall_path_name(syscall_path_get()));
	free(t->stack);
	return st;
}

/* ---- futex: ping-pong across CPUs, errors ---- */

#define ROUNDS 200
static uint32_t word;

/* Waits for each odd value, answers with the next even one. */
static int pong(void *arg)
{
	pin((int)(long)arg);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 2 * i + 1)
			if (futex_wait(&word, 2 * i, 2 * SEC) == -ETIMEDOUT)
				return 100 + (int)i;
		__atomic_store_n(&word, 2 * i + 2, __ATOMIC_RELEASE);
		futex_wake(&word, 1);
	}
	return 42;
}

static int ends_at_once(void *arg)
{
	return (int)(long)arg;
}

static void futex_path(void)
{
	const char *path = syscall_path_name(syscall_path_get());
	bool flexsc = syscall_path_get() == PATH_FLEXSC;
	struct thread t;
	word = 0;
	CHECK_EQ(spawn_on_path(&t, pong, (void *)(long)(my_cpu() + 1)) > 0, 1, "create over %s", path);
	int timeouts = 0;
	for (uint32_t i = 0; i < ROUNDS; i++) {
		__atomic_store_n(&word, 2 * i + 1, __ATOMIC_RELEASE);
		sys_futex_wake((long)&word, 1);
		while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 2 * i + 2)
			if (sys_futex_wait((long)&word, 2 * i + 1, 2 * SEC) == -ETIMEDOUT && ++timeouts > 2)
				break;
	}
	CHECK_EQ(timeouts, 0, "ping-pong over %s: timed out waits", path);
	CHECK_EQ(word, 2 * ROUNDS, "ping-pong over %s: rounds", path);
	CHECK_EQ(join_on_path(&t), 42, "ping-pong partner's status over %s", path);

	/* Errors, each over the path. */
	uint32_t w = 5;
	CHECK_EQ(sys_futex_wait((long)&w, 6, 0), -EAGAIN, "%s: value differs", path);
	CHECK_EQ(sys_futex_wait((long)&w + 1, 5, 0), -EINVAL, "%s: misaligned", path);
	CHECK_EQ(sys_futex_wait((long)&w, 5, -1l), -EINVAL, "%s: negative timeout", path);
	CHECK_EQ(sys_futex_wait(KERNEL_ADDR, 0, 0), -EFAULT, "%s: kernel word", path);
	CHECK_EQ(sys_futex_wait(NONCANONICAL, 0, 0), -EFAULT, "%s: non-canonical word", path);
	CHECK_EQ(sys_futex_wait(0, 0, 0), -EFAULT, "%s: NULL word", path);
	CHECK_EQ(sys_futex_wait((long)&w, 5, 3000000), -ETIMEDOUT, "%s: timeout", path);
	CHECK_EQ(sys_futex_wake((long)&w, 5), 0, "%s: nobody waits", path);
	CHECK_EQ(sys_futex_wake(KERNEL_ADDR, 1), -EFAULT, "%s: wake a kernel word", path);
	CHECK_EQ(sys_futex_wake((long)&w + 2, 1), -EINVAL, "%s: wake misaligned", path);

	/* Hostile thread_create arguments: refused, nothing started. */
	long top = (long)&w;
	CHECK_EQ(sys_thread_create(KERNEL_ADDR, top, 0), -EFAULT, "%s: kernel rip", path);
	CHECK_EQ(sys_thread_create(NONCANONICAL, top, 0), -EFAULT, "%s: non-canonical rip", path);
	CHECK_EQ(sys_thread_create(0, top, 0), -EFAULT, "%s: NULL rip", path);
	CHECK_EQ(sys_thread_create((long)path_entry, KERNEL_ADDR, 0), -EFAULT, "%s: kernel rsp", path);
	CHECK_EQ(sys_thread_create((long)path_entry, NONCANONICAL, 0), -EFAULT, "%s: non-canonical rsp", path);
	CHECK_EQ(sys_thread_create((long)path_entry, -1l, 0), -EFAULT, "%s: rsp -1", path);
	CHECK_EQ(sys_thread_join(999999, 0), -ESRCH, "%s: join no such thread", path);
	long me = TRAP(SYS_gettid, 0, 0, 0);
	CHECK_EQ(me, sys_getpid(), "the first thread's tid is the pid");
	if (!flexsc) {
		CHECK_EQ(sys_thread_join(me, 0), -EDEADLK, "%s: join oneself", path);
		CHECK_EQ(sys_gettid(), me, "%s: gettid", path);
	} else {
		CHECK_EQ(sys_gettid(), -EINVAL, "gettid is trap only");
		CHECK_EQ(sys_thread_exit(3), -EINVAL, "thread_exit is trap only");
	}
	CHECK_EQ(spawn_on_path(&t, ends_at_once, (void *)7l) > 0, 1, "%s: create", path);
	int st = -1;
	CHECK_EQ(sys_thread_join(t.tid, KERNEL_ADDR), -EFAULT, "%s: join into a kernel address", path);
	CHECK_EQ(sys_thread_join(t.tid, (long)&st), t.tid, "%s: join", path);
	CHECK_EQ(st, 7, "%s: its status", path);
	CHECK_EQ(sys_thread_join(t.tid, (long)&st), -ESRCH, "%s: joined twice", path);
	free(t.stack);
}

static int futex_section(void)
{
	static const enum syscall_path paths[] = { PATH_INT80, PATH_SYSCALL, PATH_SYSENTER, PATH_FLEXSC };
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i] == PATH_FLEXSC && flexsc_init(1))
			return 100;
		if (syscall_path_set(paths[i]))
			continue; /* sysenter where the CPU refuses it */
		futex_path();
		syscall_path_set(PATH_SYSCALL);
	}
	return check_failures;
}

/* ---- counters under a futex mutex, on every CPU ---- */

#define COUNTERS 4
#define INCREMENTS 20000
static struct mutex count_lock = MUTEX_INITIALIZER;
static struct cond all_done = COND_INITIALIZER;
static unsigned long counter, finished;
static int ran_on[COUNTERS];

static int count(void *arg)
{
	int id = (int)(long)arg;
	pin(id);
	ran_on[id] = my_cpu();
	for (int i = 0; i < INCREMENTS; i++) {
		mutex_lock(&count_lock);
		counter++;
		mutex_unlock(&count_lock);
	}
	mutex_lock(&count_lock);
	finished++;
	cond_broadcast(&all_done);
	mutex_unlock(&count_lock);
	return id;
}

static int counter_section(void)
{
	struct thread t[COUNTERS];
	for (long i = 0; i < COUNTERS; i++)
		CHECK_EQ(thread_spawn(&t[i], count, (void *)i) > 0, 1, "spawn %ld", i);
	mutex_lock(&count_lock);
	while (finished < COUNTERS)
		cond_wait(&all_done, &count_lock);
	mutex_unlock(&count_lock);
	for (int i = 0; i < COUNTERS; i++) {
		int st = -1;
		CHECK_EQ(thread_wait(&t[i], &st), 0, "join %d", i);
		CHECK_EQ(st, i, "status of %d", i);
		CHECK_EQ(ran_on[i], i % ncpus, "thread %d's CPU", i);
	}
	CHECK_EQ(counter, COUNTERS * INCREMENTS, "the total");
	return check_failures;
}

/* ---- a thread exits while others run; the last one's status ---- */

static volatile int stop;
static volatile unsigned long spins;

static int spinner(void *arg)
{
	pin((int)(long)arg);
	while (!stop)
		spins++;
	return 11;
}

static int sleeps_then_returns(void *arg)
{
	(void)arg;
	TRAP(SYS_sleep_ns, 30000000, 0, 0);
	return 5;
}

/* Exit status 5 (the last thread's) when every check held. */
static int exit_section(void)
{
	struct thread s, e, l;
	thread_spawn(&s, spinner, (void *)(long)(my_cpu() + 1));
	CHECK_EQ(thread_spawn(&e, ends_at_once, (void *)7l) > 0, 1, "spawn");
	int st = -1;
	CHECK_EQ(thread_wait(&e, &st), 0, "join the one that ended");
	CHECK_EQ(st, 7, "its status");
	unsigned long before = spins;
	TRAP(SYS_sleep_ns, 20000000, 0, 0);
	CHECK_EQ(spins > before, 1, "the spinner still runs");
	stop = 1;
	CHECK_EQ(thread_wait(&s, &st), 0, "join the spinner");
	CHECK_EQ(st, 11, "its status");
	if (check_failures)
		return 100 + check_failures;
	thread_spawn(&l, sleeps_then_returns, 0);
	TRAP(SYS_thread_exit, 9, 0, 0); /* not the last: the process goes on */
	return 99;
}

/* ---- 1,000 threads created and joined: memory back exactly ---- */

static int create_section(void)
{
	struct thread t[8];
	/* A process holds at most MAX_THREADS (64) threads, unjoined included;
	 * this also warms the user heap (63 stacks) once. */
	static struct thread many[64];
	int made = 0;
	struct mem none = mem_now();
	while (made < 64 && thread_spawn(&many[made], ends_at_once, 0) > 0)
		made++;
	CHECK_EQ(made, 63, "threads besides the first");
	CHECK_EQ(thread_spawn(&t[0], ends_at_once, 0), -EAGAIN, "one too many");
	TRAP(SYS_sleep_ns, 50000000, 0, 0); /* they all ended */
	/* Ended and not joined, each keeps its struct, not its kernel stack
	 * (16 KiB): well under a page each. */
	CHECK_EQ(mem_now().heap - none.heap < 63 * 4096ul, 1, "heap bytes held by 63 ended threads: %lu",
		 mem_now().heap - none.heap);
	for (int i = 0; i < made; i++)
		thread_wait(&many[i], 0);
	struct mem before = mem_now();
	int bad = 0;
	for (int n = 0; n < 1000; n += 8) {
		for (int i = 0; i < 8; i++)
			bad += thread_spawn(&t[i], ends_at_once, (void *)(long)(n + i)) <= 0;
		for (int i = 0; i < 8; i++) {
			int st = -1;
			bad += thread_wait(&t[i], &st) != 0 || st != n + i;
		}
	}
	CHECK_EQ(bad, 0, "creates or joins that failed");
	expect_mem(before, "1000 threads");
	return check_failures;
}

/* ---- bad entry or stack: the process dies, nothing else ---- */

static int bad_entry(void *arg)
{
	(void)arg;
	return 0;
}

/* Exit status: killed (-1) when the new thread faults. */
static int hostile_section(const char *how)
{
	static char stack[4096] __attribute__((aligned(16)));
	long entry = (long)bad_entry, sp = (long)(stack + sizeof(stack) - 8);
	if (!strcmp(how, "badrip"))
		entry = 0x10000000; /* user, unmapped */
	else
		sp = 0x20000000;    /* user, unmapped: its first push faults */
	if (TRAP(SYS_thread_create, entry, sp, 0) <= 0)
		return 2;
	TRAP(SYS_sleep_ns, 5 * SEC, 0, 0);
	return 3;
}

/* ---- exit and kill end every thread, wherever each is ---- */

static uint32_t never;
static int pipe_fds[2];

static int waits_on_futex(void *arg)
{
	(void)arg;
	futex_wait(&never, 0, 0);
	return 1;
}

static int sleeps(void *arg)
{
	(void)arg;
	TRAP(SYS_sleep_ns, 100 * SEC, 0, 0);
	return 1;
}

static int reads_pipe(void *arg)
{
	(void)arg;
	char c;
	TRAP(SYS_read, pipe_fds[0], &c, 1);
	return 1;
}

/* Threads blocked in futex_wait, sleep and a pipe read, one spinning on
 * the other CPU, and (flexsc) a pipe read in a syscall thread. Then: "kill"
 * waits to be killed; "exit" has a thread call exit(3). */
static int blocked_section(const char *how, bool flexsc)
{
	struct thread t[4];
	TRAP(SYS_pipe, pipe_fds, 0, 0);
	thread_spawn(&t[0], waits_on_futex, 0);
	thread_spawn(&t[1], sleeps, 0);
	thread_spawn(&t[2], reads_pipe, 0);
	thread_spawn(&t[3], spinner, (void *)(long)(my_cpu() + 1));
	if (flexsc) {
		static char c;
		if (flexsc_init(1))
			return 100;
		flexsc_post(SYS_read, pipe_fds[0], (long)&c, 1, 0, 0, 0);
		flexsc_submit(1);
		syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
	}
	TRAP(SYS_sleep_ns, 30000000, 0, 0);
	if (!strcmp(how, "exit"))
		exit(3);
	futex_wait(&never, 0, 0);
	return 4;
}

/* ---- threads that create threads, while the process is killed or exits ---- */

static int storm(void *arg)
{
	(void)arg;
	for (;;) {
		struct thread t[4];
		for (int i = 0; i < 4; i++)
			thread_spawn(&t[i], ends_at_once, 0);
		for (int i = 0; i < 4; i++)
			if (t[i].stack)
				thread_wait(&t[i], 0);
	}
	return 0;
}

/* "storm": four threads create and join threads until killed; "stormexit":
 * the first thread exits (status 6) in the middle of it. */
static int storm_section(const char *how)
{
	struct thread t[4];
	for (long i = 0; i < 4; i++)
		thread_spawn(&t[i], storm, (void *)i);
	TRAP(SYS_sleep_ns, 20000000, 0, 0);
	if (!strcmp(how, "stormexit"))
		exit(6);
	futex_wait(&never, 0, 0);
	return 4;
}

/* ---- brk shrink: the page is gone for the other CPU too ---- */

static volatile char *volatile probe;
static volatile int reader_saw, go_read;

/* Once given the page, reads it until told, then once more: that read must
 * fault. */
static int reader(void *arg)
{
	pin((int)(long)arg);
	unsigned long sum = 0;
	while (!probe)
		__asm__ volatile("pause");
	while (!go_read) {
		sum += *probe;
		reader_saw = 1;
	}
	sum += *probe; /* the page is unmapped and freed: a fault kills us */
	return sum == 0 ? 2 : 3;
}

#define GROW_PAGES 32

/* "brkmem": exit status = failed checks; "brkshoot": killed (-1) when the
 * other thread's read after the shrink faults, 2 if it read the freed page,
 * 4 if a check failed before. */
static int brk_section(const char *how)
{
	struct thread r;
	if (!strcmp(how, "brkshoot") && thread_spawn(&r, reader, (void *)(long)(my_cpu() + 1)) <= 0)
		return 100; /* before the heap is measured: its stack comes from the heap */
	long base = TRAP(SYS_brk, 0, 0, 0);
	base = (base + 4095) & ~4095l;
	TRAP(SYS_brk, base, 0, 0);
	/* Warm: the page tables of the range come to stay. */
	TRAP(SYS_sbrk, GROW_PAGES * 4096, 0, 0);
	for (int i = 0; i < GROW_PAGES; i++)
		((volatile char *)base)[i * 4096] = 1;
	TRAP(SYS_brk, base, 0, 0);
	struct mem before = mem_now();
	CHECK_EQ(TRAP(SYS_sbrk, GROW_PAGES * 4096, 0, 0), base, "sbrk returns the old break");
	for (int i = 0; i < GROW_PAGES; i++)
		((volatile char *)base)[i * 4096] = 0x5e;
	struct mem grown = mem_now();
	CHECK_EQ(before.pages - grown.pages >= GROW_PAGES, 1, "pages taken by the heap");
	if (!strcmp(how, "brkshoot")) {
		probe = (volatile char *)base + 4096;
		while (!reader_saw)
			TRAP(SYS_yield, 0, 0, 0);
	}
	CHECK_EQ(TRAP(SYS_brk, base, 0, 0), base, "brk shrinks");
	CHECK_EQ(TRAP(SYS_brk, 0, 0, 0), base, "the break moved down");
	expect_mem(before, "brk shrink");
	long zfd = TRAP(SYS_open, "zero", O_RDONLY, 0);
	CHECK_EQ(TRAP(SYS_read, zfd, base + 4096, 1), -EFAULT, "the kernel refuses the freed page");
	TRAP(SYS_close, zfd, 0, 0);
	if (!strcmp(how, "brkshoot")) {
		printf_flush(); /* what failed, before the kill */
		if (check_failures)
			return 4;
		go_read = 1;
		TRAP(SYS_sleep_ns, SEC, 0, 0);
		return 2; /* still alive: the other thread read a freed page */
	}
	return check_failures;
}

/* ---- FlexSC from two threads of one process, each with its own entries ---- */

#define FLEXSC_ROUNDS 300
static struct flexsc_page *sys_pages;
static volatile int fx_bad[2], fx_timeouts[2];

/* Posts, in each of its own entries in turn, by the raw protocol
 * (abi/flexsc.h), a write of a length of its own to /dev/null or (every
 * other round) an lseek of its own file to that offset, and sleeps in
 * flexsc_wait until it is DONE. The lseeks run in a waiter in single-core
 * inline mode (whichever thread waits: the other's too), the writes in the
 * syscall threads. */
static int flexsc_poster(void *arg)
{
	int id = (int)(long)arg, half = FLEXSC_ENTRIES_PER_PAGE / 2;
	char path[] = "/tmp/uthr-fx0";
	pin(id);
	path[sizeof(path) - 2] += id;
	long fd = TRAP(SYS_open, "null", O_WRONLY, 0);
	long file = TRAP(SYS_open, path, O_RDWR | O_CREAT, 0);
	if (fd < 0 || file < 0)
		return 2;
	for (int k = 0; k < FLEXSC_ROUNDS; k++) {
		struct flexsc_entry *e = &sys_pages->entry[id * half + k % half];
		long len = id * 1000 + k % 100;
		e->sysnum = k & 1 ? SYS_lseek : SYS_write;
		e->args[0] = k & 1 ? file : fd;
		e->args[1] = k & 1 ? len : (long)sys_pages; /* any readable bytes */
		e->args[2] = k & 1 ? SEEK_SET : len;
		__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
		__atomic_fetch_add(&sys_pages->header.submit_seq, 1, __ATOMIC_SEQ_CST); /* a full fence */
		if (__atomic_load_n(&sys_pages->header.need_wakeup, __ATOMIC_RELAXED))
			TRAP(SYS_flexsc_wake, 0, 0, 0);
		long t0 = TRAP(SYS_time_ns, 0, 0, 0);
		while (__atomic_load_n(&e->status, __ATOMIC_ACQUIRE) != FLEXSC_DONE) {
			TRAP(SYS_flexsc_wait, 0, 0, 0);
			if (TRAP(SYS_time_ns, 0, 0, 0) - t0 > 5 * SEC) {
				fx_timeouts[id]++;
				return 1;
			}
		}
		fx_bad[id] += e->ret != len;
		__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELAXED);
	}
	TRAP(SYS_close, fd, 0, 0);
	TRAP(SYS_close, file, 0, 0);
	TRAP(SYS_unlink, path, 0, 0);
	return 0;
}

static int flexsc_section(void)
{
	if (flexsc_init(1))
		return 100;
	sys_pages = (struct flexsc_page *)0x00007F0000000000ul;
	struct thread t[2];
	for (long i = 0; i < 2; i++)
		CHECK_EQ(thread_spawn(&t[i], flexsc_poster, (void *)i) > 0, 1, "spawn %ld", i);
	for (int i = 0; i < 2; i++) {
		int st = -1;
		thread_wait(&t[i], &st);
		CHECK_EQ(st, 0, "poster %d", i);
		CHECK_EQ(fx_bad[i], 0, "poster %d's wrong results", i);
		CHECK_EQ(fx_timeouts[i], 0, "poster %d's waits that never ended", i);
	}
	return check_failures;
}

int main(int argc, char **argv)
{
	const char *section = argc > 1 ? argv[1] : "";
	bool flexsc = argc > 2 && !strcmp(argv[2], "flexsc");
	struct sysinfo si;
	TRAP(SYS_sysinfo, &si, 0, 0);
	ncpus = (int)si.ncpus;
	if (!strcmp(section, "futex"))
		return futex_section();
	if (!strcmp(section, "counter"))
		return counter_section();
	if (!strcmp(section, "exit"))
		return exit_section();
	if (!strcmp(section, "create"))
		return create_section();
	if (!strcmp(section, "badrip") || !strcmp(section, "badstack"))
		return hostile_section(section);
	if (!strcmp(section, "kill") || !strcmp(section, "exitall"))
		return blocked_section(section[0] == 'k' ? "kill" : "exit", flexsc);
	if (!strcmp(section, "storm") || !strcmp(section, "stormexit"))
		return storm_section(section);
	if (!strcmp(section, "flexsc"))
		return flexsc_section();
	if (!strcmp(section, "brkmem") || !strcmp(section, "brkshoot"))
		return brk_section(section);
	printf("uthr: unknown section '%s'\n", section);
	return 127;
}
