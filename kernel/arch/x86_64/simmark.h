/* Simulation markers in the kernel (encoding: kernel/abi/simmark.h). */
#ifndef ARCH_SIMMARK_H
#define ARCH_SIMMARK_H

#include "../../abi/simmark.h"

/* Polling that finds no work starts / ends on this CPU. */
static inline void simmark_idle_begin(void) { __asm__ volatile(SIMMARK(SIMMARK_IDLE_BEGIN)); }
static inline void simmark_idle_end(void) { __asm__ volatile(SIMMARK(SIMMARK_IDLE_END)); }

#endif
