/*
 * refclient: the truth latbench is compared against (make perf).
 *
 * One thread, one TCP connection, no sleep anywhere: it spins on the clock
 * until each request is due (request i at start + i/rate), writes it, then
 * busy-polls non-blocking reads until the whole response is in. Latency
 * counts from the due time, so a late send counts too. Every latency of
 * the measured window is kept and sorted: the percentiles are exact.
 *
 * usage: refclient HOST PORT RATE SECONDS WARMUP_SECONDS echo|http|https SIZE [CA_FILE]
 * prints one JSON object: requests, p50/p90/p99/p999/max latency in µs, the
 * service time (send to response) p50 in µs, and the achieved rate (rps:
 * requests over the time from the first measured request's due time to
 * the last response; below RATE when the server could not keep up).
 *
 * https is http over TLS (OpenSSL), built in only with -DREFCLIENT_TLS
 * (and -lssl -lcrypto); `refclient --has-tls` exits 0 when it is. The
 * handshake (ALPN http/1.1, TLS 1.3 ciphers in the order Go's client
 * prefers on AES hardware: AES-128-GCM first) is done before the first
 * request is due, blocking; then the socket is non-blocking and SSL_read
 * and SSL_write are busy-polled like read and write. With CA_FILE the
 * server's certificate is checked against it and HOST (an IP address);
 * without it, it is not checked. The negotiated version, cipher and ALPN
 * protocol go to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef REFCLIENT_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(int64_t *v, long n, double p) {
	long i = (long)(p / 100.0 * (double)n);
	return n == 0 ? 0 : v[i < n ? i : n - 1] / 1000.0;
}

static void die(const char *what) {
	perror(what);
	exit(1);
}

/* response_len returns the length of the HTTP response at the start of buf
 * (head + Content-Length body), or 0 while the head is incomplete. */
static long response_len(const char *buf, long n) {
	const char *end = memmem(buf, n, "\r\n\r\n", 4);
	if (end == NULL) return 0;
	const char *cl = memmem(buf, end - buf, "Content-Length:", 15);
	if (cl == NULL) cl = memmem(buf, end - buf, "content-length:", 15);
	if (cl == NULL) die("response without Content-Length");
	return (end - buf) + 4 + strtol(cl + 15, NULL, 10);
}

/* conn is the one connection: a socket, and its TLS session in https
 * mode (ssl is NULL otherwise). */
struct conn {
	int fd;
	void *ssl;
};

#ifdef REFCLIENT_TLS
static void die_tls(const char *what) {
	fprintf(stderr, "%s: ", what);
	ERR_print_errors_fp(stderr);
	fputc('\n', stderr);
	exit(1);
}

/* tls_start does the TLS handshake on the connected, still blocking fd. */
static void tls_start(struct conn *c, const char *host, const char *ca_file) {
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) die_tls("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384") != 1)
		die_tls("ciphersuites");
	SSL *ssl = SSL_new(ctx);
	if (ssl == NULL) die_tls("SSL_new");
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) die_tls("CA file");
		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) die_tls("CA check of HOST");
	}
	static const unsigned char alpn[] = "\x08http/1.1";
	if (SSL_set_alpn_protos(ssl, alpn, sizeof alpn - 1) != 0) die_tls("ALPN");
	if (SSL_set_fd(ssl, c->fd) != 1 || SSL_connect(ssl) != 1) die_tls("TLS handshake");
	const unsigned char *proto;
	unsigned int plen;
	SSL_get0_alpn_selected(ssl, &proto, &plen);
	fprintf(stderr, "refclient: %s %s, ALPN %.*s, certificate %s\n", SSL_get_version(ssl),
	        SSL_get_cipher_name(ssl), (int)plen, plen ? (const char *)proto : "-",
	        ca_file ? "checked" : "not checked");
	c->ssl = ssl;
}

/* tls_io returns n > 0, or 0 when the call would block; it dies on error
 * or when the server closed. */
