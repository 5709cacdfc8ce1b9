/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Compiled rule chains (rulec.h) against the linear scan: random chains of
 * QType, SuffixMatchNode, And/Or/Not, RD, TCP and All rules with Drop,
 * Allow and None actions, random queries; the compiled chain must give the
 * same verdict and the same match count per rule for every query. Then the
 * cases where a program must stop covering its chain (the chain changed, a
 * rule was freed, a suffix set grew).
 */
#include "tap.h"

#include <stdlib.h>
#include <urcu.h>

#include "frontend/actions.h"
#include "frontend/conf.h"
#include "frontend/rule_types.h"
#include "frontend/rulec.h"
#include "frontend/rulechain.h"
#include "frontend/rules.h"
#include "qhelp.h"

static struct fe_conf *conf;
static uint64_t rng = 0x243f6a8885a308d3ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static const char *const labels[] = { "a", "b", "Ex", "com", "net", "WWW" };
static const uint16_t qtypes[] = { 1, 28, 255, 16, 300, 65 };

/* A random name of 0..3 labels ("." for none), random case. */
static void rand_name(char *out, size_t sz, unsigned maxlabels)
{
	unsigned n = rnd(maxlabels + 1);
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, sz - o, "%s.", labels[rnd(DG_ARRAY_SIZE(labels))]);
	if (n == 0)
		snprintf(out, sz, ".");
}

static struct rule *rand_leaf(void)
{
	struct rule *r;
	char txt[64];
	uint8_t wire[DG_DNAME_MAXLEN];
	switch (rnd(6)) {
	case 0:
	case 1:
		r = rule_new(RULE_QTYPE);
		r->u.num = qtypes[rnd(DG_ARRAY_SIZE(qtypes))];
		return r;
	case 2:
	case 3:
		r = rule_new(RULE_SUFFIX);
		r->u.smn = fe_smn_new();
		for (unsigned k = 1 + rnd(3); k > 0; k--) {
			/* the root now and then: it matches every name */
			rand_name(txt, sizeof(txt), rnd(10) == 0 ? 0 : 3);
			if (dg_dname_from_str(wire, sizeof(wire), txt, NULL) < 0 ||
			    dg_sset_add(&r->u.smn->set, wire) < 0)
				diag("sset add %s", txt);
		}
		return r;
	case 4:
		return rule_new(RULE_RD);
	default:
		r = rule_new(RULE_TCP);
		r->u.tcp = rnd(2);
		return r;
	}
}

static struct rule *rand_rule(int depth)
{
	unsigned k = depth > 1 ? 0 : rnd(8);
	if (k < 4)
		return rand_leaf();
	if (k == 4)
		return rule_new(RULE_ALL);
	if (k == 7) {
		struct rule *r = rule_new(RULE_NOT);
		r->u.child = rand_rule(depth + 1);
		return r;
	}
	struct rule *r = rule_new(k == 5 ? RULE_AND : RULE_OR);
	r->u.list.n = 1 + (int)rnd(3);
	r->u.list.kids = calloc((size_t)r->u.list.n, sizeof(struct rule *));
	for (int i = 0; i < r->u.list.n; i++)
		r->u.list.kids[i] = rand_rule(depth + 1);
	return r;
}

/* A chain of n random rules, ended by a NULL-rule terminator. */
static void rand_chain(int n)
{
	static const enum action_kind acts[] = { ACT_NONE, ACT_NONE, ACT_DROP, ACT_ALLOW };
	conf->rules = calloc((size_t)n + 1, sizeof(*conf->rules));
	conf->nrules = n;
	for (int i = 0; i < n; i++) {
		conf->rules[i].rule = rand_rule(0);
		conf->rules[i].action = action_new(acts[rnd(DG_ARRAY_SIZE(acts))]);
	}
}

static void free_chain(void)
{
	rulec_free(conf->rules_prog);
	conf->rules_prog = NULL;
	for (int i = 0; i < conf->nrules; i++) {
		rule_free(conf->rules[i].rule);
		action_free(conf->rules[i].action);
	}
	free(conf->rules);
	conf->rules = NULL;
	conf->nrules = 0;
}

static void rand_query(struct fe_query *q)
{
	char name[64];
	rand_name(name, sizeof(name), 4);
	struct qspec s = { .name = name, .qtype = qtypes[rnd(DG_ARRAY_SIZE(qtypes))],
			   .noflags = rnd(2), .tcp = rnd(2) };
	if (qh_build(q, &s) < 0 || query_parse(q, conf) < 0)
		diag("query %s", name);
	q->now_us = 1000000;
}

static uint64_t counts[RULEC_MAX_RULES];

/* Runs nq random queries from seed; verdicts into v, match counts into counts. */
static void run_queries(uint64_t seed, int nq, enum fe_verdict *v)
{
	uint64_t before[RULEC_MAX_RULES];
	for (int i = 0; i < conf->nrules; i++)
		before[i] = rule_matches(&conf->rules[i]);
	rng = seed;
	for (int k = 0; k < nq; k++) {
		struct fe_query q;
		rand_query(&q);
		v[k] = rules_eval(conf, &q);
		free(q.buf);
	}
	for (int i = 0; i < conf->nrules; i++)
		counts[i] = rule_matches(&conf->rules[i]) - before[i];
}

