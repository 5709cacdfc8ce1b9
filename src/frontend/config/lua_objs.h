/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The Lua objects one family creates and another consumes, with their
 * metatable names and memory layout, so that e.g. NetmaskGroupRule (in
 * lua_rules.c) can take the group built by newNMG() (in lua_listen.c).
 * Objects that point into struct fe_conf (servers, pools, caches) only
 * borrow: the configuration owns what they point to and outlives the Lua
 * state. An NMG owns its group: its __gc frees it, so whoever keeps a
 * group beyond the Lua state must copy it with cfg_nmg_copy().
 */
#pragma once

#include <stdint.h>

#include "lib/compiler.h"
#include "lib/nmg.h"

struct lua_State;
struct fe_backend;
struct fe_pool;
struct pcache;

#define CFG_NMG_T "dnsgate.nmg"       /* newNMG() */
#define CFG_SERVER_T "dnsgate.server" /* newServer(), getServer() */
#define CFG_POOL_T "dnsgate.pool"     /* getPool() */
#define CFG_CACHE_T "dnsgate.cache"   /* newPacketCache(), pool:getCache() */
#define CFG_POLICY_T "dnsgate.policy" /* leastOutstanding, firstAvailable, ... */

/* newNMG(): the group, owned by the userdata (freed by its __gc). */
struct cfg_nmg {
	struct dg_nmg nmg;
};

/* A backend; borrowed from fe_conf.backends. */
struct cfg_server {
	struct fe_backend *be;
};

/* A pool; borrowed from fe_conf.pools. */
struct cfg_pool {
	struct fe_pool *pool;
};

/* A packet cache; borrowed from fe_conf.caches. */
struct cfg_cache {
	struct pcache *pc;
};

/* A server policy (enum fe_policy). */
struct cfg_policy {
	int policy;
};

/**
 * The netmask group at stack index idx (a newNMG() object), or a
 * configuration error naming func (never returns NULL). Borrowed: valid
 * while the object is reachable from Lua.
 */
struct dg_nmg *cfg_check_nmg(struct lua_State *L, int idx, const char *func);

/**
 * Copies every entry of src into dst (initialised by the caller), for a
 * rule that must keep the group after the Lua state is closed.
 * @retval 0, DG_ENOMEM (dst then holds part of src: the caller clears it).
 */
DG_MUSTCHECK int cfg_nmg_copy(struct dg_nmg *dst, const struct dg_nmg *src);

/**
 * Pushes a "dnsgate.cache" object for pc (borrowed from fe_conf.caches),
 * the one constructor of cache objects so that every one has the cache
 * methods (printStats, getStats, toString, expunge).
 */
void cfg_push_cache(struct lua_State *L, struct pcache *pc);

/**
 * Pushes a DNSName object (newDNSName()'s type) holding a copy of the wire
 * name, for dq.qname on the query path.
 */
void cfg_push_dnsname(struct lua_State *L, const uint8_t *name);
