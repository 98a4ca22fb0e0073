/*
 * fuzz: random system calls on every path (syzkaller's simplest mode).
 *
 * Run as init (`init=fuzz`, see `make fuzz`), options from the kernel
 * command line:
 *   fuzz.calls=N     calls per path (default 1000000)
 *   fuzz.seed=N      seed of everything (default 1); printed, so a run replays
 *   fuzz.paths=LIST  comma list of int80,syscall,sysenter,flexsc (default all)
 *   fuzz.known=on|off  off: leave out the hazards of issue 8's known bugs (below)
 *   fuzz.trace=1     children print each call before making it (replay aid)
 *
 * The parent runs one child per path at a time and respawns it when it dies
 * (killed by the kernel for a fault or a TF single-step, by its own kill(),
 * by an exit() it drew, or by the parent's watchdog), until the path has
 * made its calls. Children count their calls in a shared page (shm key 15);
 * the parent polls them with ps() and reaps zombies with wait(). At the end
 * it waits until no process younger than itself is left, empties /fuzz,
 * compares the kernel's heap bytes and free-plus-slab pages (sysinfo), plus
 * its own pages (ps: its stack grows on first touch), with their values
 * before the first child (the 16 shm pages are allocated first: they live as
 * long as the kernel) and prints a summary; any leak, register or flag
 * mismatch, a child stuck (below), or a child it could not spawn makes the run
 * fail. It powers the machine off with the result.
 *
 * A trapping child sets every register before each call: arguments drawn
 * from interesting values (0, -1, small ints, INT/LONG edges, page
 * boundaries, its own buffers valid or straddling an unmapped page, read-only
 * data, code, its stack, its syscall page, the NULL page, kernel and
 * non-canonical addresses), junk in every other register, random RFLAGS
 * (arithmetic bits, DF, AC, NT, ID, rarely TF: the child then dies of #DB),
 * and on sysenter now and then a bad return rip or rsp. After the call it
 * checks that the kernel left every register the path preserves unchanged
 * (int $0x80: all but rax; syscall: all but rax, rcx = return rip, r11 = the
 * flags; sysenter: all but rax, rcx = rsp, rdx = r11 = return rip; the
 * argument registers, and rcx/r11 on int $0x80, may also come back zero) and
 * the flags on int $0x80 and syscall.
 * A FlexSC child registers 1..16 pages and writes entries straight into
 * them: random numbers (one byte), junk in the reserved bytes and in arguments
 * past a call's count, garbage statuses,
 * user-written BUSY/DONE, skipped or bogus submit_seq bumps and doorbells,
 * batches of 1..16, entries rewritten while BUSY, and exits with entries in
 * flight.
 *
 * Filtered, so that the fuzzer survives its own calls (applied to the call
 * the kernel will actually see: the 8-bit number and the argument count of a
 * FlexSC entry):
 *   exit          only 1 call in 3000 (a child dies, the parent respawns)
 *   kill(pid)     only its own pid (1 in 2000), its spawned children, or
 *                 pid <= 0 (as the kernel's int): never the parent or a sibling
 *   spawn         names from a fixed pool (utrue, unknown, empty, too long,
 *                 bad pointers): no spawn bomb, no shell; at most 8 children
 *                 not yet reaped
 *   sleep_ns      capped at 2 ms
 *   thread_create an entry in user space becomes fuzz_thread_entry (a
 *                 thread_exit(0) needing no stack); kernel, NULL and
 *                 non-canonical entries and any stack go as drawn. The
 *                 trapping children join what they created
 *   thread_exit   as exit
 *   thread_join   never the child's first thread on FlexSC (a syscall
 *                 thread would wait for the thread waiting on it)
 *   futex_wait    a timeout of 0 or above 2 ms becomes 1 ns .. 2 ms
 *   read, pread   never from a console fd, an empty pipe or a socket with
 *                 nothing to read (nobody types a line, nobody else writes
 *                 the child's pipes and sockets), asked of the kernel with
 *                 fstat (and poll for a socket) just before; on FlexSC never
 *                 after a call in the same batch that can change what an fd
 *                 is or holds (pipe, dup, dup2, a socket call, a pipe or
 *                 socket read or write): the fd may be something else when
 *                 the entry runs. The kernel runs a batch's entries in any
 *                 order (by index, and blocked ones later), so such a call
 *                 posted after a read, write or accept of an fd first
 *                 reaps the batch's earlier entries: a pipe() that ran
 *                 first made fd 5 the empty read end an earlier read(5)
 *                 then slept on for good (a STUCK child, seed 1)
 *   write, pwrite at most 8 bytes to a console fd (1 in 16), else 0; to a
 *                 pipe at most the room it has; to a socket 1 byte when poll
 *                 says it has room, else 0; on FlexSC 0 bytes after such a
 *                 call in the same batch
 *   accept        only on a listener with a connection queued (poll): no
 *                 listener's queue fills by itself
 *   listen        backlog SOCK_BACKLOG_MAX: a connect to another child's
 *                 listener (they share /fuzz) waits for room only past it
 *   poll          timeout capped at 2 ms (never -1)
 *   fd 63         the child's own console (dup of fd 1 at its start) for its
 *                 traces and reports: never closed or replaced
 *   paths         open, mkdir, rmdir, unlink, rename, bind and connect get a path under
 *                 /fuzz (or a faulting pointer); open of the bad device name
 *                 never creates it. The parent empties /fuzz at the end
 *   open          "console" becomes "null" on FlexSC (fds are not tracked
 *                 across entries in flight)
 *   read len      at most 1 MiB into the heap (no memory exhaustion)
 *   shm(14)       becomes shm(0): the unmapped page 14 keeps every range
 *                 off the stats page (15)
 *   rewrite while BUSY  only null/getpid/unknown numbers and arguments bad
 *                 for every call (negative, kernel, non-canonical)
 * A child whose calls stop moving for 3 s is killed by the parent (the
 * watchdog). It counts as a known hazard when the call (or an entry in
 * flight) is one let sleep for good on purpose (the console read of
 * fuzz.known=on, its 64 MiB memory exhaustion, or a FlexSC entry a call of
 * the child overwrote: the kernel may run what the bytes say), else as
 * STUCK if it sleeps, which fails the run: with the filters above no call
 * may sleep for good, so a stuck child is a lost wakeup, an entry the kernel
 * never ran, or a hole in the filters. Running or runnable, it is "slow",
 * counted apart: a call that takes seconds on a loaded host, or a spin (a
 * call that never ends despite the kill hangs the run). A FlexSC child reaping an entry
 * whose status its own call overwrote with BUSY stops waiting for it once
 * flexsc_wait() has returned 64 times (it would spin, runnable, for good).
 *
 * fuzz.known=off leaves out what issue 8 items 1-10 say crashes the kernel
 * today: DF, AC, NT and TF on sysenter (item 1), NT on syscall (item 2),
 * console reads (1 in 20000 calls when on; item 4 with FlexSC, and a
 * watchdog kill mid-call for items 5/6), the memory exhaustion then
 * flexsc_register pattern (item 3), and setaffinity masks that move the
 * process to another CPU (sched_set_affinity, next to the race on the
 * issue's reading list: between its thread_make_runnable() and schedule()
 * the other CPU takes the thread and marks it running, schedule() then
 * requeues it here and keeps running it, and the other CPU spins on its
 * on_cpu with its run-queue lock held: both CPUs deadlock; seed 1, any path).
 */
#include "../libc.h"
#include "../sys.h"
#include "../flexsc.h"

#define STATS_KEY 15
#define MAX_KIDS 8
#define WATCHDOG_NS 3000000000l
#define STATUS_MISMATCH 94

#define KERNEL_IMAGE 0xFFFFFFFF80000000ul
#define DIRECT_MAP 0xFFFF800000000000ul
#define SYSPAGE 0x00007F0000000000ul
#define SHM_BASE 0x00007E0000000000ul
#define USER_TOP 0x00007FFFFFFFF000ul

/* RFLAGS bits ring 3 may set with popfq. */
#define F_CF 0x1ul
#define F_TF 0x100ul
#define F_DF 0x400ul
#define F_NT 0x4000ul
#define F_AC 0x40000ul
#define F_ID 0x200000ul
#define F_ARITH 0x8d5ul
#define F_BASE 0x202ul

/* One child slot of the shared stats page. */
struct slot {
	volatile unsigned long calls;    /* calls made (the one in progress too) */
	volatile unsigned long garbage;  /* FlexSC entries posted with a bad status */
	volatile long last_nr;           /* the call in progress */
	volatile unsigned long last_args[3]; /* its first arguments */
	volatile long wait_nr;           /* FlexSC: the entry being reaped (-1: none) */
	volatile unsigned long wait_args[3];
	volatile long wait_idx;          /* its index in the pages */
	volatile unsigned int wait_status; /* its status, and the header, when the child last slept */
	volatile unsigned int wait_returns; /* flexsc_wait returns while reaping it */
	volatile unsigned long wait_seq;   /* the header's submit_seq then */
	volatile unsigned int wait_need_wakeup;
	volatile long may_block;         /* calls in progress that may sleep for good on purpose */
	volatile int overwritten;        /* FlexSC: an entry changed under us (counted once in may_block) */
	volatile int done;               /* finished its quota */
	volatile int mismatch;           /* found a register or flag the kernel changed */
};

