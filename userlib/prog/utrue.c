/* Exits with status argv[1] (default 0): the smallest process, for the
 * spawn/reap leak test. */
#include "../libc.h"

int main(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}
