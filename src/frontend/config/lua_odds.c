/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Odds and ends dnsdist configurations carry (issue 6): settings recorded
 * in struct fe_conf (docs/configuration.md says which ones change
 * behaviour), and includeDirectory(), which runs every *.conf file of a
 * directory in lexical order, as dnsdist does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"

#define O_FIELD(f) offsetof(struct fe_conf, f), sizeof(((struct fe_conf *)0)->f)
#define O_BOOL(name, f) { name, CFG_OPT_BOOL, O_FIELD(f), 0, 0 }
#define O_UINT(name, f, min, max) { name, CFG_OPT_UINT, O_FIELD(f), min, max }

const struct cfg_setter cfg_odds_setters[] = {
	O_UINT("setStaleCacheEntriesTTL", stale_cache_ttl, 0, UINT32_MAX),
	O_UINT("setCacheCleaningDelay", cache_cleaning_delay_s, 1, UINT32_MAX),
	O_UINT("setCacheCleaningPercentage", cache_cleaning_pct, 0, 100),
	O_BOOL("setAllowEmptyResponse", allow_empty_response),
	O_BOOL("setDropEmptyQueries", drop_empty_queries),
	O_BOOL("fixupCase", fixup_case),
	{ NULL, 0, 0, 0, 0, 0 },
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_conf(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The *.conf regular files of dir, sorted, as a Lua table on the stack. */
static void list_confs(lua_State *L, const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		cfg_error(L, "includeDirectory: cannot open '%s': %s", dir, strerror(errno));
	lua_newtable(L);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_conf(e->d_name))
			continue;
		lua_pushfstring(L, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(lua_tostring(L, -1), &st) < 0 || !S_ISREG(st.st_mode)) {
			lua_pop(L, 1);
			continue;
		}
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	/* sort in C: lexical (strcmp) order of the full paths, one directory */
	char **v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL)
		cfg_error(L, "includeDirectory: out of memory");
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, -1, i + 1);
		v[i] = (char *)lua_tostring(L, -1); /* kept alive by the table */
		lua_pop(L, 1);
	}
	qsort(v, (size_t)n, sizeof(*v), name_cmp);
	lua_newtable(L);
	for (int i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
	free(v);
	lua_remove(L, -2);
}

/* includeDirectory(path): runs each *.conf file of path, in lexical order. */
static int o_includeDirectory(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cfg_error(L, "includeDirectory: '%s' is not a directory", dir);
	list_confs(L, dir);
	int t = lua_gettop(L);
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
		lua_rawgeti(L, t, i);
		const char *file = lua_tostring(L, -1);
		if (luaL_loadfilex(L, file, "t") != LUA_OK)
			return lua_error(L); /* "file:line: message" from the parser */
		lua_call(L, 0, 0);      /* errors keep the included file's position */
		lua_pop(L, 1);
	}
	return 0;
}

const struct cfg_fn cfg_odds_fns[] = {
	{ "includeDirectory", o_includeDirectory },
	{ NULL, NULL },
};
