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
 * The end read is RDTSCP where CPUID says the CPU has it (0x80000001 EDX bit
 * 27), LFENCE;RDTSC otherwise (qemu64, Nehalem): LFENCE waits for every
 * earlier instruction to complete, as RDTSCP does. tsc_begin() asks CPUID once
 * per program image, outside any timed region. Header only, no libc.
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

/* 1 if the CPU has RDTSCP, 0 if not, -1 until tsc_begin() asked. */
static int tsc_rdtscp = -1;

/* Asks CPUID whether RDTSCP is there, once (CPUID itself is slow in a VM). */
static inline void tsc_probe(void)
{
	uint32_t a, b, c, d;

	if (tsc_rdtscp >= 0)
		return;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0u));
	tsc_rdtscp = 0;
	if (a >= 0x80000001u) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0u));
		tsc_rdtscp = d >> 27 & 1;
	}
}

/* The first LFENCE keeps earlier instructions from overlapping the read, the
 * second keeps the code under test from starting before it. */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	tsc_probe();
	__asm__ volatile("lfence\n\trdtsc\n\tlfence\n\t" SIMMARK(SIMMARK_BEGIN)
			 : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* RDTSCP (or LFENCE;RDTSC) waits for the code under test to finish; the last
 * LFENCE keeps later instructions from starting before the read. RDTSCP also
 * loads TSC_AUX into ecx. Called after a tsc_begin(). */
static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi;

	__asm__ volatile(SIMMARK(SIMMARK_END) ::: "memory");
	if (tsc_rdtscp > 0)
		__asm__ volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi) : : "rcx", "memory");
	else
		__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
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
