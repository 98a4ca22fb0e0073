/* The platform layer's plainest part for the bench's Linux programs (the
 * peer's /init, main.c, and the host test srvtest.c): see host.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../plat.h"
#include "../timing.h"
#include "host.h"

const char plat_system[] = "linux";

static uint64_t tsc_hz;
static unsigned ncpus;

int report_printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

uint64_t plat_tsc_hz(void)
{
	return tsc_hz;
}

unsigned plat_ncpus(void)
{
	return ncpus;
}

/* TSC ticks against CLOCK_MONOTONIC_RAW over ms: the guest's own idea of
 * time, which under TCG follows the host and under icount the instructions. */
static uint64_t calibrate_tsc(unsigned ms)
{
	struct timespec a, b, nap = { ms / 1000, (long)(ms % 1000) * 1000000 };
	uint64_t t0, t1, ns;

	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = tsc_begin();
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	t1 = tsc_begin();
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	return ns ? (t1 - t0) * 1000000000u / ns : 0;
}

void host_init(unsigned ms)
{
	ncpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	tsc_hz = calibrate_tsc(ms);
}
