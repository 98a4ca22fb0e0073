/*
 * Every way into the kernel: exception and interrupt stubs, int $0x80,
 * syscall, sysenter, the kernel-thread switch and the user-copy routines.
 * Each entry builds a struct trapframe (trapframe.h) and hands off to C.
 */
#include "trapframe.h"
#include "segments.h"
#include "percpu.h"
#include "../../abi/syscall.h"

.macro PUSH_REGS
	pushq %rax      /* tf->rax */
	pushq %rbx      /* tf->rbx */
	pushq %rcx      /* tf->rcx */
	pushq %rdx      /* tf->rdx */
	pushq %rsi      /* tf->rsi */
	pushq %rdi      /* tf->rdi */
	pushq %rbp      /* tf->rbp */
	pushq %r8       /* tf->r8  */
	pushq %r9       /* tf->r9  */
	pushq %r10      /* tf->r10 */
	pushq %r11      /* tf->r11 */
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
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

	.text

/* Exceptions and interrupts. The CPU pushed ss, rsp, rflags, cs, rip and,
 * for some exceptions, an error code; each stub evens that out. */
.macro ISR vec
	.align 16
isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0        /* tf->error */
	.endif
	pushq $\vec     /* tf->vector */
	jmp trap_common
.endm

.altmacro
.set vec, 0
.rept 256
	.if vec != VEC_INT80
	ISR %vec
	.endif
	.set vec, vec + 1
.endr

trap_common:
	PUSH_REGS
	testb $3, TF_CS(%rsp)
	jz 1f
	swapgs
1:	cld
	movq %rsp, %rdi
	call trap
	.global trap_return
trap_return:            /* also where new threads first leave for ring 3 */
	cli
	testb $3, TF_CS(%rsp)
	jz 1f
	swapgs
1:	POP_REGS
	addq $16, %rsp  /* vector, error */
	iretq

/*
 * int $0x80 through a DPL-3 gate.
 * Registers on entry: rax number, rdi rsi rdx r10 r8 r9 arguments;
 * the CPU has pushed the iretq frame on tss.rsp0. Everything but rax is kept.
 */
	.align 16
	.global entry_int80
entry_int80:
	cmpq $SYS_FLOOR, %rax
	jne 1f
	xorl %eax, %eax
	iretq
1:	pushq $0                /* tf->error */
	pushq $VEC_INT80        /* tf->vector */
	jmp trap_common

/*
 * syscall (STAR/LSTAR/FMASK; FMASK clears IF, DF, TF, AC).
 * Registers on entry:
 *   rax        number
 *   rdi rsi rdx r10 r8 r9   arguments
 *   rcx        user rip to return to
 *   r11        user rflags
 *   rsp        still the user stack: nothing may touch it before the switch
 * Returns in rax; rcx and r11 are clobbered.
 */
	.align 16
	.global entry_syscall
entry_syscall:
	cmpq $SYS_FLOOR, %rax
	jne 1f
	xorl %eax, %eax
	sysretq
1:	swapgs
	movq %rsp, %gs:CPU_OFF_USER_RSP
	movq %gs:CPU_OFF_KSTACK_TOP, %rsp
	pushq $USER_SS                  /* tf->ss */
	pushq %gs:CPU_OFF_USER_RSP      /* tf->rsp */
	pushq %r11                      /* tf->rflags */
	pushq $USER_CS                  /* tf->cs */
	pushq %rcx                      /* tf->rip */
	pushq $0                        /* tf->error */
	pushq $VEC_SYSCALL              /* tf->vector */
	PUSH_REGS
	sti
	movq %rsp, %rdi
	call syscall_dispatch
	cli
	/* sysret to a non-canonical rcx would #GP in ring 0 on the user's
	 * stack (Intel): go out through iretq instead, which faults in ring 3. */
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %r11
	sarq $47, %r11
	jnz trap_return
	POP_REGS
	movq 16(%rsp), %rcx             /* rip    */
	movq 32(%rsp), %r11             /* rflags */
	movq 40(%rsp), %rsp             /* user rsp: from here no stack */
	swapgs
	sysretq

/*
 * sysenter (SYSENTER_CS/EIP/ESP; IF cleared by the CPU).
 * Registers on entry:
 *   rax        number
 *   rdi rsi rdx r10 r8 r9   arguments
 *   rcx        user rsp          (our convention: sysenter saves nothing)
 *   r11        user rip to return to
 *   rsp        SYSENTER_ESP, a per-CPU scratch stack we never use
 * sysexitq returns to rdx with rsp = rcx, so rdx is clobbered as well as
 * rcx, r11 and the arithmetic flags.
 */
	.align 16
	.global entry_sysenter
entry_sysenter:
	cmpq $SYS_FLOOR, %rax
	jne 1f
	xorl %eax, %eax
	movq %r11, %rdx
	sti                             /* takes effect after sysexit */
	sysexitq
1:	swapgs
	movq %gs:CPU_OFF_KSTACK_TOP, %rsp
	pushq $USER_SS                  /* tf->ss */
	pushq %rcx                      /* tf->rsp */
	pushq $0x202                    /* tf->rflags: IF */
	pushq $USER_CS                  /* tf->cs */
	pushq %r11                      /* tf->rip */
	pushq $0                        /* tf->error */
	pushq $VEC_SYSENTER             /* tf->vector */
	PUSH_REGS
	sti
	movq %rsp, %rdi
	call syscall_dispatch
	cli
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %r11
	sarq $47, %r11
	jnz trap_return
	POP_REGS
	movq 16(%rsp), %rdx             /* rip */
	movq 40(%rsp), %rcx             /* rsp */
	swapgs
	sti
	sysexitq

/* void switch_stack(u64 *save_rsp, u64 new_rsp): swap kernel stacks,
 * keeping the callee-saved registers on each. */
	.global switch_stack
switch_stack:
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
1:	rep movsb
	xorl %eax, %eax
	ret
2:	movq $-14, %rax
	ret
	.section __ex_table, "a"
	.quad 1b, 2b
	.text

/* long copy_user_str(char *dst, const char *user_src, u64 max):
 * length copied without the NUL, -EFAULT on a fault, max when no NUL fits. */
	.global copy_user_str
copy_user_str:
	xorl %eax, %eax
1:	cmpq %rdx, %rax
	je 3f
2:	movb (%rsi, %rax), %cl
	movb %cl, (%rdi, %rax)
	testb %cl, %cl
	jz 3f
	incq %rax
	jmp 1b
3:	ret
4:	movq $-14, %rax
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

	.section .rodata
	.align 8
	.global isr_table
isr_table:
.set vec, 0
.rept 256
	ISR_ENTRY %vec
	.set vec, vec + 1
.endr
