/* Thin wrappers over x86-64 instructions, for C code under kernel/arch/x86_64. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_TSC_AUX 0xC0000103
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_APIC_BASE 0x1B
#define MSR_CSTAR 0xC0000083

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)

#define RFLAGS_CF (1 << 0)
#define RFLAGS_FIXED (1 << 1)   /* always 1 */
#define RFLAGS_PF (1 << 2)
#define RFLAGS_AF (1 << 4)
#define RFLAGS_ZF (1 << 6)
#define RFLAGS_SF (1 << 7)
#define RFLAGS_TF (1 << 8)
#define RFLAGS_IF (1 << 9)
#define RFLAGS_DF (1 << 10)
#define RFLAGS_OF (1 << 11)
#define RFLAGS_IOPL (3 << 12)
#define RFLAGS_NT (1 << 14)
#define RFLAGS_RF (1 << 16)
#define RFLAGS_AC (1 << 18)
#define RFLAGS_ID (1 << 21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)
/* What a user program keeps across a system call: the arithmetic flags, TF,
 * DF, AC and ID. Never IOPL, NT, RF, VM or the virtual-interrupt bits. */
#define RFLAGS_USER (RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_ID)
/* Cleared by the CPU on syscall: TF, IF, DF, IOPL, NT, AC (as on sysenter,
 * where the entry clears them itself). */
#define SYSCALL_FMASK (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)

#ifndef __ASSEMBLER__
#include "../../types.h"
#include "layout.h"

#define CR0_PE (1ul << 0)
#define CR0_MP (1ul << 1)
#define CR0_ET (1ul << 4)
#define CR0_NE (1ul << 5)
#define CR0_WP (1ul << 16)
#define CR0_PG (1ul << 31)
#define CR4_MCE (1ul << 6)
#define CR4_PAE (1ul << 5)
#define CR4_PGE (1ul << 7)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_UMIP (1ul << 11)
#define CR4_PCIDE (1ul << 17)
#define CR4_OSXSAVE (1ul << 18)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u64 v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

static inline void invlpg(u64 va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

static inline u64 read_rflags(void)
{
	u64 f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f)::"memory");
	return f;
}

static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Enable interrupts and halt as one step: a wakeup IPI can't slip between. */
static inline void irq_enable_and_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline u64 rdtsc_serialized(void)
{
	u32 lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

static inline u64 rdtscp(u32 *aux)
{
	u32 lo, hi, c;
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c)::"memory");
	if (aux)
		*aux = c;
	return ((u64)hi << 32) | lo;
}

/* User FPU state: xsave (x87, SSE, AVX as XCR0 allows) where the CPU has
 * XSAVE, fxsave otherwise. area: FPU_AREA_SIZE bytes, 64-byte aligned. */
extern bool fpu_xsave;
static inline void fpu_save(u8 *area)
{
	if (fpu_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}
static inline void fpu_restore(const u8 *area)
{
	if (fpu_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}
/* The power-on state: all x87/SSE exceptions masked, every register zero
 * (an all-zero xsave header: AVX and the rest in their initial state). */
static inline void fpu_init_state(u8 *area)
{
	for (int i = 0; i < FPU_AREA_SIZE; i++)
		area[i] = 0;
	*(u16 *)area = 0x37F;           /* FCW */
	*(u32 *)(area + 24) = 0x1F80;   /* MXCSR */
}
/* The data selectors a user thread may have loaded: DS, ES, FS, GS (their
 * bases are 0: GDT descriptors, no FSGSBASE), so that no thread sees
 * another's. The kernel uses none of them; GS is loaded with the user's GS
 * base swapped in, so the kernel's per-CPU base stays. Interrupts off. */
static inline void user_segs_save(u16 s[4])
{
	__asm__ volatile("movw %%ds, %0\n movw %%es, %1\n movw %%fs, %2\n movw %%gs, %3"
			 : "=m"(s[0]), "=m"(s[1]), "=m"(s[2]), "=m"(s[3]));
}
static inline void user_segs_load(const u16 s[4])
{
	u16 now[4];
	user_segs_save(now);
	if (now[0] == s[0] && now[1] == s[1] && now[2] == s[2] && now[3] == s[3])
		return;
	__asm__ volatile("movw %0, %%ds\n movw %1, %%es\n movw %2, %%fs\n swapgs\n movw %3, %%gs\n swapgs"
			 ::"r"(s[0]), "r"(s[1]), "r"(s[2]), "r"(s[3]) : "memory");
}
static inline void xsetbv(u32 reg, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void mfence(void) { __asm__ volatile("mfence" ::: "memory"); }

/* Decrement *p by one instruction, which an interrupt on this CPU cannot
 * split (no lock: other CPUs may not write *p), and return whether it
 * reached zero. */
static inline bool local_dec_and_test(u64 *p)
{
	bool zero;
	__asm__ volatile("decq %0" : "+m"(*p), "=@ccz"(zero));
	return zero;
}

/* SMAP: set where the CPU has it; entry.S then brackets each user copy with
 * stac/clac and clears AC on every entry. */
extern bool smap_on;
#endif

#endif
