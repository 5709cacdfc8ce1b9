/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Dynamic blocks without sleeping: rings filled at fake-clock times, rules
 * applied at chosen instants, the block table published and checked as a
 * worker would, blocks expiring when the fake clock passes their end.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "frontend/dyngroup.h"
#include "frontend/query.h"
#include "frontend/rings.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "tap.h"

static uint64_t fake;

static void add_q(struct rings *r, const char *client, uint16_t qtype, uint8_t rcode, size_t size)
{
	static uint8_t buf[64];
	struct fe_query q;
	memset(&q, 0, sizeof(q));
	q.buf = buf;
	q.len = 12;
	q.now_us = dg_clock_now_us();
	q.q.qtype = qtype;
	q.q.qname_lc[0] = 0;
	q.q.qname_len = 1;
	q.client.in.sin_family = AF_INET;
	inet_pton(AF_INET, client, &q.client.in.sin_addr);
	rings_add_query(r, 0, &q);
	buf[3] = rcode;
	rings_add_response(r, 0, &q, rcode, size, 100, 0);
}

static struct dg_netmask nm(const char *s)
{
	struct dg_netmask m;
	if (dg_netmask_parse(&m, s) < 0)
		memset(&m, 0, sizeof(m));
	return m;
}

static struct dg_addr addr(const char *s)
{
	return nm(s).addr;
}

/* 100 queries from .9 and 5 from .10, spread over one second of fake time. */
static void flood(struct rings *r)
{
	for (int i = 0; i < 100; i++) {
		fake += 10000;
		add_q(r, "127.0.0.9", 1, 0, 100);
		if (i % 20 == 0)
			add_q(r, "127.0.0.10", 1, 0, 100);
	}
}

static void test_query_rate(void)
{
	struct rings *r = rings_new(1, 1000);
	struct dynblock *db = dynblock_new(1);
	struct dyn_group *g = dyn_group_new();
	struct dyn_rule rule = { .kind = DYN_R_QRATE, .rate = 50, .seconds = 1, .block_s = 10,
				 .act = DYN_ACT_DEFAULT };
	snprintf(rule.reason, sizeof(rule.reason), "Exceeded query rate");
	ok(dyn_group_set_rule(g, &rule) == 0, "setQueryRate");
	flood(r);
	uint64_t t0 = dg_clock_now_us();
	is_int(1, dyn_group_apply(g, r, db, t0), "one offender at 100 qps > 50");
	is_int(1, (int)dynblock_count(db), "one block");
	struct dg_netmask m9 = nm("127.0.0.9/32");
	is_int(0, (int)dynblock_blocked(db, &m9), "127.0.0.9/32 is the block");
	ok(dynblock_publish(db) == 0, "published");
	struct dg_addr a9 = addr("127.0.0.9"), a10 = addr("127.0.0.10");
	is_int(DYN_ACT_DROP, dynblock_check(db, 0, &a9, DYN_ACT_DEFAULT), "blocked: drop by default");
	is_int(DYN_ACT_REFUSED, dynblock_check(db, 0, &a9, DYN_ACT_REFUSED),
	       "setDynBlocksAction(refused) applies");
	is_int(DYN_ACT_DEFAULT, dynblock_check(db, 0, &a10, DYN_ACT_DEFAULT), "5 qps client passes");
	is_int(2, (int)dynblock_blocked(db, &m9), "blocked queries counted");

	/* 2 s later, with no new traffic, the rate is gone but the block stays */
	fake += 2000000;
	is_int(0, dyn_group_apply(g, r, db, dg_clock_now_us()), "no offender in the last second");
	is_int(0, (int)dynblock_expire(db, dg_clock_now_us()), "not expired at +2 s");
	fake = t0 + 10000000;
	is_int(1, (int)dynblock_expire(db, dg_clock_now_us()), "expired at +10 s");
	ok(dynblock_publish(db) == 0, "published again");
	is_int(DYN_ACT_DEFAULT, dynblock_check(db, 0, &a9, DYN_ACT_DEFAULT), "served again");
	dyn_group_free(g);
	dynblock_free(db);
	rings_free(r);
}

static void test_exclusions_and_masks(void)
{
	struct rings *r = rings_new(1, 1000);
	struct dynblock *db = dynblock_new(1);
	struct dyn_group *g = dyn_group_new();
	struct dyn_rule rule = { .kind = DYN_R_QRATE, .rate = 50, .seconds = 1, .block_s = 10 };
	ok(dyn_group_set_rule(g, &rule) == 0, "rule");
	struct dg_netmask ex = nm("127.0.0.0/24"), in = nm("127.0.0.9/32");
	ok(dyn_group_range(g, &ex, true) == 0, "excludeRange 127.0.0.0/24");
	flood(r);
	is_int(0, dyn_group_apply(g, r, db, dg_clock_now_us()), "excluded client not blocked");
	ok(dyn_group_range(g, &in, false) == 0, "includeRange 127.0.0.9/32");
	is_int(1, dyn_group_apply(g, r, db, dg_clock_now_us()), "more specific include wins");
	dynblock_clear(db);
	/* /24 masks: .9 and .10 together, still one offender */
	struct dyn_group *g2 = dyn_group_new();
	ok(dyn_group_set_rule(g2, &rule) == 0, "rule 2");
	dyn_group_set_masks(g2, 24, 64);
	is_int(1, dyn_group_apply(g2, r, db, dg_clock_now_us()), "one /24 offender");
	struct dg_netmask m24 = nm("127.0.0.0/24");
	is_int(0, (int)dynblock_blocked(db, &m24), "the block is the /24");
	dyn_group_free(g);
	dyn_group_free(g2);
	dynblock_free(db);
	rings_free(r);
}

