/* Find the RSDP in the BIOS area, walk the RSDT/XSDT to the MADT. */
#include "acpi.h"
#include "console.h"
#include "mm.h"

struct acpi_info acpi;

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum, reserved[3];
} __packed;

struct sdt {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

struct iso {
	u8 bus, irq;
	u32 gsi;
	u16 flags;
} __packed;

static struct iso isos[16];
static int nisos;

static bool checksum_ok(const void *p, size_t n)
{
	u8 sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

static struct rsdp *find_rsdp(void)
{
	u16 ebda_seg = *(u16 *)phys_to_virt(0x40E);
	paddr_t ranges[2][2] = { { (paddr_t)ebda_seg << 4, ((paddr_t)ebda_seg << 4) + 1024 }, { 0xE0000, 0x100000 } };
	for (int r = 0; r < 2; r++)
		for (paddr_t p = ranges[r][0]; p + 20 <= ranges[r][1]; p += 16) {
			struct rsdp *rs = phys_to_virt(p);
			if (!__builtin_memcmp(rs->sig, "RSD PTR ", 8) && checksum_ok(rs, 20))
				return rs;
		}
	return 0;
}

static void parse_madt(struct sdt *madt)
{
	u8 *p = (u8 *)madt + 44, *end = (u8 *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2) {
		u32 apic_id = 0;
		bool cpu = false;
		switch (p[0]) {
		case 0: /* processor local APIC: flags bit 0 = enabled */
			cpu = (*(u32 *)(p + 4) & 1) != 0;
			apic_id = p[3];
			break;
		case 9: /* processor local x2APIC */
			cpu = (*(u32 *)(p + 8) & 1) != 0;
			apic_id = *(u32 *)(p + 4);
			break;
		case 1: /* IOAPIC: the first one */
			if (!acpi.ioapic_base) {
				acpi.ioapic_base = *(u32 *)(p + 4);
				acpi.ioapic_gsi_base = *(u32 *)(p + 8);
			}
			break;
		case 2: /* interrupt source override */
			if (nisos < (int)ARRAY_SIZE(isos))
				isos[nisos++] = *(struct iso *)(p + 2);
			break;
		}
		if (cpu) {
			if (acpi.ncpus < MAX_CPUS)
				acpi.apic_ids[acpi.ncpus++] = apic_id;
			else
				acpi.cpus_ignored++;
		}
		p += p[1];
	}
}

void acpi_init(void)
{
	acpi.ioapic_base = 0;
	struct rsdp *rs = find_rsdp();
	if (rs) {
		bool x = rs->revision >= 2 && rs->xsdt;
		struct sdt *root = phys_to_virt(x ? rs->xsdt : rs->rsdt);
		int n = (root->length - sizeof(*root)) / (x ? 8 : 4);
		for (int i = 0; i < n; i++) {
			u8 *ent = (u8 *)(root + 1) + i * (x ? 8 : 4);
			paddr_t pa = x ? *(u64 *)ent : *(u32 *)ent;
			struct sdt *t = phys_to_virt(pa);
			if (!__builtin_memcmp(t->sig, "APIC", 4) && checksum_ok(t, t->length)) {
				parse_madt(t);
				acpi.found = true;
			}
		}
	}
	if (!acpi.found || !acpi.ncpus) {
		kprintf("acpi: no MADT found, assuming one CPU\n");
		acpi.ncpus = 0;
	}
	if (!acpi.ioapic_base)
		acpi.ioapic_base = 0xFEC00000;
	if (acpi.cpus_ignored)
		kprintf("acpi: %d CPUs beyond MAX_CPUS=%d left offline\n", acpi.cpus_ignored, MAX_CPUS);
}

u32 acpi_irq_to_gsi(u32 irq, u32 *flags)
{
	*flags = 0;
	for (int i = 0; i < nisos; i++) {
		if (isos[i].irq != irq)
			continue;
		if ((isos[i].flags & 3) == 3)
			*flags |= ACPI_IRQ_ACTIVE_LOW;
		if (((isos[i].flags >> 2) & 3) == 3)
			*flags |= ACPI_IRQ_LEVEL;
		return isos[i].gsi;
	}
	return irq;
}
