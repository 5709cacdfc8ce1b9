/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's DNSQuestion (dq), DNSHeader (dq.dh) and ComboAddress objects
 * as a worker's Lua sees them. dq and dh are one userdata each per worker
 * state, pointed at the current query for the duration of a call, so a
 * call allocates nothing unless the function asks for an object (dq.qname,
 * dq.remoteaddr). Field names and meanings are dnsdist's
 * (https://dnsdist.org/reference/dq.html).
 */
#include <arpa/inet.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/lua_objs.h"
#include "frontend/luart.h"
#include "frontend/luart_int.h"
#include "frontend/query.h"
#include "lib/pkt.h"
#include "lib/sockaddr.h"

#define DQ_T "dnsgate.dq"
#define DH_T "dnsgate.dh"
#define CA_T "dnsgate.ca"

/* ---- ComboAddress ---- */

struct ca_ud {
	union dg_sockaddr sa;
};

void luart_push_ca(lua_State *L, const void *sa)
{
	struct ca_ud *u = lua_newuserdatauv(L, sizeof(*u), 0);
	memset(u, 0, sizeof(*u));
	const union dg_sockaddr *src = sa;
	socklen_t len = dg_sockaddr_len(src);
	if (len > 0 && len <= sizeof(u->sa))
		memcpy(&u->sa, src, len);
	luaL_setmetatable(L, CA_T);
}

bool luart_to_sockaddr(lua_State *L, int idx, void *out)
{
	union dg_sockaddr *sa = out;
	struct ca_ud *u = luaL_testudata(L, idx, CA_T);
	if (u != NULL) {
		*sa = u->sa;
		return true;
	}
	if (lua_type(L, idx) != LUA_TSTRING)
		return false;
	return dg_sockaddr_parse(sa, lua_tostring(L, idx), 0) == 0;
}

static struct ca_ud *check_ca(lua_State *L)
{
	return luaL_checkudata(L, 1, CA_T);
}

static int ca_toString(lua_State *L)
{
	struct ca_ud *u = check_ca(L);
	char txt[INET6_ADDRSTRLEN];
	const void *a = u->sa.sa.sa_family == AF_INET6 ? (const void *)&u->sa.in6.sin6_addr
						       : (const void *)&u->sa.in.sin_addr;
	if (inet_ntop(u->sa.sa.sa_family, a, txt, sizeof(txt)) == NULL)
		txt[0] = '\0';
	lua_pushstring(L, txt);
	return 1;
}

static int ca_toStringWithPort(lua_State *L)
{
	struct ca_ud *u = check_ca(L);
	char txt[DG_SOCKADDR_STRLEN];
	if (dg_sockaddr_to_str(&u->sa, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	lua_pushstring(L, txt);
	return 1;
}

static int ca_getPort(lua_State *L)
{
	struct ca_ud *u = check_ca(L);
	uint16_t p = u->sa.sa.sa_family == AF_INET6 ? u->sa.in6.sin6_port : u->sa.in.sin_port;
	lua_pushinteger(L, ntohs(p));
	return 1;
}

static int ca_isIPv4(lua_State *L)
{
	lua_pushboolean(L, check_ca(L)->sa.sa.sa_family == AF_INET);
	return 1;
}

static int ca_isIPv6(lua_State *L)
{
	lua_pushboolean(L, check_ca(L)->sa.sa.sa_family == AF_INET6);
	return 1;
}

static int ca_isMappedIPv4(lua_State *L)
{
	struct ca_ud *u = check_ca(L);
	lua_pushboolean(L, u->sa.sa.sa_family == AF_INET6 &&
				   IN6_IS_ADDR_V4MAPPED(&u->sa.in6.sin6_addr));
	return 1;
}

static int ca_eq(lua_State *L)
{
	struct ca_ud *a = luaL_testudata(L, 1, CA_T), *b = luaL_testudata(L, 2, CA_T);
	lua_pushboolean(L, a && b && dg_sockaddr_len(&a->sa) == dg_sockaddr_len(&b->sa) &&
				   memcmp(&a->sa, &b->sa, dg_sockaddr_len(&a->sa)) == 0);
	return 1;
}

static int l_newCA(lua_State *L)
{
	union dg_sockaddr sa;
	if (!luart_to_sockaddr(L, 1, &sa))
		return luaL_error(L, "newCA: '%s' is not an address", luaL_optstring(L, 1, "?"));
	luart_push_ca(L, &sa);
	return 1;
}

static const luaL_Reg ca_methods[] = {
	{ "toString", ca_toString },
	{ "toStringWithPort", ca_toStringWithPort },
	{ "getPort", ca_getPort },
	{ "isIPv4", ca_isIPv4 },
	{ "isIPv6", ca_isIPv6 },
	{ "isMappedIPv4", ca_isMappedIPv4 },
	{ NULL, NULL },
};

static void setup_ca(lua_State *L)
{
	if (!luaL_newmetatable(L, CA_T)) {
		lua_pop(L, 1);
		return;
	}
	luaL_newlib(L, ca_methods);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ca_toString);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, ca_eq);
	lua_setfield(L, -2, "__eq");
	lua_pop(L, 1);
}

/* ---- DNSAction / DNSResponseAction constants ---- */

static void const_table(lua_State *L, const char *name, const char *const *keys, int n)
{
	lua_createtable(L, 0, n);
	for (int i = 0; i < n; i++) {
		lua_pushinteger(L, i);
		lua_setfield(L, -2, keys[i]);
	}
	lua_setglobal(L, name);
}

void luart_init_lua(lua_State *L)
{
	static const char *const acts[] = {
		"Drop", "Nxdomain", "Refused", "Spoof", "Allow", "HeaderModify", "Pool",
		"Delay", "Truncate", "ServFail", "None", "NoOp", "NoRecurse",
	};
	static const char *const racts[] = {
		"Allow", "Delay", "Drop", "HeaderModify", "ServFail", "None",
	};
	const_table(L, "DNSAction", acts, (int)DG_ARRAY_SIZE(acts));
	const_table(L, "DNSResponseAction", racts, (int)DG_ARRAY_SIZE(racts));
	setup_ca(L);
	lua_pushcfunction(L, l_newCA);
	lua_setglobal(L, "newCA");
}

/* ---- dq ---- */

static struct dq_ud *check_dq(lua_State *L, int idx)
{
	struct dq_ud *dq = luaL_checkudata(L, idx, DQ_T);
	if (dq->q == NULL)
		luaL_error(L, "DNSQuestion used outside of the call it was given to");
	return dq;
}

static int dq_setTag(lua_State *L)
{
	struct dq_ud *dq = check_dq(L, 1);
	luaL_checkstring(L, 2);
	luaL_checkstring(L, 3);
	luadq_push_tags(dq->w);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	lua_rawset(L, -3);
	return 0;
}

static int dq_getTag(lua_State *L)
{
	struct dq_ud *dq = check_dq(L, 1);
	luaL_checkstring(L, 2);
	luadq_push_tags(dq->w);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, -2) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_pushliteral(L, ""); /* dnsdist: an unset tag reads as "" */
	}
	return 1;
}

