/* Pipes: a ring of bytes in physically contiguous pages between a read
 * end and a write end, with any number of files open on each (dup, spawn).
 * A pipe's ring is PIPE_SIZE bytes; a socket's (socket.c) SOCK_BUF_SIZE.
 *
 * A reader blocks while the ring is empty and a writer exists, then takes
 * what is there (a partial read); no writer left and empty: EOF (0). A
 * writer blocks while the ring is full and returns once all its bytes are
 * in; a write of at most PIPE_ATOMIC bytes goes in whole, never interleaved
 * with another. No reader left: -EPIPE (or the count written so far).
 * Both sleep on wait queues, so a kill interrupts them (-EINTR), from the
 * process's own thread or from a syscall thread acting for it.
 *
 * Locks: the spinlock guards the counters, never a user copy. One reader
 * and one writer at a time copy (rmutex, wmutex, held across the whole
 * call): the reader copies out of [head, tail) and the writer into the
 * free space past tail with no spinlock held, then move head or tail under
 * it. Whole writes under wmutex are never interleaved. */
#include "pipe.h"
#include "file.h"
#include "sched.h"
#include "mutex.h"
#include "poll.h"
#include "mm.h"
#include "uaccess.h"
#include "abi/errno.h"
#include "abi/syscall.h"

struct pipe {
	struct spinlock lock;
	struct mutex rmutex, wmutex; /* the one reader and the one writer copying */
	u8 *buf;
	u64 size;             /* bytes of buf: a power of two */
	u64 head, tail;       /* bytes read, bytes written: tail - head are buffered */
	int readers, writers; /* open ends */
	bool rshut, wshut;    /* a socket's shutdown of the reading or the writing side */
	struct waitq rwait, wwait;
	struct list pollers;
};

_Static_assert(PIPE_SIZE == PAGE_SIZE, "a pipe's ring is one page");
_Static_assert(PIPE_ATOMIC <= PIPE_SIZE, "an atomic write fits the ring");

struct pipe *ring_alloc(u64 npages)
{
	struct pipe *p = kmalloc(sizeof(*p));
	paddr_t pa = pmm_alloc_contig(npages);
	if (!p || !pa) {
		kfree(p);
		if (pa)
			pmm_free_contig(pa, npages);
		return 0;
	}
	spin_init(&p->lock, "pipe");
	mutex_init(&p->rmutex);
	mutex_init(&p->wmutex);
	waitq_init(&p->rwait);
	waitq_init(&p->wwait);
	list_init(&p->pollers);
	p->buf = phys_to_virt(pa);
	p->size = npages * PAGE_SIZE;
	p->readers = p->writers = 1;
	return p;
}

/* Copy n bytes between user memory and the ring from position pos on (the
 * caller owns that stretch): 0 or -EFAULT. */
static long ring_copy(struct pipe *p, u64 pos, u64 ubuf, u64 n, bool to_user)
{
	for (u64 done = 0; done < n;) {
		u64 at = (pos + done) & (p->size - 1);
		u64 chunk = MIN(n - done, p->size - at);
		long r = to_user ? copy_to_user(ubuf + done, p->buf + at, chunk)
				 : copy_from_user(p->buf + at, ubuf + done, chunk);
		if (r)
			return r;
		done += chunk;
	}
	return 0;
}

/* Block until there are bytes or no writer; take up to n of them. A fault
 * leaves the bytes in the ring. */
long ring_read(struct pipe *p, u64 ubuf, u64 n)
{
	if (mutex_lock_killable(&p->rmutex))
		return -EINTR;
	spin_lock(&p->lock);
	while (p->head == p->tail && p->writers && !p->wshut && !p->rshut && n) {
		if (!waitq_sleep(&p->rwait, &p->lock)) {
			spin_unlock(&p->lock);
			mutex_unlock(&p->rmutex);
			return -EINTR;
		}
	}
	u64 head = p->head, chunk = p->rshut ? 0 : MIN(n, p->tail - head);
	spin_unlock(&p->lock);
	long r = ring_copy(p, head, ubuf, chunk, true);
	if (!r && chunk) {
		spin_lock(&p->lock);
		p->head += chunk;
		waitq_wake_all(&p->wwait);
		poll_wake(&p->pollers);
		spin_unlock(&p->lock);
	}
	mutex_unlock(&p->rmutex);
	return r ? r : (long)chunk;
}

