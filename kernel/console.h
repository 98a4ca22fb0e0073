/* The console: kprintf output on the serial port, and the input queue. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "types.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print a whole message atomically: never interleaved with another CPU's. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char *fmt, va_list ap);
/* Raw bytes to the console, under the same lock as kprintf. */
void console_write(const char *s, size_t n);
/* Take the console for the panicking CPU, whoever held it. */
void console_panic_takeover(void);
/* One received byte (serial IRQ); wakes a blocked reader. */
void console_input(char c);
/* Block until input arrives; copy up to n bytes into the kernel buffer. */
long console_read(char *buf, size_t n);
struct poll_table;
/* POLLIN when input is waiting; hooks pt onto the input's pollers. */
unsigned console_poll(struct poll_table *pt);

void uart_init(void);
void uart_putc(char c);
void uart_enable_rx_irq(void);
void uart_irq(void);

#endif
