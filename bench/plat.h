/*
 * The platform layer under the shared benchmark suite (suite.c): what exless
 * (userlib) and Linux (bench/linux/main.c) each provide so that the loops,
 * the timing and the reporting are written once.
 *
 * Conventions: the suite runs on CPU 0, pinned there by the platform before
 * bench_suite(); "unavailable" (a path this CPU or kernel lacks, a second CPU
 * that is not there) is not an error, the suite skips it without a line;
 * errors are negative and the suite reports them with "@@BENCH error".
 * Everything here is called from one thread, except the function given to
 * plat_peer_start().
 */
#ifndef BENCH_PLAT_H
#define BENCH_PLAT_H

#include <stdint.h>

struct bench_config;

/* "exless" or "linux": the system= key of every line. */
extern const char plat_system[];

/* TSC ticks per second, and the CPUs this system runs on. */
uint64_t plat_tsc_hz(void);
unsigned plat_ncpus(void);

/* bytes of memory aligned to 64 and shared with the peer of plat_peer_start(),
 * never freed; NULL when there is none. On Linux it also lies below 4 GiB, so
 * that the 32-bit int $0x80 ABI can take its addresses. */
void *plat_alloc(unsigned long bytes);

/*
 * Trapping entry paths, in the order charts show them: NULL-terminated names
 * such as "int80", "syscall", "sysenter", "flexsc" (exless) or "syscall",
 * "int80" (Linux).
 */
extern const char *const plat_paths[];

/* One call with no work over a path, e.g. getppid() or SYS_null. */
typedef long (*plat_call_fn)(void);

/* The null call over path; NULL when path is unavailable. A negative return
 * from the function is an error. */
plat_call_fn plat_null_fn(const char *path);

/* The bare entry/exit of path, with no dispatch (exless SYS_FLOOR); NULL when
 * path is unavailable or the platform has no floor (Linux). */
plat_call_fn plat_floor_fn(const char *path);

/* Cores that serve calls made over path other than the caller's own: flexsc
 * syscall threads, an io_uring SQPOLL thread; 0 for trapping paths. */
unsigned plat_syscall_cores(const char *path);

/*
 * Data calls for bench=size, over the path chosen with plat_path_set()
 * (< 0: unavailable). plat_open("null") gives a sink that takes any write,
 * plat_open("zero") a source that fills any read; the descriptors stay open
 * to the end. plat_read/plat_write return bytes moved or a negative error.
 */
int plat_path_set(const char *path);
int plat_open(const char *dev);
long plat_read(int fd, void *buf, unsigned long n);
long plat_write(int fd, const void *buf, unsigned long n);

/*
 * Batched asynchronous calls for bench=batch: NULL-terminated names such as
 * "flexsc" (exless) or "io_uring", "io_uring_sqpoll" (Linux).
 * plat_batch_open() readies path for batches of up to max calls (> 0:
 * unavailable); plat_batch_nops(n) issues n null calls at once and returns
 * once all n have completed (< 0: error); plat_batch_close() undoes the open.
 */
extern const char *const plat_batch_paths[];
int plat_batch_open(const char *path, unsigned max);
int plat_batch_nops(unsigned n);
void plat_batch_close(void);

/*
 * A second flow of control on another CPU, sharing the caller's memory (at
 * least what plat_alloc() returned): plat_peer_start() runs fn(arg) on cpu
 * while the caller goes on (< 0: error); plat_peer_join() waits for fn to
 * return. One peer at a time.
 */
int plat_peer_start(unsigned cpu, void (*fn)(void *), void *arg);
int plat_peer_join(void);

/*
 * The benches in bench.list that the suite does not run itself (cores,
 * indirect, server on exless): 0 done, > 0 not on this platform (skipped
 * without a line), < 0 failed (the platform printed the error line).
 */
int plat_bench(const char *name, const struct bench_config *cfg);

/*
 * ---- Server workloads (bench/server.c: webserver, kvstore) ----
 * Local stream sockets named by path, files, processes and server threads.
 * These may be called from any process or server thread the layer started;
 * errors are negative.
 */

/* Server modes, NULL-terminated, in the order rows show them: "syscall"
 * (synchronous calls: one kernel thread per server thread), "flexsc"
 * (exless: FlexSC-Threads, one kernel thread per user core multiplexing
 * user threads over exception-less calls). */
extern const char *const plat_srv_modes[];

/* 0 when mode can run on this system now; > 0 when it cannot, with *why a
 * sentence saying what is missing (the suite prints it and skips the rows). */
int plat_srv_ready(const char *mode, const char **why);

/* CPUs (bit n: CPU n) that serve mode's calls other than the caller's own:
 * the syscall cores of flexsc; 0 for synchronous calls. */
unsigned long plat_srv_syscall_cpus(const char *mode);

/* socket(AF_UNIX, SOCK_STREAM), bind to path (an old name there is removed
 * first), listen: the listening descriptor. */
int plat_listen(const char *path, unsigned backlog);
int plat_accept(int lfd);
/* A connected descriptor; retries for a while while the listener's backlog
 * is full. */
int plat_connect(const char *path);
/* Removes the name path (after the listener is closed); errors ignored. */
void plat_unlink(const char *path);

/* poll(): struct pollfd's layout on Linux and on exless. Waits at most
 * timeout_ms; the number of descriptors with events, 0 on timeout. */
struct plat_pollfd {
	int fd;
	short events;
	short revents;
};
#define PLAT_POLLIN 1
int plat_poll(struct plat_pollfd *fds, unsigned n, unsigned timeout_ms);

/* Descriptors: read-only open of a file, its size (fstat), and the calls
 * every descriptor takes. */
int plat_file_open(const char *path);
long plat_file_size(int fd);
long plat_fd_read(int fd, void *buf, unsigned long n);
long plat_fd_write(int fd, const void *buf, unsigned long n);
int plat_fd_close(int fd);

/* Heap memory, usable from every server thread at once. */
void *plat_malloc(unsigned long bytes);
void plat_free(void *p);
/* Gives up the CPU to another ready thread (a lock holder). */
void plat_yield(void);

/*
 * A new process running fn(arg) on the CPUs of mask (bit n: CPU n), with a
 * copy of the caller's descriptors and of the len bytes at arg (at most
 * PLAT_PROC_ARG_MAX) and nothing else of its memory. fn's result (0..255)
 * is the process's exit status. Returns a handle for plat_proc_wait, or < 0.
 */
#define PLAT_PROC_ARG_MAX 512
long plat_proc_start(unsigned long mask, int (*fn)(void *arg), const void *arg, unsigned len);
/* Waits for the process; its status (fn's result), or < 0. */
int plat_proc_wait(long handle);

/*
 * In a server process: runs fn(arg, i) for i = 0 .. n-1 on n server threads
 * of mode and returns once all have returned: 0, or the first non-zero
 * result or error. The k CPUs of mask are the user cores: thread i runs on
 * the (i mod k)-th of them (counting from the lowest), pinned there; under
 * "flexsc" each user core is one kernel thread multiplexing its threads.
 * arg points to len bytes, shared by the threads.
 */
int plat_srv_threads(const char *mode, unsigned n, unsigned long mask,
		     int (*fn)(void *arg, unsigned i), void *arg, unsigned len);

#endif
