/*
 * Simulation markers: the encoding shared by the kernel, the benchmarks and
 * the QEMU plugin of `make bench ACCEL=sim` (bench/sim/). A marker is the
 * 8-byte NOP `nopl SIMMARK_BASE+kind(%rax,%rax,1)` (0F 1F 84 00 disp32): it
 * does nothing on real CPUs, KVM and TCG; the plugin recognises it at
 * translation time by its displacement.
 *
 * Windows: the plugin keeps one global window number, 0 at boot. NEXT adds
 * one to it; between BEGIN and END every CPU's counts go to the current
 * window, otherwise to window 0. A benchmark numbers its windows by counting
 * its own NEXTs. IDLE_BEGIN/IDLE_END bracket a CPU's polling that finds no
 * work: in kernel code (the FlexSC syscall thread) counted apart as "idle",
 * in user code (userlib spinning on a FlexSC entry another core works on)
 * as "user_idle".
 *
 * Only strings and numbers here: the asm statements live in
 * kernel/arch/x86_64/simmark.h, bench/timing.h and userlib/flexsc.h.
 */
#ifndef EXLESS_ABI_SIMMARK_H
#define EXLESS_ABI_SIMMARK_H

#define SIMMARK_BASE 0x5E4D0000
#define SIMMARK_MASK 0xFFFFFF00
#define SIMMARK_BEGIN 1
#define SIMMARK_END 2
#define SIMMARK_NEXT 3
#define SIMMARK_IDLE_BEGIN 4
#define SIMMARK_IDLE_END 5

#define SIMMARK_STR_(x) #x
#define SIMMARK_STR(x) SIMMARK_STR_(x)
/* The marker as assembler text, for an asm statement. */
#define SIMMARK(kind) ".byte 0x0f,0x1f,0x84,0x00\n\t.long " SIMMARK_STR(SIMMARK_BASE) "+" SIMMARK_STR(kind) "\n\t"

#endif
