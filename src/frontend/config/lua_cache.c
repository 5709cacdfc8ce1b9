/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's newPacketCache() and the cache object's methods. The cache
 * itself (pcache.c) is owned by the configuration from the moment it is
 * created; Lua objects only borrow it, so pools can share one cache.
 */
#include <inttypes.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_objs.h"
#include "frontend/pcache.h"

#define P_FIELD(f) offsetof(struct fe_cache_conf, f), sizeof(((struct fe_cache_conf *)0)->f)
#define P_TTL(key, f, def) { key, CFG_OPT_UINT, P_FIELD(f), 0, UINT32_MAX, def, NULL }

/* newPacketCache options with dnsdist's defaults (dnsdist.org, "Caching Responses"). */
static const struct cfg_opt cache_opts[] = {
	P_TTL("maxTTL", max_ttl, 86400),
	P_TTL("minTTL", min_ttl, 0),
	P_TTL("temporaryFailureTTL", temp_failure_ttl, 60),
	P_TTL("maxNegativeTTL", max_negative_ttl, 3600),
	P_TTL("staleTTL", stale_ttl, 60),
	{ "dontAge", CFG_OPT_BOOL, P_FIELD(dont_age), 0, 0, 0, NULL },
	{ "numberOfShards", CFG_OPT_UINT, P_FIELD(shards), 1, 65536, 20, NULL },
	{ "parseECS", CFG_OPT_BOOL, P_FIELD(parse_ecs), 0, 0, 0, NULL },
	{ "keepStaleData", CFG_OPT_BOOL, P_FIELD(keep_stale_data), 0, 0, 0, NULL },
	/* a lock-contention hint in dnsdist; dnsgate's shards never defer */
	{ "deferrableInsertLock", CFG_OPT_IGNORE, 0, 0, 0, 0, 0, NULL },
	{ "cookieHashing", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "skipOptions", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ "options", CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static struct pcache *cache_check(lua_State *L, const char *func)
{
	struct cfg_cache *ud = cfg_checkudata(L, 1, CFG_CACHE_T, func, "packet cache");
	return ud->pc;
}

static int cache_toString(lua_State *L)
{
	struct pcache_stats st;
	pcache_get_stats(cache_check(L, "PacketCache:toString"), &st);
	lua_pushfstring(L, "%I/%I", (lua_Integer)st.entries, (lua_Integer)st.max_entries);
	return 1;
}

/* The counters by dnsdist's getStats() names (where dnsgate has them). */
static int cache_getStats(lua_State *L)
{
	struct pcache_stats st;
	pcache_get_stats(cache_check(L, "PacketCache:getStats"), &st);
	const struct { const char *k; uint64_t v; } rows[] = {
		{ "entries", st.entries }, { "maxEntries", st.max_entries }, { "hits", st.hits },
		{ "misses", st.misses }, { "deferredInserts", st.deferred_inserts },
		{ "lookupCollisions", st.lookup_collisions }, { "inserts", st.inserts },
		{ "evictions", st.evictions }, { "expired", st.expired },
	};
	lua_createtable(L, 0, (int)DG_ARRAY_SIZE(rows));
	for (size_t i = 0; i < DG_ARRAY_SIZE(rows); i++) {
		lua_pushinteger(L, (lua_Integer)rows[i].v);
		lua_setfield(L, -2, rows[i].k);
	}
	return 1;
}

static int cache_printStats(lua_State *L)
{
	struct pcache_stats st;
	pcache_get_stats(cache_check(L, "PacketCache:printStats"), &st);
	char text[512];
	/* dnsdist 1.7.3's lines; dnsgate keeps no deferred lookups, insert
	 * collisions or too-short TTLs, which stay 0 */
	int n = snprintf(text, sizeof(text),
			 "Entries: %" PRIu64 "/%" PRIu64 "\nHits: %" PRIu64 "\nMisses: %" PRIu64
			 "\nDeferred inserts: %" PRIu64 "\nDeferred lookups: 0\nLookup Collisions: "
			 "%" PRIu64 "\nInsert Collisions: 0\nTTL Too Shorts: 0\n",
			 st.entries, st.max_entries, st.hits, st.misses, st.deferred_inserts,
			 st.lookup_collisions);
	cfg_print(L, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : 0);
	return 0;
}

/* expunge(0) (or no argument) empties the cache; partial expunges are not implemented. */
static int cache_expunge(lua_State *L)
{
	struct pcache *pc = cache_check(L, "PacketCache:expunge");
	if (luaL_optinteger(L, 2, 0) != 0)
		return cfg_error(L, "PacketCache:expunge(n) with n > 0 is not supported by "
				 "dnsgate (use expunge(0))");
	pcache_clear(pc);
	return 0;
}

static const struct cfg_fn cache_methods[] = {
	{ "toString", cache_toString },
	{ "getStats", cache_getStats },
	{ "printStats", cache_printStats },
	{ "expunge", cache_expunge },
	{ NULL, NULL },
};

void cfg_push_cache(lua_State *L, struct pcache *pc)
{
	struct cfg_cache *ud = cfg_newudata(L, sizeof(*ud), CFG_CACHE_T, cache_methods, NULL);
	ud->pc = pc;
}

static int c_newPacketCache(lua_State *L)
{
	struct fe_cache_conf cc = { 0 };
	lua_Integer n = luaL_checkinteger(L, 1);

	if (n < 1)
		return cfg_error(L, "newPacketCache: maxEntries must be at least 1");
	cfg_opts_defaults(cache_opts, &cc);
	cc.max_entries = (size_t)n;
	if (lua_type(L, 2) == LUA_TNUMBER)
		return cfg_error(L, "newPacketCache: positional parameters after maxEntries are "
				 "not supported by dnsgate (use the options table)");
	if (!lua_isnoneornil(L, 2))
		cfg_apply_opts(L, 2, "newPacketCache", cache_opts, &cc);
	if (cc.min_ttl > cc.max_ttl)
		return cfg_error(L, "newPacketCache: minTTL (%u) is above maxTTL (%u)", cc.min_ttl,
				 cc.max_ttl);
	/* A replay's caches are never used: keep them tiny (cfg.h). */
	if (cfg_mode(L) != CFG_MODE_LOAD)
		cc.max_entries = 1;
	struct pcache *pc = pcache_new(&cc);
	if (!pc)
		return cfg_error(L, "newPacketCache: out of memory for %lld entries", (long long)n);
	fe_conf_add_cache(cfg_conf(L), pc);
	cfg_push_cache(L, pc);
	return 1;
}

const struct cfg_fn cfg_cache_fns[] = {
	{ "newPacketCache", c_newPacketCache },
	{ NULL, NULL },
};
