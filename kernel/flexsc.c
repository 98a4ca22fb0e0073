/* Exception-less system calls: not in this build yet (issue 4). Until then
 * the three calls answer -ENOSYS, no CPU is reserved for syscall threads,
 * and a process never has syscall pages to release. */
#include "flexsc.h"
#include "abi/errno.h"

void flexsc_init(void) {}
long flexsc_register(struct proc *p, u64 npages) { (void)p, (void)npages; return -ENOSYS; }
long flexsc_wait(struct proc *p) { (void)p; return -ENOSYS; }
long flexsc_wake(struct proc *p) { (void)p; return -ENOSYS; }
void flexsc_worker_blocking(struct thread *t) { (void)t; }
void flexsc_release(struct proc *p) { (void)p; }
void flexsc_run_pending(struct proc *p) { (void)p; }
u64 flexsc_cpu_mask(void) { return 0; }
