/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rule selectors (matching and not matching), AND/OR/NOT nesting, chain
 * order (first terminal action wins), every action kind, response rules.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <unistd.h>

#include "frontend/actions.h"
#include "frontend/conf.h"
#include "frontend/rule_types.h"
#include "frontend/rulechain.h"
#include "frontend/rules.h"
#include "lib/clock.h"
#include "lib/rrtype.h"
#include "qhelp.h"

static struct fe_conf *conf;

/* Through rulechain.h, as the configuration does: chains end with a NULL rule. */
static void add_rule(struct fe_rule_entry **v, int *n, struct rule *r, struct action *a)
{
	struct fe_rule_entry e;
	memset(&e, 0, sizeof(e));
	e.rule = r;
	e.action = a;
	if (rulechain_insert(v, n, &e, *n) < 0)
		diag("rulechain_insert failed");
}

static void clear_rules(void)
{
	if (rulechain_replace(&conf->rules, &conf->nrules, NULL, 0) < 0)
		diag("rulechain_replace failed");
}

static bool m(const struct rule *r, struct qspec s)
{
	struct fe_query q;
	qh_build(&q, &s);
	if (query_parse(&q, conf) < 0)
		diag("parse failed");
	q.now_us = 1000000;
	bool res = rule_match(r, &q);
	free(q.buf);
	return res;
}

static struct rule *num_rule(enum rule_kind k, uint16_t v)
{
	struct rule *r = rule_new(k);
	r->u.num = v;
	return r;
}

static struct rule *qname_rule(const char *name)
{
	struct rule *r = rule_new(RULE_QNAME);
	if (dg_dname_from_str(r->u.qname, sizeof(r->u.qname), name, NULL) > 0)
		dg_dname_tolower(r->u.qname);
	return r;
}

static struct rule *suffix_rule(const char *a, const char *b)
{
	struct rule *r = rule_new(RULE_SUFFIX);
	r->u.smn = fe_smn_new();
	uint8_t n[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(n, sizeof(n), a, NULL) < 0 || dg_sset_add(&r->u.smn->set, n) < 0)
		diag("smn add");
	if (b && (dg_dname_from_str(n, sizeof(n), b, NULL) < 0 || dg_sset_add(&r->u.smn->set, n) < 0))
		diag("smn add");
	return r;
}

static struct rule *list_rule(enum rule_kind k, struct rule *a, struct rule *b)
{
	struct rule *r = rule_new(k);
	r->u.list.kids = calloc(2, sizeof(struct rule *));
	r->u.list.kids[0] = a;
	r->u.list.kids[1] = b;
	r->u.list.n = 2;
	return r;
}

