/*
 * The benchmark suite on exless: the platform layer of bench/plat.h over
 * userlib, and the exless-only benches (cores, indirect, server). The kernel
 * starts it with `bench` on its command line and passes the bench.* options
 * as argv[1]; it prints @@BENCH lines, then powers the machine off.
 * bench_all --peer FN ARG KEY CPU: internal, the peer of plat_peer_start();
 * bench_all --proc FN MASK HEX...: internal, a process of plat_proc_start().
 */
#include "../../userlib/libc.h"
#include "../../userlib/sys.h"
#include "../../userlib/flexsc.h"
#include "../../userlib/uthread.h"
#include "../../userlib/thread.h"
#include "../plat.h"
#include "../suite.h"
#include "../timing.h"

const char plat_system[] = "exless";
static struct sysinfo si;
static bool flexsc_ready;
/* Enough entries for the largest batch (256) and no more: pollers scan every
 * registered entry. */
#define BENCH_FLEXSC_PAGES 5

uint64_t plat_tsc_hz(void) { return si.tsc_hz; }
unsigned plat_ncpus(void) { return si.ncpus; }

/* Up to a page: a shm page (by key), which a peer process maps at the same
 * address. Larger: private heap memory. */
static int next_shm_key;
void *plat_alloc(unsigned long bytes)
{
	if (bytes <= 4096) {
		long a = sys_shm(next_shm_key++);
		return a < 0 ? NULL : (void *)a;
	}
	char *p = malloc(bytes + 64);
	return p ? (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63) : NULL;
}

static bool ensure_flexsc(void)
{
	if (!flexsc_ready)
		flexsc_ready = flexsc_init(BENCH_FLEXSC_PAGES) == 0;
	return flexsc_ready;
}

const char *const plat_paths[] = { "int80", "syscall", "sysenter", "flexsc", NULL };

static enum syscall_path path_of(const char *name)
{
	for (int p = 0; p < PATH_COUNT; p++)
		if (!strcmp(name, syscall_path_name(p)))
			return p;
	return PATH_COUNT;
}

static bool path_ok(enum syscall_path p)
{
	if (p == PATH_SYSENTER)
		return si.sysenter_ok;
	if (p == PATH_FLEXSC)
		return ensure_flexsc();
	return p < PATH_COUNT;
}

static long null_int80(void) { return syscall_int80_0(SYS_null); }
static long null_syscall(void) { return syscall_syscall_0(SYS_null); }
static long null_sysenter(void) { return syscall_sysenter_0(SYS_null); }
static long null_flexsc(void) { return flexsc_call(SYS_null, 0, 0, 0, 0, 0, 0); }
static long floor_int80(void) { return syscall_floor(PATH_INT80); }
static long floor_syscall(void) { return syscall_floor(PATH_SYSCALL); }
static long floor_sysenter(void) { return syscall_floor(PATH_SYSENTER); }

plat_call_fn plat_null_fn(const char *path)
{
	static const plat_call_fn fns[PATH_COUNT] = { null_int80, null_syscall, null_sysenter, null_flexsc };
	enum syscall_path p = path_of(path);
	return path_ok(p) ? fns[p] : NULL;
}

plat_call_fn plat_floor_fn(const char *path)
{
	static const plat_call_fn fns[PATH_COUNT] = { floor_int80, floor_syscall, floor_sysenter, NULL };
	enum syscall_path p = path_of(path);
	return p < PATH_COUNT && p != PATH_FLEXSC && path_ok(p) ? fns[p] : NULL;
}

unsigned plat_syscall_cores(const char *path)
{
	return strcmp(path, "flexsc") ? 0 : (unsigned)__builtin_popcountl(si.flexsc_cpus);
}

int plat_path_set(const char *path)
{
	enum syscall_path p = path_of(path);
	return path_ok(p) ? syscall_path_set(p) : -ENOTSUP;
}

int plat_open(const char *dev) { return (int)syscall_syscall(SYS_open, (long)dev, O_RDWR, 0, 0, 0, 0); }
long plat_read(int fd, void *buf, unsigned long n) { return sys_read(fd, (long)buf, n); }
long plat_write(int fd, const void *buf, unsigned long n) { return sys_write(fd, (long)buf, n); }

const char *const plat_batch_paths[] = { "flexsc", NULL };

