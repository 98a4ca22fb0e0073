/* Address spaces: the kernel's page tables and one set per process. */
#ifndef VM_H
#define VM_H

#include "types.h"
#include "spinlock.h"
#include "param.h"

#define VM_WRITE 1
#define VM_EXEC 2
#define VM_USER 4

struct addrspace {
	paddr_t pml4;
	paddr_t upml4;             /* pti=on: its user table (user half + entry trampolines), else 0 */
	u16 pcid;                  /* 0 when the CPU has no PCID or none is free */
	struct spinlock lock;      /* page-table changes */
	u64 heap_start, brk;       /* [heap_start, brk) is mapped on first touch; brk moves under lock */
	u64 npages;                /* user pages mapped */
	u64 seen_gen[MAX_CPUS];    /* per CPU: the generation its TLB holds */
	u64 gen;                   /* bumped when a CPU must flush this PCID */
};

void mmu_init(paddr_t *reserved_end);   /* build and load the kernel's tables */
void mmu_init_ap(void);                 /* load them on an AP */
void mmu_init_cpu(void);                /* this CPU's CR3 slots and PTI stack (after cpu_init) */
struct addrspace *as_create(void);
void as_destroy(struct addrspace *as);  /* frees every user page and table */
void as_switch(struct addrspace *as);   /* NULL: kernel tables only; interrupts off */
/* Map zeroed pages over [va, va+len) with VM_* flags; -ENOMEM on failure. */
int vm_map_zero(struct addrspace *as, u64 va, u64 len, int flags);
int vm_map_page(struct addrspace *as, u64 va, paddr_t pa, int flags);
/* Remove the page at va (not freed: the caller frees it, if it owns it,
 * after this returns) and flush it from every TLB. No spinlock may be held. */
int vm_unmap_page(struct addrspace *as, u64 va);
/* Remove the pages as owns in [start, end) (page aligned), flush them from
 * every TLB, then free them. No spinlock may be held. */
void vm_unmap_free(struct addrspace *as, u64 start, u64 end);
/* The page at va, or 0; *flags gets its VM_* permissions. */
paddr_t vm_lookup(struct addrspace *as, u64 va, int *flags);
/* Map the page holding va if it lies in the heap or stack region. */
bool vm_demand_map(struct addrspace *as, u64 va, bool write);
/* True if [va, va+len) is user memory the process may read (or write). */
bool vm_user_range_ok(struct addrspace *as, u64 va, u64 len, bool write);
/* Kernel tables: map or unmap one 4 KiB page (tests, MMIO). */
int kvm_map_page(u64 va, paddr_t pa, int flags);
void kvm_unmap_page(u64 va);
paddr_t kvm_lookup(u64 va);
extern bool cpu_has_pcid;
extern bool pti_on;                     /* pti=on: page-table isolation (boot_opts.pti) */
/* pti=on: the physical page va maps to in as's user table, or 0. */
paddr_t pti_user_lookup(struct addrspace *as, u64 va);

#endif
