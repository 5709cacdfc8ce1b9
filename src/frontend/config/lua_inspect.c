/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Live traffic inspection from Lua: setRingBuffersSize() sizes the rings,
 * grepq() prints what they hold. grepq() output goes through the state's
 * global print(), so whoever runs the state (the console) decides where it
 * lands; during the configuration load the rings do not exist yet and
 * grepq() prints nothing (dnsdist prints it to the console only).
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/grepq.h"
#include "lib/clock.h"
#include "lib/err.h"

/* setRingBuffersSize(num [, numberOfShards]): shards map to workers here. */
static int i_setRingBuffersSize(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	if (n < 1 || n > 10000000)
		return cfg_error(L, "setRingBuffersSize: size must be between 1 and 10000000");
	if (!lua_isnoneornil(L, 2))
		(void)luaL_checkinteger(L, 2);
	cfg_conf(L)->ring_size = (unsigned)n;
	return 0;
}

static int i_accept(lua_State *L)
{
	(void)L;
	return 0;
}

static void sel_add(lua_State *L, struct grepq_sel *sel, int idx)
{
	const char *s = lua_tostring(L, idx);
	if (lua_type(L, idx) != LUA_TSTRING || grepq_parse(sel, s) < 0)
		cfg_error(L, "grepq: '%s' is not a netmask, a name or a latency (\"100ms\")",
			  s ? s : luaL_typename(L, idx));
}

/* grepq(selector [, num]): selector is a string or a list of strings. */
static int i_grepq(lua_State *L)
{
	struct grepq_sel sel = { .min_msec = -1 };
	if (lua_type(L, 1) == LUA_TTABLE) {
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, 1); i++) {
			lua_rawgeti(L, 1, i);
			sel_add(L, &sel, -1);
			lua_pop(L, 1);
		}
	} else {
		sel_add(L, &sel, 1);
	}
	lua_Integer limit = luaL_optinteger(L, 2, 0);
	if (limit < 0)
		return cfg_error(L, "grepq: the number of entries must be positive");
	const struct fe_conf *conf = cfg_conf(L);
	/* dnsdist writes grepq's table to the console's output only: while a
	 * file loads (no rings yet) it prints nothing, so --check-config
	 * prints its one line */
	if (conf->rings == NULL)
		return 0;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		return cfg_error(L, "grepq: out of memory");
	int ret = grepq_write(conf->rings, conf, &sel, (unsigned)limit, dg_clock_now_us(), out);
	fclose(out);
	if (ret < 0) {
		free(text);
		return cfg_error(L, "grepq: %s", dg_strerror(ret));
	}
	lua_pushlstring(L, text, len); /* Lua's copy: text is freed before print can raise */
	free(text);
	size_t n;
	const char *s = lua_tolstring(L, -1, &n);
	cfg_print(L, s, n);
	return 0;
}

const struct cfg_fn cfg_inspect_fns[] = {
	{ "setRingBuffersSize", i_setRingBuffersSize },
	{ "setRingBuffersLockRetries", i_accept },
	{ "grepq", i_grepq },
	{ NULL, NULL },
};
