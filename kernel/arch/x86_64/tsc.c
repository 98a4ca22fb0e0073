/* TSC frequency: CPUID 0x15/0x16, the hypervisor leaf 0x40000010, or a
 * calibration against PIT channel 2. */
#include "../../test.h"
#include "percpu.h"
#include "../../param.h"
#include "cpu.h"
#include "tsc.h"
#include "../../time.h"

u64 tsc_hz;
const char *tsc_hz_source = "none";
static u64 tsc_at_boot;

static u64 tsc_from_cpuid(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			tsc_hz_source = "cpuid 0x15";
			return (u64)c * b / a;
		}
	}
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 31)) { /* running under a hypervisor */
		cpuid(0x40000000, 0, &max, &b, &c, &d);
		if (max >= 0x40000010) {
			cpuid(0x40000010, 0, &a, &b, &c, &d);
			if (a) {
				tsc_hz_source = "cpuid 0x40000010";
				return (u64)a * 1000;
			}
		}
	}
	return 0;
}

/* Count TSC ticks across 50 ms of PIT channel 2 (1.193182 MHz). */
static u64 tsc_from_pit(void)
{
	const u32 pit_hz = 1193182, ms = 50;
	u16 count = (u16)(pit_hz * ms / 1000);
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xB0);                        /* channel 2, lo/hi, mode 0 */
	outb(0x42, count & 0xFF);
	outb(0x42, count >> 8);
	u8 v = inb(0x61);
	outb(0x61, v & ~0x01); /* restart the count with a gate edge */
	outb(0x61, v | 0x01);
	u64 t0 = rdtsc_serialized();
	while (!(inb(0x61) & 0x20))
		;
	u64 t1 = rdtsc_serialized();
	tsc_hz_source = "PIT calibration";
	return (t1 - t0) * 1000 / ms;
}

void tsc_init(void)
{
	tsc_at_boot = rdtsc_serialized();
	tsc_hz = tsc_from_cpuid();
	if (!tsc_hz)
		tsc_hz = tsc_from_pit();
}

u64 ktime_ns(void)
{
	u64 d = rdtsc_serialized() - tsc_at_boot;
	return d / tsc_hz * 1000000000u + d % tsc_hz * 1000000000u / tsc_hz;
}

void tsc_delay_us(u64 us)
{
	u64 end = rdtsc_serialized() + tsc_hz / 1000000 * us;
	while (rdtsc_serialized() < end)
		cpu_relax();
}

static u64 tsc_samples[MAX_CPUS][2];
static volatile int tsc_go;

static void tsc_check(void *arg, int cpu)
{
	(void)arg;
	u64 prev = ktime_ns();
	for (int i = 0; i < 100000; i++) {
		u64 now = ktime_ns();
		if (now < prev)
			ktest_fail(__FILE__, __LINE__, "ktime_ns went back on CPU %d: %lu < %lu", cpu, now, prev);
		prev = now;
	}
	u32 aux;
	rdtscp(&aux);
	if ((int)aux != cpu)
		ktest_fail(__FILE__, __LINE__, "TSC_AUX %u on CPU %d", aux, cpu);
	/* A rendezvous: each CPU reads the TSC right after the flag flips. */
	__atomic_add_fetch(&tsc_go, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&tsc_go, __ATOMIC_ACQUIRE) < ncpus)
		cpu_relax();
	tsc_samples[cpu][0] = rdtsc_serialized();
}

KTEST(tsc_monotonic_and_consistent)
{
	KEXPECT(tsc_hz > 10000000);
	tsc_go = 0;
	ktest_on_each_cpu(tsc_check, 0);
	u64 lo = ~0ul, hi = 0;
	for (int c = 0; c < ncpus; c++) {
		lo = MIN(lo, tsc_samples[c][0]);
		hi = MAX(hi, tsc_samples[c][0]);
	}
	/* After a shared rendezvous, readings differ by far less than 10 ms. */
	KEXPECT(hi - lo < tsc_hz / 100);
}
