/* The system call table and the one dispatcher every way in reaches:
 * int $0x80, syscall, sysenter (through syscall_dispatch) and syscall pages
 * (through syscall_run, from the syscall threads). */
#include "proc.h"
#include "flexsc.h"
#include "futex.h"
#include "mm.h"
#include "vm.h"
#include "console.h"
#include "panic.h"
#include "time.h"
#include "cmdline.h"
#include "smp.h"
#include "uaccess.h"
#include "syscall.h"
#include "trap.h"
#include "abi/errno.h"
#include "abi/syscall.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trapframe.h"
#include "arch/x86_64/tsc.h"

static long sys_null(void) { return 0; }

static long sys_exit(u64 status)
{
	proc_exit((int)status);
}

static long sys_getpid(void) { return current_proc()->pid; }

static long sys_yield(void)
{
	sched_yield();
	return 0;
}

static long sys_getcpu(void) { return this_cpu()->id; }

/* The calling thread's CPUs: id 0, its own tid, or its process's pid. */
static long sys_setaffinity(u64 id, u64 mask)
{
	struct proc *p = current_proc();
	struct thread *me = current_thread();
	if (!me->user || me->flexsc_worker)
		return -EINVAL; /* not from a syscall page's call (a syscall thread acting for p, or p's waiter inline) */
	if (id && (int)id != p->pid && (int)id != me->tid)
		return -EPERM; /* only one's own affinity */
	return sched_set_affinity(me, mask) ? -EINVAL : 0;
}

static long sys_spawn(u64 uname, u64 uargv)
{
	char name[PROC_NAME_MAX];
	long r = strncpy_from_user(name, uname, sizeof(name));
	if (r < 0)
		return r;
	char *argv[SPAWN_MAX_ARGS];
	int argc = 0;
	char *buf = 0;
	if (uargv) {
		buf = kmalloc(SPAWN_MAX_ARGS * SPAWN_MAX_ARGLEN);
		if (!buf)
			return -ENOMEM;
		for (;; argc++) {
			u64 uarg;
			if (copy_from_user(&uarg, uargv + 8 * argc, 8)) {
				r = -EFAULT;
				goto out;
			}
			if (!uarg)
				break;
			if (argc == SPAWN_MAX_ARGS) {
				r = -E2BIG;
				goto out;
			}
			argv[argc] = buf + argc * SPAWN_MAX_ARGLEN;
			r = strncpy_from_user(argv[argc], uarg, SPAWN_MAX_ARGLEN);
			if (r < 0) {
				r = r == -ENAMETOOLONG ? -E2BIG : r;
				goto out;
			}
		}
	}
	r = proc_spawn(name, argv, argc, current_proc());
out:
	kfree(buf);
	return r;
}

