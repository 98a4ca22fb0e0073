/*
 * Every way into the kernel: exception and interrupt stubs, int $0x80,
 * syscall, sysenter, the kernel-thread switch and the user-copy routines.
 * Each entry builds a struct trapframe (trapframe.h) and hands off to C.
 *
 * PTI (pti=on, mmu.c): ring 3 runs on a user table that maps, of the
 * kernel, only .entry.text (every entry and exit below), the per-CPU blocks
 * and the IDT. An entry from ring 3 switches to the kernel table before it
 * touches anything else (SWITCH_TO_KERNEL_CR3), an exit to ring 3 switches
 * back as its last step but the exit instruction. Interrupts and exceptions
 * from ring 3 land on the per-CPU trampoline stack (tss.rsp0) and move their
 * frame to the thread's stack; iretq to ring 3 leaves from the trampoline
 * stack. syscall, sysenter and int $0x80 have a variant each for pti=on
 * (suffix _pti, chosen once at boot: LSTAR, SYSENTER_EIP, the 0x80 gate),
 * so pti=off pays nothing; the rarer paths test the per-CPU pti byte.
 */
#include "trapframe.h"
#include "segments.h"
#include "percpu.h"
#include "cpu.h"
#include "../../abi/syscall.h"
#include "../../abi/errno.h"

/* Every register, below vector and error (trapframe.h). */
.macro PUSH_REGS
	pushq %rax      /* tf->rax */
	pushq %rcx      /* tf->rcx */
	pushq %r11      /* tf->r11 */
	pushq %rdi      /* tf->rdi */
	pushq %rsi      /* tf->rsi */
	pushq %rdx      /* tf->rdx */
	pushq %r10      /* tf->r10 */
	pushq %r8       /* tf->r8  */
	pushq %r9       /* tf->r9  */
	pushq %rbx      /* tf->rbx */
	pushq %rbp      /* tf->rbp */
	pushq %r12      /* tf->r12 */
	pushq %r13      /* tf->r13 */
	pushq %r14      /* tf->r14 */
	pushq %r15      /* tf->r15 */
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %r11
	popq %rcx
	popq %rax
.endm

/* Clear RFLAGS.AC where the CPU has SMAP (clac is #UD without it): interrupt
 * gates keep the AC of the interrupted code, user's or a user copy's. */
.macro ASM_CLAC
	testb $1, smap_on(%rip)
	jz 9f
	clac
9:
.endm

/* Set RFLAGS.AC (user access allowed) where the CPU has SMAP. */
.macro ASM_STAC
	testb $1, smap_on(%rip)
	jz 9f
	stac
9:
.endm

/* PTI: load this CPU's kernel (or user) tables through a scratch register;
 * the per-CPU block is mapped in both. */
.macro SWITCH_TO_KERNEL_CR3 reg
	movq %gs:CPU_OFF_KERNEL_CR3, \reg
	movq \reg, %cr3
.endm

.macro SWITCH_TO_USER_CR3 reg
	movq %gs:CPU_OFF_USER_CR3, \reg
	movq \reg, %cr3
.endm

	.section .entry.text, "ax"

/*
 * Exceptions and interrupts. The CPU pushed ss, rsp, rflags, cs, rip and,
 * for some exceptions, an error code; each stub evens that out.
 *
 * GS base: ordinary stubs choose swapgs from the saved CS. That is right
 * because nothing can fault inside a swapgs window of this file: the
 * windows run with IF clear, touch only the per-CPU block and the kernel
 * stack, and leave by sysretq/sysexitq/iretq to a frame the C side has
 * checked (user CS/SS, canonical rip and, for sysexitq, rsp). Only NMI, #MC
 * and #DF can arrive there: they have IST stacks and the paranoid entry,
 * which reads MSR_GS_BASE instead. #DB is the other exception: see isr_1.
 */
.macro ISR vec
	.align 16
isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0        /* tf->error */
	.endif
	pushq $\vec     /* tf->vector */
	.if (\vec == 2) || (\vec == 8) || (\vec == 18)
	jmp paranoid_common
	.else
	jmp trap_common
	.endif
.endm

.altmacro
.set vec, 0
.rept 256
	.if vec != VEC_INT80 && vec != 1
	ISR %vec
	.endif
	.set vec, vec + 1
.endr
.noaltmacro

/*
 * #DB, on its own IST stack: a single-step trap can land on the first
 * instruction of an entry, in ring 0 with the user's rsp (Bochs delivers
 * one after a syscall made with TF set, before entry_syscall's first
 * instruction: without IST the CPU pushed its frame on the user's stack and
 * double-faulted). Such a step is ignored. sysenter keeps the user's TF, so
 * a user who sets TF before sysenter single-steps the first instructions of
 * entry_sysenter in ring 0, before its swapgs, on the small SYSENTER_ESP
 * stack. Those steps are ignored here (returning with TF still set) until
 * the entry leaves sysenter_tf_end behind: a call with TF (or DF, AC, NT)
 * set is sent by the entry's flags test to a popfq that clears them, inside
 * that window, after saving the user's flags. A stepped floor call is sent
 * down the full path instead: the floor's sti would otherwise lose its
 * one-instruction shadow to the #DB and let an interrupt in before
 * sysexitq, in ring 0 with the user's GS base. A #DB from ring 3 moves to
 * the thread's stack and goes the usual way (the process is killed); any
 * other #DB in ring 0 is a kernel bug, reported by the paranoid entry.
 * Registers on entry: the interrupted code's; rip/cs/rflags/rsp/ss pushed
 * on the IST stack.
 */

/* isr_1's look at one sysenter entry's window (see above): falls through
 * when the #DB is not in it. */
.macro SYSENTER_DB_WINDOW sfx
	cmpq $entry_sysenter\sfx, (%rsp)
	jb 3f
	cmpq $sysenter_tf_end\sfx, (%rsp)
	ja 3f
	cmpq $sysenter_floor\sfx, (%rsp)
	jb 2f
	cmpq $sysenter_floor_full\sfx, (%rsp)
	jae 2f
	movq $sysenter_floor_full\sfx, (%rsp)
2:	iretq
3:
.endm

	.align 16
isr_1:
	testb $3, TF_CS-TF_RIP(%rsp)    /* from ring 3? */
	jnz 1f
	cmpq $entry_syscall, (%rsp)
	je 2f
	cmpq $entry_syscall_pti, (%rsp)
	je 2f
	SYSENTER_DB_WINDOW
	SYSENTER_DB_WINDOW _pti
	pushq $0                        /* tf->error */
	pushq $1                        /* tf->vector */
	jmp paranoid_common
2:	iretq
1:	pushq $0                        /* tf->error */
	pushq $1                        /* tf->vector */
	swapgs
	pushq %rdi
	testb $1, %gs:CPU_OFF_PTI
	jz to_thread_stack
	SWITCH_TO_KERNEL_CR3 %rdi
	jmp to_thread_stack

/*
 * Registers on entry: the interrupted code's; the iretq frame, error and
 * vector pushed: on the thread's stack, or from ring 3 under PTI on the
 * trampoline stack with the user table loaded.
 */
trap_common:
	testb $3, TF_CS-TF_VECTOR(%rsp)
	jz 2f
	swapgs
	testb $1, %gs:CPU_OFF_PTI
	jz 2f
	pushq %rdi
	SWITCH_TO_KERNEL_CR3 %rdi
