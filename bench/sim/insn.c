/* Instruction recognition for the simulation plugin: see insn.h. */
#include <stdbool.h>

#include "insn.h"
#include "../../kernel/abi/simmark.h"

uint32_t insn_marker(const uint8_t *b, size_t n)
{
	if (n != 8 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x84 || b[3] != 0x00)
		return 0;
	uint32_t d = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	return (d & SIMMARK_MASK) == SIMMARK_BASE ? d & ~SIMMARK_MASK : 0;
}

/* Past the legacy prefixes that may stand before the opcodes recognised
 * here, then REX; *opsize set if 66 was among them. */
static size_t skip_prefixes(const uint8_t *b, size_t n, bool *opsize)
{
	size_t i = 0;
	*opsize = false;
	while (i < n && (b[i] == 0x66 || b[i] == 0xf2 || b[i] == 0xf3 || (b[i] & 0xf0) == 0x40)) {
		*opsize |= b[i] == 0x66;
		i++;
	}
	return i;
}

enum insn_flush insn_flush(const uint8_t *b, size_t n)
{
	bool opsize;
	size_t i = skip_prefixes(b, n, &opsize);
	if (i + 2 >= n || b[i] != 0x0f)
		return INSN_FLUSH_NONE;
	uint8_t op = b[i + 1], modrm = b[i + 2];
	if (op == 0x22 && (modrm >> 3 & 7) == 3)
		return INSN_FLUSH_CR3;
	if (op == 0x01 && (modrm >> 3 & 7) == 7 && modrm >> 6 != 3)
		return INSN_FLUSH_ALL;
	if (op == 0x38 && opsize && modrm == 0x82)
		return INSN_FLUSH_ALL;
	return INSN_FLUSH_NONE;
}

enum insn_trap insn_trap(const uint8_t *b, size_t n)
{
	bool opsize;
	size_t i = skip_prefixes(b, n, &opsize);
	if (i + 2 != n)
		return INSN_TRAP_NONE;
	if (b[i] == 0xcd && b[i + 1] == 0x80)
		return INSN_TRAP_INT80;
	if (b[i] == 0x0f && b[i + 1] == 0x05)
		return INSN_TRAP_SYSCALL;
	if (b[i] == 0x0f && b[i + 1] == 0x34)
		return INSN_TRAP_SYSENTER;
	return INSN_TRAP_NONE;
}
