/* x86-64 4-level paging: the kernel half (direct map + image) is built once
 * and shared by every address space; the user half is private.
 *
 * PTI (pti=on): each space gets a second PML4, its user table, with the same
 * user half and, above, only what an entry touches before it switches CR3:
 * the entry stubs (.entry.text), the per-CPU blocks (GDT, TSS, entry and IST
 * stacks, the CR3 slots) and the IDT, at their usual addresses, from one
 * shared set of tables (pti_pml4's). Kernel pages are then not global, so a
 * switch to the user table drops them from the TLB. With PCIDs a space's
 * user table runs under its PCID | PCID_USER, both loaded without a flush
 * unless a flush is owed (the user one by pti_flush_user). */
#include "../../test.h"
#include "../../trap.h"
#include "cpu.h"
#include "layout.h"
#include "percpu.h"
#include "lapic.h"
#include "trapframe.h"
#include "../../vm.h"
#include "../../mm.h"
#include "../../panic.h"
#include "../../console.h"
#include "../../sched.h"
#include "../../abi/errno.h"
#include "../../cmdline.h"
#include "../../proc.h"

#define PTE_P (1ul << 0)
#define PTE_W (1ul << 1)
#define PTE_U (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_PS (1ul << 7)
#define PTE_G (1ul << 8)
#define PTE_NX (1ul << 63)
#define PTE_SHARED (1ul << 9) /* available bit: a page the space does not own (shm, syscall pages) */
#define PTE_ADDR 0x000FFFFFFFFFF000ul

static paddr_t kernel_pml4;
bool cpu_has_pcid;
bool pti_on;
static paddr_t pti_pml4; /* upper half of every user table */
#define PCID_USER 0x800  /* the user table's PCID: the space's | this */
#define CR3_NOFLUSH (1ul << 63)
/* Per CPU: the space its CR3 holds (NULL: kernel tables), and TLB flush
 * requests made of it by tlb_flush_page and the last one it carried out. */
static struct addrspace *loaded[MAX_CPUS];
static u64 flush_req[MAX_CPUS], flush_done[MAX_CPUS];
static u8 pcid_used[4096 / 8];
static struct spinlock pcid_lock = SPINLOCK_INIT("pcid");

extern char _text[], _etext[], _erodata[], _end[];
extern char __entry_text_start[], __entry_text_end[];
/* Load user_cr3 (its PCID flushed), then kernel_cr3 again: entry.S, in
 * .entry.text, which both tables map. Interrupts off. */
void pti_cr3_flush_user(u64 user_cr3, u64 kernel_cr3);

/* Before pmm exists, page tables come from just past the kernel image,
 * reached through the boot mapping of the first 1 GiB at KERNEL_VMA. */
static paddr_t early_next;
static bool early;

static paddr_t table_alloc(void)
{
	if (early) {
		paddr_t p = early_next;
		early_next += PAGE_SIZE;
		memset((void *)(KERNEL_VMA + p), 0, PAGE_SIZE);
		return p;
	}
	return pmm_alloc();
}

static u64 *table_virt(paddr_t p)
{
	return early ? (u64 *)(KERNEL_VMA + p) : phys_to_virt(p);
}

/* The entry for va at the given level (3 = PML4 .. 0 = PT), making the
 * tables on the way down if create. */
