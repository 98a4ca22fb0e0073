/* Processes: spawn from an embedded ELF, threads, exit, wait, kill, and
 * teardown that gives back every page, table, stack and file.
 *
 * A process has one or more user threads sharing its address space and
 * descriptor table (p->threads, under proc_lock). thread_exit ends one
 * thread, which stays on the list until joined; exit and kill end them all.
 * Each thread that ends counts p->nlive down, having switched to the kernel
 * tables first, and the one that takes it to 0 tears the process down (the
 * one teardown, proc_exit), so the address space, files and FlexSC context
 * go exactly once, after every other thread is off them. Thread structs and
 * kernel stacks go when joined, or with the process when it is reaped. */
#include "proc.h"
#include "elf.h"
#include "file.h"
#include "vfs.h"
#include "flexsc.h"
#include "mm.h"
#include "vm.h"
#include "console.h"
#include "panic.h"
#include "userprog.h"
#include "uaccess.h"
#include "abi/errno.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/segments.h"
#include "arch/x86_64/trapframe.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/lapic.h"
#include "trap.h"
#include "test.h"
#include "arch/x86_64/cpu.h"

extern const struct user_program user_programs[];
extern const u64 user_programs_count;

static struct spinlock proc_lock = SPINLOCK_INIT("procs"); /* the list, parents, zombies */
static struct list procs = LIST_INIT(procs);
static int next_pid = 1;
static u64 nprocs;
static int next_cpu;

const struct user_program *userprog_find(const char *name)
{
	for (u64 i = 0; i < user_programs_count; i++)
		if (!strcmp(user_programs[i].name, name))
			return &user_programs[i];
	return 0;
}

/* The console the kernel's children get on 0, 1 and 2: opened once, so it
 * stays theirs whatever becomes of the name /dev/console. */
static struct file *console;

void proc_init(void)
{
	if (vfs_open("/dev/console", O_RDWR, &console))
		panic("proc: no /dev/console");
	kprintf("proc: %lu user programs built in\n", user_programs_count);
}

struct proc *current_proc(void)
{
	return current_thread()->proc;
}

u64 proc_count(void)
{
	return READ_ONCE(nprocs);
}

/* argv strings, then the argv array, then argc, SysV style: rsp -> argc. */
static int push_args(struct addrspace *as, char *const argv[], int argc, u64 *sp_out)
{
	int r = vm_map_zero(as, USER_STACK_TOP - PAGE_SIZE, PAGE_SIZE, VM_WRITE);
	if (r)
		return r;
	u8 *page = phys_to_virt(vm_lookup(as, USER_STACK_TOP - PAGE_SIZE, 0));
	u64 off = PAGE_SIZE, uargv[SPAWN_MAX_ARGS + 1];
	for (int i = argc - 1; i >= 0; i--) {
		u64 n = strlen(argv[i]) + 1;
		if (n > off - 512)
			return -E2BIG;
		off -= n;
		memcpy(page + off, argv[i], n);
		uargv[i] = USER_STACK_TOP - PAGE_SIZE + off;
	}
	uargv[argc] = 0;
	off = ALIGN_DOWN(off, 16) - 8 * (argc + 2) - ((argc & 1) ? 0 : 8);
	u64 *w = (u64 *)(page + off);
	w[0] = argc;
	memcpy(&w[1], uargv, 8 * (argc + 1));
	*sp_out = USER_STACK_TOP - PAGE_SIZE + off;
	return 0;
}

/* Its first run: return to ring 3 through the trapframe kthread_create left
 * room for, unless its process was killed meanwhile. */
static void user_thread_start(void *arg)
{
	(void)arg;
	trap_return_to_user();
}

/* Make kernel thread t a user thread of p that enters ring 3 at rip with
 * rsp and rdi = arg, every other register zero. */
static void user_thread_init(struct thread *t, struct proc *p, u64 rip, u64 rsp, u64 arg)
{
	t->user = true;
	t->proc = p;
	t->affinity = ~0ul;
	struct trapframe *tf = (struct trapframe *)(t->kstack_top - TF_SIZE);
	memset(tf, 0, sizeof(*tf));
	tf->rip = rip;
	tf->rsp = rsp;
	tf->rdi = arg;
	tf->cs = USER_CS;
	tf->ss = USER_SS;
	tf->rflags = RFLAGS_IF | 2;
}

