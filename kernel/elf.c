/* ELF64 loader. The image comes from the kernel, but is checked as if it
 * came from anywhere: a malformed one is an error, never a crash. */
#include "elf.h"
#include "vm.h"
#include "mm.h"
#include "abi/errno.h"
#include "arch/x86_64/layout.h"

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define USER_IMAGE_TOP 0x0000100000000000ul /* programs live below this */

static bool phdr_ok(const struct elf64_phdr *ph, u64 size)
{
	return ph->filesz <= ph->memsz && ph->offset <= size && ph->filesz <= size - ph->offset &&
	       ph->vaddr >= USER_BASE && ph->vaddr < USER_IMAGE_TOP && ph->memsz <= USER_IMAGE_TOP - ph->vaddr &&
	       ph->vaddr % PAGE_SIZE == ph->offset % PAGE_SIZE && !((ph->flags & PF_W) && (ph->flags & PF_X));
}

int elf_load(struct addrspace *as, const u8 *image, u64 size, u64 *entry, u64 *end)
{
	const struct elf64_ehdr *eh = (const void *)image;
	if (size < sizeof(*eh) || memcmp(eh->ident, "\x7f" "ELF", 4) || eh->ident[4] != 2 /* 64-bit */ ||
	    eh->ident[5] != 1 /* little endian */ || eh->ident[6] != 1 || eh->type != 2 /* EXEC */ ||
	    eh->machine != 62 /* x86-64 */ || eh->version != 1 || eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phnum == 0 || eh->phnum > 64 || eh->phoff > size ||
	    (u64)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return -ENOEXEC;
	const struct elf64_phdr *ph = (const void *)(image + eh->phoff);
	bool entry_ok = false;
	u64 top = 0;
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		if (!phdr_ok(&ph[i], size))
			return -ENOEXEC;
		if ((ph[i].flags & PF_X) && eh->entry >= ph[i].vaddr && eh->entry < ph[i].vaddr + ph[i].memsz)
			entry_ok = true;
		top = MAX(top, ph[i].vaddr + ph[i].memsz);
	}
	if (!entry_ok)
		return -ENOEXEC;
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		int fl = (ph[i].flags & PF_W ? VM_WRITE : 0) | (ph[i].flags & PF_X ? VM_EXEC : 0);
		u64 start = ALIGN_DOWN(ph[i].vaddr, PAGE_SIZE);
		u64 stop = ALIGN_UP(ph[i].vaddr + ph[i].memsz, PAGE_SIZE);
		for (u64 va = start; va < stop; va += PAGE_SIZE) {
			paddr_t pa = vm_lookup(as, va, 0);
			if (!pa) {
				int r = vm_map_zero(as, va, PAGE_SIZE, fl);
				if (r)
					return r;
				pa = vm_lookup(as, va, 0);
			}
			/* Copy the part of the file that falls in this page. */
			u64 lo = MAX(va, ph[i].vaddr), hi = MIN(va + PAGE_SIZE, ph[i].vaddr + ph[i].filesz);
			if (lo < hi)
				memcpy((u8 *)phys_to_virt(pa) + (lo - va), image + ph[i].offset + (lo - ph[i].vaddr), hi - lo);
		}
	}
	*entry = eh->entry;
	*end = ALIGN_UP(top, PAGE_SIZE);
	return 0;
}
