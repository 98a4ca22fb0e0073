/* CHECK for user test programs: a failed one prints a KTAP diagnostic line
 * and counts; main returns the count, which becomes the exit status. */
#ifndef PROG_CHECK_H
#define PROG_CHECK_H
#include "../libc.h"
#include "../sys.h"
#include "../flexsc.h"
static int check_failures;
#define CHECK_EQ(got, want, ...)                                                              \
	do {                                                                                    \
		long g_ = (long)(got), w_ = (long)(want);                                       \
		if (g_ != w_) {                                                                 \
			check_failures++;                                                       \
			printf("    # %s:%d: %s: got %ld, want %ld (" , __FILE__, __LINE__, #got, g_, w_); \
			printf(__VA_ARGS__);                                                    \
			printf(")\n");                                                          \
		}                                                                               \
	} while (0)

/* Choose the path named name ("int80", "syscall", "sysenter", "flexsc",
 * which registers two syscall pages) for the rest of the program: 0, -1
 * for a bad name or a failed registration, -2 if this CPU lacks the path. */
static inline int check_set_path(const char *name)
{
	static const char *const names[] = { "int80", "syscall", "sysenter", "flexsc" };
	for (int p = 0; p < PATH_COUNT; p++) {
		if (strcmp(name, names[p]))
			continue;
		if (p == PATH_FLEXSC && flexsc_init(2))
			return -1;
		return syscall_path_set(p) ? -2 : 0;
	}
	return -1;
}

/* The start of a test program run once per path as "prog <path>": choose
 * the path. 0: go on; 1: this CPU lacks it (said; the program exits 0);
 * -1: a bad name or a failed registration (it exits 100). */
static inline int check_begin(const char *prog, const char *name)
{
	int r = check_set_path(name);
	if (r == -2) {
		printf("%s: path %s unsupported on this CPU: skipped\n", prog, name);
		return 1;
	}
	return r ? -1 : 0;
}

/* The main of a test program run once per path as "prog <path>" (argv[1],
 * default syscall), each run in its own directory dir (size bytes:
 * <prefix><path>): choose the path, make dir, run body, remove dir (body
 * must have emptied it), go back to the syscall path, report. Returns
 * the exit status: the failed checks, 0 for a path this CPU lacks, 100
 * for a bad path. */
static inline int check_main(const char *prog, int argc, char **argv, const char **path, char *dir,
			     unsigned long size, const char *prefix, void (*body)(void))
{
	*path = argc > 1 ? argv[1] : "syscall";
	int r = check_begin(prog, *path);
	if (r)
		return r > 0 ? 0 : 100;
	snprintf(dir, size, "%s%s", prefix, *path);
	CHECK_EQ(sys_mkdir((long)dir), 0, "%s: mkdir %s", *path, dir);
	body();
	CHECK_EQ(sys_rmdir((long)dir), 0, "%s: rmdir %s (everything removed)", *path, dir);
	syscall_path_set(PATH_SYSCALL);
	printf("%s %s: %d failed checks\n", prog, *path, check_failures);
	return check_failures;
}
#endif
