/* TSC frequency, from the first source that gives one: CPUID 0x15 (with
 * 0x16's base frequency where 0x15 leaves the crystal clock out, checked
 * against the PIT), the
 * hypervisor timing leaf 0x40000010 of hypervisors known to define it, a
 * calibration against PIT channel 2. */
#include "../../test.h"
#include "percpu.h"
#include "../../param.h"
#include "../../console.h"
#include "../../mm.h"
#include "cpu.h"
#include "tsc.h"
#include "../../time.h"
#include "../../proc.h"

#define PIT_HZ 1193182
#define PIT_CAL_MS 50
/* The PIT gets this many TSC cycles to count PIT_CAL_MS: 50 ms at 20 GHz. */
#define PIT_CAL_LIMIT (20000000000ul / 1000 * PIT_CAL_MS)

u64 tsc_hz;
const char *tsc_hz_source = "none";
bool tsc_invariant, tsc_has_rdtscp;
static u64 tsc_at_boot;

/* CPUID 0x15: TSC = crystal * ebx / eax. Where the crystal (ecx) is 0, the
 * TSC runs at the base frequency, which 0x16 gives in MHz. */
static u64 tsc_from_leaf_15_16(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	if (max < 0x15)
		return 0;
	cpuid(0x15, 0, &a, &b, &c, &d);
	if (!a || !b)
		return 0;
	if (c) {
		tsc_hz_source = "cpuid 0x15";
		return (u64)c * b / a;
	}
	if (max < 0x16)
		return 0;
	cpuid(0x16, 0, &a, &b, &c, &d);
	if (!(a & 0xFFFF))
		return 0;
	tsc_hz_source = "cpuid 0x16 base frequency";
	return (u64)(a & 0xFFFF) * 1000000;
}

/* Leaf 0x40000010 (EAX: TSC kHz) is VMware's timing leaf; QEMU/KVM fill it
 * under the KVM signature when the TSC frequency is known (vmware-cpuid-freq).
 * Other hypervisors give that leaf other meanings, or none. */
static u64 tsc_from_hypervisor(void)
{
	u32 a, b, c, d, max;
	char sig[13];
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return 0;
	cpuid(0x40000000, 0, &max, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (strcmp(sig, "VMwareVMware") && strcmp(sig, "KVMKVMKVM"))
		return 0;
	if (max < 0x40000010)
		return 0;
	cpuid(0x40000010, 0, &a, &b, &c, &d);
	if (!a)
		return 0;
	tsc_hz_source = "cpuid 0x40000010";
	return (u64)a * 1000;
}

/* TSC cycles while PIT channel 2 counts ms milliseconds; 0 if that took
 * more than limit cycles (a missing or stuck PIT). */
static u64 tsc_pit_cycles(u32 ms, u64 limit)
{
	u16 count = (u16)(PIT_HZ * ms / 1000);
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xB0);               /* channel 2, lo/hi, mode 0 */
	outb(0x42, count & 0xFF);
	outb(0x42, count >> 8);         /* the count starts here */
	u64 t0 = rdtsc_serialized(), t = t0;
	while (!(inb(0x61) & 0x20) && t - t0 <= limit)
		t = rdtsc_serialized();
	outb(0x61, inb(0x61) & ~0x03);
	return t - t0 <= limit ? t - t0 : 0;
}

static u64 tsc_from_pit(void)
{
	u64 cycles = tsc_pit_cycles(PIT_CAL_MS, PIT_CAL_LIMIT);
	if (!cycles)
		return 0;
	tsc_hz_source = "PIT calibration";
	return cycles * 1000 / PIT_CAL_MS;
}

/* CPUID 0x16's base frequency is the part's nominal one, which the SDM
 * does not promise the TSC runs at (Bochs's Skylake-X model says 3.5 GHz
 * and counts its TSC at its own instructions per second): hz, unless the
 * PIT measures a rate more than 10% away from it, then the PIT's. */
static u64 checked_against_pit(u64 hz)
{
	u64 pit = tsc_from_pit();
	if (!pit || (pit > hz ? pit - hz : hz - pit) <= hz / 10) {
		tsc_hz_source = "cpuid 0x16 base frequency (the PIT agrees)";
		return hz;
	}
	kprintf("tsc: CPUID 0x16 says %lu Hz, the PIT measures %lu Hz: the PIT's rate is used\n", hz, pit);
	tsc_hz_source = "PIT calibration (CPUID 0x16's base frequency disagreed)";
	return pit;
}

