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

#endif
