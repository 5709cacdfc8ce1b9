/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests sockaddr.c: every accepted address form (checked field by field and
 * through a round trip to text), each rejected form with its error code,
 * printing into short buffers, equality and ports.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/err.h"
#include "lib/sockaddr.h"
#include "tap.h"

static const struct {
	const char *text;
	int family;
	const char *addr; /* inet_ntop form */
	uint16_t port;
	const char *str;  /* dg_sockaddr_to_str form */
} good[] = {
	{ "1.2.3.4", AF_INET, "1.2.3.4", 5353, "1.2.3.4:5353" },
	{ "1.2.3.4:53", AF_INET, "1.2.3.4", 53, "1.2.3.4:53" },
	{ "0.0.0.0:53", AF_INET, "0.0.0.0", 53, "0.0.0.0:53" },
	{ "127.0.0.1:0", AF_INET, "127.0.0.1", 0, "127.0.0.1:0" },
	{ "255.255.255.255:65535", AF_INET, "255.255.255.255", 65535, "255.255.255.255:65535" },
	{ "::1", AF_INET6, "::1", 5353, "[::1]:5353" },
	{ "::", AF_INET6, "::", 5353, "[::]:5353" },
	{ "[::1]", AF_INET6, "::1", 5353, "[::1]:5353" },
	{ "[::1]:5300", AF_INET6, "::1", 5300, "[::1]:5300" },
	{ "2001:db8::1:53", AF_INET6, "2001:db8::1:53", 5353, "[2001:db8::1:53]:5353" },
	{ "[2001:DB8::a]:00053", AF_INET6, "2001:db8::a", 53, "[2001:db8::a]:53" },
	{ "[::ffff:192.0.2.1]:53", AF_INET6, "::ffff:192.0.2.1", 53, "[::ffff:192.0.2.1]:53" },
	/* longest input text; printed in canonical form */
	{ "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", AF_INET6,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
};

static const struct {
	const char *text;
	int err;
} bad[] = {
	{ "", DG_EADDR_SYNTAX },
	{ "abc", DG_EADDR_SYNTAX },
	{ "localhost:53", DG_EADDR_SYNTAX },
	{ "300.1.1.1", DG_EADDR_SYNTAX },
	{ "1.2.3", DG_EADDR_SYNTAX },
	{ " 1.2.3.4", DG_EADDR_SYNTAX },
	{ "1.2.3.4 ", DG_EADDR_SYNTAX },
	{ ":53", DG_EADDR_SYNTAX },
	{ "1.2.3.4:5:6", DG_EADDR_SYNTAX },
	{ "[1.2.3.4]:53", DG_EADDR_SYNTAX },
	{ "[::1", DG_EADDR_SYNTAX },
	{ "[::1]53", DG_EADDR_SYNTAX },
	{ "[]:53", DG_EADDR_SYNTAX },
	{ "::1]", DG_EADDR_SYNTAX },
	{ "fe80::1%eth0", DG_EADDR_SYNTAX },
	{ "[::1]:53]", DG_EADDR_PORT },
	{ "1.2.3.4:", DG_EADDR_PORT },
	{ "[::1]:", DG_EADDR_PORT },
	{ "1.2.3.4:65536", DG_EADDR_PORT },
	{ "1.2.3.4:99999999999999999999", DG_EADDR_PORT },
	{ "1.2.3.4:-1", DG_EADDR_PORT },
	{ "1.2.3.4:+53", DG_EADDR_PORT },
	{ "1.2.3.4:0x35", DG_EADDR_PORT },
	{ "1.2.3.4:53 ", DG_EADDR_PORT },
};

static void test_good(void)
{
	for (size_t i = 0; i < DG_ARRAY_SIZE(good); i++) {
		union dg_sockaddr sa;
		char addr[INET6_ADDRSTRLEN] = "", str[DG_SOCKADDR_STRLEN];
		const char *t = good[i].text;

		memset(&sa, 0xa5, sizeof(sa));
		is_err(0, dg_sockaddr_parse(&sa, t, 5353), "parse %s", t);
		is_int(good[i].family, sa.sa.sa_family, "%s: family", t);
		const void *a = good[i].family == AF_INET ? (const void *)&sa.in.sin_addr
							  : (const void *)&sa.in6.sin6_addr;
		inet_ntop(good[i].family, a, addr, sizeof(addr));
		is_str(good[i].addr, addr, "%s: address", t);
		is_int(good[i].port, dg_sockaddr_port(&sa), "%s: port", t);
		int n = dg_sockaddr_to_str(&sa, str, sizeof(str));
		is_int((long long)strlen(good[i].str), n, "%s: to_str length", t);
		is_str(good[i].str, str, "%s: to_str", t);

		union dg_sockaddr back;
		is_err(0, dg_sockaddr_parse(&back, str, 1), "%s: reparse", t);
		ok(dg_sockaddr_eq(&sa, &back), "%s: text round trip is equal", t);
	}
	union dg_sockaddr sa;
	is_err(0, dg_sockaddr_parse(&sa, "1.2.3.4:53", 0), "parse for zero check");
	const char zero[sizeof(sa.in.sin_zero)] = { 0 };
	ok(memcmp(sa.in.sin_zero, zero, sizeof(zero)) == 0, "sin_zero cleared");
	is_err(0, dg_sockaddr_parse(&sa, "[::1]", 0), "parse for v6 fields");
	ok(sa.in6.sin6_flowinfo == 0 && sa.in6.sin6_scope_id == 0, "flowinfo and scope cleared");
}

static void test_bad(void)
{
	for (size_t i = 0; i < DG_ARRAY_SIZE(bad); i++) {
		union dg_sockaddr sa;
		is_err(bad[i].err, dg_sockaddr_parse(&sa, bad[i].text, 53), "reject \"%s\"",
		       bad[i].text);
		is_int(0, dg_sockaddr_len(&sa), "\"%s\": output left unset", bad[i].text);
	}
	char longtext[200];
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	union dg_sockaddr sa;
	is_err(DG_EADDR_SYNTAX, dg_sockaddr_parse(&sa, longtext, 53), "overlong host rejected");
	is_err(DG_EINVAL, dg_sockaddr_parse(&sa, NULL, 53), "NULL text");
	is_err(DG_EINVAL, dg_sockaddr_parse(NULL, "1.2.3.4", 53), "NULL out");
}

static void test_to_str_space(void)
{
	union dg_sockaddr sa;
	char buf[DG_SOCKADDR_STRLEN];

	is_err(0, dg_sockaddr_parse(&sa, "1.2.3.4:53", 0), "parse");
	is_int(10, dg_sockaddr_to_str(&sa, buf, 11), "exact fit (10 + NUL)");
	is_err(DG_ESPACE, dg_sockaddr_to_str(&sa, buf, 10), "one byte short");
	is_str("", buf, "short buffer left empty");
	is_err(DG_ESPACE, dg_sockaddr_to_str(&sa, buf, 0), "zero-size buffer");

	memset(&sa, 0, sizeof(sa));
	sa.sa.sa_family = AF_UNIX;
	is_err(DG_EINVAL, dg_sockaddr_to_str(&sa, buf, sizeof(buf)), "unknown family");
	is_int(0, dg_sockaddr_len(&sa), "unknown family has no length");
	is_int(0, dg_sockaddr_port(&sa), "unknown family has no port");
	ok(!dg_sockaddr_eq(&sa, &sa), "unknown family never equal");
}

static void test_eq_len_port(void)
{
	union dg_sockaddr a, b, c, d, e;

	is_err(0, dg_sockaddr_parse(&a, "192.0.2.1:53", 0), "a");
	is_err(0, dg_sockaddr_parse(&b, "192.0.2.1", 53), "b");
	is_err(0, dg_sockaddr_parse(&c, "192.0.2.1:54", 0), "c");
	is_err(0, dg_sockaddr_parse(&d, "[::ffff:192.0.2.1]:53", 0), "d");
	is_err(0, dg_sockaddr_parse(&e, "192.0.2.2:53", 0), "e");
	ok(dg_sockaddr_eq(&a, &b), "explicit port equals default port");
	ok(!dg_sockaddr_eq(&a, &c), "ports differ");
	ok(!dg_sockaddr_eq(&a, &d), "v4 differs from its v4-mapped v6 form");
	ok(!dg_sockaddr_eq(&a, &e), "addresses differ");
	is_int(sizeof(struct sockaddr_in), dg_sockaddr_len(&a), "v4 length");
	is_int(sizeof(struct sockaddr_in6), dg_sockaddr_len(&d), "v6 length");

	dg_sockaddr_set_port(&c, 53);
	ok(dg_sockaddr_eq(&a, &c), "set_port makes them equal");
	is_int(53, ntohs(c.in.sin_port), "set_port stores network order");

	union dg_sockaddr s1, s2;
	is_err(0, dg_sockaddr_parse(&s1, "[fe80::1]:53", 0), "s1");
	s2 = s1;
	s2.in6.sin6_scope_id = 2;
	ok(!dg_sockaddr_eq(&s1, &s2), "IPv6 scope id distinguishes");
	s2.in6.sin6_scope_id = 0;
	s2.in6.sin6_flowinfo = 7;
	ok(dg_sockaddr_eq(&s1, &s2), "IPv6 flow info ignored");
}

int main(void)
{
	test_good();
	test_bad();
	test_to_str_space();
	test_eq_len_port();
	return tap_done();
}