static struct slot *slots;

/* ---- the random source: splitmix64, one stream per child ---- */

static unsigned long rng_state;

static unsigned long rnd(void)
{
	unsigned long z = (rng_state += 0x9e3779b97f4a7c15ul);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return rnd() % n;
}

static bool one_in(unsigned long n)
{
	return below(n) == 0;
}

/* ---- the raw trap: every register in, every register out ---- */

/* Register slots of fuzz_trap's array (numbers: the asm below uses them). */
#define R_RAX 0
#define R_RBX 1
#define R_RCX 2
#define R_RDX 3
#define R_RSI 4
#define R_RDI 5
#define R_RBP 6
#define R_R8 7
#define R_R9 8
#define R_R10 9
#define R_R11 10
#define R_R12 11
#define R_R13 12
#define R_R14 13
#define R_R15 14
#define R_FLAGS 15
#define R_COUNT 16
static const char *const reg_names[R_COUNT] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
						"r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags" };

/* Set by C before fuzz_trap: the gate to jump to, and whether sysenter gets
 * the real rsp and return rip (else rcx and r11 as given). */
unsigned long trap_gate, trap_sysenter_own;
unsigned long trap_regs, trap_rsp;
void fuzz_trap(unsigned long *regs);
extern char gate_int80[], gate_syscall[], gate_sysenter[], trap_back[], syscall_ret[];

#define S_(x) #x
#define S(x) S_(x)
#define OFF(r) S(r) "*8"
/*
 * fuzz_trap(regs): rdi = u64 regs[R_COUNT], in and out.
 * Loads every register and RFLAGS from regs, traps through trap_gate, and
 * stores every register and RFLAGS back; callee-saved registers and rsp are
 * restored from its own frame, DF/AC/NT/TF cleared, before it returns.
 */
__asm__(
	"	.text\n"
	"	.global fuzz_trap, gate_int80, gate_syscall, gate_sysenter, trap_back, syscall_ret\n"
	"fuzz_trap:\n"
	"	pushq %rbx\n	pushq %rbp\n	pushq %r12\n	pushq %r13\n	pushq %r14\n	pushq %r15\n"
	"	movq %rdi, trap_regs(%rip)\n"
	"	movq %rsp, trap_rsp(%rip)\n"
	"	cmpq $0, trap_sysenter_own(%rip)\n"
	"	je 1f\n"
	"	movq %rsp, " OFF(R_RCX) "(%rdi)\n"
	"	leaq trap_back(%rip), %rax\n"
	"	movq %rax, " OFF(R_R11) "(%rdi)\n"
	"1:	movq " OFF(R_RAX) "(%rdi), %rax\n"
	"	movq " OFF(R_RBX) "(%rdi), %rbx\n"
	"	movq " OFF(R_RCX) "(%rdi), %rcx\n"
	"	movq " OFF(R_RDX) "(%rdi), %rdx\n"
	"	movq " OFF(R_RSI) "(%rdi), %rsi\n"
	"	movq " OFF(R_RBP) "(%rdi), %rbp\n"
	"	movq " OFF(R_R8) "(%rdi), %r8\n"
	"	movq " OFF(R_R9) "(%rdi), %r9\n"
	"	movq " OFF(R_R10) "(%rdi), %r10\n"
	"	movq " OFF(R_R11) "(%rdi), %r11\n"
	"	movq " OFF(R_R12) "(%rdi), %r12\n"
	"	movq " OFF(R_R13) "(%rdi), %r13\n"
	"	movq " OFF(R_R14) "(%rdi), %r14\n"
	"	movq " OFF(R_R15) "(%rdi), %r15\n"
	"	pushq " OFF(R_FLAGS) "(%rdi)\n"
	"	movq " OFF(R_RDI) "(%rdi), %rdi\n"
	"	jmp *trap_gate(%rip)\n"
	/* popfq right before the trap: TF single-steps the trap, not a jmp. */
	"gate_int80:\n"
	"	popfq\n"
	"	int $0x80\n"
	"	jmp trap_back\n"
	"gate_syscall:\n"
	"	popfq\n"
	"	syscall\n"
	"syscall_ret:\n"
	"	jmp trap_back\n"
	"gate_sysenter:\n"
	"	popfq\n"
	"	sysenter\n"
	"trap_back:\n"
	"	pushfq\n"
	"	pushq %rdi\n"
	"	movq trap_regs(%rip), %rdi\n"
	"	popq " OFF(R_RDI) "(%rdi)\n"
	"	popq " OFF(R_FLAGS) "(%rdi)\n"
	"	movq %rax, " OFF(R_RAX) "(%rdi)\n"
	"	movq %rbx, " OFF(R_RBX) "(%rdi)\n"
	"	movq %rcx, " OFF(R_RCX) "(%rdi)\n"
	"	movq %rdx, " OFF(R_RDX) "(%rdi)\n"
	"	movq %rsi, " OFF(R_RSI) "(%rdi)\n"
	"	movq %rbp, " OFF(R_RBP) "(%rdi)\n"
	"	movq %r8, " OFF(R_R8) "(%rdi)\n"
	"	movq %r9, " OFF(R_R9) "(%rdi)\n"
	"	movq %r10, " OFF(R_R10) "(%rdi)\n"
	"	movq %r11, " OFF(R_R11) "(%rdi)\n"
	"	movq %r12, " OFF(R_R12) "(%rdi)\n"
	"	movq %r13, " OFF(R_R13) "(%rdi)\n"
	"	movq %r14, " OFF(R_R14) "(%rdi)\n"
	"	movq %r15, " OFF(R_R15) "(%rdi)\n"
	"	movq trap_rsp(%rip), %rsp\n"
	"	pushq $0x202\n"
	"	popfq\n"
	"	popq %r15\n	popq %r14\n	popq %r13\n	popq %r12\n	popq %rbp\n	popq %rbx\n"
	"	ret\n");

/* ---- the child's state ---- */

static enum syscall_path path;
static bool known_on, trace;
static struct slot *me;
static long mypid;
static long kids[MAX_KIDS];
static int nkids;
/* The child's own console for its reports and traces: fuzzed calls may close
 * or replace fd 1 (with a pipe nobody reads, which a printf would fill and
 * block on), never this one. */
#define OUT_FD 63
#define NFDS 256 /* the kernel's MAX_FDS: a larger fd is never open */
#define BAD_FD (NFDS + 7) /* never open: what a call that must not block gets instead */
static unsigned long console_ino; /* /dev/console's inode number */
static bool batch_fds_moved;      /* FlexSC: the batch posted a call that can change what an fd is */
static bool batch_fd_calls;       /* FlexSC: the batch posted a call made safe by what its fd is now */
static bool batch_split;          /* FlexSC: this call must wait until those have run (sanitize) */
static long tids[64]; /* threads created and not yet joined (trapping children) */
static int ntids;
static unsigned long online; /* mask of the CPUs */
static unsigned long heap_brk, heap_start;
static struct flexsc_page *sp; /* FlexSC child: its syscall pages */
static uint16_t posted_nr[FLEXSC_MAX_PAGES * FLEXSC_ENTRIES_PER_PAGE]; /* spawn or not, as posted */
static bool posted_blocks[FLEXSC_MAX_PAGES * FLEXSC_ENTRIES_PER_PAGE]; /* may sleep for good (sanitize) */
static uint8_t posted_sys[FLEXSC_MAX_PAGES * FLEXSC_ENTRIES_PER_PAGE]; /* the number as posted (or rewritten) */
static uint64_t posted_args[FLEXSC_MAX_PAGES * FLEXSC_ENTRIES_PER_PAGE][6]; /* the arguments, likewise */
static int sp_pages;

/* The buffer the kernel may write: in the heap, a page above its start,
 * so that no write through it, however long, reaches the child's own state
 * in .data/.bss (its children's pids decide what it may kill). */
#define BUF_SIZE (3 * 4096)
static char *buf;
static char *stack_area; /* a buffer on the child's own stack */
static const char rodata_buf[64] = "read-only";
static const char name_utrue[] = "utrue", name_unknown[] = "nosuchprogram", name_empty[] = "",
		  name_long[] = "aprogramnamefartoolongforthekernel";
static const char dev_console[] = "console", dev_null[] = "null", dev_zero[] = "zero", dev_bad[] = "nosuchdevice";
/* The paths a call that can change the file tree may get, all under FUZZ_DIR,
 * which the parent empties at the end: the rest of the tree (the devices, the
 * documents) stays as it was, so free pages can be compared. */
#define FUZZ_DIR "/fuzz"
static const char *const fs_pool[] = { FUZZ_DIR "/a", FUZZ_DIR "/b", FUZZ_DIR "/d", FUZZ_DIR "/d/x",
				       FUZZ_DIR "/a/x" };
