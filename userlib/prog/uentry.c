/* The entry paths as a hostile program sees them: register and RFLAGS
 * contents after calls on every path, and forbidden tricks that must kill
 * only this process. usage:
 *   uentry regs        every GPR and flag after calls on each path
 *                      -> exit status = number of failed checks
 *   uentry spin        spins for half a second (a sibling that preempts)
 *   uentry killwait    kills a child sleeping in a loop on each path: it must
 *                      not run user code after its current sleep returns
 *   uentry sleeper P   that child: sleeps and counts on path P, forever
 *   uentry <trick>     one hostile thing (see main); the kernel test expects
 *                      status -1 (killed) or 0 (survived, checks passed) */
#include "check.h"
#include "../sys.h"

/* Everything a call can change; the asm below knows the offsets. */
struct regs {
	unsigned long rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rflags;
};
_Static_assert(sizeof(struct regs) == 128, "asm offsets");

enum { P_INT80, P_SYSCALL, P_SYSENTER, NPATHS };
static const char *const path_names[NPATHS] = { "int80", "syscall", "sysenter" };

/* long regcall_<path>(const struct regs *in, struct regs *out): load every
 * GPR and RFLAGS from in, make the call (sysenter: r11 = return rip and
 * rcx = rsp, its convention), store every GPR and RFLAGS to out. */
#define REGCALL(name, insn)                                                          \
	__asm__(".text\n.global " #name "\n" #name ":\n"                             \
		"pushq %rbx\npushq %rbp\npushq %r12\npushq %r13\npushq %r14\npushq %r15\n" \
		"pushq %rsi\n"                                                       \
		"pushq 120(%rdi)\npopfq\n"                                           \
		"movq 8(%rdi), %rbx\nmovq 16(%rdi), %rcx\nmovq 24(%rdi), %rdx\n"     \
		"movq 32(%rdi), %rsi\nmovq 48(%rdi), %rbp\nmovq 56(%rdi), %r8\n"     \
		"movq 64(%rdi), %r9\nmovq 72(%rdi), %r10\nmovq 80(%rdi), %r11\n"     \
		"movq 88(%rdi), %r12\nmovq 96(%rdi), %r13\nmovq 104(%rdi), %r14\n"   \
		"movq 112(%rdi), %r15\nmovq 0(%rdi), %rax\nmovq 40(%rdi), %rdi\n"    \
		insn "\n"                                                            \
		"1: pushfq\npushq %rdi\nmovq 16(%rsp), %rdi\n"                       \
		"popq 40(%rdi)\npopq 120(%rdi)\n"                                    \
		"movq %rax, 0(%rdi)\nmovq %rbx, 8(%rdi)\nmovq %rcx, 16(%rdi)\n"      \
		"movq %rdx, 24(%rdi)\nmovq %rsi, 32(%rdi)\nmovq %rbp, 48(%rdi)\n"    \
		"movq %r8, 56(%rdi)\nmovq %r9, 64(%rdi)\nmovq %r10, 72(%rdi)\n"      \
		"movq %r11, 80(%rdi)\nmovq %r12, 88(%rdi)\nmovq %r13, 96(%rdi)\n"    \
		"movq %r14, 104(%rdi)\nmovq %r15, 112(%rdi)\n"                       \
		"addq $8, %rsp\npushq $0x202\npopfq\n" /* C code runs with plain flags */ \
		"popq %r15\npopq %r14\npopq %r13\npopq %r12\npopq %rbp\npopq %rbx\nret\n")
REGCALL(regcall_int80, "int $0x80");
REGCALL(regcall_syscall, "syscall");
REGCALL(regcall_sysenter, "leaq 1f(%rip), %r11\nmovq %rsp, %rcx\nsysenter");
long regcall_int80(const struct regs *in, struct regs *out);
long regcall_syscall(const struct regs *in, struct regs *out);
long regcall_sysenter(const struct regs *in, struct regs *out);
static long (*const regcall[NPATHS])(const struct regs *, struct regs *) = {
	regcall_int80, regcall_syscall, regcall_sysenter,
};