static u64 *walk(paddr_t pml4, u64 va, int level, bool create, bool user)
{
	u64 *t = table_virt(pml4);
	for (int l = 3; l > level; l--) {
		u64 *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return 0;
			paddr_t n = table_alloc();
			if (!n)
				return 0;
			*e = n | PTE_P | PTE_W | (user ? PTE_U : 0);
		}
		if (*e & PTE_PS)
			return 0;
		t = table_virt(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

static u64 pte_flags(int flags)
{
	u64 f = PTE_P;
	if (flags & VM_WRITE)
		f |= PTE_W;
	if (!(flags & VM_EXEC))
		f |= PTE_NX;
	if (flags & VM_USER)
		f |= PTE_U;
	else if (!pti_on)
		f |= PTE_G; /* under PTI no kernel page outlives a switch to a user table */
	return f;
}

/* pti=on with PCIDs: drop this CPU's TLB entries of its loaded space's user
 * table (invlpg and CR3 writes in the kernel reach the kernel PCID only). */
static void pti_flush_user(void)
{
	struct cpu *c = this_cpu();
	if (pti_on && cpu_has_pcid && (c->user_cr3 & CR3_NOFLUSH))
		pti_cr3_flush_user(c->user_cr3 & ~CR3_NOFLUSH, c->kernel_cr3);
}

/* pti=on with PCIDs: kernel pages are not global, so an invlpg of one
 * reaches the current PCID only; toggling CR4.PGE empties every PCID. */
static void flush_kernel_page(u64 va)
{
	if (pti_on && cpu_has_pcid) {
		u64 cr4 = read_cr4();
		write_cr4(cr4 ^ CR4_PGE);
		write_cr4(cr4);
	} else {
		invlpg(va);
	}
}

/* The kernel's pages [start, end) at their own addresses in pti_pml4. */
static void pti_map(const void *start, const void *end, int flags)
{
	for (u64 va = ALIGN_DOWN((u64)start, PAGE_SIZE); va < (u64)end; va += PAGE_SIZE) {
		u64 *e = walk(pti_pml4, va, 0, true, false);
		if (!e)
			panic("pti: no memory for the user tables' entry area");
		*e = (va - KERNEL_VMA) | pte_flags(flags);
	}
}

/* Carry out the flush requests made of this CPU: reloading CR3 drops every
 * non-global entry of the space it has loaded (its PCID's, with PCIDs). */
static void tlb_flush_requested(void)
{
	int cpu = this_cpu()->id;
	u64 req = __atomic_load_n(&flush_req[cpu], __ATOMIC_ACQUIRE);
	if (req == READ_ONCE(flush_done[cpu]))
		return;
	write_cr3(read_cr3());
	pti_flush_user();
	__atomic_store_n(&flush_done[cpu], req, __ATOMIC_RELEASE);
}

static void tlb_ipi(struct trapframe *tf)
{
	(void)tf;
	tlb_flush_requested();
}

void mmu_init(paddr_t *reserved_end)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_has_pcid = (c >> 17) & 1;
	pti_on = boot_opts.pti;

	early = true;
	early_next = ALIGN_UP(*reserved_end, PAGE_SIZE);
	kernel_pml4 = table_alloc();

	/* Direct map of all RAM (at least 4 GiB, for the APIC MMIO), 2 MiB pages. */
	paddr_t top = 4ul << 30;
	for (int i = 0; i < boot_nram; i++)
		top = MAX(top, boot_ram[i].base + boot_ram[i].len);
	top = MIN(ALIGN_UP(top, 1ul << 21), DIRECT_MAP_MAX);
	for (paddr_t p = 0; p < top; p += 1ul << 21) {
		u64 *e = walk(kernel_pml4, DIRECT_MAP + p, 1, true, false);
		u64 f = PTE_P | PTE_W | PTE_PS | PTE_NX | (pti_on ? 0 : PTE_G);
		if (p >= 0xFEC00000ul && p < 0xFF000000ul)
			f |= PTE_PCD | PTE_PWT; /* IOAPIC, LAPIC */
		*e = p | f;
	}
	/* The kernel image: text RX, rodata R, data and bss RW, all NX but text. */
	for (u64 va = (u64)_text; va < (u64)_end; va += PAGE_SIZE) {
		u64 *e = walk(kernel_pml4, va, 0, true, false);
		int fl = va < (u64)_etext ? VM_EXEC : va < (u64)_erodata ? 0 : VM_WRITE;
		*e = (va - KERNEL_VMA) | pte_flags(fl);
	}
	/* Every kernel PML4 slot exists now, so address spaces can share them. */
	for (int i = 256; i < 512; i++) {
		u64 *e = &table_virt(kernel_pml4)[i];
		if (!(*e & PTE_P))
			*e = table_alloc() | PTE_P | PTE_W;
	}
	if (pti_on) {
		pti_pml4 = table_alloc();
		pti_map(__entry_text_start, __entry_text_end, VM_EXEC);
		pti_map(cpus, cpus + MAX_CPUS, VM_WRITE);
		pti_map(idt_page(), (const char *)idt_page() + PAGE_SIZE, 0);
		idt_use_pti();
	}
	kprintf("mmu: PTI %s%s\n", pti_on ? "on" : "off",
		pti_on ? (cpu_has_pcid ? " (PCID: user tables under PCID | 0x800)" : " (no PCID: every switch flushes)") : "");
	*reserved_end = early_next;
	early = false;
	irq_register(VEC_IPI_TLB, tlb_ipi);
	mmu_init_ap();
}

/* This CPU's CR3 slots (the kernel tables until as_switch loads a space)
 * and, under PTI, its trampoline stack as tss.rsp0. */
void mmu_init_cpu(void)
{
	struct cpu *c = this_cpu();
	c->kernel_cr3 = c->user_cr3 = kernel_pml4;
	c->tramp_top = (u64)c->tramp_stack + sizeof(c->tramp_stack);
	c->pti = pti_on;
	if (pti_on)
		c->tss.rsp0 = c->tramp_top;
}

void mmu_init_ap(void)
{
	u64 cr4 = read_cr4() | CR4_PGE;
	if (cpu_has_pcid)
		cr4 |= CR4_PCIDE;
	write_cr3(kernel_pml4);
	write_cr4(cr4);
}

int kvm_map_page(u64 va, paddr_t pa, int flags)
{
	u64 *e = walk(kernel_pml4, va, 0, true, false);
	if (!e)
		return -ENOMEM;
	*e = pa | pte_flags(flags & ~VM_USER);
	flush_kernel_page(va);
	return 0;
}

void kvm_unmap_page(u64 va)
{
	u64 *e = walk(kernel_pml4, va, 0, false, false);
	if (e)
		*e = 0;
	flush_kernel_page(va);
}

paddr_t kvm_lookup(u64 va)
{
	u64 *e = walk(kernel_pml4, va, 0, false, false);
	return e && (*e & PTE_P) ? *e & PTE_ADDR : 0;
}

struct addrspace *as_create(void)
{
	struct addrspace *as = kmalloc(sizeof(*as));
	if (!as)
		return 0;
	as->pml4 = pmm_alloc();
	if (!as->pml4) {
		kfree(as);
		return 0;
	}
	spin_init(&as->lock, "addrspace");
	u64 *k = phys_to_virt(kernel_pml4), *u = phys_to_virt(as->pml4);
	for (int i = 256; i < 512; i++)
		u[i] = k[i];
	if (pti_on) {
		as->upml4 = pmm_alloc();
		if (!as->upml4) {
			pmm_free(as->pml4);
			kfree(as);
			return 0;
		}
		u64 *t = phys_to_virt(pti_pml4), *uu = phys_to_virt(as->upml4);
		for (int i = 256; i < 512; i++)
			uu[i] = t[i];
	}
	as->gen = 1;
	if (cpu_has_pcid) {
		spin_lock(&pcid_lock);
		for (int i = 1; i < (pti_on ? PCID_USER : 4096); i++)
			if (!(pcid_used[i / 8] >> (i % 8) & 1)) {
				pcid_used[i / 8] |= 1 << (i % 8);
				as->pcid = i;
				break;
			}
		spin_unlock(&pcid_lock);
	}
	return as;
}

static void free_level(paddr_t table, int level)
{
	u64 *t = phys_to_virt(table);
	for (int i = 0; i < (level == 3 ? 256 : 512); i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 0)
			free_level(t[i] & PTE_ADDR, level - 1);
		else if (!(t[i] & PTE_SHARED))
			pmm_free(t[i] & PTE_ADDR);
	}
	pmm_free(table);
}

