/*
 * The Linux peer: /init of the initramfs that scripts/linux-peer.sh boots on
 * the same QEMU machine as exless. It mounts /proc and /dev, prints the meta
 * line, runs the shared suite (../suite.c) over the platform layer below and
 * ends QEMU through isa-debug-exit. Static (glibc): the initramfs holds
 * nothing else.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "../plat.h"
#include "../suite.h"
#include "../timing.h"
#include "host.h"
#include "srv.h"

/* QEMU's isa-debug-exit (scripts/qemu.sh): QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define EXIT_OK 0x10
#define EXIT_FAIL 0x11

/* The i386 ABI through int $0x80 (IA-32 emulation), numbers from its table. */
#define IA32_READ 3
#define IA32_WRITE 4
#define IA32_GETPID 20

const char *const plat_paths[] = { "syscall", "int80", NULL };

static int use_int80;

/* MAP_32BIT: int $0x80 takes 32-bit pointers. MAP_POPULATE: no page faults
 * inside measurements. */
void *plat_alloc(unsigned long bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Raw instructions rather than libc wrappers, so that each path costs its
 * entry and exit only, as on exless. getppid is the customary null call: it
 * reads one field under RCU, no locks. */
static long null_syscall(void)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	return r;
}

/* The kernel zeroes r8-r11 on the way back from int $0x80. */
static long null_int80(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "0"((long)IA32_GETPID)
			 : "r8", "r9", "r10", "r11", "memory");
	return r;
}

static long syscall3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long int80_3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory");
	return r;
}

plat_call_fn plat_null_fn(const char *path)
{
	if (!strcmp(path, "syscall"))
		return null_syscall;
	if (!strcmp(path, "int80"))
		return null_int80;
	return NULL;
}

plat_call_fn plat_floor_fn(const char *path)
{
	(void)path;
	return NULL;
}

unsigned plat_syscall_cores(const char *path)
{
	return !strcmp(path, "io_uring_sqpoll");
}

int plat_path_set(const char *path)
{
	if (!strcmp(path, "syscall"))
		use_int80 = 0;
	else if (!strcmp(path, "int80"))
		use_int80 = 1;
	else
		return -1;
	return 0;
}

int plat_open(const char *dev)
{
	if (!strcmp(dev, "null"))
		return open("/dev/null", O_WRONLY);
	if (!strcmp(dev, "zero"))
		return open("/dev/zero", O_RDONLY);
	return -1;
}

long plat_read(int fd, void *buf, unsigned long n)
{
	if (use_int80)
		return int80_3(IA32_READ, fd, (long)buf, (long)n);
	return syscall3(SYS_read, fd, (long)buf, (long)n);
}

long plat_write(int fd, const void *buf, unsigned long n)
{
	if (use_int80)
		return int80_3(IA32_WRITE, fd, (long)buf, (long)n);
	return syscall3(SYS_write, fd, (long)buf, (long)n);
}

static pthread_t peer;
static void (*peer_fn)(void *);
static void *peer_arg;

static void *peer_main(void *unused)
{
	(void)unused;
	peer_fn(peer_arg);
	return NULL;
}

int plat_peer_start(unsigned cpu, void (*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	peer_fn = fn;
	peer_arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	r = pthread_create(&peer, &attr, peer_main, NULL);
	pthread_attr_destroy(&attr);
	return r ? -r : 0;
}

int plat_peer_join(void)
{
	int r = pthread_join(peer, NULL);

	return r ? -r : 0;
}

/* cores, indirect and server measure exless mechanisms (webserver and
 * kvstore run in the suite, over srv.c). */
int plat_bench(const char *name, const struct bench_config *cfg)
{
	(void)name;
	(void)cfg;
	return 1;
}

/* Writes a value, drains the console, then asks QEMU to exit. The UART sends
 * from an interrupt-driven buffer: without tcdrain() the last lines are lost. */
static void __attribute__((noreturn)) end(int code)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	if (!ioperm(DEBUG_EXIT_PORT, 1, 1))
		outb(code, DEBUG_EXIT_PORT);
	/* Not under QEMU with isa-debug-exit. */
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Mounts what the suite reads and opens the console. The initramfs holds
 * /init alone, no /dev/console node: the kernel started us without stdin,
 * stdout or stderr. */
static int setup(void)
{
	int fd;

	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) || mount("sys", "/sys", "sysfs", 0, NULL) ||
	    mount("dev", "/dev", "devtmpfs", 0, NULL))
		return -1;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

