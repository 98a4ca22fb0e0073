/* The RAM file system: inodes, directories as lists of named entries, and
 * file data in pages from the page allocator, reached through a table of
 * page slots that grows by doubling. Every limit (abi/syscall.h: FS_*) gives
 * an errno. Directory calls run under vfs's ns_lock; file data under the
 * inode's own mutex, so reads and writes of different files run in
 * parallel, and user memory is copied with no spinlock held. */
#include "ramfs.h"
#include "mm.h"
#include "uaccess.h"
#include "abi/errno.h"

struct ramfs_dirent {
	struct list node;
	struct inode *ip;
	char name[FS_NAME_MAX + 1];
};

static u64 inodes_used, pages_used, next_ino = 1;

/* Count one more of *used against limit: false (and no count) past it. */
static bool take(u64 *used, u64 limit)
{
	if (__atomic_add_fetch(used, 1, __ATOMIC_RELAXED) <= limit)
		return true;
	__atomic_sub_fetch(used, 1, __ATOMIC_RELAXED);
	return false;
}

u64 ramfs_pages_used(void) { return READ_ONCE(pages_used); }
u64 ramfs_inodes_used(void) { return READ_ONCE(inodes_used); }

int ramfs_inode_alloc(enum file_type type, struct inode **out)
{
	if (!take(&inodes_used, FS_MAX_INODES))
		return -ENOSPC;
	struct inode *ip = kmalloc(sizeof(*ip));
	if (!ip) {
		__atomic_sub_fetch(&inodes_used, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	ip->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	ip->type = type;
	mutex_init(&ip->lock);
	list_init(&ip->entries);
	*out = ip;
	return 0;
}

/* Give back a table of cap page slots and the pages in it. */
static void free_pages(paddr_t *pages, u64 cap)
{
	for (u64 i = 0; i < cap; i++) {
		if (pages[i]) {
			pmm_free(pages[i]);
			__atomic_sub_fetch(&pages_used, 1, __ATOMIC_RELAXED);
		}
	}
	kfree(pages);
}

/* Nobody else can reach ip now: no lock (a failed create calls this under
 * ns_lock). */
void ramfs_inode_free(struct inode *ip)
{
	free_pages(ip->pages, ip->cap);
	kfree(ip);
	__atomic_sub_fetch(&inodes_used, 1, __ATOMIC_RELAXED);
}

static struct ramfs_dirent *find(struct inode *dir, const char *name)
{
	list_for_each(n, &dir->entries) {
		struct ramfs_dirent *d = container_of(n, struct ramfs_dirent, node);
		if (!strcmp(d->name, name))
			return d;
	}
	return 0;
}

struct inode *ramfs_lookup(struct inode *dir, const char *name)
{
	struct ramfs_dirent *d = find(dir, name);
	return d ? d->ip : 0;
}

bool ramfs_dir_full(struct inode *dir)
{
	return dir->nentries >= FS_DIR_MAX;
}

int ramfs_link(struct inode *dir, const char *name, struct inode *ip)
{
	if (ramfs_dir_full(dir))
		return -ENOSPC;
	struct ramfs_dirent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	strncpy0(d->name, name, sizeof(d->name));
	d->ip = ip;
	list_add_tail(&dir->entries, &d->node);
	dir->nentries++;
	ip->nlink++;
	if (ip->type == FT_DIR)
		ip->parent = dir;
	return 0;
}

struct inode *ramfs_unlink(struct inode *dir, const char *name)
{
	struct ramfs_dirent *d = find(dir, name);
	struct inode *ip = d->ip;
	list_del(&d->node);
	dir->nentries--;
	ip->nlink--;
	kfree(d);
	return ip;
}

void ramfs_move(struct inode *odir, const char *oname, struct inode *ndir, const char *nname)
{
	struct ramfs_dirent *d = find(odir, oname);
	list_del(&d->node);
	odir->nentries--;
	strncpy0(d->name, nname, sizeof(d->name));
	list_add_tail(&ndir->entries, &d->node);
	ndir->nentries++;
	if (d->ip->type == FT_DIR)
		d->ip->parent = ndir;
}

bool ramfs_dir_entry(struct inode *dir, u64 index, struct dirent *out)
{
	list_for_each(n, &dir->entries) {
		if (index--)
			continue;
		struct ramfs_dirent *d = container_of(n, struct ramfs_dirent, node);
		memset(out, 0, sizeof(*out));
		out->ino = d->ip->ino;
		out->type = d->ip->type;
		strncpy0(out->name, d->name, sizeof(out->name));
		return true;
	}
	return false;
}

/* Room for page slot idx (ip's lock held): 0 or -ENOMEM. */
static int grow(struct inode *ip, u64 idx)
{
	if (idx < ip->cap)
		return 0;
	u64 cap = ip->cap ? ip->cap : 4;
	while (cap <= idx)
		cap *= 2;
	cap = MIN(cap, FS_FILE_MAX / PAGE_SIZE);
	paddr_t *pages = kmalloc(cap * sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	memcpy(pages, ip->pages, ip->cap * sizeof(*pages));
	kfree(ip->pages);
	ip->pages = pages;
	ip->cap = cap;
	return 0;
}

long ramfs_read(struct inode *ip, u64 dst, u64 n, u64 *off, bool user)
{
	static const u8 zeros[PAGE_SIZE];
	mutex_lock(&ip->lock);
	u64 pos = *off, done = 0;
	long r = 0;
	n = pos < ip->size ? MIN(n, ip->size - pos) : 0;
	while (done < n) {
		u64 pg = (pos + done) / PAGE_SIZE, in = (pos + done) % PAGE_SIZE;
		u64 chunk = MIN(PAGE_SIZE - in, n - done);
		paddr_t pa = pg < ip->cap ? ip->pages[pg] : 0;
		const u8 *src = pa ? (const u8 *)phys_to_virt(pa) + in : zeros;
		if (!user)
			memcpy((void *)(dst + done), src, chunk);
		else if ((r = copy_to_user(dst + done, src, chunk)))
			break;
		done += chunk;
	}
	*off = pos + done;
	mutex_unlock(&ip->lock);
	return done ? (long)done : r;
}

long ramfs_write(struct inode *ip, u64 src, u64 n, u64 *off, bool append, bool user)
{
	mutex_lock(&ip->lock);
	u64 pos = append ? ip->size : *off, done = 0;
	long r = 0;
	if (n && pos >= FS_FILE_MAX)
		r = -EFBIG;
	n = pos < FS_FILE_MAX ? MIN(n, FS_FILE_MAX - pos) : 0;
	while (done < n) {
		u64 pg = (pos + done) / PAGE_SIZE, in = (pos + done) % PAGE_SIZE;
		u64 chunk = MIN(PAGE_SIZE - in, n - done);
		if ((r = grow(ip, pg)))
			break;
		if (!ip->pages[pg]) {
			if (!take(&pages_used, FS_MAX_PAGES)) {
				r = -ENOSPC;
				break;
			}
			if (!(ip->pages[pg] = pmm_alloc())) {
				__atomic_sub_fetch(&pages_used, 1, __ATOMIC_RELAXED);
				r = -ENOMEM;
				break;
			}
		}
		u8 *dst = (u8 *)phys_to_virt(ip->pages[pg]) + in;
		if (!user)
			memcpy(dst, (const void *)(src + done), chunk);
		else if ((r = copy_from_user(dst, src + done, chunk)))
			break;
		done += chunk;
	}
	ip->size = MAX(ip->size, pos + done);
	*off = pos + done;
	mutex_unlock(&ip->lock);
	return done ? (long)done : r;
}

void ramfs_truncate(struct inode *ip)
{
	mutex_lock(&ip->lock);
	paddr_t *pages = ip->pages;
	u64 cap = ip->cap;
	ip->pages = 0;
	ip->cap = 0;
	ip->size = 0;
	mutex_unlock(&ip->lock);
	free_pages(pages, cap);
}
