/* Exception-less system calls: the kernel side (see abi/flexsc.h). */
#ifndef FLEXSC_H
#define FLEXSC_H

#include "types.h"

struct proc;
struct thread;

void flexsc_init(void);   /* start syscall threads on flexsc.cores */
long flexsc_register(struct proc *p, u64 npages);
long sys_flexsc_wait(void);
long flexsc_wake(struct proc *p);
/* Called by a syscall thread about to block: a spare takes over polling. */
void flexsc_worker_blocking(struct thread *t);
/* Timer tick: a call holding its core's poller too long hands polling over. */
void flexsc_tick(void);
/* Process teardown: wait for in-flight entries, unregister, free pages. */
void flexsc_release(struct proc *p);
/* p is being preempted: in single-core mode, let the syscall threads run
 * its entries. */
void flexsc_preempted(struct proc *p);
u64 flexsc_cpu_mask(void);
/* A kill: calls syscall threads are blocked in for p return -EINTR. */
void flexsc_interrupt(struct proc *p);
/* Tests: wait until the syscall thread pools are back to their idle
 * threads, those that ended freed. */
void flexsc_pool_settle(void);

#endif
