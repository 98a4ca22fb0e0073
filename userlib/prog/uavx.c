/* AVX state across system calls that switch threads: fills ymm0-15 with a
 * pattern of its own (argv[1] seeds it), makes a call that yields or sleeps on
 * each path, and checks every register afterwards. Two copies run at once
 * so that each one's state passes through the other's switches.
 * usage: uavx SEED -> exit status = number of failed checks (0 where the CPU
 * has no AVX: then it says so and checks SSE state only through the kernel's
 * other tests) */
#include "check.h"
#include "../sys.h"

/* avx_<path>(const u8 in[512], u8 out[512], nr, arg): ymm0-15 <- in, the call,
 * out <- ymm0-15; returns the call's result. */
#define AVX_LOAD                                                                               \
	"vmovdqu 0(%rdi), %ymm0\nvmovdqu 32(%rdi), %ymm1\nvmovdqu 64(%rdi), %ymm2\n"            \
	"vmovdqu 96(%rdi), %ymm3\nvmovdqu 128(%rdi), %ymm4\nvmovdqu 160(%rdi), %ymm5\n"        \
	"vmovdqu 192(%rdi), %ymm6\nvmovdqu 224(%rdi), %ymm7\nvmovdqu 256(%rdi), %ymm8\n"       \
	"vmovdqu 288(%rdi), %ymm9\nvmovdqu 320(%rdi), %ymm10\nvmovdqu 352(%rdi), %ymm11\n"     \
	"vmovdqu 384(%rdi), %ymm12\nvmovdqu 416(%rdi), %ymm13\nvmovdqu 448(%rdi), %ymm14\n"    \
	"vmovdqu 480(%rdi), %ymm15\n"
#define AVX_STORE                                                                              \
	"vmovdqu %ymm0, 0(%rsi)\nvmovdqu %ymm1, 32(%rsi)\nvmovdqu %ymm2, 64(%rsi)\n"            \
	"vmovdqu %ymm3, 96(%rsi)\nvmovdqu %ymm4, 128(%rsi)\nvmovdqu %ymm5, 160(%rsi)\n"        \
	"vmovdqu %ymm6, 192(%rsi)\nvmovdqu %ymm7, 224(%rsi)\nvmovdqu %ymm8, 256(%rsi)\n"       \
	"vmovdqu %ymm9, 288(%rsi)\nvmovdqu %ymm10, 320(%rsi)\nvmovdqu %ymm11, 352(%rsi)\n"     \
	"vmovdqu %ymm12, 384(%rsi)\nvmovdqu %ymm13, 416(%rsi)\nvmovdqu %ymm14, 448(%rsi)\n"    \
	"vmovdqu %ymm15, 480(%rsi)\n"
#define AVX_CALL(name, insn)                                                                   \
	__asm__(".text\n.global " #name "\n" #name ":\n" AVX_LOAD                             \
		"pushq %rsi\npushq %rdi\nmovq %rdx, %rax\nmovq %rcx, %rdi\n" insn "\n"          \
		"1: popq %rdi\npopq %rsi\n" AVX_STORE "ret\n")
AVX_CALL(avx_int80, "int $0x80");
AVX_CALL(avx_syscall, "syscall");
AVX_CALL(avx_sysenter, "leaq 1f(%rip), %r11\nmovq %rsp, %rcx\nsysenter");
long avx_int80(const void *in, void *out, long nr, long arg);
long avx_syscall(const void *in, void *out, long nr, long arg);
long avx_sysenter(const void *in, void *out, long nr, long arg);

static void cpuid(unsigned leaf, unsigned *a, unsigned *b, unsigned *c, unsigned *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

int main(int argc, char **argv)
{
	unsigned a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	if (!(c >> 28 & 1)) {
		printf("uavx: no AVX on this CPU: skipped\n");
		return 0;
	}
	/* The CPU has AVX: the kernel must have turned it on for us. */
	CHECK_EQ(c >> 27 & 1, 1, "CPUID.1:ECX.OSXSAVE (the kernel enabled XSAVE)");
	if (check_failures)
		return check_failures;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	CHECK_EQ(lo & 7, 7, "XCR0 x87|SSE|AVX");
	if (check_failures)
		return check_failures;

	unsigned long seed = argc > 1 ? (unsigned long)atoi(argv[1]) * 0x9E3779B97F4A7C15ul + 1 : 1;
	static unsigned long in[64], out[64];
	struct sysinfo si;
	sys_sysinfo((long)&si);
	long (*const calls[3])(const void *, void *, long, long) = { avx_int80, avx_syscall, avx_sysenter };
	static const char *const names[3] = { "int80", "syscall", "sysenter" };
	for (int round = 0; round < 20; round++) {
		for (int p = 0; p < 3; p++) {
			if (p == 2 && !si.sysenter_ok)
				continue;
			for (int i = 0; i < 64; i++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				in[i] = seed;
			}
			long nr = round & 1 ? SYS_sleep_ns : SYS_yield;
			CHECK_EQ(calls[p](in, out, nr, 500000), 0, "%s call", names[p]);
			for (int r = 0; r < 16; r++)
				CHECK_EQ(memcmp(in + 4 * r, out + 4 * r, 32), 0, "%s round %d: ymm%d", names[p], round, r);
		}
	}
	return check_failures;
}
