/*
 * Host tests only: a fake exless kernel in the test process. Trapping calls
 * run in the caller; the syscall threads of exception-less calls are
 * pthreads serving the syscall pages by the protocol of kernel/abi/flexsc.h.
 */
#ifndef USERLIB_TEST_SHIM_H
#define USERLIB_TEST_SHIM_H

#include <stddef.h>

/* A test-only call: counts its first argument (an id below SHIM_MAX_IDS) in
 * shim_hits and returns shim_echo_value of its arguments. */
#define SHIM_SYS_ECHO 0xe0 /* past the list, within an entry's one-byte sysnum */
#define SHIM_MAX_IDS (1 << 20)

static inline long shim_echo_value(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return a1 * 1000003 ^ a2 * 31 ^ a3 * 37 ^ a4 * 41 ^ a5 * 43 ^ a6 * 47;
}

struct shim_stats {
	unsigned long traps;       /* calls that trapped */
	unsigned long served;      /* entries the syscall threads ran */
	unsigned long fd1_writes;  /* write() calls on fd 1 */
	unsigned long partial;     /* of those, ones not ending in a newline */
	unsigned long wakes;       /* flexsc_wake calls */
	unsigned long sleeps;      /* times a syscall thread slept */
	unsigned long waits;       /* flexsc_wait calls */
	unsigned long bad;         /* protocol errors seen by the fake kernel */
};

extern struct shim_stats shim_stats;
extern unsigned char shim_hits[SHIM_MAX_IDS];

void shim_set_input(const char *s);      /* what fd 0 reads next */
void shim_output_reset(void);
const char *shim_output(void);           /* fd 1 and 2 since the reset */
const char *shim_spawn_log(void);        /* "name args...\n" per spawn */
size_t shim_brk(void);                   /* bytes of the sbrk arena used */

#endif