static int dq_getTagArray(lua_State *L)
{
	struct dq_ud *dq = check_dq(L, 1);
	luadq_push_tags(dq->w);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, -3)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
	return 1;
}

static int dq_getDO(lua_State *L)
{
	lua_pushboolean(L, check_dq(L, 1)->q->do_bit);
	return 1;
}

static int dq_getProtocol(lua_State *L)
{
	lua_pushstring(L, check_dq(L, 1)->q->tcp ? "Do53 TCP" : "Do53 UDP");
	return 1;
}

/* Keeps q->hdr in step with the header bytes a setter changed. */
static void hdr_sync(struct fe_query *q)
{
	q->hdr.id = (uint16_t)(q->buf[0] << 8 | q->buf[1]);
	q->hdr.flags = (uint16_t)(q->buf[2] << 8 | q->buf[3]);
}

static void set_rcode(struct fe_query *q, lua_Integer rc)
{
	q->buf[3] = (uint8_t)((q->buf[3] & 0xf0) | (rc & 0x0f));
	hdr_sync(q);
}

static int dq_push_field(lua_State *L, struct dq_ud *dq, const char *k)
{
	struct fe_query *q = dq->q;
	if (strcmp(k, "qname") == 0)
		cfg_push_dnsname(L, q->q.qname);
	else if (strcmp(k, "qtype") == 0)
		lua_pushinteger(L, q->q.qtype);
	else if (strcmp(k, "qclass") == 0)
		lua_pushinteger(L, q->q.qclass);
	else if (strcmp(k, "remoteaddr") == 0)
		luart_push_ca(L, &q->client);
	else if (strcmp(k, "localaddr") == 0)
		luart_push_ca(L, &q->local);
	else if (strcmp(k, "len") == 0)
		lua_pushinteger(L, (lua_Integer)q->len);
	else if (strcmp(k, "size") == 0)
		lua_pushinteger(L, (lua_Integer)q->cap);
	else if (strcmp(k, "tcp") == 0)
		lua_pushboolean(L, q->tcp);
	else if (strcmp(k, "dh") == 0)
		lua_rawgeti(L, LUA_REGISTRYINDEX, dq->w->dh_ref);
	else if (strcmp(k, "skipCache") == 0)
		lua_pushboolean(L, q->skip_cache);
	else if (strcmp(k, "useECS") == 0)
		lua_pushboolean(L, q->use_ecs);
	else if (strcmp(k, "ecsOverride") == 0)
		lua_pushboolean(L, q->ecs_override);
	else if (strcmp(k, "ecsPrefixLength") == 0)
		lua_pushinteger(L, q->ecs_prefix);
	else if (strcmp(k, "rcode") == 0)
		lua_pushinteger(L, q->buf[3] & 0x0f);
	else if (strcmp(k, "opcode") == 0)
		lua_pushinteger(L, DG_OPCODE(q->hdr.flags));
	else if (strcmp(k, "pool") == 0)
		lua_pushstring(L, q->pool != NULL ? q->pool->name : "");
	else
		return 0;
	return 1;
}

