/* Local stream sockets and poll over one way into the kernel: every call's
 * errors (bad pointers, bad fds, wrong fd types, names), connect/accept,
 * EOF, EPIPE, ECONNREFUSED, shutdown, the backlog, many writers to one
 * reader (over a socket each and over one shared socket, every byte
 * accounted), poll over several descriptors with readiness from other
 * processes (other CPUs) and with timeouts, a blocked accept, connect and
 * poll killed, a client dying mid-request. Everything it binds under /tmp
 * it removes again, so the kernel's memory can be compared after.
 * usage: utest_sock PATH            (int80, syscall, sysenter, flexsc)
 *                                   -> exit status = number of failed checks
 * children it spawns:  utest_sock writer PATH NAME ID RECORDS
 *                      utest_sock fdwriter PATH FD ID RECORDS
 *                      utest_sock accept PATH NAME | connect PATH NAME FD
 *                      utest_sock halfreq PATH NAME | hang PATH NAME
 *                      utest_sock pollfor PATH FD */
#include "check.h"
#include "../sys.h"
#include "../flexsc.h"

#define KERNEL_ADDR 0xFFFFFFFF80100000l
#define NONCANONICAL 0x0000800000000000l
#define REC 64      /* bytes of a writer's record: at most PIPE_ATOMIC */
#define WRITERS 3
#define MS 1000000l

static const char rodata_buf[64] = "read-only";
static char big[65536];
static char dir[32];
static const char *path_name;
static bool flexsc;

/* A name under dir from a format; four at a time may be live. */
static const char *P(const char *fmt, ...) PRINTF_LIKE(1, 2);
static const char *P(const char *fmt, ...)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ % 4];
	int n = snprintf(b, 64, "%s/", dir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b + n, 64 - n, fmt, ap);
	va_end(ap);
	return b;
}

static int sock(void) { return socket(AF_UNIX, SOCK_STREAM, 0); }

/* A listening socket bound to name, or a negative errno. */
static int listener(const char *name, int backlog)
{
	int fd = sock();
	if (fd < 0)
		return fd;
	int r = bind(fd, name);
	if (!r)
		r = listen(fd, backlog);
	if (r) {
		sys_close(fd);
		return r;
	}
	return fd;
}

static int dial(const char *name)
{
	int fd = sock();
	if (fd < 0)
		return fd;
	int r = connect(fd, name);
	if (r) {
		sys_close(fd);
		return r;
	}
	return fd;
}

static long spawn(const char *mode, const char *a, long b, long c)
{
	char s2[16], s3[16];
	snprintf(s2, sizeof(s2), "%ld", b);
	snprintf(s3, sizeof(s3), "%ld", c);
	const char *argv[] = { "utest_sock", mode, path_name, a, s2, s3, 0 };
	return sys_spawn((long)"utest_sock", (long)argv);
}

static long waitpid(long pid)
{
	int status = -999;
	long r = sys_wait(pid, (long)&status);
	return r == pid ? status : r;
}