/* Put all n bytes in, blocking while the ring is full. */
long ring_write(struct pipe *p, u64 ubuf, u64 n)
{
	if (mutex_lock_killable(&p->wmutex))
		return -EINTR;
	u64 done = 0;
	long r = 0;
	while (done < n) {
		spin_lock(&p->lock);
		if (!p->readers || p->rshut || p->wshut) {
			spin_unlock(&p->lock);
			r = -EPIPE;
			break;
		}
		u64 space = p->size - (p->tail - p->head);
		u64 need = !done && n <= PIPE_ATOMIC ? n : 1;
		if (space < need) {
			bool ok = waitq_sleep(&p->wwait, &p->lock);
			spin_unlock(&p->lock);
			if (!ok) {
				r = -EINTR;
				break;
			}
			continue;
		}
		u64 tail = p->tail, chunk = MIN(n - done, space);
		spin_unlock(&p->lock);
		if ((r = ring_copy(p, tail, ubuf + done, chunk, false)))
			break;
		spin_lock(&p->lock);
		p->tail += chunk;
		waitq_wake_all(&p->rwait);
		poll_wake(&p->pollers);
		spin_unlock(&p->lock);
		done += chunk;
	}
	mutex_unlock(&p->wmutex);
	return done ? (long)done : r;
}

void ring_close(struct pipe *p, bool reader)
{
	spin_lock(&p->lock);
	if (reader)
		p->readers--;
	else
		p->writers--;
	bool last = !p->readers && !p->writers;
	waitq_wake_all(&p->rwait);
	waitq_wake_all(&p->wwait);
	poll_wake(&p->pollers);
	spin_unlock(&p->lock);
	if (last) {
		pmm_free_contig(virt_to_phys(p->buf), p->size / PAGE_SIZE);
		kfree(p);
	}
}

void ring_shutdown(struct pipe *p, bool reader)
{
	spin_lock(&p->lock);
	if (reader)
		p->rshut = true;
	else
		p->wshut = true;
	waitq_wake_all(&p->rwait);
	waitq_wake_all(&p->wwait);
	poll_wake(&p->pollers);
	spin_unlock(&p->lock);
}

unsigned ring_poll(struct pipe *p, bool reader, struct poll_table *pt)
{
	unsigned mask = 0;
	spin_lock(&p->lock);
	poll_add(pt, &p->lock, &p->pollers);
	bool no_writer = !p->writers || p->wshut, no_reader = !p->readers || p->rshut;
	if (reader) {
		if (p->head != p->tail || no_writer || p->rshut)
			mask |= POLLIN; /* a read would not block */
		if (no_writer)
			mask |= POLLHUP;
	} else {
		if (p->tail - p->head < p->size || no_reader)
			mask |= POLLOUT;
		if (no_reader)
			mask |= POLLERR;
	}
	spin_unlock(&p->lock);
	return mask;
}

static bool is_read_end(struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY;
}

static long pipe_read(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	return ring_read(f->pipe, ubuf, n);
}

static long pipe_write(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	return ring_write(f->pipe, ubuf, n);
}

/* A pipe's stat: its type and the bytes it holds. */
static void pipe_stat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = FT_PIPE;
	st->size = READ_ONCE(f->pipe->tail) - READ_ONCE(f->pipe->head);
}

/* The last close of one end's file: the other end's sleepers see it; the
 * pipe goes with the last file of both ends. */
static void pipe_release(struct file *f)
{
	ring_close(f->pipe, is_read_end(f));
}

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	return ring_poll(f->pipe, is_read_end(f), pt);
}

static const struct file_ops pipe_ops = { pipe_read, pipe_write, pipe_stat, pipe_release, false, pipe_poll };

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = ring_alloc(PIPE_SIZE / PAGE_SIZE);
	*rd = file_alloc(&pipe_ops, O_RDONLY, 0);
	*wr = file_alloc(&pipe_ops, O_WRONLY, 0);
	if (!p || !*rd || !*wr) {
		if (p) {
			ring_close(p, true);
			ring_close(p, false);
		}
		kfree(*rd);
		kfree(*wr);
		return -ENOMEM;
	}
	(*rd)->pipe = (*wr)->pipe = p;
	return 0;
}