static const luaL_Reg dq_methods[] = {
	{ "setTag", dq_setTag },
	{ "getTag", dq_getTag },
	{ "getTagArray", dq_getTagArray },
	{ "getDO", dq_getDO },
	{ "getProtocol", dq_getProtocol },
	{ NULL, NULL },
};

static int dq_index(lua_State *L)
{
	struct dq_ud *dq = check_dq(L, 1);
	const char *k = luaL_checkstring(L, 2);
	if (dq_push_field(L, dq, k))
		return 1;
	for (const luaL_Reg *m = dq_methods; m->name; m++) {
		if (strcmp(m->name, k) == 0) {
			lua_pushcfunction(L, m->func);
			return 1;
		}
	}
	lua_pushnil(L);
	return 1;
}

static int dq_newindex(lua_State *L)
{
	struct dq_ud *dq = check_dq(L, 1);
	struct fe_query *q = dq->q;
	const char *k = luaL_checkstring(L, 2);
	if (strcmp(k, "skipCache") == 0)
		q->skip_cache = lua_toboolean(L, 3);
	else if (strcmp(k, "useECS") == 0)
		q->use_ecs = lua_toboolean(L, 3);
	else if (strcmp(k, "ecsOverride") == 0)
		q->ecs_override = lua_toboolean(L, 3);
	else if (strcmp(k, "ecsPrefixLength") == 0)
		q->ecs_prefix = (uint8_t)luaL_checkinteger(L, 3);
	else if (strcmp(k, "rcode") == 0)
		set_rcode(q, luaL_checkinteger(L, 3));
	else if (strcmp(k, "pool") == 0)
		/* a pool the configuration never named: no server (dnsdist's
		 * empty pool), since pools cannot be created at run time */
		q->pool = fe_conf_find_pool(dq->conf, luaL_checkstring(L, 3));
	else
		return luaL_error(L, "DNSQuestion: field '%s' cannot be set", k);
	return 0;
}

/* ---- dh ---- */

