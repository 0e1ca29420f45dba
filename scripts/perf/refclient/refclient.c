/*
 * refclient: the truth latbench is compared against (make perf).
 *
 * One thread, one TCP connection, no sleep anywhere: it spins on the clock
 * until each request is due (request i at start + i/rate), writes it, then
 * busy-polls non-blocking reads until the whole response is in. Latency
 * counts from the due time, so a late send counts too. Every latency of
 * the measured window is kept and sorted: the percentiles are exact.
 *
 * usage: refclient HOST PORT RATE SECONDS WARMUP_SECONDS echo|http SIZE
 * prints one JSON object: requests, p50/p90/p99/p999/max latency in µs and
 * the service time (send to response) p50 in µs.
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

int main(int argc, char **argv) {
	if (argc != 8) {
		fprintf(stderr, "usage: refclient HOST PORT RATE SECONDS WARMUP_SECONDS echo|http SIZE\n");
		return 2;
	}
	double rate = atof(argv[3]), secs = atof(argv[4]), warm = atof(argv[5]);
	int http = strcmp(argv[6], "http") == 0;
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
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("fcntl");

	long total = (long)((secs + warm) * rate), warmup = (long)(warm * rate), n = 0;
	int64_t *lat = malloc(sizeof(int64_t) * (total - warmup + 1));
	int64_t *svc = malloc(sizeof(int64_t) * (total - warmup + 1));
	long cap = 1 << 24;
	char *buf = malloc(cap);
	int64_t start = now_ns() + 1000000;
	for (long i = 0; i < total; i++) {
		int64_t due = start + (int64_t)((double)i * 1e9 / rate);
		while (now_ns() < due) {
		}
		int64_t sent = now_ns();
		for (long off = 0; off < reqlen;) {
			ssize_t w = write(fd, req + off, reqlen - off);
			if (w > 0) off += w;
			else if (errno != EAGAIN) die("write");
		}
		long got = 0, want = http ? 0 : size;
		for (;;) {
			ssize_t r = read(fd, buf + got, cap - got);
			if (r == 0) die("server closed");
			if (r < 0 && errno != EAGAIN) die("read");
			if (r > 0) got += r;
			if (http && want == 0) want = response_len(buf, got);
			if (want > 0 && got >= want) break;
		}
		int64_t done = now_ns();
		if (i >= warmup) {
			lat[n] = done - due;
			svc[n] = done - sent;
			n++;
		}
	}
	qsort(lat, n, sizeof *lat, cmp);
	qsort(svc, n, sizeof *svc, cmp);
	printf("{\"requests\": %ld, \"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, "
	       "\"max_us\": %.1f, \"service_p50_us\": %.1f}\n",
	       n, pct(lat, n, 50), pct(lat, n, 90), pct(lat, n, 99), pct(lat, n, 99.9),
	       n ? lat[n - 1] / 1000.0 : 0, pct(svc, n, 50));
	close(fd);
	return 0;
}
