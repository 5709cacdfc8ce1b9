/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * grepq: selector parsing, dnsdist's columns, name/netmask/latency
 * selection and the per-kind limit, over real rings.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/grepq.h"
#include "frontend/rings.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "qhelp.h"
#include "tap.h"

static char *run(struct rings *r, const char *a, const char *b, unsigned limit, int *n)
{
	struct grepq_sel sel = { .min_msec = -1 };
	char *text = NULL;
	size_t len = 0;
	if (a != NULL && grepq_parse(&sel, a) < 0)
		return NULL;
	if (b != NULL && grepq_parse(&sel, b) < 0)
		return NULL;
	FILE *out = open_memstream(&text, &len);
	*n = grepq_write(r, NULL, &sel, limit, 10000000, out);
	fclose(out);
	return text;
}

static void add(struct rings *r, const char *name, const char *client, uint64_t when,
		uint32_t lat_us, uint8_t rcode)
{
	struct fe_query q;
	struct qspec s = { .name = name, .client = client, .port = 4242, .id = 77 };
	if (qh_build(&q, &s) < 0 || dg_pkt_parse_question(&q.hdr, &q.q, q.buf, q.len) < 0)
		return;
	q.now_us = when;
	rings_add_query(r, 0, &q);
	q.buf[2] |= 0x80;
	q.buf[3] = rcode;
	rings_add_response(r, 0, &q, rcode, q.len, lat_us, -1);
	free(q.buf);
}

int main(void)
{
	struct grepq_sel sel = { .min_msec = -1 };
	ok(grepq_parse(&sel, "100ms") == 0 && sel.min_msec == 100, "latency selector");
	ok(grepq_parse(&sel, "192.0.2.0/24") == 0 && sel.has_nm, "netmask selector");
	ok(grepq_parse(&sel, "example.com") == 0 && sel.has_name, "name selector");
	is_err(grepq_parse(&sel, ""), DG_EINVAL, "empty selector refused");

	struct rings *r = rings_new(1, 100);
	add(r, "www.example.com.", "192.0.2.1", 8000000, 1500, 0);
	add(r, "other.org.", "192.0.2.1", 8500000, 250000, 3);
	add(r, "a.example.com.", "198.51.100.7", 9000000, 2000, 2);

	int n;
	char *t = run(r, "example.com", NULL, 0, &n);
	is_int(4, n, "name: 2 queries + 2 responses");
	ok(t && strncmp(t, "Time    Client ", 15) == 0, "dnsdist's header");
	ok(t && strstr(t, "-2.0    192.0.2.1:4242") != NULL, "age and client with port");
	ok(t && strstr(t, "www.example.com.") && !strstr(t, "other.org."), "suffix selection");
	ok(t && strstr(t, "Question") != NULL, "queries say Question");
	ok(t && strstr(t, "No Error. 0 answers") != NULL, "NOERROR with the answer count");
	ok(t && strstr(t, "Server Failure") != NULL, "SERVFAIL text");
	ok(t && strstr(t, " RD ") != NULL, "RD column");
	free(t);

	t = run(r, "198.51.100.0/24", NULL, 0, &n);
	is_int(2, n, "netmask: one client's query and response");
	free(t);
	t = run(r, "100ms", NULL, 0, &n);
	is_int(1, n, "latency: only the 250 ms response");
	ok(t && strstr(t, "250.0") && strstr(t, "Non-Existent domain"), "latency in ms, rcode text");
	free(t);
	t = run(r, "192.0.2.1", "example.com", 0, &n);
	is_int(2, n, "netmask and name together");
	free(t);
	t = run(r, ".", NULL, 1, &n);
	is_int(2, n, "limit 1: newest query and newest response");
	ok(t && strstr(t, "a.example.com.") && !strstr(t, "other.org."), "the newest ones kept");
	free(t);
	t = run(NULL, ".", NULL, 0, &n);
	is_int(0, n, "no rings: header only");
	free(t);
	rings_free(r);
	return tap_done();
}