/* Every call's errors that need no peer. */
static void errors(void)
{
	int p[2];
	struct stat st;
	CHECK_EQ(socket(2, SOCK_STREAM, 0), -EAFNOSUPPORT, "%s: socket(AF_INET)", path_name);
	CHECK_EQ(socket(AF_UNIX, 2, 0), -EINVAL, "%s: socket(SOCK_DGRAM)", path_name);
	CHECK_EQ(socket(AF_UNIX, SOCK_STREAM, 6), -EPROTONOSUPPORT, "%s: socket proto 6", path_name);
	CHECK_EQ(sys_socket(AF_UNIX | (1l << 32), SOCK_STREAM, 0), -EAFNOSUPPORT, "%s: socket high bits", path_name);
	/* Wrong descriptors: none, not open, not a socket. */
	static const long bad_fds[] = { -1, 99, 1l << 40 };
	for (int i = 0; i < 3; i++) {
		long fd = bad_fds[i];
		CHECK_EQ(sys_bind(fd, (long)P("x")), -EBADF, "%s: bind fd %ld", path_name, fd);
		CHECK_EQ(sys_listen(fd, 1), -EBADF, "%s: listen fd %ld", path_name, fd);
		CHECK_EQ(sys_accept(fd), -EBADF, "%s: accept fd %ld", path_name, fd);
		CHECK_EQ(sys_connect(fd, (long)P("x")), -EBADF, "%s: connect fd %ld", path_name, fd);
		CHECK_EQ(sys_shutdown(fd, SHUT_RDWR), -EBADF, "%s: shutdown fd %ld", path_name, fd);
	}
	CHECK_EQ(bind(1, P("x")), -ENOTSOCK, "%s: bind the console", path_name);
	CHECK_EQ(listen(1, 1), -ENOTSOCK, "%s: listen on the console", path_name);
	CHECK_EQ(accept(1), -ENOTSOCK, "%s: accept on the console", path_name);
	CHECK_EQ(connect(1, P("x")), -ENOTSOCK, "%s: connect the console", path_name);
	CHECK_EQ(shutdown(1, SHUT_WR), -ENOTSOCK, "%s: shutdown the console", path_name);
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	CHECK_EQ(accept(p[0]), -ENOTSOCK, "%s: accept on a pipe", path_name);
	sys_close(p[0]);
	sys_close(p[1]);
	/* Bad pointers. */
	int s = sock();
	CHECK_EQ(s >= 3, 1, "%s: socket -> %d", path_name, s);
	CHECK_EQ(sys_bind(s, 0), -EFAULT, "%s: bind(NULL)", path_name);
	CHECK_EQ(sys_bind(s, KERNEL_ADDR), -EFAULT, "%s: bind(kernel)", path_name);
	CHECK_EQ(sys_bind(s, NONCANONICAL), -EFAULT, "%s: bind(non-canonical)", path_name);
	CHECK_EQ(sys_connect(s, KERNEL_ADDR), -EFAULT, "%s: connect(kernel)", path_name);
	CHECK_EQ(sys_socketpair(0), -EFAULT, "%s: socketpair(NULL)", path_name);
	CHECK_EQ(sys_socketpair(KERNEL_ADDR), -EFAULT, "%s: socketpair(kernel)", path_name);
	CHECK_EQ(sys_socketpair((long)rodata_buf), -EFAULT, "%s: socketpair(rodata)", path_name);
	CHECK_EQ(sys_poll(KERNEL_ADDR, 1, 0), -EFAULT, "%s: poll(kernel)", path_name);
	CHECK_EQ(sys_poll((long)rodata_buf, 1, 0), -EFAULT, "%s: poll(rodata)", path_name);
	CHECK_EQ(sys_poll(0, POLL_MAX + 1, 0), -EINVAL, "%s: poll of too many", path_name);
	CHECK_EQ(sys_poll(0, 0, 0), 0, "%s: poll of none", path_name);
	CHECK_EQ(sys_write(s, KERNEL_ADDR, 4), -EFAULT, "%s: write(kernel)", path_name);
	/* States: not bound, not listening, not connected. */
	CHECK_EQ(listen(s, 1), -EINVAL, "%s: listen unbound", path_name);
	CHECK_EQ(accept(s), -EINVAL, "%s: accept on a socket not listening", path_name);
	CHECK_EQ(sys_read(s, (long)big, 1), -ENOTCONN, "%s: read unconnected", path_name);
	CHECK_EQ(sys_write(s, (long)big, 1), -ENOTCONN, "%s: write unconnected", path_name);
	CHECK_EQ(shutdown(s, SHUT_RD), -ENOTCONN, "%s: shutdown unconnected", path_name);
	CHECK_EQ(shutdown(s, 3), -EINVAL, "%s: shutdown how 3", path_name);
	CHECK_EQ(sys_lseek(s, 0, SEEK_SET), -ESPIPE, "%s: lseek a socket", path_name);
	CHECK_EQ(connect(s, P("nobody")), -ENOENT, "%s: connect to no name", path_name);
	CHECK_EQ(connect(s, "/"), -ECONNREFUSED, "%s: connect to a directory", path_name);
	long f = sys_open((long)P("file"), O_CREAT | O_RDWR);
	sys_close(f);
	CHECK_EQ(connect(s, P("file")), -ECONNREFUSED, "%s: connect to a file", path_name);
	CHECK_EQ(bind(s, P("file")), -EADDRINUSE, "%s: bind over a file", path_name);
	CHECK_EQ(bind(s, P("nodir/x")), -ENOENT, "%s: bind in no directory", path_name);
	CHECK_EQ(bind(s, P("b")), 0, "%s: bind", path_name);
	CHECK_EQ(bind(s, P("b2")), -EINVAL, "%s: bind twice", path_name);
	CHECK_EQ(sys_stat((long)P("b"), (long)&st), 0, "%s: stat the name", path_name);
	CHECK_EQ(st.type, FT_SOCK, "%s: its type", path_name);
	CHECK_EQ(sys_fstat(s, (long)&st), 0, "%s: fstat a socket", path_name);
	CHECK_EQ(st.type, FT_SOCK, "%s: fstat type", path_name);
	CHECK_EQ(sys_open((long)P("b"), O_RDWR), -ENXIO, "%s: open a socket's name", path_name);
	int c = sock();
	CHECK_EQ(connect(c, P("b")), -ECONNREFUSED, "%s: connect to a socket not listening", path_name);
	CHECK_EQ(listen(s, 0), 0, "%s: listen", path_name);
	CHECK_EQ(sys_read(s, (long)big, 1), -EINVAL, "%s: read a listener", path_name);
	CHECK_EQ(connect(s, P("b")), -EINVAL, "%s: connect a listener", path_name);
	CHECK_EQ(connect(c, P("b")), 0, "%s: connect", path_name);
	CHECK_EQ(connect(c, P("b")), -EISCONN, "%s: connect twice", path_name);
	CHECK_EQ(listen(c, 1), -EINVAL, "%s: listen on a connected socket", path_name);
	CHECK_EQ(bind(c, P("b3")), -EINVAL, "%s: bind a connected socket", path_name);
	sys_close(c);
	sys_close(s);
	CHECK_EQ(sys_stat((long)P("b"), (long)&st), 0, "%s: the name outlives its socket", path_name);
	c = sock();
	CHECK_EQ(connect(c, P("b")), -ECONNREFUSED, "%s: connect to a closed socket's name", path_name);
	sys_close(c);
	CHECK_EQ(sys_unlink((long)P("b")), 0, "%s: unlink the name", path_name);
	CHECK_EQ(sys_unlink((long)P("file")), 0, "%s: unlink", path_name);
}

