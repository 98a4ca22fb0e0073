/* The shared benchmark loops: see suite.h and plat.h (the server workloads
 * are in server.c). */
#include "plat.h"
#include "server.h"
#include "suite.h"
#include "timing.h"

/* Untimed rounds before each measurement: they fault in pages, warm caches
 * and TLBs, and let lazy setup (io_uring's first submission) happen. */
#define WARMUP 64
/* bench=batch samples at least this many batches, however large they are:
 * a p99 of fewer means little. */
#define MIN_SAMPLES 32
#define PINGPONG_CPU 1

uint64_t *bench_samples;
static unsigned char *buf;
static uint64_t overhead;

void bench_point_init(struct report_point *pt, const char *bench, const char *path)
{
	*pt = (struct report_point){
		.system = plat_system,
		.bench = bench,
		.path = path,
		.batch = 1,
		.user_threads = 1,
		.tsc_overhead = overhead,
	};
}

static unsigned sim_windows;
unsigned bench_window(void)
{
	sim_window_next();
	return ++sim_windows;
}

uint64_t bench_cycles(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	return d > overhead ? d - overhead : 0;
}

static unsigned max_samples(const struct bench_config *cfg)
{
	return cfg->iters > MIN_SAMPLES ? cfg->iters : MIN_SAMPLES;
}

/* bench=nullcall and bench=floor: one call per sample, per trapping path. */
static int bench_calls(const struct bench_config *cfg, const char *bench,
		       plat_call_fn (*get)(const char *path))
{
	const char *const *path;
	int failed = 0;

	for (path = plat_paths; *path; path++) {
		plat_call_fn fn = get(*path);
		struct report_point pt;
		unsigned i, win;
		long r = 0;

		if (!fn)
			continue;
		for (i = 0; i < WARMUP && r >= 0; i++)
			r = fn();
		win = bench_window();
		for (i = 0; i < cfg->iters && r >= 0; i++) {
			uint64_t t0 = tsc_begin();

			r = fn();
			bench_samples[i] = bench_cycles(t0, tsc_end());
		}
		bench_window();
		if (r < 0) {
			report_error(plat_system, bench, *path, "call failed", r);
			failed++;
			continue;
		}
		bench_point_init(&pt, bench, *path);
		pt.syscall_cores = plat_syscall_cores(*path);
		pt.sim_window = win;
		pt.sim_units = cfg->iters;
		report_result(&pt, bench_samples, cfg->iters);
	}
	return failed;
}

/* One size over one op; 0, or what the call that moved less than size
 * returned. */
static long size_point(const struct bench_config *cfg, const char *path, int write, int fd,
		       unsigned long size)
{
	struct report_point pt;
	unsigned i, win = 0;

	for (i = 0; i < WARMUP + cfg->iters; i++) {
		if (i == WARMUP)
			win = bench_window();
		uint64_t t0 = tsc_begin();
		long r = write ? plat_write(fd, buf, size) : plat_read(fd, buf, size);
		uint64_t t1 = tsc_end();

		if (r != (long)size) {
			bench_window();
			return r ? r : -1;
		}
		if (i >= WARMUP)
			bench_samples[i - WARMUP] = bench_cycles(t0, t1);
	}
	bench_window();
	bench_point_init(&pt, "size", path);
	pt.sim_window = win;
	pt.sim_units = cfg->iters;
	pt.size_bytes = size;
	pt.extra = write ? "op=write" : "op=read";
	report_result(&pt, bench_samples, cfg->iters);
	return 0;
}

/* bench=size: writes to "null" and reads from "zero", per path and size. */
static int bench_size(const struct bench_config *cfg)
{
	int fds[2] = { plat_open("null"), plat_open("zero") };
	const char *const *path;
	int failed = 0;

	if (fds[0] < 0 || fds[1] < 0) {
		report_error(plat_system, "size", 0, "cannot open the null and zero devices",
			     fds[0] < 0 ? fds[0] : fds[1]);
		return 1;
	}
	for (path = plat_paths; *path; path++) {
		int write;
		unsigned s;

		if (plat_path_set(*path) < 0)
			continue;
		for (write = 1; write >= 0; write--) {
			for (s = 0; s < cfg->nsizes; s++) {
				long r = size_point(cfg, *path, write, fds[!write], cfg->sizes[s]);

				if (r) {
					report_error(plat_system, "size", *path,
						     write ? "short or failed write" :
							     "short or failed read", r);
					failed++;
					break;
				}
			}
		}
	}
	return failed;
}

/* One batch size over an open batch path; 0, or the error of the batch
 * that failed. */
static int batch_point(const struct bench_config *cfg, const char *path, unsigned b)
{
	unsigned n = cfg->iters / b > MIN_SAMPLES ? cfg->iters / b : MIN_SAMPLES;
	struct report_point pt;
	struct report_stats st;
	unsigned i, win = 0;

	for (i = 0; i < WARMUP + n; i++) {
		if (i == WARMUP)
			win = bench_window();
		uint64_t t0 = tsc_begin();
		int r = plat_batch_nops(b);
		uint64_t t1 = tsc_end();

		if (r < 0) {
			bench_window();
			return r;
		}
		if (i >= WARMUP)
			bench_samples[i - WARMUP] = bench_cycles(t0, t1); /* the batch's: reported per call */
	}
	bench_window();
	report_stats(bench_samples, n, &st);
	bench_point_init(&pt, "batch", path);
	pt.batch = b;
	pt.per = b;
	pt.syscall_cores = plat_syscall_cores(path);
	pt.sim_window = win;
	pt.sim_units = (unsigned long)n * b;
	if (st.mean10)
		pt.ops_per_sec = (unsigned long)(plat_tsc_hz() * 10 * b / st.mean10);
	report_line(&pt, &st, n);
	return 0;
}

