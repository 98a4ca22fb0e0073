/*
 * Host tests only: the fake exless kernel of shim.h, and the sys.h entry
 * points userlib links against. Built with the host's libc and pthreads.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sys.h"
#include "../../kernel/abi/flexsc.h"
#include "shim.h"

#define NKTHREADS 2         /* fake syscall threads */
#define KIDLE_SCANS 200     /* empty scans before one sleeps: often, to test the doorbell */
#define ARENA_SIZE (256 << 20)
#define OUTPUT_SIZE (8 << 20)

struct shim_stats shim_stats;
unsigned char shim_hits[SHIM_MAX_IDS];

long (*syscall_flexsc_hook)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
static enum syscall_path path = PATH_SYSCALL; /* as sys.c */

static pthread_mutex_t sys_lock = PTHREAD_MUTEX_INITIALIZER; /* the state below */
static char output[OUTPUT_SIZE];
static size_t output_len;
static char spawn_log[1 << 16];
static const char *input = "";
static int children[64], nchildren, next_pid = 100;
static _Alignas(4096) char arena[ARENA_SIZE];
static size_t brk_used = 8; /* a break not 16-aligned, as malloc must cope with */

static struct flexsc_page *kpages;
static int knpages;
static pthread_mutex_t bell_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bell = PTHREAD_COND_INITIALIZER;
static unsigned long bell_rings;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;


static void count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

void shim_set_input(const char *s)
{
	input = s;
}

void shim_output_reset(void)
{
	output_len = 0;
	output[0] = '\0';
}

const char *shim_output(void)
{
	return output;
}

const char *shim_spawn_log(void)
{
	return spawn_log;
}

size_t shim_brk(void)
{
	return brk_used;
}

static long do_write(long fd, const char *buf, long n)
{
	if (fd != 1 && fd != 2)
		return -EBADF;
	pthread_mutex_lock(&sys_lock);
	if (output_len + n < OUTPUT_SIZE) {
		memcpy(output + output_len, buf, n);
		output_len += n;
		output[output_len] = '\0';
	}
	if (fd == 1) {
		shim_stats.fd1_writes++;
		if (n == 0 || buf[n - 1] != '\n')
			shim_stats.partial++;
	}
	pthread_mutex_unlock(&sys_lock);
	return n;
}

static long do_spawn(const char *name, char *const *argv)
{
	long pid;

	if (strcmp(name, "nosuch") == 0)
		return -ENOENT;
	pthread_mutex_lock(&sys_lock);
	for (; *argv; argv++) {
		strcat(spawn_log, *argv);
		strcat(spawn_log, argv[1] ? " " : "\n");
	}
	pid = next_pid++;
	children[nchildren++] = pid;
	pthread_mutex_unlock(&sys_lock);
	return pid;
}

/* Children all exit with status 3. */
static long do_wait(long pid, int *status)
{
	long r = -ECHILD;

	pthread_mutex_lock(&sys_lock);
	for (int i = 0; i < nchildren; i++) {
		if (pid == -1 || children[i] == pid) {
			r = children[i];
			children[i] = children[--nchildren];
			*status = 3;
			break;
		}
	}
	pthread_mutex_unlock(&sys_lock);
	return r;
}

static long do_ps(struct proc_info *p, long max)
{
	static const struct proc_info procs[] = {
		{ .pid = 1, .ppid = 0, .state = 3, .cpu = 0, .pages = 12, .name = "init" },
		{ .pid = 2, .ppid = 1, .state = 2, .cpu = 1, .pages = 30, .name = "sh" },
	};
	long n = max < 2 ? max : 2;

	memcpy(p, procs, n * sizeof(*p));
	return n;
}

static long do_sysinfo(struct sysinfo *si)
{
	memset(si, 0, sizeof(*si));
	si->tsc_hz = 2000000000;
	si->ncpus = 4;
	si->sysenter_ok = 1;
	si->flexsc_cpus = 0xc;
	si->free_pages = 1000;
	strcpy(si->cpu_vendor, "FakeVendor");
	strcpy(si->cpu_model, "Fake CPU");
	strcpy(si->hypervisor, "none");
	strcpy(si->cmdline, "test");
	strcpy(si->git_rev, "0123abc");
	return 0;
}

