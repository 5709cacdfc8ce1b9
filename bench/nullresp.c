/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * nullresp: the cheapest possible UDP "DNS server". It copies each datagram
 * back to its sender with the QR bit set, batching with recvmmsg/sendmmsg on
 * one socket in one thread. What it costs per query is what the kernel costs
 * for one UDP round trip plus the batching loop: the CPU floor the benchmark
 * compares every frontend's hit path against (bench/run.py).
 *
 *   nullresp -l 127.0.0.1:5399 [-b batch]
 *
 * It runs until SIGTERM or SIGINT, then prints one JSON line with its counts
 * on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BATCH 256
#define BUFSZ 4096
/* DNS header byte 2 holds QR in its top bit (RFC 1035 §4.1.1). */
#define DNS_QR_BYTE 2
#define DNS_QR_BIT 0x80

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Parses "a.b.c.d:port" into sa; returns 0 or -1. */
static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	long port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static int open_socket(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	/* Big buffers: a burst from dnsload must not be dropped by the
	 * kernel before this loop gets to it. */
	int sz = 8 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The whole data path: receive a batch, flip QR, send the batch back. */
static void serve(int fd, unsigned batch, uint64_t *rx, uint64_t *tx)
{
	static uint8_t bufs[MAX_BATCH][BUFSZ];
	static struct sockaddr_in peers[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];

	while (!stop_flag) {
		for (unsigned i = 0; i < batch; i++) {
			iov[i] = (struct iovec){ bufs[i], BUFSZ };
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &peers[i], .msg_namelen = sizeof(peers[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
			};
		}
		/* Blocks for the first datagram only, then takes what is queued. */
		int n = recvmmsg(fd, msgs, batch, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;       /* EINTR from the stop signal, or nothing */
		*rx += (uint64_t)n;
		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_len > DNS_QR_BYTE)
				bufs[i][DNS_QR_BYTE] |= DNS_QR_BIT;
			iov[i].iov_len = msgs[i].msg_len;
		}
		int off = 0;
		while (off < n) {
			int m = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
			if (m <= 0)
				break;  /* full send buffer: the client counts it lost */
			off += m;
		}
		*tx += (uint64_t)off;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	const char *listen_at = NULL;
	unsigned batch = 64;
	int opt;

	while ((opt = getopt(argc, argv, "l:b:")) != -1) {
		if (opt == 'l')
			listen_at = optarg;
		else if (opt == 'b')
			batch = (unsigned)strtoul(optarg, NULL, 10);
		else
			goto usage;
	}
	if (listen_at == NULL || parse_addr(listen_at, &sa) < 0 || batch == 0 || batch > MAX_BATCH)
		goto usage;

	int fd = open_socket(&sa);
	if (fd < 0) {
		fprintf(stderr, "nullresp: cannot bind %s: %s\n", listen_at, strerror(errno));
		return 1;
	}
	/* No SA_RESTART: the signal must interrupt the blocking recvmmsg. */
	struct sigaction act = { .sa_handler = on_signal };
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	fprintf(stderr, "nullresp: listening on %s\n", listen_at);

	uint64_t rx = 0, tx = 0;
	serve(fd, batch, &rx, &tx);
	close(fd);
	printf("{\"received\": %llu, \"sent\": %llu}\n", (unsigned long long)rx,
	       (unsigned long long)tx);
	return 0;

usage:
	fprintf(stderr, "usage: nullresp -l IPv4:PORT [-b BATCH(1-%d)]\n", MAX_BATCH);
	return 2;
}
