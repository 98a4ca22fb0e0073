/* In-kernel tests: declared beside the code they test, collected from the
 * .ktests linker section, reported as KTAP v1 on the console. */
#ifndef TEST_H
#define TEST_H

#include "types.h"

struct ktest {
	const char *name;
	void (*fn)(void);
	int min_cpus;   /* skipped with fewer CPUs online */
};

#define KTEST_DEFINE(tname, cpus)                                                      \
	static void ktest_fn_##tname(void);                                            \
	static const struct ktest ktest_rec_##tname __section(".ktests") __used        \
		__attribute__((aligned(8))) = { #tname, ktest_fn_##tname, cpus };       \
	static void ktest_fn_##tname(void)

#define KTEST(tname) KTEST_DEFINE(tname, 1)
#define KTEST_SMP(tname) KTEST_DEFINE(tname, 2)

void ktest_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define KEXPECT(cond) \
	((cond) ? (void)0 : ktest_fail(__FILE__, __LINE__, "expected %s", #cond))
#define KEXPECT_EQ(a, b)                                                                    \
	do {                                                                                \
		i64 ka_ = (i64)(a), kb_ = (i64)(b);                                         \
		if (ka_ != kb_)                                                             \
			ktest_fail(__FILE__, __LINE__, "%s == %s: got %ld, want %ld", #a, #b, ka_, kb_); \
	} while (0)

/* Run fn(arg, cpu) in a kernel thread pinned to each online CPU, and wait
 * for all of them (sleeping, not spinning) and until their threads are
 * freed, so a test can compare memory right after. */
void ktest_on_each_cpu(void (*fn)(void *arg, int cpu), void *arg);

/* Run every test (or those whose name starts with filter), print KTAP,
 * return the number that failed. */
int ktest_run_all(const char *filter);

#endif
