/* Linux only, beside the platform layer of srv.c. */
#ifndef BENCH_LINUX_SRV_H
#define BENCH_LINUX_SRV_H

/* Writes the web documents (server.h) to dir/www/doc-<bytes>.txt, making
 * dir/www if needed: 0, or -errno. */
int srv_web_docs_write(const char *dir);

#endif
