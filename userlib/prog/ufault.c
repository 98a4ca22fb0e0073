/* Does one forbidden thing, named by argv[1]; the kernel must kill it alone.
 * `ufault read=<hex>` reads that address. */
#include "../libc.h"
#include "../sys.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 100;
	const char *k = argv[1];
	volatile long zero = 0;
	if (!strcmp(k, "div0"))
		return 10 / (int)zero;
	if (!strcmp(k, "null"))
		return *(volatile int *)zero;
	if (!strcmp(k, "kernel"))
		return *(volatile int *)0xFFFFFFFF80100000ul;
	if (!strncmp(k, "read=", 5)) /* ufault read=<hex address> */
		return *(volatile int *)strtoul(k + 5, 0, 16);
	if (!strcmp(k, "write-code"))
		*(volatile char *)(long)main = 0;
	if (!strcmp(k, "hlt"))
		__asm__ volatile("hlt");
	if (!strcmp(k, "cli"))
		__asm__ volatile("cli");
	if (!strcmp(k, "wrmsr"))
		__asm__ volatile("wrmsr" ::"c"(0x10), "a"(0), "d"(0));
	if (!strcmp(k, "ud2"))
		__asm__ volatile("ud2");
	if (!strcmp(k, "int3"))
		__asm__ volatile("int3");
	if (!strcmp(k, "in"))
		__asm__ volatile("inb $0x60, %%al" ::: "eax");
	if (!strcmp(k, "jump-noncanonical"))
		((void (*)(void))0x0000800000000000ul)();
	if (!strcmp(k, "stack-overflow")) {
		volatile char pad[4096];
		pad[0] = 1;
		return main(argc, argv) + pad[0];
	}
	return 101; /* survived: the test fails on this status */
}
