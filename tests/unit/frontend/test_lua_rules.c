/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The Lua rule API end to end: configurations as users write them (the
 * guide's blocks), loaded with cfg_load_string(), then evaluated on
 * queries; argument errors name the function and the line.
 */
#include "tap.h"

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/rule_types.h"
#include "frontend/rules.h"
#include "qhelp.h"

static struct fe_conf *load(const char *lua, char *err, size_t errsz)
{
	struct fe_conf *c = fe_conf_new();
	err[0] = '\0';
	if (cfg_load_string(c, "test.lua", lua, err, errsz) < 0) {
		fe_conf_free(c);
		return NULL;
	}
	return c;
}

static enum fe_verdict eval(struct fe_conf *c, struct qspec s, struct fe_pool **pool)
{
	struct fe_query q;
	qh_build(&q, &s);
	if (query_parse(&q, c) < 0)
		diag("parse failed");
	q.now_us = 1000000;
	enum fe_verdict v = rules_eval(c, &q);
	*pool = q.pool;
	free(q.buf);
	return v;
}

static void test_guide(void)
{
	char err[512];
	struct fe_conf *c = load(
		"newServer({address='127.0.0.1:5301', pool='auth'})\n"
		"newServer({address='127.0.0.1:5302', pool='rec'})\n"
		"addAction(QTypeRule(DNSQType.ANY), DropAction())\n"
		"addAction(MaxQPSIPRule(50), DropAction())\n"
		"addAction(AndRule({QClassRule(DNSClass.CH), QTypeRule(DNSQType.TXT)}), DropAction())\n"
		"local suffixes = newSuffixMatchNode()\n"
		"suffixes:add(newDNSName('zaibdns.lab.'))\n"
		"addAction(SuffixMatchNodeRule(suffixes), PoolAction('auth'))\n"
		"addAction(AllRule(), PoolAction('rec'))\n",
		err, sizeof(err));
	ok(c != NULL, "the guide's production rules load (%s)", err);
	if (c == NULL)
		return;
	is_int(5, c->nrules, "five rules");
	char d[256];
	ok(rule_describe(c->rules[3].rule, d, sizeof(d)) > 0, "describe");
	is_str("qname in zaibdns.lab.", d, "suffix rule description");
	ok(action_describe(c->rules[3].action, d, sizeof(d)) > 0, "describe action");
	is_str("to pool auth", d, "pool action description");
	struct fe_pool *p;
	is_int(FE_V_DROP, eval(c, (struct qspec){ .name = "x.", .qtype = 255 }, &p), "ANY dropped");
	is_int(FE_V_DROP, eval(c, (struct qspec){ .name = "version.bind.", .qtype = 16, .qclass = 3 }, &p),
	       "CH TXT dropped");
	is_int(FE_V_FORWARD, eval(c, (struct qspec){ .name = "www.zaibdns.lab." }, &p), "zone forwarded");
	ok(p == fe_conf_find_pool(c, "auth"), "to auth");
	eval(c, (struct qspec){ .name = "google.com." }, &p);
	ok(p == fe_conf_find_pool(c, "rec"), "others to rec");
	fe_conf_free(c);
}

static void test_conversions(void)
{
	char err[512];
	struct fe_conf *c = load(
		"addAction('example.com', PoolAction('a'))\n"
		"addAction({'192.0.2.0/24', '2001:db8::/32'}, PoolAction('b'))\n"
		"addAction({'x.org', newDNSName('y.org')}, DropAction())\n"
		"addAction(NotRule(RegexRule('^ads[0-9]+\\\\.')), NoneAction(), {name='notads'})\n"
		"addAction(makeRule('10.0.0.0/8'), SpoofAction({'192.0.2.1', '2001:db8::1'}, {ttl=300, aa=true}))\n"
		"addAction(QTypeRule('MX'), RCodeAction(DNSRCode.REFUSED))\n"
		"addAction(TCPRule(false), TCAction())\n"
		"addResponseAction(AllRule(), AllowResponseAction())\n"
		"rmRule('notads')\n",
		err, sizeof(err));
	ok(c != NULL, "conversions load (%s)", err);
	if (c == NULL)
		return;
	is_int(6, c->nrules, "rmRule by name removed one");
	is_int(1, c->nresp_rules, "one response rule");
	is_int(RULE_SUFFIX, c->rules[0].rule->kind, "string -> suffix rule");
	is_int(RULE_NMG, c->rules[1].rule->kind, "netmask list -> netmask group rule");
	is_int(RULE_SUFFIX, c->rules[2].rule->kind, "names and DNSNames -> suffix rule");
	struct fe_pool *p;
	is_int(FE_V_FORWARD, eval(c, (struct qspec){ .name = "www.Example.com." }, &p), "string rule");
	ok(p == fe_conf_find_pool(c, "a"), "to pool a");
	is_int(FE_V_FORWARD, eval(c, (struct qspec){ .name = "q.", .client = "2001:db8::7" }, &p), "nmg");
	ok(p == fe_conf_find_pool(c, "b"), "to pool b");
	is_int(FE_V_DROP, eval(c, (struct qspec){ .name = "a.y.org.", .client = "198.51.100.1" }, &p),
	       "DNSName in list");
	is_int(FE_V_ANSWER, eval(c, (struct qspec){ .name = "q.", .client = "10.1.2.3" }, &p), "spoof");
	is_int(FE_V_ANSWER, eval(c, (struct qspec){ .name = "q.", .qtype = 15, .client = "198.51.100.1" }, &p),
	       "rcode");
	is_int(FE_V_ANSWER, eval(c, (struct qspec){ .name = "q.", .qtype = 16, .client = "198.51.100.1" }, &p),
	       "TC over UDP");
	is_int(FE_V_FORWARD, eval(c, (struct qspec){ .name = "q.", .qtype = 16, .tcp = true, .client = "198.51.100.1" }, &p),
	       "TCPRule(false) does not match TCP");
	fe_conf_free(c);

	c = load("addAction(AllRule(), DropAction())\nclearRules()\n"
		 "setRules({newRuleAction(QTypeRule(1), DropAction()), newRuleAction('a.b', AllowAction())})\n",
		 err, sizeof(err));
	ok(c != NULL && c->nrules == 2, "clearRules + setRules (%s)", err);
	if (c)
		fe_conf_free(c);
}

static void test_errors(void)
{
	static const struct {
		const char *lua, *want;
	} cases[] = {
		{ "\naddAction(AllRule(), 42)\n", "test.lua:2: addAction: argument 2 must be a" },
		{ "addAction(AllRule(), DropResponseAction())", "must be a query action" },
		{ "addResponseAction(AllRule(), DropAction())", "must be a response" },
		{ "QTypeRule('NOPE')", "QTypeRule: unknown mnemonic 'NOPE'" },
		{ "RegexRule('(')", "RegexRule: bad regular expression" },
		{ "SpoofAction('not-an-ip')", "SpoofAction: 'not-an-ip' is not an IP address" },
		{ "RCodeAction(3, {bogus=true})", "bogus" },
		{ "LogAction('/nonexistent-dir/q.log')", "LogAction: unable to open" },
		{ "rmRule(3)", "rmRule: no rule matches" },
		{ "MaxQPSIPRule(10, 40)", "MaxQPSIPRule: argument 2" },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(cases); i++) {
		char err[512];
		struct fe_conf *c = load(cases[i].lua, err, sizeof(err));
		ok(c == NULL && strstr(err, cases[i].want) != NULL, "error: %s (got: %s)", cases[i].want,
		   err);
		if (c)
			fe_conf_free(c);
	}
}

int main(void)
{
	test_guide();
	test_conversions();
	test_errors();
	return tap_done();
}