static int pick_cpu(void)
{
	u64 sc = flexsc_cpu_mask();
	for (int i = 0; i < ncpus; i++) {
		int c = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % ncpus;
		if (!(sc >> c & 1))
			return c;
	}
	return 0;
}

/* Free p and every thread still on its list (each waits until off-CPU). */
static void proc_free(struct proc *p)
{
	list_for_each_safe(n, tmp, &p->threads) {
		list_del(n);
		thread_free(container_of(n, struct thread, proc_node));
	}
	kfree(p);
	__atomic_sub_fetch(&nprocs, 1, __ATOMIC_RELAXED);
}

int proc_spawn(const char *name, char *const argv[], int argc, struct proc *parent)
{
	const struct user_program *prog = userprog_find(name);
	if (!prog)
		return -ENOENT;
	if (argc > SPAWN_MAX_ARGS)
		return -E2BIG;
	struct proc *p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = -ENOMEM;
	p->as = as_create();
	if (!p->as)
		goto fail;
	u64 entry, end, sp;
	r = elf_load(p->as, prog->start, prog->end - prog->start, &entry, &end);
	if (r)
		goto fail;
	p->as->heap_start = p->as->brk = end;
	char *self[1] = { (char *)name };
	r = push_args(p->as, argc ? argv : self, argc ? argc : 1, &sp);
	if (r)
		goto fail;
	r = -ENOMEM;
	struct thread *t = kthread_create(name, user_thread_start, 0, pick_cpu());
	if (!t)
		goto fail;
	user_thread_init(t, p, entry, sp, 0);
	spin_init(&p->lock, "proc");
	waitq_init(&p->child_exit);
	waitq_init(&p->thread_done);
	list_init(&p->threads);
	strncpy0(p->name, name, sizeof(p->name));
	/* A process's children get a copy of its descriptor table (pipes reach
	 * them so); the kernel's get the console on 0, 1 and 2. */
	if (parent && parent->pid) /* a process, not the tests' stand-in */
		fd_inherit(p, parent);
	else
		for (int fd = 0; fd < 3; fd++)
			p->files[fd] = file_dup(console);
	spin_lock(&proc_lock);
	if (nprocs >= MAX_PROCS) {
		spin_unlock(&proc_lock);
		r = -EAGAIN;
		goto fail_files;
	}
	p->pid = t->tid = next_pid++;
	list_add_tail(&p->threads, &t->proc_node);
	p->nthreads = p->nlive = 1;
	p->parent = parent;
	p->may_poweroff = !parent; /* started by the kernel itself */
	list_add_tail(&procs, &p->node);
	/* Atomic, not under proc_lock alone: proc_free counts down without it
	 * (from a context switch), and a plain add could lose its update. */
	__atomic_add_fetch(&nprocs, 1, __ATOMIC_RELAXED);
	spin_unlock(&proc_lock);
	thread_make_runnable(t);
	return p->pid;
fail_files:
	fd_close_all(p);
	thread_free(t);
fail:
	if (p->as)
		as_destroy(p->as);
	kfree(p);
	return r;
}

/* Reap a zombie child (proc_lock held): unlink it and free it. */
static void reap_locked(struct proc *c)
{
	list_del(&c->node);
	proc_free(c);
}

/* Mark p killed and make each of its threads but the caller notice (proc_lock
 * held): pulled out of any sleep, and made to trap where it runs on another
 * CPU. From then on every call made for p, by its syscall threads too, ends
 * with -EINTR rather than blocking. */
static void kill_threads_locked(struct proc *p)
{
	p->killed = true;
	sched_note_kill();
	u64 cpus_running = 0;
	list_for_each(n, &p->threads) {
		struct thread *t = container_of(n, struct thread, proc_node);
		if (t == current_thread() || t->state == T_DEAD)
			continue;
		thread_interrupt(t);
		cpus_running |= 1ul << t->cpu;
	}
	flexsc_interrupt(p);
	for (int c = 0; c < ncpus; c++)
		if ((cpus_running >> c & 1) && c != this_cpu()->id)
			lapic_send_ipi(cpus[c].apic_id, VEC_IPI_WAKE); /* make it trap and notice */
}

/* The calling thread, not its process's last, ends for good (proc_lock
 * held, dropped): off the address space first, so the last thread may free
 * it; its struct and stack stay on p->threads. */
static void __noreturn thread_leave_locked(struct proc *p)
{
	p->nlive--;
	as_switch(0);
	current_thread()->state = T_DEAD;
	spin_unlock(&proc_lock);
	schedule();
	panic("thread_leave: dead thread ran");
}