/* bench=batch: cycles per call for each batch size, per batch path. */
static int bench_batch(const struct bench_config *cfg)
{
	const char *const *path;
	unsigned max = 0, b;
	int failed = 0;

	for (b = 0; b < cfg->nbatches; b++)
		if (cfg->batches[b] > max)
			max = cfg->batches[b];
	for (path = plat_batch_paths; *path; path++) {
		int r = plat_batch_open(*path, max);

		if (r > 0)
			continue;
		if (r < 0) {
			report_error(plat_system, "batch", *path, "cannot set up the batch path", r);
			failed++;
			continue;
		}
		for (b = 0; b < cfg->nbatches; b++) {
			r = batch_point(cfg, *path, cfg->batches[b]);
			if (r) {
				report_error(plat_system, "batch", *path, "batch failed", r);
				failed++;
				break;
			}
		}
		plat_batch_close();
	}
	return failed;
}

/* The shared line: odd values are pings from CPU 0, even values pongs. */
struct pingpong {
	_Alignas(64) uint64_t line;
	uint64_t rounds;
};

static void spin_until(uint64_t *line, uint64_t v)
{
	while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != v)
		__asm__ volatile("pause");
}

static void pingpong_peer(void *arg)
{
	struct pingpong *pp = arg;
	uint64_t i;

	for (i = 1; i <= pp->rounds; i++) {
		spin_until(&pp->line, 2 * i - 1);
		__atomic_store_n(&pp->line, 2 * i, __ATOMIC_RELEASE);
	}
}

/* bench=pingpong: one cache line's round trip between CPU 0 and CPU 1, the
 * hardware's floor under any cross-core call. */
static int bench_pingpong(const struct bench_config *cfg)
{
	struct pingpong *pp;
	struct report_point pt;
	uint64_t i;
	unsigned win = 0;
	int r;

	if (plat_ncpus() <= PINGPONG_CPU)
		return 0;
	if (!(pp = plat_alloc(sizeof(*pp)))) {
		report_error(plat_system, "pingpong", "none", "out of memory", 0);
		return 1;
	}
	pp->line = 0;
	pp->rounds = WARMUP + cfg->iters;
	if ((r = plat_peer_start(PINGPONG_CPU, pingpong_peer, pp)) < 0) {
		report_error(plat_system, "pingpong", "none", "cannot start the peer on CPU 1", r);
		return 1;
	}
	for (i = 1; i <= pp->rounds; i++) {
		if (i == WARMUP + 1)
			win = bench_window();
		uint64_t t0 = tsc_begin();

		__atomic_store_n(&pp->line, 2 * i - 1, __ATOMIC_RELEASE);
		spin_until(&pp->line, 2 * i);
		if (i > WARMUP)
			bench_samples[i - WARMUP - 1] = bench_cycles(t0, tsc_end());
	}
	bench_window();
	if ((r = plat_peer_join()) < 0) {
		report_error(plat_system, "pingpong", "none", "cannot join the peer", r);
		return 1;
	}
	bench_point_init(&pt, "pingpong", "none");
	pt.user_threads = 2;
	pt.sim_window = win;
	pt.sim_units = cfg->iters;
	report_result(&pt, bench_samples, cfg->iters);
	return 0;
}

int bench_suite(const struct bench_config *cfg)
{
	unsigned long max_size = 0;
	unsigned id, s;
	int failed = 0;

	for (s = 0; s < cfg->nsizes; s++)
		if (cfg->sizes[s] > max_size)
			max_size = cfg->sizes[s];
	bench_samples = plat_alloc(max_samples(cfg) * sizeof(*bench_samples));
	buf = plat_alloc(max_size);
	if (!bench_samples || !buf) {
		report_error(plat_system, 0, 0, "out of memory for samples and buffers", 0);
		return 1;
	}
	overhead = tsc_overhead(1000);

	for (id = 0; id < BENCH_COUNT; id++) {
		if (!(cfg->list & 1u << id))
			continue;
		switch (id) {
		case BENCH_NULL:
			failed += bench_calls(cfg, "nullcall", plat_null_fn);
			break;
		case BENCH_FLOOR:
			failed += bench_calls(cfg, "floor", plat_floor_fn);
			break;
		case BENCH_PINGPONG:
			failed += bench_pingpong(cfg);
			break;
		case BENCH_BATCH:
			failed += bench_batch(cfg);
			break;
		case BENCH_SIZE:
			failed += bench_size(cfg);
			break;
		case BENCH_WEBSERVER:
			failed += srv_bench(cfg, SRV_WEB);
			break;
		case BENCH_KVSTORE:
			failed += srv_bench(cfg, SRV_KV);
			break;
		default:
			failed += plat_bench(bench_names[id], cfg) < 0;
		}
	}
	return failed;
}
