/* Names and inodes: path lookup, open, and the calls that change the tree.
 *
 * One lock, ns_lock, guards the tree (every directory's entries, each
 * inode's nlink, refs and parent), so a lookup, a create or a rename sees
 * and leaves it whole. File data has the inode's own lock (ramfs.c).
 * An inode lives while a directory entry names it (nlink) or a file or a
 * call uses it (refs): an unlinked file that is still open keeps its data
 * until the last close.
 *
 * A path with a leading '/' starts at the root; any other starts at /dev,
 * so the device names of old, open("null"), still work. "." and ".." are
 * understood; the root is its own parent. */
#include "vfs.h"
#include "ramfs.h"
#include "file.h"
#include "socket.h"
#include "mm.h"
#include "uaccess.h"
#include "console.h"
#include "panic.h"
#include "test.h"
#include "arch/x86_64/percpu.h"
#include "abi/errno.h"

/* The tree packed into the kernel image at build time (scripts/rootfs.sh). */
struct rootfs_file {
	const char *path;
	const u8 *start, *end;
};
extern const struct rootfs_file rootfs_files[];
extern const u64 rootfs_files_count;

static struct spinlock ns_lock = SPINLOCK_INIT("namespace");
static struct inode *root, *devdir;

static bool is_dots(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* The entry name of dir, "." and ".." included, or NULL (ns_lock held). */
static struct inode *step(struct inode *dir, const char *name)
{
	if (!name[0] || !strcmp(name, "."))
		return dir;
	if (!strcmp(name, ".."))
		return dir->parent;
	return ramfs_lookup(dir, name);
}

/* Resolve all of path but its last component: the directory it is in and
 * its name there ("" for the root itself). ns_lock held. */
static int walk(const char *path, struct inode **dir, char name[FS_NAME_MAX + 1])
{
	if (!path[0])
		return -ENOENT;
	struct inode *ip = path[0] == '/' ? root : devdir;
	name[0] = 0;
	for (const char *p = path;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		if (p - s > FS_NAME_MAX)
			return -ENAMETOOLONG;
		if (name[0] && !(ip = step(ip, name)))
			return -ENOENT;
		if (ip->type != FT_DIR)
			return -ENOTDIR;
		memcpy(name, s, p - s);
		name[p - s] = 0;
	}
	*dir = ip;
	return 0;
}

/* A new inode of type named name in dir (ns_lock held). */
static int create(struct inode *dir, const char *name, enum file_type type, struct inode **out)
{
	if (!dir->nlink)
		return -ENOENT; /* dir itself was removed */
	struct inode *ip;
	int r = ramfs_inode_alloc(type, &ip);
	if (r)
		return r;
	r = ramfs_link(dir, name, ip);
	if (r) {
		ramfs_inode_free(ip);
		return r;
	}
	*out = ip;
	return 0;
}

void inode_put(struct inode *ip)
{
	spin_lock(&ns_lock);
	bool dead = --ip->refs == 0 && ip->nlink == 0;
	spin_unlock(&ns_lock);
	if (dead)
		ramfs_inode_free(ip);
}

/* What stat reports of ip (ns_lock held). */
static void fill_stat(struct inode *ip, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->ino = ip->ino;
	st->size = READ_ONCE(ip->size);
}

void inode_stat(struct file *f, struct stat *st)
{
	spin_lock(&ns_lock);
	fill_stat(f->ip, st);
	spin_unlock(&ns_lock);
}

/* A regular file's read (pread: off is its own). */
static long regular_read(struct file *f, u64 buf, u64 n, u64 *off)
{
	return ramfs_read(f->ip, buf, n, off, true);
}

/* O_APPEND moves write()'s offset to the end; pwrite() keeps its own. */
static long regular_write(struct file *f, u64 buf, u64 n, u64 *off)
{
	return ramfs_write(f->ip, buf, n, off, (f->flags & O_APPEND) && off == &f->off, true);
}

/* A directory is read with readdir only. */
static long dir_rw(struct file *f, u64 buf, u64 n, u64 *off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -EISDIR;
}

static const struct file_ops regular_ops = { regular_read, regular_write, inode_stat, 0, true, 0 };
static const struct file_ops dir_ops = { dir_rw, dir_rw, inode_stat, 0, true, 0 };

long vfs_open(const char *path, int flags, struct file **out)
{
	int acc = flags & O_ACCMODE;
	if (acc == O_ACCMODE || (flags & ~(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND)))
		return -EINVAL;
	struct inode *dir, *ip = 0;
	char name[FS_NAME_MAX + 1];
	spin_lock(&ns_lock);
	int r = walk(path, &dir, name);
	if (!r && !(ip = step(dir, name)))
		r = flags & O_CREAT ? create(dir, name, FT_FILE, &ip) : -ENOENT;
	else if (!r && (flags & O_CREAT) && (flags & O_EXCL))
		r = -EEXIST;
	if (!r && ip->type == FT_DIR && acc != O_RDONLY)
		r = -EISDIR;
	if (!r && ip->type == FT_SOCK)
		r = -ENXIO; /* connect to it */
	if (!r)
		ip->refs++;
	spin_unlock(&ns_lock);
	if (r)
		return r;
	if ((flags & O_TRUNC) && ip->type == FT_FILE && acc != O_RDONLY)
		ramfs_truncate(ip);
	const struct file_ops *ops = ip->type == FT_FILE ? &regular_ops : ip->type == FT_DIR ? &dir_ops : ip->dev;
	struct file *f = file_alloc(ops, flags & (O_ACCMODE | O_APPEND), ip);
	if (!f) {
		inode_put(ip);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

/* The node at path (ns_lock held): 0 and *ip, or -errno. */
static int lookup(const char *path, struct inode **ip)
{
	struct inode *dir;
	char name[FS_NAME_MAX + 1];
	int r = walk(path, &dir, name);
	if (!r && !(*ip = step(dir, name)))
		r = -ENOENT;
	return r;
}

int vfs_stat(const char *path, struct stat *st)
{
	struct inode *ip;
	spin_lock(&ns_lock);
	int r = lookup(path, &ip);
	if (!r)
		fill_stat(ip, st);
	spin_unlock(&ns_lock);
	return r;
}

/* A new node of type at path, which must not exist (else exists), with
 * ns_lock held: 0 and *ip, or -errno. */
static int create_new(const char *path, enum file_type type, int exists, struct inode **ip)
{
	struct inode *dir;
	char name[FS_NAME_MAX + 1];
	int r = walk(path, &dir, name);
	if (!r && step(dir, name))
		r = exists;
	return r ? r : create(dir, name, type, ip);
}

int vfs_bind(const char *path, struct sock *s, struct inode **out)
{
	struct inode *ip;
	spin_lock(&ns_lock);
	int r = create_new(path, FT_SOCK, -EADDRINUSE, &ip);
	if (!r) {
		ip->sock = s;
		ip->refs++;
		*out = ip;
	}
	spin_unlock(&ns_lock);
	return r;
}

int vfs_sock_get(const char *path, struct sock **out)
{
	struct inode *ip;
	spin_lock(&ns_lock);
	int r = lookup(path, &ip);
	if (!r && (ip->type != FT_SOCK || !ip->sock))
		r = -ECONNREFUSED;
	if (!r) {
		sock_hold(ip->sock);
		*out = ip->sock;
	}
	spin_unlock(&ns_lock);
	return r;
}

void vfs_unbind(struct inode *ip)
{
	spin_lock(&ns_lock);
	ip->sock = 0;
	spin_unlock(&ns_lock);
	inode_put(ip);
}

int vfs_mkdir(const char *path)
{
	struct inode *ip;
	spin_lock(&ns_lock);
	int r = create_new(path, FT_DIR, -EEXIST, &ip);
	spin_unlock(&ns_lock);
	return r;
}

/* Remove the file (or empty directory) at path; the inode goes at once if
 * nothing uses it, else at its last inode_put. */
static int remove(const char *path, bool want_dir)
{
	struct inode *dir, *ip = 0;
	char name[FS_NAME_MAX + 1];
	spin_lock(&ns_lock);
	int r = walk(path, &dir, name);
	if (!r && (!name[0] || is_dots(name)))
		r = want_dir ? -EINVAL : -EISDIR; /* the root, "." or ".." */
	else if (!r && !(ip = ramfs_lookup(dir, name)))
		r = -ENOENT;
	else if (!r && want_dir && ip->type != FT_DIR)
		r = -ENOTDIR;
	else if (!r && !want_dir && ip->type == FT_DIR)
		r = -EISDIR;
	else if (!r && want_dir && ip->nentries)
		r = -ENOTEMPTY;
	bool dead = false;
	if (!r) {
		ramfs_unlink(dir, name);
		dead = ip->refs == 0;
	}
	spin_unlock(&ns_lock);
	if (dead)
		ramfs_inode_free(ip);
	return r;
}

int vfs_unlink(const char *path) { return remove(path, false); }
int vfs_rmdir(const char *path) { return remove(path, true); }

/* Rename within the tree, atomically: an existing target of the same kind
 * (a file, or an empty directory) is replaced. */
int vfs_rename(const char *from, const char *to)
{
	struct inode *odir, *ndir, *src = 0, *dst = 0;
	char oname[FS_NAME_MAX + 1], nname[FS_NAME_MAX + 1];
	spin_lock(&ns_lock);
	int r = walk(from, &odir, oname);
	if (!r)
		r = walk(to, &ndir, nname);
	if (!r && (!oname[0] || is_dots(oname) || !nname[0] || is_dots(nname)))
		r = -EINVAL;
	if (!r && !(src = ramfs_lookup(odir, oname)))
		r = -ENOENT;
	if (!r)
		dst = ramfs_lookup(ndir, nname);
	if (r || src == dst)
		goto out;
	for (struct inode *d = ndir; src->type == FT_DIR; d = d->parent) {
		if (d == src) {
			r = -EINVAL; /* into its own subtree */
			goto out;
		}
		if (d == root)
			break;
	}
	if (!ndir->nlink)
		r = -ENOENT;
	else if (dst && src->type == FT_DIR && dst->type != FT_DIR)
		r = -ENOTDIR;
	else if (dst && src->type == FT_DIR && dst->nentries)
		r = -ENOTEMPTY;
	else if (dst && src->type != FT_DIR && dst->type == FT_DIR)
		r = -EISDIR;
	else if (!dst && ndir != odir && ramfs_dir_full(ndir))
		r = -ENOSPC;
	if (r)
		goto out;
	if (dst)
		ramfs_unlink(ndir, nname);
	ramfs_move(odir, oname, ndir, nname);
out:;
	bool dead = !r && dst && dst != src && dst->refs == 0;
	spin_unlock(&ns_lock);
	if (dead)
		ramfs_inode_free(dst);
	return r;
}

long vfs_readdir(struct file *f, u64 user_buf, u64 max)
{
	struct inode *dir = f->ip;
	if (!dir || dir->type != FT_DIR)
		return -ENOTDIR;
	long n = 0;
	mutex_lock(&dir->lock); /* f->off; the copies run under it, not under ns_lock */
	for (; (u64)n < max; n++) {
		struct dirent d;
		spin_lock(&ns_lock);
		bool more = ramfs_dir_entry(dir, f->off, &d);
		spin_unlock(&ns_lock);
		if (!more)
			break;
		if (copy_to_user(user_buf + n * sizeof(d), &d, sizeof(d))) {
			n = n ? n : -EFAULT;
			break;
		}
		f->off++;
	}
	mutex_unlock(&dir->lock);
	return n;
}

/* mkdir -p of path's directories (boot only). */
static void make_parents(const char *path)
{
	char buf[FS_PATH_MAX];
	strncpy0(buf, path, sizeof(buf));
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = vfs_mkdir(buf);
		if (r && r != -EEXIST)
			panic("vfs: mkdir %s: error %d", buf, r);
		*p = '/';
	}
}

void vfs_init(void)
{
	if (ramfs_inode_alloc(FT_DIR, &root))
		panic("vfs: no memory for the root");
	root->parent = root;
	root->nlink = 1; /* named by itself: never removed */
	root->refs = 1;
	if (vfs_mkdir("/dev") || vfs_mkdir("/tmp"))
		panic("vfs: cannot make /dev and /tmp");
	devdir = ramfs_lookup(root, "dev");
	devdir->refs = 1; /* kept: relative paths start here */
	for (u64 i = 0; i < ndevices; i++) {
		struct inode *ip;
		if (create(devdir, devices[i].name, FT_DEV, &ip))
			panic("vfs: cannot make /dev/%s", devices[i].name);
		ip->dev = devices[i].ops;
	}
	u64 bytes = 0;
	for (u64 i = 0; i < rootfs_files_count; i++) {
		const struct rootfs_file *rf = &rootfs_files[i];
		struct file *f;
		make_parents(rf->path);
		long r = vfs_open(rf->path, O_WRONLY | O_CREAT | O_EXCL, &f);
		u64 n = rf->end - rf->start, off = 0;
		if (!r && (r = ramfs_write(f->ip, (u64)rf->start, n, &off, false, false)) == (long)n)
			r = 0;
		if (r)
			panic("vfs: cannot unpack %s: error %ld", rf->path, r);
		file_close(f);
		bytes += n;
	}
	kprintf("vfs: ramfs with /dev (%lu devices), /tmp and %lu packed files (%lu bytes)\n", ndevices,
		rootfs_files_count, bytes);
}

/* Every packed document has the bytes of scripts/rootfs.sh's rule, and the
 * sizes span 1 KiB .. 64 KiB. */
KTEST(vfs_packed_documents_unpacked)
{
	u8 *buf = kmalloc(FS_FILE_MAX / 16);
	u64 docs = 0, smallest = ~0ul, largest = 0;
	for (u64 i = 0; i < rootfs_files_count; i++) {
		const struct rootfs_file *rf = &rootfs_files[i];
		if (strncmp(rf->path, "/www/doc-", 9))
			continue;
		u64 n = 0, off = 0;
		for (const char *p = rf->path + 9; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (*p - '0');
		struct file *f;
		KEXPECT_EQ(vfs_open(rf->path, O_RDONLY, &f), 0);
		KEXPECT_EQ(ramfs_read(f->ip, (u64)buf, FS_FILE_MAX / 16, &off, false), n);
		u64 bad = 0;
		for (u64 j = 0; j < n; j++)
			bad += buf[j] != (j % 64 == 63 ? '\n' : 'a' + (j * 7 + n / 1024) % 26);
		KEXPECT_EQ(bad, 0);
		KEXPECT_EQ(memcmp(buf, rf->start, n), 0);
		file_close(f);
		docs++;
		smallest = MIN(smallest, n);
		largest = MAX(largest, n);
	}
	KEXPECT(docs > 1);
	KEXPECT_EQ(smallest, 1024);
	KEXPECT_EQ(largest, 65536);
	kfree(buf);
}

/* An unlinked file's pages stay while it is open and come back, with every
 * heap byte, at the last close. */
KTEST(vfs_unlinked_open_file_freed_at_last_close)
{
	static u8 data[3 * PAGE_SIZE + 100];
	for (u64 i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use(), used = ramfs_pages_used();
	struct file *f, *g;
	u64 off = 0;
	KEXPECT_EQ(vfs_open("/tmp/kt-unlinked", O_CREAT | O_EXCL | O_RDWR, &f), 0);
	KEXPECT_EQ(ramfs_write(f->ip, (u64)data, sizeof(data), &off, false, false), sizeof(data));
	KEXPECT_EQ(ramfs_pages_used(), used + 4);
	g = file_dup(f);
	KEXPECT_EQ(vfs_unlink("/tmp/kt-unlinked"), 0);
	struct stat st;
	KEXPECT_EQ(vfs_stat("/tmp/kt-unlinked", &st), -ENOENT);
	file_close(f);
	KEXPECT_EQ(ramfs_pages_used(), used + 4); /* g still has it open */
	static u8 back[sizeof(data)];
	off = 0;
	KEXPECT_EQ(ramfs_read(g->ip, (u64)back, sizeof(back), &off, false), sizeof(back));
	KEXPECT_EQ(memcmp(back, data, sizeof(data)), 0);
	file_close(g);
	KEXPECT_EQ(ramfs_pages_used(), used);
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* Both CPUs change the tree at once, in their own names and in shared ones:
 * every call succeeds or fails as it may, and nothing is lost or leaked. */
static int tree_errors;

static void tree_worker(void *arg, int cpu)
{
	(void)arg;
	char file[32], dir[32], moved[48];
	snprintf(file, sizeof(file), "/tmp/kt-f%d", cpu);
	snprintf(dir, sizeof(dir), "/tmp/kt-d%d", cpu);
	snprintf(moved, sizeof(moved), "%s/f", dir);
	u8 data[300];
	for (int i = 0; i < 150; i++) {
		struct file *f;
		struct stat st;
		u64 off = 0;
		memset(data, cpu * 16 + i, sizeof(data));
		int bad = vfs_open(file, O_CREAT | O_EXCL | O_RDWR, &f) != 0;
		if (!bad) {
			bad |= ramfs_write(f->ip, (u64)data, sizeof(data), &off, false, false) != sizeof(data);
			file_close(f);
		}
		bad |= vfs_mkdir(dir) != 0;
		bad |= vfs_rename(file, moved) != 0;
		bad |= vfs_stat(moved, &st) != 0 || st.size != sizeof(data);
		/* Shared: whoever wins, the name ends up with one inode. */
		if (!vfs_open("/tmp/kt-shared", O_CREAT | O_RDWR, &f))
			file_close(f);
		int r = vfs_rename("/tmp/kt-shared", "/tmp/kt-shared2");
		bad |= r && r != -ENOENT;
		bad |= vfs_unlink(moved) != 0;
		bad |= vfs_rmdir(dir) != 0;
		if (bad)
			__atomic_add_fetch(&tree_errors, 1, __ATOMIC_RELAXED);
	}
}

KTEST_SMP(vfs_tree_changes_on_every_cpu)
{
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use(), inodes = ramfs_inodes_used();
	tree_errors = 0;
	ktest_on_each_cpu(tree_worker, 0);
	KEXPECT_EQ(tree_errors, 0);
	vfs_unlink("/tmp/kt-shared");
	KEXPECT_EQ(vfs_unlink("/tmp/kt-shared2"), 0);
	KEXPECT_EQ(ramfs_inodes_used(), inodes);
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* Both CPUs append records to one O_APPEND file at once: every record lands
 * whole, none overwrites another. */
#define APPEND_RECS 300
#define APPEND_REC 50

static void append_worker(void *arg, int cpu)
{
	struct file *f = arg;
	u8 rec[APPEND_REC];
	for (int i = 0; i < APPEND_RECS; i++) {
		memset(rec, 'A' + cpu, sizeof(rec));
		rec[0] = (u8)i;
		u64 off = 0;
		if (ramfs_write(f->ip, (u64)rec, sizeof(rec), &off, true, false) != sizeof(rec))
			__atomic_add_fetch(&tree_errors, 1, __ATOMIC_RELAXED);
	}
}

KTEST_SMP(vfs_appends_from_every_cpu)
{
	u64 pages = pmm_free_pages(), heap = kmalloc_bytes_in_use();
	struct file *f;
	tree_errors = 0;
	KEXPECT_EQ(vfs_open("/tmp/kt-append", O_CREAT | O_EXCL | O_RDWR | O_APPEND, &f), 0);
	ktest_on_each_cpu(append_worker, f);
	KEXPECT_EQ(tree_errors, 0);
	u64 n = (u64)ncpus * APPEND_RECS * APPEND_REC, off = 0;
	u8 *buf = kmalloc(n);
	KEXPECT_EQ(ramfs_read(f->ip, (u64)buf, n + 1, &off, false), n);
	int next[MAX_CPUS] = { 0 }, bad = 0;
	for (u64 r = 0; r < n; r += APPEND_REC) {
		int cpu = buf[r + 1] - 'A';
		if (cpu < 0 || cpu >= ncpus || buf[r] != (u8)next[cpu]++)
			bad++;
		for (int j = 2; j < APPEND_REC; j++)
			bad += buf[r + j] != buf[r + 1];
	}
	KEXPECT_EQ(bad, 0);
	for (int c = 0; c < ncpus; c++)
		KEXPECT_EQ(next[c], APPEND_RECS);
	kfree(buf);
	file_close(f);
	KEXPECT_EQ(vfs_unlink("/tmp/kt-append"), 0);
	KEXPECT_EQ(pmm_free_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}
