/* The file system's names and inodes: path lookup, open, and the calls that
 * change the tree, over the RAM file system (ramfs.c). */
#ifndef VFS_H
#define VFS_H

#include "types.h"
#include "list.h"
#include "spinlock.h"
#include "abi/syscall.h"

struct file;
struct file_ops;

struct inode {
	u64 ino;
	enum file_type type;
	u32 nlink;            /* directory entries naming it (ns_lock) */
	u32 refs;             /* open files and calls using it (ns_lock) */
	struct spinlock lock; /* size, pages, and the offsets of files open on it */
	u64 size;
	paddr_t *pages;       /* FT_FILE: cap slots, 0 = a hole that reads as zeros */
	u32 cap;
	struct inode *parent; /* FT_DIR (ns_lock) */
	struct list entries;  /* FT_DIR: struct ramfs_dirent (ns_lock) */
	u32 nentries;
	const struct file_ops *dev; /* FT_DEV */
};

void vfs_init(void);      /* root, /dev, /tmp and the packed tree (kernel image) */
/* Each takes a kernel copy of the path. A path without a leading '/' is
 * looked up in /dev. 0 (or an fd's file) or -errno. */
long vfs_open(const char *path, int flags, struct file **out);
int vfs_stat(const char *path, struct stat *st);
int vfs_unlink(const char *path);
int vfs_mkdir(const char *path);
int vfs_rmdir(const char *path);
int vfs_rename(const char *from, const char *to);
/* Up to max entries of the directory open as f, from its offset on, into
 * user_buf; the count (0 at the end) or -errno. */
long vfs_readdir(struct file *f, u64 user_buf, u64 max);
void inode_put(struct inode *ip);
void inode_stat(struct file *f, struct stat *st); /* file_ops.stat of inode-backed files */

#endif