static void test_selectors(void)
{
	struct rule *r = rule_new(RULE_ALL);
	ok(m(r, (struct qspec){ .name = "x." }), "AllRule matches");
	rule_free(r);
	r = num_rule(RULE_QTYPE, DG_TYPE_ANY);
	ok(m(r, (struct qspec){ .name = "x.", .qtype = 255 }), "QTypeRule(ANY) matches ANY");
	ok(!m(r, (struct qspec){ .name = "x.", .qtype = 1 }), "QTypeRule(ANY) not A");
	rule_free(r);
	r = num_rule(RULE_QCLASS, 3);
	ok(m(r, (struct qspec){ .name = "version.bind.", .qtype = 16, .qclass = 3 }), "QClassRule(CH) matches");
	ok(!m(r, (struct qspec){ .name = "version.bind.", .qtype = 16 }), "QClassRule(CH) not IN");
	rule_free(r);
	r = qname_rule("Www.Example.com.");
	ok(m(r, (struct qspec){ .name = "WWW.example.COM." }), "QNameRule exact, any case");
	ok(!m(r, (struct qspec){ .name = "a.www.example.com." }), "QNameRule not a subdomain");
	rule_free(r);
	r = suffix_rule("zaibdns.lab.", "example.com.");
	ok(m(r, (struct qspec){ .name = "ns1.ZaibDNS.lab." }), "SuffixMatchNodeRule subdomain");
	ok(m(r, (struct qspec){ .name = "example.com." }), "SuffixMatchNodeRule apex");
	ok(!m(r, (struct qspec){ .name = "badexample.com." }), "SuffixMatchNodeRule label boundary");
	rule_free(r);

	r = rule_new(RULE_REGEX);
	r->u.regex.copies = 2;
	r->u.regex.re = calloc(2, sizeof(regex_t));
	for (int i = 0; i < 2; i++)
		if (regcomp(&r->u.regex.re[i], "[0-9]{4,}\\.example$", REG_EXTENDED | REG_ICASE | REG_NOSUB))
			diag("regcomp");
	r->u.regex.text = strdup("[0-9]{4,}\\.example$");
	ok(m(r, (struct qspec){ .name = "a12345.EXAMPLE." }), "RegexRule: no trailing dot, case-insensitive");
	ok(!m(r, (struct qspec){ .name = "a123.example." }), "RegexRule no match");
	rule_free(r);

	r = rule_new(RULE_NMG);
	if (dg_nmg_add_str(&r->u.nmg.nmg, "192.0.2.0/24") < 0 || dg_nmg_add_str(&r->u.nmg.nmg, "2001:db8::/32") < 0)
		diag("nmg add");
	ok(m(r, (struct qspec){ .name = "x.", .client = "192.0.2.77" }), "NetmaskGroupRule v4 in");
	ok(!m(r, (struct qspec){ .name = "x.", .client = "198.51.100.1" }), "NetmaskGroupRule v4 out");
	ok(m(r, (struct qspec){ .name = "x.", .client = "2001:db8::5" }), "NetmaskGroupRule v6 in");
	r->u.nmg.src = false;
	ok(!m(r, (struct qspec){ .name = "x.", .client = "192.0.2.77" }), "dst matching uses the local address");
	rule_free(r);

	r = num_rule(RULE_OPCODE, 0);
	ok(m(r, (struct qspec){ .name = "x." }), "OpcodeRule(QUERY)");
	ok(!m(r, (struct qspec){ .name = "x.", .flags = 4 << 11 }), "OpcodeRule not NOTIFY");
	rule_free(r);
	r = rule_new(RULE_RD);
	ok(m(r, (struct qspec){ .name = "x." }), "RDRule with RD");
	ok(!m(r, (struct qspec){ .name = "x.", .noflags = true }), "RDRule without RD");
	rule_free(r);
	r = rule_new(RULE_TCP);
	r->u.tcp = true;
	ok(m(r, (struct qspec){ .name = "x.", .tcp = true }), "TCPRule(true) over TCP");
	ok(!m(r, (struct qspec){ .name = "x." }), "TCPRule(true) not UDP");
	rule_free(r);
	r = rule_new(RULE_DNSSEC);
	ok(m(r, (struct qspec){ .name = "x.", .edns = true, .do_bit = true }), "DNSSECRule with DO");
	ok(!m(r, (struct qspec){ .name = "x.", .edns = true }), "DNSSECRule without DO");
	rule_free(r);

	/* AndRule{QClassRule(CH), QTypeRule(TXT)} as in the guide, nested in Or/Not */
	struct rule *chtxt = list_rule(RULE_AND, num_rule(RULE_QCLASS, 3), num_rule(RULE_QTYPE, 16));
	ok(m(chtxt, (struct qspec){ .name = "version.bind.", .qtype = 16, .qclass = 3 }), "And: both");
	ok(!m(chtxt, (struct qspec){ .name = "version.bind.", .qtype = 1, .qclass = 3 }), "And: one");
	struct rule *any = num_rule(RULE_QTYPE, 255);
	struct rule *or = list_rule(RULE_OR, rule_ref(chtxt), any);
	ok(m(or, (struct qspec){ .name = "x.", .qtype = 255 }), "Or: second");
	ok(m(or, (struct qspec){ .name = "v.", .qtype = 16, .qclass = 3 }), "Or: first (nested And)");
	ok(!m(or, (struct qspec){ .name = "x.", .qtype = 1 }), "Or: neither");
	struct rule *not = rule_new(RULE_NOT);
	not->u.child = or;
	ok(m(not, (struct qspec){ .name = "x.", .qtype = 1 }), "Not(Or): neither");
	ok(!m(not, (struct qspec){ .name = "x.", .qtype = 255 }), "Not(Or): one");
	char d[256];
	ok(rule_describe(not, d, sizeof(d)) > 0, "describe");
	is_str("!((qclass==3 && qtype==TXT) || qtype==ANY)", d, "description of a nested rule");
	ok(rule_describe(not, d, 8) == DG_ESPACE, "description too long -> DG_ESPACE");
	rule_free(not);
	rule_free(chtxt); /* shared with the Or: freed only now */
}

