/*
 * The small C library of exless user programs: strings, formatted output,
 * a heap and console line input. Freestanding: it needs only gcc's own
 * headers and the system call stubs of sys.h.
 */
#ifndef USERLIB_LIBC_H
#define USERLIB_LIBC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINTF_LIKE(fmt, args) __attribute__((__format__(__printf__, fmt, args)))

/* string.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
size_t strlcpy(char *dst, const char *src, size_t size);
char *strchr(const char *s, int c);
char *strtok_r(char *s, const char *delim, char **save);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
const char *strerror(int err);

/* printf.c: fd 1 is line-buffered, everything else is written per call. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int report_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vdprintf(int fd, const char *fmt, va_list ap);
int dprintf(int fd, const char *fmt, ...) PRINTF_LIKE(2, 3);
int puts(const char *s);
int putchar(int c);
void printf_flush(void);
__attribute__((noreturn)) void exit(int status);

/* malloc.c */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
int malloc_check(void);

/* readline.c */
int readline(char *buf, int max);

#endif
