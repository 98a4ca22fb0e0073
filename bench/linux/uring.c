/*
 * bench=batch on Linux: io_uring NOPs, the closest Linux counterpart of
 * exless's exception-less calls. "io_uring" submits a batch and waits for it
 * in one io_uring_enter(); "io_uring_sqpoll" lets a kernel thread on CPU 1
 * poll the submission ring while the caller spins on the completion ring,
 * entering the kernel only to wake that thread.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "../plat.h"

#define SQ_CPU 1
/* Long enough that the SQ thread stays awake between batches, so that no
 * batch pays for its wakeup. */
#define SQ_IDLE_MS 2000

const char *const plat_batch_paths[] = { "io_uring", "io_uring_sqpoll", NULL };

static struct io_uring ring;
static struct io_uring_cqe **cqes;
static int sqpoll;

int plat_batch_open(const char *path, unsigned max)
{
	struct io_uring_params p;
	int r;

	memset(&p, 0, sizeof(p));
	sqpoll = !strcmp(path, "io_uring_sqpoll");
	if (sqpoll) {
		if (plat_ncpus() <= SQ_CPU)
			return 1;
		p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = SQ_CPU;
		p.sq_thread_idle = SQ_IDLE_MS;
	} else if (strcmp(path, "io_uring")) {
		return 1;
	}
	if (!(cqes = calloc(max, sizeof(*cqes))))
		return -ENOMEM;
	/* Room for two batches: the SQ thread posts a batch's completions before
	 * it moves the submission ring's head past it, so the next batch must
	 * not need those slots. */
	r = io_uring_queue_init_params(2 * max, &ring, &p);
	if (r < 0) {
		free(cqes);
		return r;
	}
	return 0;
}

int plat_batch_nops(unsigned n)
{
	unsigned i, done = 0;
	int r;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		if (!sqe)
			return -EBUSY;
		io_uring_prep_nop(sqe);
	}
	/* With SQPOLL the count is what the SQ thread had not yet taken. */
	if (sqpoll)
		r = io_uring_submit(&ring);
	else if ((r = io_uring_submit_and_wait(&ring, n)) >= 0 && r != (int)n)
		r = -EIO;
	if (r < 0)
		return r;
	while (done < n) {
		unsigned got = io_uring_peek_batch_cqe(&ring, cqes, n - done);

		for (i = 0; i < got; i++)
			if (cqes[i]->res < 0)
				return cqes[i]->res;
		io_uring_cq_advance(&ring, got);
		done += got;
		if (!got)
			__asm__ volatile("pause");
	}
	return 0;
}

void plat_batch_close(void)
{
	io_uring_queue_exit(&ring);
	free(cqes);
}