int plat_batch_open(const char *path, unsigned max)
{
	if (strcmp(path, "flexsc") || max > BENCH_BATCH_MAX || !ensure_flexsc())
		return 1;
	return max > (unsigned)flexsc_nfree() ? -ENOSPC : 0;
}

/* n null calls as one batch, through the caller's own loop (flexsc.h's
 * batch calls): post each, submit once and wait (flexsc_submit_wait: one
 * fence and one doorbell check, or in single-core mode the trap that runs
 * them), reap each in order. As the trapping null stubs do, the call
 * number is a constant. Each loop takes the n % 4 one by one, then fours. */
int plat_batch_nops(unsigned n)
{
	struct flexsc_entry **es = flexsc_batch_take(n), **end = es + n, **p = es;
	long bad = 0;

	for (unsigned r = n & 3; r; r--)
		flexsc_post_entry(*p++, SYS_null, NULL);
	for (; p < end; p += 4) {
		flexsc_post_entry(p[0], SYS_null, NULL);
		flexsc_post_entry(p[1], SYS_null, NULL);
		flexsc_post_entry(p[2], SYS_null, NULL);
		flexsc_post_entry(p[3], SYS_null, NULL);
	}
	flexsc_submit_wait((int)n);
	p = es;
	for (unsigned r = n & 3; r; r--)
		bad |= flexsc_finish(*p++);
	for (; p < end; p += 4) {
		bad |= flexsc_finish(p[0]);
		bad |= flexsc_finish(p[1]);
		bad |= flexsc_finish(p[2]);
		bad |= flexsc_finish(p[3]);
	}
	flexsc_batch_give(n);
	return bad ? -EIO : 0;
}

void plat_batch_close(void) {}

/* The peer is this same program (same addresses: static, not PIE) in a new
 * process that maps the shm page holding arg and runs fn(arg) pinned. */
static long peer_pid = -1;

int plat_peer_start(unsigned cpu, void (*fn)(void *), void *arg)
{
	char sfn[24], sarg[24], skey[8], scpu[8];
	snprintf(sfn, sizeof(sfn), "%lu", (unsigned long)fn);
	snprintf(sarg, sizeof(sarg), "%lu", (unsigned long)arg);
	snprintf(skey, sizeof(skey), "%d", next_shm_key - 1);
	snprintf(scpu, sizeof(scpu), "%u", cpu);
	char *argv[] = { "bench_all", "--peer", sfn, sarg, skey, scpu, NULL };
	peer_pid = syscall_syscall(SYS_spawn, (long)"bench_all", (long)argv, 0, 0, 0, 0);
	return peer_pid < 0 ? (int)peer_pid : 0;
}

int plat_peer_join(void)
{
	int status;
	long r = syscall_syscall(SYS_wait, peer_pid, (long)&status, 0, 0, 0, 0);
	return r < 0 ? (int)r : status ? -EIO : 0;
}

static int peer_main(char **argv)
{
	void (*fn)(void *) = (void (*)(void *))strtoul(argv[2], NULL, 10);
	void *arg = (void *)strtoul(argv[3], NULL, 10);
	for (int key = 0; key <= atoi(argv[4]); key++)
		if (sys_shm(key) < 0)
			return 2;
	if (sys_setaffinity(0, 1l << atoi(argv[5])) < 0)
		return 3;
	fn(arg);
	return 0;
}

/* ---- server workloads (bench/server.c) ---- */

const char *const plat_srv_modes[] = { "syscall", "flexsc", NULL };

/* Syscall pages of a FlexSC-Threads server: one entry per thread in flight
 * (64 at most) and room to spare. */
#define SRV_FLEXSC_PAGES 2

int plat_srv_ready(const char *mode, const char **why)
{
	if (!strcmp(mode, "flexsc") && !ensure_flexsc()) {
		*why = "flexsc_register failed";
		return 1;
	}
	return 0;
}

unsigned long plat_srv_syscall_cpus(const char *mode)
{
	return strcmp(mode, "flexsc") ? 0 : si.flexsc_cpus;
}

int plat_listen(const char *path, unsigned backlog)
{
	long fd = syscall6(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0), r;

	if (fd < 0)
		return (int)fd;
	sys_unlink((long)path);
	if ((r = syscall6(SYS_bind, fd, (long)path, 0, 0, 0, 0)) < 0 ||
	    (r = syscall6(SYS_listen, fd, backlog, 0, 0, 0, 0)) < 0) {
		sys_close(fd);
		return (int)r;
	}
	return (int)fd;
}