#define F_CF 0x1ul
#define F_FIXED 0x2ul
#define F_PF 0x4ul
#define F_AF 0x10ul
#define F_ZF 0x40ul
#define F_SF 0x80ul
#define F_TF 0x100ul
#define F_IF 0x200ul
#define F_DF 0x400ul
#define F_OF 0x800ul
#define F_IOPL 0x3000ul
#define F_NT 0x4000ul
#define F_RF 0x10000ul
#define F_AC 0x40000ul
#define F_ID 0x200000ul
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

static unsigned long rng = 0x9E3779B97F4A7C15ul;
static unsigned long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char buf[4096];
/* A copy-out target with a guard just below it: a backwards copy lands there. */
static struct {
	char guard[512];
	char buf[512];
} sib;

/* One call on path p with every register and the flags in `flags` set;
 * checks the result and every register the user can see. */
static void check_call(int p, unsigned long flags, long nr, long a1, long a2, long a3, long want,
		       const char *what)
{
	struct regs in, out;
	unsigned long *w = (unsigned long *)&in;
	for (int i = 0; i < 15; i++)
		w[i] = next_rand() | 1; /* never 0: a zeroed register shows */
	in.rax = nr;
	in.rdi = a1;
	in.rsi = a2;
	in.rdx = a3;
	in.r10 = 0;
	in.r8 = 0;
	in.r9 = 0;
	in.rflags = flags | F_IF | F_FIXED;
	memset(&out, 0, sizeof(out));
	regcall[p](&in, &out);
	const char *pn = path_names[p];
	CHECK_EQ(out.rax, want, "%s %s flags 0x%lx: result", pn, what, flags);
	const unsigned long *iw = (const unsigned long *)&in, *ow = (const unsigned long *)&out;
	static const char *const names[15] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
					       "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	for (int i = 1; i < 15; i++) {
		bool clobbered = (p == P_SYSCALL && (i == 2 || i == 10)) ||
				 (p == P_SYSENTER && (i == 2 || i == 3 || i == 10));
		/* The fast exits zero the argument registers (and int $0x80's
		 * rcx, r11) rather than restore them: own value or zero. */
		bool zeroed = i == 3 || i == 4 || i == 5 || i == 7 || i == 8 || i == 9 ||
			      (p == P_INT80 && (i == 2 || i == 10));
		if (!clobbered && !(zeroed && ow[i] == 0))
			CHECK_EQ(ow[i], iw[i], "%s %s flags 0x%lx: %s", pn, what, flags, names[i]);
	}
	/* What the user keeps: everything it can set, minus NT (the kernel's
	 * RFLAGS rule takes it off); sysenter may clobber the arithmetic flags. */
	unsigned long want_flags = (in.rflags & ~(F_NT | F_IOPL)) | F_IF;
	unsigned long mask = p == P_SYSENTER ? ~F_ARITH : ~0ul;
	CHECK_EQ(out.rflags & mask, want_flags & mask, "%s %s flags 0x%lx: rflags", pn, what, flags);
	if (p == P_SYSCALL) {
		CHECK_EQ(out.r11, want_flags, "%s %s flags 0x%lx: r11 = rflags", pn, what, flags);
		CHECK_EQ(out.rcx >= 0x400000 && out.rcx < 0x800000, 1, "%s %s: rcx = return rip 0x%lx", pn,
			 what, out.rcx);
	}
	if (p == P_SYSENTER) {
		CHECK_EQ(out.r11 == in.r11 || (out.r11 >= 0x400000 && out.r11 < 0x800000), 1,
			 "%s %s: r11 = return rip 0x%lx", pn, what, out.r11);
		CHECK_EQ(out.rdx == in.rdx || out.rdx == out.r11, 1, "%s %s: rdx 0x%lx", pn, what, out.rdx);
		CHECK_EQ(out.rcx == in.rcx || (out.rcx >> 40) == 0x7f, 1, "%s %s: rcx = rsp 0x%lx", pn, what,
			 out.rcx);
	}
}

