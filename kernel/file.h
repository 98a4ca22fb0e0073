/* Open files over devices: one table of devices, no special cases. */
#ifndef FILE_H
#define FILE_H

#include "types.h"

struct file;

struct device {
	const char *name;
	/* user_buf is a user address already range-checked by the caller. */
	long (*read)(struct file *f, u64 user_buf, u64 n);
	long (*write)(struct file *f, u64 user_buf, u64 n);
};

struct file {
	const struct device *dev;
	int mode;       /* O_RDONLY, O_WRONLY, O_RDWR */
	int refs;
};

struct file *file_open(const char *name, int mode); /* NULL: no such device */
struct file *file_dup(struct file *f);
void file_close(struct file *f);
long sys_open(u64 name, u64 mode);
long sys_close(u64 fd);
long sys_read(u64 fd, u64 buf, u64 n);
long sys_write(u64 fd, u64 buf, u64 n);

#endif
