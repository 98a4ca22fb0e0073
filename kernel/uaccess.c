/* User memory access for the process the current thread acts for (its own,
 * or a syscall thread's client, whose address space is loaded). */
#include "uaccess.h"
#include "proc.h"
#include "vm.h"
#include "trap.h"
#include "mm.h"
#include "panic.h"
#include "spinlock.h"
#include "arch/x86_64/cpu.h"
#include "abi/errno.h"

/* A user copy may fault and, with threads, wait on another CPU's TLB
 * shootdown: never with interrupts off or a spinlock held. */
static void check_context(const char *what)
{
	if (spin_any_held() || !(read_rflags() & RFLAGS_IF))
		panic("%s with interrupts off or a spinlock held", what);
}

bool user_range_ok(u64 addr, u64 n, bool write)
{
	struct proc *p = current_proc();
	return p && vm_user_range_ok(p->as, addr, n, write);
}

long copy_from_user(void *dst, u64 user_src, u64 n)
{
	check_context("copy_from_user");
	if (!user_range_ok(user_src, n, false))
		return -EFAULT;
	return copy_user_raw(dst, (const void *)user_src, n);
}

long get_user_u32_locked(u32 *dst, u64 user_src)
{
	if (!user_range_ok(user_src, sizeof(*dst), false))
		return -EFAULT;
	return copy_user_raw(dst, (const void *)user_src, sizeof(*dst));
}

long copy_to_user(u64 user_dst, const void *src, u64 n)
{
	check_context("copy_to_user");
	if (!user_range_ok(user_dst, n, true))
		return -EFAULT;
	return copy_user_raw((void *)user_dst, src, n);
}

long clear_user(u64 user_dst, u64 n)
{
	static const u8 zeros[512];
	check_context("clear_user");
	if (!user_range_ok(user_dst, n, true))
		return -EFAULT;
	for (u64 done = 0; done < n; done += sizeof(zeros)) {
		long r = copy_user_raw((void *)(user_dst + done), zeros, MIN(sizeof(zeros), n - done));
		if (r)
			return r;
	}
	return 0;
}

long strncpy_from_user(char *dst, u64 user_src, u64 max)
{
	check_context("strncpy_from_user");
	struct proc *p = current_proc();
	if (!p || !max || user_src < PAGE_SIZE || user_src >= USER_TOP)
		return -EFAULT;
	u64 limit = MIN(max, USER_TOP - user_src);
	/* Check page by page as far as the string may reach. */
	for (u64 a = ALIGN_DOWN(user_src, PAGE_SIZE); a < user_src + limit; a += PAGE_SIZE) {
		if (!vm_user_range_ok(p->as, MAX(a, user_src), 1, false)) {
			limit = MAX(a, user_src) - user_src;
			break;
		}
	}
	long n = copy_user_str(dst, (const char *)user_src, limit);
	if (n < 0)
		return n;
	if ((u64)n == limit) {
		if (limit < max)
			return -EFAULT; /* ran into unmapped memory before a NUL */
		dst[max - 1] = 0;
		return -ENAMETOOLONG;
	}
	return n;
}
