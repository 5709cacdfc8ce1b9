/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's rule API: the *Rule selectors, the *Action actions, the rule
 * lists (addAction, addResponseAction, showRules, rmRule, setRules, ...)
 * and the objects they take (newSuffixMatchNode, newDNSName).
 *
 * Every C object is created inside a Lua userdata first and filled after,
 * so that a configuration error (which longjmps) leaves nothing unowned:
 * the userdata's __gc drops the reference. Rules and actions are
 * reference counted (rule_types.h); the configuration takes its own
 * reference when addAction() stores them.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_objs.h"
#include "frontend/config/lua_rules_int.h"
#include "frontend/rule_types.h"
#include "frontend/rulechain.h"
#include "frontend/rules.h"
#include "lib/err.h"
#include "lib/rrtype.h"

#define RULE_T "dnsgate.rule"
#define SMN_T "dnsgate.smn"
#define DNSNAME_T "dnsgate.dnsname"
#define RULELR_ACTION_T "dnsgate.ruleaction"

struct ud_rule { struct rule *r; };
struct ud_smn { struct fe_smn *smn; };
struct ud_dnsname { uint8_t name[DG_DNAME_MAXLEN]; };
struct ud_ruleaction { struct rule *r; struct action *a; char name[FE_NAME_MAX]; };

static int rule_gc(lua_State *L)
{
	struct ud_rule *u = lua_touserdata(L, 1);
	rule_free(u->r);
	u->r = NULL;
	return 0;
}

static int action_gc(lua_State *L)
{
	struct lr_action_ud *u = lua_touserdata(L, 1);
	action_free(u->a);
	u->a = NULL;
	return 0;
}

static int ruleaction_gc(lua_State *L)
{
	struct ud_ruleaction *u = lua_touserdata(L, 1);
	rule_free(u->r);
	action_free(u->a);
	u->r = NULL;
	u->a = NULL;
	return 0;
}

void *lr_oom(lua_State *L, const char *func)
{
	cfg_error(L, "%s: out of memory", func);
	return NULL;
}

/* Pushes a rule userdata holding a new rule of this kind; returns the rule. */
static struct rule *push_rule(lua_State *L, enum rule_kind kind, const char *func)
{
	struct ud_rule *u = cfg_newudata(L, sizeof(*u), RULE_T, NULL, rule_gc);
	u->r = rule_new(kind);
	return u->r ? u->r : lr_oom(L, func);
}

struct rule *lr_push_rule(lua_State *L, enum rule_kind kind, const char *func)
{
	return push_rule(L, kind, func);
}

struct lr_action_ud *lr_push_action_ud(lua_State *L)
{
	return cfg_newudata(L, sizeof(struct lr_action_ud), LR_ACTION_T, NULL, action_gc);
}

struct action *lr_push_action(lua_State *L, enum action_kind kind, const char *func)
{
	struct lr_action_ud *u = lr_push_action_ud(L);
	u->a = action_new(kind);
	return u->a ? u->a : lr_oom(L, func);
}

/* ---- names and suffix nodes ---- */

static void name_from_str(lua_State *L, const char *s, uint8_t *out, const char *func)
{
	int ret = dg_dname_from_str(out, DG_DNAME_MAXLEN, s, NULL);
	if (ret < 0)
		cfg_error(L, "%s: '%s' is not a valid DNS name (%s)", func, s, dg_strerror(ret));
}

/* A DNSName userdata or a string at idx, as a wire name. */
void lr_check_name(lua_State *L, int idx, uint8_t *out, const char *func)
{
	struct ud_dnsname *n = luaL_testudata(L, idx, DNSNAME_T);
	if (n != NULL) {
		memcpy(out, n->name, dg_dname_len(n->name));
		return;
	}
	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, "%s: argument %d must be a name (string or newDNSName())", func, idx);
	name_from_str(L, lua_tostring(L, idx), out, func);
}

static void smn_add_name(lua_State *L, struct fe_smn *smn, const uint8_t *name, const char *func)
{
	if (dg_sset_add(&smn->set, name) < 0)
		lr_oom(L, func);
}

/* Adds a name, a string, or a list of either to smn. */
static void smn_add_arg(lua_State *L, int idx, struct fe_smn *smn, const char *func)
{
	uint8_t name[DG_DNAME_MAXLEN];
	if (lua_type(L, idx) != LUA_TTABLE) {
		lr_check_name(L, idx, name, func);
		smn_add_name(L, smn, name, func);
		return;
	}
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		lr_check_name(L, lua_gettop(L), name, func);
		smn_add_name(L, smn, name, func);
		lua_pop(L, 1);
	}
}

