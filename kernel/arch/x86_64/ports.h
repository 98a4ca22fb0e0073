/* I/O ports exless uses, shared by C and assembly. */
#ifndef ARCH_PORTS_H
#define ARCH_PORTS_H

#define COM1 0x3F8            /* 16550 UART: the console */
#define DEBUG_EXIT_PORT 0xF4  /* QEMU's isa-debug-exit */
#define DEBUG_EXIT_OK 0x10    /* QEMU exits with (0x10 << 1) | 1 = 33 */
#define DEBUG_EXIT_FAIL 0x11  /* 35 */

#endif