int plat_accept(int lfd)
{
	return (int)syscall6(SYS_accept, lfd, 0, 0, 0, 0, 0);
}

int plat_connect(const char *path)
{
	for (int tries = 0;; tries++) {
		long fd = syscall6(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0), r;

		if (fd < 0)
			return (int)fd;
		if ((r = syscall6(SYS_connect, fd, (long)path, 0, 0, 0, 0)) >= 0)
			return (int)fd;
		sys_close(fd);
		if ((r != -EAGAIN && r != -ECONNREFUSED) || tries == 1000)
			return (int)r;
		sys_sleep_ns(10000000);
	}
}

_Static_assert(sizeof(struct plat_pollfd) == sizeof(struct pollfd) &&
		       __builtin_offsetof(struct plat_pollfd, revents) ==
			       __builtin_offsetof(struct pollfd, revents) &&
		       PLAT_POLLIN == POLLIN,
	       "struct plat_pollfd is exless's struct pollfd");

int plat_poll(struct plat_pollfd *fds, unsigned n, unsigned timeout_ms)
{
	return (int)syscall6(SYS_poll, (long)fds, n, (long)timeout_ms * 1000000, 0, 0, 0);
}

void plat_unlink(const char *path) { sys_unlink((long)path); }
int plat_file_open(const char *path) { return (int)sys_open((long)path, O_RDONLY); }

long plat_file_size(int fd)
{
	struct stat st;
	long r = sys_fstat(fd, (long)&st);

	return r < 0 ? r : (long)st.size;
}

long plat_fd_read(int fd, void *buf, unsigned long n) { return sys_read(fd, (long)buf, (long)n); }
long plat_fd_write(int fd, const void *buf, unsigned long n) { return sys_write(fd, (long)buf, (long)n); }
int plat_fd_close(int fd) { return (int)sys_close(fd); }
void *plat_malloc(unsigned long bytes) { return malloc(bytes); }
void plat_free(void *p) { free(p); }
void plat_yield(void) { sys_yield(); }

/*
 * A process: this same program (static, not PIE: the same addresses)
 * spawned with "--proc FN MASK HEX...", arg's bytes in hex over as many
 * words as they take; it inherits the caller's descriptors (spawn copies
 * the table).
 */
#define PROC_HEX_WORD 200
long plat_proc_start(unsigned long mask, int (*fn)(void *arg), const void *arg, unsigned len)
{
	static char words[SPAWN_MAX_ARGS][PROC_HEX_WORD + 1];
	char *argv[SPAWN_MAX_ARGS + 1] = { "bench_all", "--proc", words[0], words[1] };
	const unsigned char *b = arg;
	int argc = 4;

	if (len > PLAT_PROC_ARG_MAX || 2 * len > (unsigned)(SPAWN_MAX_ARGS - argc) * PROC_HEX_WORD)
		return -E2BIG;
	snprintf(words[0], sizeof(words[0]), "%lu", (unsigned long)fn);
	snprintf(words[1], sizeof(words[1]), "%lu", mask);
	for (unsigned i = 0; i < len; i += PROC_HEX_WORD / 2, argc++) {
		char *w = words[argc - 2];
		unsigned k;

		for (k = 0; k < PROC_HEX_WORD / 2 && i + k < len; k++) {
			w[2 * k] = "0123456789abcdef"[b[i + k] >> 4];
			w[2 * k + 1] = "0123456789abcdef"[b[i + k] & 15];
		}
		w[2 * k] = 0;
		argv[argc] = w;
	}
	argv[argc] = NULL;
	printf_flush();
	return syscall_syscall(SYS_spawn, (long)"bench_all", (long)argv, 0, 0, 0, 0);
}

int plat_proc_wait(long handle)
{
	int status;
	long r = syscall_syscall(SYS_wait, handle, (long)&status, 0, 0, 0, 0);

	return r < 0 ? (int)r : status;
}

