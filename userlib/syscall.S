/*
 * The raw ways into the kernel. C calls these with
 *   rdi = number, rsi..r9 and one stack slot = six arguments
 * and each moves them into the kernel's convention (kernel/abi/syscall.h):
 *   rax = number, rdi rsi rdx r10 r8 r9 = arguments.
 */
#include "../kernel/abi/syscall.h"

.macro SHUFFLE_ARGS
	movq %rdi, %rax                 /* number */
	movq %rsi, %rdi                 /* a1 */
	movq %rdx, %rsi                 /* a2 */
	movq %rcx, %rdx                 /* a3 */
	movq %r8, %r10                  /* a4 */
	movq %r9, %r8                   /* a5 */
	movq 8(%rsp), %r9               /* a6 */
.endm

	.text
	.global syscall_int80
syscall_int80:
	SHUFFLE_ARGS
	int $0x80
	ret

	.global syscall_syscall
syscall_syscall:
	SHUFFLE_ARGS
	syscall                         /* clobbers rcx, r11 */
	ret

/* sysenter saves nothing: we pass the return rip in r11 and rsp in rcx. */
	.global syscall_sysenter
syscall_sysenter:
	SHUFFLE_ARGS
	leaq 1f(%rip), %r11
	movq %rsp, %rcx
	sysenter
1:	ret

/* long syscall_<path>0(long nr): a call that takes no arguments, straight
 * in the kernel's convention (the number is all it needs: nothing to shuffle),
 * as a libc's getpid() or the Linux peer's null call does it. */
	.global syscall_int80_0
syscall_int80_0:
	movq %rdi, %rax
	int $0x80
	ret

	.global syscall_syscall_0
syscall_syscall_0:
	movq %rdi, %rax
	syscall
	ret

	.global syscall_sysenter_0
syscall_sysenter_0:
	movq %rdi, %rax
	leaq 1f(%rip), %r11
	movq %rsp, %rcx
	sysenter
1:	ret

/* long syscall_floor(enum syscall_path): the bare entry and exit. */
	.global syscall_floor
syscall_floor:
	movl $SYS_FLOOR, %eax
	cmpl $1, %edi
	je 2f
	cmpl $2, %edi
	je 3f
	int $0x80
	ret
2:	syscall
	ret
3:	leaq 4f(%rip), %r11
	movq %rsp, %rcx
	sysenter
4:	ret
