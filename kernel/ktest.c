/* The KTAP v1 test runner. Each test runs in the boot CPU's test thread;
 * a failed expectation prints a diagnostic and marks the test failed. */
#include "test.h"
#include "console.h"
#include "mm.h"
#include "arch/x86_64/percpu.h"
#include "sched.h"
#include "spinlock.h"

extern const struct ktest __ktests_start[], __ktests_end[];
static int current_failures;

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("    # %s:%d: %s\n", file, line, msg);
	__atomic_add_fetch(&current_failures, 1, __ATOMIC_RELAXED);
}

static bool selected(const struct ktest *t, const char *filter)
{
	return !filter || !*filter || !strncmp(t->name, filter, strlen(filter));
}

int ktest_run_all(const char *filter)
{
	int n = 0, failed = 0, i = 0;
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		n += selected(t, filter);
	kprintf("KTAP version 1\n1..%d\n", n);
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!selected(t, filter))
			continue;
		i++;
		if (ncpus < t->min_cpus) {
			kprintf("ok %d %s # SKIP needs %d CPUs\n", i, t->name, t->min_cpus);
			continue;
		}
		current_failures = 0;
		t->fn();
		if (current_failures) {
			failed++;
			kprintf("not ok %d %s\n", i, t->name);
		} else {
			kprintf("ok %d %s\n", i, t->name);
		}
	}
	return failed;
}

struct each_cpu {
	void (*fn)(void *, int);
	void *arg;
	int cpu;
	int *left;
	struct waitq *done;
};

static void each_cpu_thread(void *p)
{
	struct each_cpu *e = p;
	e->fn(e->arg, e->cpu);
	if (__atomic_sub_fetch(e->left, 1, __ATOMIC_ACQ_REL) == 0)
		waitq_wake_all(e->done);
	thread_exit();
}

void ktest_on_each_cpu(void (*fn)(void *arg, int cpu), void *arg)
{
	static struct each_cpu ec[MAX_CPUS];
	static struct waitq done;
	static struct spinlock lock = SPINLOCK_INIT("ktest");
	int left = ncpus;
	waitq_init(&done);
	for (int c = 0; c < ncpus; c++) {
		ec[c] = (struct each_cpu){ fn, arg, c, &left, &done };
		struct thread *t = kthread_create("ktest", each_cpu_thread, &ec[c], c);
		if (!t) {
			ktest_fail(__FILE__, __LINE__, "no memory for a test thread");
			__atomic_sub_fetch(&left, 1, __ATOMIC_ACQ_REL);
			continue;
		}
		thread_make_runnable(t);
	}
	spin_lock(&lock);
	while (__atomic_load_n(&left, __ATOMIC_ACQUIRE))
		waitq_sleep_timeout(&done, &lock, 10000000);
	spin_unlock(&lock);
	/* A finished worker is freed at its CPU's next switch: run once on every
	 * CPU, so that those switches are behind us before a test compares
	 * memory, then go home. */
	struct thread *me = current_thread();
	u64 mask = me->affinity;
	int home = this_cpu()->id;
	for (int c = 0; c < ncpus; c++)
		sched_set_affinity(me, 1ul << c);
	sched_set_affinity(me, 1ul << home);
	sched_set_affinity(me, mask);
}
