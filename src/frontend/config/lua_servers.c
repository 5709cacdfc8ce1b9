/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's backend functions: newServer (table or address form), getServer
 * and its state methods, getPool with its cache, the server policies
 * (leastOutstanding, ...) as global objects, setServerPolicy and
 * setPoolServerPolicy, and the setters about servers.
 *
 * newServer parses into a struct srv_parse on the C stack and allocates
 * only once everything is valid: a Lua error in the middle leaks nothing.
 */
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/config/lua_objs.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/sockaddr.h"

/* More pools per server than any configuration we know of needs. */
#define SRV_MAX_POOLS 32

struct srv_parse {
	struct fe_backend be;
	char pools[SRV_MAX_POOLS][FE_NAME_MAX];
	int npools;
	bool has_address;
	char address[DG_SOCKADDR_STRLEN + 16];
};

static void srv_address(lua_State *L, int idx, const char *func, void *target)
{
	struct srv_parse *p = target;
	const char *text = lua_tostring(L, idx);
	int ret;

	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, "%s: option 'address' must be a string", func);
	ret = dg_sockaddr_parse(&p->be.addr, text, 53);
	if (ret < 0)
		cfg_error(L, "%s: address '%s': %s", func, text, dg_strerror(ret));
	cfg_copy_str(L, text, p->address, sizeof(p->address), func, "address");
	p->has_address = true;
}

static void srv_pool_one(lua_State *L, int idx, const char *func, struct srv_parse *p)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, "%s: option 'pool' must be a string or a list of strings", func);
	if (p->npools == SRV_MAX_POOLS)
		cfg_error(L, "%s: more than %d pools", func, SRV_MAX_POOLS);
	cfg_copy_str(L, lua_tostring(L, idx), p->pools[p->npools], FE_NAME_MAX, func, "pool");
	p->npools++;
}

/* pool="rec" or pool={"rec", "other"} (dnsdist accepts both). */
static void srv_pool(lua_State *L, int idx, const char *func, void *target)
{
	struct srv_parse *p = target;
	p->npools = 0;
	if (lua_type(L, idx) != LUA_TTABLE) {
		srv_pool_one(L, idx, func, p);
		return;
	}
	lua_Integer n = luaL_len(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		srv_pool_one(L, lua_gettop(L), func, p);
		lua_pop(L, 1);
	}
}

static void srv_check_name(lua_State *L, int idx, const char *func, void *target)
{
	struct srv_parse *p = target;
	const char *text = lua_tostring(L, idx);
	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, "%s: option 'checkName' must be a string", func);
	int ret = dg_dname_from_str(p->be.check_name, sizeof(p->be.check_name), text, NULL);
	if (ret < 0)
		cfg_error(L, "%s: checkName '%s': %s", func, text, dg_strerror(ret));
}

/* checkType="A" (a DNSQType name, as dnsdist) or a number. */
static void srv_check_type(lua_State *L, int idx, const char *func, void *target)
{
	struct srv_parse *p = target;
	lua_Integer v = -1;
	if (lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx)) {
		v = lua_tointeger(L, idx);
	} else if (lua_type(L, idx) == LUA_TSTRING) {
		lua_getglobal(L, "DNSQType");
		if (lua_type(L, -1) == LUA_TTABLE && lua_getfield(L, -1, lua_tostring(L, idx)) ==
							     LUA_TNUMBER)
			v = lua_tointeger(L, -1);
		lua_settop(L, idx);
	}
	if (v < 0 || v > 65535)
		cfg_error(L, "%s: checkType must be a query type name such as \"A\"", func);
	p->be.check_type = (uint16_t)v;
}

static void srv_hc_mode(lua_State *L, int idx, const char *func, void *target)
{
	static const struct { const char *name; int admin; } modes[] = {
		{ "auto", FE_ADMIN_AUTO }, { "up", FE_ADMIN_UP }, { "down", FE_ADMIN_DOWN },
		/* dnsdist 1.8's lazy mode checks only after failures; dnsgate checks always. */
		{ "lazy", FE_ADMIN_AUTO },
	};
	struct srv_parse *p = target;
	const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : "";
	for (size_t i = 0; i < DG_ARRAY_SIZE(modes); i++) {
		if (strcmp(s, modes[i].name) == 0) {
			atomic_store(&p->be.admin, modes[i].admin);
			return;
		}
	}
	cfg_error(L, "%s: healthCheckMode must be \"auto\", \"up\", \"down\" or \"lazy\"", func);
}

#define B_FIELD(f) offsetof(struct srv_parse, be.f), sizeof(((struct fe_backend *)0)->f)
#define B_CUSTOM(fn) CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, fn
#define B_UNSUP CFG_OPT_UNSUP, 0, 0, 0, 0, 0, NULL

