/* Read the Multiboot 1 information while the boot mapping of the first
 * 1 GiB (at KERNEL_VMA) still reaches it. */
#include "multiboot.h"
#include "cmdline.h"
#include "mm.h"
#include "panic.h"
#include "console.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002
#define MB_INFO_CMDLINE (1 << 2)
#define MB_INFO_MMAP (1 << 6)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __packed;

struct mb_mmap {
	u32 size;
	u64 base, len;
	u32 type;
} __packed;

extern char _end[];

static void *low(u64 phys)
{
	if (phys >= 1ul << 30)
		panic("multiboot: boot information above 1 GiB (0x%lx)", phys);
	return (void *)(KERNEL_VMA + phys);
}

paddr_t multiboot_parse(u32 magic, u32 mbi_phys)
{
	if (magic != MB_BOOTLOADER_MAGIC)
		panic("multiboot: bad magic 0x%x: not booted by a Multiboot loader", magic);
	struct mb_info *mbi = low(mbi_phys);
	if (mbi->flags & MB_INFO_CMDLINE) {
		/* QEMU passes "<kernel path> <-append string>": drop the path. */
		const char *s = low(mbi->cmdline);
		while (*s && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
		strncpy0(cmdline, s, sizeof(cmdline));
	}
	if (!(mbi->flags & MB_INFO_MMAP))
		panic("multiboot: no memory map");
	for (u32 off = 0; off < mbi->mmap_length;) {
		struct mb_mmap *m = low(mbi->mmap_addr + off);
		if (m->type == 1 && boot_nram < (int)ARRAY_SIZE(boot_ram))
			boot_ram[boot_nram++] = (struct mem_region){ m->base, m->len };
		off += m->size + 4;
	}
	return (paddr_t)_end - KERNEL_VMA;
}