/* The flag sets every call is made with: each settable bit alone, all of
 * them together, IOPL (which ring 3 cannot set: popfq ignores it). */
static const unsigned long flag_sets[] = {
	0, F_CF, F_PF, F_AF, F_ZF, F_SF, F_DF, F_OF, F_AC, F_NT, F_ID, F_IOPL,
	F_ARITH | F_DF | F_AC | F_NT | F_ID,
};

static int regs_test(void)
{
	long zfd = sys_open((long)"zero", O_RDONLY), nfd = sys_open((long)"null", O_RDWR);
	struct sysinfo si;
	CHECK_EQ(sys_sysinfo((long)&si), 0, "sysinfo");
	int pid = (int)sys_getpid();
	for (int p = 0; p < NPATHS; p++) {
		if (p == P_SYSENTER && !si.sysenter_ok) {
			printf("uentry: sysenter unsupported on this CPU: skipped\n");
			continue;
		}
		for (unsigned f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
			unsigned long fl = flag_sets[f];
			check_call(p, fl, SYS_null, 0, 0, 0, 0, "null");
			check_call(p, fl, SYS_getpid, 0, 0, 0, pid, "getpid");
			check_call(p, fl, 999, 0, 0, 0, -ENOSYS, "unknown number");
			check_call(p, fl, SYS_write, nfd, 0, 16, -EFAULT, "write(NULL)");
			check_call(p, fl, SYS_write, nfd, (long)buf, sizeof(buf), sizeof(buf), "write(4096)");
			/* A copy out with the caller's DF: the kernel's copy must
			 * still run forwards and leave the guard alone. */
			memset(sib.guard, 0x77, sizeof(sib.guard));
			memset(sib.buf, 0, sizeof(sib.buf));
			check_call(p, fl, SYS_sysinfo, (long)sib.buf, 0, 0, 0, "sysinfo");
			struct sysinfo *got = (struct sysinfo *)sib.buf;
			CHECK_EQ(got->tsc_hz == si.tsc_hz && got->ncpus == si.ncpus && got->sysenter_ok == si.sysenter_ok,
				 1, "%s flags 0x%lx: sysinfo contents", path_names[p], fl);
			for (unsigned i = 0; i < sizeof(sib.guard); i++)
				if (sib.guard[i] != 0x77) {
					CHECK_EQ(sib.guard[i], 0x77, "%s flags 0x%lx: byte %u below the buffer",
						 path_names[p], fl, i);
					break;
				}
			memset(buf, 0x5a, 64);
			check_call(p, fl, SYS_read, zfd, (long)buf, 64, 64, "read(zero)");
			CHECK_EQ(buf[0] | buf[63], 0, "%s: read(zero) contents", path_names[p]);
			check_call(p, fl, SYS_sleep_ns, 200000, 0, 0, 0, "sleep_ns (blocks)");
			check_call(p, fl, SYS_yield, 0, 0, 0, 0, "yield");
		}
		/* Many calls while a sibling spins on this CPU: some of them are
		 * preempted on the way out. */
		for (int i = 0; i < 300; i++)
			check_call(p, flag_sets[i % (sizeof(flag_sets) / sizeof(flag_sets[0]))], SYS_null, 0, 0, 0,
				   0, "null (preemption)");
	}
	sys_close(zfd);
	sys_close(nfd);
	return check_failures;
}

/* int $n for every n, 4 bytes apart: `int_table + 4 * n`. */
__asm__(".text\n.balign 4\n.global int_table\nint_table:\n"
	".set n, 0\n.rept 256\n.balign 4\n.byte 0xcd, n\nret\n.set n, n + 1\n.endr\n");
