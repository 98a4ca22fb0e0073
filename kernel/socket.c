/* Local stream sockets: socket, bind, listen, accept, connect, socketpair,
 * shutdown. A connection is two rings of pipe.c, one each way, so reads,
 * writes, EOF, -EPIPE, partial reads and whole small writes behave as a
 * pipe's; a socket's file reads its rx ring and writes its tx ring.
 *
 * Names: bind makes an entry of type FT_SOCK in the file tree (vfs_bind),
 * which points at the socket while it is open; unlink removes the name
 * (the socket goes on listening, unreachable), a closed socket leaves its
 * name behind pointing at nothing (connect: -ECONNREFUSED), as on Unix.
 *
 * connect queues a new connected socket on the listener (blocking while
 * the backlog is full) and returns; accept takes it off the queue (blocking
 * while it is empty). Both sleep on the listener's wait queues under its
 * lock, so a kill ends them (-EINTR), from a syscall thread too.
 *
 * Lifetime: a socket is owned by its one open file; a connect under way
 * holds a reference on the listener it found by name (taken under the
 * namespace lock, which guards the name's pointer). At the last close a
 * listener refuses further connects, closes the connections it has not
 * handed out (their clients see EOF) and lets go of its name. Lock order:
 * a socket's lock, the namespace lock or a ring's lock. */
#include "socket.h"
#include "file.h"
#include "pipe.h"
#include "poll.h"
#include "vfs.h"
#include "sched.h"
#include "mm.h"
#include "uaccess.h"
#include "syscall.h"
#include "proc.h"
#include "time.h"
#include "console.h"
#include "test.h"
#include "abi/errno.h"
#include "abi/syscall.h"

enum sock_state { S_NEW, S_CONNECTING, S_CONNECTED, S_LISTEN, S_CLOSED };

struct sock {
	struct spinlock lock;
	int refs;               /* its file, connects under way to it (atomic) */
	enum sock_state state;
	struct pipe *rx, *tx;   /* S_CONNECTED: the rings it reads and writes */
	bool rd_shut, wr_shut;  /* shutdown() done on each side */
	struct inode *ip;       /* the name bound to it (a reference), or NULL */
	struct list queue;      /* S_LISTEN: connections not yet accepted */
	int nqueued, backlog;
	struct waitq accept_wait, connect_wait;
	struct list pollers;    /* polls on a listener (or a socket not yet connected) */
	struct list qnode;      /* on its listener's queue */
};

_Static_assert(SOCK_BUF_SIZE % PAGE_SIZE == 0 && (SOCK_BUF_SIZE & (SOCK_BUF_SIZE - 1)) == 0,
	       "a socket's ring is a power-of-two number of pages");

static u64 nsocks;
static const struct file_ops sock_ops;

u64 sock_count(void) { return READ_ONCE(nsocks); }