/* One connection: bytes each way, a write before accept, partial reads,
 * EOF, EPIPE; a listener's name unlinked while it listens. */
static void connection(void)
{
	char buf[64];
	int l = listener(P("c"), 4);
	CHECK_EQ(l >= 0, 1, "%s: listener -> %d", path_name, l);
	int c = dial(P("c"));
	CHECK_EQ(c >= 0, 1, "%s: dial -> %d", path_name, c);
	CHECK_EQ(sys_write(c, (long)"hello", 5), 5, "%s: write before accept", path_name);
	int a = accept(l);
	CHECK_EQ(a >= 0, 1, "%s: accept -> %d", path_name, a);
	CHECK_EQ(sys_read(a, (long)buf, 3), 3, "%s: part of it", path_name);
	CHECK_EQ(sys_read(a, (long)buf + 3, sizeof(buf)), 2, "%s: the rest (a partial read)", path_name);
	CHECK_EQ(memcmp(buf, "hello", 5), 0, "%s: bytes", path_name);
	CHECK_EQ(sys_write(a, (long)"back", 4), 4, "%s: write back", path_name);
	CHECK_EQ(sys_read(c, (long)buf, sizeof(buf)), 4, "%s: read back", path_name);
	CHECK_EQ(sys_write(c, (long)"y", 1), 1, "%s: write", path_name);
	CHECK_EQ(sys_read(a, (long)rodata_buf, 1), -EFAULT, "%s: read into rodata", path_name);
	CHECK_EQ(sys_read(a, (long)buf, 1), 1, "%s: the byte is still there", path_name);
	/* Fill one way without blocking: exactly SOCK_BUF_SIZE fit. */
	memset(big, 's', SOCK_BUF_SIZE);
	CHECK_EQ(sys_write(c, (long)big, SOCK_BUF_SIZE), SOCK_BUF_SIZE, "%s: fill", path_name);
	struct pollfd pf = { c, POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 0, "%s: a full socket is not writable", path_name);
	CHECK_EQ(sys_read(a, (long)big, sizeof(big)), SOCK_BUF_SIZE, "%s: drain", path_name);
	CHECK_EQ(poll(&pf, 1, 0), 1, "%s: writable again", path_name);
	CHECK_EQ(pf.revents, POLLOUT, "%s: revents", path_name);
	/* Unlinked while listening: unreachable by name, still accepting. */
	int c2 = dial(P("c"));
	CHECK_EQ(sys_unlink((long)P("c")), 0, "%s: unlink a listener's name", path_name);
	CHECK_EQ(dial(P("c")), -ENOENT, "%s: dial an unlinked name", path_name);
	int a2 = accept(l);
	CHECK_EQ(a2 >= 0, 1, "%s: accept after unlink -> %d", path_name, a2);
	CHECK_EQ(sys_write(c2, (long)"x", 1), 1, "%s: write", path_name);
	CHECK_EQ(sys_read(a2, (long)buf, 1), 1, "%s: read", path_name);
	sys_close(a2);
	CHECK_EQ(sys_read(c2, (long)buf, 1), 0, "%s: EOF once the peer closed", path_name);
	CHECK_EQ(sys_write(c2, (long)"x", 1), -EPIPE, "%s: EPIPE once the peer closed", path_name);
	sys_close(c2);
	/* The listener closes with a connection queued: its client sees EOF. */
	int l2 = listener(P("q"), 2);
	int c3 = dial(P("q"));
	CHECK_EQ(sys_write(c3, (long)"lost", 4), 4, "%s: write to a queued connection", path_name);
	sys_close(l2);
	CHECK_EQ(sys_read(c3, (long)buf, 1), 0, "%s: EOF when the listener closed unaccepted", path_name);
	CHECK_EQ(sys_write(c3, (long)"x", 1), -EPIPE, "%s: EPIPE when the listener closed unaccepted", path_name);
	sys_close(c3);
	CHECK_EQ(dial(P("q")), -ECONNREFUSED, "%s: dial a closed listener", path_name);
	sys_unlink((long)P("q"));
	sys_close(a);
	sys_close(c);
	sys_close(l);
}

