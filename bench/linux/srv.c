/*
 * The server part of the platform layer (plat.h) on Linux: AF_UNIX stream
 * sockets, files, fork() for processes and pthreads for server threads
 * (synchronous calls only: Linux has no FlexSC). Shared by the peer's /init
 * (main.c) and the host test (srvtest.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../plat.h"
#include "../server.h"
#include "srv.h"

_Static_assert(sizeof(struct plat_pollfd) == sizeof(struct pollfd) &&
		       __builtin_offsetof(struct plat_pollfd, revents) ==
			       __builtin_offsetof(struct pollfd, revents) &&
		       PLAT_POLLIN == POLLIN,
	       "struct plat_pollfd is Linux's struct pollfd");

const char *const plat_srv_modes[] = { "syscall", NULL };

int plat_srv_ready(const char *mode, const char **why)
{
	if (!strcmp(mode, "syscall"))
		return 0;
	*why = "Linux has synchronous calls only";
	return 1;
}

unsigned long plat_srv_syscall_cpus(const char *mode)
{
	(void)mode;
	return 0;
}

static long err(long r)
{
	return r < 0 ? -errno : r;
}

static int sock_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

int plat_listen(const char *path, unsigned backlog)
{
	struct sockaddr_un a;
	int fd, r = sock_addr(path, &a);

	if (r)
		return r;
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, (int)backlog)) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int plat_accept(int lfd)
{
	return (int)err(accept(lfd, NULL, NULL));
}

int plat_connect(const char *path)
{
	struct sockaddr_un a;
	int r = sock_addr(path, &a);

	if (r)
		return r;
	for (int tries = 0;; tries++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		r = -errno;
		close(fd);
		if ((r != -EAGAIN && r != -ECONNREFUSED) || tries == 1000)
			return r;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
}

void plat_unlink(const char *path)
{
	unlink(path);
}

int plat_poll(struct plat_pollfd *fds, unsigned n, unsigned timeout_ms)
{
	return (int)err(poll((struct pollfd *)fds, n, (int)timeout_ms));
}

int plat_file_open(const char *path)
{
	return (int)err(open(path, O_RDONLY));
}

long plat_file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : (long)st.st_size;
}

long plat_fd_read(int fd, void *buf, unsigned long n)
{
	return err(read(fd, buf, n));
}

long plat_fd_write(int fd, const void *buf, unsigned long n)
{
	return err(write(fd, buf, n));
}

int plat_fd_close(int fd)
{
	return (int)err(close(fd));
}

void *plat_malloc(unsigned long bytes)
{
	return malloc(bytes);
}

void plat_free(void *p)
{
	free(p);
}

void plat_yield(void)
{
	sched_yield();
}

static void mask_set(unsigned long mask, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (unsigned c = 0; c < 64; c++)
		if (mask >> c & 1)
			CPU_SET(c, set);
}

/* fork(): the child has all of the caller's memory, arg included. */
long plat_proc_start(unsigned long mask, int (*fn)(void *arg), const void *arg, unsigned len)
{
	cpu_set_t set;
	pid_t pid;

	if (len > PLAT_PROC_ARG_MAX)
		return -E2BIG;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r = 2;

		mask_set(mask, &set);
		if (!sched_setaffinity(0, sizeof(set), &set))
			r = fn((void *)arg);
		fflush(stdout);
		_exit(r);
	}
	return pid;
}

int plat_proc_wait(long handle)
{
	int status;

	if (waitpid((pid_t)handle, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct srv_thread {
	pthread_t t;
	int (*fn)(void *arg, unsigned i);
	void *arg;
	unsigned i;
	int r;
};

static void *srv_thread_main(void *p)
{
	struct srv_thread *t = p;

	t->r = t->fn(t->arg, t->i);
	return NULL;
}

/* The n-th CPU (from 0) of mask, counting from the lowest. */
static unsigned mask_cpu(unsigned long mask, unsigned n)
{
	while (n--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctzl(mask);
}

int plat_srv_threads(const char *mode, unsigned n, unsigned long mask,
		     int (*fn)(void *arg, unsigned i), void *arg, unsigned len)
{
	struct srv_thread *t = calloc(n, sizeof(*t));
	unsigned started = 0, cores = (unsigned)__builtin_popcountl(mask);
	int r = 0;

	(void)len;
	if (strcmp(mode, "syscall") || !mask)
		r = -EINVAL;
	else if (!t)
		r = -ENOMEM;
	/* Thread i pinned to the (i mod cores)-th CPU of mask, as on exless. */
	for (; !r && started < n; started++) {
		pthread_attr_t attr;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(mask_cpu(mask, started % cores), &set);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		t[started] = (struct srv_thread){ .fn = fn, .arg = arg, .i = started };
		r = -pthread_create(&t[started].t, &attr, srv_thread_main, &t[started]);
		pthread_attr_destroy(&attr);
		if (r)
			break;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(t[i].t, NULL);
		if (!r)
			r = t[i].r;
	}
	free(t);
	return r;
}

int srv_web_docs_write(const char *dir)
{
	static const unsigned long kib[] = { WEB_DOC_KIB };
	char path[256];

	snprintf(path, sizeof(path), "%s/www", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	for (unsigned d = 0; d < sizeof(kib) / sizeof(kib[0]); d++) {
		unsigned long n = kib[d] << 10;
		char *buf = malloc(n);
		int fd;
		ssize_t w;

		if (!buf)
			return -ENOMEM;
		for (unsigned long i = 0; i < n; i++)
			buf[i] = web_doc_byte(n, i);
		snprintf(path, sizeof(path), "%s/www/doc-%lu.txt", dir, n);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		w = fd < 0 ? -1 : write(fd, buf, n);
		free(buf);
		if (fd < 0)
			return -errno;
		if (close(fd) || w != (ssize_t)n)
			return -EIO;
	}
	return 0;
}
