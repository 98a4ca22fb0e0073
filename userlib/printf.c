/*
 * Formatted output: %d %i %u %x %X %p %s %c %%, length modifiers l, ll and
 * z, flags '-' and '0', a field width and a precision (either may be '*').
 *
 * fd 1 is line-buffered so that each line leaves in one write() and lines of
 * different processes do not interleave on the console. Output still in the
 * buffer when a program ends is lost unless it ends with exit() or calls
 * printf_flush() first.
 */
#include "libc.h"
#include "sys.h"

#define STDOUT_BUF 1024 /* longest line that still leaves in one write */
#define CHUNK 256       /* formatting buffer on the caller's stack */

/* Where formatted bytes go: a buffer, drained when full (or truncated if there
 * is no drain). */
struct sink {
	char *buf;
	size_t cap;                     /* bytes buf holds */
	size_t len;                     /* bytes in buf now */
	size_t total;                   /* bytes produced: the return value */
	void (*drain)(struct sink *s);  /* empties buf; NULL: drop what overflows */
	int fd;                         /* for drain_fd */
};

/* A conversion's flags, width and precision. */
struct spec {
	bool left;  /* '-': pad on the right */
	bool zero;  /* '0': pad numbers with zeros */
	int width;
	int prec;   /* -1: none */
};

/* Sends n bytes to s. */
static void emit(struct sink *s, const char *p, size_t n)
{
	s->total += n;
	while (n > 0) {
		size_t k;

		if (s->len == s->cap) {
			if (!s->drain)
				return;
			s->drain(s);
		}
		k = s->cap - s->len < n ? s->cap - s->len : n;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		p += k;
		n -= k;
	}
}

/* Sends n copies of c to s. */
static void pad(struct sink *s, char c, int n)
{
	for (; n > 0; n--)
		emit(s, &c, 1);
}

/* Formats v in base with an optional prefix ("-" or "0x") per sp. */
static void put_number(struct sink *s, const struct spec *sp, unsigned long long v, unsigned int base,
		       bool upper, const char *prefix)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24], *p = digits + sizeof(digits);
	int ndigits, zeros, plen = strlen(prefix), body, spaces;

	/* C: a zero with precision 0 prints no digits. */
	if (v != 0 || sp->prec != 0) {
		do {
			*--p = set[v % base];
			v /= base;
		} while (v);
	}
	ndigits = digits + sizeof(digits) - p;
	zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	body = plen + zeros + ndigits;
	spaces = sp->width > body ? sp->width - body : 0;
	/* The 0 flag is ignored with '-' or a precision. */
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += spaces;
		spaces = 0;
	}
	if (!sp->left)
		pad(s, ' ', spaces);
	emit(s, prefix, plen);
	pad(s, '0', zeros);
	emit(s, p, ndigits);
	if (sp->left)
		pad(s, ' ', spaces);
}

/* Sends n bytes of str, padded with spaces to the field width. */
static void put_string(struct sink *s, const struct spec *sp, const char *str, int n)
{
	int spaces = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		pad(s, ' ', spaces);
	emit(s, str, n);
	if (sp->left)
		pad(s, ' ', spaces);
}

/* Reads a decimal number at *fmt, moving past it. */
static int parse_int(const char **fmt)
{
	int v = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++)
		v = v * 10 + (**fmt - '0');
	return v;
}

/* Formats fmt with the arguments in ap into s. */
static void format(struct sink *s, const char *fmt, va_list ap)
{
	enum { LEN_INT, LEN_LONG, LEN_LLONG, LEN_SIZE };

	while (*fmt) {
		const char *start = fmt;
		struct spec sp = { .prec = -1 };
		int len = LEN_INT;
		unsigned long long u;
		long long d;
		const char *str;
		char c;
		int n;

		if (*fmt != '%') {
			while (*fmt && *fmt != '%')
				fmt++;
			emit(s, start, fmt - start);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			fmt++;
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
		} else {
			sp.width = parse_int(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
			} else {
				sp.prec = parse_int(&fmt);
			}
		}
		if (*fmt == 'l') {
			fmt++;
			len = LEN_LONG;
			if (*fmt == 'l') {
				fmt++;
				len = LEN_LLONG;
			}
		} else if (*fmt == 'z') {
			fmt++;
			len = LEN_SIZE;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			d = len == LEN_INT ? va_arg(ap, int)
			  : len == LEN_LLONG ? va_arg(ap, long long)
			  : va_arg(ap, long); /* long, or the signed size_t */
			u = d < 0 ? -(unsigned long long)d : (unsigned long long)d;
			put_number(s, &sp, u, 10, false, d < 0 ? "-" : "");
			break;
		case 'u':
		case 'x':
		case 'X':
			u = len == LEN_INT ? va_arg(ap, unsigned int)
			  : len == LEN_LLONG ? va_arg(ap, unsigned long long)
			  : len == LEN_SIZE ? va_arg(ap, size_t)
			  : va_arg(ap, unsigned long);
			put_number(s, &sp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', "");
			break;
		case 'p':
			put_number(s, &sp, (uintptr_t)va_arg(ap, void *), 16, false, "0x");
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			put_string(s, &sp, &c, 1);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			for (n = 0; str[n] && (sp.prec < 0 || n < sp.prec); n++)
				;
			put_string(s, &sp, str, n);
			break;
		case '%':
			emit(s, "%", 1);
			break;
		case '\0':
			/* A lone '%' at the end: print it. */
			emit(s, start, fmt - start);
			return;
		default:
			/* Unknown conversion: print it as it stands. */
			emit(s, start, fmt - start + 1);
			break;
		}
		fmt++;
	}
}

/* Formats into buf of size bytes, always terminated if size is not 0.
 * Returns the length the whole output would have (truncated if >= size). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .cap = size > 0 ? size - 1 : 0 };

	format(&s, fmt, ap);
	if (size > 0)
		buf[s.len] = '\0';
	return (int)s.total;
}

/* vsnprintf with the arguments inline. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Writes all n bytes at p to fd. Errors are dropped: there is nowhere left
 * to report them. */
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		long r = sys_write(fd, (long)p, (long)n);

		if (r <= 0)
			return;
		p += r;
		n -= r;
	}
}

