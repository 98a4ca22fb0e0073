/*
 * The server workloads of the suite, one source for exless and the Linux
 * peer (bench/server.c over the server part of plat.h):
 *
 *   webserver  static files of 1 KiB .. 64 KiB; each request: read it, open,
 *              fstat, read the file, write the response, close.
 *   kvstore    a memcached-like text protocol (get and set), 90% gets,
 *              values of 32 B .. 4 KiB in one shared hash table.
 *
 * Per point: a server process with T server threads (one per connection)
 * and a client process with T connections, each with one request in
 * flight, multiplexed with poll(). The client times every request from its
 * send to its whole response with serialized TSC reads (timing.h) and
 * checks every byte of every response against what it must be.
 */
#ifndef BENCH_SERVER_H
#define BENCH_SERVER_H

#include <stdint.h>

struct bench_config;

/* The web documents: /www/doc-<bytes>.txt for these sizes in KiB.
 * scripts/rootfs.sh packs them into exless's image from this line; the
 * Linux peer writes them to a tmpfs (bench/linux/srv.c). */
#define WEB_DOC_KIB 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64
#define WEB_DOC_MAX (64ul << 10)

/* Byte i of the document of n bytes: '\n' if i % 64 == 63, else
 * 'a' + (i * 7 + n / 1024) % 26 (scripts/rootfs.sh, the same rule). */
static inline char web_doc_byte(unsigned long n, unsigned long i)
{
	return i % 64 == 63 ? '\n' : (char)('a' + (i * 7 + n / 1024) % 26);
}

enum srv_workload { SRV_WEB, SRV_KV };

/*
 * What every process of one point needs, copied to each (plat_proc_start):
 * no pointers. root is prefixed to every file and socket path ("" on the
 * guests; a directory in the host test).
 */
struct srv_job {
	uint32_t workload;       /* enum srv_workload */
	uint32_t threads;        /* server threads = client connections */
	uint32_t requests;       /* measured requests */
	uint32_t warmup;         /* untimed requests before them */
	uint32_t corrupt_every;  /* host test only: the server spoils every Nth response */
	int32_t lfd;             /* the listening socket, inherited */
	uint64_t tsc_hz;
	uint64_t overhead;       /* tsc_overhead() of the suite */
	uint64_t server_cpus;    /* mask */
	uint64_t syscall_cpus;   /* mask: flexsc's syscall cores, 0 for syscall */
	uint32_t client_cpu;
	char mode[16];           /* plat_srv_modes[] */
	char root[64];
};

/* One point: starts the server and the client, waits for both and returns
 * 0, or 1 after an error line. The client prints the result line. */
int srv_point(const struct srv_job *job);

/*
 * The server's CPUs, its user cores (a mask), on a machine of ncpus CPUs
 * whose CPUs in sc serve the mode's calls, the client being on CPU 0: want
 * of them (0: every one the mode leaves free), taken from CPUs 1, 2, ...
 * not in sc, then CPU 0; with want 0, CPU 0 only when no other is left.
 * 0 when fewer than want are free.
 */
unsigned long srv_cpus(unsigned ncpus, unsigned long sc, unsigned want);

/* bench=webserver (SRV_WEB) or kvstore (SRV_KV) over every mode of the
 * platform and each thread count of cfg; how many points failed. */
int srv_bench(const struct bench_config *cfg, enum srv_workload w);

#endif