/* socketpair: both ways, shutdown of each side. */
static void pair(void)
{
	int sv[2];
	char buf[16];
	CHECK_EQ(socketpair(sv), 0, "%s: socketpair", path_name);
	CHECK_EQ(sys_write(sv[0], (long)"ab", 2), 2, "%s: write 0", path_name);
	CHECK_EQ(sys_write(sv[1], (long)"cd", 2), 2, "%s: write 1", path_name);
	CHECK_EQ(sys_read(sv[1], (long)buf, 16), 2, "%s: read 1", path_name);
	CHECK_EQ(memcmp(buf, "ab", 2), 0, "%s: bytes 0 -> 1", path_name);
	CHECK_EQ(sys_read(sv[0], (long)buf, 16), 2, "%s: read 0", path_name);
	CHECK_EQ(memcmp(buf, "cd", 2), 0, "%s: bytes 1 -> 0", path_name);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0, "%s: shutdown SHUT_WR", path_name);
	CHECK_EQ(sys_write(sv[0], (long)"x", 1), -EPIPE, "%s: write after SHUT_WR", path_name);
	CHECK_EQ(sys_read(sv[1], (long)buf, 16), 0, "%s: the peer sees EOF", path_name);
	struct pollfd pf = { sv[1], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1, "%s: EOF is readable", path_name);
	CHECK_EQ(pf.revents, POLLIN | POLLHUP, "%s: revents at EOF", path_name);
	CHECK_EQ(sys_write(sv[1], (long)"ef", 2), 2, "%s: the other way still works", path_name);
	CHECK_EQ(sys_read(sv[0], (long)buf, 16), 2, "%s: read it", path_name);
	CHECK_EQ(shutdown(sv[1], SHUT_RD), 0, "%s: shutdown SHUT_RD", path_name);
	CHECK_EQ(sys_read(sv[1], (long)buf, 16), 0, "%s: read after SHUT_RD", path_name);
	sys_close(sv[1]);
	CHECK_EQ(sys_read(sv[0], (long)buf, 16), 0, "%s: EOF after close", path_name);
	sys_close(sv[0]);
	/* EMFILE: a pair needs two slots; nothing is left behind. */
	static long fds[300]; /* more than MAX_FDS (256) */
	long n = 0, r;
	while (n < 300 && (r = sys_dup(0)) >= 0)
		fds[n++] = r;
	CHECK_EQ(r, -EMFILE, "%s: dup with a full table", path_name);
	CHECK_EQ(socket(AF_UNIX, SOCK_STREAM, 0), -EMFILE, "%s: socket with a full table", path_name);
	sys_close(fds[--n]);
	CHECK_EQ(socketpair(sv), -EMFILE, "%s: socketpair with one free slot", path_name);
	sys_close(fds[--n]);
	CHECK_EQ(socketpair(sv), 0, "%s: socketpair with two free slots", path_name);
	sys_close(sv[0]);
	sys_close(sv[1]);
	while (n > 0)
		sys_close(fds[--n]);
}

/* Checks records of writer id in rec[0..have) as they arrive: whole, each
 * writer's in order. Returns the bytes of whole records consumed. */