extern char int_table[];

/* Far transfers and privileged instructions, each a naked asm routine. */
__asm__(".text\n"
	"to_compat: pushq $0x1b\nleaq compat32(%rip), %rax\npushq %rax\nlretq\n"
	".code32\ncompat32: syscall\nint $0x80\nsysenter\nhlt\n.code64\n"
	"farcall_compat: leaq compat32(%rip), %rax\nmovq %rax, farptr(%rip)\nmovw $0x1b, farptr+8(%rip)\n"
	"rex64 lcall *farptr(%rip)\nret\n"
	"to_kernel_cs: pushq $0x08\nleaq 1f(%rip), %rax\npushq %rax\nlretq\n1: ret\n"
	"iret_user: movq %rsp, %rax\npushq $0x23\npushq %rax\npushfq\npushq $0x2b\nleaq 1f(%rip), %rax\n"
	"pushq %rax\niretq\n1: ret\n"
	"iret_kernel: movq %rsp, %rax\npushq $0x10\npushq %rax\npushfq\npushq $0x08\nleaq 1f(%rip), %rax\n"
	"pushq %rax\niretq\n1: ret\n"
	"iret_nt: pushfq\norq $0x4000, (%rsp)\npopfq\nmovq %rsp, %rax\npushq $0x23\npushq %rax\npushfq\n"
	"pushq $0x2b\nleaq 1f(%rip), %rax\npushq %rax\niretq\n1: ret\n"
	/* tf_<path>: TF set on the instruction before the call */
	"tf_int80: movl $0, %eax\npushfq\norq $0x100, (%rsp)\npopfq\nint $0x80\nret\n"
	"tf_syscall: movl $0, %eax\npushfq\norq $0x100, (%rsp)\npopfq\nsyscall\nret\n"
	"tf_sysenter: movl $0, %eax\nleaq 1f(%rip), %r11\nmovq %rsp, %rcx\npushfq\norq $0x100, (%rsp)\n"
	"popfq\nsysenter\n1: ret\n"
	"tf_sysenter_floor: movl $0x3ff, %eax\nleaq 1f(%rip), %r11\nmovq %rsp, %rcx\npushfq\n"
	"orq $0x100, (%rsp)\npopfq\nsysenter\n1: ret\n"
	/* sysenter_to(rip, nr): return to rip; the kernel must refuse */
	"sysenter_to: movq %rsi, %rax\nmovq %rdi, %r11\nmovq %rsp, %rcx\nsysenter\nret\n"
	/* sysenter_rsp(bad_rsp, nr): a non-canonical user rsp, restored after */
	"sysenter_rsp: pushq %r12\nmovq %rsp, %r12\nmovq %rsi, %rax\nmovq %rdi, %rcx\nleaq 1f(%rip), %r11\n"
	"sysenter\n1: movq %r12, %rsp\npopq %r12\nret\n"
	".data\nfarptr: .quad 0, 0\n.text\n");
void to_compat(void), farcall_compat(void), to_kernel_cs(void), iret_user(void), iret_kernel(void),
	iret_nt(void), tf_int80(void), tf_syscall(void), tf_sysenter(void), tf_sysenter_floor(void);
long sysenter_to(long rip, long nr), sysenter_rsp(long rsp, long nr);

#define KILL_SHM_KEY 11

/* The child of killwait: counts its wakeups in shm page KILL_SHM_KEY. */
static int sleeper(int p)
{
	volatile long *page = (volatile long *)sys_shm(KILL_SHM_KEY);
	if ((long)page < 0 || syscall_path_set((enum syscall_path)p))
		return 2;
	for (;;) {
		sys_sleep_ns(200000);
		page[0]++;
	}
}

/* A kill of a process asleep in a call ends it on its way out of that
 * call (or the next): the fast exits see it in the CPU's work word, so the
 * count may grow by at most the one increment under way at the kill. */