static char *argv_ok[3] = { (char *)name_utrue, "3", 0 };
static char *argv_many[20];

/* Where the threads the fuzzer creates start: thread_exit(0), at once. */
_Static_assert(SYS_thread_exit == 38, "fuzz_thread_entry's number");
void fuzz_thread_entry(void);
__asm__(".text\n"
	"fuzz_thread_entry:\n"
	"	movl $38, %eax\n"
	"	xorl %edi, %edi\n"
	"	syscall\n"
	"	ud2\n");

/* The name pointers spawn may get: nothing else can name a program. */
static unsigned long spawn_name(void)
{
	static const unsigned long bad[] = { 0, 8, KERNEL_IMAGE + 0x100000, DIRECT_MAP, 0x0000800000000000ul,
					     USER_TOP - 8, SYSPAGE };
	switch (below(6)) {
	case 0:
	case 1:
		return (unsigned long)name_utrue;
	case 2:
		return (unsigned long)name_unknown;
	case 3:
		return below(2) ? (unsigned long)name_empty : (unsigned long)name_long;
	case 4: /* "utr" at the very end of the buffer, unterminated string into the next page */
		memcpy(buf + BUF_SIZE - 3, "utr", 3);
		return (unsigned long)buf + BUF_SIZE - 3;
	default:
		return bad[below(sizeof(bad) / sizeof(bad[0]))];
	}
}

/* A path under FUZZ_DIR, or one that faults. */
static unsigned long fs_path(void)
{
	static const unsigned long bad[] = { 0, 8, KERNEL_IMAGE + 0x100000, 0x0000800000000000ul, -1ul };
	if (below(8))
		return (unsigned long)fs_pool[below(sizeof(fs_pool) / sizeof(fs_pool[0]))];
	return bad[below(sizeof(bad) / sizeof(bad[0]))];
}

static bool fs_path_ok(unsigned long p)
{
	for (unsigned i = 0; i < sizeof(fs_pool) / sizeof(fs_pool[0]); i++)
		if (p == (unsigned long)fs_pool[i])
			return true;
	return p < 0x1000 || p >= USER_TOP; /* (just below USER_TOP: argv strings) */
}

static bool spawn_name_ok(unsigned long p)
{
	/* Every pointer spawn_name returns names utrue, nothing, or faults. */
	return p == (unsigned long)name_utrue || p == (unsigned long)name_unknown || p == (unsigned long)name_empty ||
	       p == (unsigned long)name_long || p == (unsigned long)buf + BUF_SIZE - 3 || p < 0x1000 ||
	       p >= USER_TOP || p == USER_TOP - 8 || p == SYSPAGE;
}

/* A random value that may be used as an address, moved off the child's
 * code, data and bss (a write there could unsettle its filters). */
static unsigned long not_ours(unsigned long v)
{
	return v >= 0x400000 && v < heap_start ? v + (1ul << 32) : v;
}

static unsigned long any_value(void)
{
	static const unsigned long edges[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 255, 256, 4095, 4096, 4097, 65536,
		-1ul, -2ul, -4096ul, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ul, 0x7fffffffffffffff,
		0x8000000000000000ul, 1ul << 40, 1ul << 47, 0x3ff,
	};
	static const unsigned long addrs[] = {
		0, 8, 0xff0, 0x1000, 0x3ff000, 0x400000, 0x600000, USER_TOP - 16, USER_TOP - 1, USER_TOP,
		0x00007ffffffffff0ul, 0x0000800000000000ul, 0x8000000000000000ul, 0xdead000000000000ul,
		DIRECT_MAP, DIRECT_MAP + 0x100000, KERNEL_IMAGE, KERNEL_IMAGE + 0x100000, 0xfffffffffffff000ul,
		SYSPAGE, SYSPAGE + 64, SYSPAGE + 4096 - 8, SHM_BASE,
	};
	switch (below(10)) {
	case 0:
	case 1:
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	case 2:
		return below(64);
	case 3:
		return addrs[below(sizeof(addrs) / sizeof(addrs[0]))];
	case 4: /* own buffer: valid, at a page boundary, or straddling its end */
		return (unsigned long)buf + (below(2) ? below(BUF_SIZE) : 4096 * below(4) - below(16));
	case 5: /* heap end: the next page is not part of the heap */
		return heap_brk - below(32);
	case 6:
		switch (below(4)) {
		case 0: return (unsigned long)rodata_buf;
		case 1: return (unsigned long)&any_value; /* code */
		case 2: return (unsigned long)stack_area + below(4096); /* own stack */
		default: return SHM_BASE + 4096 * below(2);
		}
	case 7:
		return not_ours(rnd());
	case 8:
		return not_ours(rnd() & 0xffffffff);
	default:
		return (unsigned long)-(long)below(64);
	}
}

/* An fd: mostly one that exists, else anything. */
static unsigned long any_fd(void)
{
	return below(4) ? below(8) : any_value();
}

/* An address of our own that the kernel may write (mostly) or anything. */
static unsigned long any_buf(void)
{
	return below(3) ? (unsigned long)buf + below(4096) : any_value();
}

static unsigned long any_len(void)
{
	return below(3) ? below(512) : any_value();
}

/* Arguments shaped for call nr half the time, anything the other half. */
static void gen_args(unsigned long nr, unsigned long a[6])
{
	for (int i = 0; i < 6; i++)
		a[i] = any_value();
	if (below(2))
		return;
	switch (nr) {
	case SYS_exit: a[0] = below(4) ? below(256) : any_value(); break;
	case SYS_setaffinity: a[0] = below(2) ? 0 : (unsigned long)mypid; a[1] = below(4) ? below(8) : any_value(); break;
	case SYS_spawn:
		a[0] = spawn_name();
		a[1] = below(3) ? 0 : below(2) ? (unsigned long)argv_ok : below(2) ? (unsigned long)argv_many : any_value();
		break;
	case SYS_wait: a[0] = below(2) ? -1ul : nkids ? (unsigned long)kids[below(nkids)] : 0; a[1] = any_buf(); break;
	case SYS_kill: a[0] = nkids && below(2) ? (unsigned long)kids[below(nkids)] : any_value(); break;
	case SYS_open:
		switch (below(5)) {
		case 0: a[0] = (unsigned long)dev_console; break;
		case 1: a[0] = (unsigned long)dev_null; break;
		case 2: a[0] = (unsigned long)dev_zero; break;
		case 3: a[0] = (unsigned long)dev_bad; break;
		default: a[0] = fs_path(); break;
		}
		a[1] = below(4) ? below(3) | (below(2) ? O_CREAT : 0) | (below(4) ? 0 : O_TRUNC) : any_value();
		break;
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink: a[0] = fs_path(); break;
	case SYS_rename: a[0] = fs_path(); a[1] = fs_path(); break;
	case SYS_stat: a[0] = below(2) ? fs_path() : any_value(); a[1] = any_buf(); break;
	case SYS_fstat: a[0] = any_fd(); a[1] = any_buf(); break;
	case SYS_pread:
	case SYS_pwrite: a[0] = any_fd(); a[1] = any_buf(); a[2] = any_len(); a[3] = below(2) ? below(8192) : any_value(); break;
	case SYS_lseek: a[0] = any_fd(); a[1] = below(2) ? below(8192) : any_value(); a[2] = below(4); break;
	case SYS_readdir: a[0] = any_fd(); a[1] = any_buf(); a[2] = below(4) ? below(8) : any_value(); break;
	case SYS_dup: a[0] = any_fd(); break;
	case SYS_dup2: a[0] = any_fd(); a[1] = any_fd(); break;
	case SYS_pipe: a[0] = any_buf(); break;
	case SYS_socket: a[0] = below(4) ? AF_UNIX : any_value(); a[1] = below(4) ? SOCK_STREAM : any_value(); a[2] = below(4) ? 0 : any_value(); break;
	case SYS_bind:
	case SYS_connect: a[0] = any_fd(); a[1] = fs_path(); break;
	case SYS_listen: a[0] = any_fd(); a[1] = any_value(); break;
	case SYS_accept: a[0] = any_fd(); break;
	case SYS_socketpair: a[0] = any_buf(); break;
	case SYS_shutdown: a[0] = any_fd(); a[1] = below(4) ? below(3) : any_value(); break;
	case SYS_poll: a[0] = any_buf(); a[1] = below(4) ? below(8) : any_value(); a[2] = below(2) ? -1ul : any_value(); break;
	case SYS_close: a[0] = any_fd(); break;
	case SYS_read:
	case SYS_write: a[0] = any_fd(); a[1] = any_buf(); a[2] = any_len(); break;
	case SYS_brk: a[0] = below(3) ? heap_brk + below(3) * 4096 - below(2) * 8192 : any_value(); break;
	case SYS_sbrk: a[0] = below(3) ? below(3) * 4096 : any_value(); break;
	case SYS_sleep_ns: a[0] = below(1000000); break;
	case SYS_ps: a[0] = any_buf(); a[1] = below(4) ? below(8) : any_value(); break;
	case SYS_sysinfo: a[0] = below(2) ? (unsigned long)buf : any_buf(); break;
	case SYS_shm: a[0] = below(4) ? below(15) : any_value(); break;
	case SYS_flexsc_register: a[0] = below(18); break;
	case SYS_thread_create: a[0] = below(2) ? (unsigned long)fuzz_thread_entry : any_value(); break;
	case SYS_thread_exit: a[0] = below(256); break;
	case SYS_thread_join: a[0] = ntids && below(2) ? (unsigned long)tids[below(ntids)] : any_value(); a[1] = any_buf(); break;
	case SYS_futex_wait: a[0] = any_buf(); a[1] = below(2) ? 0 : any_value(); a[2] = below(2000000); break;
	case SYS_futex_wake: a[0] = any_buf(); a[1] = below(4) ? below(4) : any_value(); break;
	default: break;
	}
}

