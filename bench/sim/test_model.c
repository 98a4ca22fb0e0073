/*
 * Host test of the simulation plugin's model (model.c) and instruction
 * recognition (insn.c), without QEMU: prints PASS/FAIL per check and ends
 * with "N passed, N failed". Run by bench/sim/test.sh from make test.
 */
#include <stdio.h>
#include <string.h>

#include "insn.h"
#include "model.h"
#include "../../kernel/abi/simmark.h"

static int passed, failed;

static void check(const char *name, int ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	ok ? passed++ : failed++;
}

/* Passes over a working set of bytes, one access per line, on CPU 0;
 * returns the counts of the last pass. */
static struct model_counts passes(struct model *m, unsigned long bytes, int n)
{
	struct model_counts c = { 0 };
	for (int p = 0; p < n; p++) {
		memset(&c, 0, sizeof(c));
		for (unsigned long a = 0; a < bytes; a += 64)
			model_data(m, 0, 0x100000 + a, model_page(0x400000 + a, 12), false, false, &c);
	}
	return c;
}

static struct model fresh(void)
{
	struct model m;
	if (model_init(&m, &model_default, 2))
		printf("model_init failed\n");
	return m;
}

/* The marker bytes exactly as kernel/abi/simmark.h has the assembler emit them. */
__asm__(".pushsection .rodata\nmarker_begin: " SIMMARK(SIMMARK_BEGIN) "marker_idle_end: "
	SIMMARK(SIMMARK_IDLE_END) ".popsection");
extern const uint8_t marker_begin[8], marker_idle_end[8];

