/* sh: the exless shell, on the serial console. */
#include "../flexsc.h"
#include "../libc.h"
#include "../sys.h"

#define LINE_MAX 256
#define MAX_ARGS (SPAWN_MAX_ARGS + 2) /* "run", the program's own, "&" */
#define MAX_PROCS 64

/* A command gets its words; it returns true to leave the shell. */
struct command {
	const char *name;
	const char *args;
	const char *help;
	bool (*run)(int argc, char **argv);
};

static bool cmd_help(int argc, char **argv);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Parses a whole decimal or 0x number. Returns false if s is not one. */
static bool parse_number(const char *s, long *v)
{
	char *end;

	*v = strtol(s, &end, 0);
	return end != s && *end == '\0';
}

/*
 * Spawns program argv[0] with arguments argv (argc words, NULL after them).
 * A last word "&" runs it in the background; otherwise waits and prints its
 * exit status, with the elapsed time if timed.
 */
static void run_program(int argc, char **argv, bool timed)
{
	bool background = argc > 1 && strcmp(argv[argc - 1], "&") == 0;
	uint64_t ns, cycles;
	long pid, r;
	int status;

	if (background)
		argv[--argc] = NULL;
	if (argc == 0) {
		printf("usage: %s <program> [args...]%s\n", timed ? "time" : "run", timed ? "" : " [&]");
		return;
	}
	if (background && timed) {
		printf("time: cannot time a background job\n");
		return;
	}
	ns = sys_time_ns();
	cycles = rdtsc();
	pid = sys_spawn((long)argv[0], (long)argv);
	if (pid < 0) {
		printf("%s: %s\n", argv[0], strerror(pid));
		return;
	}
	if (background) {
		printf("[%ld] %s\n", pid, argv[0]);
		return;
	}
	r = sys_wait(pid, (long)&status);
	cycles = rdtsc() - cycles;
	ns = sys_time_ns() - ns;
	if (r < 0)
		printf("%s: wait: %s\n", argv[0], strerror(r));
	else if (timed)
		printf("%s: exit %d, %lu ns, %lu TSC cycles\n", argv[0], status, ns, cycles);
	else
		printf("%s: exit %d\n", argv[0], status);
}

static bool cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return false;
}

static bool cmd_ps(int argc, char **argv)
{
	static const char *const states[P_STATE_COUNT] = PROC_STATE_NAMES;
	static struct proc_info procs[MAX_PROCS];
	long n = sys_ps((long)procs, MAX_PROCS);

	(void)argc;
	(void)argv;
	if (n < 0) {
		printf("ps: %s\n", strerror(n));
		return false;
	}
	if (n > MAX_PROCS)
		n = MAX_PROCS;
	printf("%5s %5s %-10s %3s %6s %s\n", "PID", "PPID", "STATE", "CPU", "PAGES", "NAME");
	for (long i = 0; i < n; i++) {
		const struct proc_info *p = &procs[i];
		const char *state = p->state >= 0 && p->state < P_STATE_COUNT ? states[p->state] : "?";

		printf("%5d %5d %-10s %3d %6lu %.*s\n", p->pid, p->ppid, state, p->cpu,
		       p->pages, PROC_NAME_MAX, p->name);
	}
	return false;
}

static bool cmd_run(int argc, char **argv)
{
	run_program(argc - 1, argv + 1, false);
	return false;
}

static bool cmd_time(int argc, char **argv)
{
	run_program(argc - 1, argv + 1, true);
	return false;
}

static bool cmd_bench(int argc, char **argv)
{
	char *args[MAX_ARGS + 2];

	/* A table for a person; a later bench.format= still wins. */
	args[0] = "bench_all";
	args[1] = "bench.format=table";
	for (int i = 1; i <= argc; i++)
		args[i + 1] = argv[i]; /* with the NULL after them */
	run_program(argc + 1, args, false);
	return false;
}

static bool cmd_wait(int argc, char **argv)
{
	long pid = -1, r;
	int status;

	if (argc > 1 && !parse_number(argv[1], &pid)) {
		printf("usage: wait [pid]\n");
		return false;
	}
	while ((r = sys_wait(pid, (long)&status)) > 0) {
		printf("[%ld] exit %d\n", r, status);
		if (pid != -1)
			return false;
	}
	/* Waiting for all ends when no child is left. */
	if (pid != -1 || r != -ECHILD)
		printf("wait: %s\n", strerror(r));
	return false;
}

static bool cmd_kill(int argc, char **argv)
{
	long pid, r;

	if (argc != 2 || !parse_number(argv[1], &pid)) {
		printf("usage: kill <pid>\n");
		return false;
	}
	r = sys_kill(pid);
	if (r < 0)
		printf("kill: %s\n", strerror(r));
	return false;
}

