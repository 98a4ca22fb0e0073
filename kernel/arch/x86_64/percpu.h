/* Per-CPU data, reached through the GS base (gs:0 holds its own address). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define CPU_OFF_SELF 0
#define CPU_OFF_USER_RSP 8
#define CPU_OFF_ENTRY_SP 16
#define CPU_OFF_CURRENT 24
#define CPU_OFF_WORK 32     /* resched and killed, tested as one 16-bit word */

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
	int id;                    /* dense CPU number, 0 = bootstrap CPU */
	u32 apic_id;
	int irq_depth;             /* irq_push nesting */
	bool irq_was_on;
	volatile bool online;
	volatile u64 ticks;        /* timer interrupts taken */
	u64 gdt[9];
	struct tss tss;
	u8 ist_stack[3][IST_STACK_SIZE] __attribute__((aligned(16)));
	u8 sysenter_stack[256] __attribute__((aligned(16)));
};

_Static_assert(offsetof(struct cpu, self) == CPU_OFF_SELF, "asm offset");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_OFF_USER_RSP, "asm offset");
_Static_assert(offsetof(struct cpu, entry_sp) == CPU_OFF_ENTRY_SP, "asm offset");
_Static_assert(offsetof(struct cpu, current) == CPU_OFF_CURRENT, "asm offset");
_Static_assert(offsetof(struct cpu, resched) == CPU_OFF_WORK, "asm offset");
_Static_assert(offsetof(struct cpu, killed) == CPU_OFF_WORK + 1, "the work word is two bytes");

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

/* Load GDT, TSS and GS base for CPU c on the calling CPU. */
void cpu_init(struct cpu *c);
#endif

#endif
