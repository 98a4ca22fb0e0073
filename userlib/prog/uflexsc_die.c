/* Leaves entries in flight and dies. "wait": a blocking console read, sleeps
 * and nulls in the syscall pages, then waits to be killed. "exit": sleeps
 * (only where syscall threads run them: in single-core mode they would run,
 * and block, in this process) and nulls, then exits. */
#include "../libc.h"
#include "../sys.h"
#include "../flexsc.h"

int main(int argc, char **argv)
{
	static char buf[64];
	if (flexsc_init(1))
		return 100;
	bool exiting = argc > 1 && !strcmp(argv[1], "exit");
	struct sysinfo si;
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	if (!exiting)
		flexsc_post(SYS_read, 0, (long)buf, sizeof(buf), 0, 0, 0);
	for (int i = 0; i < 3 && (!exiting || si.flexsc_cpus); i++)
		flexsc_post(SYS_sleep_ns, 1000000000l, 0, 0, 0, 0, 0);
	for (int i = 0; i < 10; i++)
		flexsc_post(SYS_null, 0, 0, 0, 0, 0, 0);
	syscall_syscall(SYS_sleep_ns, 5000000, 0, 0, 0, 0, 0);
	if (exiting)
		return 0;
	for (;;)
		syscall_syscall(SYS_sleep_ns, 1000000, 0, 0, 0, 0, 0);
}