static long take_records(char *rec, long have, int *next, int *bad)
{
	long whole = have / REC * REC;
	for (long off = 0; off < whole; off += REC) {
		unsigned id = (unsigned char)rec[off], seq;
		memcpy(&seq, rec + off + 4, sizeof(seq));
		if (id >= WRITERS || seq != (unsigned)next[id]) {
			(*bad)++;
			continue;
		}
		for (int j = 8; j < REC; j++)
			*bad += rec[off + j] != (char)(id * 31 + seq + j);
		next[id]++;
	}
	memmove(rec, rec + whole, have - whole);
	return whole;
}

/* Writers in other processes, each on its own connection; one reader here
 * polls them all and reads whatever is ready: every record whole and in
 * order, every byte accounted, then EOF from each. */
static void many_connections(void)
{
	const int RECORDS = flexsc ? 60 : 200;
	int l = listener(P("m"), WRITERS);
	CHECK_EQ(l >= 0, 1, "%s: listener -> %d", path_name, l);
	long pids[WRITERS];
	for (int i = 0; i < WRITERS; i++)
		pids[i] = spawn("writer", P("m"), i, RECORDS);
	struct pollfd pf[WRITERS + 1];
	static char rec[WRITERS][REC * 8];
	long have[WRITERS] = { 0 }, total = 0;
	int next[WRITERS] = { 0 }, bad = 0, accepted = 0, open_conns = 0, polls = 0;
	pf[0] = (struct pollfd){ l, POLLIN, 0 };
	for (int i = 1; i <= WRITERS; i++)
		pf[i] = (struct pollfd){ -1, POLLIN, 0 };
	while (accepted < WRITERS || open_conns) {
		int r = poll(pf, WRITERS + 1, 5000 * MS);
		polls++;
		if (r <= 0) {
			CHECK_EQ(r, 1, "%s: poll of the connections (timeout or error)", path_name);
			break;
		}
		if (pf[0].revents & POLLIN) {
			int a = accept(l);
			CHECK_EQ(a >= 0, 1, "%s: accept -> %d", path_name, a);
			pf[++accepted].fd = a;
			open_conns++;
			if (accepted == WRITERS)
				pf[0].fd = -1;
		}
		for (int i = 1; i <= accepted; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			long n = sys_read(pf[i].fd, (long)rec[i - 1] + have[i - 1], 100);
			if (n <= 0) {
				CHECK_EQ(n, 0, "%s: read a connection", path_name);
				CHECK_EQ(pf[i].revents & POLLHUP, POLLHUP, "%s: POLLHUP at EOF", path_name);
				sys_close(pf[i].fd);
				pf[i].fd = -1;
				open_conns--;
				continue;
			}
			have[i - 1] += n;
			long whole = take_records(rec[i - 1], have[i - 1], next, &bad);
			have[i - 1] -= whole;
			total += whole;
		}
	}
	CHECK_EQ(bad, 0, "%s: records torn, out of order or wrong", path_name);
	CHECK_EQ(total, WRITERS * RECORDS * REC, "%s: bytes over the connections", path_name);
	for (int i = 0; i < WRITERS; i++) {
		CHECK_EQ(have[i], 0, "%s: a partial record at EOF", path_name);
		CHECK_EQ(waitpid(pids[i]), 0, "%s: writer %d", path_name, i);
	}
	CHECK_EQ(polls >= 2, 1, "%s: polls", path_name);
	sys_close(l);
	sys_unlink((long)P("m"));
}

/* Writers in other processes on one shared socket (inherited), one reader
 * on its peer: small writes are never interleaved. */
static void shared_socket(void)
{
	const int RECORDS = flexsc ? 60 : 300;
	int sv[2];
	CHECK_EQ(socketpair(sv), 0, "%s: socketpair", path_name);
	char fd[8];
	snprintf(fd, sizeof(fd), "%d", sv[1]);
	long pids[WRITERS];
	for (int i = 0; i < WRITERS; i++)
		pids[i] = spawn("fdwriter", fd, i, RECORDS);
	sys_close(sv[1]);
	static char rec[REC * 8];
	long have = 0, total = 0;
	int next[WRITERS] = { 0 }, bad = 0;
	for (long r; (r = sys_read(sv[0], (long)rec + have, 100)) > 0;) {
		have += r;
		long whole = take_records(rec, have, next, &bad);
		have -= whole;
		total += whole;
	}
	CHECK_EQ(bad, 0, "%s: records torn, out of order or wrong", path_name);
	CHECK_EQ(total, WRITERS * RECORDS * REC, "%s: bytes through one socket", path_name);
	CHECK_EQ(have, 0, "%s: a partial record at EOF", path_name);
	for (int i = 0; i < WRITERS; i++)
		CHECK_EQ(waitpid(pids[i]), 0, "%s: writer %d", path_name, i);
	sys_close(sv[0]);
}

