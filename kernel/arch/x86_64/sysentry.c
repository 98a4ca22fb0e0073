/* The fast system-call MSRs of each CPU, and what this CPU model allows. */
#include "cpu.h"
#include "percpu.h"
#include "segments.h"
#include "../../smp.h"
#include "../../mm.h"
#include "../../syscall.h"

void entry_syscall(void);
void entry_sysenter(void);

bool sysenter_ok;
char cpu_vendor[13], cpu_model[49];
static bool has_rdtscp;

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
}

void sysentry_init_cpu(void)
{
	struct cpu *cpu = this_cpu();
	wrmsr(MSR_STAR, ((u64)GDT_UCODE32 << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)entry_syscall);
	wrmsr(MSR_FMASK, 0x40700); /* clear AC, DF, IF, TF on entry */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	if (sysenter_ok) {
		wrmsr(MSR_SYSENTER_CS, GDT_KCODE);
		wrmsr(MSR_SYSENTER_ESP, (u64)cpu->sysenter_stack + sizeof(cpu->sysenter_stack));
		wrmsr(MSR_SYSENTER_EIP, (u64)entry_sysenter);
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
