/*
 * Multiboot entry: QEMU's -kernel loads us at 1 MiB and jumps here in 32-bit
 * protected mode with paging off.
 *
 * Registers on entry (Multiboot 1):
 *   eax   0x2BADB002 (boot loader magic)
 *   ebx   physical address of the multiboot_info structure
 *   esp   undefined: we set our own
 * The APs come through trampoline.S into boot_enter_long_mode with ebp = 1;
 * the BSP clears ebp, which is how boot_high tells them apart.
 *
 * exless needs long mode and NX (CPUID 0x80000001 EDX bits 29 and 20): every
 * page table it builds marks data no-execute, and running without would drop
 * that protection. A CPU without either (NX can be switched off in firmware,
 * as "XD disable") gets a line on COM1 and a failure exit, not a triple fault.
 *
 * We build boot page tables that map the first 1 GiB twice (identity, and at
 * KERNEL_VMA for the higher-half kernel), enter long mode, jump high and call
 * kmain(magic, info). The APs reuse boot_pml4 on their way up (trampoline.S).
 */
#include "layout.h"
#include "ports.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000002 /* bit 1: give us the memory map */

	.section .boot.header, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.global _start
_start:
	cli
	xorl %ebp, %ebp                 /* the BSP's mark for boot_high */
	movl %eax, %edi                 /* kmain arg 1: magic */
	movl %ebx, %esi                 /* kmain arg 2: multiboot info (phys) */

	movl $0x80000000, %eax          /* cpuid clobbers eax, ebx, ecx, edx */
	cpuid
	cmpl $0x80000001, %eax
	jb refuse
	movl $0x80000001, %eax
	cpuid
	andl $((1 << 29) | (1 << 20)), %edx /* LM, NX */
	cmpl $((1 << 29) | (1 << 20)), %edx
	jne refuse

	/* 512 x 2 MiB pages: the first 1 GiB. */
	movl $boot_pd, %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                 /* present, writable, 2 MiB */
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl $boot_pd + 3, boot_pdpt            /* pdpt[0]   -> 0..1 GiB */
	movl $boot_pd + 3, boot_pdpt + 510 * 8  /* pdpt[510] -> -2 GiB  */
	movl $boot_pdpt + 3, boot_pml4          /* pml4[0]   identity   */
	movl $boot_pdpt + 3, boot_pml4 + 511 * 8 /* pml4[511] higher half */

	.global boot_enter_long_mode
boot_enter_long_mode:                   /* the APs join here (ebp = 1; edi, esi unused) */
	movl %cr4, %eax
	orl $(1 << 5), %eax             /* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx          /* EFER */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax /* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax /* PG, WP, PE */
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $8, $long_mode

	.code64
long_mode:
	movw $16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_high, %rax
	jmp *%rax

	/* No long mode or no NX: say so on COM1 (polled; an absent UART reads
	 * all ones, never busy), exit QEMU with failure, else halt. */
	.code32
refuse:
	movw $COM1 + 3, %dx
	movb $0x03, %al                 /* 8N1, divisor latch off: port COM1 is data */
	outb %al, %dx
	movl $boot_refusal, %ebx
1:	movb (%ebx), %cl
	testb %cl, %cl
	jz 3f
	movw $COM1 + 5, %dx
2:	inb %dx, %al
	testb $0x20, %al                /* transmitter holding register empty */
	jz 2b
	movw $COM1, %dx
	movb %cl, %al
	outb %al, %dx
	incl %ebx
	jmp 1b
3:	movb $DEBUG_EXIT_FAIL, %al
	movw $DEBUG_EXIT_PORT, %dx
	outb %al, %dx
4:	hlt
	jmp 4b

	.section .boot.data, "aw"
boot_refusal:
	.asciz "exless: this CPU lacks long mode or NX (CPUID 0x80000001 EDX bits 29, 20; NX may be off in the firmware as XD disable): not booting\r\n"
	.align 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF        /* 8: 64-bit code */
	.quad 0x00CF92000000FFFF        /* 16: data */
boot_gdt_end:
	.global boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.align 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096

	.text
	.code64
boot_high:
	testl %ebp, %ebp
	jnz ap_high
	leaq boot_stack_top(%rip), %rsp
	movl %esi, %esi
	movl %edi, %edi
	call kmain
1:	hlt
	jmp 1b

	/* An AP: claim the stack the BSP offers, at most once. A late AP whose
	 * offer was withdrawn finds 0 and parks; one that ap_main turns away
	 * returns here and parks on its stack, which the BSP never frees. */
ap_high:
	movq ap_boot_cr3(%rip), %rax    /* the stacks are in the direct map */
	movq %rax, %cr3
	xorl %eax, %eax
	xchgq %rax, ap_boot_stack(%rip)
	testq %rax, %rax
	jz ap_park
	movq %rax, %rsp
	xorl %ebp, %ebp
	call ap_main
ap_park:
	cli
	hlt
	jmp ap_park

	.bss
	.align 16
boot_stack:	.skip KSTACK_SIZE
boot_stack_top:
