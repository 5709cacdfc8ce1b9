/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * LuaAction(f), LuaResponseAction(f), LuaRule(f): the k-th of them the
 * file creates gets id k (conf->lua_fns counts them) and its function is
 * kept under k in the state's registry table, where a worker replay finds
 * it (luart.h explains why the file is replayed per worker).
 */
#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_rules_int.h"
#include "frontend/luart.h"
#include "frontend/rule_types.h"

#define LUART_FNS_KEY "dnsgate.luafns"

/* Stores the function at idx 1 under the next id and returns that id. */
static unsigned keep_function(lua_State *L, const char *func)
{
	if (lua_type(L, 1) != LUA_TFUNCTION)
		cfg_error(L, "%s: argument 1 must be a function", func);
	struct fe_conf *conf = cfg_conf(L);
	unsigned id = conf->lua_fns++;
	if (lua_getfield(L, LUA_REGISTRYINDEX, LUART_FNS_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, LUART_FNS_KEY);
	}
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, (lua_Integer)id + 1);
	lua_pop(L, 1);
	return id;
}

static int lua_action(lua_State *L, bool response, const char *func)
{
	unsigned id = keep_function(L, func);
	struct action *a = lr_push_action(L, ACT_LUA, func);
	a->response = response;
	a->u.lua_id = id;
	return 1;
}

static int l_LuaAction(lua_State *L) { return lua_action(L, false, "LuaAction"); }
static int l_LuaResponseAction(lua_State *L) { return lua_action(L, true, "LuaResponseAction"); }

static int l_LuaRule(lua_State *L)
{
	unsigned id = keep_function(L, "LuaRule");
	struct rule *r = lr_push_rule(L, RULE_LUA, "LuaRule");
	r->u.lua.id = id;
	r->u.lua.rt = &cfg_conf(L)->luart;
	return 1;
}

const struct cfg_fn cfg_luaact_fns[] = {
	{ "LuaAction", l_LuaAction },
	{ "LuaResponseAction", l_LuaResponseAction },
	{ "LuaRule", l_LuaRule },
	{ NULL, NULL },
};
