/* Sleeping locks, for critical sections that copy user memory or may wait:
 * built on a spinlock and a wait queue (sched.c), never held by interrupt
 * handlers. A spinlock may be taken inside a mutex, never the reverse. */
#ifndef MUTEX_H
#define MUTEX_H

#include "types.h"
#include "spinlock.h"
#include "sched.h"

struct mutex {
	struct spinlock lk;  /* held and the sleepers */
	bool held;
	struct waitq wq;
};

void mutex_init(struct mutex *m);
/* Take m, sleeping while another thread holds it; a kill does not end the
 * wait (the holder never waits for long: it copies, it does not block). */
void mutex_lock(struct mutex *m);
/* Take m, or give up with -EINTR if the caller's process is killed
 * meanwhile (the holder may itself wait on a condition, e.g. a pipe's
 * reader for bytes). 0 once held. */
int mutex_lock_killable(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
