/*
 * Benchmark results as "@@BENCH" lines on the console, the one format that
 * scripts/collect.py reads from every system (exless and the Linux peer):
 *
 *   @@BENCH meta system=linux cpu_vendor=GenuineIntel cpu_model="..." ...
 *   @@BENCH result system=linux bench=nullcall path=syscall batch=1 ... mean=131.2
 *   @@BENCH error system=linux bench=batch path=io_uring msg="..."
 *   @@BENCH skip system=exless bench=kvstore path=flexsc msg="..."
 *   @@BENCH done
 *
 * One line per call, keys separated by single spaces, values holding a space
 * (or nothing) double-quoted; a '"' inside a value is printed as '\''.
 *
 * Portable and freestanding: no libc, no floating point. The platform
 * provides report_printf(), which needs only %s, %u and %lu, with a field
 * width ('*') or zero padding.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>

/* printf() on Linux; userlib's console printf on exless. */
int report_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How results are printed: "@@BENCH" lines for scripts/collect.py (the
 * default), or an aligned table for a person (bench.format=table, which the
 * shell's `bench` command passes). */
enum report_format { REPORT_RAW, REPORT_TABLE };
extern enum report_format report_format;

/* What a result line says besides its statistics. */
struct report_point {
	const char *system;         /* "exless", "linux" */
	const char *bench;          /* "null", "batch", ... */
	const char *path;           /* "syscall", "int80", "io_uring", "none", ... */
	unsigned batch;             /* calls issued together (1: one at a time) */
	unsigned syscall_cores;     /* cores serving exception-less calls (0: none) */
	unsigned user_threads;
	unsigned long size_bytes;   /* data per call, or a server operation's user work (0: none) */
	unsigned long ops_per_sec;  /* 0: absent */
	unsigned per;               /* each sample is the total of this many calls (0, 1: of one):
				     * statistics printed per call, to three decimals */
	uint64_t tsc_overhead;      /* cycles already taken off each sample */
	const char *extra;          /* NULL, or more "key=value" pairs */
	/* The simulation window of the measured samples (0: none) and how many
	 * calls (or operations) it holds; sim_user: the row counts the user
	 * mode's own activity only (bench=indirect). Samples taken in turn
	 * with another row's are in sim_windows windows (0 or 1: one),
	 * sim_window, sim_window + sim_stride, and so on. */
	unsigned sim_window;
	unsigned long sim_units;
	int sim_user;
	unsigned sim_windows, sim_stride;
};

/* Nearest-rank statistics of n samples, in the samples' unit. */
struct report_stats {
	uint64_t min, median, p99, max;
	uint64_t mean10;            /* the mean times ten: one decimal, no floats */
};

/* Sorts samples in place (heapsort: O(n log n), no recursion, no qsort). */
void report_sort(uint64_t *v, unsigned n);

/* Sorts samples in place and fills st; n must be at least 1. */
void report_stats(uint64_t *samples, unsigned n, struct report_stats *st);

/* Prints a result line for n samples summed up in st. */
void report_line(const struct report_point *pt, const struct report_stats *st, unsigned n);

/* report_stats() then report_line(). */
void report_result(const struct report_point *pt, uint64_t *samples, unsigned n);

/* Once per boot, before any result. */
struct report_meta {
	const char *system;
	const char *cpu_vendor;     /* CPUID leaf 0, e.g. "GenuineIntel" */
	const char *cpu_model;      /* CPUID brand string */
	uint64_t tsc_hz;
	unsigned cpus;
	const char *hypervisor;     /* CPUID leaf 0x40000000 signature, or "none" */
	const char *cmdline;        /* the kernel command line */
	const char *extra;          /* NULL, or "syscall_cpus=1 sysenter=1 git=..." */
};

void report_meta(const struct report_meta *m);

/* A benchmark that could not run to the end; bench and path may be NULL;
 * result, when not 0, is what the failing call returned (e.g. -errno). */
void report_error(const char *system, const char *bench, const char *path, const char *msg,
		  long result);

/* Rows that cannot be measured on this system (a mode it lacks): said, not
 * an error. */
void report_skip(const char *system, const char *bench, const char *path, const char *msg);

/* The end of a boot's run. */
void report_done(void);

#endif
