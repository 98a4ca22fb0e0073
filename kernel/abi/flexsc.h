/*
 * Exception-less system calls: the syscall page shared by a process and the
 * kernel's syscall threads (after FlexSC, Soares & Stumm, OSDI 2010).
 *
 * A syscall page is 4096 bytes: 64 cache lines of 64 bytes. Line 0 is the page
 * header; lines 1..63 are entries. flexsc_register(n) maps n such pages, one
 * after another, and returns the address of the first.
 *
 *   +--------------------------+  offset 0
 *   | header (need_wakeup ...) |
 *   +--------------------------+  64
 *   | entry 0                  |
 *   +--------------------------+  128
 *   | ...                      |
 *   +--------------------------+  4032
 *   | entry 62                 |
 *   +--------------------------+  4096
 *
 * Entry life cycle (who moves it, and with which memory ordering):
 *
 *   FREE --user--> SUBMITTED --kernel--> BUSY --kernel--> DONE --user--> FREE
 *
 * - user:   writes sysnum and args, then publishes SUBMITTED with a
 *           release store, so the kernel never sees a half-written request.
 *           How many arguments a call takes is the kernel's own fact (the
 *           syscall list, abi/syscall.h): it reads that many and no more.
 * - kernel: claims an entry with an acquire compare-and-swap SUBMITTED->BUSY
 *           (so each entry runs exactly once, however many syscall threads
 *           scan the page), then copies sysnum and args out of the page before
 *           it checks them: the user may rewrite the page at any time.
 * - kernel: writes ret, then publishes DONE with a release store.
 * - user:   reads DONE with an acquire load, then ret, then stores FREE.
 *
 * Submission counter. After publishing a batch of entries SUBMITTED the
 * user adds their number to submit_seq in page 0's header with a release
 * store. A syscall thread watches that one word and scans the entries only
 * when it moves, stopping once it has claimed as many as it moved by. It is
 * never trusted (a wrong count costs the process only its own time), and an
 * entry posted without it runs at the process's next flexsc_wake() (which
 * asks for a look at every entry) or flexsc_wait() (even while another call
 * of the process is blocked).
 *
 * Doorbell. A syscall thread that found no work for a while sets
 * need_wakeup in the header of the process's first page, issues a full fence,
 * looks at the counters once more, then sleeps. A user that publishes a batch
 * and bumps the counter issues one full fence and reads need_wakeup; if set it
 * calls flexsc_wake(). The two full fences (store then load on each side) are
 * what keep a wakeup from being lost: one fence per batch, not per entry.
 * With no syscall core (single-core mode, sysinfo's flexsc_cpus 0) nothing
 * polls and need_wakeup stays clear: a user that traps into flexsc_wait()
 * right after bumping the counter needs neither (userlib's
 * flexsc_submit_wait, as io_uring_submit_and_wait).
 *
 * flexsc_wait() sleeps until an entry completes that had not when the last
 * flexsc_wait() returned, or returns at once if nothing is in flight: the
 * caller looks at its entries after each return. With no syscall core
 * (single-core mode, flexsc.single=inline) flexsc_wait() first runs the
 * posted entries itself, up to the first call that may wait (kernel/flexsc.c).
 *
 * Any other status value in an entry is garbage: the kernel ignores the entry
 * and reports it once on the console.
 *
 * Threads. A process has one set of syscall pages, shared by all its
 * threads. Threads that post at once must each own their entries (the
 * kernel does not know which thread posted an entry) and add to submit_seq
 * with an atomic read-modify-write (a locked add is also the full fence the
 * doorbell needs). flexsc_wait() blocks only the calling thread and counts
 * completions per thread: it returns once any entry of the process
 * completed since that thread's last return, so each waiting thread looks
 * at its own entries after each return. A syscall thread acts for the
 * process, not for a thread: thread_exit and gettid are trap only, and a
 * thread_join posted by a thread for itself waits for itself (until a kill).
 */
#ifndef EXLESS_ABI_FLEXSC_H
#define EXLESS_ABI_FLEXSC_H

#include <stdint.h>

#define FLEXSC_LINE 64
#define FLEXSC_PAGE_SIZE 4096
#define FLEXSC_ENTRIES_PER_PAGE (FLEXSC_PAGE_SIZE / FLEXSC_LINE - 1)
#define FLEXSC_MAX_PAGES 16 /* most pages one process may register */

enum flexsc_status {
	FLEXSC_FREE = 0,
	FLEXSC_SUBMITTED = 1,
	FLEXSC_BUSY = 2,
	FLEXSC_DONE = 3,
};

struct flexsc_entry {
	_Alignas(64) uint32_t status; /* enum flexsc_status */
	uint8_t sysnum;               /* SYS_*: one byte, so that the kernel's tables by number cover every value */
	uint8_t reserved[3];          /* ignored by the kernel */
	int64_t ret;                  /* result, negative errno on failure */
	uint64_t args[6];
};

/* How many call numbers an entry can carry: every value of its one-byte
 * sysnum (a call number past them goes no further than userlib). */
#define FLEXSC_SYSNUMS 256
_Static_assert(FLEXSC_SYSNUMS == 1 << 8 * sizeof(((struct flexsc_entry *)0)->sysnum), "sysnum's values");

struct flexsc_header {
	_Alignas(64) uint32_t need_wakeup; /* set by sleeping syscall threads */
	uint32_t npages;                   /* pages registered (page 0 only) */
	uint64_t submit_seq;               /* bumped by the user after each SUBMITTED (page 0 only) */
	uint64_t reserved[6];
};

struct flexsc_page {
	struct flexsc_header header;
	struct flexsc_entry entry[FLEXSC_ENTRIES_PER_PAGE];
};

_Static_assert(sizeof(struct flexsc_entry) == FLEXSC_LINE, "one entry, one line");
_Static_assert(sizeof(struct flexsc_header) == FLEXSC_LINE, "header is one line");
_Static_assert(sizeof(struct flexsc_page) == FLEXSC_PAGE_SIZE, "one page");

#endif
