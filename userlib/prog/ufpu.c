/* FPU state across FlexSC hand-offs and preemption: fills x87 (control word,
 * eight stack registers), MXCSR and ymm0-15 (xmm0-15 without AVX) with a
 * pattern of its own (argv[1] seeds it), posts a call to its syscall pages
 * (yield, sleep or null, so the syscall thread gives the CPU to whoever is
 * ready), sleeps in flexsc_wait until it is done and spins a while, all
 * with the registers live, then checks every one. Two copies run at once
 * pinned to CPU 0, so each one's state passes through the other's switches:
 * the kernel keeps a user thread's state in the registers across switches
 * to kernel threads (sched.c: switch_user_state), and must save it before
 * the other process runs.
 * usage: ufpu SEED -> exit status = number of failed checks */
#include "check.h"

/* The state a round loads and reads back. */
struct fpu_image {
	unsigned char vec[16][32]; /* ymm0-15 (the low 16 bytes each without AVX) */
	long long st[8];           /* x87 stack, as integers */
	unsigned int mxcsr;
	unsigned short fcw;
} __attribute__((aligned(64)));
_Static_assert(__builtin_offsetof(struct fpu_image, st) == 0x200 &&
		       __builtin_offsetof(struct fpu_image, mxcsr) == 0x240 &&
		       __builtin_offsetof(struct fpu_image, fcw) == 0x244,
	       "the offsets the asm below uses");

/* The four arguments into registers a system call keeps. */
#define LOAD_ARGS "movq 8(%[args]), %%r13\n movq 16(%[args]), %%r14\n movq 24(%[args]), %%r15\n movq (%[args]), %%r12\n"
#define LOAD_X87                                                                                   \
	"fninit\n fldcw 0x244(%%r12)\n ldmxcsr 0x240(%%r12)\n"                                     \
	"fildq 0x200(%%r12)\n fildq 0x208(%%r12)\n fildq 0x210(%%r12)\n fildq 0x218(%%r12)\n"      \
	"fildq 0x220(%%r12)\n fildq 0x228(%%r12)\n fildq 0x230(%%r12)\n fildq 0x238(%%r12)\n"
#define STORE_X87                                                                                  \
	"fistpq 0x238(%%r13)\n fistpq 0x230(%%r13)\n fistpq 0x228(%%r13)\n fistpq 0x220(%%r13)\n"  \
	"fistpq 0x218(%%r13)\n fistpq 0x210(%%r13)\n fistpq 0x208(%%r13)\n fistpq 0x200(%%r13)\n"  \
	"fnstcw 0x244(%%r13)\n stmxcsr 0x240(%%r13)\n"
/* Wait: spin, then flexsc_wait until the entry's status says DONE, then
 * spin again (a tick may land on either spin). */
#define WAIT                                                                                       \
	"movq %%r15, %%rcx\n 1: decq %%rcx\n jnz 1b\n"                                             \
	"2: cmpl %[done], (%%r14)\n je 3f\n movl %[nr], %%eax\n syscall\n jmp 2b\n"                 \
	"3: movq %%r15, %%rcx\n 4: decq %%rcx\n jnz 4b\n"
#define VEC(insn, a, b)                                                                           \
	insn " " a "(%%r12), %%" b "0\n"
#define CLOBBERS                                                                                   \
	"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",   \
		"memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", \
		"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",     \
		"xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static void hold_avx(const struct fpu_image *in, struct fpu_image *out, const volatile unsigned *status,
		     long spins)
{
	const void *args[4] = { in, out, (const void *)status, (const void *)spins };
	__asm__ volatile(LOAD_ARGS LOAD_X87
			 "vmovdqu 0(%%r12), %%ymm0\n vmovdqu 32(%%r12), %%ymm1\n vmovdqu 64(%%r12), %%ymm2\n"
			 "vmovdqu 96(%%r12), %%ymm3\n vmovdqu 128(%%r12), %%ymm4\n vmovdqu 160(%%r12), %%ymm5\n"
			 "vmovdqu 192(%%r12), %%ymm6\n vmovdqu 224(%%r12), %%ymm7\n vmovdqu 256(%%r12), %%ymm8\n"
			 "vmovdqu 288(%%r12), %%ymm9\n vmovdqu 320(%%r12), %%ymm10\n vmovdqu 352(%%r12), %%ymm11\n"
			 "vmovdqu 384(%%r12), %%ymm12\n vmovdqu 416(%%r12), %%ymm13\n vmovdqu 448(%%r12), %%ymm14\n"
			 "vmovdqu 480(%%r12), %%ymm15\n" WAIT
			 "vmovdqu %%ymm0, 0(%%r13)\n vmovdqu %%ymm1, 32(%%r13)\n vmovdqu %%ymm2, 64(%%r13)\n"
			 "vmovdqu %%ymm3, 96(%%r13)\n vmovdqu %%ymm4, 128(%%r13)\n vmovdqu %%ymm5, 160(%%r13)\n"
			 "vmovdqu %%ymm6, 192(%%r13)\n vmovdqu %%ymm7, 224(%%r13)\n vmovdqu %%ymm8, 256(%%r13)\n"
			 "vmovdqu %%ymm9, 288(%%r13)\n vmovdqu %%ymm10, 320(%%r13)\n vmovdqu %%ymm11, 352(%%r13)\n"
			 "vmovdqu %%ymm12, 384(%%r13)\n vmovdqu %%ymm13, 416(%%r13)\n vmovdqu %%ymm14, 448(%%r13)\n"
			 "vmovdqu %%ymm15, 480(%%r13)\n vzeroupper\n" STORE_X87
			 :
			 : [args] "r"(args), [done] "i"(FLEXSC_DONE),
			   [nr] "i"(SYS_flexsc_wait)
			 : CLOBBERS);
}

