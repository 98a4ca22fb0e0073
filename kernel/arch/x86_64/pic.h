/* The legacy 8259 PIC pair: remapped off the exception vectors and masked. */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include "../../types.h"

#define VEC_PIC_BASE 0x30 /* IRQ 0-15 land on 0x30-0x3F if one ever gets through */

void pic_disable(void);   /* BSP, before the first sti */
extern volatile u64 pic_spurious; /* interrupts seen on the PIC's vectors */

#endif
