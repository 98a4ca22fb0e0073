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
 *   int $0x80          none
 *   syscall/sysretq    rcx (return rip), r11 (rflags)
 *   sysenter/sysexitq  rcx (user rsp in), r11 (return rip in), rdx on return,
 *                      arithmetic flags
 */
#ifndef EXLESS_ABI_SYSCALL_H
#define EXLESS_ABI_SYSCALL_H

/* X(name, number, argument count) -- one line per call. */
#define EXLESS_SYSCALLS(X)                                                     \
	X(null, 0, 0)            /* does nothing, returns 0: for measurement */  \
	X(exit, 1, 1)            /* (status) never returns */                    \
	X(getpid, 2, 0)          /* -> pid */                                    \
	X(yield, 3, 0)           /* give up the CPU */                           \
	X(getcpu, 4, 0)          /* -> CPU number the caller runs on */          \
	X(setaffinity, 5, 2)     /* (pid or 0, cpu mask) */                      \
	X(spawn, 6, 2)           /* (name, argv or NULL) -> pid */              \
	X(wait, 7, 2)            /* (pid or -1, int *status) -> pid */           \
	X(kill, 8, 1)            /* (pid) */                                     \
	X(open, 9, 2)            /* (device name, flags) -> fd */                \
	X(close, 10, 1)          /* (fd) */                                      \
	X(read, 11, 3)           /* (fd, buf, len) -> bytes */                   \
	X(write, 12, 3)          /* (fd, buf, len) -> bytes */                   \
	X(brk, 13, 1)            /* (new end or 0) -> current end */             \
	X(sbrk, 14, 1)           /* (increment) -> old end */                    \
	X(sleep_ns, 15, 1)       /* (nanoseconds) */                             \
	X(time_ns, 16, 0)        /* -> nanoseconds since boot */                 \
	X(ps, 17, 2)             /* (struct proc_info *, max) -> count */        \
	X(sysinfo, 18, 1)        /* (struct sysinfo *) */                        \
	X(shm, 19, 1)            /* (key) -> address of a page shared by key */  \
	X(flexsc_register, 20, 1) /* (npages) -> address of syscall pages */     \
	X(flexsc_wait, 21, 0)    /* block until an entry of ours is DONE */      \
	X(flexsc_wake, 22, 0)    /* ring the doorbell of sleeping syscall threads */ \
	X(poweroff, 23, 1)       /* (status) end the machine: init only */

#ifndef __ASSEMBLER__
enum {
#define EXLESS_SYSNUM(name, nr, nargs) SYS_##name = nr,
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

/* open() flags */
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2

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
	char cpu_vendor[16];
	char cpu_model[52];
	char hypervisor[16];
	char cmdline[256];
	char git_rev[24];
};

#endif /* !__ASSEMBLER__ */

#endif