static int killwait_test(void)
{
	struct sysinfo si;
	volatile long *page = (volatile long *)sys_shm(KILL_SHM_KEY);
	CHECK_EQ(sys_sysinfo((long)&si), 0, "sysinfo");
	CHECK_EQ((long)page > 0, 1, "shm page");
	if (check_failures)
		return check_failures;
	for (int p = 0; p < NPATHS; p++) {
		if (p == P_SYSENTER && !si.sysenter_ok)
			continue;
		char arg[2] = { (char)('0' + p), 0 };
		char *av[] = { "uentry", "sleeper", arg, 0 };
		page[0] = 0;
		long pid = sys_spawn((long)"uentry", (long)av);
		CHECK_EQ(pid > 0, 1, "%s: spawn", path_names[p]);
		if (pid <= 0)
			continue;
		long t0 = sys_time_ns();
		while (page[0] < 20 && sys_time_ns() - t0 < 2000000000l)
			sys_sleep_ns(1000000);
		CHECK_EQ(page[0] >= 20, 1, "%s: the child ran", path_names[p]);
		CHECK_EQ(sys_kill(pid), 0, "%s: kill", path_names[p]);
		long at_kill = page[0];
		int st = 0;
		CHECK_EQ(sys_wait(pid, (long)&st), pid, "%s: wait", path_names[p]);
		CHECK_EQ(st, -1, "%s: killed status", path_names[p]);
		CHECK_EQ(page[0] - at_kill <= 1, 1, "%s: %ld wakeups counted after the kill", path_names[p],
			 page[0] - at_kill);
	}
	return check_failures;
}