/* No CPU may have as loaded: its process switched to the kernel tables and
 * flexsc_release waited for every syscall thread to let go of it (and a
 * process never loaded is loaded nowhere). With PCIDs, a CPU may still hold
 * entries tagged with as->pcid; whoever gets that PCID next starts with
 * seen_gen 0, so every CPU flushes it on first load. */
void as_destroy(struct addrspace *as)
{
	for (int c = 0; c < MAX_CPUS; c++)
		if (READ_ONCE(loaded[c]) == as)
			panic("as_destroy: address space still loaded on CPU %d", c);
	free_level(as->pml4, 3);
	if (as->upml4)
		pmm_free(as->upml4); /* its user half is as->pml4's: freed above */
	if (as->pcid) {
		spin_lock(&pcid_lock);
		pcid_used[as->pcid / 8] &= ~(1 << (as->pcid % 8));
		spin_unlock(&pcid_lock);
	}
	kfree(as);
}

/* With PCIDs a CPU keeps each space's TLB entries across switches; it must
 * flush when the space (or a recycled PCID) is newer than what it saw. */
void as_switch(struct addrspace *as)
{
	/* Interrupts are off (callers hold a lock): a flush IPI lands before
	 * or after, never in between. loaded[] first: tlb_flush_page clears the
	 * PTE, bumps gen, fences, then reads loaded[]. If it missed us, our CR3
	 * write comes after its clear: without a PCID that write flushes, and
	 * with one we fence and read gen, so we see its bump and flush. */
	struct cpu *c = this_cpu();
	int cpu = c->id;
	if (READ_ONCE(loaded[cpu]) == as)
		return; /* loaded here: a flush would have reached us by IPI */
	WRITE_ONCE(loaded[cpu], as);
	if (!as) {
		write_cr3(kernel_pml4);
		c->kernel_cr3 = c->user_cr3 = kernel_pml4; /* a kernel thread: never to ring 3 */
	} else if (!as->pcid) {
		write_cr3(as->pml4);
		/* (PCID 0 or none: every CR3 write flushes it) */
		c->kernel_cr3 = as->pml4;
		c->user_cr3 = as->upml4 ? as->upml4 | (cpu_has_pcid ? PCID_USER : 0) : as->pml4;
	} else {
		mfence();
		u64 gen = READ_ONCE(as->gen);
		u64 cr3 = as->pml4 | as->pcid;
		bool keep = as->seen_gen[cpu] == gen;
		if (keep)
			cr3 |= CR3_NOFLUSH; /* keep this PCID's entries */
		as->seen_gen[cpu] = gen;
		write_cr3(cr3);
		c->kernel_cr3 = as->pml4 | as->pcid | CR3_NOFLUSH;
		c->user_cr3 = as->upml4 ? as->upml4 | as->pcid | PCID_USER | CR3_NOFLUSH : as->pml4;
		if (!keep)
			pti_flush_user();
	}
}

