/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The console's Lua state at run time: collecting what a command prints,
 * running a line as dnsdist does, and guarding the configuration functions
 * that must not (or cannot) change a running daemon. The commands
 * themselves are in console_show.c. Console thread only.
 *
 * What may change at run time, and how the workers see it:
 *   rule chains (addAction, rmRule, mvRule, clearRules, setRules, ...):
 *     copy-on-write and RCU (rulechain.h);
 *   the ACL (addACL, setACL, ...): the function changes conf->acl, which
 *     no worker reads, then the console publishes a copy (RCU);
 *   a server's admin state (setUp/setDown/setAuto): atomics;
 *   setVerboseHealthChecks: a flag only the health checks read.
 * Everything else that changes what workers read without such a protocol
 * (new servers, listeners, pools and caches, policies, most one-value
 * settings, per-query Lua functions) is refused with a message that says
 * so, instead of racing with the workers.
 */
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_objs.h"
#include "frontend/config/lua_rules_int.h"
#include "frontend/console.h"
#include "frontend/rule_types.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"

#define RT_KEY "dnsgate.console.rt"

/* Appends to what the running command printed (rt->oom sticks on failure). */
static void ob_add(struct console_rt *rt, const char *s, size_t n)
{
	if (rt->oom)
		return;
	if (rt->outlen + n + 1 > rt->outcap) {
		size_t cap = rt->outcap ? rt->outcap : 256;
		while (cap < rt->outlen + n + 1)
			cap *= 2;
		char *p = realloc(rt->out, cap);
		if (p == NULL) {
			rt->oom = true;
			return;
		}
		rt->out = p;
		rt->outcap = cap;
	}
	memcpy(rt->out + rt->outlen, s, n);
	rt->outlen += n;
	rt->out[rt->outlen] = '\0';
}

struct console_rt *console_rt_get(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, RT_KEY);
	struct console_rt *rt = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return rt;
}

/* print(...) in the console: tab-separated, to the client, as Lua's own. */
static int c_print(lua_State *L)
{
	struct console_rt *rt = console_rt_get(L);
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > 1)
			ob_add(rt, "\t", 1);
		ob_add(rt, s, len);
		lua_pop(L, 1);
	}
	ob_add(rt, "\n", 1);
	return 0;
}

static int c_refused(lua_State *L)
{
	return cfg_error(L, "%s cannot be used at run time in dnsgate: change the configuration "
			 "file and restart", lua_tostring(L, lua_upvalueindex(1)));
}

/* Replaces the global name with a function that refuses to run. */
static void refuse_global(lua_State *L, const char *name)
{
	lua_pushstring(L, name);
	lua_pushcclosure(L, c_refused, 1);
	lua_setglobal(L, name);
}

/* Functions whose effect the workers would race with (see the file comment). */
static const char *const refused_names[] = {
	"newServer", "rmServer", "setLocal", "addLocal", "newPacketCache", "setServerPolicy",
	"setPoolServerPolicy", "setServerPolicyLua", "setPoolServerPolicyLua", "controlSocket",
	"setKey", "webserver", "setWebserverConfig", "setRingBuffersSize", "LuaAction",
	"LuaRule", "LuaResponseAction", "LuaFFIAction", "LuaFFIRule", "LuaFFIResponseAction",
	"includeDirectory", "setVRRP", "addVRRP",
	NULL,
};

/* Calls the wrapped original (upvalue 1) with every argument; returns its results. */
static int call_original(lua_State *L)
{
	int n = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

/* addACL/setACL/...: change conf->acl as in the file, then publish it. */
static int c_acl_wrapper(lua_State *L)
{
	int n = call_original(L);
	int ret = fe_conf_publish_acl(cfg_conf(L));
	if (ret < 0)
		return cfg_error(L, "the new ACL could not be published: %s", dg_strerror(ret));
	return n;
}

/* PoolAction("p"), QPSPoolAction: the pool must exist (no pool is created at run time). */
static int c_pool_action_wrapper(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, "");
	struct fe_pool *pool = fe_conf_find_pool(cfg_conf(L), name);
	if (pool == NULL)
		return cfg_error(L, "pool '%s' does not exist, and pools cannot be created at "
				 "run time in dnsgate", name);
	int n = call_original(L);
	struct lr_action_ud *u = luaL_testudata(L, -1, LR_ACTION_T);
	if (u != NULL && u->a != NULL && u->a->u.pool.pool == NULL)
		u->a->u.pool.pool = pool; /* resolved before any chain can publish it */
	return n;
}

/* Makes method name of the table on top of the stack refuse to run. */
static void refuse_field(lua_State *L, const char *name)
{
	lua_pushstring(L, name);
	lua_pushcclosure(L, c_refused, 1);
	lua_setfield(L, -2, name);
}

/* getPool("p"): an existing pool only; its cache cannot be swapped under the workers. */
static int c_getpool_wrapper(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, "");
	if (fe_conf_find_pool(cfg_conf(L), name) == NULL)
		return cfg_error(L, "getPool: pool '%s' does not exist, and pools cannot be "
				 "created at run time in dnsgate", name);
	int n = call_original(L);
	if (lua_getmetatable(L, -1)) {
		if (lua_getfield(L, -1, "__index") == LUA_TTABLE) {
			refuse_field(L, "setCache");
			refuse_field(L, "unsetCache");
		}
		lua_pop(L, 2);
	}
	return n;
}

/* setVerboseHealthChecks at run time: only the health checks read the flag. */
static int c_setVerboseHealthChecks(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TBOOLEAN);
	__atomic_store_n(&cfg_conf(L)->verbose_health_checks, lua_toboolean(L, 1),
			 __ATOMIC_RELAXED);
	return 0;
}