static unsigned long any_nr(void)
{
	static const unsigned long odd[] = { SYS_COUNT, SYS_COUNT + 1, 0x3ff, 0x400, 0xffff, 0x10000, 0x10000 + SYS_null,
					     0x100000000ul, -1ul, 0x8000000000000000ul, 1000 };
	unsigned long r = below(100);
	if (r < 85)
		return below(SYS_COUNT);
	if (r < 90)
		return 0x3ff; /* SYS_FLOOR */
	return below(4) ? odd[below(sizeof(odd) / sizeof(odd[0]))] : rnd();
}

static bool is_kid(long pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid)
			return true;
	return false;
}

static void kid_gone(long pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid) {
			kids[i] = kids[--nkids];
			return;
		}
}

/* What fd is, for a call that must not sleep for good, asked of the kernel
 * (fstat, and poll for a socket) just before the call: FD_CONSOLE (a read
 * waits for a line nobody types), FD_PIPE with *room bytes free (a read
 * sleeps while it is empty, a write while it lacks room: nobody else reads or
 * writes the child's pipes), FD_SOCK with *room its poll bits now (POLLIN: a
 * read or an accept goes through, POLLOUT: a byte can be written), FD_UNSURE
 * (a FlexSC entry after one in the same batch that may have made or drained
 * a pipe or socket: it is what it will be when the kernel runs it), or
 * FD_CALM (no fd, a file, a directory, null, zero). */
