/* Interrupt and trap plumbing shared between the arch code and the rest. */
#ifndef TRAP_H
#define TRAP_H

#include "types.h"

struct trapframe;
typedef void (*irq_handler_t)(struct trapframe *tf);

#define VEC_TIMER 32
#define VEC_SERIAL 33
#define VEC_IPI_WAKE 0xF0   /* a wakeup or preemption request for this CPU */
#define VEC_IPI_CALL 0xF1   /* run a test callback on this CPU */
#define VEC_IPI_TLB 0xF2    /* flush this CPU's TLB for the space it has loaded */
#define VEC_SPURIOUS 0xFF

void idt_init(void);
void idt_load(void);
const void *idt_page(void);
void idt_use_pti(void);       /* the 0x80 gate to its PTI entry */   /* the IDT's page (PTI maps it in user tables) */
void irq_register(int vec, irq_handler_t h);
const char *trap_name(u64 vec);
void trap(struct trapframe *tf);
/* C dispatcher shared by int $0x80, syscall and sysenter (from
 * syscall_entry): runs the call in tf, result in tf->rax, then the return work. */
void syscall_dispatch(struct trapframe *tf);
/* The slow path of every system call entry (sysentry.c), left by iretq. */
void syscall_entry(struct trapframe *tf);
/* A fast system call's exit work, flagged in the CPU's work word. */
void syscall_work(void);
/* NMI, #DF, #MC, with the kernel GS base whatever they interrupted. */
void trap_paranoid(struct trapframe *tf);
/* Work owed before going back to ring 3: preemption, a pending kill. */
void trap_return_to_user(void);
extern volatile u64 trap_fixups;
extern volatile u64 trap_user_pf_error; /* the last page fault that killed a process */

/* Copy to/from user space with exception-table recovery (entry.S). */
long copy_user_raw(void *dst, const void *src, u64 n);
long copy_user_str(char *dst, const char *src, u64 max);
long probe_read_u64(const u64 *addr, u64 *out);

#endif