/* Calls on every path still behave after a trick that is allowed. */
static int still_works(void)
{
	for (int p = 0; p < NPATHS; p++) {
		struct sysinfo si;
		if (sys_sysinfo((long)&si) || (p == P_SYSENTER && !si.sysenter_ok))
			continue;
		check_call(p, 0, SYS_getpid, 0, 0, 0, sys_getpid(), "after the trick");
	}
	return check_failures;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 100;
	const char *k = argv[1];
	if (!strcmp(k, "regs"))
		return regs_test();
	if (!strcmp(k, "killwait"))
		return killwait_test();
	if (!strcmp(k, "sleeper") && argc > 2)
		return sleeper(atoi(argv[2]));
	if (!strcmp(k, "spin")) {
		long end = sys_time_ns() + 500000000l;
		while (sys_time_ns() < end)
			;
		return 0;
	}
	if (!strncmp(k, "int", 3) && k[3] >= '0' && k[3] <= '9') {
		((void (*)(void))(int_table + 4 * atoi(k + 3)))();
		return 0;
	}
	if (!strcmp(k, "compat"))
		to_compat();
	if (!strcmp(k, "farcall-compat"))
		farcall_compat();
	if (!strcmp(k, "kernel-cs"))
		to_kernel_cs();
	if (!strcmp(k, "iret-kernel"))
		iret_kernel();
	if (!strcmp(k, "iret-nt"))
		iret_nt();
	if (!strcmp(k, "iret-user")) {
		iret_user();
		return still_works();
	}
	if (!strcmp(k, "tf-int80"))
		tf_int80();
	if (!strcmp(k, "tf-syscall"))
		tf_syscall();
	if (!strcmp(k, "tf-sysenter"))
		tf_sysenter();
	if (!strcmp(k, "tf-sysenter-floor"))
		tf_sysenter_floor();
	if (!strcmp(k, "icebp"))
		__asm__ volatile(".byte 0xf1");
	if (!strcmp(k, "swapgs"))
		__asm__ volatile("swapgs");
	if (!strcmp(k, "wrgsbase"))
		__asm__ volatile("wrgsbase %0" ::"r"(0xffff800000000000ul));
	if (!strcmp(k, "rdmsr"))
		__asm__ volatile("rdmsr" ::"c"(0xC0000101) : "eax", "edx");
	if (!strcmp(k, "sysret"))
		__asm__ volatile("sysretq");
	if (!strcmp(k, "sysexit"))
		__asm__ volatile("sysexitq");
	if (!strcmp(k, "sgdt")) {
		struct { unsigned short lim; unsigned long base; } __attribute__((packed)) d;
		__asm__ volatile("sgdt %0" : "=m"(d));
		return 0;
	}
	if (!strcmp(k, "smsw")) {
		unsigned long v;
		__asm__ volatile("smsw %0" : "=r"(v));
		return 0;
	}
	if (!strcmp(k, "sysenter-rip-noncanonical"))
		sysenter_to(0x0000800000000000l, SYS_null);
	if (!strcmp(k, "sysenter-rip-kernel"))
		sysenter_to(0xFFFFFFFF80100000l, SYS_null);
	if (!strcmp(k, "sysenter-floor-rip-noncanonical"))
		sysenter_to(0x8000000000000000l, SYS_FLOOR);
	if (!strcmp(k, "sysenter-rsp-noncanonical")) {
		CHECK_EQ(sysenter_rsp(0x0000800000000000l, SYS_getpid), sys_getpid(), "getpid");
		CHECK_EQ(sysenter_rsp(0x8000000000000000l, SYS_null), 0, "null");
		CHECK_EQ(sysenter_rsp(0x0000800000000000l, SYS_FLOOR), -ENOSYS, "floor");
		return still_works();
	}
	/* Two of these on CPU 0 at once: each keeps its own data selectors
	 * across switches and never sees the other's. */
	if (!strcmp(k, "seg-hold") || !strcmp(k, "seg-watch")) {
		unsigned short want = k[4] == 'h' ? 0x23 : 0;
		CHECK_EQ(sys_setaffinity(0, 1), 0, "pin to CPU 0");
		if (want)
			__asm__ volatile("movw %w0, %%ds\nmovw %w0, %%es\nmovw %w0, %%fs\nmovw %w0, %%gs" ::"r"(want));
		for (int i = 0; i < 300; i++) {
			unsigned short ds, es, fs, gs;
			sys_yield();
			__asm__ volatile("movw %%ds, %0\nmovw %%es, %1\nmovw %%fs, %2\nmovw %%gs, %3"
					 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
			CHECK_EQ(ds | es << 16 | (long)fs << 32 | (long)gs << 48,
				 want | want << 16 | (long)want << 32 | (long)want << 48, "%s: ds es fs gs", k);
			if (check_failures)
				break;
		}
		return check_failures;
	}
	/* Segment registers: null and the user data selector are allowed. */
	if (!strcmp(k, "seg-null")) {
		__asm__ volatile("movw %w0, %%ds\nmovw %w0, %%es\nmovw %w0, %%fs\nmovw %w0, %%gs" ::"r"(0));
		return still_works();
	}
	if (!strcmp(k, "seg-user")) {
		__asm__ volatile("movw %w0, %%ds\nmovw %w0, %%es\nmovw %w0, %%fs\nmovw %w0, %%gs\nmovw %w0, %%ss" ::"r"(0x23));
		return still_works();
	}
	if (!strcmp(k, "seg-kernel-ds"))
		__asm__ volatile("movw %w0, %%ds" ::"r"(0x10));
	if (!strcmp(k, "seg-kernel-code-gs"))
		__asm__ volatile("movw %w0, %%gs" ::"r"(0x08));
	if (!strcmp(k, "seg-null-ss"))
		__asm__ volatile("movw %w0, %%ss" ::"r"(0));
	if (!strcmp(k, "seg-compat-fs"))
		__asm__ volatile("movw %w0, %%fs" ::"r"(0x1b));
	if (!strcmp(k, "seg-tss"))
		__asm__ volatile("movw %w0, %%ds" ::"r"(0x3b));
	return 101; /* survived something that should have killed it */
}