/* The one teardown, for exit and kill alike (a kill makes each thread trap
 * and come here with status -1): every thread comes through, the last one
 * to arrive frees what the process holds. */
void proc_exit(int status)
{
	struct proc *p = current_proc();
	spin_lock(&proc_lock);
	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = status;
	}
	kill_threads_locked(p);
	if (p->nlive > 1)
		thread_leave_locked(p);
	p->nlive = 0;
	spin_unlock(&proc_lock);
	flexsc_release(p); /* waits for entries syscall threads still run for us */
	fd_close_all(p);
	/* p->as goes first (under proc_lock, for proc_list): a preemption from
	 * here on loads the kernel tables for us, never the space being freed. */
	spin_lock(&proc_lock);
	struct addrspace *as = p->as;
	p->as = 0;
	as_switch(0);
	spin_unlock(&proc_lock);
	as_destroy(as);
	spin_lock(&proc_lock);
	list_for_each_safe(n, tmp, &procs) {
		struct proc *c = container_of(n, struct proc, node);
		if (c->parent != p)
			continue;
		c->parent = 0;
		if (c->zombie)
			reap_locked(c);
	}
	p->zombie = true;
	bool orphan = !p->parent;
	if (orphan)
		list_del(&p->node);
	else
		waitq_wake_all(&p->parent->child_exit);
	current_thread()->reap_on_switch = orphan; /* nobody will wait for us */
	current_thread()->state = T_DEAD;
	spin_unlock(&proc_lock);
	schedule();
	panic("proc_exit: zombie ran");
}

void proc_free_orphan(struct thread *t)
{
	proc_free(t->proc);
}

void proc_kill_self(const char *fmt, ...)
{
	struct proc *p = current_proc();
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("[pid %d %s] killed: %s\n", p->pid, p->name, msg);
	p->killed = true;
	sched_note_kill();
}

int proc_kill(int pid)
{
	spin_lock(&proc_lock);
	struct proc *t = 0;
	list_for_each(n, &procs) {
		struct proc *c = container_of(n, struct proc, node);
		if (c->pid == pid && !c->zombie)
			t = c;
	}
	if (!t) {
		spin_unlock(&proc_lock);
		return -ESRCH;
	}
	if (!t->exiting) {
		t->exiting = true;
		t->exit_status = -1;
	}
	kill_threads_locked(t);
	spin_unlock(&proc_lock);
	return 0;
}

/* A new thread of the current process entering ring 3 at entry with rsp =
 * stack_top and rdi = arg (every other register zero, default FPU state),
 * on a CPU of its own where there is one. entry and stack_top must be user
 * addresses (-EFAULT); what they point at is the process's business: a bad
 * one kills the process when the thread runs, as any fault does. */
long proc_thread_create(u64 entry, u64 stack_top, u64 arg)
{
	struct proc *p = current_proc();
	if (entry < PAGE_SIZE || entry >= USER_TOP || stack_top < PAGE_SIZE || stack_top > USER_TOP)
		return -EFAULT;
	struct thread *t = kthread_create(p->name, user_thread_start, 0, pick_cpu());
	if (!t)
		return -ENOMEM;
	user_thread_init(t, p, entry, stack_top, arg);
	spin_lock(&proc_lock);
	long r = p->killed ? -EINTR : p->nthreads >= MAX_THREADS ? -EAGAIN : 0;
	if (!r) {
		r = t->tid = next_pid++;
		list_add_tail(&p->threads, &t->proc_node);
		p->nthreads++;
		p->nlive++;
	}
	spin_unlock(&proc_lock);
	if (r < 0)
		thread_free(t);
	else
		thread_make_runnable(t);
	return r;
}

/* The calling thread ends with status, to be joined; the process's last
 * thread ends the process with it, as exit does. */
void proc_thread_exit(int status)
{
	struct proc *p = current_proc();
	struct thread *me = current_thread();
	spin_lock(&proc_lock);
	if (p->nlive == 1 || p->killed) {
		spin_unlock(&proc_lock);
		proc_exit(status);
	}
	me->exit_status = status;
	me->exited = true;
	waitq_wake_all(&p->thread_done);
	thread_leave_locked(p);
}

/* Wait for thread tid of the current process to end by thread_exit, take
 * its status and free it. Returns tid; -ESRCH (no such thread), -EDEADLK
 * (the caller itself), -EINVAL (someone else joins it), -EINTR (killed). */
