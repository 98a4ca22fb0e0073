/* The file system's names and inodes: path lookup, open, and the calls that
 * change the tree, over the RAM file system (ramfs.c). */
#ifndef VFS_H
#define VFS_H

#include "types.h"
#include "list.h"
#include "spinlock.h"
#include "mutex.h"
#include "abi/syscall.h"

struct file;
struct file_ops;
struct sock;

struct inode {
	u64 ino;
	enum file_type type;
	u32 nlink;            /* directory entries naming it (ns_lock) */
	u32 refs;             /* open files and calls using it (ns_lock) */
	struct mutex lock;    /* size, pages, and the offsets of files open on it (held across user copies) */
	u64 size;
	paddr_t *pages;       /* FT_FILE: cap slots, 0 = a hole that reads as zeros */
	u32 cap;
	struct inode *parent; /* FT_DIR (ns_lock) */
	struct list entries;  /* FT_DIR: struct ramfs_dirent (ns_lock) */
	u32 nentries;
	const struct file_ops *dev; /* FT_DEV */
	struct sock *sock;    /* FT_SOCK: the listening socket bound to it, or NULL (ns_lock) */
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
/* A new name of type FT_SOCK at path for listening socket s; the inode,
 * with a reference for s, in *out. 0, -EADDRINUSE or a path's -errno. */
int vfs_bind(const char *path, struct sock *s, struct inode **out);
/* The socket named path with a reference (sock_hold) in *out: 0, -ENOENT,
 * or -ECONNREFUSED (not a socket, or nobody listens there). */
int vfs_sock_get(const char *path, struct sock **out);
/* s no longer listens at ip: the name stays (unlink removes it), the
 * reference goes. */
void vfs_unbind(struct inode *ip);
void inode_put(struct inode *ip);
void inode_stat(struct file *f, struct stat *st); /* file_ops.stat of inode-backed files */

#endif