enum fd_kind { FD_CALM, FD_CONSOLE, FD_PIPE, FD_SOCK, FD_UNSURE };
static enum fd_kind fd_kind(unsigned long fd, bool flexsc, unsigned long *room)
{
	struct stat st;
	if (fd >= NFDS)
		return FD_CALM;
	if (flexsc && batch_fds_moved)
		return FD_UNSURE;
	if (syscall_syscall(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0)
		return FD_CALM;
	if (st.type == FT_PIPE) {
		*room = PIPE_SIZE - st.size;
		return FD_PIPE;
	}
	if (st.type == FT_SOCK) {
		struct pollfd pf = { .fd = (int)fd, .events = POLLIN | POLLOUT };
		*room = syscall_syscall(SYS_poll, (long)&pf, 1, 0, 0, 0, 0) == 1 ? (unsigned short)pf.revents : 0;
		return FD_SOCK;
	}
	return st.type == FT_DEV && st.ino == console_ino ? FD_CONSOLE : FD_CALM;
}

/* Makes call nr(a) safe for the fuzzer itself (see the header): the kernel
 * will see number nr and arguments a exactly. Returns the (maybe new) nr;
 * *may_block says the call may sleep for good on purpose (a known hazard the
 * watchdog is to end). */
static unsigned long sanitize(unsigned long nr, unsigned long a[6], bool flexsc, bool *may_block)
{
	unsigned long room = 0;
	*may_block = false;
	switch (nr) {
	case SYS_exit:
	case SYS_thread_exit:
		return one_in(3000) ? nr : SYS_null;
	case SYS_thread_create:
		if (a[0] >= 4096 && a[0] < USER_TOP)
			a[0] = (unsigned long)fuzz_thread_entry;
		return nr;
	case SYS_thread_join:
		if (flexsc && (long)a[0] == mypid)
			a[0] = -1ul;
		return nr;
	case SYS_futex_wait:
		if ((long)a[2] >= 0 && (a[2] == 0 || a[2] > 2000000))
			a[2] = 1 + a[2] % 2000000;
		return nr;
	case SYS_kill: {
		int t = (int)a[0];
		if (t <= 0 || is_kid(t) || (t == mypid && one_in(2000)))
			return nr;
		a[0] = -1ul;
		return nr;
	}
	case SYS_spawn:
		if (!spawn_name_ok(a[0]) || nkids >= MAX_KIDS)
			a[0] = (unsigned long)name_unknown;
		return nr;
	case SYS_sleep_ns:
		if ((long)a[0] > 2000000)
			a[0] %= 2000000;
		return nr;
	case SYS_read:
	case SYS_pread: {
		enum fd_kind k = fd_kind(a[0], flexsc, &room);
		if (a[2] > (1ul << 20) && a[1] >= 0x600000 && a[1] < SHM_BASE)
			a[2] &= (1ul << 20) - 1;
		if (k == FD_CONSOLE && known_on && one_in(20000))
			*may_block = true; /* issue 8's known hazard: killed while it waits */
		else if (k == FD_CONSOLE || k == FD_UNSURE || (k == FD_PIPE && room == PIPE_SIZE && a[2]) ||
			 (k == FD_SOCK && !(room & POLLIN)))
			a[0] = BAD_FD; /* nobody types a line, nobody else writes the pipe or socket */
		else if ((k == FD_PIPE || k == FD_SOCK) && flexsc)
			batch_fds_moved = true; /* a second read of it could find it empty */
		batch_fd_calls |= flexsc && a[0] < NFDS;
		return nr;
	}
	case SYS_write:
	case SYS_pwrite: {
		enum fd_kind k = fd_kind(a[0], flexsc, &room);
		if (k == FD_UNSURE)
			a[2] = 0;
		else if (k == FD_CONSOLE && a[2] > 8)
			a[2] = one_in(16) ? a[2] & 7 : 0; /* a readable console log */
		else if (k == FD_PIPE && a[2] > room)
			a[2] = room; /* nobody else reads the pipe */
		else if (k == FD_SOCK && a[2] > 0)
			a[2] = room & POLLOUT ? 1 : 0; /* nor the socket: POLLOUT promises a byte */
		if ((k == FD_PIPE || k == FD_SOCK) && flexsc)
			batch_fds_moved = true; /* a second write could find it full */
		batch_fd_calls |= flexsc && a[0] < NFDS && a[2];
		return nr;
	}
	case SYS_pipe:
	case SYS_dup:
	case SYS_dup2:
	case SYS_socket:
	case SYS_socketpair:
	case SYS_bind:
	case SYS_listen:
	case SYS_connect:
	case SYS_shutdown:
		if (nr == SYS_dup2 && a[1] == OUT_FD)
			a[1] = BAD_FD;
		if (nr == SYS_listen)
			a[1] = SOCK_BACKLOG_MAX;
		if ((nr == SYS_bind || nr == SYS_connect) && !fs_path_ok(a[1]))
			a[1] = fs_path();
		if (flexsc) {
			batch_fds_moved = true; /* an fd may be a new pipe end, console or socket */
			batch_split = batch_fd_calls; /* and the kernel may run us before the calls posted earlier */
		}
		return nr;
	case SYS_close:
		if (a[0] == OUT_FD)
			a[0] = BAD_FD;
		return nr;
	case SYS_accept: {
		enum fd_kind k = fd_kind(a[0], flexsc, &room);
		if (k == FD_UNSURE || (k == FD_SOCK && !(room & POLLIN)))
			a[0] = BAD_FD; /* nobody else connects to the child's listeners */
		else if (k == FD_SOCK && flexsc) {
			batch_fds_moved = true; /* a second accept could find none queued */
			batch_split = batch_fd_calls; /* its new fd may be one a call posted earlier names */
		}
		batch_fd_calls |= flexsc && a[0] < NFDS;
		return nr;
	}
	case SYS_poll:
		if (a[2] > 2000000)
			a[2] %= 2000000; /* -1 (for ever) too */
		return nr;
	case SYS_shm:
		if (a[0] == STATS_KEY - 1)
			a[0] = 0; /* a hole below the stats page */
		return nr;
	case SYS_setaffinity:
		if (!known_on && (a[1] & online))
			a[1] |= online; /* never a move to another CPU */
		return nr;
	case SYS_open:
		if (flexsc && a[0] == (unsigned long)dev_console)
			a[0] = (unsigned long)dev_null;
		else if (a[0] == (unsigned long)dev_bad)
			a[1] &= ~(unsigned long)O_CREAT; /* no file in /dev */
		else if (a[0] != (unsigned long)dev_console && a[0] != (unsigned long)dev_null &&
			 a[0] != (unsigned long)dev_zero && !fs_path_ok(a[0]))
			a[0] = fs_path();
		return nr;
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
		if (!fs_path_ok(a[0]))
			a[0] = fs_path();
		return nr;
	case SYS_rename:
		if (!fs_path_ok(a[0]))
			a[0] = fs_path();
		if (!fs_path_ok(a[1]))
			a[1] = fs_path();
		return nr;
	default:
		return nr;
	}
}

/* What a successful call changed that the child tracks. */
static void track(unsigned long nr, long ret)
{
	switch (nr) {
	case SYS_spawn:
		if (ret > 0 && nkids < MAX_KIDS)
			kids[nkids++] = ret;
		break;
	case SYS_wait:
		if (ret > 0)
			kid_gone(ret);
		break;
	case SYS_thread_create:
		if (ret > 0 && ntids < 64)
			tids[ntids++] = ret;
		break;
	case SYS_thread_join:
		for (int i = 0; ret > 0 && i < ntids; i++)
			if (tids[i] == ret) {
				tids[i] = tids[--ntids];
				break;
			}
		break;
	case SYS_brk:
	case SYS_sbrk:
		heap_brk = syscall_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
		break;
	default:
		break;
	}
}

static unsigned long any_flags(void)
{
	unsigned long f = F_BASE | (rnd() & F_ARITH);
	if (one_in(4)) f |= F_DF;
	if (one_in(8)) f |= F_AC;
	if (one_in(8)) f |= F_NT;
	if (one_in(4)) f |= F_ID;
	if (one_in(5000)) f |= F_TF;
	if (!known_on && path == PATH_SYSENTER)
		f &= ~(F_DF | F_AC | F_NT | F_TF);
	if (!known_on && path == PATH_SYSCALL)
		f &= ~F_NT;
	return f;
}

static void mismatch(unsigned long nr, const char *what, unsigned long want, unsigned long got)
{
	dprintf(OUT_FD, "fuzz: MISMATCH path %s call %lu: %s is 0x%lx, want 0x%lx\n", syscall_path_name(path), nr, what, got,
	       want);
	me->mismatch = 1;
}

/* One call over a trapping path, with every register set and checked; a
 * mismatch ends the child (status STATUS_MISMATCH, the slot says so). */
static void trap_once(void)
{
	unsigned long nr = any_nr(), a[6], in[R_COUNT], out[R_COUNT];
	gen_args(nr, a);
	bool may_block;
	nr = sanitize(nr, a, false, &may_block);
	me->may_block = may_block;
	for (int i = 0; i < R_COUNT; i++)
		in[i] = any_value();
	in[R_RAX] = nr;
	in[R_RDI] = a[0], in[R_RSI] = a[1], in[R_RDX] = a[2], in[R_R10] = a[3], in[R_R8] = a[4], in[R_R9] = a[5];
	in[R_FLAGS] = any_flags();
	trap_sysenter_own = path == PATH_SYSENTER;
	if (path == PATH_SYSENTER && one_in(1000)) {
		/* A bad way back: rip or rsp unmapped, kernel or non-canonical
		 * (never our own code: a wild jump could make any call). */
		static const unsigned long bad[] = { 0, 0x1000, KERNEL_IMAGE, DIRECT_MAP, 0x0000800000000000ul,
						     0xdead000000000000ul, USER_TOP };
		trap_sysenter_own = 0;
		in[R_R11] = bad[below(7)];
		in[R_RCX] = below(2) ? bad[below(7)] : (unsigned long)buf + 4096;
		if (below(2))
			in[R_R11] = (unsigned long)trap_back;
	}
	trap_gate = path == PATH_INT80 ? (unsigned long)gate_int80
		    : path == PATH_SYSCALL ? (unsigned long)gate_syscall : (unsigned long)gate_sysenter;
	memcpy(out, in, sizeof(in));
	if (trace)
		dprintf(OUT_FD, "fuzz[%ld]: %s nr %lu (0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx) flags 0x%lx\n", mypid,
		       syscall_path_name(path), nr, a[0], a[1], a[2], a[3], a[4], a[5], in[R_FLAGS]);
	me->last_nr = nr;
	me->last_args[0] = a[0], me->last_args[1] = a[1], me->last_args[2] = a[2];
	me->calls++;
	fuzz_trap(out);
	long ret = out[R_RAX];
	/* The kernel gives back the user's own flags but NT (README, "the
	 * RFLAGS rule"); the floor, answered before any state is saved, gives
	 * them all back. */
	unsigned long want_flags = nr == SYS_FLOOR ? in[R_FLAGS] : in[R_FLAGS] & ~F_NT;
	for (int i = 1; i < R_FLAGS; i++) {
		unsigned long want = in[i];
		if (path == PATH_SYSCALL && i == R_RCX)
			want = (unsigned long)syscall_ret;
		else if (path == PATH_SYSCALL && i == R_R11)
			want = want_flags;
		else if (path == PATH_SYSENTER && (i == R_RCX || i == R_R11 || i == R_RDX))
			continue; /* rsp and rip in, rip out: checked below */
		/* The ABI (kernel/abi/syscall.h): argument registers, and rcx and
		 * r11 on int $0x80, come back as they were or zero. */
		bool may_zero = i == R_RDI || i == R_RSI || i == R_RDX || i == R_R10 || i == R_R8 || i == R_R9 ||
				(path == PATH_INT80 && (i == R_RCX || i == R_R11));
		if (out[i] != want && !(may_zero && out[i] == 0))
			mismatch(nr, reg_names[i], want, out[i]);
	}
	if (path == PATH_SYSENTER && trap_sysenter_own) {
		/* fuzz_trap passed rsp in rcx and trap_back in r11. sysexitq
		 * returns the rip in rdx; the iretq exit (flags sysexitq cannot
		 * restore, a bad rsp) gives back the caller's own rdx. */
		if (out[R_RDX] != (unsigned long)trap_back && out[R_RDX] != in[R_RDX])
			mismatch(nr, "rdx", (unsigned long)trap_back, out[R_RDX]);
		if (out[R_R11] != (unsigned long)trap_back)
			mismatch(nr, "r11", (unsigned long)trap_back, out[R_R11]);
		if (out[R_RCX] != trap_rsp)
			mismatch(nr, "rcx", trap_rsp, out[R_RCX]);
	}
	if (path != PATH_SYSENTER && out[R_FLAGS] != want_flags)
		mismatch(nr, "rflags", want_flags, out[R_FLAGS]);
	if (me->mismatch)
		exit(STATUS_MISMATCH);
	track(nr, ret);
}

/* ---- FlexSC: entries written straight into the pages ---- */

static struct flexsc_entry *entry_at(int i)
{
	return &sp[i / FLEXSC_ENTRIES_PER_PAGE].entry[i % FLEXSC_ENTRIES_PER_PAGE];
}

/* Arguments bad for every call: negative as i64 and as int, never a pid or
 * a name: what an entry may be rewritten to while BUSY. */
static unsigned long bad_for_all(void)
{
	static const unsigned long v[] = { -1ul, 0x8000000000000000ul, DIRECT_MAP, KERNEL_IMAGE, 0xdead000000000000ul };
	return v[below(5)];
}

static void reap_batch(void);

/* How many of an entry's arguments the kernel reads for number nr (its
 * table; none past the list). */
static unsigned int kernel_nargs(uint8_t nr)
{
	return nr < SYS_COUNT ? flexsc_nargs[nr] : 0;
}

/* Entry e's reserved bytes: the low three of v. */
static void set_reserved(struct flexsc_entry *e, unsigned long v)
{
	for (int k = 0; k < 3; k++)
		e->reserved[k] = (uint8_t)(v >> 8 * k);
}

/* Entry e's reserved bytes, as set_reserved's v. */
static unsigned int reserved_of(const struct flexsc_entry *e)
{
	return e->reserved[0] | e->reserved[1] << 8 | e->reserved[2] << 16;
}

/* Posts one random entry at index i; returns whether the kernel may run it. */
static bool post_one(int i)
{
	struct flexsc_entry *e = entry_at(i);
	unsigned long nr = any_nr(), a[6];
	uint8_t sysnum = (uint8_t)nr;
	gen_args(sysnum, a);
	/* The call the kernel will see: it reads as many arguments as its own
	 * table says; those past them stay in the entry as junk it ignores. */
	unsigned int nargs = kernel_nargs(sysnum);
	unsigned long eff[6];
	for (int k = 0; k < 6; k++)
		eff[k] = k < (int)nargs ? a[k] : 0;
	bool may_block;
	sysnum = (uint8_t)sanitize(sysnum, eff, true, &may_block);
	for (int k = 0; k < (int)nargs; k++)
		a[k] = eff[k];
	if (batch_split) {
		/* It may change what an fd named by an entry posted earlier is,
		 * and the kernel runs entries in any order: those go first. */
		reap_batch();
		batch_split = batch_fd_calls = false;
	}
	posted_nr[i] = sysnum == SYS_spawn && nkids < MAX_KIDS ? SYS_spawn : SYS_null;
	posted_sys[i] = sysnum;
	if (posted_nr[i] == SYS_spawn)
		kids[nkids++] = 0; /* a place for it: the pid is known when reaped */
	e->sysnum = sysnum;
	set_reserved(e, one_in(10) ? rnd() : 0);
	for (int k = 0; k < 6; k++)
		e->args[k] = posted_args[i][k] = a[k];
	e->ret = rnd();
	me->last_nr = sysnum;
	me->last_args[0] = a[0], me->last_args[1] = a[1], me->last_args[2] = a[2];
	me->calls++;
	if (trace)
		dprintf(OUT_FD, "fuzz[%ld]: flexsc entry %d nr %u reserved %u (0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx)\n", mypid, i,
		       sysnum, reserved_of(e), a[0], a[1], a[2], a[3], a[4], a[5]);
	bool runs = true;
	if (one_in(100)) {
		uint32_t st = one_in(3) ? FLEXSC_BUSY : one_in(2) ? FLEXSC_DONE : 4 + (uint32_t)below(0xfffffffbu);
		__atomic_store_n(&e->status, st, __ATOMIC_RELEASE);
		me->garbage++;
		runs = false;
		may_block = false;
	} else {
		__atomic_store_n(&e->status, FLEXSC_SUBMITTED, __ATOMIC_RELEASE);
	}
	posted_blocks[i] = may_block;
	me->may_block += may_block;
	/* The submission counter is only a hint: now and then skip it or lie. */
	unsigned long seq = sp[0].header.submit_seq;
	__atomic_store_n(&sp[0].header.submit_seq, one_in(20) ? seq : one_in(20) ? rnd() : seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sp[0].header.need_wakeup, __ATOMIC_RELAXED) && !one_in(10))
		syscall_syscall(SYS_flexsc_wake, 0, 0, 0, 0, 0, 0);
	if (runs && one_in(50)) {
		/* Rewrite it while the kernel runs it. */
		for (int spin = 0; spin < 20000; spin++)
			if (__atomic_load_n(&e->status, __ATOMIC_ACQUIRE) == FLEXSC_BUSY) {
				e->sysnum = below(3) ? (below(2) ? SYS_null : SYS_getpid) : SYS_COUNT + below(FLEXSC_SYSNUMS - SYS_COUNT);
				posted_sys[i] = e->sysnum;
				set_reserved(e, rnd());
				for (int k = 0; k < 6; k++)
					e->args[k] = posted_args[i][k] = bad_for_all();
				break;
			}
	}
	return runs;
}