static int smn_gc(lua_State *L)
{
	struct ud_smn *u = lua_touserdata(L, 1);
	fe_smn_unref(u->smn);
	u->smn = NULL;
	return 0;
}

static int smn_add(lua_State *L)
{
	struct ud_smn *u = cfg_checkudata(L, 1, SMN_T, "SuffixMatchNode:add", "SuffixMatchNode");
	smn_add_arg(L, 2, u->smn, "SuffixMatchNode:add");
	return 0;
}

static int smn_check(lua_State *L)
{
	struct ud_smn *u = cfg_checkudata(L, 1, SMN_T, "SuffixMatchNode:check", "SuffixMatchNode");
	uint8_t name[DG_DNAME_MAXLEN];
	lr_check_name(L, 2, name, "SuffixMatchNode:check");
	lua_pushboolean(L, dg_sset_match(&u->smn->set, name));
	return 1;
}

static const struct cfg_fn smn_methods[] = {
	{ "add", smn_add },
	{ "check", smn_check },
	{ NULL, NULL },
};

static struct fe_smn *push_smn(lua_State *L, const char *func)
{
	struct ud_smn *u = cfg_newudata(L, sizeof(*u), SMN_T, smn_methods, smn_gc);
	u->smn = fe_smn_new();
	return u->smn ? u->smn : lr_oom(L, func);
}

static int l_newSuffixMatchNode(lua_State *L)
{
	push_smn(L, "newSuffixMatchNode");
	return 1;
}

static int dn_toString(lua_State *L)
{
	struct ud_dnsname *n = cfg_checkudata(L, 1, DNSNAME_T, "DNSName:toString", "DNSName");
	char txt[DG_DNAME_TXTLEN];
	if (dg_dname_to_str(txt, sizeof(txt), n->name) < 0)
		txt[0] = '\0';
	lua_pushstring(L, txt);
	return 1;
}

static int dn_toStringNoDot(lua_State *L)
{
	dn_toString(L);
	size_t len;
	const char *s = lua_tolstring(L, -1, &len);
	if (len > 1 && s[len - 1] == '.')
		lua_pushlstring(L, s, len - 1);
	return 1;
}

static int dn_countLabels(lua_State *L)
{
	struct ud_dnsname *n = cfg_checkudata(L, 1, DNSNAME_T, "DNSName:countLabels", "DNSName");
	lua_pushinteger(L, dg_dname_labels(n->name));
	return 1;
}

static int dn_wirelength(lua_State *L)
{
	struct ud_dnsname *n = cfg_checkudata(L, 1, DNSNAME_T, "DNSName:wirelength", "DNSName");
	lua_pushinteger(L, (lua_Integer)dg_dname_len(n->name));
	return 1;
}

static int dn_isPartOf(lua_State *L)
{
	struct ud_dnsname *n = cfg_checkudata(L, 1, DNSNAME_T, "DNSName:isPartOf", "DNSName");
	uint8_t parent[DG_DNAME_MAXLEN];
	lr_check_name(L, 2, parent, "DNSName:isPartOf");
	lua_pushboolean(L, dg_dname_is_subdomain(n->name, parent));
	return 1;
}

static int dn_equal(lua_State *L)
{
	struct ud_dnsname *n = cfg_checkudata(L, 1, DNSNAME_T, "DNSName:equal", "DNSName");
	uint8_t other[DG_DNAME_MAXLEN];
	lr_check_name(L, 2, other, "DNSName:equal");
	lua_pushboolean(L, dg_dname_len(n->name) == dg_dname_len(other) &&
				   dg_dname_is_subdomain(n->name, other));
	return 1;
}

static const struct cfg_fn dn_methods[] = {
	{ "equal", dn_equal },
	{ "toString", dn_toString },
	{ "toStringNoDot", dn_toStringNoDot },
	{ "countLabels", dn_countLabels },
	{ "wirelength", dn_wirelength },
	{ "isPartOf", dn_isPartOf },
	{ NULL, NULL },
};

