/* The legacy 8259 PIC pair. Firmware (SeaBIOS, Bochs' BIOS) leaves it
 * programmed with IRQ 0-7 on vectors 8-15, the exception vectors, and the PIT
 * running on IRQ 0. exless routes interrupts through the LAPIC and the IOAPIC
 * only: the PIC is reinitialised onto VEC_PIC_BASE, as Linux does, so that an
 * interrupt slipping through can never look like an exception, then every line
 * is masked. The LAPIC's LINT0 (ExtINT) is masked too (lapic_init). */
#include "cpu.h"
#include "pic.h"
#include "../../console.h"
#include "../../test.h"
#include "../../trap.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

volatile u64 pic_spurious;

/* A write to port 0x80 gives an old PIC time to take the previous one. */
static void pic_out(u16 port, u8 v)
{
	outb(port, v);
	outb(0x80, 0);
}

/* Nothing is wired to the PIC: anything on its vectors is counted, not run.
 * It cannot be in service at the LAPIC, so trap()'s EOI finds nothing to end. */
static void pic_irq(struct trapframe *tf)
{
	(void)tf;
	__atomic_add_fetch(&pic_spurious, 1, __ATOMIC_RELAXED);
}

/* ICW1-4 (edge, cascade, 8086 mode) with the new vector bases, then mask all. */
void pic_disable(void)
{
	pic_out(PIC1_DATA, 0xFF);
	pic_out(PIC2_DATA, 0xFF);
	pic_out(PIC1_CMD, 0x11);
	pic_out(PIC2_CMD, 0x11);
	pic_out(PIC1_DATA, VEC_PIC_BASE);
	pic_out(PIC2_DATA, VEC_PIC_BASE + 8);
	pic_out(PIC1_DATA, 1 << 2); /* slave on IRQ 2 */
	pic_out(PIC2_DATA, 2);      /* slave identity */
	pic_out(PIC1_DATA, 0x01);
	pic_out(PIC2_DATA, 0x01);
	pic_out(PIC1_DATA, 0xFF);
	pic_out(PIC2_DATA, 0xFF);
	for (int v = VEC_PIC_BASE; v < VEC_PIC_BASE + 16; v++)
		irq_register(v, pic_irq);
}

KTEST(pic_masked_and_off_the_exception_vectors)
{
	KEXPECT_EQ(inb(PIC1_DATA), 0xFF);
	KEXPECT_EQ(inb(PIC2_DATA), 0xFF);
	/* An interrupt on a PIC vector is counted and the machine goes on. */
	u64 before = pic_spurious;
	__asm__ volatile("int %0" ::"i"(VEC_PIC_BASE + 7));
	KEXPECT_EQ(pic_spurious, before + 1);
}
