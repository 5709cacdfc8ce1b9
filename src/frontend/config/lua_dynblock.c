/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's dynamic block API: dynBlockRulesGroup() and its methods,
 * exceedQRate & co, addDynBlocks, setDynBlocksAction, showDynBlocks,
 * clearDynBlocks. The functions that act on traffic find the running
 * daemon's rings and block table through the configuration they serve
 * (the control thread's state and the console; dynctl.h): while the file
 * is only being loaded there is no traffic, so they see nothing and do
 * nothing, as in dnsdist before the first query.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/dynctl.h"
#include "frontend/dyngroup.h"
#include "frontend/luart.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/sockaddr.h"

#define DYNGROUP_T "dnsgate.dyngroup"

struct ud_group {
	struct dyn_group *g;
};

/* The configuration the daemon serves (control state, console), or NULL. */
static struct fe_conf *live(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, DYNCTL_LIVE_KEY);
	struct fe_conf *c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (c == NULL && cfg_mode(L) == CFG_MODE_LOAD)
		c = cfg_conf(L); /* the console runs on the served configuration */
	return c != NULL && c->dynblocks != NULL ? c : NULL;
}

/* A DNSAction value at idx as a block action (absent or None: the default). */
static enum dyn_action check_action(lua_State *L, int idx, const char *func)
{
	if (lua_isnoneornil(L, idx))
		return DYN_ACT_DEFAULT;
	switch (luaL_checkinteger(L, idx)) {
	case LUART_NONE: return DYN_ACT_DEFAULT;
	case LUART_DROP: return DYN_ACT_DROP;
	case LUART_REFUSED: return DYN_ACT_REFUSED;
	case LUART_TRUNCATE: return DYN_ACT_TRUNCATE;
	case LUART_NXDOMAIN: return DYN_ACT_NXDOMAIN;
	case LUART_NOOP: return DYN_ACT_NOOP;
	default:
		cfg_error(L, "%s: the action must be DNSAction.Drop, Refused, Truncate, Nxdomain, "
			     "NoOp or None", func);
		return DYN_ACT_DEFAULT;
	}
}

static unsigned check_uint(lua_State *L, int idx, const char *func, const char *what)
{
	lua_Integer v = luaL_checkinteger(L, idx);
	if (v < 0 || v > 100000000)
		cfg_error(L, "%s: %s must be a positive number", func, what);
	return (unsigned)v;
}

/* Calls the global print() with the text, as grepq does. */
static void out_print(lua_State *L, char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	lua_pushlstring(L, text, len);
	free(text);
	lua_getglobal(L, "print");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		fprintf(stdout, "%s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		return;
	}
	lua_insert(L, -2);
	lua_call(L, 1, 0);
}

/* ---- the group object ---- */

static struct dyn_group *check_group(lua_State *L, const char *func)
{
	struct ud_group *u = cfg_checkudata(L, 1, DYNGROUP_T, func, "DynBlockRulesGroup");
	return u->g;
}

static void fill_common(lua_State *L, int i, struct dyn_rule *r, const char *func)
{
	r->seconds = check_uint(L, i, func, "seconds");
	cfg_copy_str(L, luaL_checkstring(L, i + 1), r->reason, sizeof(r->reason), func, "reason");
	r->block_s = check_uint(L, i + 2, func, "blockingTime");
	r->act = check_action(L, i + 3, func);
	r->warning_rate = luaL_optnumber(L, i + 4, 0);
}

static int set_rule(lua_State *L, struct dyn_rule *r, const char *func)
{
	if (dyn_group_set_rule(check_group(L, func), r) < 0)
		return cfg_error(L, "%s: too many rules in the group", func);
	return 0;
}

/* :setQueryRate(rate, seconds, reason, blockingTime [, action [, warningRate]]) */
static int g_setQueryRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_QRATE, .rate = luaL_checknumber(L, 2) };
	fill_common(L, 3, &r, "setQueryRate");
	return set_rule(L, &r, "setQueryRate");
}

/* :setResponseByteRate(rate, seconds, reason, blockingTime [, action [, warningRate]]) */
static int g_setResponseByteRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_BYTE_RATE, .rate = luaL_checknumber(L, 2) };
	fill_common(L, 3, &r, "setResponseByteRate");
	return set_rule(L, &r, "setResponseByteRate");
}

/* :setRCodeRate(rcode, rate, seconds, reason, blockingTime [, action [, warningRate]]) */
static int g_setRCodeRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_RCODE_RATE, .rate = luaL_checknumber(L, 3) };
	r.rcode = (uint8_t)(check_uint(L, 2, "setRCodeRate", "rcode") & 0x0f);
	fill_common(L, 4, &r, "setRCodeRate");
	return set_rule(L, &r, "setRCodeRate");
}

/* :setQTypeRate(qtype, rate, seconds, reason, blockingTime [, action [, warningRate]]) */
static int g_setQTypeRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_QTYPE_RATE, .rate = luaL_checknumber(L, 3) };
	r.qtype = (uint16_t)check_uint(L, 2, "setQTypeRate", "qtype");
	fill_common(L, 4, &r, "setQTypeRate");
	return set_rule(L, &r, "setQTypeRate");
}

