/* The TSC: frequency found at boot, ktime_ns(), short delays. */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "../../types.h"

extern u64 tsc_hz;
extern const char *tsc_hz_source;  /* how tsc_hz was found */
extern bool tsc_invariant;         /* CPUID 0x80000007: constant rate in every power state */
extern bool tsc_has_rdtscp;        /* CPUID 0x80000001: RDTSCP (and TSC_AUX) */
void tsc_init(void);               /* BSP, before the APs */
void tsc_delay_us(u64 us);

#endif