static long do_sbrk(long inc)
{
	long old;

	pthread_mutex_lock(&sys_lock);
	old = (long)(arena + brk_used);
	if (inc < 0 || brk_used + inc > ARENA_SIZE)
		old = -ENOMEM;
	else
		brk_used += inc;
	pthread_mutex_unlock(&sys_lock);
	return old;
}

static long do_read(long fd, char *buf, long n)
{
	long k = 0;

	if (fd != 0)
		return -EBADF;
	pthread_mutex_lock(&sys_lock);
	for (; k < n && *input; k++)
		buf[k] = *input++;
	pthread_mutex_unlock(&sys_lock);
	return k;
}

static bool any_entry(uint32_t status)
{
	for (int p = 0; p < knpages; p++)
		for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++)
			if (__atomic_load_n(&kpages[p].entry[i].status, __ATOMIC_ACQUIRE) == status)
				return true;
	return false;
}

/* Sleeps until an entry is DONE; -EINVAL, as a protocol error, if none is
 * in flight at all. */
static long do_flexsc_wait(void)
{
	count(&shim_stats.waits);
	if (!any_entry(FLEXSC_SUBMITTED) && !any_entry(FLEXSC_BUSY) && !any_entry(FLEXSC_DONE)) {
		count(&shim_stats.bad);
		return -EINVAL;
	}
	pthread_mutex_lock(&done_lock);
	while (!any_entry(FLEXSC_DONE))
		pthread_cond_wait(&done, &done_lock);
	pthread_mutex_unlock(&done_lock);
	return 0;
}

static long do_flexsc_wake(void)
{
	count(&shim_stats.wakes);
	__atomic_store_n(&kpages[0].header.need_wakeup, 0, __ATOMIC_RELAXED);
	pthread_mutex_lock(&bell_lock);
	bell_rings++;
	pthread_cond_broadcast(&bell);
	pthread_mutex_unlock(&bell_lock);
	return 0;
}

