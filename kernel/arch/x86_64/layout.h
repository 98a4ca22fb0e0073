/* The virtual memory layout, shared by C and assembly. */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VMA 0xFFFFFFFF80000000   /* kernel image: -2 GiB */
#define KERNEL_PHYS 0x100000            /* where Multiboot loads it */
#define DIRECT_MAP 0xFFFF800000000000   /* all physical RAM, 2 MiB pages */
#define DIRECT_MAP_MAX (512ul << 30)    /* one PML4 slot of direct map */
#define USER_TOP 0x00007FFFFFFFF000     /* first address above user space */
#define USER_BASE 0x400000              /* programs are linked here */
#define USER_STACK_TOP 0x00007FFFFFFFF000
#define USER_STACK_MAX (8ul << 20)      /* demand-grown stack limit */
#define USER_FLEXSC_BASE 0x00007F0000000000 /* syscall pages */
#define USER_SHM_BASE 0x00007E0000000000    /* shared pages, one per key */
#define KSTACK_SIZE 16384               /* every kernel stack */
#define AP_TRAMPOLINE 0x8000            /* real-mode entry page for APs */
#define FPU_AREA_SIZE 832               /* user x87/SSE/AVX state: xsave layout (fxsave: first 512) */

#endif
