/* usage: uflood MIB -- one write of MIB MiB of newlines to the console, then
 * exit 0. At the console's pace that write takes minutes: the test kills the
 * process in it and expects the kill to end it. */
#include "../libc.h"
#include "../sys.h"

int main(int argc, char **argv)
{
	long n = (long)(argc > 1 ? atoi(argv[1]) : 4) << 20;
	char *buf = (char *)sys_sbrk(n);
	if ((long)buf < 0)
		return 100;
	memset(buf, '\n', n);
	sys_write(1, (long)buf, n);
	return 0;
}
