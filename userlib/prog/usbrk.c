/* The heap grows across many pages, mapped on first touch, and malloc works
 * on top of it. */
#include "check.h"
#include "../sys.h"

int main(void)
{
	long start = sys_sbrk(0);
	const long size = 8l << 20;
	long old = sys_sbrk(size);
	CHECK_EQ(old, start, "sbrk returns the old break");
	CHECK_EQ(sys_sbrk(0), start + size, "the break moved");
	for (long off = 0; off < size; off += 4096)
		*(volatile long *)(start + off) = off;
	for (long off = 0; off < size; off += 4096)
		CHECK_EQ(*(volatile long *)(start + off), off, "page %ld", off / 4096);
	CHECK_EQ(sys_sbrk(-4096), -EINVAL, "negative sbrk");
	CHECK_EQ(sys_brk(1), -ENOMEM, "brk below the heap");
	void *blocks[200];
	for (int i = 0; i < 200; i++) {
		blocks[i] = malloc(1000 + i * 97);
		memset(blocks[i], i, 1000 + i * 97);
	}
	for (int i = 0; i < 200; i++) {
		unsigned char *b = blocks[i];
		CHECK_EQ(b[999 + i * 97], i & 0xff, "block %d", i);
		free(b);
	}
	return check_failures;
}
