/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The selectors and actions of issue 6 (rules_ext.c, actions_ext.c):
 * each one matching and not matching real wire queries and responses
 * built by the packet builder, plus what the actions do to the message.
 */
#include "tap.h"

#include <arpa/inet.h>

#include "frontend/conf.h"
#include "frontend/rule_types.h"
#include "frontend/rules.h"
#include "lib/edns.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "qhelp.h"

static struct fe_conf *conf;

static struct rule *range(enum rule_kind k, uint32_t min, uint32_t max, uint8_t sec, uint16_t type)
{
	struct rule *r = rule_new(k);
	r->u.range.min = min;
	r->u.range.max = max;
	r->u.range.section = sec;
	r->u.range.type = type;
	return r;
}

/* Builds and parses a query; the caller frees q->buf. */
static void build(struct fe_query *q, struct qspec s)
{
	if (qh_build(q, &s) < 0 || query_parse(q, conf) < 0)
		diag("query build/parse failed");
	q->now_us = 1000000;
}

static bool m(struct rule *r, struct qspec s)
{
	struct fe_query q;
	build(&q, s);
	bool res = rule_match(r, &q);
	free(q.buf);
	rule_free(r);
	return res;
}

static void test_counts_and_names(void)
{
	struct qspec plain = { .name = "a.b.example.", .qtype = 1 };
	struct qspec edns = { .name = "x.", .qtype = 1, .edns = true };
	ok(m(range(RULE_RECORDS, 1, 1, 0, 0), plain), "RecordsCountRule(0, 1, 1): one question");
	ok(!m(range(RULE_RECORDS, 1, 9, 3, 0), plain), "no additional record without EDNS");
	ok(m(range(RULE_RECORDS, 1, 9, 3, 0), edns), "the OPT counts in additional");
	ok(m(range(RULE_RECORDS_TYPE, 1, 1, 3, DG_TYPE_OPT), edns), "RecordsTypeCountRule: one OPT");
	ok(!m(range(RULE_RECORDS_TYPE, 1, 1, 3, DG_TYPE_A), edns), "no A in additional");
	ok(m(range(RULE_RECORDS_TYPE, 1, 1, 0, DG_TYPE_A), plain), "the question's type counts in 0");
	ok(m(range(RULE_QNAME_LABELS, 1, 2, 0, 0), plain), "3 labels: outside [1, 2] matches");
	ok(!m(range(RULE_QNAME_LABELS, 1, 3, 0, 0), plain), "3 labels: inside [1, 3]");
	ok(m(range(RULE_QNAME_WIRELEN, 1, 10, 0, 0), plain), "wire length 13 > 10");
	ok(!m(range(RULE_QNAME_WIRELEN, 1, 14, 0, 0), plain), "wire length 13 inside [1, 14]");
	struct fe_query q;
	build(&q, plain);
	q.local.in.sin_port = htons(5300);
	struct rule *p = range(RULE_DSTPORT, 5300, 0, 0, 0);
	ok(rule_match(p, &q), "DSTPortRule(5300)");
	q.local.in.sin_port = htons(53);
	ok(!rule_match(p, &q), "DSTPortRule(5300) vs port 53");
	rule_free(p);
	free(q.buf);
}

static void test_edns(void)
{
	static const uint8_t cookie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct qspec withopt = { .name = "x.", .edns = true, .opt_code = 10, .opt_len = 8,
				 .opt_data = cookie };
	struct qspec noopt = { .name = "x." };
	ok(m(range(RULE_EDNS_OPTION, 10, 0, 0, 0), withopt), "EDNSOptionRule(10): cookie present");
	ok(!m(range(RULE_EDNS_OPTION, 8, 0, 0, 0), withopt), "EDNSOptionRule(8): no ECS");
	ok(!m(range(RULE_EDNS_OPTION, 10, 0, 0, 0), noopt), "no OPT, no option");
	ok(!m(range(RULE_EDNS_VERSION, 0, 0, 0, 0), withopt), "EDNSVersionRule(0): version 0 is not > 0");
	struct fe_query q;
	build(&q, withopt);
	int off = dg_edns_wire_find(q.buf, q.len);
	ok(off > 0, "OPT found");
	q.buf[off + 6] = 1; /* EDNS version 1 */
	struct rule *v = range(RULE_EDNS_VERSION, 0, 0, 0, 0);
	ok(rule_match(v, &q), "EDNSVersionRule(0): version 1 matches");
	rule_free(v);
	/* as a response: RCODE 0x1 in the header, EXTENDED-RCODE 1 in the OPT: 17 */
	q.buf[3] = (uint8_t)((q.buf[3] & 0xf0) | 1);
	q.buf[off + 5] = 1;
	struct rule *rc = range(RULE_RCODE, 1, 0, 0, 0), *erc = range(RULE_ERCODE, 17, 0, 0, 0);
	ok(rule_match(rc, &q), "RCodeRule(1) reads the header's 4 bits");
	ok(rule_match(erc, &q), "ERCodeRule(17) adds the OPT's upper bits");
	q.buf[off + 5] = 0;
	ok(!rule_match(erc, &q), "ERCodeRule(17) vs 1");
	rule_free(rc);
	rule_free(erc);
	free(q.buf);
}

