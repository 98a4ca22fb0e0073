/*
 * The exless system call ABI, shared by the kernel and userlib.
 *
 * One X-macro list generates the kernel dispatch table (kernel/syscall.c), the
 * SYS_* numbers and the userlib stubs for every entry path. Each path passes
 * the same registers to the same dispatcher:
 *
 *   number      rax
 *   arguments   rdi, rsi, rdx, r10, r8, r9
 *   result      rax (negative errno on failure, see abi/errno.h)
 *
 * Registers each way in clobbers besides rax (documented at each entry stub):
 *   int $0x80          rcx, r11 (zero)
 *   syscall/sysretq    rcx (return rip), r11 (rflags)
 *   sysenter/sysexitq  rcx (user rsp in), r11 (return rip in), rdx on return,
 *                      arithmetic flags
 * and on every path the argument registers rdi rsi rdx r10 r8 r9 come back
 * either as they were or zero (the kernel does not save them on its fast
 * path). Everything else is kept.
 */
#ifndef EXLESS_ABI_SYSCALL_H
#define EXLESS_ABI_SYSCALL_H

/*
 * X(name, number, argument count, flags) -- one line per call, in number
 * order (a number not listed answers -ENOSYS). The kernel
 * takes a call's argument count from here, whichever way it comes in (a
 * syscall page's entry carries none). Flags:
 *   SCF_TRAP   trap only: the process's own business, refused (-EINVAL)
 *              from a syscall page
 *   SCF_WAITS  may wait for something else to happen (data, a peer, a
 *              child, a timer): single-core FlexSC's inline mode leaves it
 *              to a syscall thread (kernel/flexsc.c)
 */
#define SCF_TRAP 1
#define SCF_WAITS 2
#define EXLESS_SYSCALLS(X)                                                     \
	X(null, 0, 0, 0)         /* does nothing, returns 0: for measurement */  \
	X(exit, 1, 1, SCF_TRAP)  /* (status) never returns */                    \
	X(getpid, 2, 0, 0)       /* -> pid */                                    \
	X(yield, 3, 0, 0)        /* give up the CPU */                           \
	X(getcpu, 4, 0, 0)       /* -> CPU number the caller runs on */          \
	X(setaffinity, 5, 2, 0)  /* (pid or 0, cpu mask) */                      \
	X(spawn, 6, 2, 0)        /* (name, argv or NULL) -> pid */              \
	X(wait, 7, 2, SCF_WAITS) /* (pid or -1, int *status) -> pid */           \
	X(kill, 8, 1, 0)         /* (pid) */                                     \
	X(open, 9, 2, 0)         /* (path, O_* flags) -> fd */                   \
	X(close, 10, 1, 0)       /* (fd) */                                      \
	X(read, 11, 3, SCF_WAITS) /* (fd, buf, len) -> bytes */                  \
	X(write, 12, 3, SCF_WAITS) /* (fd, buf, len) -> bytes */                 \
	X(brk, 13, 1, 0)         /* (new end or 0) -> current end */             \
	X(sbrk, 14, 1, 0)        /* (increment) -> old end */                    \
	X(sleep_ns, 15, 1, SCF_WAITS) /* (nanoseconds) */                        \
	X(time_ns, 16, 0, 0)     /* -> nanoseconds since boot */                 \
	X(ps, 17, 2, 0)          /* (struct proc_info *, max) -> count */        \
	X(sysinfo, 18, 1, 0)     /* (struct sysinfo *) */                        \
	X(shm, 19, 1, 0)         /* (key) -> address of a page shared by key */  \
	X(flexsc_register, 20, 1, SCF_TRAP) /* (npages) -> address of syscall pages */ \
	X(flexsc_wait, 21, 0, SCF_TRAP) /* until an entry completes (abi/flexsc.h) */ \
	X(flexsc_wake, 22, 0, SCF_TRAP) /* ring the doorbell, look at every entry */ \
	X(poweroff, 23, 1, 0)    /* (status) end the machine: init only */       \
	X(pread, 24, 4, SCF_WAITS) /* (fd, buf, len, offset) -> bytes */         \
	X(pwrite, 25, 4, SCF_WAITS) /* (fd, buf, len, offset) -> bytes */        \
	X(lseek, 26, 3, 0)       /* (fd, offset, SEEK_*) -> new offset */        \
	X(stat, 27, 2, 0)        /* (path, struct stat *) */                     \
	X(fstat, 28, 2, 0)       /* (fd, struct stat *) */                       \
	X(unlink, 29, 1, 0)      /* (path) remove a file */                      \
	X(mkdir, 30, 1, 0)       /* (path) */                                    \
	X(rmdir, 31, 1, 0)       /* (path) remove an empty directory */          \
	X(readdir, 32, 3, 0)     /* (fd, struct dirent *, max) -> entries */     \
	X(rename, 33, 2, 0)      /* (old path, new path) */                      \
	X(dup, 34, 1, 0)         /* (fd) -> lowest free fd */                    \
	X(dup2, 35, 2, 0)        /* (fd, newfd) -> newfd */                      \
	X(pipe, 36, 1, 0)        /* (int fds[2]) read end, write end */         \
	X(thread_create, 37, 3, 0) /* (entry, stack top, arg) -> tid; rdi = arg */ \
	X(thread_exit, 38, 1, SCF_TRAP) /* (status) the caller; the last ends the process */ \
	X(thread_join, 39, 2, SCF_WAITS) /* (tid, int *status) -> tid, once it ended */ \
	X(futex_wait, 40, 3, SCF_WAITS) /* (u32 *addr, expected, timeout ns or 0) */ \
	X(futex_wake, 41, 2, 0)  /* (u32 *addr, most to wake) -> woken */        \
	X(gettid, 42, 0, SCF_TRAP) /* -> the calling thread's id */ \
	X(socket, 48, 3, 0)      /* (AF_UNIX, SOCK_STREAM, 0) -> fd */           \
	X(bind, 49, 2, 0)        /* (fd, path) name it in the file tree */       \
	X(listen, 50, 2, 0)      /* (fd, backlog) */                             \
	X(accept, 51, 1, SCF_WAITS) /* (fd) -> fd of the next connection */      \
	X(connect, 52, 2, SCF_WAITS) /* (fd, path) */                            \
	X(socketpair, 53, 1, 0)  /* (int fds[2]) two connected sockets */        \
	X(shutdown, 54, 2, 0)    /* (fd, SHUT_*) */                              \
	X(poll, 55, 3, SCF_WAITS) /* (struct pollfd *, n, timeout ns or -1) -> ready fds */

