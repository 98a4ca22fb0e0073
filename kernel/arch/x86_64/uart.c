/* 16550 UART on COM1: polled output, interrupt-driven input. */
#include "cpu.h"
#include "../../console.h"
#include "ports.h"

/* Program 115200 8N1 with FIFOs; the receive interrupt is enabled later. */
void uart_init(void)
{
	outb(COM1 + 1, 0x00);  /* no interrupts yet */
	outb(COM1 + 3, 0x80);  /* DLAB */
	outb(COM1 + 0, 0x01);  /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);  /* 8N1 */
	outb(COM1 + 2, 0xC7);  /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x0B);  /* DTR, RTS, OUT2 (routes the IRQ) */
}

/* Send one byte, waiting for room in the transmit holding register. */
void uart_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		cpu_relax();
	outb(COM1, (u8)c);
}

/* Turn on the receive interrupt (IRQ 4), once the IOAPIC routes it. */
void uart_enable_rx_irq(void)
{
	outb(COM1 + 1, 0x01);
}

/* Drain every received byte into the console input queue (IRQ context). */
void uart_irq(void)
{
	while (inb(COM1 + 5) & 0x01)
		console_input((char)inb(COM1));
}