to_thread_stack:                        /* from an entry stack: isr_1 too */
	movq %rsp, %rdi                 /* rdi, vector, error, rip, cs, rflags, rsp, ss */
	movq %gs:CPU_OFF_ENTRY_SP, %rsp
	addq $8, %rsp                   /* the thread's stack top */
	pushq 7*8(%rdi)                 /* tf->ss */
	pushq 6*8(%rdi)                 /* tf->rsp */
	pushq 5*8(%rdi)                 /* tf->rflags */
	pushq 4*8(%rdi)                 /* tf->cs */
	pushq 3*8(%rdi)                 /* tf->rip */
	pushq 2*8(%rdi)                 /* tf->error */
	pushq 1*8(%rdi)                 /* tf->vector */
	movq (%rdi), %rdi
2:	PUSH_REGS
	cld
	ASM_CLAC
	movq %rsp, %rdi
	call trap
	.global trap_return
/* No fixup for a faulting iretq (Linux's bad_iret): one to ring 3 cannot
 * fault here. Its frame is the one the CPU pushed from ring 3 (CS 0x2b, SS
 * 0x23, canonical rip), or spawn's (an ELF entry of a built-in program), or
 * the sysenter slow path's, where syscall_entry kills a caller asking for a
 * non-canonical or kernel rip; a non-canonical rsp does not make iretq fault
 * (uentry's sysenter-rsp-noncanonical). Selectors cannot go bad: no LDT, and
 * every CPU's GDT has the same user slots. A fault here is a kernel bug and
 * panics, with the user's GS base loaded: trap_common would not swapgs. */
trap_return:            /* also where new threads first leave for ring 3 */
	cli
	testb $3, TF_CS(%rsp)
	jz 1f
	testb $1, %gs:CPU_OFF_PTI
	jnz 3f
	swapgs
1:	POP_REGS
	addq $(TF_RIP-TF_VECTOR), %rsp  /* vector, error */
	iretq
3:	POP_REGS                        /* PTI: out through the trampoline stack */
	pushq %rdi                      /* over tf->rax: IF is off */
	movq %rsp, %rdi                 /* rdi, vector, error, rip, cs, rflags, rsp, ss */
	movq %gs:CPU_OFF_TRAMP_TOP, %rsp
	pushq 7*8(%rdi)                 /* ss */
	pushq 6*8(%rdi)                 /* rsp */
	pushq 5*8(%rdi)                 /* rflags */
	pushq 4*8(%rdi)                 /* cs */
	pushq 3*8(%rdi)                 /* rip */
	pushq (%rdi)                    /* the user's rdi */
	SWITCH_TO_USER_CR3 %rdi
	popq %rdi
	swapgs
	iretq

/*
 * NMI, #DF, #MC: on IST stacks, they can interrupt any instruction, a swapgs
 * window included. The GS base itself says whose it is: the kernel's per-CPU
 * blocks live in the upper half, while a user GS base is always in the lower
 * half (user code can only load a selector, whose base is 0; FSGSBASE is off).
 * Registers on entry: anything; the CPU pushed the iretq frame (and an error
 * code of 0 for #DF), the stub the vector.
 */
paranoid_common:
	PUSH_REGS
	cld
	movl $MSR_GS_BASE, %ecx
	rdmsr
	xorl %ebx, %ebx                 /* ebx: 1 if we swapped (callee-saved) */
	testl %edx, %edx
	js 1f
	swapgs
	incl %ebx
1:	testb $1, %gs:CPU_OFF_PTI       /* PTI: whichever table was loaded, */
	jz 2f
	movq %cr3, %r12                 /* r12 keeps it (callee-saved) */
	SWITCH_TO_KERNEL_CR3 %rax
2:	ASM_CLAC
	movq %rsp, %rdi
	call trap_paranoid
	testb $1, %gs:CPU_OFF_PTI
	jz 3f
	movq %r12, %cr3                 /* and gets it back */
3:	testl %ebx, %ebx
	jz 2f
	swapgs
2:	POP_REGS
	addq $(TF_RIP-TF_VECTOR), %rsp  /* vector, error */
	iretq