/* A new unconnected socket, counted against SOCK_MAX: 0, -ENFILE, -ENOMEM. */
static int sock_new(struct sock **out)
{
	if (__atomic_add_fetch(&nsocks, 1, __ATOMIC_RELAXED) > SOCK_MAX) {
		__atomic_sub_fetch(&nsocks, 1, __ATOMIC_RELAXED);
		return -ENFILE;
	}
	struct sock *s = kmalloc(sizeof(*s));
	if (!s) {
		__atomic_sub_fetch(&nsocks, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	spin_init(&s->lock, "sock");
	s->refs = 1;
	s->state = S_NEW;
	list_init(&s->queue);
	list_init(&s->pollers);
	waitq_init(&s->accept_wait);
	waitq_init(&s->connect_wait);
	*out = s;
	return 0;
}

void sock_hold(struct sock *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

static void sock_put(struct sock *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	kfree(s);
	__atomic_sub_fetch(&nsocks, 1, __ATOMIC_RELAXED);
}

/* Join a and b with two fresh rings (a reads what b writes and back):
 * 0 or -ENOMEM. Neither is visible to another thread yet. */
static int join(struct sock *a, struct sock *b)
{
	struct pipe *ab = ring_alloc(SOCK_BUF_SIZE / PAGE_SIZE), *ba = ring_alloc(SOCK_BUF_SIZE / PAGE_SIZE);
	if (!ab || !ba) {
		for (int i = 0; i < 2; i++) {
			if (ab)
				ring_close(ab, i);
			if (ba)
				ring_close(ba, i);
		}
		return -ENOMEM;
	}
	a->tx = b->rx = ab;
	a->rx = b->tx = ba;
	a->state = b->state = S_CONNECTED;
	return 0;
}

/* A connection's end of both rings, then the socket itself. */
static void disconnect(struct sock *s)
{
	ring_close(s->rx, true);
	ring_close(s->tx, false);
	sock_put(s);
}

/* The last close of a socket's file. */
static void sock_release(struct file *f)
{
	struct sock *s = f->sock;
	struct list queued = LIST_INIT(queued);
	spin_lock(&s->lock);
	enum sock_state was = s->state;
	s->state = S_CLOSED;
	list_for_each_safe(n, tmp, &s->queue) {
		list_del(n);
		list_add_tail(&queued, n);
	}
	s->nqueued = 0;
	waitq_wake_all(&s->accept_wait);
	waitq_wake_all(&s->connect_wait); /* they find it closed: -ECONNREFUSED */
	poll_wake(&s->pollers);
	spin_unlock(&s->lock);
	list_for_each_safe(n, tmp, &queued)
		disconnect(container_of(n, struct sock, qnode));
	if (s->ip)
		vfs_unbind(s->ip);
	if (was == S_CONNECTED)
		disconnect(s);
	else
		sock_put(s);
}

/* s's rings if connected (their ends live while the file does): 0, or
 * -ENOTCONN (-EINVAL for a listener). */
static int rings(struct sock *s, struct pipe **rx, struct pipe **tx)
{
	spin_lock(&s->lock);
	enum sock_state st = s->state;
	*rx = s->rx;
	*tx = s->tx;
	spin_unlock(&s->lock);
	return st == S_CONNECTED ? 0 : st == S_LISTEN ? -EINVAL : -ENOTCONN;
}

static long sock_read(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	struct pipe *rx, *tx;
	int r = rings(f->sock, &rx, &tx);
	return r ? r : ring_read(rx, ubuf, n);
}

static long sock_write(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	struct pipe *rx, *tx;
	int r = rings(f->sock, &rx, &tx);
	return r ? r : ring_write(tx, ubuf, n);
}

static void sock_stat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = FT_SOCK;
	struct inode *ip = READ_ONCE(f->sock->ip);
	st->ino = ip ? ip->ino : 0;
}

/* A listener is readable with a connection queued. A connected socket:
 * POLLIN when a read would not block (bytes, or EOF), POLLHUP once the
 * peer closed or shut down its writing side, POLLOUT when a write would
 * not block (room, or -EPIPE to come); never POLLERR. One not connected
 * yet is writable and hung up (as on Linux), or nothing while its connect
 * is under way. */
static unsigned sock_poll(struct file *f, struct poll_table *pt)
{
	struct sock *s = f->sock;
	spin_lock(&s->lock);
	enum sock_state st = s->state;
	unsigned mask = st == S_LISTEN ? (s->nqueued ? POLLIN : 0) : st == S_NEW ? POLLOUT | POLLHUP : 0;
	if (st != S_CONNECTED)
		poll_add(pt, &s->lock, &s->pollers);
	struct pipe *rx = s->rx, *tx = s->tx;
	spin_unlock(&s->lock);
	if (st == S_CONNECTED)
		mask = ring_poll(rx, true, pt) | (ring_poll(tx, false, pt) & ~POLLERR);
	return mask;
}

static const struct file_ops sock_ops = { sock_read, sock_write, sock_stat, sock_release, false, sock_poll };

/* The socket open at fd, with a reference on its file (*fp): 0, -EBADF or -ENOTSOCK. */
static int sock_fd(u64 fd, struct file **fp)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (f->ops != &sock_ops) {
		file_close(f);
		return -ENOTSOCK;
	}
	*fp = f;
	return 0;
}

/* The socket file of fd and the name at upath (copied into path, which
 * holds FS_PATH_MAX): 0 with *fp to close, or -errno with nothing held. */
static long sock_fd_path(u64 fd, u64 upath, char *path, struct file **fp)
{
	long r = strncpy_from_user(path, upath, FS_PATH_MAX);
	return r < 0 ? r : sock_fd(fd, fp);
}

/* A file for s, installed: the fd, or -errno with s not consumed. */
static long install(struct sock *s)
{
	struct file *f = file_alloc(&sock_ops, O_RDWR, 0);
	if (!f)
		return -ENOMEM;
	f->sock = s;
	int fd = fd_install(f);
	if (fd < 0)
		kfree(f);
	return fd;
}

long sys_socket(u64 domain, u64 type, u64 proto)
{
	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM)
		return -EINVAL;
	if (proto)
		return -EPROTONOSUPPORT;
	struct sock *s;
	long r = sock_new(&s);
	if (r)
		return r;
	r = install(s);
	if (r < 0)
		sock_put(s);
	return r;
}