struct dh_ud {
	struct dq_ud *dq;
};

static struct fe_query *check_dh(lua_State *L)
{
	struct dh_ud *dh = luaL_checkudata(L, 1, DH_T);
	if (dh->dq->q == NULL)
		luaL_error(L, "DNSHeader used outside of the call it was given to");
	return dh->dq->q;
}

/* Header bits by method name: byte (2 or 3) and mask. */
struct dh_bit {
	const char *name;
	uint8_t byte, mask;
};

static const struct dh_bit dh_bits[] = {
	{ "QR", 2, 0x80 }, { "AA", 2, 0x04 }, { "TC", 2, 0x02 }, { "RD", 2, 0x01 },
	{ "RA", 3, 0x80 }, { "AD", 3, 0x20 }, { "CD", 3, 0x10 },
};

static int dh_getbit(lua_State *L)
{
	const struct dh_bit *b = lua_touserdata(L, lua_upvalueindex(1));
	lua_pushboolean(L, (check_dh(L)->buf[b->byte] & b->mask) != 0);
	return 1;
}

static int dh_setbit(lua_State *L)
{
	const struct dh_bit *b = lua_touserdata(L, lua_upvalueindex(1));
	struct fe_query *q = check_dh(L);
	if (lua_toboolean(L, 2))
		q->buf[b->byte] |= b->mask;
	else
		q->buf[b->byte] &= (uint8_t)~b->mask;
	hdr_sync(q);
	return 0;
}

static int dh_getID(lua_State *L)
{
	struct fe_query *q = check_dh(L);
	lua_pushinteger(L, q->buf[0] << 8 | q->buf[1]);
	return 1;
}

static int dh_getRCode(lua_State *L)
{
	lua_pushinteger(L, check_dh(L)->buf[3] & 0x0f);
	return 1;
}

static int dh_setRCode(lua_State *L)
{
	set_rcode(check_dh(L), luaL_checkinteger(L, 2));
	return 0;
}

static void setup_dh_methods(lua_State *L)
{
	lua_newtable(L);
	for (size_t i = 0; i < DG_ARRAY_SIZE(dh_bits); i++) {
		char name[8];
		lua_pushlightuserdata(L, (void *)&dh_bits[i]);
		lua_pushcclosure(L, dh_getbit, 1);
		snprintf(name, sizeof(name), "get%s", dh_bits[i].name);
		lua_setfield(L, -2, name);
		lua_pushlightuserdata(L, (void *)&dh_bits[i]);
		lua_pushcclosure(L, dh_setbit, 1);
		snprintf(name, sizeof(name), "set%s", dh_bits[i].name);
		lua_setfield(L, -2, name);
	}
	lua_pushcfunction(L, dh_getID);
	lua_setfield(L, -2, "getID");
	lua_pushcfunction(L, dh_getRCode);
	lua_setfield(L, -2, "getRCode");
	lua_pushcfunction(L, dh_setRCode);
	lua_setfield(L, -2, "setRCode");
}

void luadq_setup(struct luart_w *w)
{
	lua_State *L = w->L;
	luaL_newmetatable(L, DQ_T);
	lua_pushcfunction(L, dq_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, dq_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pop(L, 1);
	luaL_newmetatable(L, DH_T);
	setup_dh_methods(L);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	w->dq = lua_newuserdatauv(L, sizeof(*w->dq), 0);
	memset(w->dq, 0, sizeof(*w->dq));
	w->dq->w = w;
	luaL_setmetatable(L, DQ_T);
	w->dq_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	struct dh_ud *dh = lua_newuserdatauv(L, sizeof(*dh), 0);
	dh->dq = w->dq;
	luaL_setmetatable(L, DH_T);
	w->dh_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void luadq_push_tags(struct luart_w *w)
{
	lua_State *L = w->L;
	if (w->tags_ref != LUA_NOREF && w->tags_serial == w->serial) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, w->tags_ref);
		return;
	}
	luaL_unref(L, LUA_REGISTRYINDEX, w->tags_ref);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	w->tags_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	w->tags_serial = w->serial;
}
