/* Spinlocks that disable interrupts while held, nestable, usable from any CPU. */
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include "types.h"

struct spinlock {
	u16 next, owner;  /* ticket lock: fair, so a polling CPU can't starve another */
	int cpu;          /* holder, for the deadlock check */
	const char *name;
};

#define SPINLOCK_INIT(n) { 0, 0, -1, n }

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_held(struct spinlock *l);
/* This CPU holds a spinlock (or pushed interrupts off): no sleeping and
 * no user copy (a fault or a TLB-shootdown wait there would hang it). */
bool spin_any_held(void);

/* Interrupt disabling that nests: the outermost pop restores the saved state. */
void irq_push(void);
void irq_pop(void);

#endif