/* After the PTEs of as at va[0..n-1] were cleared: make sure no CPU keeps a
 * translation for them. CPUs with as loaded now (any of its process's
 * threads, syscall threads holding its CR3) flush at once, by IPI, and are
 * waited for; every CPU that loads it later flushes its PCID because gen
 * moved. Call with no spinlock held: other CPUs may be waiting for ours. */
static void tlb_flush_pages(struct addrspace *as, const u64 *va, int n)
{
	__atomic_add_fetch(&as->gen, 1, __ATOMIC_SEQ_CST);
	mfence();
	irq_push();
	int me = this_cpu()->id;
	if (READ_ONCE(loaded[me]) == as) {
		for (int i = 0; i < n; i++)
			invlpg(va[i]);
		pti_flush_user();
	}
	irq_pop();
	for (int c = 0; c < ncpus; c++) {
		if (c == me || READ_ONCE(loaded[c]) != as)
			continue;
		u64 req = __atomic_add_fetch(&flush_req[c], 1, __ATOMIC_ACQ_REL);
		lapic_send_ipi(cpus[c].apic_id, VEC_IPI_TLB);
		while (__atomic_load_n(&flush_done[c], __ATOMIC_ACQUIRE) < req) {
			tlb_flush_requested(); /* if c waits for us meanwhile */
			cpu_relax();
		}
	}
}