void cfg_push_dnsname(lua_State *L, const uint8_t *name)
{
	struct ud_dnsname *n = cfg_newudata(L, sizeof(*n), DNSNAME_T, dn_methods, NULL);
	memcpy(n->name, name, dg_dname_len(name));
}

static int l_newDNSName(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	uint8_t name[DG_DNAME_MAXLEN];
	name_from_str(L, s, name, "newDNSName");
	struct ud_dnsname *n = cfg_newudata(L, sizeof(*n), DNSNAME_T, dn_methods, NULL);
	memcpy(n->name, name, dg_dname_len(name));
	return 1;
}

/* ---- the one conversion of "a rule or something that means one" ---- */

/* Adds s to nmg when it parses as a netmask; returns false otherwise. */
static bool try_netmask(lua_State *L, struct rule *r, const char *s, const char *func)
{
	struct dg_netmask nm;
	if (dg_netmask_parse(&nm, s[0] == '!' ? s + 1 : s) < 0)
		return false;
	if (dg_nmg_add(&r->u.nmg.nmg, &nm, s[0] == '!') < 0)
		lr_oom(L, func);
	return true;
}

/*
 * dnsdist's makeRule(): strings that parse as netmasks make a
 * NetmaskGroupRule, other strings and DNSNames a SuffixMatchNodeRule;
 * when a list mixes both, the netmasks win (as dnsdist does). Pushes the
 * new rule's userdata.
 */
static struct rule *make_rule(lua_State *L, int idx, const char *func)
{
	struct rule *nmg = push_rule(L, RULE_NMG, func);
	int nmg_idx = lua_gettop(L);
	struct rule *sfx = push_rule(L, RULE_SUFFIX, func);
	if ((sfx->u.smn = fe_smn_new()) == NULL)
		lr_oom(L, func);
	bool list = lua_type(L, idx) == LUA_TTABLE;
	lua_Integer n = list ? (lua_Integer)lua_rawlen(L, idx) : 1;
	uint8_t name[DG_DNAME_MAXLEN];
	for (lua_Integer i = 1; i <= n; i++) {
		int at = idx;
		if (list) {
			lua_rawgeti(L, idx, i);
			at = lua_gettop(L);
		}
		if (lua_type(L, at) != LUA_TSTRING || !try_netmask(L, nmg, lua_tostring(L, at), func)) {
			lr_check_name(L, at, name, func);
			smn_add_name(L, sfx->u.smn, name, func);
		}
		if (list)
			lua_pop(L, 1);
	}
	if (nmg->u.nmg.nmg.count > 0) {
		lua_pop(L, 1); /* the suffix rule is collected */
		return nmg;
	}
	lua_remove(L, nmg_idx);
	return sfx;
}

/*
 * Every function taking a rule goes through here: a rule object, or a
 * string, list, or DNSName as in dnsdist's makeRule(). Returns a new
 * reference the caller must store or free; pushes nothing.
 */
static struct rule *check_rule(lua_State *L, int idx, const char *func)
{
	struct ud_rule *u = luaL_testudata(L, idx, RULE_T);
	if (u != NULL)
		return rule_ref(u->r);
	int t = lua_type(L, idx);
	if (t != LUA_TSTRING && t != LUA_TTABLE && !luaL_testudata(L, idx, DNSNAME_T))
		cfg_error(L, "%s: argument %d must be a rule, a name, a netmask or a list of them",
			  func, idx);
	struct rule *r = make_rule(L, idx, func);
	rule_ref(r);
	lua_pop(L, 1);
	return r;
}

static int l_makeRule(lua_State *L)
{
	luaL_checkany(L, 1);
	make_rule(L, 1, "makeRule");
	return 1;
}

/* ---- selectors ---- */

static int l_AllRule(lua_State *L)
{
	push_rule(L, RULE_ALL, "AllRule");
	return 1;
}

static int l_RDRule(lua_State *L)
{
	push_rule(L, RULE_RD, "RDRule");
	return 1;
}

static int l_DNSSECRule(lua_State *L)
{
	push_rule(L, RULE_DNSSEC, "DNSSECRule");
	return 1;
}

/* An integer in [0, max] at idx, or a mnemonic parsed by from_str when given. */
uint16_t lr_check_num(lua_State *L, int idx, const char *func, long long max,
		      int (*from_str)(const char *, size_t))
{
	if (from_str != NULL && lua_type(L, idx) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		int v = from_str(s, len);
		if (v < 0)
			cfg_error(L, "%s: unknown mnemonic '%s'", func, s);
		return (uint16_t)v;
	}
	int isnum = 0;
	lua_Integer v = lua_tointegerx(L, idx, &isnum);
	if (!isnum || v < 0 || v > max)
		cfg_error(L, "%s: argument %d must be an integer from 0 to %lld", func, idx,
			  (long long)max);
	return (uint16_t)v;
}

