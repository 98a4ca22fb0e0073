/* Blocks reading the console until it is killed (or gets a line). */
#include "../libc.h"
#include "../sys.h"

int main(void)
{
	char buf[64];
	long n = sys_read(0, (long)buf, sizeof(buf));
	return n > 0 ? 0 : 1;
}