static void test_maxqps(void)
{
	struct rl_ip_conf c = { .qps = 3, .v4_mask = 32, .v6_mask = 64 };
	struct rule *r = rule_new(RULE_MAXQPSIP);
	r->u.rl = rl_ip_new(&c);
	int matched = 0;
	for (int i = 0; i < 5; i++)
		matched += m(r, (struct qspec){ .name = "x.", .client = "192.0.2.1" });
	is_int(2, matched, "MaxQPSIPRule(3): queries 4 and 5 of one instant match");
	ok(!m(r, (struct qspec){ .name = "x.", .client = "192.0.2.2" }), "another client does not match");
	rule_free(r);
}

static enum fe_verdict eval(struct fe_query *q, struct qspec s)
{
	qh_build(q, &s);
	if (query_parse(q, conf) < 0)
		diag("parse failed");
	q->now_us = dg_clock_now_us();
	return rules_eval(conf, q);
}

/* Matches are counted per worker and summed; the counts follow their entry
 * when the console inserts or moves rules around it. */
static void test_counts_per_worker(void)
{
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), action_new(ACT_NONE));
	struct fe_query q;
	for (unsigned w = 0; w < 3; w++) {
		qh_build(&q, &(struct qspec){ .name = "example.org." });
		if (query_parse(&q, conf) < 0)
			diag("parse failed");
		q.worker = w;
		(void)rules_eval(conf, &q);
		free(q.buf);
	}
	is_int(3, (long long)rule_matches(&conf->rules[0]), "three workers' matches summed");
	add_rule(&conf->rules, &conf->nrules, num_rule(RULE_QTYPE, 255), action_new(ACT_DROP));
	if (rulechain_move(&conf->rules, &conf->nrules, 1, 0) < 0)
		diag("move");
	is_int(0, (long long)rule_matches(&conf->rules[0]), "a new rule starts at 0");
	is_int(3, (long long)rule_matches(&conf->rules[1]), "the moved-past rule kept its 3");
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "example.org." }), "evaluated again");
	free(q.buf);
	is_int(4, (long long)rule_matches(&conf->rules[1]), "and counts on after the move");
	clear_rules();
}

static struct action *pool_action(const char *name, bool stop)
{
	struct action *a = action_new(ACT_POOL);
	snprintf(a->u.pool.name, sizeof(a->u.pool.name), "%s", name);
	a->u.pool.stop = stop;
	return a;
}