static int num_rule(lua_State *L, enum rule_kind kind, const char *func, lua_Integer max,
		    int (*from_str)(const char *, size_t))
{
	uint16_t v = lr_check_num(L, 1, func, max, from_str);
	push_rule(L, kind, func)->u.num = v;
	return 1;
}

static int l_QTypeRule(lua_State *L)
{
	return num_rule(L, RULE_QTYPE, "QTypeRule", 65535, dg_rrtype_from_str);
}

static int l_QClassRule(lua_State *L)
{
	return num_rule(L, RULE_QCLASS, "QClassRule", 65535, dg_rrclass_from_str);
}

static int l_OpcodeRule(lua_State *L)
{
	return num_rule(L, RULE_OPCODE, "OpcodeRule", 15, NULL);
}

static int l_TCPRule(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	push_rule(L, RULE_TCP, "TCPRule")->u.tcp = lua_toboolean(L, 1);
	return 1;
}

static int l_QNameRule(lua_State *L)
{
	uint8_t name[DG_DNAME_MAXLEN];
	lr_check_name(L, 1, name, "QNameRule");
	struct rule *r = push_rule(L, RULE_QNAME, "QNameRule");
	dg_dname_copy_lower(r->u.qname, name, dg_dname_len(name));
	return 1;
}

static int l_SuffixMatchNodeRule(lua_State *L)
{
	const char *func = "SuffixMatchNodeRule";
	struct ud_smn *u = luaL_testudata(L, 1, SMN_T);
	bool quiet = lua_toboolean(L, 2);
	struct rule *r = push_rule(L, RULE_SUFFIX, func);
	if (u != NULL) {
		r->u.smn = u->smn; /* shared: a later smn:add() is seen by the rule */
		u->smn->refs++;
	} else {
		if ((r->u.smn = fe_smn_new()) == NULL)
			lr_oom(L, func);
		smn_add_arg(L, 1, r->u.smn, func);
	}
	r->quiet = quiet;
	return 1;
}

static int l_NetmaskGroupRule(lua_State *L)
{
	const char *func = "NetmaskGroupRule";
	bool src = lua_isnoneornil(L, 2) ? true : lua_toboolean(L, 2);
	bool quiet = lua_toboolean(L, 3);
	struct rule *r;
	if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TTABLE) {
		r = make_rule(L, 1, func);
		if (r->kind != RULE_NMG)
			return cfg_error(L, "%s: argument 1 holds no netmask", func);
	} else {
		const struct dg_nmg *g = cfg_check_nmg(L, 1, func);
		r = push_rule(L, RULE_NMG, func);
		/* a snapshot: the rule must outlive the Lua state */
		if (cfg_nmg_copy(&r->u.nmg.nmg, g) < 0)
			lr_oom(L, func);
	}
	r->u.nmg.src = src;
	r->quiet = quiet;
	return 1;
}

static int regex_copies(const struct fe_conf *conf)
{
	long n = conf->workers ? (long)conf->workers : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > RULE_REGEX_COPIES_MAX ? RULE_REGEX_COPIES_MAX : (int)n;
}

