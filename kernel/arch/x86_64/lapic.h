/* Local APIC (x2APIC where present), IOAPIC and IPIs. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "../../types.h"

void lapic_init(void);          /* per CPU: enable, spurious vector */
void lapic_timer_start(u32 hz); /* per CPU: periodic tick on VEC_TIMER */
void lapic_eoi(void);
u32 lapic_id(void);
void lapic_send_ipi(u32 apic_id, u8 vector);
void lapic_send_nmi_all_others(void);
void lapic_send_init_sipi(u32 apic_id, u8 page);
bool lapic_is_x2apic(void);

void ioapic_init(paddr_t base, u32 gsi_base);
/* Route legacy IRQ irq (after MADT overrides) to vector on the BSP. */
void ioapic_route(u32 irq, u8 vector, u32 dest_apic_id);

#endif
