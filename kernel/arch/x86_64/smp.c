/* Start every AP in the MADT with INIT-SIPI-SIPI, one at a time. */
#include "cpu.h"
#include "layout.h"
#include "lapic.h"
#include "percpu.h"
#include "tsc.h"
#include "../../acpi.h"
#include "../../console.h"
#include "../../mm.h"
#include "../../param.h"
#include "../../sched.h"
#include "../../trap.h"
#include "../../vm.h"
#include "../../smp.h"

extern char trampoline_start[], trampoline_end[];
u64 ap_boot_stack;             /* read by boot.S on the AP's way up */
u64 ap_boot_cr3;               /* the kernel's page tables, for boot.S */
static volatile int ap_booting; /* cpus[] index of the AP starting now */

/* Per-CPU setup shared by the BSP and every AP. */
void cpu_setup(int id)
{
	struct cpu *c = &cpus[id];
	c->id = id;
	cpu_init(c);
	idt_load();
	lapic_init();
	c->apic_id = lapic_id();
	sysentry_init_cpu();
}

void ap_main(void)
{
	mmu_init_ap();
	int id = ap_booting;
	cpu_setup(id);
	sched_init_cpu();
	lapic_timer_start(TIMER_HZ);
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	sched_run_idle();
}

void smp_boot_aps(void)
{
	memcpy(phys_to_virt(AP_TRAMPOLINE), trampoline_start, trampoline_end - trampoline_start);
	ncpus = 1;
	ap_boot_cr3 = read_cr3();
	u32 self = cpus[0].apic_id;
	for (int i = 0; i < acpi.ncpus && ncpus < MAX_CPUS; i++) {
		u32 apic = acpi.apic_ids[i];
		if (apic == self)
			continue;
		void *stack = kmalloc(KSTACK_SIZE);
		if (!stack) {
			kprintf("smp: no memory for CPU %d's stack\n", ncpus);
			break;
		}
		ap_booting = ncpus;
		ap_boot_stack = (u64)stack + KSTACK_SIZE;
		lapic_send_init_sipi(apic, AP_TRAMPOLINE >> 12);
		u64 waited = 0;
		while (!__atomic_load_n(&cpus[ncpus].online, __ATOMIC_ACQUIRE) && waited < AP_START_TIMEOUT_MS * 10) {
			tsc_delay_us(100);
			waited++;
		}
		if (!cpus[ncpus].online) {
			kprintf("smp: CPU with APIC id %u did not come up within %d ms; going on without it\n",
				apic, AP_START_TIMEOUT_MS);
			kfree(stack);
			continue; /* its stack is never used: it never ran */
		}
		kprintf("smp: CPU %d online (APIC id %u)\n", ncpus, apic);
		ncpus++;
	}
	ap_boot_stack = 0;
	kprintf("smp: %d CPU%s online\n", ncpus, ncpus > 1 ? "s" : "");
}