void tsc_init(void)
{
	u32 a, b, c, d, max;
	tsc_at_boot = rdtsc_serialized();
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		tsc_has_rdtscp = (d >> 27) & 1;
	}
	if (max >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		tsc_invariant = (d >> 8) & 1;
	}
	tsc_hz = tsc_from_leaf_15_16();
	if (tsc_hz && !strcmp(tsc_hz_source, "cpuid 0x16 base frequency"))
		tsc_hz = checked_against_pit(tsc_hz);
	if (!tsc_hz)
		tsc_hz = tsc_from_hypervisor();
	if (!tsc_hz)
		tsc_hz = tsc_from_pit();
	if (!tsc_hz) {
		/* No source: time runs at a stated guess rather than not at all. */
		tsc_hz = 1000000000;
		tsc_hz_source = "ASSUMED 1 GHz: no CPUID frequency and the PIT did not count";
	}
	if (!tsc_invariant)
		kprintf("tsc: not invariant (CPUID 0x80000007): its rate may change with power states\n");
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

#define TSC_ROUNDS 5
static u64 tsc_samples[TSC_ROUNDS][MAX_CPUS];
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
	u32 aux = cpu;
	if (tsc_has_rdtscp)
		rdtscp(&aux);
	if ((int)aux != cpu)
		ktest_fail(__FILE__, __LINE__, "TSC_AUX %u on CPU %d", aux, cpu);
	/* Rendezvous: each CPU reads the TSC right after the count reaches the
	 * round's target. */
	for (int r = 0; r < TSC_ROUNDS; r++) {
		__atomic_add_fetch(&tsc_go, 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&tsc_go, __ATOMIC_ACQUIRE) < ncpus * (r + 1))
			cpu_relax();
		tsc_samples[r][cpu] = rdtsc_serialized();
	}
}

KTEST(tsc_monotonic_and_consistent)
{
	KEXPECT(tsc_hz > 10000000);
	tsc_go = 0;
	ktest_on_each_cpu(tsc_check, 0);
	/* After a shared rendezvous, readings differ by far less than 10 ms. The
	 * best of several rounds: a host may deschedule a vCPU in any one. */
	u64 best = ~0ul;
	for (int r = 0; r < TSC_ROUNDS; r++) {
		u64 lo = ~0ul, hi = 0;
		for (int c = 0; c < ncpus; c++) {
			lo = MIN(lo, tsc_samples[r][c]);
			hi = MAX(hi, tsc_samples[r][c]);
		}
		best = MIN(best, hi - lo);
	}
	if (best >= tsc_hz / 100)
		ktest_fail(__FILE__, __LINE__, "TSCs %lu cycles apart after a rendezvous", best);
}

KTEST(tsc_pit_calibration_bounded)
{
	/* 1 ms of TSC is too short for 50 ms of PIT: the wait gives up, long
	 * before the PIT would have finished. */
	u64 t0 = rdtsc_serialized();
	KEXPECT_EQ(tsc_pit_cycles(50, tsc_hz / 1000), 0);
	u64 spent = rdtsc_serialized() - t0;
	if (spent > tsc_hz / 25)
		ktest_fail(__FILE__, __LINE__, "gave up after %lu cycles, limit %lu", spent, tsc_hz / 1000);
	/* Given time, 10 ms of PIT are waited for: at least 5 ms of TSC in
	 * the best of three tries (a host that stalls the vCPU while the count
	 * is loaded shortens one: seen once, 137,655 cycles, under make
	 * test-cpus beside other QEMUs). */
	u64 c = 0;
	for (int i = 0; i < 3 && c < tsc_hz / 200; i++)
		c = MAX(c, tsc_pit_cycles(10, tsc_hz));
	if (c < tsc_hz / 200)
		ktest_fail(__FILE__, __LINE__, "10 ms of PIT took %lu TSC cycles at %lu Hz", c, tsc_hz);
}

/* The bench's timing (bench/timing.h) on this CPU: where CPUID has no RDTSCP
 * (-cpu qemu64 or Nehalem, make test-cpus) it falls back to LFENCE;RDTSC
 * rather than dying of #UD. */
KTEST(tsc_bench_timing_runs)
{
	KEXPECT_EQ(ktest_run_user("bench_all", "bench.list=nullcall bench.iters=20"), 0);
}