static char out_buf[STDOUT_BUF]; /* fd 1's pending output */
static size_t out_len;

/* Writes the first n buffered bytes of fd 1 with one write. They are taken
 * out of the buffer before the write: under uthreads the write can run
 * another thread, which may print meanwhile. */
static void stdout_write(size_t n)
{
	char line[STDOUT_BUF];

	memcpy(line, out_buf, n);
	out_len -= n;
	memmove(out_buf, out_buf + n, out_len);
	write_all(1, line, n);
}

/* Returns the length of the buffered output up to its last newline, or 0. */
static size_t complete_lines(void)
{
	size_t n = out_len;

	while (n > 0 && out_buf[n - 1] != '\n')
		n--;
	return n;
}

/* Appends n bytes to fd 1's buffer; writes only when it fills, the complete
 * lines if it has any, else all of it. */
static void stdout_put(const char *p, size_t n)
{
	while (n > 0) {
		size_t k;

		if (out_len == STDOUT_BUF) {
			size_t lines = complete_lines();
			stdout_write(lines ? lines : out_len);
		}
		k = STDOUT_BUF - out_len < n ? STDOUT_BUF - out_len : n;
		memcpy(out_buf + out_len, p, k);
		out_len += k;
		p += k;
		n -= k;
	}
}

/* Writes the complete lines buffered for fd 1. */
static void stdout_write_lines(void)
{
	size_t n = complete_lines();

	if (n > 0)
		stdout_write(n);
}

/* Writes everything buffered for fd 1, a partial line included. */
void printf_flush(void)
{
	if (out_len > 0)
		stdout_write(out_len);
}

static void drain_stdout(struct sink *s)
{
	stdout_put(s->buf, s->len);
	s->len = 0;
}

static void drain_fd(struct sink *s)
{
	write_all(s->fd, s->buf, s->len);
	s->len = 0;
}

/* printf with a va_list. A call's output joins the buffer only once formatted
 * (unless it is longer than CHUNK), so a thread switch inside a write cannot
 * split it. */
int vprintf(const char *fmt, va_list ap)
{
	char chunk[CHUNK];
	struct sink s = { .buf = chunk, .cap = sizeof(chunk), .drain = drain_stdout };

	format(&s, fmt, ap);
	drain_stdout(&s);
	stdout_write_lines();
	return (int)s.total;
}

/* Formats to fd 1, line-buffered. Returns the number of bytes. */
int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* printf, under the name benchmark reporters use. (The name is expanded
 * first, so the host tests' renaming of printf applies here too.) */
#define ALIAS_NAME_(f) #f
#define ALIAS_NAME(f) ALIAS_NAME_(f)
int report_printf(const char *fmt, ...) __attribute__((alias(ALIAS_NAME(printf))));

/* Formats to fd: through the line buffer for fd 1, else written per call (in
 * CHUNK pieces). Returns the number of bytes. */
int vdprintf(int fd, const char *fmt, va_list ap)
{
	char chunk[CHUNK];
	struct sink s = { .buf = chunk, .cap = sizeof(chunk), .drain = drain_fd, .fd = fd };

	if (fd == 1)
		return vprintf(fmt, ap);
	format(&s, fmt, ap);
	drain_fd(&s);
	return (int)s.total;
}

/* vdprintf with the arguments inline. */
int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

/* Prints s and a newline on fd 1. Returns 0. */
int puts(const char *s)
{
	stdout_put(s, strlen(s));
	stdout_put("\n", 1);
	stdout_write_lines();
	return 0;
}

/* Prints the byte c on fd 1. Returns c as an unsigned char. */
int putchar(int c)
{
	char ch = (char)c;

	stdout_put(&ch, 1);
	if (ch == '\n')
		stdout_write_lines();
	return (unsigned char)ch;
}

/* Writes out buffered output, then ends the process with status. Traps
 * whatever the path, as crt0 does: an exit posted to a syscall page would
 * run on a kernel syscall thread rather than in the process. */
void exit(int status)
{
	printf_flush();
	syscall_int80(SYS_exit, status, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}