/*
 * The three system call paths. Each builds the iretq frame (int $0x80: the
 * CPU does) and runs one shared body, SYSCALL_FAST; only their entry and
 * exit instructions differ. The RFLAGS rule: the kernel runs with DF, TF, AC
 * and NT clear, the frame holds the user's own RFLAGS less everything but
 * RFLAGS_USER (IF and the fixed bit are always set in ring 3), the call runs
 * with interrupts on.
 *
 * The way out is chosen once, on the way in: a call whose fast exit would
 * not restore the user's state exactly (a sysenter with a non-canonical rip
 * or rsp, or flags sysexitq cannot give back; a 32-bit syscall) saves the
 * whole frame and goes through syscall_entry (sysentry.c) and iretq. Every
 * other call leaves by its own exit instruction once the work word says
 * nothing is owed; owed work (a preemption, a kill) is done by syscall_work,
 * after which the word is tested again.
 */

/*
 * The shared body. On entry: interrupts off, DF and AC clear, the frame
 * built from ss down to rax (rsp = tf + TF_RAX; only rip, rflags and rsp
 * are read) with tf->rflags already sanitised by the entry (syscall,
 * int $0x80: masked to RFLAGS_USER; sysenter's fast path has only
 * arithmetic flags and sysexitq does not read them), rax the number, the
 * arguments in rdi rsi rdx r10 r8 r9. On
 * exit: interrupts off, rax the result, rdi rsi r8 r9 r10 zero, rsp
 * unchanged. rcx, rdx and r11 hold kernel values: each exit sets them. The
 * callee-saved registers are the user's: the C code keeps them. Nothing
 * else is saved: the argument registers come back zero, not restored.
 */
.macro SYSCALL_FAST
	sti
	cmpq syscall_count(%rip), %rax
	jae 2f
	movq %r10, %rcx                 /* the C ABI's fourth argument */
	call *syscall_table(, %rax, 8)
3:	cli
	cmpw $0, %gs:CPU_OFF_WORK       /* the one test of exit work */
	jnz 4f
	xorl %edi, %edi
	xorl %esi, %esi
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	.subsection 1
syscall_cold_\@:                       /* a name for backtraces */
2:	movq $-ENOSYS, %rax
	jmp 3b
4:	movq %rax, (%rsp)               /* tf->rax */
	call syscall_work               /* interrupts on inside, off again after */
	movq (%rsp), %rax
	jmp 3b
	.subsection 0
.endm

/* The whole frame for the slow path, after the iretq frame: then C. */
.macro SYSCALL_SLOW vec
	pushq $0                        /* tf->error */
	pushq $\vec                     /* tf->vector */
	PUSH_REGS
	movq %rsp, %rdi
	call syscall_entry
	jmp trap_return
.endm

/*
 * int $0x80 through a DPL-3 gate.
 * Registers on entry: rax number, rdi rsi rdx r10 r8 r9 arguments;
 * the CPU has pushed the iretq frame on tss.rsp0 (the thread's stack, or
 * under PTI the trampoline stack) and cleared IF, TF, NT (not DF, AC). The
 * argument registers, rcx and r11 come back zero; the rest is kept.
 */
.macro ENTRY_INT80 pti, sfx
	.align 16
	.global entry_int80\sfx
entry_int80\sfx:
	cmpq $SYS_FLOOR, %rax
	jne 1f
	xorl %eax, %eax
	iretq
