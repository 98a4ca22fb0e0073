/*
 * void uthread_switch(void **save_sp, void *load_sp)
 *
 * Saves what the SysV ABI has a callee keep (rbx, rbp, r12-r15, the MXCSR
 * and the x87 control word) on the current stack, stores rsp in *save_sp,
 * loads load_sp and returns with the state saved there. uthread_create lays
 * out a new thread's stack the same way:
 *
 *   load_sp ->  mxcsr (4 bytes), x87 control word (2), pad (2)
 *               r15 r14 r13 r12 rbx rbp
 *               return address
 */
	.text
	.globl uthread_switch
	.type uthread_switch, @function
uthread_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size uthread_switch, . - uthread_switch

	.section .note.GNU-stack, "", @progbits