/* poll: timeouts, descriptors of every kind, readiness from another process. */
static void polls(void)
{
	int sv[2], p[2];
	CHECK_EQ(socketpair(sv), 0, "%s: socketpair", path_name);
	CHECK_EQ(sys_pipe((long)p), 0, "%s: pipe", path_name);
	long f = sys_open((long)P("pf"), O_CREAT | O_RDWR);
	long nul = sys_open((long)"null", O_RDWR);
	struct pollfd pf[6] = {
		{ sv[0], POLLIN, 0 }, { p[0], POLLIN, 0 }, { (int)f, POLLIN | POLLOUT, 0 },
		{ -1, POLLIN, 0 },    { 99, POLLIN, 0 },    { (int)nul, POLLOUT, 0 },
	};
	CHECK_EQ(poll(pf, 6, 0), 3, "%s: poll once", path_name);
	CHECK_EQ(pf[0].revents, 0, "%s: an empty socket", path_name);
	CHECK_EQ(pf[1].revents, 0, "%s: an empty pipe", path_name);
	CHECK_EQ(pf[2].revents, POLLIN | POLLOUT, "%s: a file", path_name);
	CHECK_EQ(pf[3].revents, 0, "%s: fd -1 ignored", path_name);
	CHECK_EQ(pf[4].revents, POLLNVAL, "%s: fd not open", path_name);
	CHECK_EQ(pf[5].revents, POLLOUT, "%s: /dev/null", path_name);
	/* A timeout: nothing ready in two descriptors for 20 ms. */
	long t0 = sys_time_ns();
	CHECK_EQ(poll(pf, 2, 20 * MS), 0, "%s: poll times out", path_name);
	long took = sys_time_ns() - t0;
	CHECK_EQ(took >= 20 * MS, 1, "%s: poll slept %ld ns of 20 ms", path_name, took);
	/* Readiness from another process, on another CPU when there is one:
	 * it writes the pipe, then the socket, 20 ms apart. */
	char fds[16];
	snprintf(fds, sizeof(fds), "%d", p[1]);
	long pid = spawn("pollfor", fds, sv[1], syscall_syscall(SYS_getcpu, 0, 0, 0, 0, 0, 0));
	t0 = sys_time_ns();
	CHECK_EQ(poll(pf, 2, 5000 * MS), 1, "%s: poll wakes for the pipe", path_name);
	CHECK_EQ(pf[1].revents, POLLIN, "%s: the pipe is readable", path_name);
	char c;
	CHECK_EQ(sys_read(p[0], (long)&c, 1), 1, "%s: read the pipe", path_name);
	CHECK_EQ(poll(pf, 2, -1), 1, "%s: poll wakes for the socket", path_name);
	CHECK_EQ(pf[0].revents, POLLIN, "%s: the socket is readable", path_name);
	CHECK_EQ(sys_read(sv[0], (long)&c, 1), 1, "%s: read the socket", path_name);
	CHECK_EQ(sys_time_ns() - t0 < 5000 * MS, 1, "%s: woken, not timed out", path_name);
	CHECK_EQ(waitpid(pid), 0, "%s: pollfor", path_name);
	sys_close(p[1]);
	sys_close(sv[1]);
	CHECK_EQ(poll(pf, 2, -1), 2, "%s: both ends hung up", path_name);
	CHECK_EQ(pf[0].revents, POLLIN | POLLHUP, "%s: socket hung up", path_name);
	CHECK_EQ(pf[1].revents, POLLIN | POLLHUP, "%s: pipe hung up", path_name);
	/* Write ends whose readers are gone. */
	CHECK_EQ(socketpair(sv), 0, "%s: socketpair", path_name);
	sys_close(sv[1]);
	pf[0] = (struct pollfd){ sv[0], POLLOUT, 0 };
	CHECK_EQ(poll(pf, 1, 0), 1, "%s: poll a socket whose peer closed", path_name);
	CHECK_EQ(pf[0].revents, POLLOUT | POLLHUP, "%s: its revents", path_name);
	sys_close(sv[0]);
	sys_close(p[0]);
	sys_close(f);
	sys_close(nul);
	sys_unlink((long)P("pf"));
}

