/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The families of dnsdist Lua functions, one per config/lua_<family>.c,
 * each exporting one table of struct cfg_fn rows ending with a NULL name.
 * cfg.c registers them all after the "not supported" catch-all, so a real
 * function always overrides its catch-all entry. This is the one place
 * that lists the families (STYLE.md 8.7: one explicit array per module,
 * aggregated in one file).
 */
#pragma once

#include "frontend/config/cfg.h"

struct lua_State;
struct fe_backend;

/* lua_listen.c: setLocal, addLocal, setACL, addACL, newNMG. */
extern const struct cfg_fn cfg_listen_fns[];
/* lua_servers.c: newServer, getServer, getPool, setServerPolicy, ... */
extern const struct cfg_fn cfg_servers_fns[];
extern const struct cfg_setter cfg_servers_setters[];
/* lua_misc.c: ECS, self-generated answers, TCP/UDP limits, console, web. */
extern const struct cfg_fn cfg_misc_fns[];
extern const struct cfg_setter cfg_misc_setters[];
/* lua_cache.c: newPacketCache. */
extern const struct cfg_fn cfg_cache_fns[];
/* lua_rules.c: addAction, the *Rule and *Action functions, ... */
extern const struct cfg_fn cfg_rules_fns[];
/* lua_inspect.c: setRingBuffersSize, grepq. */
extern const struct cfg_fn cfg_inspect_fns[];
/* lua_luaact.c: LuaAction, LuaResponseAction, LuaRule. */
extern const struct cfg_fn cfg_luaact_fns[];
/* lua_vrrp.c: addVRRP, showVRRP (dnsgate's own; issue 7). */
extern const struct cfg_fn cfg_vrrp_fns[];
/* lua_dynblock.c: dynBlockRulesGroup, exceedQRate, addDynBlocks, showDynBlocks, ... */
extern const struct cfg_fn cfg_dynblock_fns[];
/* lua_rules_ext.c: the selectors and actions of issue 6 (RecordsCountRule, DelayAction, ...). */
extern const struct cfg_fn cfg_rules_ext_fns[];
/* lua_odds.c: includeDirectory, setStaleCacheEntriesTTL, fixupCase, ... */
extern const struct cfg_fn cfg_odds_fns[];
extern const struct cfg_setter cfg_odds_setters[];

/** Creates the global policy objects (leastOutstanding, firstAvailable, ...). */
void cfg_servers_init(struct lua_State *L);

/** Creates the constant tables DNSQType, DNSClass, DNSRCode and DNSOpcode. */
void cfg_misc_init(struct lua_State *L);

/**
 * Fills be with newServer()'s defaults (weight 1, order 1, health check
 * a.root-servers.net. A IN every 1 s, timeout 1000 ms, maxCheckFailures 1,
 * rise 1, admin auto, initially up), for servers given on the command line.
 */
void cfg_server_defaults(struct fe_backend *be);