static void hold_sse(const struct fpu_image *in, struct fpu_image *out, const volatile unsigned *status,
		     long spins)
{
	const void *args[4] = { in, out, (const void *)status, (const void *)spins };
	__asm__ volatile(LOAD_ARGS LOAD_X87
			 "movdqu 0(%%r12), %%xmm0\n movdqu 32(%%r12), %%xmm1\n movdqu 64(%%r12), %%xmm2\n"
			 "movdqu 96(%%r12), %%xmm3\n movdqu 128(%%r12), %%xmm4\n movdqu 160(%%r12), %%xmm5\n"
			 "movdqu 192(%%r12), %%xmm6\n movdqu 224(%%r12), %%xmm7\n movdqu 256(%%r12), %%xmm8\n"
			 "movdqu 288(%%r12), %%xmm9\n movdqu 320(%%r12), %%xmm10\n movdqu 352(%%r12), %%xmm11\n"
			 "movdqu 384(%%r12), %%xmm12\n movdqu 416(%%r12), %%xmm13\n movdqu 448(%%r12), %%xmm14\n"
			 "movdqu 480(%%r12), %%xmm15\n" WAIT
			 "movdqu %%xmm0, 0(%%r13)\n movdqu %%xmm1, 32(%%r13)\n movdqu %%xmm2, 64(%%r13)\n"
			 "movdqu %%xmm3, 96(%%r13)\n movdqu %%xmm4, 128(%%r13)\n movdqu %%xmm5, 160(%%r13)\n"
			 "movdqu %%xmm6, 192(%%r13)\n movdqu %%xmm7, 224(%%r13)\n movdqu %%xmm8, 256(%%r13)\n"
			 "movdqu %%xmm9, 288(%%r13)\n movdqu %%xmm10, 320(%%r13)\n movdqu %%xmm11, 352(%%r13)\n"
			 "movdqu %%xmm12, 384(%%r13)\n movdqu %%xmm13, 416(%%r13)\n movdqu %%xmm14, 448(%%r13)\n"
			 "movdqu %%xmm15, 480(%%r13)\n" STORE_X87
			 :
			 : [args] "r"(args), [done] "i"(FLEXSC_DONE),
			   [nr] "i"(SYS_flexsc_wait)
			 : CLOBBERS);
}

#define ROUNDS 150

int main(int argc, char **argv)
{
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	bool avx = c >> 28 & 1;
	unsigned long seed = (argc > 1 ? (unsigned long)atoi(argv[1]) : 1) * 0x9E3779B97F4A7C15ul + 1;
	CHECK_EQ(sys_setaffinity(0, 1), 0, "pinned to CPU 0");
	CHECK_EQ(flexsc_init(1), 0, "flexsc_init");
	if (check_failures)
		return check_failures;
	static struct fpu_image in, out;
	static const long calls[3] = { SYS_yield, SYS_sleep_ns, SYS_null };
	for (int round = 0; round < ROUNDS; round++) {
		unsigned long *w = (unsigned long *)in.vec;
		for (unsigned i = 0; i < sizeof(in.vec) / 8; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			w[i] = seed;
		}
		if (!avx)
			for (int r = 0; r < 16; r++)
				memset(in.vec[r] + 16, 0, 16);
		for (int i = 0; i < 8; i++)
			in.st[i] = (long long)(seed >> (i + 8)) - (long long)(seed >> 20); /* exact in 64 bits */
		/* Masks all exceptions; rounding and precision from the seed. */
		in.fcw = 0x3F | (unsigned short)((seed & 0xC00) | 0x300);
		in.mxcsr = 0x1F80 | (unsigned)((seed >> 3 & 3) << 13) | (unsigned)(seed >> 5 & 1) << 15;
		memset(&out, 0, sizeof(out));
		struct flexsc_entry *e = flexsc_post(calls[round % 3], 200000, 0, 0, 0, 0, 0);
		CHECK_EQ(e != 0, 1, "round %d: post", round);
		if (!e)
			break;
		(avx ? hold_avx : hold_sse)(&in, &out, &e->status, 200000 + (long)(seed & 0x3FFFF));
		CHECK_EQ(flexsc_reap(e), 0, "round %d: call %ld", round, calls[round % 3]);
		for (int r = 0; r < 16; r++)
			CHECK_EQ(memcmp(in.vec[r], out.vec[r], avx ? 32 : 16), 0, "round %d: %smm%d", round,
				 avx ? "y" : "x", r);
		for (int i = 0; i < 8; i++)
			CHECK_EQ(out.st[i], in.st[i], "round %d: st(%d)", round, 7 - i);
		CHECK_EQ(out.fcw & 0xF3F, in.fcw & 0xF3F, "round %d: x87 control word", round);
		CHECK_EQ(out.mxcsr & ~0x3Fu, in.mxcsr, "round %d: MXCSR", round);
		if (check_failures > 20)
			break;
	}
	return check_failures;
}
