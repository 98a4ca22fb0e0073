/* Loading ELF64 executables into an address space. */
#ifndef ELF_H
#define ELF_H
#include "types.h"
struct addrspace;
/* Check every header field, map the segments; 0 or -ENOEXEC / -ENOMEM.
 * *entry gets the entry point, *end the first page past the image. */
int elf_load(struct addrspace *as, const u8 *image, u64 size, u64 *entry, u64 *end);
#endif