static void offender(const struct dg_netmask *who, double value, bool warning, void *ctx)
{
	int *n = ctx;
	(void)who;
	(void)value;
	n[warning ? 1 : 0]++;
}

static void test_other_rules(void)
{
	struct rings *r = rings_new(1, 1000);
	for (int i = 0; i < 40; i++) {
		fake += 20000;
		add_q(r, "192.0.2.1", i % 2 ? 28 : 1, i % 4 == 0 ? 3 : 0, 1000);
		add_q(r, "192.0.2.2", 1, 2, 100);
	}
	uint64_t now = dg_clock_now_us();
	int n[2] = { 0, 0 };
	struct dyn_rule nx = { .kind = DYN_R_RCODE_RATE, .rcode = 3, .rate = 5, .seconds = 1 };
	is_int(1, dyn_exceed(r, &nx, now, 32, 128, offender, n), "exceedNXDOMAINs: 10/s > 5");
	struct dyn_rule sf = { .kind = DYN_R_RCODE_RATE, .rcode = 2, .rate = 50, .seconds = 1,
			       .warning_rate = 20 };
	n[0] = n[1] = 0;
	is_int(1, dyn_exceed(r, &sf, now, 32, 128, offender, n), "SERVFAIL 40/s: warning only");
	ok(n[0] == 0 && n[1] == 1, "reported as a warning");
	struct dyn_rule ratio = { .kind = DYN_R_RCODE_RATIO, .rcode = 2, .rate = 0.5, .seconds = 1,
				  .min_responses = 10 };
	is_int(1, dyn_exceed(r, &ratio, now, 32, 128, offender, n), "SERVFAIL ratio 1.0 > 0.5");
	ratio.min_responses = 100;
	is_int(0, dyn_exceed(r, &ratio, now, 32, 128, offender, n), "below minimumNumberOfResponses");
	struct dyn_rule bytes = { .kind = DYN_R_BYTE_RATE, .rate = 20000, .seconds = 1 };
	is_int(1, dyn_exceed(r, &bytes, now, 32, 128, offender, n), "40000 B/s > 20000");
	struct dyn_rule qt = { .kind = DYN_R_QTYPE_RATE, .qtype = 28, .rate = 15, .seconds = 1 };
	is_int(1, dyn_exceed(r, &qt, now, 32, 128, offender, n), "AAAA 20/s > 15 for one client");
	struct dyn_rule win = { .kind = DYN_R_QRATE, .rate = 30, .seconds = 1 };
	is_int(2, dyn_exceed(r, &win, now, 32, 128, offender, n), "both at 40 qps in the window");
	is_int(0, dyn_exceed(r, &win, now + 2000000, 32, 128, offender, n), "nothing 2 s later");
	rings_free(r);
}

static void test_update_and_warning(void)
{
	struct dynblock *db = dynblock_new(2);
	struct dg_netmask m = nm("10.0.0.1/32");
	uint64_t now = dg_clock_now_us();
	is_int(1, dynblock_add(db, &m, "warn", now + 5000000, DYN_ACT_DROP, true, now), "warning added");
	ok(dynblock_publish(db) == 0, "published");
	struct dg_addr a = addr("10.0.0.1");
	is_int(DYN_ACT_DEFAULT, dynblock_check(db, 1, &a, DYN_ACT_DEFAULT), "a warning does not block");
	is_int(0, dynblock_add(db, &m, "real", now + 8000000, DYN_ACT_NXDOMAIN, false, now),
	       "upgraded to a block");
	ok(dynblock_publish(db) == 0, "published");
	is_int(DYN_ACT_NXDOMAIN, dynblock_check(db, 0, &a, DYN_ACT_DEFAULT), "now answered NXDOMAIN");
	is_int(2, (int)dynblock_blocked(db, &m), "counts of both workers kept across the update");
	is_int(0, (int)dynblock_expire(db, now + 6000000), "extended past the warning's end");
	is_int(1, (int)dynblock_expire(db, now + 8000000), "expires at its new end");
	dynblock_free(db);
}

int main(void)
{
	rcu_register_thread(); /* this thread reads the table as a worker does */
	fake = 1000000000;
	dg_clock_set_fake(&fake);
	test_query_rate();
	test_exclusions_and_masks();
	test_other_rules();
	test_update_and_warning();
	dg_clock_set_fake(NULL);
	rcu_unregister_thread();
	return tap_done();
}
