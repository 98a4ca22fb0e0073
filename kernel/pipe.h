/* Pipes: a ring of PIPE_SIZE bytes between two open files. */
#ifndef PIPE_H
#define PIPE_H

#include "types.h"

struct file;
/* A pipe's read end and write end; 0 or -ENOMEM. */
int pipe_create(struct file **rd, struct file **wr);

#endif
