/*
 * Host test of the server workloads (bench/server.c over srv.c), run by
 * bench/linux/srvtest.sh: each workload with 1 and 3 server threads must
 * pass the client's checks of every response, and a server that spoils
 * one response in seven must be caught.
 *   srvtest DIR   (DIR: an empty directory for the documents and the socket)
 * Prints the @@BENCH lines and "srvtest: N passed, N failed"; exit status 0
 * when all passed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../plat.h"
#include "../server.h"
#include "../timing.h"
#include "host.h"
#include "srv.h"

int main(int argc, char **argv)
{
	static const unsigned threads[] = { 1, 3 };
	int passed = 0, failed = 0, r;

	if (argc != 2 || strlen(argv[1]) >= sizeof(((struct srv_job *)0)->root) - 16) {
		fprintf(stderr, "usage: srvtest DIR (a short path)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	host_init(20);
	if ((r = srv_web_docs_write(argv[1]))) {
		fprintf(stderr, "srvtest: cannot write the documents under %s: %s\n", argv[1],
			strerror(-r));
		return 1;
	}
	/* The user cores: CPUs 1.. free of syscall cores, then CPU 0. */
	static const struct { unsigned ncpus; unsigned long sc; unsigned want; unsigned long cpus; } place[] = {
		{ 2, 0x2, 0, 0x1 }, { 2, 0x0, 0, 0x2 }, { 1, 0x0, 0, 0x1 }, { 4, 0x8, 0, 0x6 },
		{ 4, 0x8, 2, 0x6 }, { 4, 0xc, 2, 0x3 }, { 4, 0xc, 3, 0x0 }, { 4, 0x0, 4, 0xf },
		{ 4, 0x0, 1, 0x2 }, { 64, 0x0, 64, ~0ul },
	};
	for (unsigned i = 0; i < sizeof(place) / sizeof(place[0]); i++) {
		unsigned long got = srv_cpus(place[i].ncpus, place[i].sc, place[i].want);
		int ok = got == place[i].cpus;

		printf("srvtest: %s srv_cpus(%u, %#lx, %u) = %#lx (want %#lx)\n", ok ? "ok" : "FAILED",
		       place[i].ncpus, place[i].sc, place[i].want, got, place[i].cpus);
		passed += ok;
		failed += !ok;
	}
	for (int w = SRV_WEB; w <= SRV_KV; w++) {
		for (unsigned t = 0; t < 2; t++) {
			for (int corrupt = 0; corrupt <= 1; corrupt++) {
				struct srv_job job = {
					.workload = (uint32_t)w,
					.threads = threads[t],
					.requests = 300,
					.warmup = 30,
					.corrupt_every = corrupt ? 7 : 0,
					.lfd = -1,
					.tsc_hz = plat_tsc_hz(),
					.overhead = tsc_overhead(100),
					.server_cpus = (1ul << plat_ncpus()) - 1,
					.client_cpu = 0,
					.mode = "syscall",
				};
				int ok;

				strcpy(job.root, argv[1]);
				r = srv_point(&job);
				ok = corrupt ? r != 0 : r == 0;
				printf("srvtest: %s %s threads=%u%s\n", ok ? "ok" : "FAILED",
				       w == SRV_WEB ? "webserver" : "kvstore", threads[t],
				       corrupt ? " (a spoilt response must be caught)" : "");
				passed += ok;
				failed += !ok;
			}
		}
	}
	printf("srvtest: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