static int l_RegexRule(lua_State *L)
{
	const char *func = "RegexRule";
	const char *text = luaL_checkstring(L, 1);
	regex_t probe;
	int rc = regcomp(&probe, text, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &probe, msg, sizeof(msg));
		return cfg_error(L, "%s: bad regular expression '%s': %s", func, text, msg);
	}
	regfree(&probe);
	struct rule *r = push_rule(L, RULE_REGEX, func);
	int copies = regex_copies(cfg_conf(L));
	if ((r->u.regex.text = strdup(text)) == NULL ||
	    (r->u.regex.re = calloc((size_t)copies, sizeof(regex_t))) == NULL)
		lr_oom(L, func);
	for (; r->u.regex.copies < copies; r->u.regex.copies++)
		if (regcomp(&r->u.regex.re[r->u.regex.copies], text,
			    REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			lr_oom(L, func);
	return 1;
}

static unsigned opt_uint(lua_State *L, int idx, const char *func, lua_Integer def, lua_Integer max)
{
	if (lua_isnoneornil(L, idx))
		return (unsigned)def;
	return lr_check_num(L, idx, func, max, NULL);
}

static int l_MaxQPSIPRule(lua_State *L)
{
	const char *func = "MaxQPSIPRule";
	int isnum = 0;
	lua_Integer qps = lua_tointegerx(L, 1, &isnum);
	if (!isnum || qps < 0 || qps > 1000000000)
		return cfg_error(L, "%s: argument 1 (qps) must be a positive integer", func);
	struct rl_ip_conf c = { .qps = (unsigned)qps };
	c.v4_mask = (uint8_t)opt_uint(L, 2, func, 32, 32);
	c.v6_mask = (uint8_t)opt_uint(L, 3, func, 64, 128);
	c.burst = opt_uint(L, 4, func, qps, 1000000000);
	/* expiration, cleanupDelay, scanFraction, shards (args 5-8): the table
	 * expires idle entries by itself and is always sharded (ratelimit.h) */
	for (int i = 5; i <= 8; i++)
		(void)opt_uint(L, i, func, 0, 1000000000);
	struct rule *r = push_rule(L, RULE_MAXQPSIP, func);
	if ((r->u.rl = rl_ip_new(&c)) == NULL)
		lr_oom(L, func);
	return 1;
}

static int l_MaxQPSRule(lua_State *L)
{
	const char *func = "MaxQPSRule";
	unsigned qps = lr_check_num(L, 1, func, 65535, NULL);
	unsigned burst = opt_uint(L, 2, func, qps, 65535);
	struct rule *r = push_rule(L, RULE_MAXQPS, func);
	if ((r->u.bucket = calloc(1, sizeof(*r->u.bucket))) == NULL)
		lr_oom(L, func);
	rl_bucket_init(r->u.bucket, qps, burst);
	return 1;
}

static int list_rule(lua_State *L, enum rule_kind kind, const char *func)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
	struct rule *r = push_rule(L, kind, func);
	if (n > 0 && (r->u.list.kids = calloc((size_t)n, sizeof(struct rule *))) == NULL)
		lr_oom(L, func);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		r->u.list.kids[r->u.list.n] = check_rule(L, lua_gettop(L), func);
		r->u.list.n++;
		lua_pop(L, 1);
	}
	return 1;
}

static int l_AndRule(lua_State *L)
{
	return list_rule(L, RULE_AND, "AndRule");
}

static int l_OrRule(lua_State *L)
{
	return list_rule(L, RULE_OR, "OrRule");
}

static int l_NotRule(lua_State *L)
{
	struct rule *r = push_rule(L, RULE_NOT, "NotRule");
	r->u.child = check_rule(L, 1, "NotRule");
	return 1;
}

struct action *lr_check_action(lua_State *L, int idx, const char *func, bool response)
{
	struct lr_action_ud *u = cfg_checkudata(L, idx, LR_ACTION_T, func, "action");
	if (u->a->response != response)
		cfg_error(L, "%s: argument %d must be %s action", func, idx,
			  response ? "a response (*ResponseAction)" : "a query");
	return u->a;
}

/* ---- rule lists ---- */

