/* The server workloads, webserver and kvstore: see server.h. Freestanding:
 * no libc, only the platform layer (plat.h). */
#include "plat.h"
#include "report.h"
#include "server.h"
#include "suite.h"
#include "timing.h"

/* A response later than this is an error (emulated machines are slow). */
#define POLL_MS 60000
/* A request: a line, and a kvstore set's value after it. */
#define REQ_MAX (KV_VALUE_MAX + 256)
/* Room for a response's header in front of its body. */
#define HDR_ROOM 64
#define KV_VALUE_MIN 32
#define KV_VALUE_MAX 4096
#define KV_KEY_MAX 32
#define KV_KEYS_PER_CONN 8
#define KV_BUCKETS 1024
#define KV_GET_PCT 90

static const unsigned long web_doc_kib[] = { WEB_DOC_KIB };
#define WEB_DOCS (sizeof(web_doc_kib) / sizeof(web_doc_kib[0]))

static const char *const workload_names[] = { [SRV_WEB] = "webserver", [SRV_KV] = "kvstore" };

/* ---- small string helpers ---- */

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, unsigned long v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = d[--n];
	return p;
}

static char *put_hex(char *p, unsigned long v)
{
	int shift = 60;

	p = put_str(p, "0x");
	while (shift > 0 && !(v >> shift & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[v >> shift & 0xf];
	return p;
}

/* A decimal number at p, before end, followed by stop; the byte after
 * stop, or NULL. */
static const char *get_num(const char *p, const char *end, char stop, unsigned long *v)
{
	const char *start = p;

	*v = 0;
	while (p < end && *p >= '0' && *p <= '9' && p - start < 9)
		*v = *v * 10 + (unsigned long)(*p++ - '0');
	return p > start && p < end && *p == stop ? p + 1 : 0;
}

/* root followed by n bytes of path, NUL-terminated, into out; 0 or -1. */
static int path_join(char *out, unsigned long size, const char *root, const char *path,
		     unsigned long n)
{
	unsigned long r = str_len(root);

	if (r + n + 1 > size)
		return -1;
	__builtin_memcpy(out, root, r);
	__builtin_memcpy(out + r, path, n);
	out[r + n] = 0;
	return 0;
}

static long write_all(int fd, const char *p, unsigned long n)
{
	while (n) {
		long r = plat_fd_write(fd, p, n);

		if (r <= 0)
			return r ? r : -1;
		p += r;
		n -= (unsigned long)r;
	}
	return 0;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* ---- kvstore values: the client's rule, which the server never sees ---- */

static uint64_t kv_mix(unsigned long key, unsigned ver)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull ^ (uint64_t)ver * 0xc2b2ae3d27d4eb4full;

	h ^= h >> 31;
	return h * 0xbf58476d1ce4e5b9ull;
}

static unsigned long kv_len(unsigned long key, unsigned ver)
{
	return KV_VALUE_MIN + kv_mix(key, ver) % (KV_VALUE_MAX - KV_VALUE_MIN + 1);
}

static void kv_fill(char *buf, unsigned long key, unsigned ver, unsigned long n)
{
	uint64_t h = kv_mix(key, ver) >> 7;

	for (unsigned long i = 0; i < n; i++)
		buf[i] = (char)('A' + (h + i * 131) % 58);
}

/* ---- the server ---- */

/* The table of one server process, shared by its threads: chained
 * buckets, each under a spin lock that is never held across a call. */
struct kv_item {
	struct kv_item *next;
	unsigned long klen, vlen;
	char key[KV_KEY_MAX];
	char val[];
};

struct kv_bucket {
	int lock;
	struct kv_item *head;
};

static struct kv_bucket *kv_table;

static struct kv_bucket *kv_create(void)
{
	struct kv_bucket *t = plat_malloc(KV_BUCKETS * sizeof(*t));

	for (unsigned i = 0; t && i < KV_BUCKETS; i++)
		t[i] = (struct kv_bucket){ 0, 0 };
	return t;
}

static struct kv_bucket *kv_bucket_of(const char *key, unsigned long n)
{
	uint32_t h = 2166136261u;

	for (unsigned long i = 0; i < n; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return &kv_table[h % KV_BUCKETS];
}

static void kv_lock(int *l)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
			if (++spins % 128 == 0)
				plat_yield();
			else
				__asm__ volatile("pause");
		}
}

static void kv_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static struct kv_item **kv_find(struct kv_bucket *b, const char *key, unsigned long n)
{
	struct kv_item **pp = &b->head;

	while (*pp && ((*pp)->klen != n || __builtin_memcmp((*pp)->key, key, n)))
		pp = &(*pp)->next;
	return pp;
}

/* One connection of one server thread. */
struct srv_conn {
	const struct srv_job *job;
	int fd;
	char *rx;            /* REQ_MAX bytes, len of them buffered */
	unsigned long len;
	char *out;           /* HDR_ROOM + WEB_DOC_MAX bytes */
	unsigned long served;
};

/* Reads until rx holds need bytes: 0, or < 0 (-1 at EOF). */
static long srv_fill(struct srv_conn *c, unsigned long need)
{
	if (need > REQ_MAX)
		return -1;
	while (c->len < need) {
		long r = plat_fd_read(c->fd, c->rx + c->len, REQ_MAX - c->len);

		if (r <= 0)
			return r ? r : -1;
		c->len += (unsigned long)r;
	}
	return 0;
}

/* The length of the request line at the start of rx, '\n' included, reading
 * as needed; 0 at EOF between requests (the client is done), < 0 an error. */
static long srv_line(struct srv_conn *c)
{
	unsigned long i = 0;

	for (;;) {
		for (; i < c->len; i++)
			if (c->rx[i] == '\n')
				return (long)i + 1;
		if (c->len == REQ_MAX)
			return -1;
		long r = plat_fd_read(c->fd, c->rx + c->len, REQ_MAX - c->len);

		if (r == 0 && c->len == 0)
			return 0;
		if (r <= 0)
			return r ? r : -1;
		c->len += (unsigned long)r;
	}
}

static void srv_consume(struct srv_conn *c, unsigned long n)
{
	__builtin_memmove(c->rx, c->rx + n, c->len - n);
	c->len -= n;
}

/* Sends the response of head_len bytes that ends at out + HDR_ROOM + body
 * bytes, the header just in front of the body: one write. */
static long srv_respond(struct srv_conn *c, const char *head, unsigned long head_len,
			unsigned long body)
{
	char *start = c->out + HDR_ROOM - head_len;

	__builtin_memcpy(start, head, head_len);
	c->served++;
	/* Host test only: a wrong byte the client must catch. */
	if (c->job->corrupt_every && c->served % c->job->corrupt_every == 0)
		start[head_len + body / 2] ^= 1;
	return write_all(c->fd, start, head_len + body);
}

/* webserver: "GET <path>\n" -> "200 <bytes>\n<the file>", or "404 0\n". */
static long web_request(struct srv_conn *c, unsigned long n)
{
	char path[192], head[32], *h = head, *body = c->out + HDR_ROOM;
	unsigned long got = 0;
	long size, r;
	int fd;

	if (n < 7 || __builtin_memcmp(c->rx, "GET /", 5) ||
	    path_join(path, sizeof(path), c->job->root, c->rx + 4, n - 5))
		return -1;
	srv_consume(c, n);
	fd = plat_file_open(path);
	if (fd < 0)
		return srv_respond(c, "404 0\n", 6, 0);
	size = plat_file_size(fd);
	if (size < 0 || (unsigned long)size > WEB_DOC_MAX) {
		plat_fd_close(fd);
		return size < 0 ? size : -1;
	}
	while (got < (unsigned long)size) {
		r = plat_fd_read(fd, body + got, (unsigned long)size - got);
		if (r <= 0) {
			plat_fd_close(fd);
			return r ? r : -1;
		}
		got += (unsigned long)r;
	}
	h = put_str(h, "200 ");
	h = put_num(h, got);
	*h++ = '\n';
	r = srv_respond(c, head, (unsigned long)(h - head), got);
	plat_fd_close(fd);
	return r;
}

/* kvstore, memcached's text protocol (flags kept as 0, no expiry):
 *   get <key>\r\n -> VALUE <key> 0 <bytes>\r\n<value>\r\nEND\r\n, or END\r\n
 *   set <key> <flags> <exptime> <bytes>\r\n<value>\r\n -> STORED\r\n */
static long kv_request(struct srv_conn *c, unsigned long n)
{
	const char *line = c->rx, *end = c->rx + n - 2, *key = line + 4, *k = key, *p;
	unsigned long klen, flags, exptime, bytes;
	struct kv_bucket *b;
	struct kv_item **pp, *it, *old;
	char head[80], *h = head;

	if (n < 7 || line[n - 2] != '\r')
		return -1;
	while (k < end && *k != ' ')
		k++;
	klen = (unsigned long)(k - key);
	if (klen == 0 || klen > KV_KEY_MAX)
		return -1;
	if (!__builtin_memcmp(line, "get ", 4) && k == end) {
		b = kv_bucket_of(key, klen);
		kv_lock(&b->lock);
		it = *kv_find(b, key, klen);
		if (it) {
			h = put_str(h, "VALUE ");
			__builtin_memcpy(h, key, klen);
			h = put_str(h + klen, " 0 ");
			h = put_num(h, it->vlen);
			h = put_str(h, "\r\n");
			__builtin_memcpy(c->out + HDR_ROOM, it->val, it->vlen);
			__builtin_memcpy(c->out + HDR_ROOM + it->vlen, "\r\nEND\r\n", 7);
			bytes = it->vlen + 7;
		} else {
			h = put_str(h, "END\r\n");
			bytes = 0;
		}
		kv_unlock(&b->lock);
		srv_consume(c, n);
		return srv_respond(c, head, (unsigned long)(h - head), bytes);
	}
	if (__builtin_memcmp(line, "set ", 4) || !(p = get_num(k + 1, end, ' ', &flags)) ||
	    !(p = get_num(p, end, ' ', &exptime)) || !get_num(p, end + 1, '\r', &bytes) ||
	    bytes > KV_VALUE_MAX)
		return -1;
	if (srv_fill(c, n + bytes + 2) < 0 || c->rx[n + bytes] != '\r' || c->rx[n + bytes + 1] != '\n')
		return -1;
	it = plat_malloc(sizeof(*it) + bytes);
	if (!it)
		return -1;
	it->klen = klen;
	it->vlen = bytes;
	__builtin_memcpy(it->key, key, klen);
	__builtin_memcpy(it->val, c->rx + n, bytes);
	b = kv_bucket_of(key, klen);
	kv_lock(&b->lock);
	pp = kv_find(b, key, klen);
	old = *pp;
	it->next = old ? old->next : 0;
	*pp = it;
	kv_unlock(&b->lock);
	plat_free(old);
	srv_consume(c, n + bytes + 2);
	return srv_respond(c, "STORED\r\n", 8, 0);
}

/* One server thread: accepts one connection and serves it until the client
 * closes it. 0, or an error line and 1. */
static int srv_thread(void *arg, unsigned i)
{
	const struct srv_job *job = arg;
	const char *bench = workload_names[job->workload];
	struct srv_conn c = { .job = job };
	const char *why = 0;
	long r = 0;

	(void)i;
	c.rx = plat_malloc(REQ_MAX);
	c.out = plat_malloc(HDR_ROOM + WEB_DOC_MAX);
	if (!c.rx || !c.out) {
		why = "server thread: out of memory";
	} else if ((c.fd = plat_accept(job->lfd)) < 0) {
		r = c.fd;
		why = "server thread: accept failed";
	} else {
		while ((r = srv_line(&c)) > 0) {
			r = job->workload == SRV_WEB ? web_request(&c, (unsigned long)r) :
						       kv_request(&c, (unsigned long)r);
			if (r) {
				why = "server thread: bad request, or a call failed";
				break;
			}
		}
		if (r < 0 && !why)
			why = "server thread: reading a request failed";
		plat_fd_close(c.fd);
	}
	plat_free(c.rx);
	plat_free(c.out);
	if (why)
		report_error(plat_system, bench, job->mode, why, r);
	return why ? 1 : 0;
}

static int server_main(void *arg)
{
	struct srv_job *job = arg;

	if (job->workload == SRV_KV && !(kv_table = kv_create()))
		return 1;
	return plat_srv_threads(job->mode, job->threads, job->server_cpus, srv_thread, job,
				sizeof(*job)) ? 1 : 0;
}

/* ---- the client ---- */

struct cli_conn {
	int fd;
	int busy;
	unsigned idx;
	uint64_t rng;
	uint64_t t0;
	unsigned seq;           /* number of its request in flight, in its phase */
	unsigned long want, got;
	/* The response it must get: head, body, tail. */
	char head[96];
	unsigned long head_len;
	const char *body;
	unsigned long body_len;
	const char *tail;
	unsigned long tail_len;
	char *rx;
	char *tx;
	char *val;              /* kvstore: the value of its get in flight */
	unsigned preloaded;     /* kvstore: its keys set so far by its first requests */
	unsigned ver[KV_KEYS_PER_CONN];
};

struct client {
	const struct srv_job *job;
	const char *bench;
	struct cli_conn *c;
	struct plat_pollfd *pfd;
	char *docs[WEB_DOCS];
	uint64_t *samples;
	unsigned issued, budget, nsamples;
	uint64_t t_first, t_last;
	unsigned long gets, sets, body_bytes;
};

static void web_prepare(struct client *cl, struct cli_conn *c, unsigned long *txlen)
{
	unsigned d = (unsigned)(rng_next(&c->rng) % WEB_DOCS);
	unsigned long n = web_doc_kib[d] << 10;
	char *h;

	h = put_str(c->tx, "GET /www/doc-");
	h = put_num(h, n);
	h = put_str(h, ".txt\n");
	*txlen = (unsigned long)(h - c->tx);
	h = put_str(c->head, "200 ");
	h = put_num(h, n);
	*h++ = '\n';
	c->head_len = (unsigned long)(h - c->head);
	c->body = cl->docs[d];
	c->body_len = n;
	c->tail_len = 0;
}

/* Keys of connection i are i, i + C, i + 2C, ...: each has one writer. Its
 * first requests set each of its keys once (warm-up: srv_bench counts them
 * in), so that gets find them. */
static void kv_prepare(struct client *cl, struct cli_conn *c, unsigned long *txlen)
{
	unsigned slot, ver;
	int set;
	unsigned long key, n;
	char *h;

	if (c->preloaded < KV_KEYS_PER_CONN) {
		slot = c->preloaded++;
		set = 1;
	} else {
		slot = (unsigned)(rng_next(&c->rng) % KV_KEYS_PER_CONN);
		set = rng_next(&c->rng) % 100 >= KV_GET_PCT;
	}
	key = c->idx + (unsigned long)cl->job->threads * slot;
	ver = set ? ++c->ver[slot] : c->ver[slot];
	n = kv_len(key, ver);
	h = put_str(c->tx, set ? "set key:" : "get key:");
	h = put_num(h, key);
	if (set) {
		h = put_str(h, " 0 0 ");
		h = put_num(h, n);
		h = put_str(h, "\r\n");
		kv_fill(h, key, ver, n);
		h = put_str(h + n, "\r\n");
		c->head_len = (unsigned long)(put_str(c->head, "STORED\r\n") - c->head);
		c->body_len = c->tail_len = 0;
	} else {
		h = put_str(h, "\r\n");
		kv_fill(c->val, key, ver, n);
		char *v = put_str(c->head, "VALUE key:");
		v = put_num(v, key);
		v = put_str(v, " 0 ");
		v = put_num(v, n);
		v = put_str(v, "\r\n");
		c->head_len = (unsigned long)(v - c->head);
		c->body = c->val;
		c->body_len = n;
		c->tail = "\r\nEND\r\n";
		c->tail_len = 7;
	}
	*txlen = (unsigned long)(h - c->tx);
	if (cl->issued >= cl->job->warmup) {
		cl->sets += (unsigned long)set;
		cl->gets += (unsigned long)!set;
	}
}


static long cli_send(struct client *cl, struct cli_conn *c)
{
	unsigned long txlen;

	if (cl->job->workload == SRV_WEB)
		web_prepare(cl, c, &txlen);
	else
		kv_prepare(cl, c, &txlen);
	c->want = c->head_len + c->body_len + c->tail_len;
	c->got = 0;
	c->seq = cl->issued++;
	c->busy = 1;
	c->t0 = tsc_begin();
	if (c->seq == cl->job->warmup)
		cl->t_first = c->t0;
	return write_all(c->fd, c->tx, txlen);
}

/* The first byte where rx differs from what the response must be, or -1. */
static long cli_mismatch(const struct cli_conn *c)
{
	const char *part[3] = { c->head, c->body, c->tail };
	unsigned long len[3] = { c->head_len, c->body_len, c->tail_len }, off = 0;

	for (int p = 0; p < 3; p++) {
		for (unsigned long i = 0; i < len[p]; i++)
			if (c->rx[off + i] != part[p][i])
				return (long)(off + i);
		off += len[p];
	}
	return -1;
}

/* Reads what c's response has for it; 0, or an error line and 1. */
static int cli_receive(struct client *cl, struct cli_conn *c)
{
	long r = plat_fd_read(c->fd, c->rx + c->got, c->want - c->got);
	uint64_t t1;

	if (r <= 0) {
		report_error(plat_system, cl->bench, cl->job->mode,
			     r ? "client: read failed" : "client: the server closed a connection", r);
		return 1;
	}
	c->got += (unsigned long)r;
	if (c->got < c->want)
		return 0;
	t1 = tsc_end();
	c->busy = 0;
	if (c->seq >= cl->job->warmup) {
		uint64_t d = t1 - c->t0;

		cl->samples[cl->nsamples++] = d > cl->job->overhead ? d - cl->job->overhead : 0;
		cl->t_last = t1;
		cl->body_bytes += c->body_len;
	}
	if ((r = cli_mismatch(c)) >= 0) {
		report_error(plat_system, cl->bench, cl->job->mode,
			     "client: a response differs from the expected bytes at this offset", r);
		return 1;
	}
	return 0;
}

/* Keeps every connection busy with one request until the budget is spent
 * and every response is in. A connection with nothing more to do is closed
 * at once: FlexSC allows a process FLEXSC_BLOCKED_PER_PROC calls blocked in
 * syscall threads, and server threads blocked reading idle connections
 * would hold the entry of a busy one back for good. 0, or an error line and
 * 1. */
static int cli_run(struct client *cl)
{
	unsigned n = cl->job->threads;

	for (;;) {
		unsigned busy = 0;
		int r;

		for (unsigned i = 0; i < n; i++) {
			struct cli_conn *c = &cl->c[i];
			long w;

			if (c->fd < 0 || c->busy)
				;
			else if (cl->issued == cl->budget) {
				plat_fd_close(c->fd);
				c->fd = -1;
			} else if ((w = cli_send(cl, c))) {
				report_error(plat_system, cl->bench, cl->job->mode,
					     "client: sending a request failed", w);
				return 1;
			}
			if (c->busy)
				cl->pfd[busy++] = (struct plat_pollfd){ c->fd, PLAT_POLLIN, 0 };
		}
		if (!busy)
			return 0;
		r = plat_poll(cl->pfd, busy, POLL_MS);
		if (r <= 0) {
			report_error(plat_system, cl->bench, cl->job->mode,
				     r ? "client: poll failed" : "client: no response within 60 s", r);
			return 1;
		}
		for (unsigned i = 0, k = 0; i < n; i++) {
			struct cli_conn *c = &cl->c[i];

			if (!c->busy)
				continue;
			if (cl->pfd[k++].revents && cli_receive(cl, c))
				return 1;
		}
	}
}

static void cli_report(struct client *cl)
{
	const struct srv_job *job = cl->job;
	uint64_t span = cl->t_last - cl->t_first;
	char extra[200], *e = extra;
	struct report_point pt = {
		.system = plat_system,
		.bench = cl->bench,
		.path = job->mode,
		.batch = 1,
		.syscall_cores = (unsigned)__builtin_popcountl(job->syscall_cpus),
		.user_threads = job->threads,
		.ops_per_sec = span ? (unsigned long)(job->requests * job->tsc_hz / span) : 0,
		.tsc_overhead = job->overhead,
		.extra = extra,
	};

	e = put_str(e, "conns=");
	e = put_num(e, job->threads);
	e = put_str(e, " warmup=");
	e = put_num(e, job->warmup);
	e = put_str(e, " user_cores=");
	e = put_num(e, (unsigned long)__builtin_popcountl(job->server_cpus));
	e = put_str(e, " server_cpus=");
	e = put_hex(e, job->server_cpus);
	e = put_str(e, " client_cpu=");
	e = put_num(e, job->client_cpu);
	if (job->workload == SRV_KV) {
		e = put_str(e, " gets=");
		e = put_num(e, cl->gets);
		e = put_str(e, " sets=");
		e = put_num(e, cl->sets);
	}
	/* webserver: bytes of the documents sent; kvstore: bytes of the
	 * values that gets returned. */
	e = put_str(e, job->workload == SRV_WEB ? " mean_doc_bytes=" : " mean_value_bytes=");
	e = put_num(e, cl->body_bytes / (job->workload == SRV_WEB ? job->requests :
					 cl->gets ? cl->gets : 1));
	*e = 0;
	report_result(&pt, cl->samples, cl->nsamples);
}

static int client_main(void *arg)
{
	const struct srv_job *job = arg;
	struct client cl = { .job = job, .bench = workload_names[job->workload] };
	unsigned n = job->threads;
	char sock[128];
	int failed = 1;

	cl.c = plat_malloc(n * sizeof(*cl.c));
	cl.pfd = plat_malloc(n * sizeof(*cl.pfd));
	cl.samples = plat_malloc(job->requests * sizeof(*cl.samples));
	if (!cl.c || !cl.pfd || !cl.samples)
		goto out_of_memory;
	for (unsigned d = 0; d < WEB_DOCS && job->workload == SRV_WEB; d++) {
		unsigned long size = web_doc_kib[d] << 10;

		if (!(cl.docs[d] = plat_malloc(size)))
			goto out_of_memory;
		for (unsigned long i = 0; i < size; i++)
			cl.docs[d][i] = web_doc_byte(size, i);
	}
	for (unsigned i = 0; i < n; i++) {
		struct cli_conn *c = &cl.c[i];

		*c = (struct cli_conn){ .fd = -1, .idx = i, .rng = 0x9e3779b97f4a7c15ull * (i + 1) };
		c->rx = plat_malloc(HDR_ROOM + WEB_DOC_MAX);
		c->tx = plat_malloc(REQ_MAX);
		c->val = plat_malloc(KV_VALUE_MAX);
		if (!c->rx || !c->tx || !c->val)
			goto out_of_memory;
	}
	path_join(sock, sizeof(sock), job->root, "/srv.sock", 9);
	for (unsigned i = 0; i < n; i++) {
		if ((cl.c[i].fd = plat_connect(sock)) < 0) {
			report_error(plat_system, cl.bench, job->mode, "client: connect failed",
				     cl.c[i].fd);
			goto out;
		}
	}
	cl.budget = job->warmup + job->requests;
	if (cli_run(&cl))
		goto out;
	cli_report(&cl);
	failed = 0;
	goto out;
out_of_memory:
	report_error(plat_system, cl.bench, job->mode, "client: out of memory", 0);
out:
	/* The server's threads see their connection end and return. Memory
	 * goes with the process. */
	for (unsigned i = 0; cl.c && i < n; i++)
		if (cl.c[i].fd >= 0)
			plat_fd_close(cl.c[i].fd);
	return failed;
}

/* ---- one point, and the benches ---- */

int srv_point(const struct srv_job *j)
{
	struct srv_job job = *j;
	const char *bench = workload_names[job.workload];
	char sock[128];
	long srv, cli;
	int rc, rs;

	if (path_join(sock, sizeof(sock), job.root, "/srv.sock", 9)) {
		report_error(plat_system, bench, job.mode, "socket path too long", 0);
		return 1;
	}
	job.lfd = plat_listen(sock, job.threads);
	if (job.lfd < 0) {
		report_error(plat_system, bench, job.mode, "cannot listen on a local socket", job.lfd);
		return 1;
	}
	srv = plat_proc_start(job.server_cpus, server_main, &job, sizeof(job));
	if (srv < 0) {
		plat_fd_close(job.lfd);
		plat_unlink(sock);
		report_error(plat_system, bench, job.mode, "cannot start the server process", srv);
		return 1;
	}
	cli = plat_proc_start(1ul << job.client_cpu, client_main, &job, sizeof(job));
	rc = cli < 0 ? (int)cli : plat_proc_wait(cli);
	/* A client that failed early may leave server threads in accept():
	 * each gets a connection that ends at once. */
	for (unsigned i = 0; rc && i < job.threads; i++) {
		int fd = plat_connect(sock);

		if (fd >= 0)
			plat_fd_close(fd);
	}
	plat_fd_close(job.lfd);
	rs = plat_proc_wait(srv);
	plat_unlink(sock);
	if (cli < 0)
		report_error(plat_system, bench, job.mode, "cannot start the client process", cli);
	else if (rc)
		report_error(plat_system, bench, job.mode, "the client failed", rc);
	if (rs)
		report_error(plat_system, bench, job.mode, "the server failed", rs);
	return rc || rs;
}

unsigned long srv_cpus(unsigned ncpus, unsigned long sc, unsigned want)
{
	unsigned long cpus = 0;
	unsigned got = 0;

	for (unsigned c = 1; c <= ncpus && c <= 64 && (!want || got < want); c++) {
		unsigned cpu = c == ncpus ? 0 : c;

		if (!(sc >> cpu & 1) && (want || cpu || !cpus)) {
			cpus |= 1ul << cpu;
			got++;
		}
	}
	return want && got < want ? 0 : cpus;
}

int srv_bench(const struct bench_config *cfg, enum srv_workload w)
{
	uint64_t overhead = tsc_overhead(1000);
	int failed = 0;

	for (const char *const *mode = plat_srv_modes; *mode; mode++) {
		unsigned long sc = plat_srv_syscall_cpus(*mode),
			      cpus = srv_cpus(plat_ncpus(), sc, cfg->user_cores);
		const char *why = "";

		if (plat_srv_ready(*mode, &why)) {
			report_skip(plat_system, workload_names[w], *mode, why);
			continue;
		}
		if (!cpus) {
			report_skip(plat_system, workload_names[w], *mode,
				    cfg->user_cores ? "bench.user_cores= is more CPUs than this mode leaves free"
						    : "no CPU left for the server");
			continue;
		}
		for (unsigned t = 0; t < cfg->nthreads; t++) {
			struct srv_job job = {
				.workload = w,
				.threads = cfg->threads[t],
				.requests = cfg->requests,
				.warmup = (cfg->requests / 10 > 2 * cfg->threads[t] ?
						   cfg->requests / 10 : 2 * cfg->threads[t]) +
					  (w == SRV_KV ? KV_KEYS_PER_CONN * cfg->threads[t] : 0),
				.lfd = -1,
				.tsc_hz = plat_tsc_hz(),
				.overhead = overhead,
				.server_cpus = cpus,
				.syscall_cpus = sc,
				.client_cpu = 0,
			};

			path_join(job.mode, sizeof(job.mode), "", *mode, str_len(*mode));
			failed += srv_point(&job);
		}
	}
	return failed;
}