/* A child blocked in accept, in connect (backlog full) and in poll, each
 * killed: the kill ends the call. The backlog: connects beyond it wait for
 * an accept. accept with a full descriptor table keeps the connection. */
static void blocked_and_backlog(void)
{
	static const char *const modes[] = { "accept", "pollfor" };
	for (int m = 0; m < 2; m++) {
		int sv[2];
		socketpair(sv);
		char fd[8];
		snprintf(fd, sizeof(fd), "%d", sv[0]);
		long pid = spawn(modes[m], m ? fd : P("k"), -1, 0);
		sys_sleep_ns(30 * MS);
		CHECK_EQ(sys_kill(pid), 0, "%s: kill a blocked %s", path_name, modes[m]);
		CHECK_EQ(waitpid(pid), -1, "%s: %s killed", path_name, modes[m]);
		sys_close(sv[0]);
		sys_close(sv[1]);
	}
	sys_unlink((long)P("k")); /* the accepting child's name */
	int l = listener(P("bl"), 2);
	int c1 = dial(P("bl")), c2 = dial(P("bl"));
	CHECK_EQ(c1 >= 0 && c2 >= 0, 1, "%s: two connects within the backlog", path_name);
	int p[2];
	sys_pipe((long)p);
	char fd[8];
	snprintf(fd, sizeof(fd), "%d", p[1]);
	long pid = spawn("connect", P("bl"), p[1], 0);
	struct pollfd pf = { p[0], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 30 * MS), 0, "%s: a connect beyond the backlog waits", path_name);
	/* A full table: accept says EMFILE and keeps the connection queued. */
	static long fds[300]; /* more than MAX_FDS (256) */
	long n = 0, r;
	while (n < 300 && (r = sys_dup(0)) >= 0)
		fds[n++] = r;
	CHECK_EQ(accept(l), -EMFILE, "%s: accept with a full table", path_name);
	while (n > 0)
		sys_close(fds[--n]);
	int a1 = accept(l);
	CHECK_EQ(a1 >= 0, 1, "%s: accept -> %d", path_name, a1);
	CHECK_EQ(poll(&pf, 1, 5000 * MS), 1, "%s: the waiting connect goes in after an accept", path_name);
	char c = 0;
	sys_read(p[0], (long)&c, 1);
	CHECK_EQ(c, 'c', "%s: connected", path_name);
	CHECK_EQ(sys_write(c1, (long)"1", 1), 1, "%s: write c1", path_name);
	CHECK_EQ(sys_read(a1, (long)&c, 1), 1, "%s: the first accepted is the first connected", path_name);
	CHECK_EQ(c, '1', "%s: its byte", path_name);
	int a2 = accept(l), a3 = accept(l);
	CHECK_EQ(a2 >= 0 && a3 >= 0, 1, "%s: accept the rest", path_name);
	CHECK_EQ(waitpid(pid), 0, "%s: connect child", path_name);
	CHECK_EQ(sys_read(a3, (long)&c, 1), 0, "%s: EOF from the child's connection", path_name);
	/* A connect killed while it waits for room. */
	int c3 = dial(P("bl")), c4 = dial(P("bl"));
	pid = spawn("connect", P("bl"), p[1], 0);
	sys_sleep_ns(30 * MS);
	CHECK_EQ(sys_kill(pid), 0, "%s: kill a waiting connect", path_name);
	CHECK_EQ(waitpid(pid), -1, "%s: connect killed", path_name);
	int fds4[] = { c1, c2, c3, c4, a1, a2, a3, l, p[0], p[1] };
	for (unsigned i = 0; i < sizeof(fds4) / sizeof(fds4[0]); i++)
		sys_close(fds4[i]);
	sys_unlink((long)P("bl"));
}

/* A client that dies mid-request, by exit and by kill while it waits for
 * the answer: the server reads what came, then EOF, and its answer gets
 * EPIPE; nothing hangs. */
static void client_dies(void)
{
	static const char *const modes[] = { "halfreq", "hang" };
	int l = listener(P("d"), 2);
	for (int m = 0; m < 2; m++) {
		long pid = spawn(modes[m], P("d"), 0, 0);
		int a = accept(l);
		CHECK_EQ(a >= 0, 1, "%s: accept -> %d", path_name, a);
		char buf[64];
		long got = 0, r;
		if (m == 1) {
			got = sys_read(a, (long)buf, 5); /* it is waiting for our answer now */
			sys_sleep_ns(20 * MS);
			CHECK_EQ(sys_kill(pid), 0, "%s: kill the client", path_name);
		}
		while ((r = sys_read(a, (long)buf + got, sizeof(buf) - got)) > 0)
			got += r;
		CHECK_EQ(r, 0, "%s: EOF after a %s client", path_name, modes[m]);
		CHECK_EQ(got, 5, "%s: the half request", path_name);
		CHECK_EQ(memcmp(buf, "GET /", 5), 0, "%s: its bytes", path_name);
		CHECK_EQ(sys_write(a, (long)"200", 3), -EPIPE, "%s: the answer gets EPIPE", path_name);
		CHECK_EQ(waitpid(pid), m ? -1 : 0, "%s: %s client", path_name, modes[m]);
		sys_close(a);
	}
	sys_close(l);
	sys_unlink((long)P("d"));
}

