/*
 * The benchmark suite shared by exless and the Linux peer: the loops for
 * bench=nullcall, floor, size, batch and pingpong, over the platform layer of
 * plat.h, printing with report.h. Freestanding: no libc.
 *
 * Options, read from the kernel command line on both systems (other words
 * are ignored):
 *   bench.iters=N        samples per measurement; 1..1000000, default 10000.
 *                        bench=batch takes N/batch samples (at least 32) of
 *                        `batch` calls each, so every batch size makes N calls.
 *   bench.batches=LIST   batch sizes for bench=batch, each 1..1024;
 *                        default 1,2,4,8,16,32,64,128,256.
 *   bench.sizes=LIST     bytes per read()/write() for bench=size, each
 *                        1..1048576; default 1,4,16,64,256,1024,4096,16384,65536.
 *   bench.list=NAMES     benches to run, in the suite's fixed order;
 *                        default all but webserver and kvstore. A platform
 *                        skips those it lacks.
 *   bench.threads=LIST   server threads for bench=webserver and kvstore (one
 *                        client connection each), each 1..64; default 1,4,16.
 *   bench.work=LIST      bytes of user work per operation of bench=server (one
 *                        read-modify-write per 64-byte line of a thread's
 *                        own buffer), each 1..4096; default 256,1024,4096.
 *   bench.requests=N     measured requests per point of those benches (after
 *                        untimed warm-up ones); 1..1000000, default 500.
 *   bench.user_cores=N   CPUs the server of those benches runs on, 1..64
 *                        (bench/server.c says which); default: every CPU
 *                        its mode leaves free but CPU 0, the client's.
 * LISTs and NAMES are comma-separated, at most BENCH_LIST_MAX entries.
 *
 * Every measured sample has tsc_overhead() taken off (tsc_overhead= on the
 * result line). One sample is one call, except for bench=batch (one batch,
 * divided by its size: cycles per call) and bench=pingpong (one round trip).
 * bench=size lines carry op=write (to "null") or op=read (from "zero").
 * bench=webserver and kvstore: one sample is one request, from its send to
 * its whole response (bench/server.c).
 */
#ifndef BENCH_SUITE_H
#define BENCH_SUITE_H

#include <stdint.h>

#include "report.h"

enum bench_id {
	BENCH_NULL,     /* a call with no work, per trapping path */
	BENCH_FLOOR,    /* bare entry/exit, per trapping path (exless) */
	BENCH_PINGPONG, /* one cache line bounced CPU 0 <-> CPU 1 */
	BENCH_BATCH,    /* cost per call vs calls issued together */
	BENCH_CORES,    /* throughput vs syscall cores (exless) */
	BENCH_SIZE,     /* read/write cost vs bytes moved */
	BENCH_INDIRECT, /* user work slowed by the kernel's cache footprint (exless) */
	BENCH_SERVER,   /* request throughput, synchronous vs flexsc (exless) */
	BENCH_WEBSERVER, /* static files over local sockets (bench/server.c) */
	BENCH_KVSTORE,  /* memcached-like get/set over local sockets (bench/server.c) */
	BENCH_COUNT,
};

#define BENCH_LIST_MAX 16
#define BENCH_ITERS_MAX 1000000u
#define BENCH_BATCH_MAX 1024u
#define BENCH_SIZE_MAX (1ul << 20)
#define BENCH_THREADS_MAX 64u
#define BENCH_REQUESTS_MAX 1000000u
#define BENCH_WORK_MAX 4096u

struct bench_config {
	unsigned iters;
	unsigned list;                  /* bit (1 << enum bench_id) per bench */
	unsigned nbatches;
	unsigned batches[BENCH_LIST_MAX];
	unsigned nsizes;
	unsigned long sizes[BENCH_LIST_MAX];
	unsigned nthreads;
	unsigned threads[BENCH_LIST_MAX];
	unsigned nworks;
	unsigned works[BENCH_LIST_MAX];
	unsigned requests;
	unsigned user_cores;            /* 0: the default of bench.user_cores */
};

/* "nullcall", "floor", ... indexed by enum bench_id. */
extern const char *const bench_names[BENCH_COUNT];

/* Fills cfg with the defaults, then applies the options in cmdline. Returns
 * NULL, or what was wrong (cfg then holds the defaults and earlier options). */
const char *bench_config_parse(struct bench_config *cfg, const char *cmdline);

/* Runs the benches of cfg->list; returns how many failed. */
int bench_suite(const struct bench_config *cfg);

/* For plat_bench(), while bench_suite() runs: room for cfg->iters samples
 * (at least 32), a point with the defaults (batch 1, one user thread, the
 * timing overhead) and the cycles between two TSC reads less that overhead. */
extern uint64_t *bench_samples;
void bench_point_init(struct report_point *pt, const char *bench, const char *path);
uint64_t bench_cycles(uint64_t t0, uint64_t t1);

/* Starts a new simulation window (make bench ACCEL=sim) and returns its
 * number for report_point.sim_window: call it before the measured samples,
 * and again after them, so that no later timed region (the next point's
 * warm-up) adds to it. */
unsigned bench_window(void);

#endif