static long tls_io(struct conn *c, int ret, const char *what) {
	if (ret > 0) return ret;
	int e = SSL_get_error(c->ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
	if (e == SSL_ERROR_ZERO_RETURN) {
		fprintf(stderr, "server closed\n");
		exit(1);
	}
	die_tls(what);
	return 0;
}
#else
static void tls_start(struct conn *c, const char *host, const char *ca_file) {
	(void)c, (void)host, (void)ca_file;
	fprintf(stderr, "refclient: built without TLS; rebuild with -DREFCLIENT_TLS -lssl -lcrypto (OpenSSL, e.g. libssl-dev)\n");
	exit(2);
}
#endif

/* conn_write writes up to n bytes: the count, or 0 when it would block. A
 * TLS write that would block is retried with the same bytes, as OpenSSL
 * requires. */
static long conn_write(struct conn *c, const char *buf, long n) {
#ifdef REFCLIENT_TLS
	if (c->ssl != NULL) return tls_io(c, SSL_write(c->ssl, buf, (int)n), "SSL_write");
#endif
	ssize_t w = write(c->fd, buf, n);
	if (w < 0 && errno != EAGAIN) die("write");
	return w > 0 ? w : 0;
}

/* conn_read reads up to n bytes: the count, or 0 when nothing is there. */
static long conn_read(struct conn *c, char *buf, long n) {
#ifdef REFCLIENT_TLS
	if (c->ssl != NULL) return tls_io(c, SSL_read(c->ssl, buf, (int)(n > (1 << 30) ? (1 << 30) : n)), "SSL_read");
#endif
	ssize_t r = read(c->fd, buf, n);
	if (r == 0) {
		fprintf(stderr, "server closed\n");
		exit(1);
	}
	if (r < 0 && errno != EAGAIN) die("read");
	return r > 0 ? r : 0;
}

int main(int argc, char **argv) {
	if (argc == 2 && strcmp(argv[1], "--has-tls") == 0) {
#ifdef REFCLIENT_TLS
		return 0;
#else
		fprintf(stderr, "refclient: built without TLS (-DREFCLIENT_TLS)\n");
		return 1;
#endif
	}
	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: refclient HOST PORT RATE SECONDS WARMUP_SECONDS echo|http|https SIZE [CA_FILE]\n");
		return 2;
	}
	double rate = atof(argv[3]), secs = atof(argv[4]), warm = atof(argv[5]);
	int tls = strcmp(argv[6], "https") == 0;
	int http = tls || strcmp(argv[6], "http") == 0;
	long size = atol(argv[7]);
	char req[256 + (1 << 16)];
	long reqlen;
	if (http) {
		reqlen = snprintf(req, sizeof req, "GET /bytes/%ld HTTP/1.1\r\nHost: refclient\r\n\r\n", size);
	} else {
		if (size <= 0 || size > (1 << 16)) die("echo size must be 1 to 65536");
		for (long i = 0; i < size; i++) req[i] = 'a' + i % 26;
		reqlen = size;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) die("address");
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct conn c = {.fd = fd};
	if (tls) tls_start(&c, argv[1], argc == 9 ? argv[8] : NULL);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("fcntl");

	long total = (long)((secs + warm) * rate), warmup = (long)(warm * rate), n = 0;
	int64_t *lat = malloc(sizeof(int64_t) * (total - warmup + 1));
	int64_t *svc = malloc(sizeof(int64_t) * (total - warmup + 1));
	long cap = 1 << 24;
	char *buf = malloc(cap);
	int64_t start = now_ns() + 1000000, first_due = 0, last_done = 0;
	for (long i = 0; i < total; i++) {
		int64_t due = start + (int64_t)((double)i * 1e9 / rate);
		while (now_ns() < due) {
		}
		int64_t sent = now_ns();
		for (long off = 0; off < reqlen;) off += conn_write(&c, req + off, reqlen - off);
		long got = 0, want = http ? 0 : size;
		for (;;) {
			got += conn_read(&c, buf + got, cap - got);
			if (http && want == 0) want = response_len(buf, got);
			if (want > 0 && got >= want) break;
		}
		int64_t done = now_ns();
		if (i >= warmup) {
			if (n == 0) first_due = due;
			last_done = done;
			lat[n] = done - due;
			svc[n] = done - sent;
			n++;
		}
	}
	qsort(lat, n, sizeof *lat, cmp);
	qsort(svc, n, sizeof *svc, cmp);
	printf("{\"requests\": %ld, \"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, "
	       "\"max_us\": %.1f, \"service_p50_us\": %.1f, \"rps\": %.1f}\n",
	       n, pct(lat, n, 50), pct(lat, n, 90), pct(lat, n, 99), pct(lat, n, 99.9),
	       n ? lat[n - 1] / 1000.0 : 0, pct(svc, n, 50),
	       last_done > first_due ? n * 1e9 / (double)(last_done - first_due) : 0);
	close(fd);
	return 0;
}