/* Whether entry e (index i) carries another number than we posted, or
 * other arguments among those the kernel reads for it. */
static bool rewritten(int i, const struct flexsc_entry *e)
{
	uint8_t nr = e->sysnum;
	if (nr != posted_sys[i])
		return true;
	for (unsigned int k = 0; k < kernel_nargs(nr); k++)
		if (e->args[k] != posted_args[i][k])
			return true;
	return false;
}

/* Waits for entry i to be DONE (sleeping in flexsc_wait when spinning does
 * not do it), records what it did, frees it. */
static void reap_one(int i)
{
	struct flexsc_entry *e = entry_at(i);
	/* flexsc_wait returns when an entry completed or none is in flight.
	 * Ours is reaped within a batch of at most 16 (entries lost to a call
	 * that wrote over them may complete too, rarely): after 64 returns it
	 * is not in flight (a call of ours wrote BUSY over it). */
	int returns = 0;
	for (;;) {
		uint32_t st = 0;
		for (int spin = 0; spin < 2000; spin++) {
			st = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
			if (st != FLEXSC_SUBMITTED && st != FLEXSC_BUSY)
				break;
		}
		if (st == FLEXSC_DONE)
			break;
		if ((st != FLEXSC_SUBMITTED && st != FLEXSC_BUSY) || returns > 64) {
			/* A call wrote into the page (read into its own
			 * syscall page): the entry is no longer ours to wait on. */
			if (posted_nr[i] == SYS_spawn)
				kid_gone(0);
			me->wait_nr = -1; /* a later report must not name it */
			me->may_block -= posted_blocks[i];
			posted_blocks[i] = false;
			__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELEASE);
			return;
		}
		if (!me->overwritten && rewritten(i, e)) {
			/* A call of ours wrote into the page (a pipe's two fds
			 * make a SUBMITTED status and a number; a struct can
			 * land on an entry's arguments): the kernel may be
			 * running a call we never posted, or with arguments
			 * sanitize never saw (a sleep of days), a console read
			 * among them, and may block our share of its threads. */
			me->overwritten = 1;
			me->may_block++;
		}
		me->wait_nr = e->sysnum;
		me->wait_args[0] = e->args[0], me->wait_args[1] = e->args[1], me->wait_args[2] = e->args[2];
		me->wait_idx = i;
		me->wait_status = st;
		me->wait_returns = returns;
		me->wait_seq = sp[0].header.submit_seq;
		me->wait_need_wakeup = sp[0].header.need_wakeup;
		syscall_syscall(SYS_flexsc_wait, 0, 0, 0, 0, 0, 0);
		returns++;
	}
	me->wait_nr = -1;
	me->may_block -= posted_blocks[i];
	posted_blocks[i] = false;
	long ret = e->ret;
	if (posted_nr[i] == SYS_spawn) {
		kid_gone(0);
		if (ret > 0 && nkids < MAX_KIDS)
			kids[nkids++] = ret;
	} else if (e->sysnum == SYS_wait || e->sysnum == SYS_brk || e->sysnum == SYS_sbrk) {
		track(e->sysnum, ret);
	}
	__atomic_store_n(&e->status, FLEXSC_FREE, __ATOMIC_RELEASE);
}

/* The batch's entries posted and not yet reaped, and whether each runs. */
static int batch_idx[16], batch_posted;
static bool batch_runs[16];

/* Reaps the batch's entries posted so far (frees those that do not run). */
static void reap_batch(void)
{
	for (int j = 0; j < batch_posted; j++) {
		if (batch_runs[j])
			reap_one(batch_idx[j]);
		else
			__atomic_store_n(&entry_at(batch_idx[j])->status, FLEXSC_FREE, __ATOMIC_RELEASE);
	}
	batch_posted = 0;
}

/* One batch: post 1..16 entries, then reap them (now and then not: the
 * child goes on, or exits, with entries in flight). A call that can change
 * what an fd is, posted after one made safe by what its fd is, first reaps
 * the entries before it (post_one). */
static void flexsc_batch_once(unsigned long quota)
{
	int n = sp_pages * FLEXSC_ENTRIES_PER_PAGE, k = 1 + below(16);
	batch_fds_moved = batch_fd_calls = batch_split = false;
	batch_posted = 0;
	for (int j = 0; j < k && me->calls < quota; j++) {
		int i = below(n);
		for (int t = 0; t < n && __atomic_load_n(&entry_at(i)->status, __ATOMIC_ACQUIRE) != FLEXSC_FREE; t++)
			i = (i + 1) % n;
		if (__atomic_load_n(&entry_at(i)->status, __ATOMIC_ACQUIRE) != FLEXSC_FREE)
			break;
		bool runs = post_one(i);
		batch_idx[batch_posted] = i;
		batch_runs[batch_posted++] = runs;
	}
	if (me->calls >= quota && one_in(4))
		return; /* exit with these in flight */
	reap_batch();
}