1:	swapgs                  /* a DPL-3 gate the kernel never uses: from ring 3 */
	.if \pti
	SWITCH_TO_KERNEL_CR3 %rcx       /* rcx and r11 come back zero: free */
	movq %rsp, %r11                 /* rip, cs, rflags, rsp, ss */
	movq %gs:CPU_OFF_ENTRY_SP, %rsp
	addq $8, %rsp                   /* the thread's stack top */
	pushq 4*8(%r11)                 /* tf->ss */
	pushq 3*8(%r11)                 /* tf->rsp */
	pushq 2*8(%r11)                 /* tf->rflags */
	pushq 1*8(%r11)                 /* tf->cs */
	pushq (%r11)                    /* tf->rip */
	.endif
	pushq $RFLAGS_FIXED
	popfq                           /* DF and AC clear (IF, TF, NT already are) */
	subq $(TF_RIP-TF_RAX), %rsp     /* error, vector, rax: unused here */
	andq $(RFLAGS_USER | RFLAGS_IF | RFLAGS_FIXED), TF_RFLAGS-TF_RAX(%rsp)
	SYSCALL_FAST
	xorl %edx, %edx
	addq $(TF_RIP-TF_RAX), %rsp
	.if \pti
	movq %rsp, %rcx                 /* the iretq frame onto the trampoline stack */
	movq %gs:CPU_OFF_TRAMP_TOP, %rsp
	pushq 4*8(%rcx)
	pushq 3*8(%rcx)
	pushq 2*8(%rcx)
	pushq 1*8(%rcx)
	pushq (%rcx)
	SWITCH_TO_USER_CR3 %rcx
	.endif
	xorl %ecx, %ecx
	xorl %r11d, %r11d
	swapgs
	iretq
.endm

	ENTRY_INT80 0
	ENTRY_INT80 1, _pti

/*
 * syscall (STAR/LSTAR/FMASK; FMASK = SYSCALL_FMASK clears TF, IF, DF, IOPL,
 * NT, AC).
 * Registers on entry:
 *   rax        number
 *   rdi rsi rdx r10 r8 r9   arguments
 *   rcx        user rip to return to (canonical: the top user page is never mapped)
 *   r11        user rflags
 *   rsp        still the user stack: nothing may touch it before the switch
 * Returns in rax; rcx and r11 are clobbered (the return rip and rflags),
 * the other argument registers come back zero from the fast exit.
 */
.macro ENTRY_SYSCALL pti, sfx
	.align 16
	.global entry_syscall\sfx
entry_syscall\sfx:
	cmpq $SYS_FLOOR, %rax
	jne 1f
	xorl %eax, %eax
	sysretq
1:	swapgs
	movq %rsp, %gs:CPU_OFF_USER_RSP
	.if \pti
	SWITCH_TO_KERNEL_CR3 %rsp       /* no stack yet: rsp is the scratch */
	.endif
	movq %gs:CPU_OFF_ENTRY_SP, %rsp /* tf->ss unused here */
	pushq %gs:CPU_OFF_USER_RSP      /* tf->rsp */
	pushq %r11                      /* tf->rflags */
	movq %rcx, TF_RIP-TF_RFLAGS(%rsp) /* tf->rip; IF is off: nothing else uses the stack */
	subq $(TF_RFLAGS-TF_RAX), %rsp  /* cs, error, vector, rax: unused here */
	andq $(RFLAGS_USER | RFLAGS_IF | RFLAGS_FIXED), TF_RFLAGS-TF_RAX(%rsp)
	SYSCALL_FAST
	movq TF_RIP-TF_RAX(%rsp), %rcx          /* canonical */
	movq TF_RFLAGS-TF_RAX(%rsp), %r11       /* sanitised */
	movq TF_RSP-TF_RAX(%rsp), %rsp          /* from here no stack */
	.if \pti
	SWITCH_TO_USER_CR3 %rdx
	.endif
	xorl %edx, %edx
	swapgs
	sysretq
.endm

	ENTRY_SYSCALL 0
	ENTRY_SYSCALL 1, _pti

/*
 * syscall from 32-bit compatibility mode (CSTAR). The 32-bit user code
 * segment is not present, so no process gets there; should one, it is
 * killed (syscall_entry checks tf->cs) and never sysret'd to.
 * Registers on entry: as entry_syscall, in 32-bit form.
 */
	.align 16
	.global entry_syscall_compat
entry_syscall_compat:
	swapgs
	movq %rsp, %gs:CPU_OFF_USER_RSP
	testb $1, %gs:CPU_OFF_PTI
	jz 1f
	SWITCH_TO_KERNEL_CR3 %rsp
