/*
 * Exception-less system calls, user side (FlexSC, Soares & Stumm, OSDI 2010).
 *
 * flexsc_init() registers syscall pages with the kernel and installs the
 * stub hook, so that after syscall_path_set(PATH_FLEXSC) every sys_* call is
 * posted to a page and reaped instead of trapping. The low-level calls below
 * post and reap entries directly; uthread.c uses them to run other user
 * threads while calls are in flight. The protocol is in kernel/abi/flexsc.h.
 */
#ifndef USERLIB_FLEXSC_H
#define USERLIB_FLEXSC_H

#include <stdbool.h>
#include "../kernel/abi/flexsc.h"
#include "../kernel/abi/syscall.h"

/* One call of a batch. */
struct flexsc_call {
	long nr;                    /* SYS_* */
	long args[6];
	long ret;                   /* out: the result, negative errno on failure */
	struct flexsc_entry *entry; /* private to flexsc_batch */
};

/* Arguments each call takes (the syscall list): the kernel reads that many
 * of an entry's args, so only those are written. */
extern const uint8_t flexsc_nargs[SYS_COUNT];

/* Counters, for benchmark reports. */
struct flexsc_stats {
	unsigned long posts; /* entries submitted */
	unsigned long wakes; /* doorbell rings: flexsc_wake traps */
	unsigned long waits; /* flexsc_wait traps */
};

extern struct flexsc_stats flexsc_stats;

/* pause iterations a waiter spins on an entry before it sleeps in
 * flexsc_wait. */
extern unsigned int flexsc_spin;

/*
 * Set by a user-level thread scheduler: parks the calling thread until entry
 * e is DONE (e NULL: until an entry is free), running other threads
 * meanwhile. Returns false at once if the caller is not such a thread.
 */
extern bool (*flexsc_park)(struct flexsc_entry *e);

int flexsc_init(int npages);
struct flexsc_entry *flexsc_post(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void flexsc_submit(int n);
void flexsc_flush(void);
long flexsc_reap(struct flexsc_entry *e);
long flexsc_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
int flexsc_batch(struct flexsc_call *calls, int n);
long flexsc_wait_any(void);
int flexsc_nfree(void);

/* Whether the kernel has finished entry e; an acquire, so e->ret may be read
 * once it says yes. */
static inline bool flexsc_done(const struct flexsc_entry *e)
{
	return __atomic_load_n(&e->status, __ATOMIC_ACQUIRE) == FLEXSC_DONE;
}

#endif
