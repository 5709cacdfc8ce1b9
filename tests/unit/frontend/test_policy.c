/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Server selection policies as dnsdist documents them, on hand-made
 * candidate lists (no sockets, no configuration file).
 */
#include "tap.h"

#include "frontend/policy.h"
#include "lib/dname.h"

#define NB 4

static struct fe_backend bes[NB];
static struct pol_cand cand[NB];

static void reset(void)
{
	memset(bes, 0, sizeof(bes));
	for (int i = 0; i < NB; i++) {
		bes[i].index = i;
		bes[i].weight = 1;
		bes[i].order = 1;
		if (dg_sockaddr_parse(&bes[i].addr, "127.0.0.1", (uint16_t)(5301 + i)) < 0)
			diag("address parse failed");
		cand[i] = (struct pol_cand){ .be = &bes[i], .up = true };
	}
}

static int pick(enum fe_policy p, size_t n, uint32_t qhash, uint32_t rnd)
{
	static unsigned rr;
	struct pol_ctx ctx = { .qhash = qhash, .rnd = rnd, .rr_counter = &rr };
	return policy_select(p, cand, n, &ctx);
}

static void test_least_outstanding(void)
{
	reset();
	cand[0].outstanding = 5;
	cand[1].outstanding = 2;
	cand[2].outstanding = 2;
	cand[3].outstanding = 9;
	bes[2].order = 0;
	is_int(2, pick(FE_POL_LEAST_OUTSTANDING, 4, 0, 0), "fewest outstanding, tie -> lowest order");
	bes[2].order = 1;
	cand[1].latency_us = 900;
	cand[2].latency_us = 100;
	is_int(2, pick(FE_POL_LEAST_OUTSTANDING, 4, 0, 0), "tie on order -> lowest latency");
	cand[2].up = false;
	is_int(1, pick(FE_POL_LEAST_OUTSTANDING, 4, 0, 0), "down servers are skipped");
	for (int i = 0; i < NB; i++)
		cand[i].up = false;
	is_int(-1, pick(FE_POL_LEAST_OUTSTANDING, 4, 0, 0), "nobody up -> none");
}

static void test_first_available(void)
{
	reset();
	cand[0].outstanding = 100;
	is_int(0, pick(FE_POL_FIRST_AVAILABLE, 4, 0, 0), "first in order even when busy");
	cand[0].up = false;
	is_int(1, pick(FE_POL_FIRST_AVAILABLE, 4, 0, 0), "next one when the first is down");
	for (int i = 0; i < NB; i++)
		cand[i].up = false;
	is_int(-1, pick(FE_POL_FIRST_AVAILABLE, 4, 0, 0), "nobody up -> none");
}

static void test_sort(void)
{
	reset();
	struct fe_backend *s[NB] = { &bes[0], &bes[1], &bes[2], &bes[3] };
	bes[0].order = 3;
	bes[1].order = 1;
	bes[2].order = 2;
	bes[3].order = 1;
	policy_sort(s, NB);
	ok(s[0] == &bes[1] && s[1] == &bes[3] && s[2] == &bes[2] && s[3] == &bes[0],
	   "pool order: by order, ties in declaration order");
}

static void test_roundrobin(void)
{
	reset();
	unsigned rr = 0;
	struct pol_ctx ctx = { .rr_counter = &rr };
	int seq[6];
	for (int i = 0; i < 6; i++)
		seq[i] = policy_select(FE_POL_ROUNDROBIN, cand, 3, &ctx);
	ok(seq[0] == 0 && seq[1] == 1 && seq[2] == 2 && seq[3] == 0 && seq[4] == 1 && seq[5] == 2,
	   "rotates 0 1 2 0 1 2");
	cand[1].up = false;
	rr = 0;
	for (int i = 0; i < 4; i++)
		seq[i] = policy_select(FE_POL_ROUNDROBIN, cand, 3, &ctx);
	ok(seq[0] == 0 && seq[1] == 2 && seq[2] == 0 && seq[3] == 2, "skips a down server");
	cand[0].up = cand[2].up = false;
	ok(policy_select(FE_POL_ROUNDROBIN, cand, 3, &ctx) >= 0,
	   "nobody up: still picks one (dnsdist default)");
	ctx.rr_fail_on_no_server = true;
	is_int(-1, policy_select(FE_POL_ROUNDROBIN, cand, 3, &ctx),
	       "nobody up and setRoundRobinFailOnNoServer: none");
}

