/*
 * AP entry: copied to AP_TRAMPOLINE (a page below 1 MiB) and started there by
 * the STARTUP IPI in 16-bit real mode with cs = AP_TRAMPOLINE >> 4, ip = 0.
 * It enters 32-bit protected mode and joins the BSP's path into long mode
 * (boot.S: boot_enter_long_mode) with ebp = 1, which ends in ap_main on the
 * stack it claims from ap_boot_stack.
 */
#include "layout.h"

#define TR(sym) (AP_TRAMPOLINE + (sym) - trampoline_start)

	.section .rodata
	.code16
	.global trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TR(tr_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $8, $TR(tr_32)

	.code32
tr_32:
	movw $16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $1, %ebp                   /* boot_high: this is an AP */
	movl $boot_enter_long_mode, %eax
	jmp *%eax

	.align 8
tr_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 8: 32-bit flat code */
	.quad 0x00CF92000000FFFF        /* 16: flat data */
tr_gdt_ptr:
	.word 23
	.long TR(tr_gdt)
trampoline_end:
	.code64