long sys_bind(u64 fd, u64 upath)
{
	char path[FS_PATH_MAX];
	struct file *f;
	long r = sock_fd_path(fd, upath, path, &f);
	if (r)
		return r;
	struct sock *s = f->sock;
	spin_lock(&s->lock);
	if (s->ip || s->state != S_NEW)
		r = -EINVAL; /* bound already, or connected */
	else
		r = vfs_bind(path, s, &s->ip);
	spin_unlock(&s->lock);
	file_close(f);
	return r;
}

long sys_listen(u64 fd, u64 backlog)
{
	struct file *f;
	long r = sock_fd(fd, &f);
	if (r)
		return r;
	struct sock *s = f->sock;
	spin_lock(&s->lock);
	if (!s->ip || (s->state != S_NEW && s->state != S_LISTEN)) {
		r = -EINVAL; /* not bound, or connected */
	} else {
		s->state = S_LISTEN;
		s->backlog = (i64)backlog < 1 ? 1 : MIN(backlog, SOCK_BACKLOG_MAX);
		waitq_wake_all(&s->connect_wait); /* the backlog may have grown */
		poll_wake(&s->pollers);
	}
	spin_unlock(&s->lock);
	file_close(f);
	return r;
}

long sys_accept(u64 fd)
{
	struct file *f;
	long r = sock_fd(fd, &f);
	if (r)
		return r;
	struct sock *l = f->sock, *c = 0;
	spin_lock(&l->lock);
	while (l->state == S_LISTEN && !l->nqueued) {
		if (!waitq_sleep(&l->accept_wait, &l->lock)) {
			r = -EINTR;
			break;
		}
	}
	if (!r && l->state != S_LISTEN) {
		r = -EINVAL;
	} else if (!r) {
		c = container_of(l->queue.next, struct sock, qnode);
		list_del(&c->qnode);
		l->nqueued--;
		waitq_wake_all(&l->connect_wait);
	}
	spin_unlock(&l->lock);
	if (c && (r = install(c)) < 0) {
		/* No fd or no memory: the connection waits at the head of the queue. */
		spin_lock(&l->lock);
		list_add_tail(l->queue.next, &c->qnode);
		l->nqueued++;
		spin_unlock(&l->lock);
	}
	file_close(f);
	return r;
}

