/* CHECK for user test programs: a failed one prints a KTAP diagnostic line
 * and counts; main returns the count, which becomes the exit status. */
#ifndef PROG_CHECK_H
#define PROG_CHECK_H
#include "../libc.h"
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
#endif
