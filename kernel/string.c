/* The string and memory routines the kernel (and the compiler) needs. */
#include "mm.h"

void *memset(void *d, int c, size_t n)
{
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n)::"memory");
	return r;
}

void *memmove(void *d, const void *s, size_t n)
{
	if ((u64)d - (u64)s >= n)
		return memcpy(d, s, n);
	for (size_t i = n; i > 0; i--)
		((char *)d)[i - 1] = ((const char *)s)[i - 1];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return (u8)a[i] - (u8)b[i];
		if (!a[i])
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strncpy0(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; n && i < n - 1 && s[i]; i++)
		d[i] = s[i];
	if (n)
		d[i] = 0;
	return d;
}
