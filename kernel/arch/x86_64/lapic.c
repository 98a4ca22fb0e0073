/* Local APIC and IOAPIC. x2APIC registers are MSRs 0x800 + (offset >> 4);
 * xAPIC registers are MMIO at the APIC base. */
#include "cpu.h"
#include "lapic.h"
#include "layout.h"
#include "percpu.h"
#include "tsc.h"
#include "../../trap.h"
#include "../../acpi.h"
#include "../../param.h"
#include "../../test.h"

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_MASKED (1u << 16)
#define ICR_PENDING (1u << 12)
#define APIC_BASE_EXTD (1ul << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ul << 11)   /* global enable */

static bool x2apic;
static volatile u32 *xapic; /* xAPIC MMIO through the direct map */
static u32 timer_ticks_per_sec;

bool lapic_is_x2apic(void) { return x2apic; }

static u32 lapic_read(u32 reg)
{
	return x2apic ? (u32)rdmsr(0x800 + (reg >> 4)) : xapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

/* Enable this CPU's LAPIC: xAPIC first, then x2APIC where CPUID offers it
 * (the SDM allows disabled -> xAPIC -> x2APIC only; disabled -> x2APIC is a
 * #GP). LINT0 (ExtINT from the 8259) and LINT1 are masked: interrupts come
 * through the IOAPIC, and the only NMI exless expects is the panic IPI, which
 * an NMI from LINT1 would be taken for. Masked rather than set to NMI, by
 * choice: the platform's NMIs on LINT1 (SERR, IOCHK, a watchdog) are lost,
 * where as NMIs they would halt a CPU silently in trap_paranoid's panic stop;
 * telling them apart needs a reason register exless does not read. */
void lapic_init(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = (c >> 21) & 1;
	u64 base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD)) {
		base |= APIC_BASE_EXTD;
		wrmsr(MSR_APIC_BASE, base);
	}
	xapic = (volatile u32 *)(DIRECT_MAP + (base & ~0xFFFul));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
}

u32 lapic_id(void)
{
	u32 id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Send an IPI and wait until the xAPIC has taken it. The xAPIC's ICR is two
 * registers: interrupts stay off between the halves, or an interrupt handler
 * sending its own IPI would change the destination under us. */
static void lapic_icr(u32 dest, u32 lo)
{
	if (x2apic) {
		wrmsr(0x830, ((u64)dest << 32) | lo);
		return;
	}
	bool irq_on = read_rflags() & RFLAGS_IF;
	irq_disable();
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	if (irq_on)
		irq_enable();
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	lapic_icr(apic_id, vector);
}

void lapic_send_nmi_all_others(void)
{
	lapic_icr(0, (4 << 8) | (3 << 18)); /* NMI, shorthand: all excluding self */
}

void lapic_send_init_sipi(u32 apic_id, u8 page)
{
	lapic_icr(apic_id, (5 << 8) | (1 << 14)); /* INIT, assert */
	tsc_delay_us(10000);
	for (int i = 0; i < 2; i++) {
		lapic_icr(apic_id, (6 << 8) | page); /* STARTUP */
		tsc_delay_us(200);
	}
}

/* Measure the APIC timer against the TSC once (BSP), then tick at hz. */
void lapic_timer_start(u32 hz)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	if (!timer_ticks_per_sec) {
		lapic_write(LAPIC_LVT_TIMER, 1 << 16); /* masked, one-shot */
		lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
		tsc_delay_us(10000);
		timer_ticks_per_sec = (0xFFFFFFFF - lapic_read(LAPIC_TIMER_CUR)) * 100;
	}
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | (1 << 17)); /* periodic */
	lapic_write(LAPIC_TIMER_INIT, timer_ticks_per_sec / hz);
}

static void lapic_check(void *arg, int cpu)
{
	(void)arg;
	u64 base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN) || !!(base & APIC_BASE_EXTD) != x2apic)
		ktest_fail(__FILE__, __LINE__, "APIC base 0x%lx on CPU %d (x2APIC %d)", base, cpu, x2apic);
	u32 l0 = lapic_read(LAPIC_LVT_LINT0), l1 = lapic_read(LAPIC_LVT_LINT1);
	if (!(l0 & LVT_MASKED) || !(l1 & LVT_MASKED))
		ktest_fail(__FILE__, __LINE__, "LINT0 0x%x LINT1 0x%x on CPU %d: not masked", l0, l1, cpu);
}

KTEST(lapic_mode_and_lint_masked_every_cpu)
{
	ktest_on_each_cpu(lapic_check, 0);
}

/* IOAPIC: one is enough for the serial port on QEMU's PC machine. */
static volatile u32 *ioapic;
static u32 ioapic_gsi_base;

static u32 ioapic_read(u32 reg)
{
	ioapic[0] = reg;
	return ioapic[4];
}

static void ioapic_write(u32 reg, u32 v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

/* Map the IOAPIC and mask every pin firmware may have left routed. */
void ioapic_init(paddr_t base, u32 gsi_base)
{
	ioapic = (volatile u32 *)(DIRECT_MAP + base);
	ioapic_gsi_base = gsi_base;
	u32 pins = ((ioapic_read(1) >> 16) & 0xFF) + 1;
	for (u32 pin = 0; pin < pins; pin++)
		ioapic_write(0x10 + 2 * pin, LVT_MASKED);
}

void ioapic_route(u32 irq, u8 vector, u32 dest_apic_id)
{
	u32 flags = 0;
	u32 gsi = acpi_irq_to_gsi(irq, &flags);
	u32 pin = gsi - ioapic_gsi_base;
	u32 lo = vector;
	if (flags & ACPI_IRQ_ACTIVE_LOW)
		lo |= 1 << 13;
	if (flags & ACPI_IRQ_LEVEL)
		lo |= 1 << 15;
	ioapic_write(0x10 + 2 * pin + 1, dest_apic_id << 24);
	ioapic_write(0x10 + 2 * pin, lo);
}
