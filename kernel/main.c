/* kmain: bring the machine up, one subsystem at a time, in dependency order. */
#include "types.h"
#include "console.h"
#include "panic.h"
#include "cmdline.h"
#include "mm.h"
#include "vm.h"
#include "acpi.h"
#include "trap.h"
#include "sched.h"
#include "proc.h"
#include "futex.h"
#include "vfs.h"
#include "smp.h"
#include "flexsc.h"
#include "test.h"
#include "multiboot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/tsc.h"

static void serial_irq(struct trapframe *tf)
{
	(void)tf;
	uart_irq();
}

static void timer_irq(struct trapframe *tf)
{
	(void)tf;
	sched_tick();
	flexsc_tick();
}

static void ipi_wake(struct trapframe *tf)
{
	(void)tf; /* the work is done on the way out of the trap */
}

/* The first thread: runs the tests or the benchmarks, or starts init. */
static void init_thread(void *arg)
{
	(void)arg;
	if (boot_opts.test) {
		int failed = ktest_run_all(boot_opts.test_filter);
		kprintf("exless: tests done, %d failed\n", failed);
		machine_exit(failed == 0);
	}
	const char *prog = boot_opts.bench ? "bench_all" : boot_opts.init;
	char *argv[2] = { (char *)prog, boot_opts.bench_args };
	int pid = proc_spawn(prog, argv, boot_opts.bench && boot_opts.bench_args[0] ? 2 : 1, 0);
	if (pid < 0) {
		kprintf("exless: cannot start %s: error %d\n", prog, pid);
		machine_exit(false);
	}
	thread_exit();
}

void kmain(u32 magic, u32 mbi)
{
	uart_init();                    /* kprintf works from here (after cpu_init) */
	cpu_init(&cpus[0]);             /* GDT, TSS, GS base: spinlocks need this_cpu() */
	idt_init();
	idt_load();                     /* exceptions reported from here on */
	pic_disable();                  /* the 8259 off the exception vectors, masked */
	paddr_t reserved_end = multiboot_parse(magic, mbi); /* RAM map, cmdline */
	kprintf("exless: booting, cmdline '%s'\n", cmdline);
	cmdline_parse(cmdline, &boot_opts);
	mmu_init(&reserved_end);        /* direct map, kernel image permissions */
	pmm_init(reserved_end);         /* needs the direct map */
	kprintf("mem: %lu MiB free of %lu MiB usable\n", pmm_free_pages() >> 8, pmm_total_pages() >> 8);
	cpu_identify();
	tsc_init();                     /* before any delay */
	kprintf("tsc: %lu Hz (%s)\n", tsc_hz, tsc_hz_source);
	acpi_init();                    /* CPUs and IOAPIC, through the direct map */
	ioapic_init(acpi.ioapic_base, acpi.ioapic_gsi_base); /* every pin masked */
	cpu_setup(0);                   /* LAPIC, syscall MSRs of the BSP */
	kprintf("cpu: %s %s, %s, sysenter %s\n", cpu_vendor, cpu_model,
		lapic_is_x2apic() ? "x2APIC" : "xAPIC",
		sysenter_ok ? "usable" : "unsupported in long mode (AMD): path disabled");
	sched_init_cpu();               /* this thread becomes CPU 0's idle thread */
	irq_register(VEC_TIMER, timer_irq);
	irq_register(VEC_SERIAL, serial_irq);
	irq_register(VEC_IPI_WAKE, ipi_wake);
	lapic_timer_start(TIMER_HZ);    /* calibrated against the TSC on the BSP */
	smp_boot_aps();                 /* the APs reuse the BSP's timer calibration */
	ioapic_route(4, VEC_SERIAL, cpus[0].apic_id);
	uart_enable_rx_irq();
	vfs_init();                     /* root, /dev, /tmp, the packed tree */
	proc_init();
	futex_init();
	flexsc_init();                  /* syscall threads on their cores: needs the APs */
	struct thread *t = kthread_create("init", init_thread, 0, 0);
	if (!t)
		panic("no memory for the init thread");
	thread_make_runnable(t);
	sched_run_idle();
}