1:	movq %gs:CPU_OFF_ENTRY_SP, %rsp
	movq $USER_SS, (%rsp)          /* tf->ss */
	pushq %gs:CPU_OFF_USER_RSP      /* tf->rsp */
	pushq %r11                      /* tf->rflags */
	pushq $(GDT_UCODE32 | 3)        /* tf->cs */
	pushq %rcx                      /* tf->rip */
	SYSCALL_SLOW VEC_SYSCALL

/*
 * sysenter (SYSENTER_CS/EIP/ESP). The CPU clears IF, RF and VM only: DF, TF,
 * AC, NT are still the user's. The fast path goes on only when the user's
 * flags hold nothing but arithmetic bits (so those four are clear already);
 * any other call clears them with a popfq before the full path.
 * Registers on entry:
 *   rax        number
 *   rdi rsi rdx r10 r8 r9   arguments
 *   rcx        user rsp          (our convention: sysenter saves nothing)
 *   r11        user rip to return to
 *   rsp        SYSENTER_ESP, a per-CPU scratch stack (isr_1 uses it)
 * sysexitq returns to rdx with rsp = rcx, so rdx is clobbered as well as
 * rcx, r11 and the arithmetic flags; r11 comes back as the return rip, the
 * other argument registers zero from the fast exit.
 * sysexitq #GPs in ring 0 on a non-canonical rdx or rcx (Intel): the floor
 * checks both; the full path takes a call with either non-canonical, or
 * with flags sysexitq would not give back (DF, AC, ID, TF, NT), to
 * syscall_entry, which kills a process asking for a non-canonical rip and
 * sends the rest out through iretq.
 * From compatibility mode sysenter is indistinguishable from a 64-bit one
 * (nothing records the old CS) and returns to 64-bit mode: a mode switch
 * the process could make itself with a far jump.
 */
.macro ENTRY_SYSENTER pti, sfx
	.align 16
	.global entry_sysenter\sfx
entry_sysenter\sfx:
	cmpq $SYS_FLOOR, %rax
	jne 1f
sysenter_floor\sfx:                    /* isr_1: stepped, it goes to the full path */
	movq %r11, %rdx
	movq %rcx, %rax
	orq %rdx, %rax
	shrq $47, %rax                  /* rax = 0 iff both are user addresses */
	jnz sysenter_floor_full\sfx
	sti                             /* takes effect after sysexit */
	sysexitq
sysenter_floor_full\sfx:
	movl $SYS_FLOOR, %eax           /* the full path sorts it out */
	jmp 1f
2:	pushq $RFLAGS_FIXED             /* flags sysexitq cannot give back: */
	popfq                           /* DF, TF, AC, NT clear from here on, */
	jmp sysenter_slow               /* then the full path */
1:	swapgs
	.if \pti
	pushq %rax                      /* on the SYSENTER_ESP stack, in both tables */
	SWITCH_TO_KERNEL_CR3 %rax
	popq %rax
	.endif
	movq %gs:CPU_OFF_ENTRY_SP, %rsp /* tf->ss: set by the slow path only */
	pushq %rcx                      /* tf->rsp */
	pushfq                          /* tf->rflags: the user's own, IF clear */
	movq %r11, TF_RIP-TF_RFLAGS(%rsp) /* tf->rip; IF is off: nothing else uses the stack */
	testq $~(RFLAGS_ARITH | RFLAGS_FIXED), (%rsp)
	jnz 2b                          /* else DF, TF, AC and NT are clear already */
	.global sysenter_tf_end\sfx
