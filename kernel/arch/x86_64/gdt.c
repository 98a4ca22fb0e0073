/* GDT, TSS and GS base for each CPU. */
#include "cpu.h"
#include "percpu.h"
#include "segments.h"

struct cpu cpus[MAX_CPUS];
int ncpus;

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

#define SEG_CODE64(dpl) (0x00AF9A0000000000ul | ((u64)(dpl) << 45))
#define SEG_DATA(dpl) (0x00CF920000000000ul | ((u64)(dpl) << 45) | 0xFFFF)

void cpu_init(struct cpu *c)
{
	c->self = c;
	c->gdt[0] = 0;
	c->gdt[GDT_KCODE / 8] = SEG_CODE64(0);
	c->gdt[GDT_KDATA / 8] = SEG_DATA(0);
	c->gdt[GDT_UCODE32 / 8] = 0; /* STAR's slot only: no 32-bit user mode */
	c->gdt[GDT_UDATA / 8] = SEG_DATA(3);
	c->gdt[GDT_UCODE / 8] = SEG_CODE64(3);
	c->gdt[GDT_UDATA_SYSEXIT / 8] = SEG_DATA(3);

	u64 base = (u64)&c->tss, limit = sizeof(c->tss) - 1;
	c->gdt[GDT_TSS / 8] = limit | ((base & 0xFFFFFF) << 16) | (0x89ul << 40) | (((base >> 24) & 0xFF) << 56);
	c->gdt[GDT_TSS / 8 + 1] = base >> 32;
	for (int i = 0; i < IST_COUNT; i++)
		c->tss.ist[i] = (u64)c->ist_stack[i] + IST_STACK_SIZE;
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap: ring 3 gets no ports */

	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(c->gdt) - 1, (u64)c->gdt };
	__asm__ volatile("lgdt %0\n"
			 "pushq %1\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1:\n"
			 "movw %w2, %%ds\n"
			 "movw %w2, %%es\n"
			 "movw %w2, %%ss\n"
			 "xorl %%eax, %%eax\n"
			 "movw %%ax, %%fs\n"
			 "movw %%ax, %%gs\n"
			 "ltr %w3\n"
			 :
			 : "m"(gdtr), "i"((u64)GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