int vm_unmap_page(struct addrspace *as, u64 va)
{
	spin_lock(&as->lock);
	u64 *e = walk(as->pml4, va, 0, false, false);
	int r = -ENOENT;
	if (e && (*e & PTE_P)) {
		if (!(*e & PTE_SHARED))
			as->npages--;
		*e = 0;
		r = 0;
	}
	spin_unlock(&as->lock);
	if (!r)
		tlb_flush_pages(as, &va, 1);
	return r;
}

void vm_unmap_free(struct addrspace *as, u64 start, u64 end)
{
	enum { BATCH = 64 }; /* pages per shootdown */
	u64 va[BATCH];
	paddr_t pa[BATCH];
	for (u64 a = start; a < end;) {
		int n = 0;
		spin_lock(&as->lock);
		for (; a < end && n < BATCH; a += PAGE_SIZE) {
			u64 *e = walk(as->pml4, a, 0, false, false);
			if (!e || !(*e & PTE_P) || (*e & PTE_SHARED))
				continue;
			va[n] = a;
			pa[n++] = *e & PTE_ADDR;
			*e = 0;
			as->npages--;
		}
		spin_unlock(&as->lock);
		if (!n)
			continue;
		tlb_flush_pages(as, va, n);
		for (int i = 0; i < n; i++)
			pmm_free(pa[i]);
	}
}

static int map_locked(struct addrspace *as, u64 va, paddr_t pa, int flags, bool shared)
{
	u64 *e = walk(as->pml4, va, 0, true, true);
	if (!e)
		return -ENOMEM;
	if (*e & PTE_P)
		return -EEXIST;
	*e = pa | pte_flags(flags | VM_USER) | (shared ? PTE_SHARED : 0);
	if (!shared)
		as->npages++;
	if (as->upml4) { /* the user table shares everything below the PML4 */
		u64 i = (va >> 39) & 511;
		((u64 *)phys_to_virt(as->upml4))[i] = ((u64 *)phys_to_virt(as->pml4))[i];
	}
	return 0;
}

paddr_t pti_user_lookup(struct addrspace *as, u64 va)
{
	if (!as->upml4)
		return 0;
	u64 *e = walk(as->upml4, va, 0, false, false);
	return e && (*e & PTE_P) ? *e & PTE_ADDR : 0;
}

/* Map a page the address space does not own (shm, syscall pages). */
int vm_map_page(struct addrspace *as, u64 va, paddr_t pa, int flags)
{
	spin_lock(&as->lock);
	int r = map_locked(as, va, pa, flags, true);
	spin_unlock(&as->lock);
	return r;
}

int vm_map_zero(struct addrspace *as, u64 va, u64 len, int flags)
{
	for (u64 a = ALIGN_DOWN(va, PAGE_SIZE); a < va + len; a += PAGE_SIZE) {
		if (as->npages >= USER_MAX_PAGES)
			return -ENOMEM;
		paddr_t p = pmm_alloc();
		if (!p)
			return -ENOMEM;
		spin_lock(&as->lock);
		int r = map_locked(as, a, p, flags, false);
		spin_unlock(&as->lock);
		if (r) {
			pmm_free(p);
			return r;
		}
	}
	return 0;
}

/* The 4 KiB page-table entry that maps va in as, or 0 where none does (a
 * table or the entry not present, or a large page on the way): a walk that
 * makes nothing and only reads, lock-free (a table, once made, is freed
 * only with its address space), through the direct map (an address space
 * is made after early boot). The hot part of a user pointer check
 * (vm_user_range_ok): one load per level. */