/* The value of "key<spaces>: value" in /proc/cpuinfo, for the first CPU. */
static void cpuinfo(const char *key, char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	size_t klen = strlen(key);

	snprintf(out, size, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, key, klen) ||
		    line + klen + strspn(line + klen, " \t") != colon)
			continue;
		snprintf(out, size, "%s", colon + 1 + strspn(colon + 1, " \t"));
		out[strcspn(out, "\n")] = 0;
		break;
	}
	if (f)
		fclose(f);
}

/* CPUID leaf 0x40000000, present when leaf 1 sets the hypervisor bit. */
static void hypervisor(char out[13])
{
	unsigned a, b, c, d;

	strcpy(out, "none");
	__cpuid(1, a, b, c, d);
	if (!(c & 1u << 31))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(out, &b, 4);
	memcpy(out + 4, &c, 4);
	memcpy(out + 8, &d, 4);
	out[12] = 0;
}

/* The first line of a small file, or "" when there is none. */
static void read_line(const char *file, char *out, size_t size)
{
	int fd = open(file, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, out, size - 1);

	out[n > 0 ? n : 0] = 0;
	out[strcspn(out, "\n")] = 0;
	if (fd >= 0)
		close(fd);
}

/* The kernel's version and how it defends against Meltdown and Spectre v2:
 * PTI in particular (an Intel vendor string without RDCL_NO turns it on)
 * makes every kernel entry rewrite CR3, which TCG pays for with a TLB flush. */
static void meta_extra(char *out, size_t size)
{
	char meltdown[128], spectre[256];
	struct utsname uts;

	uname(&uts);
	read_line("/sys/devices/system/cpu/vulnerabilities/meltdown", meltdown, sizeof(meltdown));
	read_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2", spectre, sizeof(spectre));
	/* report.h's quoting rule: no '"' inside a value. */
	for (char *c = spectre; *c; c++)
		if (*c == '"')
			*c = '\'';
	snprintf(out, size, "kernel=%s meltdown=\"%s\" spectre_v2=\"%s\"", uts.release, meltdown,
		 spectre);
}

int main(void)
{
	char vendor[64], model[128], hv[13], cmdline[1024], extra[512];
	struct bench_config cfg;
	const char *err;
	cpu_set_t cpu0;

	if (setup())
		end(EXIT_FAIL);
	/* The suite runs on CPU 0; its peers go to CPU 1. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	host_init(100);

	cpuinfo("vendor_id", vendor, sizeof(vendor));
	cpuinfo("model name", model, sizeof(model));
	hypervisor(hv);
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	meta_extra(extra, sizeof(extra));
	report_meta(&(struct report_meta){
		.system = plat_system,
		.cpu_vendor = vendor,
		.cpu_model = model,
		.tsc_hz = plat_tsc_hz(),
		.cpus = plat_ncpus(),
		.hypervisor = hv,
		.cmdline = cmdline,
		.extra = extra,
	});

	if ((err = bench_config_parse(&cfg, cmdline))) {
		report_error(plat_system, NULL, NULL, err, 0);
		end(EXIT_FAIL);
	}
	/* bench=webserver serves /www from a tmpfs, as exless serves it from
	 * its RAM file system: the same documents, made by the same rule. */
	if (cfg.list & 1u << BENCH_WEBSERVER) {
		int r = mkdir("/www", 0755) || mount("tmpfs", "/www", "tmpfs", 0, NULL) ? -errno :
											 srv_web_docs_write("");

		if (r) {
			report_error(plat_system, "webserver", NULL,
				     "cannot write the documents to a tmpfs at /www", r);
			cfg.list &= ~(1u << BENCH_WEBSERVER);
		}
	}
	/* A failed bench has printed its error line; the others still count. */
	bench_suite(&cfg);
	report_done();
	end(EXIT_OK);
}
