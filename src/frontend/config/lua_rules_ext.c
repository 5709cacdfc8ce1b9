/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Constructors of the selectors and actions of issue 6 (dnsdist's names,
 * arguments and defaults): RecordsCountRule, RecordsTypeCountRule,
 * EDNSVersionRule, EDNSOptionRule, DSTPortRule, QNameLabelsCountRule,
 * QNameWireLengthRule, RCodeRule, ERCodeRule; ContinueAction,
 * SetDisableValidationAction, SetSkipCacheResponseAction,
 * SetTempFailureCacheTTLAction, DelayAction, DelayResponseAction,
 * NegativeAndSOAAction, SetEDNSOptionAction. Their evaluation is in
 * rules_ext.c and actions_ext.c.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_rules_int.h"
#include "frontend/rule_types.h"
#include "lib/rrtype.h"

static uint32_t check_u32(lua_State *L, int idx, const char *func, lua_Integer max)
{
	lua_Integer v = luaL_checkinteger(L, idx);
	if (v < 0 || v > max)
		cfg_error(L, "%s: argument %d must be between 0 and %lld", func, idx, (long long)max);
	return (uint32_t)v;
}

/* Pushes a rule matching [min, max] from arguments first and first + 1. */
static struct rule *range_rule(lua_State *L, enum rule_kind kind, const char *func, int first,
			       lua_Integer max)
{
	uint32_t min = check_u32(L, first, func, max), hi = check_u32(L, first + 1, func, max);
	struct rule *r = lr_push_rule(L, kind, func);
	r->u.range.min = min;
	r->u.range.max = hi;
	return r;
}

static int one_rule(lua_State *L, enum rule_kind kind, const char *func, lua_Integer max)
{
	uint32_t v = check_u32(L, 1, func, max);
	struct rule *r = lr_push_rule(L, kind, func);
	r->u.range.min = v;
	return 1;
}

/* RecordsCountRule(section, minCount, maxCount): section 0-3 (question..additional). */
static int l_RecordsCountRule(lua_State *L)
{
	uint8_t sec = (uint8_t)check_u32(L, 1, "RecordsCountRule", 3);
	range_rule(L, RULE_RECORDS, "RecordsCountRule", 2, 65535)->u.range.section = sec;
	return 1;
}

/* RecordsTypeCountRule(section, qtype, minCount, maxCount) */
static int l_RecordsTypeCountRule(lua_State *L)
{
	const char *func = "RecordsTypeCountRule";
	uint8_t sec = (uint8_t)check_u32(L, 1, func, 3);
	uint16_t type = lr_check_num(L, 2, func, 65535, dg_rrtype_from_str);
	struct rule *r = range_rule(L, RULE_RECORDS_TYPE, func, 3, 65535);
	r->u.range.section = sec;
	r->u.range.type = type;
	return 1;
}

static int l_EDNSVersionRule(lua_State *L) { return one_rule(L, RULE_EDNS_VERSION, "EDNSVersionRule", 255); }
static int l_EDNSOptionRule(lua_State *L) { return one_rule(L, RULE_EDNS_OPTION, "EDNSOptionRule", 65535); }
static int l_DSTPortRule(lua_State *L) { return one_rule(L, RULE_DSTPORT, "DSTPortRule", 65535); }
static int l_RCodeRule(lua_State *L) { return one_rule(L, RULE_RCODE, "RCodeRule", 15); }
static int l_ERCodeRule(lua_State *L) { return one_rule(L, RULE_ERCODE, "ERCodeRule", 4095); }

/* ProbaRule(p): a random fraction p (0..1) of queries, e.g. to sample a LogAction. */
static int l_ProbaRule(lua_State *L)
{
	lua_Number p = luaL_checknumber(L, 1);
	if (!(p >= 0 && p <= 1))
		return cfg_error(L, "ProbaRule: the probability must be between 0 and 1");
	struct rule *r = lr_push_rule(L, RULE_PROBA, "ProbaRule");
	r->u.range.min = p >= 1 ? UINT32_MAX : (uint32_t)(p * 4294967296.0);
	r->u.range.max = (uint32_t)(p * 1e6 + 0.5);
	return 1;
}

static int l_QNameLabelsCountRule(lua_State *L)
{
	range_rule(L, RULE_QNAME_LABELS, "QNameLabelsCountRule", 1, 255);
	return 1;
}

static int l_QNameWireLengthRule(lua_State *L)
{
	range_rule(L, RULE_QNAME_WIRELEN, "QNameWireLengthRule", 1, 255);
	return 1;
}

/* ---- actions ---- */

static int l_ContinueAction(lua_State *L)
{
	struct action *inner = lr_check_action(L, 1, "ContinueAction", false);
	struct action *a = lr_push_action(L, ACT_CONTINUE, "ContinueAction");
	a->u.inner = action_ref(inner);
	return 1;
}

static int simple(lua_State *L, enum action_kind kind, bool response, const char *func)
{
	struct action *a = lr_push_action(L, kind, func);
	a->response = response;
	return 1;
}

static int l_SetDisableValidationAction(lua_State *L)
{
	return simple(L, ACT_DISABLE_VALIDATION, false, "SetDisableValidationAction");
}

static int l_SetSkipCacheResponseAction(lua_State *L)
{
	return simple(L, ACT_SKIPCACHE_RESP, true, "SetSkipCacheResponseAction");
}

static int num_action(lua_State *L, enum action_kind kind, bool response, const char *func,
		      lua_Integer max)
{
	uint32_t v = check_u32(L, 1, func, max);
	struct action *a = lr_push_action(L, kind, func);
	a->response = response;
	a->u.num = v;
	return 1;
}

