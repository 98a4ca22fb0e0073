/* The fast system-call MSRs and control registers of each CPU, what this
 * CPU model allows, and the C side of every system call entry. */
#include "cpu.h"
#include "percpu.h"
#include "segments.h"
#include "trapframe.h"
#include "../../smp.h"
#include "../../mm.h"
#include "../../proc.h"
#include "../../syscall.h"
#include "../../trap.h"
#include "../../console.h"
#include "../../test.h"
#include "../../vm.h"
#include "../../abi/errno.h"
#include "layout.h"

#define XCR0_X87 1
#define XCR0_SSE 2
#define XCR0_AVX 4

void entry_syscall(void);
void entry_syscall_pti(void);
void entry_syscall_compat(void);
void entry_sysenter(void);
void entry_sysenter_pti(void);

bool sysenter_ok;
char cpu_vendor[13], cpu_model[49];
static bool has_rdtscp, has_smep, has_umip;
bool fpu_xsave;   /* fpu_save/fpu_restore use xsave/xrstor */
static u64 fpu_xcr0; /* the state components they cover */
bool smap_on;

/* AMD (and Hygon) CPUs raise #UD for sysenter in long mode; Intel's allow it. */
void cpu_identify(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(cpu_vendor, &b, 4);
	memcpy(cpu_vendor + 4, &d, 4);
	memcpy(cpu_vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	bool sep = (d >> 11) & 1;
	fpu_xsave = (c >> 26) & 1;
	fpu_xcr0 = fpu_xsave ? XCR0_X87 | XCR0_SSE | ((c >> 28) & 1 ? XCR0_AVX : 0) : 0;
	sysenter_ok = sep && strcmp(cpu_vendor, "AuthenticAMD") && strcmp(cpu_vendor, "HygonGenuine");
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000004)
		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, (u32 *)(cpu_model + 16 * i), (u32 *)(cpu_model + 16 * i + 4),
			      (u32 *)(cpu_model + 16 * i + 8), (u32 *)(cpu_model + 16 * i + 12));
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		has_rdtscp = (d >> 27) & 1;
	}
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		has_smep = (b >> 7) & 1;
		smap_on = (b >> 20) & 1;
		has_umip = (c >> 2) & 1;
	}
	kprintf("cpu: SMEP %s, SMAP %s, UMIP %s, user FPU state by %s%s\n", has_smep ? "on" : "absent",
		smap_on ? "on" : "absent", has_umip ? "on" : "absent", fpu_xsave ? "xsave" : "fxsave",
		fpu_xcr0 & XCR0_AVX ? " (x87, SSE, AVX)" : " (x87, SSE)");
}

/* XCR0 on this CPU (after CR4.OSXSAVE). AVX only if its state fits the
 * thread's FPU_AREA_SIZE bytes; the BSP decides, the APs follow. */
static void fpu_init_cpu(void)
{
	if (!fpu_xsave)
		return;
	xsetbv(0, fpu_xcr0);
	u32 a, size, c, d;
	cpuid(0xD, 0, &a, &size, &c, &d);
	if (size > FPU_AREA_SIZE) {
		fpu_xcr0 = XCR0_X87 | XCR0_SSE;
		xsetbv(0, fpu_xcr0);
	}
}

/* CR0 and CR4 set whole, every bit chosen: caches on (CD, NW clear), x87
 * errors as exceptions (NE), write protection in ring 0 (WP), SSE for user
 * code (MP, OSFXSR, OSXMMEXCPT; EM, TS clear), machine checks (MCE), paging
 * as mmu.c chose it (PAE, PGE, PCIDE), and SMEP, SMAP and UMIP where the CPU
 * has them. Everything else (VME, PVI, TSD, DE, FSGSBASE, ...) off. */
