/* Open files and per-process descriptor tables. Devices, regular files,
 * directories, pipes and sockets all implement one table of file operations. */
#ifndef FILE_H
#define FILE_H

#include "types.h"
#include "abi/syscall.h"

struct file;
struct inode;
struct pipe;
struct sock;
struct proc;
struct poll_table;

struct file_ops {
	/* user_buf is a user address already range-checked by the caller. off
	 * is the offset to use and advance (&f->off, or pread's own). */
	long (*read)(struct file *f, u64 user_buf, u64 n, u64 *off);
	long (*write)(struct file *f, u64 user_buf, u64 n, u64 *off);
	void (*stat)(struct file *f, struct stat *st);
	void (*release)(struct file *f); /* last close; NULL: nothing to do */
	bool seekable;                   /* lseek, pread, pwrite (else -ESPIPE) */
	/* POLL* bits it is ready for now; hooks pt (if not NULL) onto what
	 * changes them (poll.h). NULL: always readable and writable. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
};

struct file {
	const struct file_ops *ops;
	struct inode *ip;     /* files, directories, devices: a reference (NULL for a pipe) */
	struct pipe *pipe;
	struct sock *sock;    /* a socket's file */
	int flags;            /* O_ACCMODE bits, O_APPEND */
	u64 off;              /* under ip's lock */
	int refs;
};

/* A device of /dev: name and operations (file.c). */
struct device {
	const char *name;
	const struct file_ops *ops;
};
extern const struct device devices[];
extern const u64 ndevices;

/* A new open file with one reference, or NULL (no memory). Takes over ip's reference. */
struct file *file_alloc(const struct file_ops *ops, int flags, struct inode *ip);
struct file *file_dup(struct file *f);
void file_close(struct file *f);

/* The descriptor table of the current process. */
struct file *fd_get(u64 fd);           /* with a reference taken, or NULL */
int fd_install(struct file *f);        /* lowest free fd (takes f's reference) or -EMFILE */
int fd_close(u64 fd);                  /* 0 or -EBADF */
int fd_dup2(u64 fd, u64 newfd);        /* newfd or -EBADF */
/* A child's table: a reference to each of parent's files. */
void fd_inherit(struct proc *child, struct proc *parent);
void fd_close_all(struct proc *p);

#endif
