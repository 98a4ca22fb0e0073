/*
 * Cycle timing with the time stamp counter, after Intel's white paper "How to
 * Benchmark Code Execution Times on Intel IA-32 and IA-64 Instruction Set
 * Architectures" (Paoloni, 2010):
 *
 *	t0 = tsc_begin();
 *	code under test;
 *	t1 = tsc_end();
 *	cycles = t1 - t0 - tsc_overhead(...);
 *
 * The paper serializes with CPUID. CPUID always exits to the hypervisor in a
 * VM (~11,000 cycles on the development hosts), so LFENCE takes its place: it
 * orders RDTSC on Intel, and on AMD once the OS has made it dispatch
 * serializing (MSR C001_1029 bit 1, which Linux sets).
 *
 * Needs RDTSCP (QEMU's -cpu max has it). Header only, no libc.
 *
 * Each timed region is also a measurement window of the simulation plugin
 * (make bench ACCEL=sim, kernel/abi/simmark.h): tsc_begin() ends with the
 * BEGIN marker, tsc_end() starts with the END marker, so the window holds the
 * code under test and nothing of the timing. The markers are NOPs elsewhere.
 */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdint.h>

#include "../kernel/abi/simmark.h"

/* The first LFENCE keeps earlier instructions from overlapping the read, the
 * second keeps the code under test from starting before it. */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence\n\t" SIMMARK(SIMMARK_BEGIN)
			 : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* RDTSCP waits for the code under test to finish; the LFENCE keeps later
 * instructions from starting before the read. RDTSCP also loads TSC_AUX into
 * ecx. */
static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi;

	__asm__ volatile(SIMMARK(SIMMARK_END) "rdtscp\n\tlfence" : "=a"(lo), "=d"(hi) : : "rcx", "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The simulation plugin's next window: later timed regions count there
 * (bench_window() in suite.c numbers them). */
static inline void sim_window_next(void)
{
	__asm__ volatile(SIMMARK(SIMMARK_NEXT) ::: "memory");
}

/* The cost of the timing itself: the least of n empty begin/end pairs. The
 * minimum, not the mean, because that is what an undisturbed sample of the
 * code under test pays on top of its own cost. */
static inline uint64_t tsc_overhead(unsigned n)
{
	uint64_t best = UINT64_MAX;

	while (n--) {
		uint64_t t0 = tsc_begin();
		uint64_t d = tsc_end() - t0;

		if (d < best)
			best = d;
	}
	return best;
}

#endif