static void test_actions(void)
{
	struct fe_query q;
	build(&q, (struct qspec){ .name = "x.", .qtype = 1 });
	struct action *cd = action_new(ACT_DISABLE_VALIDATION);
	ok(action_apply(cd, conf, &q) == ACT_R_CONTINUE && (q.buf[3] & 0x10), "CD set, goes on");
	struct action *cont = action_new(ACT_CONTINUE);
	cont->u.inner = action_new(ACT_DROP);
	ok(action_apply(cont, conf, &q) == ACT_R_CONTINUE, "ContinueAction(DropAction()) goes on");
	struct action *delay = action_new(ACT_DELAY);
	delay->u.num = 250;
	q.delay_ms = 0;
	ok(action_apply(delay, conf, &q) == ACT_R_CONTINUE && q.delay_ms == 250, "DelayAction(250)");
	struct action *opt = action_new(ACT_EDNSOPT);
	opt->u.ednsopt.code = 65001;
	opt->u.ednsopt.len = 3;
	opt->u.ednsopt.data = (uint8_t *)strdup("abc");
	size_t before = q.len;
	ok(action_apply(opt, conf, &q) == ACT_R_CONTINUE, "SetEDNSOptionAction goes on");
	int off = dg_edns_wire_find(q.buf, q.len);
	ok(off > 0 && dg_edns_wire_find_option(q.buf, q.len, (size_t)off, 65001) > 0,
	   "an OPT with the option was added (%zu -> %zu bytes)", before, q.len);
	action_free(cd);
	action_free(cont);
	action_free(delay);
	action_free(opt);
	free(q.buf);
}

static void test_negsoa(void)
{
	struct fe_query q;
	build(&q, (struct qspec){ .name = "www.example.", .qtype = 1, .id = 99 });
	struct action *a = action_new(ACT_NEGSOA);
	uint8_t zone[DG_DNAME_MAXLEN], rdata[300];
	int zl = dg_dname_from_str(zone, sizeof(zone), "example.", NULL);
	int ml = dg_dname_from_str(rdata, sizeof(rdata), "ns.example.", NULL);
	int rl = dg_dname_from_str(rdata + ml, sizeof(rdata) - (size_t)ml, "h.example.", NULL);
	memset(rdata + ml + rl, 0, 20);
	rdata[ml + rl + 3] = 7; /* serial 7 */
	a->u.negsoa.zone = malloc((size_t)zl);
	memcpy(a->u.negsoa.zone, zone, (size_t)zl);
	a->u.negsoa.rdata = malloc((size_t)(ml + rl + 20));
	memcpy(a->u.negsoa.rdata, rdata, (size_t)(ml + rl + 20));
	a->u.negsoa.rdlen = (uint16_t)(ml + rl + 20);
	a->u.negsoa.nxd = true;
	a->ttl = 300;
	ok(action_apply(a, conf, &q) == ACT_R_ANSWER, "NegativeAndSOAAction answers");
	struct dg_hdr h;
	struct dg_question qq;
	ok(dg_pkt_parse_question(&h, &qq, q.buf, q.len) == 0, "the answer parses");
	is_int(3, h.flags & 0x0f, "NXDOMAIN");
	is_int(0, h.ancount, "no answer record");
	is_int(1, h.nscount, "one authority record (the SOA)");
	is_int(99, h.id, "ID kept");
	action_free(a);
	free(q.buf);
}

int main(void)
{
	conf = fe_conf_new();
	test_counts_and_names();
	test_edns();
	test_actions();
	test_negsoa();
	fe_conf_free(conf);
	return tap_done();
}
