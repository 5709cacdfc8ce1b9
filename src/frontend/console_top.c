/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * topQueries, topClients and topResponses: what dnsdist computes from its
 * ring buffers, computed from ours (rings.h). Every entry the rings still
 * hold is read once and counted by key (tops.h, shared with the web API's
 * topClients), and the n largest counts are printed, then the rest, with
 * their share of the total, in dnsdist's format. Console thread only.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/console.h"
#include "frontend/rings.h"
#include "frontend/tops.h"
#include "lib/dname.h"

/* Prints the top n then "Rest", as dnsdist's Lua topQueries() does. */
static void tally_print(lua_State *L, struct tally *t, lua_Integer top, bool addr)
{
	size_t used = tops_sort(t);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		cfg_error(L, "out of memory");
	uint64_t shown = 0;
	size_t k = 0;
	for (; k < used && (lua_Integer)k < top; k++) {
		char key[DG_DNAME_TXTLEN];
		tops_key_text(t, &t->ent[k], addr, key, sizeof(key));
		shown += t->ent[k].count;
		fprintf(f, "%4zu  %-40s %4llu %5.1f%%\n", k + 1, key,
			(unsigned long long)t->ent[k].count,
			100.0 * (double)t->ent[k].count / (double)t->total);
	}
	uint64_t rest = t->total - shown;
	fprintf(f, "%4zu  %-40s %4llu %5.1f%%\n", k + 1, "Rest", (unsigned long long)rest,
		t->total ? 100.0 * (double)rest / (double)t->total : 100.0);
	fclose(f);
	lua_pushlstring(L, text, len);
	free(text);
	size_t n;
	const char *s = lua_tolstring(L, -1, &n);
	cfg_print(L, s, n);
	lua_pop(L, 1);
}

/* Runs one top command: fills a tally from the rings, prints it, frees it. */
static int top_run(lua_State *L, struct tally *t, lua_Integer top, enum tops_kind kind)
{
	struct rings *r = cfg_conf(L)->rings;
	if (console_rt_get(L) == NULL)
		return cfg_error(L, "the top commands are console commands (dnsgate -c)");
	tops_count(t, r, kind, 0);
	if (t->oom) {
		tops_free(t);
		return cfg_error(L, "out of memory");
	}
	tally_print(L, t, top, kind == TOPS_CLIENTS);
	tops_free(t);
	return 0;
}

int console_top_queries(lua_State *L)
{
	struct tally t = { .rcode = -1, .labels = (int)luaL_optinteger(L, 2, 0) };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), TOPS_QUERIES);
}

int console_top_clients(lua_State *L)
{
	struct tally t = { .rcode = -1 };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), TOPS_CLIENTS);
}

int console_top_responses(lua_State *L)
{
	struct tally t = { .rcode = (int)luaL_optinteger(L, 2, 0),
			   .labels = (int)luaL_optinteger(L, 3, 0) };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), TOPS_RESPONSES);
}
