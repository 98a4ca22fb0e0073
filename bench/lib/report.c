/* "@@BENCH" lines: see report.h. */
#include "report.h"

enum report_format report_format = REPORT_RAW;
static int table_header_done;

static void sift_down(uint64_t *v, unsigned root, unsigned n)
{
	for (;;) {
		unsigned child = 2 * root + 1;
		uint64_t t;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

void report_sort(uint64_t *v, unsigned n)
{
	unsigned i;

	for (i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (i = n; i-- > 1;) {
		uint64_t t = v[0];

		v[0] = v[i];
		v[i] = t;
		sift_down(v, 0, i);
	}
}

/* The sample at or above which p percent of the sorted samples lie. */
static uint64_t rank(const uint64_t *sorted, unsigned n, unsigned p)
{
	unsigned long k = ((unsigned long)n * p + 99) / 100;

	return sorted[k ? k - 1 : 0];
}

void report_stats(uint64_t *samples, unsigned n, struct report_stats *st)
{
	uint64_t sum = 0;
	unsigned i;

	report_sort(samples, n);
	for (i = 0; i < n; i++)
		sum += samples[i];
	st->min = samples[0];
	st->median = rank(samples, n, 50);
	st->p99 = rank(samples, n, 99);
	st->max = samples[n - 1];
	st->mean10 = (sum * 10 + n / 2) / n;
}

/* Prints " key=value", quoting the value when it must be. */
static void put_str(const char *key, const char *val)
{
	char buf[320];
	int quote = !*val;
	unsigned i;

	for (i = 0; val[i] && i < sizeof(buf) - 1; i++) {
		char c = val[i];

		if (c == '\t' || c == '\n' || c == '\r')
			c = ' ';
		else if (c == '"')
			c = '\'';
		quote |= c == ' ';
		buf[i] = c;
	}
	buf[i] = 0;
	if (quote)
		report_printf(" %s=\"%s\"", key, buf);
	else
		report_printf(" %s=%s", key, buf);
}

/* Prints before, then v, the total of per calls (per 0 or 1: of one), per
 * call: whole, or to three decimals (rounded half up); right-aligned in
 * width columns (0: as it is). */
static void put_per_call(const char *before, unsigned width, uint64_t v, unsigned per)
{
	uint64_t whole, milli;

	report_printf("%s", before);
	if (per <= 1) {
		report_printf("%*lu", (int)width, (unsigned long)v);
		return;
	}
	whole = v / per;
	milli = ((v % per) * 1000 + per / 2) / per;
	if (milli == 1000) {
		whole++;
		milli = 0;
	}
	report_printf("%*lu.%03lu", (int)(width > 4 ? width - 4 : 0), (unsigned long)whole, (unsigned long)milli);
}

/* One row of the table format; the header before the first. */
static void table_line(const struct report_point *pt, const struct report_stats *st, unsigned n)
{
	if (!table_header_done) {
		report_printf("%-9s %-16s %5s %5s %7s %7s %8s %9s %9s %9s %10s\n", "bench", "path",
			      "batch", "cores", "threads", "bytes", "iters", "min", "median", "p99",
			      "ops/s");
		table_header_done = 1;
	}
	report_printf("%-9s %-16s %5u %5u %7u %7lu %8u", pt->bench, pt->path, pt->batch,
		      pt->syscall_cores, pt->user_threads, pt->size_bytes, n);
	put_per_call(" ", 9, st->min, pt->per);
	put_per_call(" ", 9, st->median, pt->per);
	put_per_call(" ", 9, st->p99, pt->per);
	if (pt->ops_per_sec)
		report_printf(" %10lu", pt->ops_per_sec);
	report_printf("\n");
}

void report_line(const struct report_point *pt, const struct report_stats *st, unsigned n)
{
	if (report_format == REPORT_TABLE) {
		table_line(pt, st, n);
		return;
	}
	report_printf("@@BENCH result system=%s bench=%s path=%s batch=%u syscall_cores=%u"
		      " user_threads=%u size_bytes=%lu iters=%u",
		      pt->system, pt->bench, pt->path, pt->batch, pt->syscall_cores,
		      pt->user_threads, pt->size_bytes, n);
	put_per_call(" min=", 0, st->min, pt->per);
	put_per_call(" median=", 0, st->median, pt->per);
	put_per_call(" p99=", 0, st->p99, pt->per);
	put_per_call(" max=", 0, st->max, pt->per);
	if (pt->per > 1)
		put_per_call(" mean=", 0, st->mean10, pt->per * 10);
	else
		report_printf(" mean=%lu.%lu", (unsigned long)(st->mean10 / 10), (unsigned long)(st->mean10 % 10));
	if (pt->ops_per_sec)
		report_printf(" ops_per_sec=%lu", pt->ops_per_sec);
	report_printf(" tsc_overhead=%lu", (unsigned long)pt->tsc_overhead);
	if (pt->sim_window)
		report_printf(" sim_window=%u sim_units=%lu%s", pt->sim_window, pt->sim_units,
			      pt->sim_user ? " sim_scope=user" : "");
	if (pt->sim_window && pt->sim_windows > 1)
		report_printf(" sim_windows=%u sim_stride=%u", pt->sim_windows, pt->sim_stride);
	if (pt->extra && *pt->extra)
		report_printf(" %s", pt->extra);
	report_printf("\n");
}

void report_result(const struct report_point *pt, uint64_t *samples, unsigned n)
{
	struct report_stats st;

	report_stats(samples, n, &st);
	report_line(pt, &st, n);
}

void report_meta(const struct report_meta *m)
{
	if (report_format == REPORT_TABLE) {
		report_printf("%s on %s (%s, hypervisor %s), %u CPUs, TSC %lu Hz\n", m->system,
			      m->cpu_model, m->cpu_vendor, m->hypervisor, m->cpus,
			      (unsigned long)m->tsc_hz);
		if (m->extra && *m->extra)
			report_printf("  %s\n", m->extra);
		report_printf("min / median / p99: TSC cycles per call (under TCG: emulated time, not"
			      " hardware), timing overhead taken off\n");
		table_header_done = 0;
		return;
	}
	report_printf("@@BENCH meta system=%s", m->system);
	put_str("cpu_vendor", m->cpu_vendor);
	put_str("cpu_model", m->cpu_model);
	report_printf(" tsc_hz=%lu cpus=%u", (unsigned long)m->tsc_hz, m->cpus);
	if (m->extra && *m->extra)
		report_printf(" %s", m->extra);
	put_str("hypervisor", m->hypervisor);
	put_str("cmdline", m->cmdline);
	report_printf("\n");
}

void report_error(const char *system, const char *bench, const char *path, const char *msg,
		  long result)
{
	if (report_format == REPORT_TABLE) {
		report_printf("error:%s%s%s%s %s", bench ? " " : "", bench ? bench : "", path ? " " : "",
			      path ? path : "", msg);
		if (result)
			report_printf(" (returned %s%lu)", result < 0 ? "-" : "",
				      result < 0 ? -(unsigned long)result : (unsigned long)result);
		report_printf("\n");
		return;
	}
	report_printf("@@BENCH error system=%s", system);
	if (bench)
		report_printf(" bench=%s", bench);
	if (path)
		report_printf(" path=%s", path);
	if (result)
		report_printf(" result=%s%lu", result < 0 ? "-" : "",
			      result < 0 ? -(unsigned long)result : (unsigned long)result);
	put_str("msg", msg);
	report_printf("\n");
}

void report_skip(const char *system, const char *bench, const char *path, const char *msg)
{
	if (report_format == REPORT_TABLE) {
		report_printf("skipped: %s %s: %s\n", bench, path, msg);
		return;
	}
	report_printf("@@BENCH skip system=%s bench=%s path=%s", system, bench, path);
	put_str("msg", msg);
	report_printf("\n");
}

void report_done(void)
{
	if (report_format == REPORT_TABLE)
		return;
	report_printf("@@BENCH done\n");
}
