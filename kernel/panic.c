/* panic: the first CPU to panic stops the others with an NMI, prints its
 * report alone, and ends the machine with a failure status. */
#include "panic.h"
#include "console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/ports.h"

static int panicking = -1;

void machine_exit(bool ok)
{
	outb(DEBUG_EXIT_PORT, ok ? DEBUG_EXIT_OK : DEBUG_EXIT_FAIL);
	/* Not under QEMU with isa-debug-exit: stop here. */
	irq_disable();
	for (;;)
		halt();
}

void panic(const char *fmt, ...)
{
	irq_disable();
	int me = this_cpu()->id, none = -1;
	if (!__atomic_compare_exchange_n(&panicking, &none, me, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (panicking != me)
			for (;;)
				halt(); /* someone else is reporting */
		machine_exit(false); /* panicked while panicking */
	}
	if (ncpus > 1)
		lapic_send_nmi_all_others();
	console_panic_takeover();
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC on CPU %d: %s\n", me, buf);
	machine_exit(false);
}