/* The known=on memory-exhaustion pattern: fill the heap, then register. */
static void exhaust_then_register(void)
{
	long old = syscall_syscall(SYS_sbrk, 64l << 20, 0, 0, 0, 0, 0);
	if (old > 0) {
		long fd = syscall_syscall(SYS_open, (long)dev_zero, O_RDONLY, 0, 0, 0, 0);
		syscall_syscall(SYS_read, fd, old, 64l << 20, 0, 0, 0);
		syscall_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	syscall_syscall(SYS_flexsc_register, 16, 0, 0, 0, 0, 0);
	heap_brk = syscall_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
}

static int child(int argc, char **argv)
{
	if (argc < 8)
		return 100;
	path = (enum syscall_path)atoi(argv[2]);
	rng_state = strtoul(argv[3], 0, 16);
	unsigned long quota = strtoul(argv[4], 0, 10);
	int slot = atoi(argv[5]);
	known_on = argv[6][0] == '1';
	trace = argv[7][0] == '1';
	long st = syscall_syscall(SYS_shm, STATS_KEY, 0, 0, 0, 0, 0);
	if (st < 0 || slot < 0 || slot >= PATH_COUNT)
		return 101;
	slots = (struct slot *)st;
	me = &slots[slot];
	mypid = syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	struct stat cst;
	if (syscall_syscall(SYS_dup2, 1, OUT_FD, 0, 0, 0, 0) != OUT_FD ||
	    syscall_syscall(SYS_stat, (long)"/dev/console", (long)&cst, 0, 0, 0, 0) != 0)
		return 103;
	console_ino = cst.ino;
	me->wait_nr = -1;
	char stack_buf[8192];
	stack_area = stack_buf;
	heap_start = syscall_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
	buf = (char *)syscall_syscall(SYS_sbrk, 2 * 4096 + BUF_SIZE, 0, 0, 0, 0, 0) + 4096;
	heap_brk = syscall_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
	struct sysinfo si;
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	online = si.ncpus >= 64 ? ~0ul : (1ul << si.ncpus) - 1;
	for (int i = 0; i < 19; i++)
		argv_many[i] = (char *)name_utrue;
	if (path == PATH_FLEXSC) {
		sp_pages = 1 + below(FLEXSC_MAX_PAGES);
		long r = syscall_syscall(SYS_flexsc_register, sp_pages, 0, 0, 0, 0, 0);
		if (r < 0)
			return 102;
		sp = (struct flexsc_page *)r;
	}
	while (me->calls < quota) {
		if (known_on && one_in(path == PATH_FLEXSC ? 5000 : 100000)) {
			me->may_block++; /* 64 MiB mapped and zeroed: seconds, no call counted */
			exhaust_then_register();
			me->may_block--;
		}
		if (path == PATH_FLEXSC)
			flexsc_batch_once(quota);
		else
			trap_once();
	}
	me->done = 1;
	return 0;
}

/* ---- the parent ---- */

struct path_stats {
	unsigned long calls, children, finished, killed_kernel, killed_self, watchdog, stuck, slow, exited, mismatches,
		garbage;
};

static const char *cmdline_opt(const char *cmdline, const char *key, char *out, int max)
{
	int klen = strlen(key);
	for (const char *s = cmdline; *s;) {
		while (*s == ' ')
			s++;
		int n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=') {
			int vlen = n - klen - 1;
			if (vlen >= max)
				vlen = max - 1;
			memcpy(out, s + klen + 1, vlen);
			out[vlen] = 0;
			return out;
		}
		s += n;
	}
	return 0;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	*v = strtoul(s, &end, 10);
	return !*end;
}

__attribute__((noreturn)) static void finish(bool ok)
{
	printf("fuzz: %s\n", ok ? "PASS" : "FAIL");
	printf_flush();
	syscall_syscall(SYS_poweroff, ok ? 0 : 1, 0, 0, 0, 0, 0);
	exit(ok ? 0 : 1);
}