static void test_wrandom(void)
{
	reset();
	bes[0].weight = 1;
	bes[1].weight = 3;
	int count[2] = { 0, 0 };
	uint32_t x = 12345;
	for (int i = 0; i < 4000; i++) {
		x = x * 1103515245u + 12345u;
		int k = pick(FE_POL_WRANDOM, 2, 0, x >> 8);
		if (k >= 0)
			count[k]++;
	}
	diag("wrandom 1:3 over 4000: %d / %d", count[0], count[1]);
	ok(count[0] > 800 && count[0] < 1200, "weight 1 gets about a quarter");
	ok(count[0] + count[1] == 4000, "every query placed");
	cand[1].up = false;
	is_int(0, pick(FE_POL_WRANDOM, 2, 0, 3), "only the server that is up");
}

static uint32_t hash_of(const char *name)
{
	uint8_t n[DG_DNAME_MAXLEN];
	int len = dg_dname_from_str(n, sizeof(n), name, NULL);
	dg_dname_tolower(n);
	return policy_qname_hash(n, len > 0 ? (size_t)len : 0);
}

static void test_whashed(void)
{
	reset();
	is_int((long long)hash_of("www.example.com."), (long long)hash_of("WWW.Example.COM."),
	       "hash is case-insensitive through qname_lc");
	int first = pick(FE_POL_WHASHED, 3, hash_of("www.example.com."), 1);
	int same = 1;
	for (int i = 0; i < 50; i++)
		same &= pick(FE_POL_WHASHED, 3, hash_of("www.example.com."), (uint32_t)i) == first;
	ok(same, "one name always maps to the same server");
	int seen[3] = { 0, 0, 0 };
	char name[64];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		int k = pick(FE_POL_WHASHED, 3, hash_of(name), 0);
		if (k >= 0)
			seen[k]++;
	}
	ok(seen[0] > 50 && seen[1] > 50 && seen[2] > 50, "names spread over all servers");
}

static void test_chashed(void)
{
	reset();
	struct fe_backend *s[3] = { &bes[0], &bes[1], &bes[2] };
	for (int i = 0; i < 3; i++)
		bes[i].weight = 100;
	struct pol_ring ring;
	if (policy_ring_build(&ring, s, 3) < 0)
		diag("ring build failed");
	is_int(300, (long long)ring.npts, "weight points per server");
	unsigned rr = 0;
	struct pol_ctx ctx = { .rr_counter = &rr, .ring = &ring };
	int before[200], moved_other = 0, seen[3] = { 0, 0, 0 };
	char name[64];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		ctx.qhash = hash_of(name);
		before[i] = policy_select(FE_POL_CHASHED, cand, 3, &ctx);
		if (before[i] >= 0)
			seen[before[i]]++;
	}
	ok(seen[0] > 30 && seen[1] > 30 && seen[2] > 30, "names spread over all servers");
	cand[1].up = false;
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		ctx.qhash = hash_of(name);
		int now = policy_select(FE_POL_CHASHED, cand, 3, &ctx);
		if (before[i] != 1 && now != before[i])
			moved_other++;
		if (now == 1)
			moved_other += 1000;
	}
	is_int(0, moved_other, "a server going down moves only its own names");
	policy_ring_free(&ring);
}

int main(void)
{
	test_least_outstanding();
	test_first_available();
	test_sort();
	test_roundrobin();
	test_wrandom();
	test_whashed();
	test_chashed();
	return tap_done();
}
