/* Tunables: compile-time limits and defaults, one per line. */
#ifndef PARAM_H
#define PARAM_H

#define MAX_CPUS 64              /* most CPUs brought up */
#define MAX_PROCS 256            /* most live processes at once */
#define MAX_FDS 256              /* open files per process */
#define MAX_THREADS 64           /* threads of one process, exited ones not yet joined included */
#define FUTEX_BUCKETS 64         /* wait queues futex_wait hashes its words over */
#define TIMER_HZ 100             /* LAPIC timer ticks per second, per CPU */
#define SCHED_SLICE_TICKS 2      /* ticks a thread runs before preemption */
#define AP_START_TIMEOUT_MS 200  /* wait for each AP before giving up on it */
#define CONSOLE_INPUT_SIZE 1024  /* console input ring, bytes */
#define FLEXSC_THREADS_PER_CPU 4 /* syscall threads per syscall core (spares take over when one blocks) */
#define FLEXSC_MAX_THREADS_PER_CPU 128 /* the pool grows to this while calls block */
#define FLEXSC_BLOCKED_PER_PROC 3 /* a process's calls that may always be blocked in syscall threads at once */
#define FLEXSC_RESERVED_PER_CPU 16 /* pool threads only processes within FLEXSC_BLOCKED_PER_PROC may block */
#define FLEXSC_LONG_CALL_TICKS 3 /* ticks a call may hold its core's poller before a spare polls */
#define FLEXSC_POLL_US 2000      /* default busy-poll time before a syscall thread sleeps */
#define USER_MAX_PAGES 65536     /* most user pages one process may map (256 MiB) */

#endif