static void cpu_control_init(void)
{
	write_cr0(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
	u64 cr4 = (read_cr4() & (CR4_PAE | CR4_PGE | CR4_PCIDE)) | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (has_smep)
		cr4 |= CR4_SMEP;
	if (smap_on)
		cr4 |= CR4_SMAP;
	if (has_umip)
		cr4 |= CR4_UMIP;
	if (fpu_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	fpu_init_cpu();
}

void sysentry_init_cpu(void)
{
	struct cpu *cpu = this_cpu();
	cpu_control_init();
	wrmsr(MSR_STAR, ((u64)GDT_UCODE32 << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, pti_on ? (u64)entry_syscall_pti : (u64)entry_syscall);
	wrmsr(MSR_CSTAR, (u64)entry_syscall_compat);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	if (sysenter_ok) {
		wrmsr(MSR_SYSENTER_CS, GDT_KCODE);
		wrmsr(MSR_SYSENTER_ESP, (u64)cpu->sysenter_stack + sizeof(cpu->sysenter_stack));
		wrmsr(MSR_SYSENTER_EIP, pti_on ? (u64)entry_sysenter_pti : (u64)entry_sysenter);
	}
	if (has_rdtscp)
		wrmsr(MSR_TSC_AUX, cpu->id);
}

void hypervisor_name(char *buf, size_t n)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)) || n < 13) {
		strncpy0(buf, "none", n);
		return;
	}
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	memcpy(buf, &b, 4);
	memcpy(buf + 4, &c, 4);
	memcpy(buf + 8, &d, 4);
	buf[12] = 0;
}

static bool user_addr(u64 a) { return a >> 47 == 0; }
/* The syscall floor sysrets to rcx unchecked: the instruction after a
 * syscall is at most USER_TOP, still canonical. */
_Static_assert(USER_TOP <= (1ul << 47) - PAGE_SIZE, "syscall return rip canonical");

/*
 * The slow path of int $0x80, syscall and sysenter (entry.S), with the whole
 * frame saved, entered with interrupts off, DF, TF, AC and NT clear, and the
 * user's own RFLAGS in tf->rflags: keeps of those only RFLAGS_USER (plus
 * IF), runs the call with interrupts on, and returns for iretq. A call from
 * compatibility mode or one asking to return outside user space kills the
 * process.
 */
void syscall_entry(struct trapframe *tf)
{
	tf->rflags = (tf->rflags & RFLAGS_USER) | RFLAGS_IF | RFLAGS_FIXED;
	irq_enable();
	if (likely(tf->cs == USER_CS && user_addr(tf->rip))) {
		syscall_dispatch(tf);
	} else {
		if (tf->cs != USER_CS)
			proc_kill_self("system call from 32-bit mode (rip 0x%lx)", tf->rip);
		else
			proc_kill_self("system call returning to rip 0x%lx, outside user space", tf->rip);
		trap_return_to_user(); /* does not return */
	}
	irq_disable();
}

/*
 * The exit work of a fast system call (entry.S), when this CPU's work word
 * is not zero: entered and left with interrupts off. The killed byte is
 * cleared first, then the process's own flag decides (trap_return_to_user):
 * a kill stored after that look sets the byte again (sched_note_kill).
 */
void syscall_work(void)
{
	this_cpu()->killed = false;
	mfence();
	irq_enable();
	trap_return_to_user();
	irq_disable();
}

KTEST(entry_syscall_table_has_no_holes)
{
	KEXPECT_EQ(syscall_count, (u64)SYS_COUNT);
	for (u64 i = 0; i < syscall_count; i++)
		KEXPECT(syscall_table[i] != 0);
}

KTEST(entry_control_registers_and_msrs)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();
	KEXPECT_EQ(cr0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG); /* CD, NW, EM, TS, AM clear */
	KEXPECT(cr4 & CR4_MCE);
	KEXPECT(cr4 & CR4_OSFXSR);
	KEXPECT(cr4 & CR4_OSXMMEXCPT);
	KEXPECT_EQ(!!(cr4 & CR4_SMEP), has_smep);
	KEXPECT_EQ(!!(cr4 & CR4_SMAP), smap_on);
	KEXPECT_EQ(!!(cr4 & CR4_UMIP), has_umip);
	KEXPECT_EQ(!!(cr4 & CR4_OSXSAVE), fpu_xsave);
	KEXPECT_EQ(cr4 & (1ul << 16), 0); /* FSGSBASE off: a user GS base stays in the lower half */
	KEXPECT_EQ(rdmsr(MSR_FMASK), SYSCALL_FMASK);
	KEXPECT_EQ(rdmsr(MSR_CSTAR), (u64)entry_syscall_compat);
	KEXPECT_EQ(this_cpu()->gdt[GDT_UCODE32 / 8], 0);
}