sysenter_tf_end\sfx:
	orq %r11, %rcx
	shrq $47, %rcx                  /* rcx = 0 iff rip and rsp are user addresses */
	jnz sysenter_slow
	subq $(TF_RFLAGS-TF_RAX), %rsp  /* cs, error, vector, rax: unused here */
	SYSCALL_FAST
	movq TF_RIP-TF_RAX(%rsp), %rdx  /* canonical, checked */
	movq TF_RSP-TF_RAX(%rsp), %rcx  /* canonical, checked */
	.if \pti
	SWITCH_TO_USER_CR3 %r11
	.endif
	movq %rdx, %r11
	swapgs
	sti
	sysexitq
.endm

	ENTRY_SYSENTER 0
	ENTRY_SYSENTER 1, _pti

/* Both sysenter entries' full path: rsp = tf + TF_RFLAGS, flags clear. */
sysenter_slow:
	movq $USER_SS, TF_SS-TF_RFLAGS(%rsp)   /* tf->ss */
	movq $USER_CS, TF_CS-TF_RFLAGS(%rsp)   /* tf->cs */
	subq $(TF_RFLAGS-TF_RIP), %rsp
	movq TF_RSP-TF_RIP(%rsp), %rcx  /* the user's rcx, for the full frame */
	SYSCALL_SLOW VEC_SYSENTER

/* void pti_cr3_flush_user(u64 user_cr3, u64 kernel_cr3): load the first
 * (its PCID flushed), then the second; code both tables map. IF off. */
	.global pti_cr3_flush_user
pti_cr3_flush_user:
	movq %rdi, %cr3
	movq %rsi, %cr3
	ret

	.text

/* void switch_stack(u64 *save_rsp, u64 new_rsp): swap kernel stacks,
 * keeping the callee-saved registers and RFLAGS on each: no thread's flags
 * (NT, AC, IF, ...) reach the next one. What it leaves on a stack is a
 * struct switch_frame (trapframe.h). */
	.global switch_stack
switch_stack:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	ret

/* First code of every new thread: r12 = function, r13 = argument. A user
 * thread's function returns to trap_return with its trapframe on top. */
	.global thread_entry
thread_entry:
	call thread_started
	movq %r13, %rdi
	call *%r12
	jmp trap_return

/*
 * long copy_user_raw(void *dst, const void *src, u64 n)
 * A plain copy whose only faulting instruction is listed in the exception
 * table: a fault sends it to the fixup, which returns -EFAULT. The caller
 * has already checked that the user range lies in user space.
 */
	.global copy_user_raw
copy_user_raw:
	movq %rdx, %rcx
	ASM_STAC
1:	rep movsb
	ASM_CLAC
	xorl %eax, %eax
	ret
2:	ASM_CLAC
	movq $-14, %rax
	ret
	.section __ex_table, "a"
	.quad 1b, 2b
	.text

/* long copy_user_str(char *dst, const char *user_src, u64 max):
 * length copied without the NUL, -EFAULT on a fault, max when no NUL fits. */
	.global copy_user_str
copy_user_str:
	ASM_STAC
	xorl %eax, %eax
1:	cmpq %rdx, %rax
	je 3f
2:	movb (%rsi, %rax), %cl
	movb %cl, (%rdi, %rax)
	testb %cl, %cl
	jz 3f
	incq %rax
	jmp 1b
3:	ASM_CLAC
	ret
4:	ASM_CLAC
	movq $-14, %rax
	ret
	.section __ex_table, "a"
	.quad 2b, 4b
	.text

/* u64 probe_read_u64(const u64 *addr, u64 *out): 0, or -EFAULT if it faults.
 * For tests that touch bad addresses on purpose. */
	.global probe_read_u64
probe_read_u64:
1:	movq (%rdi), %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
2:	movq $-14, %rax
	ret
	.section __ex_table, "a"
	.quad 1b, 2b
	.text

.macro ISR_ENTRY vec
	.if \vec == VEC_INT80
	.quad entry_int80
	.else
	.quad isr_\vec
	.endif
.endm

.altmacro
	.section .rodata
	.align 8
	.global isr_table
isr_table:
.set vec, 0
.rept 256
	ISR_ENTRY %vec
	.set vec, vec + 1
.endr