long proc_thread_join(int tid, int *status)
{
	struct proc *p = current_proc();
	struct thread *t = 0;
	spin_lock(&proc_lock);
	list_for_each(n, &p->threads) {
		struct thread *c = container_of(n, struct thread, proc_node);
		if (c->tid == tid)
			t = c;
	}
	long r = !t ? -ESRCH : t == current_thread() ? -EDEADLK : t->joining ? -EINVAL : 0;
	if (r) {
		spin_unlock(&proc_lock);
		return r;
	}
	t->joining = true;
	while (!t->exited) {
		if (!waitq_sleep(&p->thread_done, &proc_lock)) {
			t->joining = false;
			spin_unlock(&proc_lock);
			return -EINTR;
		}
	}
	list_del(&t->proc_node);
	p->nthreads--;
	*status = t->exit_status;
	spin_unlock(&proc_lock);
	thread_free(t); /* waits until it is off its CPU */
	return tid;
}

static int wait_for(struct proc *me, int pid, int *status)
{
	spin_lock(&proc_lock);
	for (;;) {
		bool have = false;
		list_for_each(n, &procs) {
			struct proc *c = container_of(n, struct proc, node);
			if (c->parent != me || (pid > 0 && c->pid != pid))
				continue;
			have = true;
			if (c->zombie) {
				int cpid = c->pid;
				*status = c->exit_status;
				reap_locked(c);
				spin_unlock(&proc_lock);
				return cpid;
			}
		}
		if (!have) {
			spin_unlock(&proc_lock);
			return -ECHILD;
		}
		if (!waitq_sleep(&me->child_exit, &proc_lock)) {
			spin_unlock(&proc_lock);
			return -EINTR;
		}
	}
}

int proc_wait(int pid, int *status)
{
	return wait_for(current_proc(), pid, status);
}

int proc_list(struct proc_info *out, int max)
{
	static const int state_of[] = { [T_RUNNABLE] = P_RUNNABLE, [T_RUNNING] = P_RUNNING,
					[T_SLEEPING] = P_SLEEPING, [T_DEAD] = P_ZOMBIE };
	int n = 0;
	spin_lock(&proc_lock);
	list_for_each(it, &procs) {
		struct proc *c = container_of(it, struct proc, node);
		if (n == max)
			break;
		struct thread *t = 0; /* the first thread not yet ended, for state and CPU */
		list_for_each(tn, &c->threads) {
			struct thread *ct = container_of(tn, struct thread, proc_node);
			if (!t && ct->state != T_DEAD)
				t = ct;
		}
		out[n] = (struct proc_info){
			.pid = c->pid,
			.ppid = c->parent ? c->parent->pid : 0,
			.state = c->zombie || !t ? P_ZOMBIE : state_of[t->state],
			.cpu = t ? t->cpu : 0,
			.pages = c->as ? c->as->npages : 0,
		};
		strncpy0(out[n].name, c->name, sizeof(out[n].name));
		n++;
	}
	spin_unlock(&proc_lock);
	return n;
}

/* Tests spawn user programs as children of this stand-in parent. */
static int kspawn(const char *name, const char *arg1, const char *arg2);
static int kwait(int pid);
static int krun(const char *name, const char *arg1, const char *arg2);
static struct proc kparent = { .pid = 0, .name = "ktest", .child_exit = WAITQ_INIT(kparent.child_exit) };

int ktest_spawn_user(const char *name, const char *arg)
{
	return kspawn(name, arg, 0);
}

int ktest_wait_user(int pid)
{
	return kwait(pid);
}

int ktest_run_user(const char *name, const char *arg)
{
	return krun(name, arg, 0);
}

static int kspawn(const char *name, const char *arg1, const char *arg2)
{
	char *argv[3] = { (char *)name, (char *)arg1, (char *)arg2 };
	return proc_spawn(name, argv, arg2 ? 3 : arg1 ? 2 : 1, &kparent);
}

static int kwait(int pid)
{
	int status = -12345;
	int r = wait_for(&kparent, pid, &status);
	if (r != pid)
		ktest_fail(__FILE__, __LINE__, "wait for pid %d: %d", pid, r);
	return status;
}

static int krun(const char *name, const char *arg1, const char *arg2)
{
	int pid = kspawn(name, arg1, arg2);
	if (pid < 0) {
		ktest_fail(__FILE__, __LINE__, "spawn %s: %d", name, pid);
		return pid;
	}
	return kwait(pid);
}

