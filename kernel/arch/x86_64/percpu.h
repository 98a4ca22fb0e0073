/* Per-CPU data, reached through the GS base (gs:0 holds its own address). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define CPU_OFF_SELF 0
#define CPU_OFF_USER_RSP 8
#define CPU_OFF_ENTRY_SP 16
#define CPU_OFF_CURRENT 24
#define CPU_OFF_WORK 32     /* resched and killed, tested as one 16-bit word */
#define CPU_OFF_KERNEL_CR3 40
#define CPU_OFF_USER_CR3 48
#define CPU_OFF_TRAMP_TOP 56
#define CPU_OFF_PTI 64

#ifndef __ASSEMBLER__
#include "../../types.h"
#include "../../param.h"

struct thread;

struct tss {
	u32 reserved0;
	u64 rsp0;      /* stack for interrupts from ring 3 */
	u64 rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];    /* IST1 #DF, IST2 NMI, IST3 #MC */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3
#define IST_DB 4
#define IST_COUNT 4
#define IST_STACK_SIZE 4096

struct cpu {
	struct cpu *self;          /* gs:0  */
	u64 user_rsp;              /* gs:8  syscall entry parks the user rsp here */
	u64 entry_sp;              /* gs:16 the running thread's kernel stack top less the ss
	                            * slot: where syscall and sysenter push the user rsp */
	struct thread *current;    /* gs:24 */
	/* The work word: work owed before a system call returns to ring 3,
	 * tested whole by the fast paths (entry.S). */
	volatile u8 resched;       /* gs:32 a preemption is due (sched.c) */
	volatile u8 killed;        /* gs:33 the running thread's process may be killed (sched_note_kill) */
	/* PTI (mmu.c): what the entries load into CR3 on the way in and out,
	 * as_switch keeps them in step with the space it loads. */
	u64 kernel_cr3;            /* gs:40 the loaded space's full tables */
	u64 user_cr3;              /* gs:48 its user table (entry trampolines only above) */
	u64 tramp_top;             /* gs:56 top of tramp_stack: tss.rsp0 under PTI */
	bool pti;                  /* gs:64 entries switch CR3 (pti=on) */
	int id;                    /* dense CPU number, 0 = bootstrap CPU */
	u32 apic_id;
	int irq_depth;             /* irq_push nesting */
	bool irq_was_on;
	volatile bool online;
	volatile u64 ticks;        /* timer interrupts taken */
	u64 gdt[9];
	struct tss tss;
	u8 ist_stack[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
	u8 sysenter_stack[256] __attribute__((aligned(16)));
	/* Under PTI, where ring 3's interrupts and exceptions land (tss.rsp0)
	 * before the entry switches CR3 and moves to the thread's stack. */
	u8 tramp_stack[512] __attribute__((aligned(16)));
} __attribute__((aligned(4096))); /* whole pages: PTI maps them in user tables */

_Static_assert(offsetof(struct cpu, self) == CPU_OFF_SELF, "asm offset");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_OFF_USER_RSP, "asm offset");
_Static_assert(offsetof(struct cpu, entry_sp) == CPU_OFF_ENTRY_SP, "asm offset");
_Static_assert(offsetof(struct cpu, current) == CPU_OFF_CURRENT, "asm offset");
_Static_assert(offsetof(struct cpu, resched) == CPU_OFF_WORK, "asm offset");
_Static_assert(offsetof(struct cpu, killed) == CPU_OFF_WORK + 1, "the work word is two bytes");
_Static_assert(offsetof(struct cpu, kernel_cr3) == CPU_OFF_KERNEL_CR3, "asm offset");
_Static_assert(offsetof(struct cpu, user_cr3) == CPU_OFF_USER_CR3, "asm offset");
_Static_assert(offsetof(struct cpu, tramp_top) == CPU_OFF_TRAMP_TOP, "asm offset");
_Static_assert(offsetof(struct cpu, pti) == CPU_OFF_PTI, "asm offset");

extern struct cpu cpus[MAX_CPUS];
extern int ncpus;          /* CPUs online */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(c) : "i"(CPU_OFF_SELF));
	return c;
}

static inline struct thread *current_thread(void)
{
	struct thread *t;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(CPU_OFF_CURRENT));
	return t;
}

/* The running thread's kernel stack: where syscall and sysenter build their
 * frame, and (without PTI) where ring 3's interrupts land. */
static inline void cpu_set_stack(struct cpu *c, u64 top)
{
	c->entry_sp = top - 8;
	if (!c->pti)
		c->tss.rsp0 = top;
}

/* Load GDT, TSS and GS base for CPU c on the calling CPU. */
void cpu_init(struct cpu *c);
#endif

#endif