static inline __attribute__((always_inline)) u64 pte_of(const struct addrspace *as, u64 va)
{
	const u64 *t = phys_to_virt(as->pml4);
	for (int shift = 39; shift > 12; shift -= 9) {
		u64 e = t[(va >> shift) & 511];
		if ((e & (PTE_P | PTE_PS)) != PTE_P)
			return 0;
		t = phys_to_virt(e & PTE_ADDR);
	}
	u64 e = t[(va >> 12) & 511];
	return e & PTE_P ? e : 0;
}

paddr_t vm_lookup(struct addrspace *as, u64 va, int *flags)
{
	u64 e = pte_of(as, va);
	if (!e)
		return 0;
	if (flags)
		*flags = (e & PTE_W ? VM_WRITE : 0) | (e & PTE_NX ? 0 : VM_EXEC) | (e & PTE_U ? VM_USER : 0);
	return e & PTE_ADDR;
}

static bool in_demand_region(struct addrspace *as, u64 va)
{
	return (va >= as->heap_start && va < READ_ONCE(as->brk)) ||
	       (va >= USER_STACK_TOP - USER_STACK_MAX && va < USER_STACK_TOP);
}

bool vm_demand_map(struct addrspace *as, u64 va, bool write)
{
	(void)write; /* heap and stack are writable */
	if (!in_demand_region(as, va) || as->npages >= USER_MAX_PAGES)
		return false;
	paddr_t p = pmm_alloc();
	if (!p)
		return false;
	/* The region again under the lock the break moves under: a page mapped
	 * once brk shrank past it would outlive vm_unmap_free's pass. */
	spin_lock(&as->lock);
	int r = in_demand_region(as, va) ? map_locked(as, ALIGN_DOWN(va, PAGE_SIZE), p, VM_WRITE, false) : -EFAULT;
	spin_unlock(&as->lock);
	if (r)
		pmm_free(p);
	return r == 0 || r == -EEXIST; /* -EEXIST: another CPU mapped it first */
}

bool vm_user_range_ok(struct addrspace *as, u64 va, u64 len, bool write)
{
	if (!len)
		return true;
	if (va < PAGE_SIZE || va + len < va || va + len > USER_TOP)
		return false;
	for (u64 a = ALIGN_DOWN(va, PAGE_SIZE); a < va + len; a += PAGE_SIZE) {
		u64 e = pte_of(as, a);
		if (e) {
			if (write && !(e & PTE_W))
				return false;
		} else if (!in_demand_region(as, a)) {
			return false;
		}
	}
	return true;
}

KTEST(kvm_map_unmap)
{
	u64 va = 0xFFFFC00000000000ul; /* an unused kernel slot */
	paddr_t pa = pmm_alloc();
	*(u64 *)phys_to_virt(pa) = 0x1234567890ul;
	u64 free_before = pmm_free_pages();
	KEXPECT_EQ(kvm_map_page(va, pa, VM_WRITE), 0);
	KEXPECT_EQ(kvm_lookup(va), pa);
	KEXPECT_EQ(*(u64 *)va, 0x1234567890ul);
	*(u64 *)va = 42;
	KEXPECT_EQ(*(u64 *)phys_to_virt(pa), 42);
	kvm_unmap_page(va);
	KEXPECT_EQ(kvm_lookup(va), 0);
	u64 v;
	KEXPECT_EQ(probe_read_u64((u64 *)va, &v), -EFAULT); /* unmapped now */
	pmm_free(pa);
	KEXPECT(pmm_free_pages() <= free_before + 1);
}

