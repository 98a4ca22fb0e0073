/*
 * simcheck: known work for the simulation plugin's smoke test
 * (bench/sim/smoke.sh, make sim-test): boot with init=simcheck under
 * scripts/qemu.sh --accel sim. Each check runs in a window of its own and
 * prints what the plugin must have counted there:
 *   @@SIMCHECK name window=W key=value...
 * then the machine powers off. simcheck --child exits at once (the process
 * switch to it and back writes CR3).
 */
#include "libc.h"
#include "sys.h"
#include "timing.h"

#define LOOP_N 100000
#define TRAPS_N 100
#define LINE 64
/* Twice the modeled L1d (32 KiB, bench/sim/model.c), page aligned. */
static char big[64 << 10] __attribute__((aligned(4096)));
static unsigned windows;

static unsigned next_window(void)
{
	sim_window_next();
	return ++windows;
}

static void pass(volatile char *p, unsigned long bytes)
{
	for (unsigned long o = 0; o < bytes; o += LINE)
		p[o]++;
}

/* One pass over bytes of big in a window of its own; returns the window. */
static unsigned timed_pass(unsigned long bytes)
{
	unsigned w = next_window();
	tsc_begin();
	pass(big, bytes);
	tsc_end();
	return w;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child"))
		return 0;
	/* A loop of exactly 2 * LOOP_N user instructions between the markers. */
	unsigned w = next_window();
	unsigned long n = LOOP_N;
	__asm__ volatile(SIMMARK(SIMMARK_BEGIN) "1: dec %0\n\tjnz 1b\n\t" SIMMARK(SIMMARK_END)
			 : "+r"(n) : : "cc");
	printf("@@SIMCHECK loop window=%u insns_user=%u\n", w, 2 * LOOP_N);

	/* The same loop between user IDLE markers (a spin on a FlexSC entry):
	 * user_idle, not user; 3 user instructions outside them. */
	w = next_window();
	n = LOOP_N;
	__asm__ volatile(SIMMARK(SIMMARK_BEGIN) "nop\n\t" SIMMARK(SIMMARK_IDLE_BEGIN)
			 "1: dec %0\n\tjnz 1b\n\t" SIMMARK(SIMMARK_IDLE_END) "nop\n\tnop\n\t"
			 SIMMARK(SIMMARK_END) : "+r"(n) : : "cc");
	printf("@@SIMCHECK user_idle window=%u insns_user_idle=%u insns_user=3\n", w, 2 * LOOP_N);

	/* Twice L1d: a warm pass, then one measured: one miss per line. */
	pass(big, sizeof(big));
	w = timed_pass(sizeof(big));
	printf("@@SIMCHECK l1d_over window=%u lines=%lu\n", w, sizeof(big) / LINE);

	/* A quarter of it fits: no miss after warm-up, no TLB walk. */
	pass(big, sizeof(big) / 4);
	pass(big, sizeof(big) / 4);
	w = timed_pass(sizeof(big) / 4);
	printf("@@SIMCHECK l1d_fit window=%u lines=%lu\n", w, sizeof(big) / 4 / LINE);

	/* A process switch there and back (two CR3 writes): the same pass now
	 * walks the page tables for its 4 pages again. */
	char *child[] = { "simcheck", "--child", NULL };
	int status;
	long pid = sys_spawn((long)"simcheck", (long)child);
	if (pid < 0 || sys_wait(pid, (long)&status) != pid)
		printf("@@SIMCHECK error msg=\"spawn or wait failed\"\n");
	w = timed_pass(sizeof(big) / 4);
	printf("@@SIMCHECK cr3 window=%u pages=%lu\n", w, sizeof(big) / 4 / 4096);

	/* TRAPS_N calls through `syscall`: each trap counted once, in user mode. */
	w = next_window();
	tsc_begin();
	for (int i = 0; i < TRAPS_N; i++)
		syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	tsc_end();
	printf("@@SIMCHECK traps window=%u syscall=%u\n", w, TRAPS_N);
	printf("@@SIMCHECK done\n");
	printf_flush();
	sys_poweroff(0);
	return 0;
}
