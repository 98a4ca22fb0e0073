/* Command-line options: each one known here, every other word reported. */
#include "cmdline.h"
#include "console.h"
#include "mm.h"
#include "param.h"
#include "test.h"

char cmdline[CMDLINE_MAX];
struct boot_options boot_opts;

static bool parse_u64(const char *s, size_t n, u64 *out)
{
	u64 v = 0;
	if (!n || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool parse_cpu_list(const char *s, size_t n, u64 *mask)
{
	u64 m = 0;
	size_t i = 0;
	if (n == 4 && !strncmp(s, "none", 4)) {
		*mask = 0;
		return true;
	}
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != ',' && s[j] != '-')
			j++;
		u64 lo, hi;
		if (!parse_u64(s + i, j - i, &lo))
			return false;
		hi = lo;
		if (j < n && s[j] == '-') {
			size_t k = ++j;
			while (j < n && s[j] != ',')
				j++;
			if (!parse_u64(s + k, j - k, &hi))
				return false;
		}
		if (lo > hi || hi >= MAX_CPUS)
			return false;
		for (u64 c = lo; c <= hi; c++)
			m |= 1ul << c;
		if (j < n && s[j] == ',' && j + 1 == n)
			return false; /* trailing comma */
		i = j + 1;
	}
	*mask = m;
	return n > 0;
}

static bool word_is(const char *w, size_t n, const char *key)
{
	return strlen(key) == n && !strncmp(w, key, n);
}

static void append_bench_arg(struct boot_options *o, const char *w, size_t n)
{
	size_t len = strlen(o->bench_args);
	if (len + n + 2 > sizeof(o->bench_args))
		return;
	if (len)
		o->bench_args[len++] = ' ';
	memcpy(o->bench_args + len, w, n);
	o->bench_args[len + n] = 0;
}

static bool parse_word(const char *w, size_t n, struct boot_options *o)
{
	const char *eq = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] == '=') {
			eq = w + i;
			break;
		}
	size_t klen = eq ? (size_t)(eq - w) : n;
	const char *val = eq ? eq + 1 : 0;
	size_t vlen = eq ? n - klen - 1 : 0;

	if (word_is(w, n, "test")) {
		o->test = true;
		return true;
	}
	if (word_is(w, n, "bench")) {
		o->bench = true;
		return true;
	}
	if (word_is(w, klen, "test") && eq) {
		if (!vlen || vlen >= sizeof(o->test_filter))
			return false;
		o->test = true;
		strncpy0(o->test_filter, val, vlen + 1);
		return true;
	}
	if (klen > 6 && !strncmp(w, "bench.", 6) && eq && vlen) {
		append_bench_arg(o, w, n);
		return true;
	}
	if (klen > 5 && !strncmp(w, "fuzz.", 5) && eq && vlen)
		return true; /* the fuzzer reads its options from sysinfo.cmdline */
	if (word_is(w, klen, "flexsc.cores") && eq) {
		o->flexsc_cpus_set = true;
		return parse_cpu_list(val, vlen, &o->flexsc_cpus);
	}
	if (word_is(w, klen, "flexsc.poll_us") && eq)
		return parse_u64(val, vlen, &o->flexsc_poll_us);
	if (word_is(w, klen, "flexsc.single") && eq) {
		o->flexsc_switch = word_is(val, vlen, "switch");
		return o->flexsc_switch || word_is(val, vlen, "inline");
	}
	if (word_is(w, klen, "pti") && eq) {
		o->pti = word_is(val, vlen, "on");
		return o->pti || word_is(val, vlen, "off");
	}
	if (word_is(w, klen, "init") && eq) {
		if (!vlen || vlen >= sizeof(o->init))
			return false;
		strncpy0(o->init, val, vlen + 1);
		return true;
	}
	return false;
}

int cmdline_parse(const char *s, struct boot_options *o)
{
	memset(o, 0, sizeof(*o));
	o->flexsc_poll_us = FLEXSC_POLL_US;
	strncpy0(o->init, "sh", sizeof(o->init));
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		if (n && !parse_word(s, n, o)) {
			kprintf("cmdline: unknown or malformed option '%.*s' ignored\n", (int)n, s);
			o->errors++;
		}
		s += n;
	}
	return o->errors;
}

KTEST(cmdline_good_options)
{
	struct boot_options o;
	KEXPECT_EQ(cmdline_parse("test=pmm flexsc.cores=1-2,5 flexsc.poll_us=50 bench.iters=10 init=foo fuzz.calls=5 pti=on flexsc.single=switch", &o), 0);
	KEXPECT(o.pti);
	KEXPECT(o.flexsc_switch);
	KEXPECT(o.test);
	KEXPECT(!strcmp(o.test_filter, "pmm"));
	KEXPECT_EQ(o.flexsc_cpus, 0x26);
	KEXPECT_EQ(o.flexsc_poll_us, 50);
	KEXPECT(!strcmp(o.bench_args, "bench.iters=10"));
	KEXPECT(!strcmp(o.init, "foo"));
	KEXPECT_EQ(cmdline_parse("", &o), 0);
	KEXPECT(!o.test && !o.bench && !o.pti && !o.flexsc_switch);
	KEXPECT_EQ(cmdline_parse("flexsc.single=switch flexsc.single=inline", &o), 0);
	KEXPECT(!o.flexsc_switch);
	KEXPECT_EQ(cmdline_parse("pti=on pti=off", &o), 0);
	KEXPECT(!o.pti);
}

KTEST(cmdline_bad_options)
{
	struct boot_options o;
	static const char *const bad[] = {
		"bogus", "flexsc.cores=", "flexsc.cores=x", "flexsc.cores=3-1", "flexsc.cores=1,",
		"flexsc.cores=64", "flexsc.poll_us=-1", "flexsc.poll_us=99999999999999999999", "test=",
		"init=", "init=waytoolongprogramname", "bench.iters", "fuzz.calls", "fuzz.=1",
		"pti", "pti=", "pti=yes", "pti=onn", "flexsc.single", "flexsc.single=", "flexsc.single=inlined",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		KEXPECT_EQ(cmdline_parse(bad[i], &o), 1);
	KEXPECT_EQ(cmdline_parse("a b  c", &o), 3);
	KEXPECT_EQ(cmdline_parse("flexsc.cores=none", &o), 0);
	KEXPECT(o.flexsc_cpus_set && o.flexsc_cpus == 0);
}