KTEST(addrspace_map_and_free)
{
	u64 before = pmm_free_pages();
	struct addrspace *as = as_create();
	KEXPECT(as != 0);
	KEXPECT_EQ(vm_map_zero(as, 0x400000, 5 * PAGE_SIZE, VM_WRITE), 0);
	KEXPECT_EQ(vm_map_zero(as, 0x400000, PAGE_SIZE, 0), -EEXIST);
	int fl = -1;
	KEXPECT(vm_lookup(as, 0x402000, &fl) != 0);
	KEXPECT_EQ(fl, VM_WRITE | VM_USER);
	KEXPECT_EQ(vm_lookup(as, 0x405000, 0), 0);
	KEXPECT(vm_user_range_ok(as, 0x400000, 5 * PAGE_SIZE, true));
	KEXPECT_EQ(vm_map_zero(as, 0x410000, PAGE_SIZE, 0), 0); /* read-only */
	KEXPECT(vm_user_range_ok(as, 0x410000, PAGE_SIZE, false));
	KEXPECT(!vm_user_range_ok(as, 0x410ff8, 8, true));
	KEXPECT(!vm_user_range_ok(as, 0x404ff8, 16, false)); /* into the hole after the 5 pages */
	KEXPECT(!vm_user_range_ok(as, 0x400000, 5 * PAGE_SIZE + 1, false)); /* straddles the end */
	KEXPECT(!vm_user_range_ok(as, 0, 8, false));                      /* NULL */
	KEXPECT(!vm_user_range_ok(as, KERNEL_VMA, 8, false));             /* kernel */
	KEXPECT(!vm_user_range_ok(as, 0x400000, ~0ul, false));            /* wraps */
	KEXPECT(!vm_user_range_ok(as, 0x0000800000000000ul, 8, false));    /* non-canonical */
	as->heap_start = as->brk = 0x600000;
	as->brk += 2 * PAGE_SIZE;
	KEXPECT(vm_demand_map(as, 0x601234, true));
	KEXPECT(!vm_demand_map(as, 0x602000, true)); /* past the break */
	KEXPECT_EQ(as->npages, 7);
	as_destroy(as);
	KEXPECT_EQ(pmm_free_pages(), before);
}

/* vm_unmap_page while another CPU has the space loaded and a translation
 * for the page in its TLB: that CPU must fault on its next access. */
static struct addrspace *sd_as;
static volatile int sd_step;
static long sd_first, sd_second;
static u64 sd_value;

static void shootdown_reader(void *arg)
{
	(void)arg;
	u64 va = 0x500000, v = 0;
	sd_first = copy_user_raw(&v, (const void *)va, 8); /* fills this CPU's TLB */
	sd_value = v;
	WRITE_ONCE(sd_step, 1);
	while (READ_ONCE(sd_step) != 2)
		cpu_relax(); /* interrupts on: the flush IPI lands here */
	sd_second = copy_user_raw(&v, (const void *)va, 8);
	WRITE_ONCE(sd_step, 3);
	thread_exit();
}

