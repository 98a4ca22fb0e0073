/* The bench.* options of the kernel command line: see suite.h. */
#include "suite.h"

const char *const bench_names[BENCH_COUNT] = {
	[BENCH_NULL] = "nullcall",
	[BENCH_FLOOR] = "floor",
	[BENCH_PINGPONG] = "pingpong",
	[BENCH_BATCH] = "batch",
	[BENCH_CORES] = "cores",
	[BENCH_SIZE] = "size",
	[BENCH_INDIRECT] = "indirect",
	[BENCH_SERVER] = "server",
	[BENCH_WEBSERVER] = "webserver",
	[BENCH_KVSTORE] = "kvstore",
};

static int is_end(char c)
{
	return c == 0 || c == ' ' || c == '\t' || c == '\n';
}

/* If word starts with key, the text after it; otherwise NULL. */
static const char *after(const char *word, const char *key)
{
	while (*key)
		if (*word++ != *key++)
			return 0;
	return word;
}

/* A decimal number in 1..max ending at ',' or the end of the word. */
static const char *number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return 0;
	}
	if (v == 0 || (*s != ',' && !is_end(*s)))
		return 0;
	*out = v;
	return s;
}

/* A comma-separated list of numbers in 1..max; count of them, or 0. */
static unsigned number_list(const char *s, unsigned long max, unsigned long *out)
{
	unsigned n = 0;

	for (;;) {
		if (n == BENCH_LIST_MAX || !(s = number(s, max, &out[n])))
			return 0;
		n++;
		if (is_end(*s))
			return n;
		s++;
	}
}

/* A comma-separated list of bench names; mask of them, or 0. */
static unsigned name_list(const char *s)
{
	unsigned mask = 0;

	for (;;) {
		unsigned id;
		const char *rest = 0;

		for (id = 0; id < BENCH_COUNT; id++) {
			rest = after(s, bench_names[id]);
			if (rest && (*rest == ',' || is_end(*rest)))
				break;
		}
		if (id == BENCH_COUNT)
			return 0;
		mask |= 1u << id;
		if (is_end(*rest))
			return mask;
		s = rest + 1;
	}
}

static void set_defaults(struct bench_config *cfg)
{
	unsigned i;

	cfg->iters = 10000;
	/* All but the server workloads, which take minutes under emulation. */
	cfg->list = ((1u << BENCH_COUNT) - 1) & ~(1u << BENCH_WEBSERVER | 1u << BENCH_KVSTORE);
	cfg->nbatches = 9;
	for (i = 0; i < cfg->nbatches; i++)
		cfg->batches[i] = 1u << i;
	cfg->nsizes = 9;
	for (i = 0; i < cfg->nsizes; i++)
		cfg->sizes[i] = 1ul << 2 * i;
	cfg->nthreads = 3;
	for (i = 0; i < cfg->nthreads; i++)
		cfg->threads[i] = 1u << 2 * i;
	cfg->nworks = 3;
	for (i = 0; i < cfg->nworks; i++)
		cfg->works[i] = 256u << 2 * i;
	cfg->requests = 500;
	cfg->user_cores = 0;
}

/* The numbers of list s, each 1..max, into out; how many, or 0 (out
 * untouched) if s is not such a list. */
static unsigned unsigned_list(const char *s, unsigned long max, unsigned *out)
{
	unsigned long v[BENCH_LIST_MAX];
	unsigned n = number_list(s, max, v);

	for (unsigned i = 0; i < n; i++)
		out[i] = (unsigned)v[i];
	return n;
}

/* One option word; NULL, or what is wrong with it. */
static const char *option(struct bench_config *cfg, const char *w)
{
	unsigned long v[BENCH_LIST_MAX];
	const char *s;
	unsigned i, n;

	if ((s = after(w, "bench.iters="))) {
		if (number_list(s, BENCH_ITERS_MAX, v) != 1)
			return "bench.iters= wants one number in 1..1000000";
		cfg->iters = (unsigned)v[0];
	} else if ((s = after(w, "bench.batches="))) {
		if (!(n = unsigned_list(s, BENCH_BATCH_MAX, cfg->batches)))
			return "bench.batches= wants up to 16 numbers in 1..1024, comma-separated";
		cfg->nbatches = n;
	} else if ((s = after(w, "bench.sizes="))) {
		if (!(n = number_list(s, BENCH_SIZE_MAX, v)))
			return "bench.sizes= wants up to 16 numbers in 1..1048576, comma-separated";
		for (i = 0; i < n; i++)
			cfg->sizes[i] = v[i];
		cfg->nsizes = n;
	} else if ((s = after(w, "bench.threads="))) {
		if (!(n = unsigned_list(s, BENCH_THREADS_MAX, cfg->threads)))
			return "bench.threads= wants up to 16 numbers in 1..64, comma-separated";
		cfg->nthreads = n;
	} else if ((s = after(w, "bench.work="))) {
		if (!(n = unsigned_list(s, BENCH_WORK_MAX, cfg->works)))
			return "bench.work= wants up to 16 numbers in 1..4096, comma-separated";
		cfg->nworks = n;
	} else if ((s = after(w, "bench.requests="))) {
		if (number_list(s, BENCH_REQUESTS_MAX, v) != 1)
			return "bench.requests= wants one number in 1..1000000";
		cfg->requests = (unsigned)v[0];
	} else if ((s = after(w, "bench.user_cores="))) {
		if (number_list(s, BENCH_THREADS_MAX, v) != 1)
			return "bench.user_cores= wants one number in 1..64";
		cfg->user_cores = (unsigned)v[0];
	} else if ((s = after(w, "bench.list="))) {
		if (!(n = name_list(s)))
			return "bench.list= wants names among nullcall,floor,pingpong,batch,cores,size,"
			       "indirect,server,webserver,kvstore, comma-separated";
		cfg->list = n;
	} else if ((s = after(w, "bench.format="))) {
		if (after(s, "raw") && is_end(s[3]))
			report_format = REPORT_RAW;
		else if (after(s, "table") && is_end(s[5]))
			report_format = REPORT_TABLE;
		else
			return "bench.format= wants raw (@@BENCH lines) or table";
	} else if (after(w, "bench.")) {
		return "unknown bench.* option: the known ones are bench.iters, bench.batches,"
		       " bench.sizes, bench.list, bench.threads, bench.work, bench.requests, bench.user_cores"
		       " and bench.format";
	}
	return 0;
}

const char *bench_config_parse(struct bench_config *cfg, const char *cmdline)
{
	const char *p = cmdline;

	set_defaults(cfg);
	for (;;) {
		const char *err;

		while (*p && is_end(*p))
			p++;
		if (!*p)
			return 0;
		if ((err = option(cfg, p)))
			return err;
		while (!is_end(*p))
			p++;
	}
}
