/* Pipes: a ring buffer between a read end and a write end. Sockets
 * (socket.c) use the same rings, one each way. */
#ifndef PIPE_H
#define PIPE_H

#include "types.h"

struct file;
struct pipe;
struct poll_table;

/* A pipe's read end and write end; 0 or -ENOMEM. */
int pipe_create(struct file **rd, struct file **wr);

/* A ring of npages pages with one reader and one writer counted; NULL
 * when memory is out. */
struct pipe *ring_alloc(u64 npages);
/* read(2) and write(2) of the ring into or from user memory (checked by
 * the caller): bytes, 0 at EOF, -EPIPE, -EINTR or -EFAULT. */
long ring_read(struct pipe *p, u64 ubuf, u64 n);
long ring_write(struct pipe *p, u64 ubuf, u64 n);
/* One reader (reader true) or writer less; the ring goes with the last. */
void ring_close(struct pipe *p, bool reader);
/* shutdown(2) of the reading side (reads give EOF, the writer -EPIPE) or
 * the writing side (the reader sees EOF once the ring is empty, writes give
 * -EPIPE); the ends stay counted until ring_close. */
void ring_shutdown(struct pipe *p, bool reader);
/* POLLIN/POLLHUP for the read side, POLLOUT/POLLERR for the write side. */
unsigned ring_poll(struct pipe *p, bool reader, struct poll_table *pt);

#endif
