/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's listening and access-control functions: setLocal, addLocal,
 * setACL, addACL, and the netmask group objects of newNMG() that
 * NetmaskGroupRule consumes (layout in lua_objs.h).
 */
#include <stddef.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_objs.h"
#include "frontend/luart.h"
#include "lib/err.h"
#include "lib/sockaddr.h"

#define L_FIELD(f) offsetof(struct fe_listener, f), sizeof(((struct fe_listener *)0)->f)

/* addLocal/setLocal options (dnsdist 1.7 names). */
static const struct cfg_opt listen_opts[] = {
	{ "doTCP", CFG_OPT_BOOL, L_FIELD(do_tcp), 0, 0, 1, NULL },
	{ "reusePort", CFG_OPT_BOOL, L_FIELD(reuseport), 0, 0, 0, NULL },
	{ "tcpListenQueueSize", CFG_OPT_UINT, L_FIELD(tcp_listen_queue), 0, 65535, 0, NULL },
	{ "maxInFlight", CFG_OPT_UINT, L_FIELD(max_inflight), 0, 65535, 0, NULL },
	{ "tcpFastOpenQueueSize", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "interface", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "cpus", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "maxConcurrentTCPConnections", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "enableProxyProtocol", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/*
 * Parses (address [, options | doTCP [, reusePort]]) into l: the table form
 * of dnsdist 1.5+ and the older positional booleans, which its docs still
 * show (addLocal('2001:db8::1', false) is UDP only).
 */
static void listen_parse(lua_State *L, const char *func, struct fe_listener *l)
{
	const char *text = luaL_checkstring(L, 1);
	int ret = dg_sockaddr_parse(&l->addr, text, 53);

	if (ret < 0)
		cfg_error(L, "%s: '%s': %s", func, text, dg_strerror(ret));
	cfg_opts_defaults(listen_opts, l);
	l->do_udp = true;
	l->line = cfg_where(L, (char[2]){ 0 }, 2);
	if (lua_type(L, 2) == LUA_TTABLE) {
		cfg_apply_opts(L, 2, func, listen_opts, l);
		return;
	}
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TBOOLEAN);
		l->do_tcp = lua_toboolean(L, 2);
	}
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TBOOLEAN);
		l->reuseport = lua_toboolean(L, 3);
	}
	if (lua_gettop(L) > 3)
		cfg_error(L, "%s: the positional arguments after reusePort are not supported by "
			  "dnsgate (use the options table)", func);
}

static int l_setLocal(lua_State *L)
{
	struct fe_listener l = { 0 };
	listen_parse(L, "setLocal", &l);
	fe_conf_clear_listeners(cfg_conf(L));
	fe_conf_add_listener(cfg_conf(L), &l);
	return 0;
}

static int l_addLocal(lua_State *L)
{
	struct fe_listener l = { 0 };
	listen_parse(L, "addLocal", &l);
	fe_conf_add_listener(cfg_conf(L), &l);
	return 0;
}

/* Checks one netmask text (with an optional '!') without keeping it. */
static void acl_check_one(lua_State *L, const char *func, const char *text)
{
	struct dg_netmask nm;
	int ret = dg_netmask_parse(&nm, text[0] == '!' ? text + 1 : text);
	if (ret < 0)
		cfg_error(L, "%s: '%s': %s", func, text, dg_strerror(ret));
}

static void nmg_add_checked(lua_State *L, const char *func, struct dg_nmg *g, const char *text)
{
	acl_check_one(L, func, text);
	int ret = dg_nmg_add_str(g, text);
	if (ret < 0)
		cfg_error(L, "%s: '%s': %s", func, text, dg_strerror(ret));
}

/*
 * Adds the netmask string or list of strings at idx to g, or with g NULL
 * only validates them. Lists are validated before the first entry is
 * added, so a typo leaves g unchanged.
 */
static void nmg_add_arg(lua_State *L, int idx, const char *func, struct dg_nmg *g)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		if (g)
			nmg_add_checked(L, func, g, lua_tostring(L, idx));
		else
			acl_check_one(L, func, lua_tostring(L, idx));
		return;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		cfg_error(L, "%s: expects a netmask string or a list of them", func);
	lua_Integer n = luaL_len(L, idx);
	for (int pass = 0; pass < (g ? 2 : 1); pass++) {
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, idx, i);
			if (lua_type(L, -1) != LUA_TSTRING)
				cfg_error(L, "%s: entry %lld is not a string", func, (long long)i);
			if (pass == 0)
				acl_check_one(L, func, lua_tostring(L, -1));
			else
				nmg_add_checked(L, func, g, lua_tostring(L, -1));
			lua_pop(L, 1);
		}
	}
}

