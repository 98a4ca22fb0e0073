/* usage: uwriter TAG N -- N whole lines "TAG i" to the console, each in one
 * write; exits non-zero if any write came back short. */
#include "../libc.h"
#include "../sys.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 100;
	int n = atoi(argv[2]), bad = 0;
	char line[96];
	for (int i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%s line %d of %d: the quick brown fox jumps over\n", argv[1], i, n);
		if (sys_write(1, (long)line, len) != len)
			bad++;
	}
	return bad;
}