static void test_chain(void)
{
	struct fe_pool *auth = fe_conf_get_pool(conf, "auth"), *rec = fe_conf_get_pool(conf, "rec");
	struct fe_pool *def = fe_conf_get_pool(conf, "");
	/* the guide's production block */
	add_rule(&conf->rules, &conf->nrules, num_rule(RULE_QTYPE, 255), action_new(ACT_DROP));
	add_rule(&conf->rules, &conf->nrules,
		 list_rule(RULE_AND, num_rule(RULE_QCLASS, 3), num_rule(RULE_QTYPE, 16)),
		 action_new(ACT_DROP));
	add_rule(&conf->rules, &conf->nrules, suffix_rule("zaibdns.lab.", NULL), pool_action("auth", true));
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), pool_action("rec", true));
	is_err(0, rules_resolve(conf), "resolve pools");
	struct fe_query q;
	is_int(FE_V_DROP, eval(&q, (struct qspec){ .name = "zaibdns.lab.", .qtype = 255 }),
	       "ANY dropped before routing");
	free(q.buf);
	is_int(FE_V_DROP, eval(&q, (struct qspec){ .name = "version.bind.", .qtype = 16, .qclass = 3 }),
	       "CH TXT dropped");
	free(q.buf);
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "www.zaibdns.lab." }), "zone forwarded");
	ok(q.pool == auth, "to the auth pool");
	free(q.buf);
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "example.org." }), "other forwarded");
	ok(q.pool == rec, "to the rec pool");
	free(q.buf);
	is_int(1, (long long)rule_matches(&conf->rules[0]), "ANY rule matched once");
	is_int(1, (long long)rule_matches(&conf->rules[1]), "CH TXT rule matched once");
	is_int(1, (long long)rule_matches(&conf->rules[2]), "suffix rule matched once");
	clear_rules();

	test_counts_per_worker();

	/* non-terminal actions go on; PoolAction(name, false) too; no terminal -> forward */
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), action_new(ACT_NONE));
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), pool_action("auth", false));
	add_rule(&conf->rules, &conf->nrules, num_rule(RULE_QTYPE, 28), action_new(ACT_ALLOW));
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), action_new(ACT_SKIPCACHE));
	add_rule(&conf->rules, &conf->nrules, num_rule(RULE_QTYPE, 16), action_new(ACT_DROP));
	is_err(0, rules_resolve(conf), "resolve");
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "x." }), "no terminal action: forward");
	ok(q.pool == auth && q.skip_cache, "non-terminal pool and skip-cache applied");
	free(q.buf);
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "x.", .qtype = 28 }), "Allow stops");
	ok(!q.skip_cache, "rules after Allow not run");
	free(q.buf);
	is_int(FE_V_DROP, eval(&q, (struct qspec){ .name = "x.", .qtype = 16 }), "later Drop reached");
	free(q.buf);
	clear_rules();
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "x." }), "no rules: forward");
	ok(q.pool == def, "to the default pool");
	free(q.buf);
}

/* Runs one action on a fresh query; returns the verdict, q keeps the result. */
static enum fe_verdict act(struct action *a, struct fe_query *q, struct qspec s)
{
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), a);
	enum fe_verdict v = eval(q, s);
	clear_rules();
	return v;
}