/* setACL replaces the whole ACL, defaults included; a bad entry keeps the old one. */
static int l_setACL(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);

	nmg_add_arg(L, 1, "setACL", NULL);
	dg_nmg_clear(&conf->acl);
	conf->acl_set = true;
	nmg_add_arg(L, 1, "setACL", &conf->acl);
	return 0;
}

static int l_addACL(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	nmg_add_checked(L, "addACL", &conf->acl, luaL_checkstring(L, 1));
	conf->acl_set = true;
	return 0;
}

/* --- newNMG() objects ---------------------------------------------------- */

struct dg_nmg *cfg_check_nmg(lua_State *L, int idx, const char *func)
{
	struct cfg_nmg *ud = cfg_checkudata(L, idx, CFG_NMG_T, func, "netmask group (newNMG())");
	return &ud->nmg;
}

struct nmg_copy_ctx {
	struct dg_nmg *dst;
	int ret;
};

static void nmg_copy_one(const struct dg_netmask *nm, bool negate, void *arg)
{
	struct nmg_copy_ctx *ctx = arg;
	if (ctx->ret == 0)
		ctx->ret = dg_nmg_add(ctx->dst, nm, negate);
}

int cfg_nmg_copy(struct dg_nmg *dst, const struct dg_nmg *src)
{
	struct nmg_copy_ctx ctx = { dst, 0 };
	dg_nmg_foreach(src, nmg_copy_one, &ctx);
	return ctx.ret;
}

static int nmg_gc(lua_State *L)
{
	struct cfg_nmg *ud = luaL_checkudata(L, 1, CFG_NMG_T);
	dg_nmg_clear(&ud->nmg);
	return 0;
}

static int nmg_addMask(lua_State *L)
{
	struct dg_nmg *g = cfg_check_nmg(L, 1, "NetmaskGroup:addMask");
	nmg_add_checked(L, "NetmaskGroup:addMask", g, luaL_checkstring(L, 2));
	return 0;
}

static int nmg_addMasks(lua_State *L)
{
	struct dg_nmg *g = cfg_check_nmg(L, 1, "NetmaskGroup:addMasks");
	luaL_checktype(L, 2, LUA_TTABLE);
	nmg_add_arg(L, 2, "NetmaskGroup:addMasks", g);
	return 0;
}

static int nmg_match(lua_State *L)
{
	struct dg_nmg *g = cfg_check_nmg(L, 1, "NetmaskGroup:match");
	union dg_sockaddr sa; /* a ComboAddress (dq.remoteaddr) or an address string */
	struct dg_addr a;
	if (lua_type(L, 2) == LUA_TUSERDATA && luart_to_sockaddr(L, 2, &sa) &&
	    dg_addr_from_sockaddr(&a, &sa.sa) == 0) {
		lua_pushboolean(L, dg_nmg_match(g, &a, NULL));
		return 1;
	}
	const char *text = luaL_checkstring(L, 2);
	struct dg_netmask nm;
	int ret = dg_netmask_parse(&nm, text);
	if (ret < 0 || nm.bits != (nm.addr.family == AF_INET ? 32 : 128))
		return cfg_error(L, "NetmaskGroup:match: '%s' is not an address", text);
	lua_pushboolean(L, dg_nmg_match(g, &nm.addr, NULL));
	return 1;
}

static int nmg_size(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)cfg_check_nmg(L, 1, "NetmaskGroup:size")->count);
	return 1;
}

static int nmg_clear(lua_State *L)
{
	dg_nmg_clear(cfg_check_nmg(L, 1, "NetmaskGroup:clear"));
	return 0;
}

static const struct cfg_fn nmg_methods[] = {
	{ "addMask", nmg_addMask },
	{ "addMasks", nmg_addMasks },
	{ "match", nmg_match },
	{ "size", nmg_size },
	{ "clear", nmg_clear },
	{ NULL, NULL },
};

static int l_newNMG(lua_State *L)
{
	struct cfg_nmg *ud = cfg_newudata(L, sizeof(*ud), CFG_NMG_T, nmg_methods, nmg_gc);
	dg_nmg_init(&ud->nmg);
	return 1;
}

const struct cfg_fn cfg_listen_fns[] = {
	{ "setLocal", l_setLocal },
	{ "addLocal", l_addLocal },
	{ "setACL", l_setACL },
	{ "addACL", l_addACL },
	{ "newNMG", l_newNMG },
	{ NULL, NULL },
};
