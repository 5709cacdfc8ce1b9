/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Steering (steer.h): the C hash, and the kernel running the program on a
 * real SO_REUSEPORT group on loopback, UDP and TCP, clients from several
 * 127.0.0.x addresses and source ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/steer.h"
#include "lib/err.h"
#include "tap.h"

#define NSOCK 4
#define NCLIENTS 24
#define NPORTS 3 /* source ports per client address */

static void test_hash(void)
{
	uint8_t a[4] = { 198, 51, 100, 7 }, b[4] = { 198, 51, 100, 200 };
	is_int(steer_index(AF_INET, a, 24, 8), steer_index(AF_INET, b, 24, 8),
	       "one /24 steered together at 24 bits");
	unsigned seen = 0;
	for (unsigned i = 0; i < 64; i++) {
		uint8_t x[4] = { 10, 0, 0, (uint8_t)i };
		unsigned k = steer_index(AF_INET, x, 32, 4);
		seen |= 1u << k;
	}
	is_int(0xf, seen, "64 hosts spread over all 4 workers at 32 bits");
	uint8_t p[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t q[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xff, 0xff, 0, 0, 0, 0, 0, 9 };
	is_int(steer_index(AF_INET6, p, 128, 8), steer_index(AF_INET6, q, 128, 8),
	       "IPv6 is steered by its /64 at most");
	uint8_t big[4] = { 255, 255, 255, 255 };
	ok(steer_index(AF_INET, big, 32, 3) < 3, "index below the worker count");
	is_err(DG_EINVAL, steer_attach(-1, AF_UNIX, 32, 2), "AF_UNIX refused");
	is_err(DG_EINVAL, steer_attach(-1, AF_INET, 32, 0), "no workers refused");
}

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

/* NSOCK sockets of type in one SO_REUSEPORT group on 127.0.0.1; the port. */
static int open_group(int type, int *fds)
{
	int one = 1;
	uint16_t port = 0;
	for (int i = 0; i < NSOCK; i++) {
		fds[i] = socket(AF_INET, type | SOCK_NONBLOCK, 0);
		struct sockaddr_in a = sin4("127.0.0.1", port);
		if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
		    bind(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    (type == SOCK_STREAM && listen(fds[i], 64) < 0))
			return -1;
		socklen_t len = sizeof(a);
		getsockname(fds[i], (struct sockaddr *)&a, &len);
		port = ntohs(a.sin_port);
	}
	return port;
}

/* Client c's address, 127.0.0.(10+c), and the worker it must reach. */
static void client(unsigned c, char *ip, size_t n, unsigned *want)
{
	snprintf(ip, n, "127.0.0.%u", 10 + c);
	uint8_t b[4] = { 127, 0, 0, (uint8_t)(10 + c) };
	*want = steer_index(AF_INET, b, 32, NSOCK);
}

/* A socket bound to ip (any port) and connected (TCP) or sent to (UDP) port. */
static int send_from(int type, const char *ip, uint16_t port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in src = sin4(ip, 0), dst = sin4("127.0.0.1", port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		return -1;
	if (type == SOCK_STREAM)
		return connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 ? fd : -1;
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)) != 1)
		return -1;
	return fd;
}

/* Which socket of fds has something from ip: receives (UDP) or accepts (TCP). */
static int landed(int type, const int *fds, const char *ip)
{
	struct pollfd p[NSOCK];
	for (int i = 0; i < NSOCK; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (poll(p, NSOCK, 1000) <= 0)
		return -1;
	for (int i = 0; i < NSOCK; i++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		char c;
		int fd = type == SOCK_STREAM
			 ? accept(fds[i], (struct sockaddr *)&from, &len)
			 : (int)recvfrom(fds[i], &c, 1, 0, (struct sockaddr *)&from, &len);
		if (fd < 0)
			continue;
		if (type == SOCK_STREAM)
			close(fd);
		char got[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &from.sin_addr, got, sizeof(got));
		return strcmp(got, ip) == 0 ? i : -2;
	}
	return -1;
}

static void test_kernel(int type, const char *what)
{
	int fds[NSOCK];
	int port = open_group(type, fds);
	ok(port > 0, "%s: group of %d sockets", what, NSOCK);
	int ret = steer_attach(fds[0], AF_INET, 32, NSOCK);
	is_err(DG_OK, ret, "%s: program attached", what);
	int right = 0, total = 0;
	unsigned used = 0;
	for (unsigned c = 0; c < NCLIENTS; c++) {
		char ip[INET_ADDRSTRLEN];
		unsigned want;
		client(c, ip, sizeof(ip), &want);
		for (int k = 0; k < NPORTS; k++) {
			int fd = send_from(type, ip, (uint16_t)port);
			int got = fd < 0 ? -1 : landed(type, fds, ip);
			if (fd >= 0)
				close(fd);
			total++;
			right += got == (int)want;
			used |= got >= 0 ? 1u << got : 0;
		}
	}
	is_int(NCLIENTS * NPORTS, right, "%s: every client reached the socket steer_index() names",
	       what);
	is_int((1u << NSOCK) - 1, used, "%s: and the clients used every socket", what);
	(void)total;
	for (int i = 0; i < NSOCK; i++)
		close(fds[i]);
}

/*
 * IPv6: loopback has one address, ::1, whose /64 is all zeros, so this
 * shows that the kernel accepts the v6 program and that it decides (every
 * source port on the socket steer_index() names, where the kernel's own
 * hash would spread them), not that it reads the right words: netns tests
 * with real IPv6 prefixes would.
 */
static void test_kernel_v6(void)
{
	int fds[NSOCK], one = 1;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	for (int i = 0; i < NSOCK; i++) {
		fds[i] = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
		    bind(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0) {
			ok(false, "udp6: group on ::1");
			return;
		}
		socklen_t len = sizeof(a);
		getsockname(fds[i], (struct sockaddr *)&a, &len);
	}
	is_err(DG_OK, steer_attach(fds[0], AF_INET6, 64, NSOCK), "udp6: program attached");
	unsigned want = steer_index(AF_INET6, a.sin6_addr.s6_addr, 64, NSOCK);
	int right = 0;
	for (int k = 0; k < 8; k++) {
		int c = socket(AF_INET6, SOCK_DGRAM, 0);
		(void)sendto(c, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
		struct pollfd p[NSOCK];
		for (int i = 0; i < NSOCK; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, NSOCK, 1000) > 0) {
			for (int i = 0; i < NSOCK; i++) {
				char ch;
				if (recv(fds[i], &ch, 1, 0) == 1)
					right += i == (int)want;
			}
		}
		close(c);
	}
	is_int(8, right, "udp6: 8 source ports of ::1, all on the socket steer_index() names");
	for (int i = 0; i < NSOCK; i++)
		close(fds[i]);
}

int main(void)
{
	test_hash();
	test_kernel(SOCK_DGRAM, "udp");
	test_kernel(SOCK_STREAM, "tcp");
	test_kernel_v6();
	return tap_done();
}