static void test_answers(void)
{
	struct fe_query q;
	struct dg_pkt p;
	struct action *a = action_new(ACT_RCODE);
	a->u.rcode = 5;
	is_int(FE_V_ANSWER, act(a, &q, (struct qspec){ .name = "x.", .id = 7, .edns = true }), "RCodeAction answers");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	is_int(5, DG_RCODE(p.hdr.flags), "REFUSED");
	is_int(7, p.hdr.id, "ID");
	ok(p.opt_idx >= 0, "OPT echoed");
	dg_pkt_free(&p, NULL);
	free(q.buf);

	/* SpoofAction({"192.0.2.1", "2001:db8::1"}, {aa=true, ttl=300}) */
	a = action_new(ACT_SPOOF);
	a->u.spoof.addrs = calloc(2, sizeof(struct dg_addr));
	a->u.spoof.addrs[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", a->u.spoof.addrs[0].bytes);
	a->u.spoof.addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", a->u.spoof.addrs[1].bytes);
	a->u.spoof.naddrs = 2;
	a->fl.aa = true;
	a->ttl = 300;
	struct action *spoof = a;
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	is_int(FE_V_ANSWER, act(action_ref(spoof), &q, (struct qspec){ .name = "Spoof.Me.", .qtype = 1 }), "Spoof A");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	is_int(1, p.hdr.ancount, "one A");
	if (p.rrcount == 1) {
		is_int(DG_TYPE_A, p.rr[0].type, "type A");
		is_int(300, p.rr[0].ttl, "ttl option");
		is_bytes(v4, 4, q.buf + p.rr[0].rdata_off, p.rr[0].rdlen, "the v4 address");
	}
	ok(p.hdr.flags & DG_FLAG_AA, "aa option");
	dg_pkt_free(&p, NULL);
	free(q.buf);
	is_int(FE_V_ANSWER, act(action_ref(spoof), &q, (struct qspec){ .name = "x.", .qtype = 28 }), "Spoof AAAA");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	ok(p.rrcount == 1 && p.rr[0].type == DG_TYPE_AAAA, "one AAAA");
	dg_pkt_free(&p, NULL);
	free(q.buf);
	is_int(FE_V_ANSWER, act(action_ref(spoof), &q, (struct qspec){ .name = "x.", .qtype = 255 }), "Spoof ANY");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	is_int(2, p.rrcount, "ANY gets both");
	dg_pkt_free(&p, NULL);
	free(q.buf);
	is_int(FE_V_FORWARD, act(spoof, &q, (struct qspec){ .name = "x.", .qtype = 15 }),
	       "Spoof of MX: not spoofed, next rules run (forward)");
	free(q.buf);

	a = action_new(ACT_SPOOF);
	a->u.spoof.cname = malloc(DG_DNAME_MAXLEN);
	int cl = dg_dname_from_str(a->u.spoof.cname, DG_DNAME_MAXLEN, "target.example.", NULL);
	is_int(FE_V_ANSWER, act(a, &q, (struct qspec){ .name = "x.", .qtype = 15 }), "SpoofCNAME");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	if (p.rrcount == 1) {
		uint8_t c[DG_DNAME_MAXLEN];
		size_t pos = p.rr[0].rdata_off;
		is_int(DG_TYPE_CNAME, p.rr[0].type, "CNAME type");
		is_int(cl, dg_dname_unpack(c, sizeof(c), q.buf, q.len, &pos), "target");
	}
	dg_pkt_free(&p, NULL);
	free(q.buf);

	a = action_new(ACT_SPOOF);
	a->u.spoof.raw = calloc(2, sizeof(struct spoof_raw));
	a->u.spoof.raw[0].data = (uint8_t *)strdup("\003aaa\004bbbb");
	a->u.spoof.raw[0].len = 9;
	a->u.spoof.raw[1].data = (uint8_t *)strdup("\003ccc");
	a->u.spoof.raw[1].len = 4;
	a->u.spoof.nraw = 2;
	is_int(FE_V_ANSWER, act(a, &q, (struct qspec){ .name = "raw.", .qtype = 16 }), "SpoofRaw");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	ok(p.rrcount == 2 && p.rr[0].type == 16 && p.rr[1].rdlen == 4, "two TXT with the raw rdata");
	dg_pkt_free(&p, NULL);
	free(q.buf);

	a = action_new(ACT_TC);
	is_int(FE_V_ANSWER, act(action_ref(a), &q, (struct qspec){ .name = "x." }), "TCAction over UDP");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	ok(p.hdr.flags & DG_FLAG_TC, "TC set");
	dg_pkt_free(&p, NULL);
	free(q.buf);
	is_int(FE_V_FORWARD, act(a, &q, (struct qspec){ .name = "x.", .tcp = true }),
	       "TCAction over TCP does nothing");
	free(q.buf);
}

static void test_limits_and_misc(void)
{
	struct fe_query q;
	uint64_t now = 50000000;
	dg_clock_set_fake(&now);
	struct action *a = action_new(ACT_QPS);
	rl_bucket_init(&a->qps, 2, 0);
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), a);
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), action_new(ACT_ALLOW));
	int drops = 0;
	for (int i = 0; i < 5; i++) {
		drops += eval(&q, (struct qspec){ .name = "x." }) == FE_V_DROP;
		free(q.buf);
	}
	is_int(3, drops, "QPSAction(2): 3 of 5 dropped, the others go on to Allow");
	now += 1000000;
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "x." }), "a second later: under the rate");
	free(q.buf);
	clear_rules();

	a = action_new(ACT_QPSPOOL);
	rl_bucket_init(&a->qps, 1, 0);
	snprintf(a->u.pool.name, sizeof(a->u.pool.name), "auth");
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), a);
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), pool_action("rec", true));
	is_err(0, rules_resolve(conf), "resolve");
	eval(&q, (struct qspec){ .name = "x." });
	ok(q.pool == fe_conf_find_pool(conf, "auth"), "QPSPoolAction under the limit: its pool");
	free(q.buf);
	eval(&q, (struct qspec){ .name = "x." });
	ok(q.pool == fe_conf_find_pool(conf, "rec"), "over the limit: the next rule decides");
	free(q.buf);
	clear_rules();
	dg_clock_set_fake(NULL);

	a = action_new(ACT_SETECS);
	if (dg_netmask_parse(&a->u.ecs.v4, "192.0.2.0/24") < 0 || dg_netmask_parse(&a->u.ecs.v6, "2001:db8::/56") < 0)
		diag("netmask");
	a->u.ecs.has_v6 = true;
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), a);
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "x.", .client = "2001:db8::9" }), "SetECS goes on");
	ok(q.ecs_value_set && q.ecs_value.bits == 56, "v6 client gets the v6 mask");
	free(q.buf);
	clear_rules();

	char path[] = "/tmp/dnsgate-logaction-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct action_log_opts lo = { .binary = false, .buffered = true };
	a = action_log_new(path, &lo);
	ok(a != NULL, "LogAction opens its file");
	add_rule(&conf->rules, &conf->nrules, rule_new(RULE_ALL), a);
	is_int(FE_V_FORWARD, eval(&q, (struct qspec){ .name = "Log.Me.", .qtype = 28, .id = 99,
						       .client = "192.0.2.5", .port = 4000 }),
	       "LogAction goes on");
	free(q.buf);
	char d[128];
	ok(action_describe(a, d, sizeof(d)) > 0 && strstr(d, "log to ") == d, "described as log to file");
	clear_rules(); /* closes (flushes) the file */
	size_t len;
	char *txt = tap_read_file(path, &len);
	is_str("Packet from 192.0.2.5:4000 for Log.Me. AAAA with id 99\n", txt, "dnsdist's text line");
	free(txt);
	unlink(path);
	struct action_log_opts bad = { .binary = true };
	ok(action_log_new("/nonexistent-dir/x.log", &bad) == NULL, "unwritable path refused");
}

