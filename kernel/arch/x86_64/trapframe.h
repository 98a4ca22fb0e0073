/*
 * The one register frame every way into the kernel saves: interrupts,
 * exceptions, int $0x80, syscall and sysenter. The top five slots are the
 * hardware's iretq frame (syscall and sysenter entries build it by hand).
 *
 *            +------------+  <- kernel stack top (tss.rsp0 / cpu->kstack_top)
 *   +168     | ss         |
 *   +160     | rsp        |
 *   +152     | rflags     |
 *   +144     | cs         |
 *   +136     | rip        |
 *   +128     | error code |  (0 where the CPU pushes none)
 *   +120     | vector     |  (VEC_SYSCALL / VEC_SYSENTER for those paths)
 *   +112     | rax        |
 *   +104     | rcx        |
 *   +96      | r11        |
 *   +48..+88 | rdi rsi rdx r10 r8 r9 |  the argument registers, rdi highest
 *   +0..+40  | rbx rbp r12 r13 r14 r15 |  callee-saved: full frames only
 *            +------------+  <- struct trapframe *
 *
 * A system call's fast path keeps only the slots from ss down to rax and
 * fills only rip, rflags and rsp: the C code it calls keeps the callee-saved
 * registers itself, and the argument registers come back zero. Interrupts,
 * exceptions and the slow system-call path save the whole frame.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#define TF_RAX 112
#define TF_VECTOR 120
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168
#define TF_SIZE 176

#define VEC_SYSCALL 0x100   /* pseudo-vectors naming the fast paths */
#define VEC_SYSENTER 0x101
#define VEC_INT80 0x80

#ifndef __ASSEMBLER__
#include "../../types.h"

struct trapframe {
	u64 r15, r14, r13, r12, rbp, rbx;
	u64 r9, r8, r10, rdx, rsi, rdi;
	u64 r11, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct trapframe, rax) == TF_RAX, "asm offset");
_Static_assert(offsetof(struct trapframe, vector) == TF_VECTOR, "asm offset");
_Static_assert(offsetof(struct trapframe, rip) == TF_RIP, "asm offset");
_Static_assert(offsetof(struct trapframe, cs) == TF_CS, "asm offset");
_Static_assert(offsetof(struct trapframe, rflags) == TF_RFLAGS, "asm offset");
_Static_assert(offsetof(struct trapframe, rsp) == TF_RSP, "asm offset");
_Static_assert(offsetof(struct trapframe, ss) == TF_SS, "asm offset");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "asm offset");

/* What switch_stack (entry.S) keeps on a switched-out kernel stack, from the
 * saved stack pointer up: its pushes in reverse, then its return address.
 * kthread_create builds one for a new thread's first switch. */
struct switch_frame {
	u64 r15, r14, r13, r12, rbx, rbp;
	u64 rflags;
	u64 rip;
};
_Static_assert(sizeof(struct switch_frame) == 64, "switch_stack pushes 7, then its return address");

static inline bool tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }
#endif

#endif