/* newServer{} keys, with dnsdist's defaults (health: a.root-servers.net. A IN, 1 s, 1000 ms). */
static const struct cfg_opt srv_opts[] = {
	{ "address", B_CUSTOM(srv_address) },
	{ "name", CFG_OPT_STR, B_FIELD(name), 0, 0, 0, NULL },
	{ "pool", B_CUSTOM(srv_pool) },
	{ "weight", CFG_OPT_UINT, B_FIELD(weight), 1, INT32_MAX, 1, NULL },
	{ "order", CFG_OPT_UINT, B_FIELD(order), 1, INT32_MAX, 1, NULL },
	{ "checkName", B_CUSTOM(srv_check_name) },
	{ "checkType", B_CUSTOM(srv_check_type) },
	{ "checkClass", CFG_OPT_UINT, B_FIELD(check_class), 1, 65535, 1, NULL },
	{ "checkInterval", CFG_OPT_UINT, B_FIELD(check_interval_s), 1, 86400, 1, NULL },
	{ "checkTimeout", CFG_OPT_UINT, B_FIELD(check_timeout_ms), 1, 3600000, 1000, NULL },
	{ "maxCheckFailures", CFG_OPT_UINT, B_FIELD(max_check_failures), 1, 10000, 1, NULL },
	{ "rise", CFG_OPT_UINT, B_FIELD(rise), 1, 10000, 1, NULL },
	{ "mustResolve", CFG_OPT_BOOL, B_FIELD(must_resolve), 0, 0, 0, NULL },
	{ "healthCheckMode", B_CUSTOM(srv_hc_mode) },
	{ "tcpOnly", CFG_OPT_BOOL, B_FIELD(tcp_only), 0, 0, 0, NULL },
	{ "useClientSubnet", CFG_OPT_BOOL, B_FIELD(use_client_subnet), 0, 0, 0, NULL },
	{ "maxInFlight", CFG_OPT_UINT, B_FIELD(max_inflight), 0, 65535, 0, NULL },
	/* dnsdist keys dnsgate does not implement: named in the error. */
	{ "id", B_UNSUP }, { "qps", B_UNSUP }, { "retries", B_UNSUP },
	{ "tcpConnectTimeout", B_UNSUP }, { "tcpSendTimeout", B_UNSUP },
	{ "tcpRecvTimeout", B_UNSUP }, { "tcpFastOpen", B_UNSUP }, { "checkFunction", B_UNSUP },
	{ "checkTCP", B_UNSUP }, { "setCD", B_UNSUP }, { "useProxyProtocol", B_UNSUP },
	{ "reconnectOnUp", B_UNSUP }, { "ipBindAddrNoPort", B_UNSUP }, { "sockets", B_UNSUP },
	{ "source", B_UNSUP }, { "disableZeroScope", B_UNSUP }, { "tls", B_UNSUP },
	{ "subjectName", B_UNSUP }, { "validateCertificates", B_UNSUP }, { "caStore", B_UNSUP },
	{ "ciphers", B_UNSUP }, { "dohPath", B_UNSUP }, { "addXPF", B_UNSUP },
	{ "maxConcurrentTCPConnections", B_UNSUP }, { "cpus", B_UNSUP },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static void srv_defaults(struct srv_parse *p)
{
	static const uint8_t root_a[] = "\001a\014root-servers\003net";
	memset(p, 0, sizeof(*p));
	cfg_opts_defaults(srv_opts, p);
	memcpy(p->be.check_name, root_a, sizeof(root_a)); /* the array's NUL is the root label */
	p->be.check_type = 1; /* A */
	atomic_store(&p->be.admin, FE_ADMIN_AUTO);
	atomic_store(&p->be.healthy, true); /* dnsdist starts backends up */
}

void cfg_server_defaults(struct fe_backend *be)
{
	struct srv_parse p;
	srv_defaults(&p);
	memcpy(be, &p.be, sizeof(*be));
}

static void srv_push(lua_State *L, struct fe_backend *be);

/* Hands a validated parse to the configuration (allocation only from here). */
static struct fe_backend *srv_commit(lua_State *L, struct srv_parse *p)
{
	struct fe_backend *be = calloc(1, sizeof(*be));
	char **pools = p->npools ? calloc((size_t)p->npools, sizeof(*pools)) : NULL;
	if (!be || (p->npools && !pools)) {
		free(be);
		free(pools);
		cfg_error(L, "newServer: out of memory");
	}
	memcpy(be, &p->be, sizeof(*be));
	for (int i = 0; i < p->npools; i++)
		pools[i] = strdup(p->pools[i]); /* checked below, once be is owned by conf */
	be->pools = pools;
	be->npools = p->npools;
	fe_conf_add_backend(cfg_conf(L), be);
	for (int i = 0; i < p->npools; i++)
		if (!pools[i])
			cfg_error(L, "newServer: out of memory");
	return be;
}

static int s_newServer(lua_State *L)
{
	struct srv_parse p;
	char buf[DG_SOCKADDR_STRLEN];

	srv_defaults(&p);
	if (lua_type(L, 1) == LUA_TSTRING)
		srv_address(L, 1, "newServer", &p);
	else if (lua_type(L, 1) == LUA_TTABLE)
		cfg_apply_opts(L, 1, "newServer", srv_opts, &p);
	else
		return cfg_error(L, "newServer: expects an address string or an options table");
	if (!p.has_address)
		return cfg_error(L, "newServer: missing 'address'");
	if (p.be.name[0] == '\0' && dg_sockaddr_to_str(&p.be.addr, buf, sizeof(buf)) > 0)
		memcpy(p.be.name, buf, strlen(buf) + 1); /* dnsdist names it by address:port */
	p.be.line = cfg_where(L, buf, sizeof(buf));
	srv_push(L, srv_commit(L, &p));
	return 1;
}

/* --- server objects ------------------------------------------------------ */

static struct fe_backend *srv_check(lua_State *L, const char *func)
{
	struct cfg_server *ud = cfg_checkudata(L, 1, CFG_SERVER_T, func, "server");
	return ud->be;
}

static int srv_set_admin(lua_State *L, const char *func, int admin)
{
	atomic_store(&srv_check(L, func)->admin, admin);
	return 0;
}

static int srv_setUp(lua_State *L) { return srv_set_admin(L, "Server:setUp", FE_ADMIN_UP); }
static int srv_setDown(lua_State *L) { return srv_set_admin(L, "Server:setDown", FE_ADMIN_DOWN); }
static int srv_setAuto(lua_State *L) { return srv_set_admin(L, "Server:setAuto", FE_ADMIN_AUTO); }

static int srv_getName(lua_State *L)
{
	lua_pushstring(L, srv_check(L, "Server:getName")->name);
	return 1;
}

static int srv_getNameWithAddr(lua_State *L)
{
	struct fe_backend *be = srv_check(L, "Server:getNameWithAddr");
	char addr[DG_SOCKADDR_STRLEN];
	if (dg_sockaddr_to_str(&be->addr, addr, sizeof(addr)) < 0)
		addr[0] = '\0';
	if (strcmp(be->name, addr) == 0)
		lua_pushstring(L, addr);
	else
		lua_pushfstring(L, "%s (%s)", be->name, addr);
	return 1;
}

static int srv_isUp(lua_State *L)
{
	lua_pushboolean(L, fe_backend_is_up(srv_check(L, "Server:isUp")));
	return 1;
}

static const struct cfg_fn srv_methods[] = {
	{ "setUp", srv_setUp },
	{ "setDown", srv_setDown },
	{ "setAuto", srv_setAuto },
	{ "getName", srv_getName },
	{ "getNameWithAddr", srv_getNameWithAddr },
	{ "isUp", srv_isUp },
	{ NULL, NULL },
};

static void srv_push(lua_State *L, struct fe_backend *be)
{
	struct cfg_server *ud = cfg_newudata(L, sizeof(*ud), CFG_SERVER_T, srv_methods, NULL);
	ud->be = be;
}

/* getServer(n) counts from 0 as dnsdist; getServer("name") finds by name. */
static int s_getServer(lua_State *L)
{
	struct fe_conf *conf = cfg_conf(L);
	if (lua_type(L, 1) == LUA_TSTRING) {
		const char *name = lua_tostring(L, 1);
		for (int i = 0; i < conf->nbackends; i++) {
			if (strcmp(conf->backends[i]->name, name) == 0) {
				srv_push(L, conf->backends[i]);
				return 1;
			}
		}
		return cfg_error(L, "getServer: no server named '%s'", name);
	}
	lua_Integer n = luaL_checkinteger(L, 1);
	if (n < 0 || n >= conf->nbackends)
		return cfg_error(L, "getServer: no server %lld (there are %d)", (long long)n,
				 conf->nbackends);
	srv_push(L, conf->backends[n]);
	return 1;
}

/* --- pools --------------------------------------------------------------- */

static struct fe_pool *pool_check(lua_State *L, const char *func)
{
	struct cfg_pool *ud = cfg_checkudata(L, 1, CFG_POOL_T, func, "pool");
	return ud->pool;
}

static int pool_setCache(lua_State *L)
{
	struct fe_pool *pool = pool_check(L, "ServerPool:setCache");
	struct cfg_cache *c = cfg_checkudata(L, 2, CFG_CACHE_T, "ServerPool:setCache",
					     "packet cache (newPacketCache())");
	pool->cache = c->pc;
	return 0;
}

static int pool_getCache(lua_State *L)
{
	struct fe_pool *pool = pool_check(L, "ServerPool:getCache");
	if (!pool->cache)
		lua_pushnil(L);
	else
		cfg_push_cache(L, pool->cache);
	return 1;
}

static int pool_unsetCache(lua_State *L)
{
	pool_check(L, "ServerPool:unsetCache")->cache = NULL;
	return 0;
}

static const struct cfg_fn pool_methods[] = {
	{ "setCache", pool_setCache },
	{ "getCache", pool_getCache },
	{ "unsetCache", pool_unsetCache },
	{ NULL, NULL },
};

static int s_getPool(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char tmp[FE_NAME_MAX];
	cfg_copy_str(L, name, tmp, sizeof(tmp), "getPool", "pool name");
	struct cfg_pool *ud = cfg_newudata(L, sizeof(*ud), CFG_POOL_T, pool_methods, NULL);
	ud->pool = fe_conf_get_pool(cfg_conf(L), tmp);
	return 1;
}

/* --- policies ------------------------------------------------------------ */

static const struct { const char *name; enum fe_policy policy; } policies[] = {
	{ "leastOutstanding", FE_POL_LEAST_OUTSTANDING },
	{ "firstAvailable", FE_POL_FIRST_AVAILABLE },
	{ "roundrobin", FE_POL_ROUNDROBIN },
	{ "wrandom", FE_POL_WRANDOM },
	{ "whashed", FE_POL_WHASHED },
	{ "chashed", FE_POL_CHASHED },
};

static int policy_tostring(lua_State *L)
{
	struct cfg_policy *p = luaL_checkudata(L, 1, CFG_POLICY_T);
	lua_pushfstring(L, "ServerPolicy \"%s\"", policies[p->policy].name);
	return 1;
}

static const struct cfg_fn policy_methods[] = {
	{ NULL, NULL },
};

void cfg_servers_init(lua_State *L)
{
	for (size_t i = 0; i < DG_ARRAY_SIZE(policies); i++) {
		struct cfg_policy *p =
			cfg_newudata(L, sizeof(*p), CFG_POLICY_T, policy_methods, NULL);
		p->policy = (int)i; /* index in policies[], equal to the enum value */
		luaL_getmetatable(L, CFG_POLICY_T);
		lua_pushcfunction(L, policy_tostring);
		lua_setfield(L, -2, "__tostring");
		lua_pop(L, 1);
		lua_setglobal(L, policies[i].name);
	}
}

static enum fe_policy policy_check(lua_State *L, int idx, const char *func)
{
	struct cfg_policy *p = cfg_checkudata(L, idx, CFG_POLICY_T, func,
					      "server policy (leastOutstanding, roundrobin, ...)");
	return policies[p->policy].policy;
}

static int s_setServerPolicy(lua_State *L)
{
	cfg_conf(L)->policy = policy_check(L, 1, "setServerPolicy");
	return 0;
}

static int s_setPoolServerPolicy(lua_State *L)
{
	enum fe_policy pol = policy_check(L, 1, "setPoolServerPolicy");
	char name[FE_NAME_MAX];
	cfg_copy_str(L, luaL_checkstring(L, 2), name, sizeof(name), "setPoolServerPolicy",
		     "pool name");
	struct fe_pool *pool = fe_conf_get_pool(cfg_conf(L), name);
	pool->policy = pol;
	pool->has_policy = true;
	return 0;
}

#define C_FIELD(f) offsetof(struct fe_conf, f), sizeof(((struct fe_conf *)0)->f)

const struct cfg_setter cfg_servers_setters[] = {
	{ "setServFailWhenNoServer", CFG_OPT_BOOL, C_FIELD(servfail_when_no_server), 0, 0 },
	{ "setRoundRobinFailOnNoServer", CFG_OPT_BOOL, C_FIELD(rr_fail_on_no_server), 0, 0 },
	{ "setVerboseHealthChecks", CFG_OPT_BOOL, C_FIELD(verbose_health_checks), 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

const struct cfg_fn cfg_servers_fns[] = {
	{ "newServer", s_newServer },
	{ "getServer", s_getServer },
	{ "getPool", s_getPool },
	{ "setServerPolicy", s_setServerPolicy },
	{ "setPoolServerPolicy", s_setPoolServerPolicy },
	{ NULL, NULL },
};
