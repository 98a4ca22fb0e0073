/* User programs linked into the kernel image (scripts/userprogs.sh). */
#ifndef USERPROG_H
#define USERPROG_H
#include "types.h"
struct user_program {
	const char *name;
	const u8 *start, *end;
};
const struct user_program *userprog_find(const char *name);
#endif