static void test_differential(void)
{
	enum fe_verdict lin[200], com[200];
	uint64_t lin_counts[RULEC_MAX_RULES];
	int bad_verdicts = 0, bad_counts = 0, compiled = 0;
	for (int round = 0; round < 300; round++) {
		rand_chain(1 + (int)rnd(RULEC_MAX_RULES));
		uint64_t seed = rng ^ (uint64_t)round * 0x9e3779b97f4a7c15ull;
		uint64_t after = rng;
		run_queries(seed, 200, lin);
		memcpy(lin_counts, counts, sizeof(counts));
		rules_compile(conf);
		compiled += conf->rules_prog != NULL && rulec_covers(conf->rules_prog, conf->rules);
		run_queries(seed, 200, com);
		for (int k = 0; k < 200; k++)
			bad_verdicts += lin[k] != com[k];
		for (int i = 0; i < conf->nrules; i++)
			bad_counts += lin_counts[i] != counts[i];
		rng = after;
		free_chain();
	}
	is_int(300, compiled, "every random chain compiled and covered");
	is_int(0, bad_verdicts, "compiled verdicts equal the linear scan's (60000 queries)");
	is_int(0, bad_counts, "compiled match counts equal the linear scan's");
}

/* The candidates of a fixed chain: only the rules that may match. */
static void test_candidates(void)
{
	conf->rules = calloc(4, sizeof(*conf->rules));
	conf->nrules = 3;
	struct rule *any = rule_new(RULE_QTYPE);
	any->u.num = 255;
	struct rule *sfx = rule_new(RULE_SUFFIX);
	sfx->u.smn = fe_smn_new();
	uint8_t w[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(w, sizeof(w), "zaibdns.lab.", NULL) < 0 ||
	    dg_sset_add(&sfx->u.smn->set, w) < 0)
		diag("sset");
	conf->rules[0] = (struct fe_rule_entry){ .rule = any, .action = action_new(ACT_DROP) };
	conf->rules[1] = (struct fe_rule_entry){ .rule = sfx, .action = action_new(ACT_DROP) };
	conf->rules[2] = (struct fe_rule_entry){ .rule = rule_new(RULE_ALL),
						 .action = action_new(ACT_ALLOW) };
	rules_compile(conf);
	ok(conf->rules_prog != NULL && rulec_covers(conf->rules_prog, conf->rules), "compiled");

	uint64_t cand, known;
	struct fe_query q;
	struct qspec s = { .name = "H1.bench.test.", .qtype = 1 };
	if (qh_build(&q, &s) < 0 || query_parse(&q, conf) < 0)
		diag("query");
	cand = rulec_candidates(conf->rules_prog, &q, &known);
	is_int(4, (long long)cand, "A for another zone: only AllRule is a candidate");
	is_int(4, (long long)known, "and AllRule is known to match");
	free(q.buf);
	s = (struct qspec){ .name = "WWW.ZaibDNS.lab.", .qtype = 255 };
	if (qh_build(&q, &s) < 0 || query_parse(&q, conf) < 0)
		diag("query");
	cand = rulec_candidates(conf->rules_prog, &q, &known);
	is_int(7, (long long)cand, "ANY under the suffix: all three");
	is_int(7, (long long)known, "the bare QType, suffix and All rules are known to match");
	is_int(FE_V_DROP, rules_eval(conf, &q), "and the first one drops");
	free(q.buf);

	/* A suffix added after the build: the program no longer covers. */
	if (dg_dname_from_str(w, sizeof(w), "other.", NULL) < 0 || dg_sset_add(&sfx->u.smn->set, w) < 0)
		diag("sset");
	ok(!rulec_covers(conf->rules_prog, conf->rules), "a grown suffix set is noticed");
	rules_compile(conf);
	ok(rulec_covers(conf->rules_prog, conf->rules), "covered again once recompiled");
	/* mvRule: no rule made or freed, but a chain published. */
	struct fe_rule_entry *before = conf->rules;
	if (rulechain_move(&conf->rules, &conf->nrules, 1, 0) < 0)
		diag("move");
	ok(!rulec_covers(conf->rules_prog, conf->rules), "a moved rule is noticed");
	ok(!rulec_covers(conf->rules_prog, before) || before != conf->rules,
	   "and the old array is not covered by accident");
	rules_compile(conf);
	ok(rulec_covers(conf->rules_prog, conf->rules), "covered once recompiled");
	rule_free(rule_new(RULE_ALL));
	ok(!rulec_covers(conf->rules_prog, conf->rules), "a rule freed anywhere is noticed");
	rules_compile(conf);
	struct fe_rule_entry *other = calloc(4, sizeof(*other));
	memcpy(other, conf->rules, 3 * sizeof(*other));
	ok(!rulec_covers(conf->rules_prog, other), "another array is not covered");
	free(other);
	free_chain();
	ok(rulec_build(NULL, 0) == NULL, "no program for an empty chain");
}

int main(void)
{
	rcu_register_thread();
	conf = fe_conf_new();
	test_candidates();
	test_differential();
	fe_conf_free(conf);
	rcu_unregister_thread();
	return tap_done();
}