KTEST(entry_smap_stops_plain_kernel_reads_of_user_memory)
{
	u64 pages = pmm_free_pages();
	struct addrspace *as = as_create();
	KEXPECT(as && !vm_map_zero(as, USER_BASE, PAGE_SIZE, VM_WRITE));
	if (!as)
		return;
	u64 v = 1, w = 1;
	irq_disable(); /* no switch may drop the test's address space */
	as_switch(as);
	long plain = probe_read_u64((const u64 *)USER_BASE, &v);
	long copy = copy_user_raw(&w, (const void *)USER_BASE, sizeof(w));
	as_switch(0);
	irq_enable();
	KEXPECT_EQ(plain, smap_on ? -EFAULT : 0); /* a kernel read outside stac/clac */
	KEXPECT_EQ(copy, 0);                       /* the user copy, inside them */
	KEXPECT_EQ(w, 0);
	as_destroy(as);
	KEXPECT_EQ(pmm_free_pages(), pages);
}

KTEST(entry_registers_and_flags_every_path)
{
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	int spinner = ktest_spawn_user("uentry", "spin"); /* preempts some of the calls */
	KEXPECT_EQ(ktest_run_user("uentry", "regs"), 0);
	KEXPECT_EQ(ktest_wait_user(spinner), 0);
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

KTEST(entry_kill_ends_a_sleeping_caller_on_its_way_out)
{
	u64 heap = kmalloc_bytes_in_use(); /* (its shm page stays, as every shm page does) */
	KEXPECT_EQ(ktest_run_user("uentry", "killwait"), 0);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

KTEST(entry_hostile_tricks_kill_only_the_offender)
{
	static const struct {
		const char *trick;
		/* -1: killed; 0: allowed, and its calls still work; -2: killed iff UMIP;
		 * -3: either (QEMU 7.2's TCG pops a ring-3 iretq's frame as supervisor
		 * accesses, which SMAP refuses: the process dies, the kernel is fine) */
		int status;
	} cases[] = {
		{ "compat", -1 }, { "farcall-compat", -1 }, { "kernel-cs", -1 }, { "iret-kernel", -1 },
		{ "iret-nt", -1 }, { "iret-user", -3 }, { "tf-int80", -1 }, { "tf-syscall", -1 },
		{ "tf-sysenter", -1 }, { "tf-sysenter-floor", -1 }, { "icebp", -1 }, { "swapgs", -1 }, { "wrgsbase", -1 },
		{ "rdmsr", -1 }, { "sysret", -1 }, { "sysexit", -1 },
		{ "sysenter-rip-noncanonical", -1 }, { "sysenter-rip-kernel", -1 },
		{ "sysenter-floor-rip-noncanonical", -1 }, { "sysenter-rsp-noncanonical", 0 },
		{ "seg-null", 0 }, { "seg-user", 0 }, { "seg-kernel-ds", -1 }, { "seg-kernel-code-gs", -1 },
		{ "seg-null-ss", -1 }, { "seg-compat-fs", -1 }, { "seg-tss", -1 },
		{ "int0", -1 }, { "int1", -1 }, { "int2", -1 }, { "int3", -1 }, { "int4", -1 }, { "int8", -1 },
		{ "int13", -1 }, { "int14", -1 }, { "int18", -1 }, { "int32", -1 }, { "int33", -1 },
		{ "int127", -1 }, { "int129", -1 }, { "int240", -1 }, { "int241", -1 }, { "int255", -1 },
		{ "sgdt", -2 }, { "smsw", -2 },
	};
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *t = cases[i].trick;
		if (!sysenter_ok && (!strncmp(t, "sysenter", 8) || !strncmp(t, "tf-sysenter", 11)))
			continue;
		int want = cases[i].status == -2 ? (has_umip ? -1 : 0) : cases[i].status;
		int st = ktest_run_user("uentry", cases[i].trick);
		if (st != want && !(want == -3 && (st == 0 || st == -1)))
			ktest_fail(__FILE__, __LINE__, "uentry %s: status %d, want %d", cases[i].trick, st, want);
	}
	KEXPECT_EQ(ktest_run_user("utrue", "7"), 7); /* and the kernel goes on */
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

KTEST(entry_user_selectors_stay_with_their_thread)
{
	int a = ktest_spawn_user("uentry", "seg-hold");
	int b = ktest_spawn_user("uentry", "seg-watch");
	KEXPECT_EQ(ktest_wait_user(a), 0);
	KEXPECT_EQ(ktest_wait_user(b), 0);
}

KTEST(entry_avx_state_survives_switches)
{
	int a = ktest_spawn_user("uavx", "1");
	int b = ktest_spawn_user("uavx", "2");
	KEXPECT_EQ(ktest_wait_user(a), 0);
	KEXPECT_EQ(ktest_wait_user(b), 0);
}