KTEST(user_same_results_every_path)
{
	KEXPECT_EQ(krun("utest_paths", 0, 0), 0);
}

KTEST(user_faults_kill_only_the_process)
{
	static const char *const kinds[] = { "div0", "null", "kernel", "write-code", "hlt", "cli", "wrmsr",
					     "ud2", "int3", "in", "jump-noncanonical", "stack-overflow" };
	u64 before = pmm_free_pages();
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		int st = krun("ufault", kinds[i], 0);
		if (st != -1)
			ktest_fail(__FILE__, __LINE__, "ufault %s: status %d, want -1 (killed)", kinds[i], st);
	}
	KEXPECT_EQ(krun("utrue", "7", 0), 7); /* and the kernel goes on */
	KEXPECT_EQ(pmm_free_pages(), before);
}

KTEST(user_two_console_writers)
{
	int a = kspawn("uwriter", "writer-A", "40"), b = kspawn("uwriter", "writer-B", "40");
	KEXPECT(a > 0 && b > 0);
	KEXPECT_EQ(kwait(a), 0);
	KEXPECT_EQ(kwait(b), 0);
}

KTEST(user_blocked_reader_does_not_stop_others)
{
	int reader = kspawn("ureader", 0, 0);
	KEXPECT(reader > 0);
	sleep_ns(20000000); /* let it block on the console */
	KEXPECT_EQ(krun("utest_paths", 0, 0), 0);
	KEXPECT_EQ(proc_kill(reader), 0);
	KEXPECT_EQ(kwait(reader), -1);
}

/* Issue 8 item 10: an orphan (parent gone) is not the kernel's init. */
KTEST(user_orphan_cannot_power_off)
{
	KEXPECT_EQ(krun("uorphan", "top", 0), 0);
}

KTEST(user_sbrk_grows_heap)
{
	KEXPECT_EQ(krun("usbrk", 0, 0), 0);
}

KTEST(user_spawn_reap_1000_no_leak)
{
	KEXPECT_EQ(krun("utrue", 0, 0), 0); /* warm: first-use allocations */
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 1000; i += 10) {
		int pids[10];
		for (int j = 0; j < 10; j++)
			pids[j] = kspawn("utrue", "3", 0);
		for (int j = 0; j < 10; j++)
			KEXPECT_EQ(pids[j] > 0 ? kwait(pids[j]) : pids[j], 3);
	}
	KEXPECT_EQ(pmm_free_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
	KEXPECT_EQ(proc_count(), 0);
}