/* Wraps the global name with fn, the original as its upvalue (if it exists). */
static void wrap_global(lua_State *L, const char *name, lua_CFunction fn)
{
	if (lua_getglobal(L, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushcclosure(L, fn, 1);
	lua_setglobal(L, name);
}

static void guard_runtime(lua_State *L)
{
	for (const char *const *n = refused_names; *n; n++)
		refuse_global(L, *n);
	/* one-value settings are plain fields the workers read: refused, except
	 * setVerboseHealthChecks (read by the health checks only) */
	const struct cfg_setter *tables[] = { cfg_misc_setters, cfg_servers_setters };
	for (size_t t = 0; t < DG_ARRAY_SIZE(tables); t++)
		for (const struct cfg_setter *s = tables[t]; s->name; s++)
			refuse_global(L, s->name);
	lua_pushcfunction(L, c_setVerboseHealthChecks);
	lua_setglobal(L, "setVerboseHealthChecks");
	static const char *const acl_fns[] = { "addACL", "setACL", "rmACL", "setACLFromFile", NULL };
	for (const char *const *n = acl_fns; *n; n++)
		wrap_global(L, *n, c_acl_wrapper);
	wrap_global(L, "PoolAction", c_pool_action_wrapper);
	wrap_global(L, "QPSPoolAction", c_pool_action_wrapper);
	wrap_global(L, "getPool", c_getpool_wrapper);
}

int console_cmds_bind(lua_State *L, struct console_rt *rt)
{
	int nbe = rt->src->conf->nbackends;
	rt->be = calloc((size_t)nbe + 1, sizeof(*rt->be));
	if (rt->be == NULL)
		return DG_ENOMEM;
	lua_pushlightuserdata(L, rt);
	lua_setfield(L, LUA_REGISTRYINDEX, RT_KEY);
	cfg_register(L, console_fns);
	lua_pushcfunction(L, c_print);
	lua_setglobal(L, "print");
	guard_runtime(L);
	return DG_OK;
}

/* Appends the text of one value a command returned, as dnsdist shows it. */
static void show_result(lua_State *L, struct console_rt *rt, int idx)
{
	size_t len;
	const struct cfg_server *srv = luaL_testudata(L, idx, CFG_SERVER_T);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return;
	case LUA_TSTRING:
	case LUA_TNUMBER:
	case LUA_TBOOLEAN: {
		const char *s = luaL_tolstring(L, idx, &len);
		ob_add(rt, s, len);
		lua_pop(L, 1);
		break;
	}
	default:
		if (srv != NULL) { /* dnsdist prints a returned server's name */
			ob_add(rt, srv->be->name, strlen(srv->be->name));
			break;
		}
		ob_add(rt, "Command returned an object we can't print", 41);
	}
	ob_add(rt, "\n", 1);
}

/* Loads "return <line>" or, when that is not an expression, the line itself. */
static int load_line(lua_State *L, const char *line, size_t len)
{
	static const char ret_kw[] = "return ";
	char *code = malloc(len + sizeof(ret_kw));
	if (code == NULL)
		return LUA_ERRMEM;
	memcpy(code, ret_kw, sizeof(ret_kw) - 1);
	memcpy(code + sizeof(ret_kw) - 1, line, len);
	int ret = luaL_loadbufferx(L, code, len + sizeof(ret_kw) - 1, "=console", "t");
	free(code);
	if (ret == LUA_ERRSYNTAX) {
		lua_pop(L, 1);
		ret = luaL_loadbufferx(L, line, len, "=console", "t");
	}
	return ret;
}

/* Count hook: stops a command that ran past its deadline (while(true) do end). */
static void deadline_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct console_rt *rt = console_rt_get(L);
	if (dg_clock_now_us() > rt->deadline_us)
		luaL_error(L, "the command ran for more than %d seconds and was stopped",
			   (int)(CONSOLE_CMD_MAX_US / 1000000));
}

int console_cmds_run(lua_State *L, const char *line, size_t len, char **out, size_t *outlen)
{
	struct console_rt *rt = console_rt_get(L);
	rt->outlen = 0;
	rt->oom = false;
	lua_settop(L, 1); /* the error handler stays at index 1 (cfg_console_state) */
	/* the web server reads rules and the ACL under this lock (conf.h) */
	pthread_mutex_t *lock = &rt->src->conf->ctl_lock;
	pthread_mutex_lock(lock);
	rt->deadline_us = dg_clock_now_us() + CONSOLE_CMD_MAX_US;
	lua_sethook(L, deadline_hook, LUA_MASKCOUNT, 100000);
	int ret = load_line(L, line, len);
	if (ret == LUA_OK)
		ret = lua_pcall(L, 0, LUA_MULTRET, 1);
	lua_sethook(L, NULL, 0, 0);
	pthread_mutex_unlock(lock);
	if (ret != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		ob_add(rt, "Error: ", 7);
		ob_add(rt, msg ? msg : "unknown error", strlen(msg ? msg : "unknown error"));
		ob_add(rt, "\n", 1);
	} else {
		for (int i = 2; i <= lua_gettop(L); i++)
			show_result(L, rt, i);
	}
	lua_settop(L, 1);
	if (rt->oom)
		return DG_ENOMEM;
	*out = rt->out ? rt->out : strdup("");
	*outlen = rt->outlen;
	rt->out = NULL; /* the caller owns it now */
	rt->outlen = rt->outcap = 0;
	return *out ? DG_OK : DG_ENOMEM;
}