static long dispatch(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* Runs every SUBMITTED entry it can claim. Returns whether there was one. */
static bool serve(void)
{
	bool any = false;

	for (int p = 0; p < knpages; p++) {
		for (int i = 0; i < FLEXSC_ENTRIES_PER_PAGE; i++) {
			struct flexsc_entry *e = &kpages[p].entry[i];
			uint32_t status = FLEXSC_SUBMITTED;
			long a[6], ret;
			unsigned nr;

			if (__atomic_load_n(&e->status, __ATOMIC_RELAXED) > FLEXSC_DONE)
				count(&shim_stats.bad);
			if (!__atomic_compare_exchange_n(&e->status, &status, FLEXSC_BUSY, false,
							 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				continue;
			nr = e->sysnum;
			memcpy(a, e->args, sizeof(a));
			ret = dispatch(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			e->ret = ret;
			__atomic_store_n(&e->status, FLEXSC_DONE, __ATOMIC_RELEASE);
			count(&shim_stats.served);
			pthread_mutex_lock(&done_lock);
			pthread_cond_broadcast(&done);
			pthread_mutex_unlock(&done_lock);
			any = true;
		}
	}
	return any;
}

/* A syscall thread: serves the pages; sleeps, by the doorbell protocol,
 * after a while without work. */
static void *kthread(void *unused)
{
	int idle = 0;

	(void)unused;
	for (;;) {
		unsigned long rung;

		if (serve()) {
			idle = 0;
			continue;
		}
		if (++idle < KIDLE_SCANS) {
			sched_yield();
			continue;
		}
		idle = 0;
		pthread_mutex_lock(&bell_lock);
		rung = bell_rings;
		pthread_mutex_unlock(&bell_lock);
		__atomic_store_n(&kpages[0].header.need_wakeup, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (serve())
			continue;
		count(&shim_stats.sleeps);
		pthread_mutex_lock(&bell_lock);
		while (bell_rings == rung)
			pthread_cond_wait(&bell, &bell_lock);
		pthread_mutex_unlock(&bell_lock);
	}
	return NULL;
}

static long do_flexsc_register(long npages)
{
	pthread_t t;

	if (kpages)
		return -EBUSY;
	if (npages < 1 || npages > FLEXSC_MAX_PAGES)
		return -EINVAL;
	kpages = aligned_alloc(FLEXSC_PAGE_SIZE, npages * FLEXSC_PAGE_SIZE);
	memset(kpages, 0, npages * FLEXSC_PAGE_SIZE);
	kpages[0].header.npages = npages;
	knpages = npages;
	for (int i = 0; i < NKTHREADS; i++) {
		pthread_create(&t, NULL, kthread, NULL);
		pthread_detach(t);
	}
	return (long)kpages;
}

static long echo(long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (a1 >= 0 && a1 < SHIM_MAX_IDS)
		__atomic_add_fetch(&shim_hits[a1], 1, __ATOMIC_RELAXED);
	if (a1 % 7 == 0) {
		/* Some calls take a while, so that they finish out of order. */
		for (int i = 0; i < 200; i++)
			__asm__ volatile("pause");
	}
	return shim_echo_value(a1, a2, a3, a4, a5, a6);
}

static long dispatch(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct timespec ts;

	switch (nr) {
	case SYS_null:
	case SYS_yield:
	case SYS_getcpu:
	case SYS_kill:
		return 0;
	case SYS_exit:
		fflush(stdout);
		_exit((int)a1);
	case SYS_getpid:
		return 7;
	case SYS_spawn:
		return do_spawn((const char *)a1, (char *const *)a2);
	case SYS_wait:
		return do_wait(a1, (int *)a2);
	case SYS_read:
		return do_read(a1, (char *)a2, a3);
	case SYS_write:
		return do_write(a1, (const char *)a2, a3);
	case SYS_sbrk:
		return do_sbrk(a1);
	case SYS_sleep_ns:
		ts.tv_sec = a1 / 1000000000;
		ts.tv_nsec = a1 % 1000000000;
		nanosleep(&ts, NULL);
		return 0;
	case SYS_time_ns:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return ts.tv_sec * 1000000000L + ts.tv_nsec;
	case SYS_ps:
		return do_ps((struct proc_info *)a1, a2);
	case SYS_sysinfo:
		return do_sysinfo((struct sysinfo *)a1);
	case SYS_flexsc_register:
		return do_flexsc_register(a1);
	case SYS_flexsc_wait:
		return do_flexsc_wait();
	case SYS_flexsc_wake:
		return do_flexsc_wake();
	case SYS_poweroff:
		return -EPERM;
	case SHIM_SYS_ECHO:
		return echo(a1, a2, a3, a4, a5, a6);
	default:
		return -ENOSYS;
	}
}

long syscall_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	shim_stats.traps++;
	return dispatch(nr, a1, a2, a3, a4, a5, a6);
}

long syscall_syscall_0(long nr)
{
	return syscall_syscall(nr, 0, 0, 0, 0, 0, 0);
}

long syscall_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return syscall_syscall(nr, a1, a2, a3, a4, a5, a6);
}

long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (path == PATH_FLEXSC)
		return syscall_flexsc_hook(nr, a1, a2, a3, a4, a5, a6);
	return syscall_syscall(nr, a1, a2, a3, a4, a5, a6);
}

int syscall_path_set(enum syscall_path p)
{
	if ((unsigned)p >= PATH_COUNT)
		return -EINVAL;
	if (p == PATH_FLEXSC && !syscall_flexsc_hook)
		return -ENOTSUP;
	path = p;
	return 0;
}

enum syscall_path syscall_path_get(void)
{
	return path;
}

const char *syscall_path_name(enum syscall_path p)
{
	static const char *const names[] = { "int80", "syscall", "sysenter", "flexsc" };

	return (unsigned)p < PATH_COUNT ? names[p] : "?";
}
