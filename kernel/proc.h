/* Processes: an address space, open files, one or more kernel threads. */
#ifndef PROC_H
#define PROC_H

#include "types.h"
#include "sched.h"
#include "param.h"
#include "abi/syscall.h"

struct file;
struct addrspace;
struct flexsc_ctx;

struct proc {
	int pid;
	struct proc *parent;
	struct list threads;     /* its user threads, exited ones not yet joined too (proc_lock) */
	int nthreads;            /* on threads (proc_lock) */
	int nlive;               /* of which not yet ended: the last to end tears down (proc_lock) */
	struct waitq thread_done; /* one of its threads ended by thread_exit */
	struct addrspace *as;
	struct spinlock lock;    /* files[] */
	struct file *files[MAX_FDS];
	volatile bool killed;    /* killed, or exiting: calls made for it end with -EINTR */
	bool may_poweroff;       /* the kernel started it (init): poweroff is allowed */
	bool zombie;
	bool exiting;            /* exit or kill decided exit_status (proc_lock) */
	int exit_status;
	struct flexsc_ctx *flexsc;
	struct waitq child_exit; /* a child of ours became a zombie */
	struct list node;        /* all processes */
	char name[PROC_NAME_MAX];
};

struct trapframe;

void proc_init(void);
/* Load program name into a new process with argv[0..argc-1] (argv[0] is
 * conventionally the name; argc 0 gives just the name); the pid or -errno.
 * parent NULL: the kernel's own first process, the only one that may power
 * the machine off. */
int proc_spawn(const char *name, char *const argv[], int argc, struct proc *parent);
struct proc *current_proc(void);
/* Exit (and kill): every thread of the process ends; the last one to end
 * tears the process down. The first exit or kill decides the status. */
void __noreturn proc_exit(int status);
/* Threads of the current process (abi/syscall.h's thread_* calls). */
long proc_thread_create(u64 entry, u64 stack_top, u64 arg);
void __noreturn proc_thread_exit(int status);
long proc_thread_join(int tid, int *status);
/* Kill the current process from a trap, with a one-line reason. */
void proc_kill_self(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int proc_kill(int pid);
int proc_wait(int pid, int *status);
int proc_list(struct proc_info *out, int max);
u64 proc_count(void);
/* For tests: user programs as children of a kernel stand-in parent. */
int ktest_spawn_user(const char *name, const char *arg);
int ktest_wait_user(int pid);          /* its exit status */
int ktest_run_user(const char *name, const char *arg);

/* Free an exited process nobody will wait for, once its last thread is off-CPU. */
void proc_free_orphan(struct thread *t);

#endif
