/* String and memory functions, and number parsing. */
#include "libc.h"
#include "sys.h"

/*
 * memcpy, memmove and memset are string instructions rather than loops: at
 * -O2 gcc turns a byte loop into a call to memcpy or memset, which here would
 * call itself.
 */

/* Copies n bytes from src to dst; the two must not overlap. Returns dst. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

/* Copies n bytes from src to dst, which may overlap. Returns dst. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* dst overlaps the end of src: copy backwards, from the last byte. */
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

/* Fills n bytes at dst with the byte c. Returns dst. */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

/* Compares n bytes as unsigned chars: <0, 0 or >0 as a is below, equal to or
 * above b. */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* Returns the number of bytes before the terminating NUL of s. */
size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

/* Compares two strings as unsigned chars, like memcmp. */
int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* Compares at most the first n bytes of two strings. */
int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

/* Copies src with its NUL into dst. Returns dst. */
char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

/* Copies at most n bytes of src into dst and pads the rest of the n with
 * NULs; dst is not terminated if src has n bytes or more. Returns dst. */
char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	memset(dst + i, 0, n - i);
	return dst;
}

/* Copies src into dst of size bytes, truncating, always terminated if size
 * is not 0. Returns strlen(src): truncated if that is >= size. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Returns the first c in s (its NUL included when c is 0), or NULL. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Splits s into tokens separated by runs of bytes from delim, writing NULs
 * over separators. First call with s, then with NULL and the same *save.
 * Returns the next token, or NULL when none is left. */
char *strtok_r(char *s, const char *delim, char **save)
{
	char *tok;

	if (!s)
		s = *save;
	while (*s && strchr(delim, *s))
		s++;
	if (!*s) {
		*save = s;
		return NULL;
	}
	tok = s;
	while (*s && !strchr(delim, *s))
		s++;
	if (*s)
		*s++ = '\0';
	*save = s;
	return tok;
}

/* Returns the value of digit c in base (2..36), or -1 if it is none. */
static int digit_value(char c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'z')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

/* Parses an optionally signed number after leading blanks; base 0 takes a 0x
 * prefix as 16 and a leading 0 as 8. Sets *end (if end) to the first byte not
 * used, or to s when no digit was found. Overflow wraps. */
unsigned long strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	unsigned long v = 0;
	bool neg = false, any = false;
	int d;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2], 16) >= 0) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (; (d = digit_value(*p, base)) >= 0; p++, any = true)
		v = v * base + d;
	if (end)
		*end = (char *)(any ? p : s);
	return neg ? -v : v;
}

/* strtoul, for a signed result. */
long strtol(const char *s, char **end, int base)
{
	return (long)strtoul(s, end, base);
}

/* Parses a decimal int, like strtol(s, NULL, 10). */
int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* Returns a short message for errno value err (positive or negated). */
const char *strerror(int err)
{
	static const char *const msg[] = {
		[0] = "success",
		[EPERM] = "not allowed",
		[ENOENT] = "no such file or directory",
		[ESRCH] = "no such process",
		[EINTR] = "interrupted",
		[EIO] = "device error",
		[ENXIO] = "no such device",
		[E2BIG] = "argument list too long",
		[ENOEXEC] = "malformed executable",
		[EBADF] = "bad file descriptor",
		[ECHILD] = "no child to wait for",
		[EAGAIN] = "try again",
		[ENOMEM] = "out of memory",
		[EFAULT] = "bad address",
		[EBUSY] = "resource busy",
		[EEXIST] = "already exists",
		[ENOTDIR] = "not a directory",
		[EISDIR] = "is a directory",
		[EINVAL] = "invalid argument",
		[ENFILE] = "too many sockets",
		[EMFILE] = "too many open files",
		[EFBIG] = "file too large",
		[ENOSPC] = "no space left",
		[ESPIPE] = "not seekable",
		[EPIPE] = "broken pipe",
		[ENAMETOOLONG] = "name too long",
		[ENOSYS] = "no such system call",
		[ENOTEMPTY] = "directory not empty",
		[ENOTSOCK] = "not a socket",
		[EPROTONOSUPPORT] = "protocol not supported",
		[ENOTSUP] = "not supported",
		[EDEADLK] = "would deadlock",
		[ETIMEDOUT] = "timed out",
		[EAFNOSUPPORT] = "address family not supported",
		[EADDRINUSE] = "address in use",
		[EISCONN] = "already connected",
		[ENOTCONN] = "not connected",
		[ECONNREFUSED] = "connection refused",
		[EALREADY] = "connect under way",
	};

	unsigned int e = err < 0 ? -(unsigned int)err : (unsigned int)err;

	if (e < sizeof(msg) / sizeof(msg[0]) && msg[e])
		return msg[e];
	return "unknown error";
}