static void new_uuid(struct fe_rule_entry *e)
{
	uint8_t b[16];
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		memset(b, 0x5a, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	memcpy(&e->uuid_hi, b, 8);
	memcpy(&e->uuid_lo, b + 8, 8);
}

static bool parse_uuid(const char *s, struct fe_rule_entry *e)
{
	uint8_t b[16];
	int n = 0;
	for (; *s != '\0' && n < 32; s++) {
		if (*s == '-')
			continue;
		int v = (*s >= '0' && *s <= '9') ? *s - '0'
			: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
			: (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
		if (v < 0)
			return false;
		b[n / 2] = (uint8_t)(n % 2 ? (b[n / 2] | v) : v << 4);
		n++;
	}
	if (n != 32 || *s != '\0')
		return false;
	memcpy(&e->uuid_hi, b, 8);
	memcpy(&e->uuid_lo, b + 8, 8);
	return true;
}

/* The {name, uuid} options of addAction and newRuleAction. */
static void entry_opts(lua_State *L, int idx, struct fe_rule_entry *e, const char *func)
{
	static const char *const keys[] = { "name", "uuid", NULL };
	new_uuid(e);
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	cfg_check_keys(L, idx, func, keys);
	if (lua_getfield(L, idx, "name") == LUA_TSTRING)
		cfg_copy_str(L, lua_tostring(L, -1), e->name, sizeof(e->name), func, "rule name");
	if (lua_getfield(L, idx, "uuid") == LUA_TSTRING && !parse_uuid(lua_tostring(L, -1), e))
		cfg_error(L, "%s: '%s' is not a UUID", func, lua_tostring(L, -1));
	lua_pop(L, 2);
}

/*
 * Appends an entry (taking its references) to a rule chain of the
 * configuration; published with RCU, so this also works while workers run
 * (the console's addAction).
 */
static void append_entry(lua_State *L, struct fe_rule_entry **v, int *n,
			 const struct fe_rule_entry *e, const char *func)
{
	if (rulechain_insert(v, n, e, *n) < 0) {
		rule_free(e->rule);
		action_free(e->action);
		lr_oom(L, func);
	}
}

static int add_action(lua_State *L, bool response, const char *func)
{
	struct fe_conf *conf = cfg_conf(L);
	struct fe_rule_entry e;
	memset(&e, 0, sizeof(e));
	entry_opts(L, 3, &e, func);
	luaL_checkany(L, 1);
	struct action *a = lr_check_action(L, 2, func, response);
	e.rule = check_rule(L, 1, func); /* last: nothing can fail after the reference */
	e.action = action_ref(a);
	if (response)
		append_entry(L, &conf->resp_rules, &conf->nresp_rules, &e, func);
	else
		append_entry(L, &conf->rules, &conf->nrules, &e, func);
	return 0;
}

static int l_addAction(lua_State *L) { return add_action(L, false, "addAction"); }

/* addCacheHitResponseAction / addSelfAnsweredResponseAction(rule, action [, options]) */
static int add_answer_action(lua_State *L, bool hit, const char *func)
{
	struct fe_conf *conf = cfg_conf(L);
	struct fe_rule_entry e;
	memset(&e, 0, sizeof(e));
	entry_opts(L, 3, &e, func);
	luaL_checkany(L, 1);
	struct action *a = lr_check_action(L, 2, func, true);
	e.rule = check_rule(L, 1, func); /* last: nothing can fail after the reference */
	e.action = action_ref(a);
	if (hit)
		append_entry(L, &conf->hit_rules, &conf->nhit_rules, &e, func);
	else
		append_entry(L, &conf->self_rules, &conf->nself_rules, &e, func);
	return 0;
}

static int l_addCacheHitResponseAction(lua_State *L)
{
	return add_answer_action(L, true, "addCacheHitResponseAction");
}

static int l_addSelfAnsweredResponseAction(lua_State *L)
{
	return add_answer_action(L, false, "addSelfAnsweredResponseAction");
}
static int l_addResponseAction(lua_State *L)
{
	return add_action(L, true, "addResponseAction");
}

static void show_rules(lua_State *L, const struct fe_rule_entry *v, int n, const char *func)
{
	static const char *const keys[] = { "showUUIDs", "truncateRuleWidth", NULL };
	bool uuids = false;
	lua_Integer width = -1;
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		cfg_check_keys(L, 1, func, keys);
		lua_getfield(L, 1, "showUUIDs");
		uuids = lua_toboolean(L, -1);
		lua_getfield(L, 1, "truncateRuleWidth");
		width = luaL_optinteger(L, -1, -1);
		lua_pop(L, 2);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		lr_oom(L, func);
	if (uuids)
		fprintf(out, "%-3s %-30s %-38s %9s %-56s %s\n", "#", "Name", "UUID", "Matches",
			"Rule", "Action");
	else
		fprintf(out, "%-3s %-30s %9s %-56s %s\n", "#", "Name", "Matches", "Rule", "Action");
	for (int i = 0; i < n; i++) {
		char rule[1024], act[512], id[37];
		if (rule_describe(v[i].rule, rule, sizeof(rule)) < 0)
			memcpy(rule + sizeof(rule) - 4, "...", 4);
		if (action_describe(v[i].action, act, sizeof(act)) < 0)
			memcpy(act + sizeof(act) - 4, "...", 4);
		if (width >= 0 && (size_t)width < sizeof(rule))
			rule[width] = '\0';
		unsigned long long m = rule_matches(&v[i]);
		rule_uuid_str(&v[i], id);
		if (uuids)
			fprintf(out, "%-3d %-30s %-38s %9llu %-56s %s\n", i, v[i].name, id, m, rule,
				act);
		else
			fprintf(out, "%-3d %-30s %9llu %-56s %s\n", i, v[i].name, m, rule, act);
	}
	fclose(out);
	lua_pushlstring(L, text, len); /* Lua's copy: text is freed before print can raise */
	free(text);
	size_t n2;
	const char *s = lua_tolstring(L, -1, &n2);
	cfg_print(L, s, n2); /* stdout while loading, the client's screen on the console */
}

static int l_showRules(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	show_rules(L, conf->rules, conf->nrules, "showRules");
	return 0;
}

static int l_showResponseRules(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	show_rules(L, conf->resp_rules, conf->nresp_rules, "showResponseRules");
	return 0;
}

/* rmRule(n), rmRule(name) or rmRule(uuid), as dnsdist 1.6+. */
static void rm_rule(lua_State *L, struct fe_rule_entry **vp, int *n, const char *func)
{
	const struct fe_rule_entry *v = *vp;
	int at = -1;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Integer k = lua_tointeger(L, 1);
		at = k >= 0 && k < *n ? (int)k : -1;
	} else {
		const char *s = luaL_checkstring(L, 1);
		struct fe_rule_entry probe;
		bool is_uuid = parse_uuid(s, &probe);
		for (int i = 0; i < *n && at < 0; i++)
			if (strcmp(v[i].name, s) == 0 ||
			    (is_uuid && v[i].uuid_hi == probe.uuid_hi && v[i].uuid_lo == probe.uuid_lo))
				at = i;
	}
	if (at < 0)
		cfg_error(L, "%s: no rule matches the given selector", func);
	if (rulechain_remove(vp, n, at) < 0)
		lr_oom(L, func);
}

static int l_rmRule(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	rm_rule(L, &conf->rules, &conf->nrules, "rmRule");
	return 0;
}

static int l_rmResponseRule(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	rm_rule(L, &conf->resp_rules, &conf->nresp_rules, "rmResponseRule");
	return 0;
}

/* Empties a chain in one publication (the rules are freed after it). */
static void clear_list(lua_State *L, struct fe_rule_entry **v, int *n, const char *func)
{
	if (rulechain_replace(v, n, NULL, 0) < 0)
		lr_oom(L, func);
}

/* mvRule(from, to): moves rule from in front of rule to (to may be the count). */
static void mv_rule(lua_State *L, struct fe_rule_entry **v, int *n, const char *func)
{
	lua_Integer from = luaL_checkinteger(L, 1), to = luaL_checkinteger(L, 2);
	if (from < 0 || from >= *n || to < 0 || to > *n)
		cfg_error(L, "%s: attempt to move rules from/to invalid index", func);
	if (rulechain_move(v, n, (int)from, (int)to) < 0)
		lr_oom(L, func);
}

static int l_mvRule(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	mv_rule(L, &conf->rules, &conf->nrules, "mvRule");
	return 0;
}

static int l_mvResponseRule(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	mv_rule(L, &conf->resp_rules, &conf->nresp_rules, "mvResponseRule");
	return 0;
}

/* mvRuleToTop(): the last rule becomes the first. */
static int l_mvRuleToTop(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	if (conf->nrules > 0 && rulechain_move(&conf->rules, &conf->nrules, conf->nrules - 1, 0) < 0)
		lr_oom(L, "mvRuleToTop");
	return 0;
}

static int l_clearRules(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	clear_list(L, &conf->rules, &conf->nrules, "clearRules");
	return 0;
}

static int l_clearResponseRules(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	clear_list(L, &conf->resp_rules, &conf->nresp_rules, "clearResponseRules");
	return 0;
}

static int l_newRuleAction(lua_State *L)
{
	const char *func = "newRuleAction";
	struct fe_rule_entry e;
	memset(&e, 0, sizeof(e));
	entry_opts(L, 3, &e, func);
	luaL_checkany(L, 1);
	struct action *a = lr_check_action(L, 2, func, false);
	struct ud_ruleaction *u = cfg_newudata(L, sizeof(*u), RULELR_ACTION_T, NULL, ruleaction_gc);
	memcpy(u->name, e.name, sizeof(u->name));
	u->a = action_ref(a);
	u->r = check_rule(L, 1, func);
	return 1;
}

static int l_setRules(lua_State *L)
{
	const char *func = "setRules";
	struct fe_conf *conf = cfg_conf(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
	for (lua_Integer i = 1; i <= n; i++) { /* validate all before replacing anything */
		lua_rawgeti(L, 1, i);
		struct ud_ruleaction *u = cfg_checkudata(L, lua_gettop(L), RULELR_ACTION_T, func,
							 "list of newRuleAction() objects");
		if (u->a->response)
			cfg_error(L, "%s: entry %lld holds a response action", func, (long long)i);
		lua_pop(L, 1);
	}
	/* one publication: workers never see an empty chain in between */
	struct fe_rule_entry *v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL)
		lr_oom(L, func);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		struct ud_ruleaction *u = lua_touserdata(L, -1);
		struct fe_rule_entry *e = &v[i - 1];
		new_uuid(e);
		memcpy(e->name, u->name, sizeof(e->name));
		e->rule = rule_ref(u->r);
		e->action = action_ref(u->a);
		lua_pop(L, 1);
	}
	if (rulechain_replace(&conf->rules, &conf->nrules, v, (int)n) < 0) {
		rulechain_free(v, (int)n);
		lr_oom(L, func);
	}
	free(v);
	return 0;
}