/* Prints the tree below directory path: what a leak may be hiding in. */
static void list_tree(const char *path)
{
	char child[FS_PATH_MAX];
	struct dirent ents[4];
	long fd = syscall_syscall(SYS_open, (long)path, O_RDONLY, 0, 0, 0, 0), n;
	if (fd < 0)
		return;
	while ((n = syscall_syscall(SYS_readdir, fd, (long)ents, 4, 0, 0, 0)) > 0)
		for (long i = 0; i < n; i++) {
			struct stat st;
			snprintf(child, sizeof(child), "%s%s%s", path, strcmp(path, "/") ? "/" : "", ents[i].name);
			if (syscall_syscall(SYS_stat, (long)child, (long)&st, 0, 0, 0, 0) == 0)
				printf("fuzz:   %s (type %u, %lu bytes)\n", child, st.type, st.size);
			if (ents[i].type == FT_DIR)
				list_tree(child);
		}
	syscall_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* Removes everything below directory path (the children's files). */
static void empty_dir(const char *path)
{
	char child[FS_PATH_MAX];
	struct dirent ents[4];
	for (;;) {
		long fd = syscall_syscall(SYS_open, (long)path, O_RDONLY, 0, 0, 0, 0), n, removed = 0;
		if (fd < 0)
			return;
		while ((n = syscall_syscall(SYS_readdir, fd, (long)ents, 4, 0, 0, 0)) > 0)
			for (long i = 0; i < n; i++) {
				if (!strcmp(ents[i].name, ".") || !strcmp(ents[i].name, ".."))
					continue;
				snprintf(child, sizeof(child), "%s/%s", path, ents[i].name);
				if (ents[i].type == FT_DIR) {
					empty_dir(child);
					removed += syscall_syscall(SYS_rmdir, (long)child, 0, 0, 0, 0, 0) == 0;
				} else {
					removed += syscall_syscall(SYS_unlink, (long)child, 0, 0, 0, 0, 0) == 0;
				}
			}
		syscall_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
		if (!removed)
			return; /* readdir walks by index: go again until nothing is left */
	}
}

/* The kernel's memory, as sysinfo tells it, and the pages of the parent's
 * own address space (ps): its stack is mapped on first touch, and a page it
 * first touches after the start (empty_dir's recursion into a deeper tree at
 * the end) is the parent's, not a leak. */
struct mem {
	unsigned long free_pages, heap_bytes, slab_pages, own_pages;
};

static struct mem mem_now(void)
{
	static struct proc_info ps[256];
	struct sysinfo si;
	long self = syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	long n = syscall_syscall(SYS_ps, (long)ps, 256, 0, 0, 0, 0);
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	struct mem m = { si.free_pages, si.heap_bytes, si.slab_pages, 0 };
	for (long i = 0; i < n; i++)
		if (ps[i].pid == self)
			m.own_pages = ps[i].pages;
	return m;
}

/* Nothing leaked from a to b: the heap holds no more bytes, and no fewer
 * pages are free but for slabs, whose placement can keep a page (with other
 * objects) or not, and the parent's own. Less held than at the start is no
 * leak: the start can catch a transient (a dead thread its CPU has not freed
 * yet). */
static bool mem_kept(struct mem a, struct mem b)
{
	return b.heap_bytes <= a.heap_bytes &&
	       b.free_pages + b.slab_pages + b.own_pages >= a.free_pages + a.slab_pages + a.own_pages;
}

/* The watchdog's line for a child whose calls stopped (kind 1: a known hazard,
 * a call let sleep for good on purpose, e.g. issue 8's console read; 2: STUCK,
 * asleep in a call the fuzzer never lets sleep for good: a lost wakeup, an
 * entry never run, or a hole in sanitize, which fails the run; 3: slow,
 * running or runnable: a call that takes seconds on a loaded host, or a spin). */
static void watchdog_report(int p, long pid, const struct slot *s, int state, int kind)
{
	static const char *const states[] = PROC_STATE_NAMES;
	static const char *const kinds[] = { "", "watchdog", "STUCK", "watchdog, slow" };
	printf("fuzz: %s: path %s pid %ld (%s) made no call for 3 s, in call %ld (0x%lx 0x%lx 0x%lx)",
	       kinds[kind], syscall_path_name(p), pid,
	       state >= 0 && state < P_STATE_COUNT ? states[state] : "?", s->last_nr, s->last_args[0],
	       s->last_args[1], s->last_args[2]);
	if (s->wait_nr >= 0)
		printf(", reaping entry %ld (0x%lx 0x%lx 0x%lx) at index %ld, status %u after %u waits, submit_seq %lu, "
		       "need_wakeup %u",
		       s->wait_nr, s->wait_args[0], s->wait_args[1], s->wait_args[2], s->wait_idx, s->wait_status,
		       s->wait_returns, s->wait_seq, s->wait_need_wakeup);
	printf(": killed%s\n", kind == 1 ? " (a known hazard: a call that may sleep for good)" : "");
}

static int parent(void)
{
	static struct sysinfo si;
	static struct proc_info ps[256];
	char v[128];
	unsigned long calls = 1000000, seed = 1;
	bool want[PATH_COUNT] = { true, true, true, true }, known = true, tr = false;
	syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	if (cmdline_opt(si.cmdline, "fuzz.calls", v, sizeof(v)) && (!parse_ulong(v, &calls) || !calls)) {
		printf("fuzz: fuzz.calls must be a positive integer, not '%s'\n", v);
		finish(false);
	}
	if (cmdline_opt(si.cmdline, "fuzz.seed", v, sizeof(v)) && !parse_ulong(v, &seed)) {
		printf("fuzz: fuzz.seed must be a non-negative integer, not '%s'\n", v);
		finish(false);
	}
	if (cmdline_opt(si.cmdline, "fuzz.known", v, sizeof(v))) {
		if (strcmp(v, "on") && strcmp(v, "off")) {
			printf("fuzz: fuzz.known must be on or off, not '%s'\n", v);
			finish(false);
		}
		known = !strcmp(v, "on");
	}
	if (cmdline_opt(si.cmdline, "fuzz.trace", v, sizeof(v)))
		tr = !strcmp(v, "1");
	if (cmdline_opt(si.cmdline, "fuzz.paths", v, sizeof(v))) {
		char *save, *tok;
		for (int p = 0; p < PATH_COUNT; p++)
			want[p] = false;
		for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(0, ",", &save)) {
			int p = 0;
			while (p < PATH_COUNT && strcmp(tok, syscall_path_name(p)))
				p++;
			if (p == PATH_COUNT) {
				printf("fuzz: fuzz.paths lists int80,syscall,sysenter,flexsc; not '%s'\n", tok);
				finish(false);
			}
			want[p] = true;
		}
	}
	if (want[PATH_SYSENTER] && !si.sysenter_ok) {
		printf("fuzz: sysenter unsupported on this CPU (%s): path skipped\n", si.cpu_vendor);
		want[PATH_SYSENTER] = false;
	}
	printf("fuzz: seed %lu, %lu calls per path, known hazards %s, %u CPUs, syscall cores 0x%lx\n", seed, calls,
	       known ? "on" : "off", si.ncpus, si.flexsc_cpus);
	/* The shared pages live as long as the kernel: take them all now. */
	for (int k = 0; k < 16; k++)
		syscall_syscall(SYS_shm, k, 0, 0, 0, 0, 0);
	slots = (struct slot *)syscall_syscall(SYS_shm, STATS_KEY, 0, 0, 0, 0, 0);
	syscall_syscall(SYS_mkdir, (long)FUZZ_DIR, 0, 0, 0, 0, 0);
	struct mem before = mem_now();
	printf("fuzz: free pages before: %lu\n", before.free_pages);

	struct path_stats stats[PATH_COUNT] = { 0 };
	long pid[PATH_COUNT] = { 0 }, gen[PATH_COUNT] = { 0 }, quota[PATH_COUNT] = { 0 };
	unsigned long last_calls[PATH_COUNT] = { 0 }, last_move[PATH_COUNT] = { 0 };
	int zero_runs[PATH_COUNT] = { 0 };
	int watchdogged[PATH_COUNT] = { 0 }; /* 1: a known hazard, 2: stuck, 3: slow */
	bool ok = true;
	unsigned long spawn_fail_since = 0, next_report = 0, t0 = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
	for (;;) {
		bool busy = false;
		unsigned long now = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
		for (int p = 0; p < PATH_COUNT; p++) {
			if (!want[p] || pid[p] || stats[p].calls >= calls || stats[p].mismatches)
				continue;
			busy = true;
			char a_path[4], a_seed[20], a_quota[24], a_slot[4];
			unsigned long cs = seed * 0x9e3779b97f4a7c15ul ^ ((unsigned long)p << 56) ^ (unsigned long)gen[p];
			snprintf(a_path, sizeof(a_path), "%d", p);
			snprintf(a_seed, sizeof(a_seed), "%lx", cs);
			quota[p] = calls - stats[p].calls;
			snprintf(a_quota, sizeof(a_quota), "%ld", quota[p]);
			snprintf(a_slot, sizeof(a_slot), "%d", p);
			char *args[] = { "fuzz", "child", a_path, a_seed, a_quota, a_slot, known ? "1" : "0",
					 tr ? "1" : "0", 0 };
			memset((void *)&slots[p], 0, sizeof(slots[p]));
			long r = syscall_syscall(SYS_spawn, (long)"fuzz", (long)args, 0, 0, 0, 0);
			if (r < 0) {
				if (!spawn_fail_since)
					spawn_fail_since = now;
				if (now - spawn_fail_since > 10000000000ul) {
					printf("fuzz: cannot spawn a child for 10 s: error %ld\n", r);
					ok = false;
					goto out;
				}
				continue;
			}
			spawn_fail_since = 0;
			if (tr)
				printf("fuzz: path %s child %ld pid %ld seed %s quota %ld\n", syscall_path_name(p), gen[p],
				       r, a_seed, quota[p]);
			pid[p] = r;
			gen[p]++;
			stats[p].children++;
			last_calls[p] = 0;
			last_move[p] = now;
			watchdogged[p] = 0;
		}
		for (int p = 0; p < PATH_COUNT; p++)
			busy |= pid[p] != 0;
		if (!busy)
			break;
		syscall_syscall(SYS_sleep_ns, 5000000, 0, 0, 0, 0, 0);
		now = syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0);
		long n = syscall_syscall(SYS_ps, (long)ps, 256, 0, 0, 0, 0);
		for (int p = 0; p < PATH_COUNT; p++) {
			if (!pid[p])
				continue;
			bool zombie = false;
			int state = P_FREE;
			for (long i = 0; i < n; i++)
				if (ps[i].pid == pid[p])
					state = ps[i].state;
			zombie = state == P_ZOMBIE;
			struct slot *s = &slots[p];
			if (!zombie) {
				if (s->calls != last_calls[p]) {
					last_calls[p] = s->calls;
					last_move[p] = now;
				} else if (!watchdogged[p] && now - last_move[p] > WATCHDOG_NS) {
					watchdogged[p] = s->may_block ? 1 : state == P_SLEEPING ? 2 : 3;
					watchdog_report(p, pid[p], s, state, watchdogged[p]);
					syscall_syscall(SYS_kill, pid[p], 0, 0, 0, 0, 0);
				}
				continue;
			}
			int status = 0;
			syscall_syscall(SYS_wait, pid[p], (long)&status, 0, 0, 0, 0);
			struct path_stats *ps_ = &stats[p];
			unsigned long made = s->calls < (unsigned long)quota[p] ? s->calls : (unsigned long)quota[p];
			ps_->calls += made;
			ps_->garbage += s->garbage;
			if (s->mismatch)
				ps_->mismatches++; /* and the path stops: the seed replays it */
			else if (s->done && status == 0)
				ps_->finished++;
			else if (watchdogged[p] == 1)
				ps_->watchdog++;
			else if (watchdogged[p] == 2)
				ps_->stuck++;
			else if (watchdogged[p] == 3)
				ps_->slow++;
			else if (status == -1 && s->last_nr == SYS_kill)
				ps_->killed_self++;
			else if (status == -1)
				ps_->killed_kernel++;
			else
				ps_->exited++;
			zero_runs[p] = s->calls ? 0 : zero_runs[p] + 1;
			if (zero_runs[p] == 100) {
				printf("fuzz: path %s: 100 children in a row made no call (last status %d)\n",
				       syscall_path_name(p), status);
				ok = false;
				goto out;
			}
			pid[p] = 0;
		}
		unsigned long total = 0, want_total = 0;
		for (int p = 0; p < PATH_COUNT; p++)
			if (want[p])
				total += stats[p].calls, want_total += calls;
		while (total * 10 >= next_report * want_total && next_report <= 10) {
			printf("fuzz: %lu%% (%lu calls, %lu s)\n", next_report * 10, total,
			       (now - t0) / 1000000000ul);
			next_report++;
		}
	}
out:
	/* Orphaned grandchildren end on their own: wait until no process
	 * younger than us is left (at most 10 s). */
	long self = syscall_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < 2000; i++) {
		long n = syscall_syscall(SYS_ps, (long)ps, 256, 0, 0, 0, 0), younger = 0;
		for (long j = 0; j < n; j++)
			younger += ps[j].pid > self;
		if (!younger)
			break;
		int status;
		for (int p = 0; p < PATH_COUNT; p++)
			if (pid[p]) {
				syscall_syscall(SYS_kill, pid[p], 0, 0, 0, 0, 0);
				syscall_syscall(SYS_wait, pid[p], (long)&status, 0, 0, 0, 0);
				pid[p] = 0;
			}
		syscall_syscall(SYS_sleep_ns, 5000000, 0, 0, 0, 0, 0);
	}
	empty_dir(FUZZ_DIR);
	/* What the last exits free can lag a little (a dead thread goes at its
	 * CPU's next switch): look again for up to a second. */
	struct mem after = mem_now();
	for (int i = 0; i < 20 && !mem_kept(before, after); i++) {
		syscall_syscall(SYS_sleep_ns, 50000000, 0, 0, 0, 0, 0);
		after = mem_now();
	}
	unsigned long
		      secs = (syscall_syscall(SYS_time_ns, 0, 0, 0, 0, 0, 0) - t0) / 1000000000ul;
	printf("fuzz: summary, seed %lu, %lu s\n", seed, secs);
	printf("fuzz: %-9s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "path", "calls", "children", "finished",
	       "k-kernel", "k-self", "watchdog", "stuck", "slow", "exit()", "garbage", "mismatch");
	for (int p = 0; p < PATH_COUNT; p++) {
		struct path_stats *s = &stats[p];
		if (!want[p])
			continue;
		printf("fuzz: %-9s %9lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu\n", syscall_path_name(p),
		       s->calls, s->children, s->finished, s->killed_kernel, s->killed_self, s->watchdog, s->stuck,
		       s->slow, s->exited, s->garbage, s->mismatches);
		if (s->mismatches || s->stuck)
			ok = false;
		if (s->calls < calls)
			ok = false;
	}
	bool same = mem_kept(before, after);
	printf("fuzz: free pages before %lu after %lu, slab pages %lu / %lu, heap bytes %lu / %lu, fuzz's own pages "
	       "%lu / %lu%s\n",
	       before.free_pages, after.free_pages, before.slab_pages, after.slab_pages, before.heap_bytes,
	       after.heap_bytes, before.own_pages, after.own_pages, same ? "" : ": LEAK (or not yet freed)");
	if (!same) {
		printf("fuzz: the file tree now:\n");
		list_tree("/");
		ok = false;
	}
	finish(ok);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(argc, argv);
	return parent();
}
