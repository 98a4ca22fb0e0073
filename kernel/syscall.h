/* Running system calls from any way in. */
#ifndef SYSCALL_H
#define SYSCALL_H
#include "types.h"
/* Look nr up in the table and run it for the current process: its result,
 * or -ENOSYS for an unknown number. */
long syscall_run(u64 nr, const u64 args[6]);
/* Every handler takes up to six u64s; one with fewer simply ignores the
 * extra argument registers (SysV calling convention). */
typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);
/* The table the fast paths call straight from entry.S: syscall_count
 * entries, none NULL (a number the list leaves out answers -ENOSYS; a
 * KTEST checks). */
extern const syscall_fn syscall_table[];
extern const u64 syscall_count;
/* The file system calls (sysfile.c). */
long sys_open(u64 path, u64 flags);
long sys_close(u64 fd);
long sys_read(u64 fd, u64 buf, u64 n);
long sys_write(u64 fd, u64 buf, u64 n);
long sys_pread(u64 fd, u64 buf, u64 n, u64 off);
long sys_pwrite(u64 fd, u64 buf, u64 n, u64 off);
long sys_lseek(u64 fd, u64 off, u64 whence);
long sys_stat(u64 path, u64 st);
long sys_fstat(u64 fd, u64 st);
long sys_unlink(u64 path);
long sys_mkdir(u64 path);
long sys_rmdir(u64 path);
long sys_readdir(u64 fd, u64 buf, u64 max);
long sys_rename(u64 from, u64 to);
long sys_dup(u64 fd);
long sys_dup2(u64 fd, u64 newfd);
long sys_pipe(u64 fds);
/* Sockets (socket.c) and poll (poll.c). */
long sys_socket(u64 domain, u64 type, u64 proto);
long sys_bind(u64 fd, u64 path);
long sys_listen(u64 fd, u64 backlog);
long sys_accept(u64 fd);
long sys_connect(u64 fd, u64 path);
long sys_socketpair(u64 fds);
long sys_shutdown(u64 fd, u64 how);
long sys_poll(u64 fds, u64 n, u64 timeout_ns);
/* The hypervisor's CPUID signature, or "none". */
void hypervisor_name(char *buf, size_t n);
#endif
