/* The IDT, exception reports, and the C side of every interrupt and trap. */
#include "../../test.h"
#include "../../mm.h"
#include "../../abi/errno.h"
#include "cpu.h"
#include "layout.h"
#include "percpu.h"
#include "segments.h"
#include "trapframe.h"
#include "lapic.h"
#include "../../console.h"
#include "../../panic.h"
#include "../../trap.h"
#include "../../sched.h"
#include "../../proc.h"
#include "../../vm.h"
#include "../../ksyms.h"

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __packed;

/* One page of its own: PTI maps it in user tables (the CPU reads it there). */
static struct idt_gate idt[256] __attribute__((aligned(4096)));
_Static_assert(sizeof(idt) == 4096, "the IDT is one page");

const void *idt_page(void)
{
	return idt;
}
extern const u64 isr_table[256];
static irq_handler_t irq_handlers[256];
volatile u64 trap_fixups; /* kernel faults recovered through the exception table */
volatile u64 trap_user_pf_error; /* error code of the last page fault that killed a process */

struct ex_entry {
	u64 fault_ip, fixup_ip;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};

static void set_gate(int vec, u64 handler, int dpl, int ist)
{
	idt[vec] = (struct idt_gate){
		.off_lo = handler & 0xFFFF,
		.sel = GDT_KCODE,
		.ist = ist,
		.type = 0x8E | (dpl << 5), /* present, 64-bit interrupt gate */
		.off_mid = (handler >> 16) & 0xFFFF,
		.off_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0, 0);
	set_gate(VEC_INT80, isr_table[VEC_INT80], 3, 0);
	set_gate(3, isr_table[3], 3, 0); /* int3 from ring 3 is a breakpoint, not #GP */
	set_gate(4, isr_table[4], 3, 0); /* into */
	set_gate(2, isr_table[2], 0, IST_NMI);
	set_gate(8, isr_table[8], 0, IST_DF);
	set_gate(18, isr_table[18], 0, IST_MC);
	set_gate(1, isr_table[1], 0, IST_DB); /* see isr_1 */
}

/* pti=on: int $0x80 through its PTI entry (entry.S). */
void idt_use_pti(void)
{
	extern char entry_int80_pti[];
	set_gate(VEC_INT80, (u64)entry_int80_pti, 3, 0);
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void irq_register(int vec, irq_handler_t h)
{
	irq_handlers[vec] = h;
}

const char *trap_name(u64 vec)
{
	if (vec < 32)
		return exc_names[vec] ? exc_names[vec] : "reserved exception";
	return "interrupt";
}

/* The full report of an unexpected exception, then panic. */
static void __noreturn trap_fatal(struct trapframe *tf)
{
	char sym[64];
	ksym_describe(tf->rip, sym, sizeof(sym));
	panic("unexpected %s (vector %lu, error 0x%lx) on CPU %d\n"
	      "  rip %016lx %s\n  cr2 %016lx  cs %lx  ss %lx  rflags %016lx\n"
	      "  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n"
	      "  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n"
	      "  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n"
	      "  r12 %016lx r13 %016lx r14 %016lx r15 %016lx",
	      trap_name(tf->vector), tf->vector, tf->error, this_cpu()->id, tf->rip, sym,
	      read_cr2(), tf->cs, tf->ss, tf->rflags, tf->rax, tf->rbx, tf->rcx, tf->rdx,
	      tf->rsi, tf->rdi, tf->rbp, tf->rsp, tf->r8, tf->r9, tf->r10, tf->r11,
	      tf->r12, tf->r13, tf->r14, tf->r15);
}

static bool fixup_kernel_fault(struct trapframe *tf)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->fault_ip == tf->rip) {
			tf->rip = e->fixup_ip;
			__atomic_add_fetch(&trap_fixups, 1, __ATOMIC_RELAXED);
			return true;
		}
	}
	return false;
}

static void page_fault(struct trapframe *tf)
{
	u64 addr = read_cr2();
	struct proc *p = current_proc();
	/* Heap and stack pages of a process are mapped on first touch, by the
	 * process itself or by the kernel copying to or from it. */
	if (p && addr < USER_TOP && !(tf->error & 1) && vm_demand_map(p->as, addr, tf->error & 2))
		return;
	if (tf_from_user(tf)) {
		trap_user_pf_error = tf->error;
		proc_kill_self("page fault at 0x%lx (rip 0x%lx)", addr, tf->rip);
		return;
	}
	if (fixup_kernel_fault(tf))
		return;
	trap_fatal(tf);
}

void trap(struct trapframe *tf)
{
	u64 v = tf->vector;
	if (v == 14) {
		page_fault(tf);
	} else if (v < 32) {
		if (!tf_from_user(tf)) {
			if (fixup_kernel_fault(tf))
				return;
			trap_fatal(tf);
		}
		proc_kill_self("%s (rip 0x%lx)", trap_name(v), tf->rip);
	} else if (irq_handlers[v]) {
		irq_handlers[v](tf);
		lapic_eoi();
	} else if (v != VEC_SPURIOUS) {
		kprintf("trap: unhandled interrupt %lu on CPU %d\n", v, this_cpu()->id);
		lapic_eoi();
	}
	if (tf_from_user(tf))
		trap_return_to_user();
	else if (sched_need_resched() && (tf->rflags & RFLAGS_IF))
		schedule(); /* kernel preemption: no spinlock is held with IF on */
}

/* NMI, #DF, #MC and a #DB from ring 0 outside the entry windows (entry.S
 * paranoid_common), on IST stacks with the kernel GS base whatever they
 * interrupted. An NMI is another CPU's panic asking us to stop; the others
 * are fatal. Never schedules: the IST stack is per CPU. */
void trap_paranoid(struct trapframe *tf)
{
	if (tf->vector == 2) {
		for (;;)
			halt();
	}
	trap_fatal(tf);
}

KTEST(kernel_fault_caught_and_reported)
{
	u64 before = trap_fixups, v = 0;
	/* A deliberate #PF on an unmapped kernel address, in a test-only path:
	 * the exception table turns it into an error instead of a panic. */
	KEXPECT_EQ(probe_read_u64((const u64 *)0xFFFFC00000100000ul, &v), -EFAULT);
	KEXPECT_EQ(probe_read_u64((const u64 *)0x8, &v), -EFAULT);
	KEXPECT_EQ(trap_fixups, before + 2);
	u64 ok = 7;
	KEXPECT_EQ(probe_read_u64(&ok, &v), 0);
	KEXPECT_EQ(v, 7);
	char sym[64];
	ksym_describe((u64)trap, sym, sizeof(sym));
	KEXPECT(!strcmp(sym, "<trap+0x0>"));
}
