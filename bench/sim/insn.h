/* The instructions the simulation plugin recognises at translation time,
 * apart from QEMU's header so that the host test can check them. */
#ifndef SIM_INSN_H
#define SIM_INSN_H

#include <stddef.h>
#include <stdint.h>

/* The SIMMARK_* kind of the n bytes of one instruction, or 0. */
uint32_t insn_marker(const uint8_t *b, size_t n);

enum insn_flush {
	INSN_FLUSH_NONE,
	INSN_FLUSH_CR3,     /* mov %reg,%cr3: 0F 22 /3 */
	INSN_FLUSH_ALL,     /* invlpg m (0F 01 /7, memory operand), invpcid (66 0F 38 82) */
};

/* What the instruction does to the TLB. */
enum insn_flush insn_flush(const uint8_t *b, size_t n);

/* The ways into the kernel that the cost model charges an entry and exit
 * for (bench/sim/costmodel.json, entry_exit), by name in its order. */
enum insn_trap {
	INSN_TRAP_NONE,
	INSN_TRAP_INT80,    /* int $0x80: CD 80 */
	INSN_TRAP_SYSCALL,  /* syscall: 0F 05 */
	INSN_TRAP_SYSENTER, /* sysenter: 0F 34 */
	INSN_TRAPS
};

/* Which trap the instruction is, if any. */
enum insn_trap insn_trap(const uint8_t *b, size_t n);

#endif
