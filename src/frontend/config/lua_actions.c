/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's *Action constructors (same names, arguments, defaults and
 * options tables as dnsdist's documentation). Each creates its action
 * inside a Lua userdata before filling it, so a configuration error never
 * leaves an action unowned. lua_rules.c lists them in cfg_rules_fns.
 */
#include <errno.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/actions.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_rules_int.h"
#include "frontend/rule_types.h"
#include "lib/err.h"
#include "lib/rrtype.h"

static int simple_action(lua_State *L, enum action_kind kind, const char *func)
{
	lr_push_action(L, kind, func);
	return 1;
}

int la_DropAction(lua_State *L) { return simple_action(L, ACT_DROP, "DropAction"); }
int la_AllowAction(lua_State *L) { return simple_action(L, ACT_ALLOW, "AllowAction"); }
int la_NoneAction(lua_State *L) { return simple_action(L, ACT_NONE, "NoneAction"); }
int la_TCAction(lua_State *L) { return simple_action(L, ACT_TC, "TCAction"); }
int la_SetSkipCacheAction(lua_State *L)
{
	return simple_action(L, ACT_SKIPCACHE, "SetSkipCacheAction");
}
int la_SetNoRecurseAction(lua_State *L)
{
	return simple_action(L, ACT_NORECURSE, "SetNoRecurseAction");
}
int la_DropResponseAction(lua_State *L)
{
	return simple_action(L, ACT_RESP_DROP, "DropResponseAction");
}
int la_AllowResponseAction(lua_State *L)
{
	return simple_action(L, ACT_RESP_ALLOW, "AllowResponseAction");
}

static void pool_name(lua_State *L, int idx, struct action *a, const char *func)
{
	cfg_copy_str(L, luaL_checkstring(L, idx), a->u.pool.name, sizeof(a->u.pool.name), func,
		     "pool name");
}

int la_PoolAction(lua_State *L)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	const char *func = "PoolAction";
	luaL_checkstring(L, 1);
	struct action *a = lr_push_action(L, ACT_POOL, func);
	pool_name(L, 1, a, func);
	if (!lua_isnoneornil(L, 2))
		a->u.pool.stop = lua_toboolean(L, 2);
	return 1;
}

int la_QPSPoolAction(lua_State *L)
{
	lua_settop(L, 3); /* absent optional arguments become nil, below the result */
	const char *func = "QPSPoolAction";
	unsigned qps = lr_check_num(L, 1, func, 65535, NULL);
	luaL_checkstring(L, 2);
	struct action *a = lr_push_action(L, ACT_QPSPOOL, func);
	rl_bucket_init(&a->qps, qps, 0);
	pool_name(L, 2, a, func);
	if (!lua_isnoneornil(L, 3))
		a->u.pool.stop = lua_toboolean(L, 3);
	return 1;
}

int la_QPSAction(lua_State *L)
{
	unsigned qps = lr_check_num(L, 1, "QPSAction", 65535, NULL);
	rl_bucket_init(&lr_push_action(L, ACT_QPS, "QPSAction")->qps, qps, 0);
	return 1;
}

/* The {aa, ad, ra [, ttl [, typeForAny]]} options of answering actions. */
static void answer_opts(lua_State *L, int idx, struct action *a, const char *func, bool ttl,
			bool tfa)
{
	static const char *const k_rcode[] = { "aa", "ad", "ra", NULL };
	static const char *const k_spoof[] = { "aa", "ad", "ra", "ttl", NULL };
	static const char *const k_raw[] = { "aa", "ad", "ra", "ttl", "typeForAny", NULL };
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	cfg_check_keys(L, idx, func, tfa ? k_raw : ttl ? k_spoof : k_rcode);
	if (lua_getfield(L, idx, "aa") != LUA_TNIL)
		a->fl.aa = lua_toboolean(L, -1);
	if (lua_getfield(L, idx, "ad") != LUA_TNIL)
		a->fl.ad = lua_toboolean(L, -1);
	if (lua_getfield(L, idx, "ra") != LUA_TNIL)
		a->fl.ra = lua_toboolean(L, -1) ? 1 : 0;
	lua_pop(L, 3);
	if (ttl && lua_getfield(L, idx, "ttl") != LUA_TNIL) {
		int isnum = 0;
		lua_Integer v = lua_tointegerx(L, -1, &isnum);
		if (!isnum || v < 0 || v > 0x7fffffff) /* RFC 2181 §8 */
			cfg_error(L, "%s: ttl must be an integer from 0 to 2147483647", func);
		a->ttl = (uint32_t)v;
	}
	if (ttl)
		lua_pop(L, 1);
	if (tfa && lua_getfield(L, idx, "typeForAny") != LUA_TNIL)
		a->u.spoof.type_for_any = lr_check_num(L, lua_gettop(L), func, 65535, dg_rrtype_from_str);
	if (tfa)
		lua_pop(L, 1);
}

static int rcode_action(lua_State *L, const char *func, lua_Integer max)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	uint16_t rcode = lr_check_num(L, 1, func, max, NULL);
	struct action *a = lr_push_action(L, ACT_RCODE, func);
	a->u.rcode = rcode;
	answer_opts(L, 2, a, func, false, false);
	return 1;
}

int la_RCodeAction(lua_State *L) { return rcode_action(L, "RCodeAction", 15); }
int la_ERCodeAction(lua_State *L) { return rcode_action(L, "ERCodeAction", 4095); }

