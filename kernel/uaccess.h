/* Safe access to the current process's memory: checked against its address
 * space, and recovering from faults through the exception table. */
#ifndef UACCESS_H
#define UACCESS_H

#include "types.h"

long copy_from_user(void *dst, u64 user_src, u64 n);  /* 0 or -EFAULT */
/* A 32-bit word read under a spinlock that orders it against its writers'
 * wakeups (futex_wait): 0 or -EFAULT. The caller read it with copy_from_user
 * first, so the page is in; if it went meanwhile, only demand mapping runs,
 * whose as->lock nests inside any lock held here. */
long get_user_u32_locked(u32 *dst, u64 user_src);
long copy_to_user(u64 user_dst, const void *src, u64 n);
long clear_user(u64 user_dst, u64 n);
/* A NUL-terminated string of at most max-1 bytes: length, -EFAULT or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, u64 user_src, u64 max);
bool user_range_ok(u64 addr, u64 n, bool write);

#endif