/* :setRCodeRatio(rcode, ratio, seconds, reason, blockingTime, minimumNumberOfResponses
 *                [, action [, warningRatio]]) */
static int g_setRCodeRatio(lua_State *L)
{
	const char *func = "setRCodeRatio";
	struct dyn_rule r = { .kind = DYN_R_RCODE_RATIO, .rate = luaL_checknumber(L, 3) };
	r.rcode = (uint8_t)(check_uint(L, 2, func, "rcode") & 0x0f);
	r.seconds = check_uint(L, 4, func, "seconds");
	cfg_copy_str(L, luaL_checkstring(L, 5), r.reason, sizeof(r.reason), func, "reason");
	r.block_s = check_uint(L, 6, func, "blockingTime");
	r.min_responses = check_uint(L, 7, func, "minimumNumberOfResponses");
	r.act = check_action(L, 8, func);
	r.warning_rate = luaL_optnumber(L, 9, 0);
	return set_rule(L, &r, func);
}

static int g_setMasks(lua_State *L)
{
	struct dyn_group *g = check_group(L, "setMasks");
	lua_Integer v4 = luaL_checkinteger(L, 2), v6 = luaL_checkinteger(L, 3);
	if (v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128)
		return cfg_error(L, "setMasks: prefix lengths must be 0-32 and 0-128");
	dyn_group_set_masks(g, (uint8_t)v4, (uint8_t)v6);
	return 0;
}

static void range_one(lua_State *L, struct dyn_group *g, int idx, bool exclude, const char *func)
{
	struct dg_netmask nm;
	const char *s = lua_tostring(L, idx);
	if (lua_type(L, idx) != LUA_TSTRING || dg_netmask_parse(&nm, s) < 0)
		cfg_error(L, "%s: '%s' is not a netmask", func, s ? s : luaL_typename(L, idx));
	if (dyn_group_range(g, &nm, exclude) < 0)
		cfg_error(L, "%s: out of memory", func);
}

static int ranges(lua_State *L, bool exclude, const char *func)
{
	struct dyn_group *g = check_group(L, func);
	if (lua_type(L, 2) != LUA_TTABLE) {
		range_one(L, g, 2, exclude, func);
		return 0;
	}
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, 2); i++) {
		lua_rawgeti(L, 2, i);
		range_one(L, g, -1, exclude, func);
		lua_pop(L, 1);
	}
	return 0;
}

static int g_excludeRange(lua_State *L) { return ranges(L, true, "excludeRange"); }
static int g_includeRange(lua_State *L) { return ranges(L, false, "includeRange"); }

static int g_apply(lua_State *L)
{
	struct dyn_group *g = check_group(L, "apply");
	struct fe_conf *c = live(L);
	if (c == NULL)
		return 0;
	int ret = dyn_group_apply(g, c->rings, c->dynblocks, dg_clock_now_us());
	if (ret < 0)
		return luaL_error(L, "DynBlockRulesGroup:apply: %s", dg_strerror(ret));
	return 0;
}

static int g_gc(lua_State *L)
{
	struct ud_group *u = lua_touserdata(L, 1);
	dyn_group_free(u->g);
	u->g = NULL;
	return 0;
}

static const struct cfg_fn group_methods[] = {
	{ "setQueryRate", g_setQueryRate },
	{ "setResponseByteRate", g_setResponseByteRate },
	{ "setRCodeRate", g_setRCodeRate },
	{ "setRCodeRatio", g_setRCodeRatio },
	{ "setQTypeRate", g_setQTypeRate },
	{ "setMasks", g_setMasks },
	{ "excludeRange", g_excludeRange },
	{ "includeRange", g_includeRange },
	{ "apply", g_apply },
	{ NULL, NULL },
};

static int l_dynBlockRulesGroup(lua_State *L)
{
	struct ud_group *u = cfg_newudata(L, sizeof(*u), DYNGROUP_T, group_methods, g_gc);
	u->g = dyn_group_new();
	if (u->g == NULL)
		return cfg_error(L, "dynBlockRulesGroup: out of memory");
	return 1;
}

/* ---- exceed*, addDynBlocks, show, clear ---- */

static void push_offender(const struct dg_netmask *who, double value, bool warning, void *ctx)
{
	lua_State *L = ctx;
	union dg_sockaddr sa;
	(void)warning;
	memset(&sa, 0, sizeof(sa));
	if (who->addr.family == AF_INET) {
		sa.in.sin_family = AF_INET;
		memcpy(&sa.in.sin_addr, who->addr.bytes, 4);
	} else {
		sa.in6.sin6_family = AF_INET6;
		memcpy(&sa.in6.sin6_addr, who->addr.bytes, 16);
	}
	luart_push_ca(L, &sa);
	lua_pushinteger(L, (lua_Integer)value);
	lua_rawset(L, -3);
}