static bool cmd_sleep(int argc, char **argv)
{
	long ms;

	if (argc != 2 || !parse_number(argv[1], &ms) || ms < 0) {
		printf("usage: sleep <ms>\n");
		return false;
	}
	sys_sleep_ns(ms * 1000000);
	return false;
}

static bool cmd_path(int argc, char **argv)
{
	enum syscall_path p;
	long r;

	if (argc < 2) {
		printf("path: %s (of", syscall_path_name(syscall_path_get()));
		for (p = 0; p < PATH_COUNT; p++)
			printf(" %s", syscall_path_name(p));
		printf(")\n");
		return false;
	}
	for (p = 0; p < PATH_COUNT && strcmp(argv[1], syscall_path_name(p)) != 0; p++)
		;
	if (p == PATH_COUNT) {
		printf("path: no path %s\n", argv[1]);
		return false;
	}
	/* The flexsc path needs syscall pages first; one is plenty here. */
	if (p == PATH_FLEXSC && (r = flexsc_init(1)) < 0 && r != -EBUSY) {
		printf("path: flexsc: %s\n", strerror(r));
		return false;
	}
	r = syscall_path_set(p);
	if (r < 0)
		printf("path: %s: %s\n", argv[1], strerror(r));
	return false;
}

static bool cmd_sysinfo(int argc, char **argv)
{
	struct sysinfo si;
	long r = sys_sysinfo((long)&si);

	(void)argc;
	(void)argv;
	if (r < 0) {
		printf("sysinfo: %s\n", strerror(r));
		return false;
	}
	printf("cpu         %.*s, %.*s\n", (int)sizeof(si.cpu_vendor), si.cpu_vendor,
	       (int)sizeof(si.cpu_model), si.cpu_model);
	printf("hypervisor  %.*s\n", (int)sizeof(si.hypervisor), si.hypervisor);
	printf("cpus        %u\n", si.ncpus);
	printf("flexsc cpus 0x%lx\n", si.flexsc_cpus);
	printf("tsc         %lu Hz\n", si.tsc_hz);
	printf("sysenter    %s\n", si.sysenter_ok ? "usable" : "not usable");
	printf("free pages  %lu\n", si.free_pages);
	printf("cmdline     %.*s\n", (int)sizeof(si.cmdline), si.cmdline);
	printf("git         %.*s\n", (int)sizeof(si.git_rev), si.git_rev);
	return false;
}

static bool cmd_exit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return true;
}

static bool cmd_poweroff(int argc, char **argv)
{
	long status = 0;

	if (argc > 1 && !parse_number(argv[1], &status)) {
		printf("usage: poweroff [status]\n");
		return false;
	}
	printf("poweroff: %s\n", strerror(sys_poweroff(status)));
	return false;
}

static const struct command commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "echo", "[words...]", "print the words", cmd_echo },
	{ "ps", "", "list processes", cmd_ps },
	{ "run", "<prog> [args...] [&]", "run a program, & in the background", cmd_run },
	{ "bench", "[args...] [&]", "run bench_all", cmd_bench },
	{ "time", "<prog> [args...]", "run a program and time it", cmd_time },
	{ "wait", "[pid]", "wait for background jobs", cmd_wait },
	{ "kill", "<pid>", "end a process", cmd_kill },
	{ "sleep", "<ms>", "sleep", cmd_sleep },
	{ "path", "[name]", "show or set the shell's syscall path", cmd_path },
	{ "sysinfo", "", "describe the machine", cmd_sysinfo },
	{ "exit", "", "leave the shell", cmd_exit },
	{ "poweroff", "[status]", "turn the machine off (init only)", cmd_poweroff },
};

#define NCOMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static bool cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < NCOMMANDS; i++)
		printf("  %-8s %-22s %s\n", commands[i].name, commands[i].args, commands[i].help);
	return false;
}

/* Splits line into at most MAX_ARGS words in argv, NULL after them. Returns
 * their number, or -1 if there are more. */
static int split(char *line, char **argv)
{
	char *save, *word;
	int argc = 0;

	for (word = strtok_r(line, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = word;
	}
	argv[argc] = NULL;
	return argc;
}

int main(int argc, char **argv)
{
	char line[LINE_MAX], *words[MAX_ARGS + 1];

	(void)argc;
	(void)argv;
	printf("exless shell: help lists the commands\n");
	for (;;) {
		int i, n;

		printf("exless$ ");
		if (readline(line, sizeof(line)) < 0)
			break;
		n = split(line, words);
		if (n < 0) {
			printf("too many words, at most %d\n", MAX_ARGS);
			continue;
		}
		if (n == 0)
			continue;
		for (i = 0; i < NCOMMANDS && strcmp(commands[i].name, words[0]) != 0; i++)
			;
		if (i == NCOMMANDS)
			printf("%s: no such command; try help\n", words[0]);
		else if (commands[i].run(n, words))
			break;
	}
	printf_flush();
	return 0;
}
