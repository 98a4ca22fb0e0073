/* Running system calls from any way in. */
#ifndef SYSCALL_H
#define SYSCALL_H
#include "types.h"
/* Look nr up in the table and run it for the current process: its result,
 * or -ENOSYS for an unknown number. */
long syscall_run(u64 nr, const u64 args[6]);
/* The hypervisor's CPUID signature, or "none". */
void hypervisor_name(char *buf, size_t n);
#endif
