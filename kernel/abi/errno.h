/* Error numbers returned negated in rax (or in a syscall-page entry). */
#ifndef EXLESS_ABI_ERRNO_H
#define EXLESS_ABI_ERRNO_H

#define EPERM 1    /* not allowed */
#define ENOENT 2   /* no such program, file or directory */
#define ESRCH 3    /* no such process */
#define EINTR 4    /* interrupted */
#define EIO 5      /* device error */
#define ENXIO 6    /* no such device (open of a socket) */
#define E2BIG 7    /* argument list too long */
#define ENOEXEC 8  /* malformed executable */
#define EBADF 9    /* bad file descriptor */
#define ECHILD 10  /* no child to wait for */
#define EAGAIN 11  /* try again */
#define ENOMEM 12  /* out of memory */
#define EFAULT 14  /* bad user address */
#define EBUSY 16   /* resource busy */
#define EEXIST 17  /* already exists */
#define ENOTDIR 20 /* a path component is not a directory */
#define EISDIR 21  /* is a directory */
#define EINVAL 22  /* bad argument */
#define ENFILE 23  /* too many sockets in the system */
#define EMFILE 24  /* too many open files */
#define EFBIG 27   /* file too large */
#define ENOSPC 28  /* file system limit reached */
#define ESPIPE 29  /* not seekable (pipe, device) */
#define EPIPE 32   /* write to a pipe with no reader */
#define EDEADLK 35 /* would wait for itself (joining oneself) */
#define ENAMETOOLONG 36 /* name too long */
#define ENOSYS 38  /* no such system call */
#define ENOTEMPTY 39 /* directory not empty */
#define ENOTSOCK 88 /* not a socket */
#define EPROTONOSUPPORT 93 /* socket protocol not supported */
#define ENOTSUP 95 /* not supported on this CPU */
#define EOPNOTSUPP 95 /* operation not supported on this socket */
#define EAFNOSUPPORT 97 /* address family not supported */
#define EADDRINUSE 98 /* bind: the name exists */
#define EISCONN 106 /* already connected */
#define ENOTCONN 107 /* not connected */
#define ETIMEDOUT 110 /* a timed wait ran out */
#define ECONNREFUSED 111 /* nobody listens at that name */
#define EALREADY 114 /* a connect on this socket is under way */

#endif
