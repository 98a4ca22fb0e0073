/* Fatal errors: stop every CPU, print once, exit QEMU with a failure status. */
#ifndef PANIC_H
#define PANIC_H

#include "types.h"

void panic(const char *fmt, ...) __noreturn __attribute__((format(printf, 1, 2)));
/* Leave QEMU through isa-debug-exit: ok -> host status 0, else 1. */
void machine_exit(bool ok) __noreturn;

#define assert(x) ((x) ? (void)0 : panic("assertion failed: %s (%s:%d)", #x, __FILE__, __LINE__))

#endif
