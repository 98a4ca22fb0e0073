/* The RAM file system: inodes, directories and file data in pages, with
 * explicit limits that give errors. Directory calls need vfs's ns_lock. */
#ifndef RAMFS_H
#define RAMFS_H

#include "types.h"
#include "vfs.h"

int ramfs_inode_alloc(enum file_type type, struct inode **out); /* 0, -ENOSPC or -ENOMEM */
void ramfs_inode_free(struct inode *ip);   /* no names, no users left: data too */
struct inode *ramfs_lookup(struct inode *dir, const char *name);
int ramfs_link(struct inode *dir, const char *name, struct inode *ip); /* 0, -ENOSPC, -ENOMEM */
struct inode *ramfs_unlink(struct inode *dir, const char *name);       /* the inode unnamed */
/* Move entry oname of odir to nname in ndir (no entry of that name there). */
void ramfs_move(struct inode *odir, const char *oname, struct inode *ndir, const char *nname);
bool ramfs_dir_full(struct inode *dir);
/* Entry number index of dir into *out: false past the end. */
bool ramfs_dir_entry(struct inode *dir, u64 index, struct dirent *out);
/* File data (takes ip's lock). user: src/dst are user addresses, else kernel. */
long ramfs_read(struct inode *ip, u64 dst, u64 n, u64 *off, bool user);
long ramfs_write(struct inode *ip, u64 src, u64 n, u64 *off, bool append, bool user);
void ramfs_truncate(struct inode *ip);     /* to 0 bytes, pages back */
u64 ramfs_pages_used(void);
u64 ramfs_inodes_used(void);

#endif
