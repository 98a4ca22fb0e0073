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

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0

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

void lapic_init(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = (c >> 21) & 1;
	u64 base = rdmsr(MSR_APIC_BASE);
	base |= 1ul << 11; /* global enable */
	if (x2apic)
		base |= 1ul << 10;
	wrmsr(MSR_APIC_BASE, base);
	xapic = (volatile u32 *)(DIRECT_MAP + (base & ~0xFFFul));
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

static void lapic_icr(u32 dest, u32 lo)
{
	if (x2apic) {
		wrmsr(0x830, ((u64)dest << 32) | lo);
		return;
	}
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	while (lapic_read(LAPIC_ICR_LO) & (1 << 12)) /* delivery pending */
		cpu_relax();
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

/* IOAPIC: one is enough for the serial port on QEMU's PC machine. */
static volatile u32 *ioapic;
static u32 ioapic_gsi_base;

void ioapic_init(paddr_t base, u32 gsi_base)
{
	ioapic = (volatile u32 *)(DIRECT_MAP + base);
	ioapic_gsi_base = gsi_base;
}

static void ioapic_write(u32 reg, u32 v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
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