static long sys_wait(u64 pid, u64 ustatus)
{
	int status = 0;
	if (ustatus && !user_range_ok(ustatus, sizeof(int), true))
		return -EFAULT;
	int r = proc_wait((int)pid, &status);
	if (r > 0 && ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	return r;
}

static long sys_kill(u64 pid) { return proc_kill((int)pid); }

/* Move the break to end, or by end from where it is (relative), under the
 * address space's lock, so the threads' calls apply one after another; pages
 * wholly above a lowered break are unmapped and freed. The old break or -ENOMEM. */
static long brk_move(u64 end, bool relative)
{
	struct addrspace *as = current_proc()->as;
	spin_lock(&as->lock);
	u64 old = as->brk;
	if (relative)
		end += old;
	if (end < as->heap_start || end > as->heap_start + USER_MAX_PAGES * PAGE_SIZE) {
		spin_unlock(&as->lock);
		return -ENOMEM;
	}
	WRITE_ONCE(as->brk, end);
	spin_unlock(&as->lock);
	if (ALIGN_UP(end, PAGE_SIZE) < ALIGN_UP(old, PAGE_SIZE))
		vm_unmap_free(as, ALIGN_UP(end, PAGE_SIZE), ALIGN_UP(old, PAGE_SIZE));
	return old;
}

static long sys_brk(u64 end)
{
	if (!end)
		return READ_ONCE(current_proc()->as->brk);
	long r = brk_move(end, false);
	return r < 0 ? r : (long)end;
}

static long sys_sbrk(u64 inc)
{
	if ((i64)inc < 0 || inc > USER_MAX_PAGES * PAGE_SIZE)
		return -EINVAL;
	return brk_move(inc, true);
}

static long sys_sleep_ns(u64 ns)
{
	if ((i64)ns < 0)
		return -EINVAL;
	return sleep_ns(ns) ? 0 : -EINTR;
}

static long sys_time_ns(void) { return ktime_ns(); }

static long sys_ps(u64 ubuf, u64 max)
{
	if (max > MAX_PROCS)
		max = MAX_PROCS;
	struct proc_info *tmp = kmalloc(max * sizeof(*tmp) + 1);
	if (!tmp)
		return -ENOMEM;
	int n = proc_list(tmp, (int)max);
	long r = copy_to_user(ubuf, tmp, n * sizeof(*tmp)) ? -EFAULT : n;
	kfree(tmp);
	return r;
}

static long sys_sysinfo(u64 ubuf)
{
	struct sysinfo si = {
		.tsc_hz = tsc_hz,
		.ncpus = ncpus,
		.sysenter_ok = sysenter_ok,
		.flexsc_cpus = flexsc_cpu_mask(),
		.free_pages = pmm_free_pages(),
		.heap_bytes = kmalloc_bytes_in_use(),
		.slab_pages = kmalloc_slab_pages(),
	};
	strncpy0(si.cpu_vendor, cpu_vendor, sizeof(si.cpu_vendor));
	strncpy0(si.cpu_model, cpu_model, sizeof(si.cpu_model));
	hypervisor_name(si.hypervisor, sizeof(si.hypervisor));
	strncpy0(si.cmdline, cmdline, sizeof(si.cmdline));
	strncpy0(si.git_rev, EXLESS_GIT_REV, sizeof(si.git_rev));
	return copy_to_user(ubuf, &si, sizeof(si)) ? -EFAULT : 0;
}

#define SHM_KEYS 16
static struct spinlock shm_lock = SPINLOCK_INIT("shm");
static paddr_t shm_pages[SHM_KEYS];

/* A page shared by every process that asks for the same key. The pages
 * live as long as the kernel: at most SHM_KEYS of them. */
static long sys_shm(u64 key)
{
	if (key >= SHM_KEYS)
		return -EINVAL;
	spin_lock(&shm_lock);
	if (!shm_pages[key])
		shm_pages[key] = pmm_alloc();
	paddr_t pa = shm_pages[key];
	spin_unlock(&shm_lock);
	if (!pa)
		return -ENOMEM;
	u64 va = USER_SHM_BASE + key * PAGE_SIZE;
	int r = vm_map_page(current_proc()->as, va, pa, VM_WRITE);
	return r && r != -EEXIST ? r : (long)va;
}

static long sys_flexsc_register(u64 npages) { return flexsc_register(current_proc(), npages); }
static long sys_flexsc_wake(void) { return flexsc_wake(current_proc()); }

static long sys_thread_create(u64 entry, u64 stack_top, u64 arg) { return proc_thread_create(entry, stack_top, arg); }

static long sys_thread_exit(u64 status)
{
	proc_thread_exit((int)status);
}

static long sys_thread_join(u64 tid, u64 ustatus)
{
	int status = 0;
	if (ustatus && !user_range_ok(ustatus, sizeof(int), true))
		return -EFAULT;
	long r = proc_thread_join((int)tid, &status);
	if (r > 0 && ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	return r;
}

static long sys_futex_wait(u64 uaddr, u64 expected, u64 timeout_ns) { return futex_wait(uaddr, (u32)expected, timeout_ns); }
static long sys_futex_wake(u64 uaddr, u64 n) { return futex_wake(uaddr, n); }
static long sys_gettid(void) { return current_thread()->tid; }

static long sys_poweroff(u64 status)
{
	struct proc *p = current_proc();
	if (!p->may_poweroff)
		return -EPERM; /* only the process the kernel started, not any orphan */
	kprintf("exless: poweroff by pid %d, status %lu\n", p->pid, status);
	machine_exit(status == 0);
}

/* The numbers the list leaves out (kept for calls to come). */
static long sys_nosys(void) { return -ENOSYS; }

/* Every slot sys_nosys first, then the list's calls over it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const syscall_fn syscall_table[SYS_COUNT] = {
	[0 ... SYS_COUNT - 1] = (syscall_fn)(void (*)(void))sys_nosys,
#define SYSCALL_ENTRY(name, nr, nargs, flags) [nr] = (syscall_fn)(void (*)(void))sys_##name,
	EXLESS_SYSCALLS(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
};
#pragma GCC diagnostic pop
const u64 syscall_count = SYS_COUNT;

long syscall_run(u64 nr, const u64 a[6])
{
	if (nr >= SYS_COUNT || !syscall_table[nr])
		return -ENOSYS;
	return syscall_table[nr](a[0], a[1], a[2], a[3], a[4], a[5]);
}

void syscall_dispatch(struct trapframe *tf)
{
	u64 nr = tf->rax;
	/* The arguments straight from the frame: the trapping paths' hot path. */
	tf->rax = nr < SYS_COUNT && syscall_table[nr]
			  ? syscall_table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9)
			  : -ENOSYS;
	trap_return_to_user();
}

/* The rare work before ring 3: a kill, a preemption. */
static void __attribute__((noinline)) return_work(struct proc *p)
{
	if (p->killed)
		proc_exit(-1);
	if (sched_need_resched()) {
		flexsc_preempted(p);
		schedule();
	}
	if (p->killed)
		proc_exit(-1);
}

void trap_return_to_user(void)
{
	struct proc *p = current_proc();
	if (unlikely(p->killed || sched_need_resched()))
		return_work(p);
}
