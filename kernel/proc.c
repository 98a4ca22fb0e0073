/* Processes: spawn from an embedded ELF, exit, wait, kill, and teardown
 * that gives back every page, table, stack and file. */
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

/* Its first run: return to ring 3 through the trapframe kthread_create left room for. */
static void user_thread_start(void *arg)
{
	(void)arg;
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

static void proc_free(struct proc *p)
{
	thread_free(p->thread);
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
	p->thread = kthread_create(name, user_thread_start, 0, pick_cpu());
	if (!p->thread)
		goto fail;
	p->thread->user = true;
	p->thread->proc = p;
	p->thread->affinity = ~0ul;
	struct trapframe *tf = (struct trapframe *)(p->thread->kstack_top - TF_SIZE);
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->cs = USER_CS;
	tf->ss = USER_SS;
	tf->rflags = RFLAGS_IF | 2;
	spin_init(&p->lock, "proc");
	waitq_init(&p->child_exit);
	strncpy0(p->name, name, sizeof(p->name));
	/* A process's children get a copy of its descriptor table (pipes reach
	 * them so); the kernel's get the console on 0, 1 and 2. */
	if (parent && parent->thread)
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
	p->pid = next_pid++;
	p->parent = parent;
	p->may_poweroff = !parent; /* started by the kernel itself */
	list_add_tail(&procs, &p->node);
	nprocs++;
	spin_unlock(&proc_lock);
	thread_make_runnable(p->thread);
	return p->pid;
fail_files:
	fd_close_all(p);
	thread_free(p->thread);
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

/* The one teardown, for exit and kill alike (a kill makes the process
 * trap and come here with status -1). */
void proc_exit(int status)
{
	struct proc *p = current_proc();
	/* From here every call made for p, by its syscall threads too, ends
	 * with -EINTR rather than blocking: teardown waits for none of them. */
	p->killed = true;
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
	p->exit_status = status;
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
	t->killed = true;
	sched_note_kill();
	struct thread *th = t->thread;
	int cpu = th->cpu;
	thread_interrupt(th);
	flexsc_interrupt(t);
	spin_unlock(&proc_lock);
	if (cpu != this_cpu()->id)
		lapic_send_ipi(cpus[cpu].apic_id, VEC_IPI_WAKE); /* make it trap and notice */
	return 0;
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
		out[n] = (struct proc_info){
			.pid = c->pid,
			.ppid = c->parent ? c->parent->pid : 0,
			.state = c->zombie ? P_ZOMBIE : state_of[c->thread->state],
			.cpu = c->thread->cpu,
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
