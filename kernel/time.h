/* Kernel time. */
#ifndef TIME_H
#define TIME_H
#include "types.h"
u64 ktime_ns(void); /* nanoseconds since boot, from the TSC; monotonic per CPU */
#endif