static int hex_nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The child of plat_proc_start. */
static int proc_main(int argc, char **argv)
{
	static unsigned char arg[PLAT_PROC_ARG_MAX];
	int (*fn)(void *) = (int (*)(void *))strtoul(argv[2], NULL, 10);
	unsigned len = 0;
	int r;

	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	for (int a = 4; a < argc; a++)
		for (const char *h = argv[a]; h[0] && h[1]; h += 2) {
			int hi = hex_nibble(h[0]), lo = hex_nibble(h[1]);

			if (hi < 0 || lo < 0 || len == sizeof(arg))
				return 2;
			arg[len++] = (unsigned char)(hi << 4 | lo);
		}
	if (sys_setaffinity(0, (long)strtoul(argv[3], NULL, 10)) < 0)
		return 3;
	r = fn(arg);
	printf_flush();
	return r;
}

/* The n-th CPU (from 0) of mask, counting from the lowest. */
static unsigned mask_cpu(unsigned long mask, unsigned n)
{
	while (n--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctzl(mask);
}

/* One server run: fn and its argument, the user cores (a mask, and how many)
 * and the first error. */
static struct {
	int (*fn)(void *arg, unsigned i);
	void *arg;
	unsigned n;
	unsigned long mask;
	unsigned cores;
	int result;
} srv;

static void srv_result(int r)
{
	int none = 0;

	if (r)
		__atomic_compare_exchange_n(&srv.result, &none, r, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
}

/* Synchronous: a kernel thread per server thread, pinned to its user core
 * (thread_create places a thread anywhere). */
struct srv_kthread {
	struct thread t;
	unsigned i;
};

/* Pins the calling kernel thread to cpu (a trapping call), and checks that
 * it runs there: 0, or < 0. */
static int srv_pin(unsigned cpu)
{
	long r = syscall_syscall(SYS_setaffinity, 0, (long)(1ul << cpu), 0, 0, 0, 0);

	if (r < 0)
		return (int)r;
	return syscall_syscall(SYS_getcpu, 0, 0, 0, 0, 0, 0) == cpu ? 0 : -EIO;
}

static int srv_kthread(void *p)
{
	struct srv_kthread *k = p;
	int r = srv_pin(mask_cpu(srv.mask, k->i % srv.cores));

	return r ? r : srv.fn(srv.arg, k->i);
}

/* FlexSC-Threads: on user core c (a kernel thread of uthread_run_cores),
 * the server threads i = c, c + cores, ... as user threads. uthread_run_cores
 * pins core c to the c-th CPU free of syscall threads: it moves to the c-th
 * of the server's CPUs first (trapping calls act for the core's own kernel
 * thread). */
static void *srv_uthread(void *i)
{
	srv_result(srv.fn(srv.arg, (unsigned)(unsigned long)i));
	return 0;
}

static void *srv_core_main(void *unused)
{
	struct uthread *t[BENCH_THREADS_MAX];
	unsigned c = (unsigned)uthread_core(), n = 0;
	int r = srv_pin(mask_cpu(srv.mask, c));

	(void)unused;
	if (r) {
		srv_result(r);
		return 0;
	}
	for (unsigned i = c; i < srv.n; i += srv.cores, n++)
		if (!(t[n] = uthread_create(srv_uthread, (void *)(unsigned long)i))) {
			srv_result(-ENOMEM);
			break;
		}
	for (unsigned k = 0; k < n; k++)
		uthread_join(t[k], 0);
	return 0;
}

int plat_srv_threads(const char *mode, unsigned n, unsigned long mask,
		     int (*fn)(void *arg, unsigned i), void *arg, unsigned len)
{
	(void)len;
	if (n < 1 || n > BENCH_THREADS_MAX || !mask)
		return -EINVAL;
	srv.fn = fn;
	srv.arg = arg;
	srv.n = n;
	srv.mask = mask;
	srv.cores = (unsigned)__builtin_popcountl(mask);
	srv.result = 0;
	if (!strcmp(mode, "flexsc")) {
		int r;

		if (srv.cores > UTHREAD_MAX_CORES || flexsc_init(SRV_FLEXSC_PAGES))
			return -EINVAL;
		syscall_path_set(PATH_FLEXSC);
		r = uthread_run_cores((int)srv.cores, srv_core_main, 0, 0);
		syscall_path_set(PATH_SYSCALL);
		return r ? r : srv.result;
	}
	if (strcmp(mode, "syscall"))
		return -EINVAL;
	/* A process has at most 64 threads, its first included: that one
	 * serves thread 0 itself. */
	static struct srv_kthread k[BENCH_THREADS_MAX];
	unsigned started;
	int r = 0;

	for (started = 1; started < n; started++) {
		k[started].i = started;
		if ((r = thread_spawn(&k[started].t, srv_kthread, &k[started])) < 0)
			break;
		r = 0;
	}
	k[0].i = 0;
	srv_result(r ? r : srv_kthread(&k[0]));
	for (unsigned i = 1; i < started; i++) {
		int status = 0;

		srv_result(thread_wait(&k[i].t, &status));
		srv_result(status);
	}
	return srv.result;
}

/* ---- exless-only benches ---- */

/* The calls between units of user work in server and cores: a mix that
 * walks kernel code and data the way a real request would. */
static int null_fd = -1;
static void some_calls(void)
{
	static char b[256];
	sys_getpid();
	sys_write(null_fd, (long)b, sizeof(b));
	sys_time_ns();
	sys_null();
}

/*
 * bench=indirect, the pollution experiment of FlexSC (Soares and Stumm, OSDI
 * 2010, section 2.2): user work over a working set, one call every K
 * instructions of it, for no calls, each trapping path and flexsc (with a
 * syscall core, or single-core when the boot has flexsc.cores=none). The
 * user work is the unit: one read-modify-write of one byte per 64-byte line,
 * walking the working set round and round. Only the work is timed (and is
 * the simulation window, user mode only): the calls run between samples, so
 * what a path costs here is what it leaves behind in the user core's caches
 * and TLB. The calls cycle through getpid, write 256 bytes to null, time and
 * null.
 */
static const unsigned long indirect_sets[] = { 4 << 10, 16 << 10, 32 << 10, 256 << 10, 1 << 20,
						 2560 << 10 };
static const unsigned indirect_every[] = { 500, 2000, 10000, 50000 };
#define INDIRECT_LINE 64
/* Instructions per unit of work in the loop of indirect_work() at -O2, as
 * the simulation counts them (insns_user = 10.0): K / this = units between
 * two calls. */
#define INDIRECT_INSNS_PER_UNIT 10
/* At least this many calls and two passes over the working set measured. */
#define INDIRECT_MIN_CALLS 16

static void indirect_work(volatile char *ws, unsigned long size, unsigned long *off, unsigned long units)
{
	unsigned long o = *off;
	for (unsigned long i = 0; i < units; i++) {
		ws[o]++;
		o += INDIRECT_LINE;
		if (o == size)
			o = 0;
	}
	*off = o;
}

static void indirect_call(unsigned i)
{
	static char b[256];
	switch (i % 4) {
	case 0: sys_getpid(); break;
	case 1: sys_write(null_fd, (long)b, sizeof(b)); break;
	case 2: sys_time_ns(); break;
	default: sys_null(); break;
	}
}

/* One point: path NULL for no calls. */
static void indirect_point(volatile char *ws, unsigned long size, unsigned every, const char *path)
{
	unsigned long units = every / INDIRECT_INSNS_PER_UNIT, lines = size / INDIRECT_LINE, off = 0;
	unsigned long n = (2 * lines + units - 1) / units;
	unsigned cap = 32, win; /* bench_samples holds at least 32 */
	char extra[96];
	if (n < INDIRECT_MIN_CALLS)
		n = INDIRECT_MIN_CALLS;
	if (path)
		syscall_path_set(path_of(path));
	indirect_work(ws, size, &off, lines);
	for (unsigned i = 0; path && i < 4; i++)
		indirect_call(i);
	win = bench_window();
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = tsc_begin();
		indirect_work(ws, size, &off, units);
		uint64_t t1 = tsc_end();
		if (i < cap)
			bench_samples[i] = bench_cycles(t0, t1);
		if (path)
			indirect_call((unsigned)i);
	}
	bench_window();
	syscall_path_set(PATH_SYSCALL);
	struct report_point pt;
	bench_point_init(&pt, "indirect", path ? path : "none");
	pt.syscall_cores = path ? plat_syscall_cores(path) : 0;
	snprintf(extra, sizeof(extra), "working_set=%lu call_every=%u units_per_call=%lu unit=line",
		 size, every, units);
	pt.extra = extra;
	pt.sim_window = win;
	pt.sim_units = n * units;
	pt.sim_user = 1;
	report_result(&pt, bench_samples, n < cap ? (unsigned)n : cap);
}

static int bench_indirect(const struct bench_config *cfg)
{
	(void)cfg;
	for (unsigned s = 0; s < sizeof(indirect_sets) / sizeof(indirect_sets[0]); s++) {
		volatile char *ws = malloc(indirect_sets[s]);
		if (!ws)
			return -ENOMEM;
		for (unsigned k = 0; k < sizeof(indirect_every) / sizeof(indirect_every[0]); k++) {
			indirect_point(ws, indirect_sets[s], indirect_every[k], NULL);
			for (const char *const *p = plat_paths; *p; p++)
				if (path_ok(path_of(*p)))
					indirect_point(ws, indirect_sets[s], indirect_every[k], *p);
		}
		free((void *)ws);
	}
	return 0;
}

/* bench=server and cores: user threads each looping {user work, calls}.
 * The work is one read-modify-write per 64-byte line of the thread's own
 * buffer, server_work bytes of it: what a thread touches between its calls.
 * FlexSC-Threads switches threads at every call, so it cycles through every
 * thread's buffer where a synchronous thread keeps its own hot: the server
 * rows run each thread count at each size of bench.work (by default from a
 * footprint that fits an L1d at every count to one that does not at 8);
 * cores at the largest, BENCH_WORK_MAX. */
static unsigned server_ops_per_thread, server_work;
static char server_buf[64][BENCH_WORK_MAX];

static void *server_thread(void *arg)
{
	long id = (long)arg;
	for (unsigned i = 0; i < server_ops_per_thread; i++) {
		for (unsigned off = 0; off < server_work; off += 64)
			server_buf[id % 64][off]++;
		some_calls();
	}
	return 0;
}

static unsigned server_threads;
static void *server_main(void *arg)
{
	(void)arg;
	struct uthread *t[64];
	for (unsigned i = 0; i < server_threads; i++)
		t[i] = uthread_create(server_thread, (void *)(long)i);
	for (unsigned i = 0; i < server_threads; i++)
		uthread_join(t[i], 0);
	return 0;
}

/* The two ways a server point runs: synchronous calls, FlexSC-Threads. */
static const char *const server_paths[] = { "syscall", "flexsc" };
#define SERVER_PATHS (sizeof(server_paths) / sizeof(server_paths[0]))
#define SERVER_REPS 5

/* One point per path of server_paths (FlexSC's only once it registers):
 * threads x ops of work bytes each, a warm-up run and SERVER_REPS measured
 * runs per path, the paths taking turns run by run, so that a host whose
 * speed changes during the point (TCG) moves both rows alike. Reports each
 * path's ops/s and cycles per op (size_bytes: work); each measured run is
 * a simulation window of its own, a row's every SERVER_PATHS-th. */
static int server_pair(const char *bench, unsigned threads, unsigned ops, unsigned work)
{
	bool on[SERVER_PATHS] = { true, ensure_flexsc() };
	uint64_t samples[SERVER_PATHS][SERVER_REPS];
	unsigned win[SERVER_PATHS] = { 0 }, stride = 0; /* the paths that run */
	for (unsigned p = 0; p < SERVER_PATHS; p++)
		stride += on[p];
	unsigned long wakes[SERVER_PATHS] = { 0 }, waits[SERVER_PATHS] = { 0 };
	server_threads = threads;
	server_ops_per_thread = ops;
	server_work = work;
	for (unsigned r = 0; r < SERVER_REPS + 1; r++)
		for (unsigned p = 0; p < SERVER_PATHS; p++) {
			if (!on[p])
				continue;
			if (r) {
				unsigned w = bench_window();
				if (r == 1)
					win[p] = w;
			}
			struct flexsc_stats fs0 = flexsc_stats;
			syscall_path_set(path_of(server_paths[p]));
			uint64_t t0 = tsc_begin();
			uthread_run(server_main, 0, 0);
			uint64_t t1 = tsc_end();
			syscall_path_set(PATH_SYSCALL);
			if (r) {
				samples[p][r - 1] = bench_cycles(t0, t1) / ((uint64_t)threads * ops);
				wakes[p] += flexsc_stats.wakes - fs0.wakes;
				waits[p] += flexsc_stats.waits - fs0.waits;
			}
		}
	bench_window();
	unsigned long kops = (unsigned long)SERVER_REPS * threads * ops;
	for (unsigned p = 0; p < SERVER_PATHS; p++) {
		if (!on[p])
			continue;
		struct report_stats st;
		uint64_t copy[SERVER_REPS];
		memcpy(copy, samples[p], sizeof(copy));
		report_stats(copy, SERVER_REPS, &st);
		struct report_point pt;
		bench_point_init(&pt, bench, server_paths[p]);
		pt.user_threads = threads;
		pt.size_bytes = work;
		pt.syscall_cores = plat_syscall_cores(server_paths[p]);
		pt.ops_per_sec = (unsigned long)(si.tsc_hz / (st.median ? st.median : 1));
		/* How often the user core rang the doorbell and slept in
		 * flexsc_wait, per thousand operations: waiting the timings
		 * alone do not show. */
		static char extra[SERVER_PATHS][96];
		snprintf(extra[p], sizeof(extra[p]), "calls_per_op=4 wakes_per_kop=%lu waits_per_kop=%lu",
			 wakes[p] * 1000 / kops, waits[p] * 1000 / kops);
		pt.extra = extra[p];
		pt.sim_window = win[p];
		pt.sim_windows = SERVER_REPS;
		pt.sim_stride = stride;
		pt.sim_units = kops; /* over its SERVER_REPS windows */
		report_result(&pt, samples[p], SERVER_REPS);
	}
	return 0;
}

int plat_bench(const char *name, const struct bench_config *cfg)
{
	unsigned ops = cfg->iters / 20 < 50 ? 50 : cfg->iters / 20;
	if (null_fd < 0)
		null_fd = (int)syscall_syscall(SYS_open, (long)"null", O_WRONLY, 0, 0, 0, 0);
	if (!strcmp(name, "indirect"))
		return bench_indirect(cfg);
	if (!strcmp(name, "server")) {
		static const unsigned threads[] = { 1, 8, 32 };
		for (unsigned w = 0; w < cfg->nworks; w++)
			for (unsigned i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
				server_pair("server", threads[i], ops, cfg->works[w]);
			}
		return 0;
	}
	if (!strcmp(name, "cores")) {
		/* The syscall cores are fixed per boot (flexsc.cores=): this point is
		 * one x value; scripts/sweep.sh boots with others. */
		server_pair("cores", 32, ops, BENCH_WORK_MAX);
		return 0;
	}
	return 1;
}

static void print_meta(void)
{
	static char extra[128];
	snprintf(extra, sizeof(extra), "syscall_cpus=%d flexsc_cpu_mask=0x%lx sysenter=%u git=%s",
		 __builtin_popcountl(si.flexsc_cpus), si.flexsc_cpus, si.sysenter_ok, si.git_rev);
	report_meta(&(struct report_meta){
		.system = "exless",
		.cpu_vendor = si.cpu_vendor,
		.cpu_model = si.cpu_model,
		.tsc_hz = si.tsc_hz,
		.cpus = si.ncpus,
		.hypervisor = si.hypervisor,
		.cmdline = si.cmdline,
		.extra = extra,
	});
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "--peer"))
		return peer_main(argv);
	if (argc >= 4 && !strcmp(argv[1], "--proc"))
		return proc_main(argc, argv);
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	/* The suite runs on CPU 0; the syscall threads have their own cores. */
	syscall_syscall(SYS_setaffinity, 0, 1, 0, 0, 0, 0);
	/* The kernel passes its bench.* options as one word; the shell, one
	 * word per option: the parser takes them joined. */
	static char opts[512];
	for (int i = 1; i < argc; i++) {
		strlcpy(opts + strlen(opts), " ", sizeof(opts) - strlen(opts));
		strlcpy(opts + strlen(opts), argv[i], sizeof(opts) - strlen(opts));
	}
	struct bench_config cfg;
	const char *bad = bench_config_parse(&cfg, opts);
	print_meta();
	int failed;
	if (bad) {
		report_error("exless", 0, 0, bad, 0);
		failed = 1;
	} else {
		failed = bench_suite(&cfg);
	}
	report_done();
	printf_flush();
	/* Started by the kernel for `bench`: end the machine; from the shell,
	 * poweroff is refused and we just exit. */
	syscall_syscall(SYS_poweroff, failed ? 1 : 0, 0, 0, 0, 0, 0);
	return failed;
}