#ifndef __ASSEMBLER__
enum {
#define EXLESS_SYSNUM(name, nr, nargs, flags) SYS_##name = nr,
	EXLESS_SYSCALLS(EXLESS_SYSNUM)
#undef EXLESS_SYSNUM
	SYS_COUNT,
};

#endif

/* A reserved number answered in each trapping entry stub with no dispatch:
 * the bare entry/exit floor of that path. Returns 0. */
#define SYS_FLOOR 0x3ff

#ifndef __ASSEMBLER__
/* The ways into the kernel, for userlib's syscall_path_set(). */
enum syscall_path {
	PATH_INT80,
	PATH_SYSCALL,
	PATH_SYSENTER,
	PATH_FLEXSC,
	PATH_COUNT,
};

/* open() flags (Linux's values). A path without a leading '/' names an
 * entry of /dev: open("null") is open("/dev/null"). */
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_ACCMODE 3
#define O_CREAT 0x40
#define O_EXCL 0x80
#define O_TRUNC 0x200
#define O_APPEND 0x400

/* lseek() whence */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define FS_PATH_MAX 256    /* bytes of a path, with its NUL */
#define FS_NAME_MAX 59     /* bytes of one path component */
/* Limits of the RAM file system: each gives an error, never a panic. */
#define FS_FILE_MAX (4ul << 20)   /* bytes of one file: -EFBIG beyond */
#define FS_DIR_MAX 256            /* entries of one directory: -ENOSPC */
#define FS_MAX_INODES 1024        /* files, directories, devices: -ENOSPC */
#define FS_MAX_PAGES 8192         /* pages of file data in all (32 MiB): -ENOSPC */
#define PIPE_SIZE 4096            /* bytes a pipe buffers */
#define PIPE_ATOMIC 512           /* writes of at most this many bytes are never interleaved */

/* stat.type, dirent.type */
enum file_type { FT_NONE, FT_FILE, FT_DIR, FT_DEV, FT_PIPE, FT_SOCK };

/* Local stream sockets (Linux's values). A bound socket is a name of type
 * FT_SOCK in the file tree; unlink removes it. */
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOCK_BUF_SIZE 16384       /* bytes buffered each way of a connection */
#define SOCK_BACKLOG_MAX 64       /* listen()'s backlog is clamped to 1 .. this */
#define SOCK_MAX 256              /* sockets in all (accepted ones too): -ENFILE */

/* poll() */
struct pollfd {
	int fd;          /* negative: ignored (revents 0) */
	short events;    /* POLLIN, POLLOUT */
	short revents;   /* what is ready; POLLERR, POLLHUP, POLLNVAL whether asked or not */
};
#define POLLIN 0x1
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20     /* fd is not open */
#define POLL_MAX 256      /* descriptors in one poll: -EINVAL beyond */

struct stat {
	unsigned int type;    /* enum file_type */
	unsigned int nlink;   /* directory entries naming it: 1, or 0 once removed */
	unsigned long ino;    /* inode number (0 for a pipe) */
	unsigned long size;   /* bytes (a pipe: bytes buffered) */
};

struct dirent {
	unsigned long ino;
	unsigned int type;    /* enum file_type */
	char name[FS_NAME_MAX + 1];
};

#define PROC_NAME_MAX 16
#define SPAWN_MAX_ARGS 16
#define SPAWN_MAX_ARGLEN 256

/* proc_info.state; PROC_STATE_NAMES spells them in the same order. */
enum proc_state { P_FREE, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE, P_STATE_COUNT };
#define PROC_STATE_NAMES { "free", "runnable", "running", "sleeping", "zombie" }

struct proc_info {
	int pid;
	int ppid;
	int state;    /* enum proc_state */
	int cpu;      /* last CPU it ran on */
	unsigned long pages;  /* user pages mapped */
	char name[PROC_NAME_MAX];
};

struct sysinfo {
	unsigned long tsc_hz;
	unsigned int ncpus;
	unsigned int sysenter_ok;     /* sysenter/sysexit usable in long mode */
	unsigned long flexsc_cpus;    /* mask of CPUs running syscall threads */
	unsigned long free_pages;
	unsigned long heap_bytes;     /* kmalloc'd bytes in use */
	unsigned long slab_pages;     /* pages the heap holds as slabs (their placement varies) */
	char cpu_vendor[16];
	char cpu_model[52];
	char hypervisor[16];
	char cmdline[256];
	char git_rev[24];
};

#endif /* !__ASSEMBLER__ */

#endif
