/* Read the Multiboot 1 information while the boot mapping of the first
 * 1 GiB (at KERNEL_VMA) still reaches it. */
#include "multiboot.h"
#include "cmdline.h"
#include "mm.h"
#include "panic.h"
#include "console.h"
#include "test.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002
#define MB_INFO_CMDLINE (1 << 2)
#define MB_INFO_MMAP (1 << 6)
#define MB_INFO_LOADER_NAME (1 << 9)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
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

/* The kernel options in a Multiboot command line. Loaders differ: QEMU's
 * -kernel and GRUB Legacy put the image's path first ("build/exless.img
 * test"), GRUB 2 passes only the arguments ("test"). The first word is taken
 * for the image's name, and dropped, exactly when it has no '=' but has a '/'
 * or a '.': no kernel option looks like that (options are bare words or
 * key=value), every image path does. */
void multiboot_cmdline(const char *s, char *out, size_t n)
{
	while (*s == ' ')
		s++;
	const char *w = s;
	bool eq = false, path = false;
	for (; *w && *w != ' '; w++) {
		eq |= *w == '=';
		path |= *w == '/' || *w == '.';
	}
	if (path && !eq)
		for (s = w; *s == ' '; s++)
			;
	strncpy0(out, s, n);
}

paddr_t multiboot_parse(u32 magic, u32 mbi_phys)
{
	if (magic != MB_BOOTLOADER_MAGIC)
		panic("multiboot: bad magic 0x%x: not booted by a Multiboot loader", magic);
	struct mb_info *mbi = low(mbi_phys);
	if (mbi->flags & MB_INFO_LOADER_NAME)
		kprintf("multiboot: loaded by '%s'\n", (const char *)low(mbi->boot_loader_name));
	if (mbi->flags & MB_INFO_CMDLINE)
		multiboot_cmdline(low(mbi->cmdline), cmdline, sizeof(cmdline));
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

KTEST(multiboot_cmdline_qemu_and_grub_forms)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "build/exless.img test=tsc", "test=tsc" },       /* QEMU -kernel */
		{ "build/exless.img", "" },                        /* QEMU, no -append */
		{ "exless.img  test bench.iters=5", "test bench.iters=5" },
		{ "(hd0,0)/boot/exless.img test", "test" },        /* GRUB Legacy */
		{ "test=tsc", "test=tsc" },                         /* GRUB 2 */
		{ "test init=/sh", "test init=/sh" },               /* GRUB 2, a path in a value */
		{ "bench.iters=5 test", "bench.iters=5 test" },
		{ "", "" },
		{ "  test", "test" },
	};
	char out[64];
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		multiboot_cmdline(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].want))
			ktest_fail(__FILE__, __LINE__, "'%s' gave '%s', want '%s'", cases[i].in, out, cases[i].want);
	}
}