static int exceed(lua_State *L, struct dyn_rule *r, int idx, const char *func)
{
	r->rate = luaL_checknumber(L, idx);
	r->seconds = check_uint(L, idx + 1, func, "seconds");
	lua_newtable(L);
	struct fe_conf *c = live(L);
	if (c == NULL)
		return 1;
	int ret = dyn_exceed(c->rings, r, dg_clock_now_us(), 32, 128, push_offender, L);
	if (ret < 0)
		return luaL_error(L, "%s: %s", func, dg_strerror(ret));
	return 1;
}

static int l_exceedQRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_QRATE };
	return exceed(L, &r, 1, "exceedQRate");
}

static int l_exceedRespByterate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_BYTE_RATE };
	return exceed(L, &r, 1, "exceedRespByterate");
}

static int l_exceedServFails(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_RCODE_RATE, .rcode = 2 };
	return exceed(L, &r, 1, "exceedServFails");
}

static int l_exceedNXDOMAINs(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_RCODE_RATE, .rcode = 3 };
	return exceed(L, &r, 1, "exceedNXDOMAINs");
}

static int l_exceedQTypeRate(lua_State *L)
{
	struct dyn_rule r = { .kind = DYN_R_QTYPE_RATE };
	r.qtype = (uint16_t)check_uint(L, 1, "exceedQTypeRate", "qtype");
	return exceed(L, &r, 2, "exceedQTypeRate");
}

/* The address key of an addDynBlocks table entry as a host netmask. */
static bool key_netmask(lua_State *L, int idx, struct dg_netmask *nm)
{
	union dg_sockaddr sa;
	if (luart_to_sockaddr(L, idx, &sa) && dg_addr_from_sockaddr(&nm->addr, &sa.sa) == 0) {
		nm->bits = nm->addr.family == AF_INET ? 32 : 128;
		return true;
	}
	return lua_type(L, idx) == LUA_TSTRING && dg_netmask_parse(nm, lua_tostring(L, idx)) == 0;
}

/* addDynBlocks(addresses, message [, seconds=10 [, action]]) */
static int l_addDynBlocks(lua_State *L)
{
	const char *func = "addDynBlocks";
	luaL_checktype(L, 1, LUA_TTABLE);
	const char *msg = luaL_checkstring(L, 2);
	unsigned secs = lua_isnoneornil(L, 3) ? 10 : check_uint(L, 3, func, "seconds");
	enum dyn_action act = check_action(L, 4, func);
	struct fe_conf *c = live(L);
	if (c == NULL)
		return 0;
	uint64_t now = dg_clock_now_us();
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		struct dg_netmask nm;
		if (!key_netmask(L, -2, &nm))
			return cfg_error(L, "%s: keys must be addresses (ComboAddress or string)", func);
		if (dynblock_add(c->dynblocks, &nm, msg, now + (uint64_t)secs * 1000000, act, false,
				 now) < 0)
			return cfg_error(L, "%s: out of memory", func);
		lua_pop(L, 1);
	}
	if (dynblock_publish(c->dynblocks) < 0)
		return cfg_error(L, "%s: out of memory", func);
	return 0;
}

static int l_setDynBlocksAction(lua_State *L)
{
	enum dyn_action a = check_action(L, 1, "setDynBlocksAction");
	if (a == DYN_ACT_DEFAULT || a == DYN_ACT_NOOP)
		return cfg_error(L, "setDynBlocksAction: the action must be DNSAction.Drop, Refused, "
				    "Truncate or Nxdomain");
	cfg_conf(L)->dynblock_action = (int)a;
	struct fe_conf *c = live(L);
	if (c != NULL)
		c->dynblock_action = (int)a;
	return 0;
}

static int l_showDynBlocks(lua_State *L)
{
	struct fe_conf *c = live(L);
	if (c == NULL)
		return 0; /* loading a file: dnsdist prints to the console only */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		return luaL_error(L, "showDynBlocks: out of memory");
	dynblock_show(c->dynblocks, (enum dyn_action)c->dynblock_action, dg_clock_now_us(), out);
	fclose(out);
	out_print(L, text, len);
	return 0;
}

static int l_clearDynBlocks(lua_State *L)
{
	struct fe_conf *c = live(L);
	if (c == NULL)
		return 0;
	dynblock_clear(c->dynblocks);
	if (dynblock_publish(c->dynblocks) < 0)
		return luaL_error(L, "clearDynBlocks: out of memory");
	return 0;
}

static int l_accept(lua_State *L)
{
	(void)L;
	return 0;
}

const struct cfg_fn cfg_dynblock_fns[] = {
	{ "dynBlockRulesGroup", l_dynBlockRulesGroup },
	{ "exceedQRate", l_exceedQRate },
	{ "exceedRespByterate", l_exceedRespByterate },
	{ "exceedServFails", l_exceedServFails },
	{ "exceedNXDOMAINs", l_exceedNXDOMAINs },
	{ "exceedQTypeRate", l_exceedQTypeRate },
	{ "addDynBlocks", l_addDynBlocks },
	{ "setDynBlocksAction", l_setDynBlocksAction },
	{ "setDynBlocksPurgeInterval", l_accept },
	{ "showDynBlocks", l_showDynBlocks },
	{ "clearDynBlocks", l_clearDynBlocks },
	{ NULL, NULL },
};
