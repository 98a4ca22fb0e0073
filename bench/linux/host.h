/* What every Linux program of the bench shares (host.c): the platform
 * layer's system name, report output, CPU count and TSC rate. */
#ifndef BENCH_LINUX_HOST_H
#define BENCH_LINUX_HOST_H

/* Count the online CPUs and calibrate the TSC against CLOCK_MONOTONIC_RAW
 * over ms milliseconds; plat_ncpus and plat_tsc_hz return them after. */
void host_init(unsigned ms);

#endif
