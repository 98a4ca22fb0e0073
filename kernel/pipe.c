/* Pipes: a ring of PIPE_SIZE bytes in one page between a read end and a
 * write end, with any number of files open on each (dup, spawn).
 *
 * A reader blocks while the ring is empty and a writer exists, then takes
 * what is there (a partial read); no writer left and empty: EOF (0). A
 * writer blocks while the ring is full and returns once all its bytes are
 * in; a write of at most PIPE_ATOMIC bytes goes in whole, never interleaved
 * with another. No reader left: -EPIPE (or the count written so far).
 * Both sleep on wait queues, so a kill interrupts them (-EINTR), from the
 * process's own thread or from a syscall thread acting for it. */
#include "pipe.h"
#include "file.h"
#include "sched.h"
#include "mm.h"
#include "uaccess.h"
#include "abi/errno.h"
#include "abi/syscall.h"

struct pipe {
	struct spinlock lock;
	u8 *buf;              /* PIPE_SIZE bytes */
	u64 head, tail;       /* bytes read, bytes written: tail - head are buffered */
	int readers, writers; /* open files on each end */
	struct waitq rwait, wwait;
};

_Static_assert(PIPE_SIZE == PAGE_SIZE, "a pipe's ring is one page");

/* Block until there are bytes or no writer; take up to n of them. */
static long pipe_read(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	struct pipe *p = f->pipe;
	spin_lock(&p->lock);
	while (p->head == p->tail && p->writers && n) {
		if (!waitq_sleep(&p->rwait, &p->lock)) {
			spin_unlock(&p->lock);
			return -EINTR;
		}
	}
	u64 done = 0;
	long r = 0;
	while (done < n && p->head != p->tail) {
		u64 at = p->head % PIPE_SIZE;
		u64 chunk = MIN(MIN(n - done, p->tail - p->head), PIPE_SIZE - at);
		if ((r = copy_to_user(ubuf + done, p->buf + at, chunk)))
			break;
		p->head += chunk;
		done += chunk;
	}
	if (done)
		waitq_wake_all(&p->wwait);
	spin_unlock(&p->lock);
	return done ? (long)done : r;
}

/* Put all n bytes in, blocking while the ring is full. */
static long pipe_write(struct file *f, u64 ubuf, u64 n, u64 *off)
{
	(void)off;
	struct pipe *p = f->pipe;
	u64 done = 0;
	long r = 0;
	spin_lock(&p->lock);
	while (done < n) {
		if (!p->readers) {
			r = -EPIPE;
			break;
		}
		u64 space = PIPE_SIZE - (p->tail - p->head);
		u64 need = !done && n <= PIPE_ATOMIC ? n : 1;
		if (space < need) {
			if (!waitq_sleep(&p->wwait, &p->lock)) {
				r = -EINTR;
				break;
			}
			continue;
		}
		u64 at = p->tail % PIPE_SIZE;
		u64 chunk = MIN(MIN(n - done, space), PIPE_SIZE - at);
		if ((r = copy_from_user(p->buf + at, ubuf + done, chunk)))
			break;
		p->tail += chunk;
		done += chunk;
		waitq_wake_all(&p->rwait);
	}
	spin_unlock(&p->lock);
	return done ? (long)done : r;
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
	struct pipe *p = f->pipe;
	spin_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	bool last = !p->readers && !p->writers;
	waitq_wake_all(&p->rwait);
	waitq_wake_all(&p->wwait);
	spin_unlock(&p->lock);
	if (last) {
		pmm_free(virt_to_phys(p->buf));
		kfree(p);
	}
}

static const struct file_ops pipe_ops = { pipe_read, pipe_write, pipe_stat, pipe_release, false };

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kmalloc(sizeof(*p));
	paddr_t pa = pmm_alloc();
	*rd = file_alloc(&pipe_ops, O_RDONLY, 0);
	*wr = file_alloc(&pipe_ops, O_WRONLY, 0);
	if (!p || !pa || !*rd || !*wr) {
		kfree(p);
		if (pa)
			pmm_free(pa);
		kfree(*rd);
		kfree(*wr);
		return -ENOMEM;
	}
	spin_init(&p->lock, "pipe");
	waitq_init(&p->rwait);
	waitq_init(&p->wwait);
	p->buf = phys_to_virt(pa);
	p->readers = p->writers = 1;
	(*rd)->pipe = (*wr)->pipe = p;
	return 0;
}