static void test_response_rules(void)
{
	struct fe_query q;
	add_rule(&conf->resp_rules, &conf->nresp_rules, num_rule(RULE_QTYPE, 16), action_new(ACT_RESP_DROP));
	add_rule(&conf->resp_rules, &conf->nresp_rules, rule_new(RULE_ALL), action_new(ACT_RESP_ALLOW));
	add_rule(&conf->resp_rules, &conf->nresp_rules, rule_new(RULE_ALL), action_new(ACT_RESP_DROP));
	struct qspec s = { .name = "x.", .qtype = 16 };
	qh_build(&q, &s);
	is_err(0, query_parse(&q, conf), "parse");
	is_int(FE_V_DROP, rules_eval_response(conf, &q), "DropResponseAction drops");
	free(q.buf);
	s.qtype = 1;
	qh_build(&q, &s);
	is_err(0, query_parse(&q, conf), "parse");
	is_int(FE_V_ANSWER, rules_eval_response(conf, &q), "AllowResponseAction stops before the Drop");
	free(q.buf);
	if (rulechain_replace(&conf->resp_rules, &conf->nresp_rules, NULL, 0) < 0)
		diag("rulechain_replace failed");
}

int main(void)
{
	conf = fe_conf_new();
	(void)fe_conf_get_pool(conf, "");
	test_selectors();
	test_maxqps();
	test_chain();
	test_answers();
	test_limits_and_misc();
	test_response_rules();
	fe_conf_free(conf);
	return tap_done();
}
