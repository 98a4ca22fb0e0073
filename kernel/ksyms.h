/* Kernel symbol table, generated at link time, for readable reports. */
#ifndef KSYMS_H
#define KSYMS_H
#include "types.h"
struct ksym {
	u64 addr;
	const char *name;
};
/* "name+0xoff" for the function holding addr, or "?" */
void ksym_describe(u64 addr, char *buf, size_t n);
#endif
