/* Futex-style wait and wake on a 32-bit word of the current process. */
#ifndef FUTEX_H
#define FUTEX_H

#include "types.h"

void futex_init(void);
/* Sleep until a futex_wake on uaddr (0), unless the word there is not
 * expected (-EAGAIN); timeout_ns 0 waits with no limit, else -ETIMEDOUT
 * after it. -EINVAL: not 4-byte aligned or a negative timeout; -EFAULT: not
 * readable user memory; -EINTR: killed. */
long futex_wait(u64 uaddr, u32 expected, u64 timeout_ns);
/* Wake up to n threads of the current process sleeping on uaddr; how many. */
long futex_wake(u64 uaddr, u64 n);

#endif
