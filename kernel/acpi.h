/* ACPI: just enough to find the CPUs and the IOAPIC (the MADT). */
#ifndef ACPI_H
#define ACPI_H

#include "types.h"
#include "param.h"

#define ACPI_IRQ_ACTIVE_LOW 1
#define ACPI_IRQ_LEVEL 2

struct acpi_info {
	int ncpus;                   /* enabled CPUs in the MADT */
	u32 apic_ids[MAX_CPUS];
	paddr_t ioapic_base;
	u32 ioapic_gsi_base;
	bool found;                  /* false: no MADT, assume one CPU */
	int cpus_ignored;            /* enabled CPUs past MAX_CPUS */
};

extern struct acpi_info acpi;
void acpi_init(void);
/* Legacy ISA IRQ -> global system interrupt, with polarity/trigger flags. */
u32 acpi_irq_to_gsi(u32 irq, u32 *flags);

#endif
