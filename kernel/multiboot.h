/* Multiboot 1 boot information: the RAM map and the command line. */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H
#include "types.h"
/* Copy what we need out of the boot information; returns the first
 * physical address past the kernel image. */
paddr_t multiboot_parse(u32 magic, u32 mbi);
/* The kernel options of a loader's command line s (the image name dropped). */
void multiboot_cmdline(const char *s, char *out, size_t n);
#endif
