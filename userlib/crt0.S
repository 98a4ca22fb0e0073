/* Program entry: the kernel leaves rsp -> argc, argv[0..argc-1], NULL. */
	.section .text.start, "ax"
	.global _start
_start:
	movq (%rsp), %rdi               /* argc */
	leaq 8(%rsp), %rsi              /* argv */
	andq $-16, %rsp
	xorl %ebp, %ebp
	call main
	movl %eax, %edi
	movl $1, %eax                   /* SYS_exit over int $0x80: works on every CPU */
	int $0x80
	ud2