static int write_records(int fd, long id, long n)
{
	char rec[REC];
	for (long s = 0; s < n; s++) {
		unsigned seq = (unsigned)s;
		rec[0] = (char)id;
		memcpy(rec + 4, &seq, sizeof(seq));
		for (int j = 8; j < REC; j++)
			rec[j] = (char)(id * 31 + s + j);
		if (sys_write(fd, (long)rec, REC) != REC)
			return 1;
	}
	return 0;
}

/* The children: they use the parent's way in too, but writers of a FlexSC
 * run trap (the blocking calls under test are the reader's; each FlexSC
 * process costs the syscall core a context). */
static int child(int argc, char **argv)
{
	bool writer = !strcmp(argv[1], "writer") || !strcmp(argv[1], "fdwriter");
	if (argc < 6 || check_set_path(writer && !strcmp(argv[2], "flexsc") ? "syscall" : argv[2]))
		return 100;
	const char *a = argv[3];
	long b = atoi(argv[4]), c = atoi(argv[5]);
	if (!strcmp(argv[1], "writer")) {
		int fd = dial(a);
		return fd < 0 ? 2 : write_records(fd, b, c);
	}
	if (!strcmp(argv[1], "fdwriter"))
		return write_records(atoi(a), b, c);
	if (!strcmp(argv[1], "accept")) { /* blocks until killed */
		int l = listener(a, 1);
		return l < 0 ? 2 : accept(l) == -EINTR ? 3 : 4;
	}
	if (!strcmp(argv[1], "connect")) { /* then says so on pipe fd b */
		int fd = dial(a);
		return fd < 0 || sys_write(b, (long)"c", 1) != 1 ? 2 : 0;
	}
	if (!strcmp(argv[1], "halfreq")) {
		int fd = dial(a);
		return fd < 0 || sys_write(fd, (long)"GET /", 5) != 5 ? 2 : 0; /* exits mid-request */
	}
	if (!strcmp(argv[1], "hang")) { /* waits for an answer until killed */
		int fd = dial(a);
		char buf[4];
		return fd < 0 || sys_write(fd, (long)"GET /", 5) != 5 ? 2 : sys_read(fd, (long)buf, 4) == -EINTR ? 3 : 4;
	}
	if (!strcmp(argv[1], "pollfor")) {
		if (b < 0) { /* block in poll until killed */
			struct pollfd pf = { atoi(a), POLLIN, 0 };
			return poll(&pf, 1, -1) == -EINTR ? 3 : 4;
		}
		/* Off CPU c (by a trap: a syscall thread cannot move us), then
		 * pipe fd a and socket fd b, 20 ms apart. */
		struct sysinfo si;
		syscall_syscall(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
		unsigned long others = (si.ncpus >= 64 ? ~0ul : (1ul << si.ncpus) - 1) & ~(1ul << c);
		if (others && (syscall_syscall(SYS_setaffinity, 0, (long)others, 0, 0, 0, 0) ||
			       syscall_syscall(SYS_getcpu, 0, 0, 0, 0, 0, 0) == c))
			return 5;
		sys_sleep_ns(20 * MS);
		if (sys_write(atoi(a), (long)"p", 1) != 1)
			return 2;
		sys_sleep_ns(20 * MS);
		return sys_write(b, (long)"s", 1) == 1 ? 0 : 2;
	}
	return 100;
}

/* Every check of this run's path. */
static void run(void)
{
	flexsc = syscall_path_get() == PATH_FLEXSC;
	errors();
	connection();
	pair();
	many_connections();
	shared_socket();
	polls();
	blocked_and_backlog();
	client_dies();
}

int main(int argc, char **argv)
{
	if (argc > 2)
		return child(argc, argv);
	return check_main("utest_sock", argc, argv, &path_name, dir, sizeof(dir), "/tmp/sock-", run);
}
