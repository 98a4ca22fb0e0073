/* Local stream sockets named by path (socket.c). */
#ifndef SOCKET_H
#define SOCKET_H

#include "types.h"

struct sock;
/* One more reference on s (vfs_sock_get, for a connect under way). */
void sock_hold(struct sock *s);
/* Sockets that exist now (accepted and queued ones too). */
u64 sock_count(void);

#endif