int main(void)
{
	struct model m = fresh();
	unsigned long l1d = model_default.l1d.size;
	struct model_counts c = passes(&m, 2 * l1d, 3);
	check("twice L1d: one L1d miss per line per pass", c.l1d_miss == 2 * l1d / 64 && c.data == 2 * l1d / 64);
	check("twice L1d: it fits in L2, no L2 miss after warm-up", c.l2_miss == 0 && c.llc_miss == 0);
	model_free(&m);

	m = fresh();
	c = passes(&m, l1d / 2, 1);
	check("half L1d: the first pass misses every line", c.l1d_miss == l1d / 2 / 64 && c.llc_miss == l1d / 2 / 64);
	c = passes(&m, l1d / 2, 2);
	check("half L1d: no miss after warm-up", c.l1d_miss == 0 && c.tlb_miss == 0);
	model_free(&m);

	m = fresh();
	c = passes(&m, 8ul << 20, 2);
	check("8 MiB (over L2 and LLC): every line misses the LLC", c.llc_miss == (8ul << 20) / 64);
	check("8 MiB: one TLB walk per 4 KiB page (over the STLB's reach)", c.tlb_miss == (8ul << 20) / 4096);
	model_free(&m);

	/* LRU: ways lines of one set stay; one more evicts the oldest each time. */
	struct sa a;
	check("sa_init 8 sets x 4 ways", !sa_init(&a, 32, 4));
	for (int k = 0; k < 4; k++)
		sa_access(&a, (uint64_t)k * 8, false);
	int hits = 0;
	for (int k = 0; k < 4; k++)
		hits += sa_access(&a, (uint64_t)k * 8, false);
	check("LRU: as many lines as ways all hit", hits == 4);
	sa_flush(&a, true);
	hits = 0;
	for (int r = 0; r < 3; r++)
		for (int k = 0; k < 5; k++)
			hits += sa_access(&a, (uint64_t)k * 8, false);
	check("LRU: ways + 1 lines cycled never hit", hits == 0);
	sa_free(&a);
	check("geometry: 3 sets refused", sa_init(&a, 12, 4) != NULL);
	struct model_cfg bad = model_default;
	bad.l1d.size = 1000;
	struct model mb;
	check("geometry: L1d not a multiple of the line refused", model_init(&mb, &bad, 1) != NULL);
	model_free(&mb);

	/* TLB: a CR3 write empties the user entries and keeps the global ones. */
	m = fresh();
	passes(&m, 16 << 10, 1);
	struct model_counts k = { 0 };
	model_data(&m, 0, 0x1000, model_page(0xffffffff80001000ul, 12), true, false, &k);
	check("TLB filled", sa_used(&m.cpu[0].dtlb) == 5 && sa_used(&m.cpu[0].stlb) == 5);
	model_tlb_flush(&m, 0, false);
	check("CR3 write: only the global entry left", sa_used(&m.cpu[0].dtlb) == 1 && sa_used(&m.cpu[0].stlb) == 1);
	c = passes(&m, 16 << 10, 1);
	check("CR3 write: the next pass walks every page again, caches still warm",
	      c.tlb_miss == 4 && c.l1d_miss == 0);
	check("CR3 write on CPU 0 leaves CPU 1 alone", sa_used(&m.cpu[1].dtlb) == 0);
	model_tlb_flush(&m, 0, true);
	check("invlpg/invpcid: everything flushed", sa_used(&m.cpu[0].dtlb) == 0 && sa_used(&m.cpu[0].stlb) == 0);
	model_free(&m);

	/* Coherence: a write takes the line from the other CPU's L1d and L2. */
	m = fresh();
	struct model_counts c0 = { 0 }, c1x = { 0 };
	uint64_t pg = model_page(0x400000, 12);
	model_data(&m, 0, 0x2000, pg, false, false, &c0);  /* CPU 0 reads: cold miss */
	model_data(&m, 1, 0x2000, pg, false, false, &c1x); /* CPU 1 reads: its own cold miss */
	memset(&c0, 0, sizeof(c0));
	model_data(&m, 0, 0x2000, pg, false, false, &c0);
	check("coherence: another CPU's read leaves our copy", c0.l1d_miss == 0);
	memset(&c1x, 0, sizeof(c1x));
	model_data(&m, 1, 0x2000, pg, false, true, &c1x);
	check("coherence: a write to a line the writer holds hits", c1x.l1d_miss == 0 && c1x.coh_miss == 0);
	memset(&c0, 0, sizeof(c0));
	model_data(&m, 0, 0x2000, pg, false, false, &c0);
	check("coherence: after another CPU's write, L1d and L2 miss, the LLC hits, one coherence miss",
	      c0.l1d_miss == 1 && c0.l2_miss == 1 && c0.llc_miss == 0 && c0.coh_miss == 1);
	memset(&c0, 0, sizeof(c0));
	model_data(&m, 0, 0x2000, pg, false, true, &c0);
	model_data(&m, 0, 0x2000, pg, false, false, &c0);
	check("coherence: our own write keeps our copy", c0.l1d_miss == 0);
	memset(&c1x, 0, sizeof(c1x));
	model_data(&m, 1, 0x2040, pg, false, false, &c1x);
	model_data(&m, 1, 0x2000, pg, false, false, &c1x);
	check("coherence: only the written line goes", c1x.coh_miss == 1 && c1x.l1d_miss == 2);
	model_free(&m);

	/* Two identical runs give identical counts. */
	struct model m1 = fresh(), m2 = fresh();
	struct model_counts c1 = passes(&m1, 3 << 20, 2), c2 = passes(&m2, 3 << 20, 2);
	check("deterministic", !memcmp(&c1, &c2, sizeof(c1)));
	model_free(&m1);
	model_free(&m2);

	/* Instruction recognition. */
	check("marker BEGIN as assembled", insn_marker(marker_begin, 8) == SIMMARK_BEGIN);
	check("marker IDLE_END as assembled", insn_marker(marker_idle_end, 8) == SIMMARK_IDLE_END);
	static const uint8_t nopl[8] = { 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0 };
	check("an ordinary 8-byte NOP is no marker", insn_marker(nopl, 8) == 0);
	static const uint8_t cr3[] = { 0x0f, 0x22, 0xd8 }, cr3_r8[] = { 0x41, 0x0f, 0x22, 0xd8 },
			     cr0[] = { 0x0f, 0x22, 0xc0 }, invlpg[] = { 0x0f, 0x01, 0x38 },
			     rdtscp[] = { 0x0f, 0x01, 0xf9 }, swapgs[] = { 0x0f, 0x01, 0xf8 },
			     invpcid[] = { 0x66, 0x0f, 0x38, 0x82, 0x08 };
	check("mov %rax,%cr3", insn_flush(cr3, sizeof(cr3)) == INSN_FLUSH_CR3);
	check("mov %r8,%cr3", insn_flush(cr3_r8, sizeof(cr3_r8)) == INSN_FLUSH_CR3);
	check("mov %rax,%cr0 is not", insn_flush(cr0, sizeof(cr0)) == INSN_FLUSH_NONE);
	check("invlpg (%rax)", insn_flush(invlpg, sizeof(invlpg)) == INSN_FLUSH_ALL);
	check("rdtscp and swapgs are not", insn_flush(rdtscp, 3) == INSN_FLUSH_NONE &&
	      insn_flush(swapgs, 3) == INSN_FLUSH_NONE);
	check("invpcid (%rax),%rcx", insn_flush(invpcid, sizeof(invpcid)) == INSN_FLUSH_ALL);
	static const uint8_t sysc[] = { 0x0f, 0x05 }, syse[] = { 0x0f, 0x34 }, i80[] = { 0xcd, 0x80 },
			     i3[] = { 0xcd, 0x03 }, sysret[] = { 0x48, 0x0f, 0x07 };
	check("syscall, sysenter, int $0x80 are traps",
	      insn_trap(sysc, 2) == INSN_TRAP_SYSCALL && insn_trap(syse, 2) == INSN_TRAP_SYSENTER &&
		      insn_trap(i80, 2) == INSN_TRAP_INT80);
	check("int $3, sysretq and a longer instruction are not",
	      insn_trap(i3, 2) == INSN_TRAP_NONE && insn_trap(sysret, 3) == INSN_TRAP_NONE &&
		      insn_trap(invpcid, sizeof(invpcid)) == INSN_TRAP_NONE);

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
