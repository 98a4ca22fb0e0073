/* The kernel command line (QEMU -append), parsed in one place. */
#ifndef CMDLINE_H
#define CMDLINE_H

#include "types.h"

#define CMDLINE_MAX 256

struct boot_options {
	bool test;                 /* run the test suite, then power off */
	char test_filter[32];      /* test=<name prefix>: only those tests */
	bool bench;                /* run the benchmark suite, then power off */
	char bench_args[CMDLINE_MAX]; /* bench.* options, passed to bench_all */
	u64 flexsc_cpus;           /* flexsc.cores=<list>: syscall-thread CPUs */
	bool flexsc_cpus_set;
	u64 flexsc_poll_us;        /* flexsc.poll_us=<n>: poll time before sleeping */
	bool flexsc_switch;        /* flexsc.single=switch: single-core mode hands off to a syscall thread (default inline) */
	char init[16];             /* init=<program>: first user program */
	bool pti;                  /* pti=on|off: user page tables without the kernel (default off) */
	int errors;                /* unknown or malformed options seen */
};

extern char cmdline[CMDLINE_MAX];
extern struct boot_options boot_opts;

/* Parse s into o; report each bad option on the console. Returns the number
 * of bad options. */
int cmdline_parse(const char *s, struct boot_options *o);
/* Parse a CPU list such as "1", "0,2" or "1-3" into a mask; false if bad. */
bool parse_cpu_list(const char *s, size_t n, u64 *mask);

#endif