/* Counts the strings of a string-or-list argument (at most SPOOF_MAX_RECORDS). */
static int count_strings(lua_State *L, int idx, const char *func)
{
	int n = lua_type(L, idx) == LUA_TTABLE ? (int)lua_rawlen(L, idx) : 1;
	if (lua_type(L, idx) != LUA_TTABLE && lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, "%s: argument %d must be a string or a list of strings", func, idx);
	if (n < 1 || n > SPOOF_MAX_RECORDS)
		cfg_error(L, "%s: between 1 and %d values expected", func, SPOOF_MAX_RECORDS);
	return n;
}

/* Pushes the i-th string (1-based) of a string-or-list argument. */
static const char *nth_string(lua_State *L, int idx, int i, size_t *len, const char *func)
{
	if (lua_type(L, idx) == LUA_TTABLE)
		lua_rawgeti(L, idx, i);
	else
		lua_pushvalue(L, idx);
	if (lua_type(L, -1) != LUA_TSTRING)
		cfg_error(L, "%s: list entries must be strings", func);
	return lua_tolstring(L, -1, len);
}

int la_SpoofAction(lua_State *L)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	const char *func = "SpoofAction";
	int n = count_strings(L, 1, func);
	struct action *a = lr_push_action(L, ACT_SPOOF, func);
	if ((a->u.spoof.addrs = calloc((size_t)n, sizeof(struct dg_addr))) == NULL)
		lr_oom(L, func);
	for (int i = 1; i <= n; i++) {
		struct dg_netmask nm;
		const char *s = nth_string(L, 1, i, NULL, func);
		if (dg_netmask_parse(&nm, s) < 0 || nm.bits != (nm.addr.family == AF_INET ? 32 : 128))
			cfg_error(L, "%s: '%s' is not an IP address", func, s);
		a->u.spoof.addrs[a->u.spoof.naddrs++] = nm.addr;
		lua_pop(L, 1);
	}
	answer_opts(L, 2, a, func, true, false);
	return 1;
}

int la_SpoofCNAMEAction(lua_State *L)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	const char *func = "SpoofCNAMEAction";
	uint8_t name[DG_DNAME_MAXLEN];
	lr_check_name(L, 1, name, func);
	struct action *a = lr_push_action(L, ACT_SPOOF, func);
	if ((a->u.spoof.cname = malloc(dg_dname_len(name))) == NULL)
		lr_oom(L, func);
	memcpy(a->u.spoof.cname, name, dg_dname_len(name));
	answer_opts(L, 2, a, func, true, false);
	return 1;
}

int la_SpoofRawAction(lua_State *L)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	const char *func = "SpoofRawAction";
	int n = count_strings(L, 1, func);
	struct action *a = lr_push_action(L, ACT_SPOOF, func);
	if ((a->u.spoof.raw = calloc((size_t)n, sizeof(struct spoof_raw))) == NULL)
		lr_oom(L, func);
	for (int i = 1; i <= n; i++) {
		size_t len;
		const char *s = nth_string(L, 1, i, &len, func);
		if (len > 65535)
			cfg_error(L, "%s: raw answer longer than 65535 bytes", func);
		struct spoof_raw *raw = &a->u.spoof.raw[a->u.spoof.nraw];
		if (len > 0 && (raw->data = malloc(len)) == NULL)
			lr_oom(L, func);
		if (len > 0)
			memcpy(raw->data, s, len);
		raw->len = (uint16_t)len;
		a->u.spoof.nraw++;
		lua_pop(L, 1);
	}
	answer_opts(L, 2, a, func, true, true);
	return 1;
}

static bool opt_bool(lua_State *L, int idx, bool def)
{
	return lua_isnoneornil(L, idx) ? def : lua_toboolean(L, idx);
}

int la_LogAction(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, "");
	struct action_log_opts o = {
		.binary = opt_bool(L, 2, true),
		.append = opt_bool(L, 3, false),
		.buffered = opt_bool(L, 4, true),
		.verbose_only = opt_bool(L, 5, true),
		.timestamp = opt_bool(L, 6, false),
	};
	struct lr_action_ud *u = lr_push_action_ud(L);
	/* A replay (cfg.h) must not open, let alone truncate, the real log file. */
	u->a = action_log_new(cfg_mode(L) == CFG_MODE_LOAD ? path : "", &o);
	if (u->a == NULL)
		return cfg_error(L, "LogAction: unable to open '%s' for logging: %s", path,
				 strerror(errno));
	return 1;
}

static void check_netmask(lua_State *L, int idx, struct dg_netmask *nm, const char *func)
{
	const char *s = luaL_checkstring(L, idx);
	if (dg_netmask_parse(nm, s) < 0)
		cfg_error(L, "%s: '%s' is not a netmask", func, s);
}

int la_SetECSAction(lua_State *L)
{
	lua_settop(L, 2); /* absent optional arguments become nil, below the result */
	const char *func = "SetECSAction";
	struct dg_netmask v4, v6;
	check_netmask(L, 1, &v4, func);
	bool has_v6 = !lua_isnoneornil(L, 2);
	if (has_v6)
		check_netmask(L, 2, &v6, func);
	struct action *a = lr_push_action(L, ACT_SETECS, func);
	a->u.ecs.v4 = v4;
	if (has_v6)
		a->u.ecs.v6 = v6;
	a->u.ecs.has_v6 = has_v6;
	return 1;
}