long sys_connect(u64 fd, u64 upath)
{
	char path[FS_PATH_MAX];
	struct file *f;
	long r = sock_fd_path(fd, upath, path, &f);
	if (r)
		return r;
	struct sock *c = f->sock, *l = 0, *srv = 0, peer;
	spin_lock(&c->lock);
	r = c->state == S_CONNECTED ? -EISCONN : c->state == S_CONNECTING ? -EALREADY : c->state == S_LISTEN ? -EINVAL : 0;
	if (!r)
		c->state = S_CONNECTING; /* ours alone until we set it again */
	spin_unlock(&c->lock);
	if (r) {
		file_close(f);
		return r;
	}
	bool joined = false;
	if (!(r = vfs_sock_get(path, &l)) && !(r = sock_new(&srv)))
		joined = !(r = join(&peer, srv));
	if (joined) {
		spin_lock(&l->lock);
		while (l->state == S_LISTEN && l->nqueued >= l->backlog) {
			if (!waitq_sleep(&l->connect_wait, &l->lock)) {
				r = -EINTR;
				break;
			}
		}
		if (!r && l->state != S_LISTEN) {
			r = -ECONNREFUSED; /* bound but not listening, or closed */
		} else if (!r) {
			list_add_tail(&l->queue, &srv->qnode);
			l->nqueued++;
			waitq_wake_all(&l->accept_wait);
			poll_wake(&l->pollers);
		}
		spin_unlock(&l->lock);
		if (r) {
			ring_close(peer.rx, true);
			ring_close(peer.tx, false);
		}
	}
	if (r && joined)
		disconnect(srv);
	else if (r && srv)
		sock_put(srv);
	if (l)
		sock_put(l);
	spin_lock(&c->lock);
	if (!r) {
		c->rx = peer.rx;
		c->tx = peer.tx;
	}
	c->state = r ? S_NEW : S_CONNECTED;
	poll_wake(&c->pollers);
	spin_unlock(&c->lock);
	file_close(f);
	return r;
}

long sys_socketpair(u64 ufds)
{
	if (!user_range_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct sock *a, *b = 0;
	long r = sock_new(&a);
	if (r)
		return r;
	if ((r = sock_new(&b)) || (r = join(a, b))) {
		sock_put(a);
		if (b)
			sock_put(b);
		return r;
	}
	int fds[2] = { (int)install(a), -1 };
	if (fds[0] >= 0)
		fds[1] = (int)install(b);
	if (fds[1] < 0) {
		r = fds[0] < 0 ? fds[0] : fds[1];
		if (fds[0] >= 0)
			fd_close(fds[0]);
		else
			disconnect(a);
		disconnect(b);
		return r;
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_shutdown(u64 fd, u64 how)
{
	if (how > SHUT_RDWR)
		return -EINVAL;
	struct file *f;
	long r = sock_fd(fd, &f);
	if (r)
		return r;
	struct sock *s = f->sock;
	spin_lock(&s->lock);
	if (s->state != S_CONNECTED) {
		r = -ENOTCONN;
	} else {
		if (how != SHUT_WR && !s->rd_shut) {
			s->rd_shut = true;
			ring_shutdown(s->rx, true);
		}
		if (how != SHUT_RD && !s->wr_shut) {
			s->wr_shut = true;
			ring_shutdown(s->tx, false);
		}
	}
	spin_unlock(&s->lock);
	file_close(f);
	return r;
}

/* The socket suite once over each way in; afterwards the kernel's memory
 * is what it was before, to the page and the heap byte, and no socket is
 * left. */
KTEST(sock_user_suite_every_path)
{
	static const char *const paths[] = { "int80", "syscall", "sysenter", "flexsc" };
	KEXPECT_EQ(ktest_run_user("utrue", 0), 0); /* warm: first-use allocations */
	u64 pages = pmm_free_pages() + kmalloc_slab_pages(), heap = kmalloc_bytes_in_use();
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		u64 t0 = ktime_ns();
		KEXPECT_EQ(ktest_run_user("utest_sock", paths[i]), 0);
		kprintf("    # utest_sock %s: %lu ms\n", paths[i], (ktime_ns() - t0) / 1000000);
	}
	KEXPECT_EQ(sock_count(), 0);
	KEXPECT_EQ(pmm_free_pages() + kmalloc_slab_pages(), pages);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}

/* SOCK_MAX sockets, then -ENFILE (no panic, nothing allocated); all back. */
KTEST(sock_limit_gives_enfile)
{
	static struct sock *all[SOCK_MAX];
	u64 heap = kmalloc_bytes_in_use(), before = sock_count();
	int n = 0;
	while (n < SOCK_MAX && !sock_new(&all[n]))
		n++;
	KEXPECT_EQ(n, SOCK_MAX - before);
	struct sock *extra;
	KEXPECT_EQ(sock_new(&extra), -ENFILE);
	KEXPECT_EQ(sock_count(), SOCK_MAX);
	while (n)
		sock_put(all[--n]);
	KEXPECT_EQ(sock_count(), before);
	KEXPECT_EQ(kmalloc_bytes_in_use(), heap);
}
