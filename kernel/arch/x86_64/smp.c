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
u64 ap_boot_stack;             /* offered by the BSP, claimed (swapped for 0) by boot.S */
u64 ap_boot_cr3;               /* the kernel's page tables, for boot.S */
static volatile int ap_booting; /* cpus[] index of the AP starting now */
/* The start of one AP: the AP moves WAITING -> RUNNING in ap_main, the BSP
 * WAITING -> ABANDONED at its deadline; whichever comes first wins. */
enum { AP_WAITING, AP_RUNNING, AP_ABANDONED };
static int ap_state;

/* Per-CPU setup shared by the BSP and every AP. */
void cpu_setup(int id)
{
	struct cpu *c = &cpus[id];
	c->id = id;
	cpu_init(c);
	mmu_init_cpu();
	idt_load();
	lapic_init();
	c->apic_id = lapic_id();
	sysentry_init_cpu();
}

/* An AP on its own stack. Returns (to boot.S, which parks it) if the BSP has
 * given up on it: its cpus[] slot is not its own any more. */
void ap_main(void)
{
	int waiting = AP_WAITING;
	if (!__atomic_compare_exchange_n(&ap_state, &waiting, AP_RUNNING, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	mmu_init_ap();
	int id = ap_booting;
	cpu_setup(id);
	sched_init_cpu();
	lapic_timer_start(TIMER_HZ);
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	sched_run_idle();
}

/* Give up on the AP being started, unless it got into ap_main first (false).
 * Its stack is freed only if it never took it; if it did, it parks on it. */
static bool ap_abandon(void *stack)
{
	u64 offered = __atomic_exchange_n(&ap_boot_stack, 0, __ATOMIC_ACQ_REL);
	int waiting = AP_WAITING;
	if (!__atomic_compare_exchange_n(&ap_state, &waiting, AP_ABANDONED, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	if (offered)
		kfree(stack);
	return true;
}

/* Start the APs one at a time. After one misses its deadline no more are
 * started: a CPU still on its way up could take the next one's stack. */
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
		ap_state = AP_WAITING;
		__atomic_store_n(&ap_boot_stack, (u64)stack + KSTACK_SIZE, __ATOMIC_RELEASE);
		lapic_send_init_sipi(apic, AP_TRAMPOLINE >> 12);
		u64 waited = 0;
		while (!__atomic_load_n(&cpus[ncpus].online, __ATOMIC_ACQUIRE) && waited < AP_START_TIMEOUT_MS * 10) {
			tsc_delay_us(100);
			waited++;
		}
		if (!cpus[ncpus].online && ap_abandon(stack)) {
			kprintf("smp: CPU with APIC id %u did not start within %d ms: not started, "
				"nor any after it in the MADT\n", apic, AP_START_TIMEOUT_MS);
			break;
		}
		while (!__atomic_load_n(&cpus[ncpus].online, __ATOMIC_ACQUIRE))
			cpu_relax(); /* it is past ap_main's check: it comes up */
		kprintf("smp: CPU %d online (APIC id %u)\n", ncpus, apic);
		ncpus++;
	}
	ap_boot_stack = 0;
	kprintf("smp: %d CPU%s online\n", ncpus, ncpus > 1 ? "s" : "");
}
