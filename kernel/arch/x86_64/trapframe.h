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
 *    ...     | rbx .. r14 |
 *   +0       | r15        |  <- struct trapframe *
 *            +------------+
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#define TF_RAX 112
#define TF_VECTOR 120
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SIZE 176

#define VEC_SYSCALL 0x100   /* pseudo-vectors naming the fast paths */
#define VEC_SYSENTER 0x101
#define VEC_INT80 0x80

#ifndef __ASSEMBLER__
#include "../../types.h"

struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct trapframe, rax) == TF_RAX, "asm offset");
_Static_assert(offsetof(struct trapframe, vector) == TF_VECTOR, "asm offset");
_Static_assert(offsetof(struct trapframe, rip) == TF_RIP, "asm offset");
_Static_assert(offsetof(struct trapframe, cs) == TF_CS, "asm offset");
_Static_assert(offsetof(struct trapframe, rflags) == TF_RFLAGS, "asm offset");
_Static_assert(offsetof(struct trapframe, rsp) == TF_RSP, "asm offset");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "asm offset");

static inline bool tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }
#endif

#endif
