/*
 * System calls from user space: one stub per call, generated from the
 * kernel's list, each going through the path chosen with syscall_path_set().
 */
#ifndef USERLIB_SYS_H
#define USERLIB_SYS_H

#include "../kernel/abi/syscall.h"
#include "../kernel/abi/errno.h"

/* Raw ways in: number and up to six arguments, result in rax. */
long syscall_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long syscall_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long syscall_sysenter(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* Raw ways in for a call that takes no arguments: number only. */
long syscall_int80_0(long nr);
long syscall_syscall_0(long nr);
long syscall_sysenter_0(long nr);
/* Bare entry/exit of a trapping path (SYS_FLOOR, answered in the entry stub). */
long syscall_floor(enum syscall_path path);

/* The exception-less path: set by userlib/flexsc.c once pages are registered. */
extern long (*syscall_flexsc_hook)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* Chooses the path for every stub below; -ENOTSUP if this CPU or process
 * cannot use it (sysenter on AMD in long mode, flexsc before flexsc_init). */
int syscall_path_set(enum syscall_path path);
enum syscall_path syscall_path_get(void);
const char *syscall_path_name(enum syscall_path path);

/* Any call by number over the current path. */
long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#define SYS_DECL_0(name, nr) static inline long sys_##name(void) { return syscall6(nr, 0, 0, 0, 0, 0, 0); }
#define SYS_DECL_1(name, nr) static inline long sys_##name(long a) { return syscall6(nr, a, 0, 0, 0, 0, 0); }
#define SYS_DECL_2(name, nr) static inline long sys_##name(long a, long b) { return syscall6(nr, a, b, 0, 0, 0, 0); }
#define SYS_DECL_3(name, nr) static inline long sys_##name(long a, long b, long c) { return syscall6(nr, a, b, c, 0, 0, 0); }
#define SYS_DECL_4(name, nr) static inline long sys_##name(long a, long b, long c, long d) { return syscall6(nr, a, b, c, d, 0, 0); }
#define SYS_DECL(name, nr, nargs, flags) SYS_DECL_##nargs(name, nr)
EXLESS_SYSCALLS(SYS_DECL)
#undef SYS_DECL

/* Local stream sockets and poll with POSIX-like signatures (sys.c), over
 * the current path. Each returns what the kernel does: the result, or a
 * negative errno (there is no errno variable). */
int socket(int domain, int type, int proto);   /* AF_UNIX, SOCK_STREAM, 0 */
int bind(int fd, const char *path);
int listen(int fd, int backlog);
int accept(int fd);
int connect(int fd, const char *path);
int socketpair(int fds[2]);
int shutdown(int fd, int how);
/* timeout_ns < 0: no timeout; 0: look once. */
int poll(struct pollfd *fds, unsigned n, long timeout_ns);

#endif
