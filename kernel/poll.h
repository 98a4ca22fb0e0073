/* Readiness of many descriptors at once (poll): a file's poll operation
 * says what it is ready for and hooks the poller onto its object, whose
 * changes then wake it. */
#ifndef POLL_H
#define POLL_H

#include "types.h"
#include "list.h"
#include "spinlock.h"

struct poll_table;

struct poll_hook {
	struct list node;        /* on the object's list of pollers */
	struct spinlock *lock;   /* the object's lock, which guards that list */
	struct poll_table *pt;
};

/* From a file's poll operation, the object's lock (lock) held: pt (NULL for
 * a look only) is woken by every poll_wake(pollers) until the poll ends. */
void poll_add(struct poll_table *pt, struct spinlock *lock, struct list *pollers);
/* The object's lock held: its state changed, every poller on the list looks again. */
void poll_wake(struct list *pollers);

#endif