KTEST(elf_loader_rejects_malformed_images)
{
	const struct user_program *prog = userprog_find("utrue");
	KEXPECT(prog != 0);
	u64 size = prog->end - prog->start;
	u8 *copy = kmalloc(size);
	u64 before = pmm_free_pages();
	/* Offsets into the ELF header and the first program header. */
	static const struct { u32 off, width; u64 value; } bad[] = {
		{ 0, 1, 0x7e }, { 4, 1, 1 }, { 5, 1, 2 }, { 16, 2, 3 }, { 18, 2, 3 }, { 24, 8, 0 },
		{ 24, 8, 0xFFFFFFFF80000000 }, { 32, 8, 1ul << 40 }, { 54, 2, 12 }, { 56, 2, 0 },
		{ 56, 2, 1000 }, { 64 + 8, 8, 1ul << 40 }, { 64 + 16, 8, 0xFFFF800000000000 },
		{ 64 + 16, 8, 0 }, { 64 + 32, 8, 1ul << 40 }, { 64 + 40, 8, 0xFFFFFFFFFFFFF000 },
		{ 64 + 4, 4, 7 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(copy, prog->start, size);
		memcpy(copy + bad[i].off, &bad[i].value, bad[i].width);
		struct addrspace *as = as_create();
		u64 entry, end;
		int r = elf_load(as, copy, size, &entry, &end);
		if (r != -ENOEXEC)
			ktest_fail(__FILE__, __LINE__, "corruption %zu (offset %u): %d, want -ENOEXEC", i, bad[i].off, r);
		as_destroy(as);
	}
	struct addrspace *as = as_create();
	u64 entry, end;
	KEXPECT_EQ(elf_load(as, prog->start, 40, &entry, &end), -ENOEXEC); /* truncated */
	as_destroy(as);
	KEXPECT_EQ(pmm_free_pages(), before);
	kfree(copy);
}

/* The kernel's children get the console even when its name is gone. */
KTEST(user_spawn_console_without_its_name)
{
	KEXPECT_EQ(vfs_rename("/dev/console", "/dev/kt-console"), 0);
	KEXPECT_EQ(krun("utrue", "5", 0), 5);
	KEXPECT_EQ(vfs_rename("/dev/kt-console", "/dev/console"), 0);
}

/* Free pages (slab pages counted as free: their placement varies) and heap
 * bytes back where they were, allowing a second for frees that lag (a
 * thread is freed once its CPU switched away from it). */
static void expect_back(u64 pages, u64 heap)
{
	for (int i = 0; i < 100; i++) {
		if (pmm_free_pages() + kmalloc_slab_pages() == pages && kmalloc_bytes_in_use() == heap)
			break;
		sleep_ns(10000000);
	}
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

KTEST(thread_counters_under_futex_mutex)
{
	KEXPECT_EQ(krun("uthr", "counter", 0), 0);
}

/* A thread ends while others run and is joined; the first thread ends
 * with thread_exit before the last, whose status the process ends with. */
KTEST(thread_exit_while_others_run)
{
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	KEXPECT_EQ(krun("uthr", "exit", 0), 5);
	expect_back(pages, heap);
}

KTEST(thread_create_join_1000_no_leak)
{
	KEXPECT_EQ(krun("uthr", "create", 0), 0); /* warm */
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	KEXPECT_EQ(krun("uthr", "create", 0), 0);
	expect_back(pages, heap);
}

KTEST(thread_bad_entry_or_stack_kills_only_the_process)
{
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	KEXPECT_EQ(krun("uthr", "badrip", 0), -1);
	KEXPECT_EQ(krun("uthr", "badstack", 0), -1);
	KEXPECT_EQ(krun("utrue", "7", 0), 7); /* and the kernel goes on */
	expect_back(pages, heap);
}

/* Threads blocked in futex_wait, sleep_ns and a pipe read, one spinning on
 * another CPU (and a pipe read in a syscall thread): a kill ends them all,
 * and exit from one thread does too, with everything reclaimed. */
KTEST(thread_kill_and_exit_end_every_thread)
{
	static const char *const flexsc[] = { 0, "flexsc" };
	for (int f = 0; f < 2; f++) {
		int pid = kspawn("uthr", "kill", flexsc[f]); /* warm */
		sleep_ns(50000000);
		KEXPECT_EQ(proc_kill(pid), 0);
		KEXPECT_EQ(kwait(pid), -1);
		/* Syscall threads the warm run's blocked calls grew, and its
		 * threads, are freed before the count (a count with them in it
		 * found 5 pages and 20,480 heap bytes more free at the end, on a
		 * loaded host). */
		flexsc_pool_settle();
		u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
		for (int i = 0; i < 3; i++) {
			pid = kspawn("uthr", "kill", flexsc[f]);
			KEXPECT(pid > 0);
			sleep_ns(50000000 + i * 10000000);
			KEXPECT_EQ(proc_kill(pid), 0);
			KEXPECT_EQ(kwait(pid), -1);
			KEXPECT_EQ(krun("uthr", "exitall", flexsc[f]), 3);
		}
		flexsc_pool_settle();
		expect_back(pages, heap);
	}
}

/* Threads creating and joining threads while a kill, or an exit from the
 * first thread, lands: every one ends, everything is reclaimed. */
KTEST(thread_kill_and_exit_during_creation)
{
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 5; i++) {
		int pid = kspawn("uthr", "storm", 0);
		KEXPECT(pid > 0);
		sleep_ns(30000000 + i * 7000000);
		KEXPECT_EQ(proc_kill(pid), 0);
		KEXPECT_EQ(kwait(pid), -1);
		KEXPECT_EQ(krun("uthr", "stormexit", 0), 6);
	}
	expect_back(pages, heap);
}

/* brk shrink unmaps and frees the pages (memory back exactly), and a
 * thread on another CPU that had the page in its TLB faults on it after. */
KTEST(thread_brk_shrink_frees_and_flushes)
{
	KEXPECT_EQ(krun("uthr", "brkmem", 0), 0);
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	for (int i = 0; i < 3; i++)
		KEXPECT_EQ(krun("uthr", "brkshoot", 0), -1);
	expect_back(pages, heap);
}