KTEST_SMP(vm_unmap_page_flushes_other_cpus)
{
	u64 before = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	sd_as = as_create();
	KEXPECT_EQ(vm_map_zero(sd_as, 0x500000, PAGE_SIZE, VM_WRITE), 0);
	paddr_t pa = vm_lookup(sd_as, 0x500000, 0);
	*(u64 *)phys_to_virt(pa) = 0x5eed;
	sd_step = 0;
	struct thread *t = kthread_create("shootdown", shootdown_reader, 0, 1);
	KEXPECT(t != 0);
	t->as = sd_as;
	thread_make_runnable(t);
	while (READ_ONCE(sd_step) != 1)
		sleep_ns(1000000);
	KEXPECT_EQ(vm_unmap_page(sd_as, 0x500000), 0); /* returns once CPU 1 flushed */
	WRITE_ONCE(sd_step, 2);
	while (READ_ONCE(sd_step) != 3)
		sleep_ns(1000000);
	sleep_ns(20000000); /* CPU 1 switched away from the dead thread and sd_as */
	KEXPECT_EQ(sd_first, 0);
	KEXPECT_EQ(sd_value, 0x5eed);
	KEXPECT_EQ(sd_second, -EFAULT);
	KEXPECT_EQ(vm_unmap_page(sd_as, 0x500000), -ENOENT);
	pmm_free(pa); /* unmapped: it is ours to free now */
	as_destroy(sd_as);
	KEXPECT_EQ(pmm_free_pages(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* Leaf pages mapped in the upper half of a user table. */
static u64 count_upper(paddr_t table, int level, int from)
{
	u64 *t = phys_to_virt(table), n = 0;
	for (int i = from; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		n += level ? count_upper(t[i] & PTE_ADDR, level - 1, 0) : 1;
	}
	return n;
}

/* pti=on: a process's user table maps its own pages and, of the kernel,
 * exactly the entry text, the per-CPU blocks and the IDT: no other kernel
 * text or data, no heap, no kernel stack, no other process's page (at its
 * address or in the direct map). A user read of each of those faults as
 * not present. pti=off: there is no user table, and such a read faults on
 * a present supervisor page. */
KTEST(pti_user_table_maps_no_kernel_memory)
{
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	struct addrspace *as = as_create(), *other = as_create();
	KEXPECT(as && other);
	if (!as || !other)
		return;
	KEXPECT_EQ(vm_map_zero(as, USER_BASE, PAGE_SIZE, VM_WRITE), 0);
	KEXPECT_EQ(vm_map_zero(other, USER_BASE + PAGE_SIZE, PAGE_SIZE, VM_WRITE), 0);
	paddr_t own = vm_lookup(as, USER_BASE, 0), theirs = vm_lookup(other, USER_BASE + PAGE_SIZE, 0);
	u64 *kbuf = kmalloc(64);
	struct thread *me = current_thread();
	extern char entry_syscall_pti[];
	const u64 secret[] = {
		(u64)trap, (u64)&boot_opts, (u64)kbuf, (u64)me->kstack, me->kstack_top - 8,
		(u64)phys_to_virt(theirs), (u64)phys_to_virt(own), USER_BASE + PAGE_SIZE,
		(u64)phys_to_virt(as->pml4), (u64)phys_to_virt(virt_to_phys(cpus)),
	};
	KEXPECT_EQ(!!as->upml4, pti_on);
	if (pti_on) {
		KEXPECT_EQ(pti_user_lookup(as, USER_BASE), own);
		for (size_t i = 0; i < ARRAY_SIZE(secret); i++)
			if (pti_user_lookup(as, secret[i]))
				ktest_fail(__FILE__, __LINE__, "0x%lx is mapped in a user table", secret[i]);
		const u64 entry[] = { (u64)entry_syscall_pti, (u64)&cpus[1].tramp_stack, (u64)idt_page() };
		for (size_t i = 0; i < ARRAY_SIZE(entry); i++)
			KEXPECT_EQ(pti_user_lookup(as, entry[i]), ALIGN_DOWN(entry[i], PAGE_SIZE) - KERNEL_VMA);
		u64 want = (__entry_text_end - __entry_text_start + sizeof(cpus)) / PAGE_SIZE + 1;
		KEXPECT_EQ(count_upper(as->upml4, 3, 256), want);
	}
	kfree(kbuf);
	as_destroy(other);
	as_destroy(as);
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);

	/* From ring 3: each read kills the reader; under PTI as not present. */
	u64 *probe = kmalloc(64);
	const u64 addrs[] = { (u64)trap, (u64)&boot_opts, (u64)probe, me->kstack_top - 8,
			      (u64)phys_to_virt(virt_to_phys(&boot_opts)) };
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		char arg[32];
		snprintf(arg, sizeof(arg), "read=%lx", addrs[i]);
		trap_user_pf_error = ~0ul;
		KEXPECT_EQ(ktest_run_user("ufault", arg), -1);
		if ((trap_user_pf_error & 1) == pti_on)
			ktest_fail(__FILE__, __LINE__, "user read of 0x%lx: page fault error 0x%lx, want %s", addrs[i],
				   trap_user_pf_error, pti_on ? "not present" : "present (supervisor)");
	}
	kfree(probe);
}