const struct cfg_fn cfg_rules_fns[] = {
	/* objects */
	{ "newSuffixMatchNode", l_newSuffixMatchNode },
	{ "newDNSName", l_newDNSName },
	{ "makeRule", l_makeRule },
	/* selectors */
	{ "AllRule", l_AllRule },
	{ "QTypeRule", l_QTypeRule },
	{ "QClassRule", l_QClassRule },
	{ "QNameRule", l_QNameRule },
	{ "SuffixMatchNodeRule", l_SuffixMatchNodeRule },
	{ "QNameSuffixRule", l_SuffixMatchNodeRule },
	{ "RegexRule", l_RegexRule },
	{ "NetmaskGroupRule", l_NetmaskGroupRule },
	{ "MaxQPSIPRule", l_MaxQPSIPRule },
	{ "MaxQPSRule", l_MaxQPSRule },
	{ "OpcodeRule", l_OpcodeRule },
	{ "RDRule", l_RDRule },
	{ "DNSSECRule", l_DNSSECRule },
	{ "TCPRule", l_TCPRule },
	{ "AndRule", l_AndRule },
	{ "OrRule", l_OrRule },
	{ "NotRule", l_NotRule },
	/* actions */
	{ "DropAction", la_DropAction },
	{ "AllowAction", la_AllowAction },
	{ "NoneAction", la_NoneAction },
	{ "PoolAction", la_PoolAction },
	{ "QPSPoolAction", la_QPSPoolAction },
	{ "QPSAction", la_QPSAction },
	{ "RCodeAction", la_RCodeAction },
	{ "ERCodeAction", la_ERCodeAction },
	{ "SpoofAction", la_SpoofAction },
	{ "SpoofCNAMEAction", la_SpoofCNAMEAction },
	{ "SpoofRawAction", la_SpoofRawAction },
	{ "TCAction", la_TCAction },
	{ "LogAction", la_LogAction },
	{ "SetECSAction", la_SetECSAction },
	{ "SetSkipCacheAction", la_SetSkipCacheAction },
	{ "SetNoRecurseAction", la_SetNoRecurseAction },
	{ "DropResponseAction", la_DropResponseAction },
	{ "AllowResponseAction", la_AllowResponseAction },
	/* rule lists */
	{ "addAction", l_addAction },
	{ "addResponseAction", l_addResponseAction },
	{ "addCacheHitResponseAction", l_addCacheHitResponseAction },
	{ "addSelfAnsweredResponseAction", l_addSelfAnsweredResponseAction },
	{ "showRules", l_showRules },
	{ "showResponseRules", l_showResponseRules },
	{ "rmRule", l_rmRule },
	{ "rmResponseRule", l_rmResponseRule },
	{ "mvRule", l_mvRule },
	{ "mvResponseRule", l_mvResponseRule },
	{ "mvRuleToTop", l_mvRuleToTop },
	{ "clearRules", l_clearRules },
	{ "clearResponseRules", l_clearResponseRules },
	{ "newRuleAction", l_newRuleAction },
	{ "setRules", l_setRules },
	{ NULL, NULL },
};