static int l_SetTempFailureCacheTTLAction(lua_State *L)
{
	return num_action(L, ACT_TEMPFAIL_TTL, false, "SetTempFailureCacheTTLAction", 0x7fffffff);
}

/* Delays above a minute would only hold worker memory: dnsdist caps nothing, we do. */
static int l_DelayAction(lua_State *L) { return num_action(L, ACT_DELAY, false, "DelayAction", 60000); }
static int l_DelayResponseAction(lua_State *L)
{
	return num_action(L, ACT_DELAY, true, "DelayResponseAction", 60000);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* NegativeAndSOAAction(nxd, zone, ttl, mname, rname, serial, refresh, retry, expire,
 *                      minimum [, options {aa, ad, ra, soaInAnswerSection}]) */
static int l_NegativeAndSOAAction(lua_State *L)
{
	const char *func = "NegativeAndSOAAction";
	static const char *const keys[] = { "aa", "ad", "ra", "soaInAnswerSection", NULL };
	uint8_t zone[DG_DNAME_MAXLEN], mname[DG_DNAME_MAXLEN], rname[DG_DNAME_MAXLEN];
	uint32_t v[5];
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	lr_check_name(L, 2, zone, func);
	uint32_t ttl = check_u32(L, 3, func, 0x7fffffff);
	lr_check_name(L, 4, mname, func);
	lr_check_name(L, 5, rname, func);
	for (int i = 0; i < 5; i++)
		v[i] = check_u32(L, 6 + i, func, 0xffffffffll);
	if (!lua_isnoneornil(L, 11))
		cfg_check_keys(L, 11, func, keys);
	size_t ml = dg_dname_len(mname), rl = dg_dname_len(rname), zl = dg_dname_len(zone);
	struct action *a = lr_push_action(L, ACT_NEGSOA, func);
	a->ttl = ttl;
	a->u.negsoa.nxd = lua_toboolean(L, 1);
	a->u.negsoa.zone = malloc(zl);
	a->u.negsoa.rdata = malloc(ml + rl + 20);
	if (a->u.negsoa.zone == NULL || a->u.negsoa.rdata == NULL)
		return cfg_error(L, "%s: out of memory", func);
	memcpy(a->u.negsoa.zone, zone, zl);
	memcpy(a->u.negsoa.rdata, mname, ml);
	memcpy(a->u.negsoa.rdata + ml, rname, rl);
	for (int i = 0; i < 5; i++)
		put32(a->u.negsoa.rdata + ml + rl + 4 * i, v[i]);
	a->u.negsoa.rdlen = (uint16_t)(ml + rl + 20);
	if (lua_istable(L, 11)) {
		if (lua_getfield(L, 11, "aa") != LUA_TNIL)
			a->fl.aa = lua_toboolean(L, -1);
		if (lua_getfield(L, 11, "ad") != LUA_TNIL)
			a->fl.ad = lua_toboolean(L, -1);
		if (lua_getfield(L, 11, "ra") != LUA_TNIL)
			a->fl.ra = lua_toboolean(L, -1) ? 1 : 0;
		if (lua_getfield(L, 11, "soaInAnswerSection") != LUA_TNIL)
			a->u.negsoa.soa_in_answer = lua_toboolean(L, -1);
		lua_pop(L, 4);
	}
	return 1;
}

/* SetEDNSOptionAction(code, data) */
static int l_SetEDNSOptionAction(lua_State *L)
{
	const char *func = "SetEDNSOptionAction";
	uint16_t code = (uint16_t)check_u32(L, 1, func, 65535);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	if (len > 65000)
		return cfg_error(L, "%s: option data longer than 65000 bytes", func);
	struct action *a = lr_push_action(L, ACT_EDNSOPT, func);
	a->u.ednsopt.code = code;
	a->u.ednsopt.len = (uint16_t)len;
	a->u.ednsopt.data = malloc(len + 1);
	if (a->u.ednsopt.data == NULL)
		return cfg_error(L, "%s: out of memory", func);
	memcpy(a->u.ednsopt.data, data, len);
	return 1;
}

const struct cfg_fn cfg_rules_ext_fns[] = {
	{ "RecordsCountRule", l_RecordsCountRule },
	{ "RecordsTypeCountRule", l_RecordsTypeCountRule },
	{ "EDNSVersionRule", l_EDNSVersionRule },
	{ "EDNSOptionRule", l_EDNSOptionRule },
	{ "DSTPortRule", l_DSTPortRule },
	{ "QNameLabelsCountRule", l_QNameLabelsCountRule },
	{ "QNameWireLengthRule", l_QNameWireLengthRule },
	{ "RCodeRule", l_RCodeRule },
	{ "ERCodeRule", l_ERCodeRule },
	{ "ProbaRule", l_ProbaRule },
	{ "ContinueAction", l_ContinueAction },
	{ "SetDisableValidationAction", l_SetDisableValidationAction },
	{ "DisableValidationAction", l_SetDisableValidationAction },
	{ "SetSkipCacheResponseAction", l_SetSkipCacheResponseAction },
	{ "SetTempFailureCacheTTLAction", l_SetTempFailureCacheTTLAction },
	{ "TempFailureCacheTTLAction", l_SetTempFailureCacheTTLAction },
	{ "DelayAction", l_DelayAction },
	{ "DelayResponseAction", l_DelayResponseAction },
	{ "NegativeAndSOAAction", l_NegativeAndSOAAction },
	{ "SetNegativeAndSOAAction", l_NegativeAndSOAAction },
	{ "SetEDNSOptionAction", l_SetEDNSOptionAction },
	{ NULL, NULL },
};
