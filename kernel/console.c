/* The console: whole-message output under one lock, and a ring of input
 * bytes filled by the serial interrupt, read by one blocked reader. */
#include "console.h"
#include "spinlock.h"
#include "sched.h"
#include "param.h"
#include "poll.h"
#include "abi/syscall.h"

static struct spinlock out_lock = SPINLOCK_INIT("console out");
static struct spinlock in_lock = SPINLOCK_INIT("console in");
static struct waitq in_wait = WAITQ_INIT(in_wait);
static char in_buf[CONSOLE_INPUT_SIZE];
static u32 in_head, in_tail; /* head: next to read; tail: next to write */
static struct list in_pollers = LIST_INIT(in_pollers);

static void emit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	spin_lock(&out_lock);
	emit(s, n);
	spin_unlock(&out_lock);
}

void vkprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

void console_panic_takeover(void)
{
	/* The holder has been stopped by NMI: it will never release it. */
	out_lock.cpu = -1;
	__atomic_store_n(&out_lock.owner, out_lock.next, __ATOMIC_RELEASE);
}

void console_input(char c)
{
	spin_lock(&in_lock);
	if (in_tail - in_head < CONSOLE_INPUT_SIZE)
		in_buf[in_tail++ % CONSOLE_INPUT_SIZE] = c == '\r' ? '\n' : c;
	poll_wake(&in_pollers);
	spin_unlock(&in_lock);
	waitq_wake_all(&in_wait);
}

long console_read(char *buf, size_t n)
{
	spin_lock(&in_lock);
	while (in_head == in_tail) {
		if (!waitq_sleep(&in_wait, &in_lock)) {
			spin_unlock(&in_lock);
			return -4; /* -EINTR: killed while waiting */
		}
	}
	size_t got = 0;
	while (got < n && in_head != in_tail) {
		char c = in_buf[in_head++ % CONSOLE_INPUT_SIZE];
		buf[got++] = c;
		if (c == '\n')
			break;
	}
	spin_unlock(&in_lock);
	return (long)got;
}

unsigned console_poll(struct poll_table *pt)
{
	spin_lock(&in_lock);
	poll_add(pt, &in_lock, &in_pollers);
	unsigned mask = in_head != in_tail ? POLLIN : 0;
	spin_unlock(&in_lock);
	return mask;
}
