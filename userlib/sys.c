/* Choosing the way into the kernel at run time. */
#include "sys.h"

static enum syscall_path current_path = PATH_SYSCALL;
static int sysenter_state; /* 0 unknown, 1 usable, -1 not on this CPU */
long (*syscall_flexsc_hook)(long, long, long, long, long, long, long);

/* PATH_FLEXSC's stub: whatever hook is installed now (uthread_run installs
 * its own while it runs). */
static long flexsc_stub(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return syscall_flexsc_hook(nr, a1, a2, a3, a4, a5, a6);
}

static long (*const path_stubs[PATH_COUNT])(long, long, long, long, long, long, long) = {
	[PATH_INT80] = syscall_int80,
	[PATH_SYSCALL] = syscall_syscall,
	[PATH_SYSENTER] = syscall_sysenter,
	[PATH_FLEXSC] = flexsc_stub,
};

/* current_path's stub: syscall6 is one indirect jump. */
static long (*current_stub)(long, long, long, long, long, long, long) = syscall_syscall;

static const char *const path_names[PATH_COUNT] = { "int80", "syscall", "sysenter", "flexsc" };

const char *syscall_path_name(enum syscall_path path)
{
	return (unsigned)path < PATH_COUNT ? path_names[path] : "?";
}

int syscall_path_set(enum syscall_path path)
{
	if ((unsigned)path >= PATH_COUNT)
		return -EINVAL;
	if (path == PATH_SYSENTER) {
		if (!sysenter_state) {
			struct sysinfo si;
			sysenter_state = syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0 && si.sysenter_ok ? 1 : -1;
		}
		if (sysenter_state < 0)
			return -ENOTSUP; /* AMD CPUs raise #UD for sysenter in long mode */
	}
	if (path == PATH_FLEXSC && !syscall_flexsc_hook)
		return -ENOTSUP; /* flexsc_init() first */
	current_path = path;
	current_stub = path_stubs[path];
	return 0;
}

enum syscall_path syscall_path_get(void)
{
	return current_path;
}

long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return current_stub(nr, a1, a2, a3, a4, a5, a6);
}

int socket(int domain, int type, int proto) { return (int)sys_socket(domain, type, proto); }
int bind(int fd, const char *path) { return (int)sys_bind(fd, (long)path); }
int listen(int fd, int backlog) { return (int)sys_listen(fd, backlog); }
int accept(int fd) { return (int)sys_accept(fd); }
int connect(int fd, const char *path) { return (int)sys_connect(fd, (long)path); }
int socketpair(int fds[2]) { return (int)sys_socketpair((long)fds); }
int shutdown(int fd, int how) { return (int)sys_shutdown(fd, how); }
int poll(struct pollfd *fds, unsigned n, long timeout_ns) { return (int)sys_poll((long)fds, n, timeout_ns); }
