/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The rest of dnsdist's global API that the frontend uses: the constant
 * tables (DNSQType, DNSClass, DNSRCode, DNSOpcode), the one-value setters
 * (ECS, self-generated answers, TCP and UDP limits) as table rows, logging
 * from Lua, and the console and web-server functions, which are accepted
 * and recorded in fe_conf so that existing files load, but not served yet
 * (the operations issue adds them; main.c says so at startup).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/webcred.h"
#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/sockaddr.h"

/* --- constant tables ------------------------------------------------------ */

struct misc_const {
	const char *table, *name;
	int value;
};

/*
 * dnsdist 1.7.3's tables as it defines them, plus in DNSClass the RFC 1035
 * mnemonics CH and HS: the guide writes DNSClass.CH, which is nil in
 * dnsdist and would make QClassRule match class 0.
 */
static const struct misc_const misc_consts[] = {
	{ "DNSClass", "IN", 1 }, { "DNSClass", "CHAOS", 3 }, { "DNSClass", "CH", 3 },
	{ "DNSClass", "HS", 4 }, { "DNSClass", "NONE", 254 }, { "DNSClass", "ANY", 255 },
	{ "DNSOpcode", "Query", 0 }, { "DNSOpcode", "IQuery", 1 }, { "DNSOpcode", "Status", 2 },
	{ "DNSOpcode", "Notify", 4 }, { "DNSOpcode", "Update", 5 },
	{ "DNSRCode", "NOERROR", 0 }, { "DNSRCode", "FORMERR", 1 }, { "DNSRCode", "SERVFAIL", 2 },
	{ "DNSRCode", "NXDOMAIN", 3 }, { "DNSRCode", "NOTIMP", 4 }, { "DNSRCode", "REFUSED", 5 },
	{ "DNSRCode", "YXDOMAIN", 6 }, { "DNSRCode", "YXRRSET", 7 }, { "DNSRCode", "NXRRSET", 8 },
	{ "DNSRCode", "NOTAUTH", 9 }, { "DNSRCode", "NOTZONE", 10 }, { "DNSRCode", "BADVERS", 16 },
	{ "DNSRCode", "BADSIG", 16 }, { "DNSRCode", "BADKEY", 17 }, { "DNSRCode", "BADTIME", 18 },
	{ "DNSRCode", "BADMODE", 19 }, { "DNSRCode", "BADNAME", 20 }, { "DNSRCode", "BADALG", 21 },
	{ "DNSRCode", "BADTRUNC", 22 }, { "DNSRCode", "BADCOOKIE", 23 },
	{ "DNSQType", "A", 1 }, { "DNSQType", "NS", 2 }, { "DNSQType", "CNAME", 5 },
	{ "DNSQType", "SOA", 6 }, { "DNSQType", "MB", 7 }, { "DNSQType", "MG", 8 },
	{ "DNSQType", "MR", 9 }, { "DNSQType", "PTR", 12 }, { "DNSQType", "HINFO", 13 },
	{ "DNSQType", "MINFO", 14 }, { "DNSQType", "MX", 15 }, { "DNSQType", "TXT", 16 },
	{ "DNSQType", "RP", 17 }, { "DNSQType", "AFSDB", 18 }, { "DNSQType", "SIG", 24 },
	{ "DNSQType", "KEY", 25 }, { "DNSQType", "AAAA", 28 }, { "DNSQType", "LOC", 29 },
	{ "DNSQType", "SRV", 33 }, { "DNSQType", "NAPTR", 35 }, { "DNSQType", "KX", 36 },
	{ "DNSQType", "CERT", 37 }, { "DNSQType", "A6", 38 }, { "DNSQType", "DNAME", 39 },
	{ "DNSQType", "OPT", 41 }, { "DNSQType", "APL", 42 }, { "DNSQType", "DS", 43 },
	{ "DNSQType", "SSHFP", 44 }, { "DNSQType", "IPSECKEY", 45 }, { "DNSQType", "RRSIG", 46 },
	{ "DNSQType", "NSEC", 47 }, { "DNSQType", "DNSKEY", 48 }, { "DNSQType", "DHCID", 49 },
	{ "DNSQType", "NSEC3", 50 }, { "DNSQType", "NSEC3PARAM", 51 }, { "DNSQType", "TLSA", 52 },
	{ "DNSQType", "SMIMEA", 53 }, { "DNSQType", "RKEY", 57 }, { "DNSQType", "CDS", 59 },
	{ "DNSQType", "CDNSKEY", 60 }, { "DNSQType", "OPENPGPKEY", 61 }, { "DNSQType", "CSYNC", 62 },
	{ "DNSQType", "SVCB", 64 }, { "DNSQType", "HTTPS", 65 }, { "DNSQType", "SPF", 99 },
	{ "DNSQType", "NID", 104 }, { "DNSQType", "L32", 105 }, { "DNSQType", "L64", 106 },
	{ "DNSQType", "LP", 107 }, { "DNSQType", "EUI48", 108 }, { "DNSQType", "EUI64", 109 },
	{ "DNSQType", "TKEY", 249 }, { "DNSQType", "TSIG", 250 }, { "DNSQType", "IXFR", 251 },
	{ "DNSQType", "AXFR", 252 }, { "DNSQType", "MAILB", 253 }, { "DNSQType", "MAILA", 254 },
	{ "DNSQType", "ANY", 255 }, { "DNSQType", "URI", 256 }, { "DNSQType", "CAA", 257 },
	{ "DNSQType", "DLV", 32769 }, { "DNSQType", "ADDR", 65400 }, { "DNSQType", "ALIAS", 65401 },
	{ "DNSQType", "LUA", 65402 },
};

void cfg_misc_init(lua_State *L)
{
	for (size_t i = 0; i < DG_ARRAY_SIZE(misc_consts); i++) {
		const struct misc_const *c = &misc_consts[i];
		if (lua_getglobal(L, c->table) != LUA_TTABLE) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setglobal(L, c->table);
		}
		lua_pushinteger(L, c->value);
		lua_setfield(L, -2, c->name);
		lua_pop(L, 1);
	}
}

/* --- one-value setters (defaults in fe_conf_new) ------------------------- */

#define C_FIELD(f) offsetof(struct fe_conf, f), sizeof(((struct fe_conf *)0)->f)
#define C_BOOL(name, f) { name, CFG_OPT_BOOL, C_FIELD(f), 0, 0 }
#define C_UINT(name, f, min, max) { name, CFG_OPT_UINT, C_FIELD(f), min, max }

const struct cfg_setter cfg_misc_setters[] = {
	C_UINT("setECSSourcePrefixV4", ecs_v4_prefix, 0, 32),
	C_UINT("setECSSourcePrefixV6", ecs_v6_prefix, 0, 128),
	C_BOOL("setECSOverride", ecs_override),
	C_BOOL("setAddEDNSToSelfGeneratedResponses", add_edns_to_self),
	C_UINT("setPayloadSizeOnSelfGeneratedAnswers", self_payload_size, 512, 65535),
	C_BOOL("truncateTC", truncate_tc),
	C_UINT("setMaxTCPClientThreads", max_tcp_client_threads, 1, 1024),
	C_UINT("setMaxTCPConnectionsPerClient", max_tcp_conns_per_client, 0, UINT32_MAX),
	C_UINT("setMaxTCPQueriesPerConnection", max_tcp_queries_per_conn, 0, UINT32_MAX),
	C_UINT("setMaxTCPConnectionDuration", max_tcp_conn_duration_s, 0, UINT32_MAX),
	C_UINT("setMaxUDPOutstanding", max_udp_outstanding, 1, 65535),
	C_UINT("setUDPTimeout", udp_timeout_s, 1, 3600),
	C_UINT("setTCPRecvTimeout", tcp_recv_timeout_s, 1, 3600),
	{ NULL, 0, 0, 0, 0, 0 },
};

/* --- logging from Lua ------------------------------------------------------ */

static int misc_log(lua_State *L, int level)
{
	dg_log(level, "lua", "%s", luaL_checkstring(L, 1));
	return 0;
}

static int m_errlog(lua_State *L) { return misc_log(L, LOG_ERR); }
static int m_warnlog(lua_State *L) { return misc_log(L, LOG_WARNING); }
static int m_infolog(lua_State *L) { return misc_log(L, LOG_INFO); }

/* --- console and web server: recorded, not served yet --------------------- */

/* Replaces *slot with a copy of the string argument at idx. */
static void misc_store(lua_State *L, int idx, char **slot, const char *func)
{
	char *s = strdup(luaL_checkstring(L, idx));
	if (!s)
		cfg_error(L, "%s: out of memory", func);
	free(*slot);
	*slot = s;
}

static void misc_check_addr(lua_State *L, const char *func, uint16_t port)
{
	union dg_sockaddr sa;
	const char *text = luaL_checkstring(L, 1);
	int ret = dg_sockaddr_parse(&sa, text, port);
	if (ret < 0)
		cfg_error(L, "%s: '%s': %s", func, text, dg_strerror(ret));
}

static int m_controlSocket(lua_State *L)
{
	misc_check_addr(L, "controlSocket", 5199);
	misc_store(L, 1, &cfg_conf(L)->console_addr, "controlSocket");
	return 0;
}

static int m_setKey(lua_State *L)
{
	uint8_t key[64];
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	if (dg_base64_decode(text, len, key, sizeof(key)) != 32)
		return cfg_error(L, "setKey: the key must be 32 bytes in base64 (see makeKey())");
	misc_store(L, 1, &cfg_conf(L)->console_key, "setKey");
	return 0;
}

/* Prints a setKey() line with a fresh random key, as dnsdist's makeKey(). */
static int m_makeKey(lua_State *L)
{
	uint8_t key[32];
	char text[DG_BASE64_LEN(sizeof(key)) + 1];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, key, sizeof(key)) : -1;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(key) || dg_base64_encode(key, sizeof(key), text, sizeof(text)) < 0)
		return cfg_error(L, "makeKey: cannot read 32 random bytes from /dev/urandom");
	char line[DG_BASE64_LEN(sizeof(key)) + 16];
	int len = snprintf(line, sizeof(line), "setKey(\"%s\")", text);
	cfg_print(L, line, (size_t)len); /* to the client when typed on the console */
	return 0;
}

/* Adds one netmask to the console ACL, or raises an error naming it. */
static void console_acl_add(lua_State *L, struct dg_nmg *g, const char *func, const char *text)
{
	int ret = dg_nmg_add_str(g, text);
	if (ret < 0)
		cfg_error(L, "%s: '%s': %s", func, text, dg_strerror(ret));
}

/* setConsoleACL("nm") or setConsoleACL({"nm", ...}): replaces the console ACL. */
static int m_setConsoleACL(lua_State *L)
{
	struct dg_nmg fresh;
	dg_nmg_init(&fresh);
	if (lua_type(L, 1) == LUA_TTABLE) {
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, 1); i++) {
			lua_rawgeti(L, 1, i);
			const char *text = lua_tostring(L, -1);
			if (text == NULL || dg_nmg_add_str(&fresh, text) < 0) {
				dg_nmg_clear(&fresh);
				return cfg_error(L, "setConsoleACL: entry %lld is not a netmask",
						 (long long)i);
			}
			lua_pop(L, 1);
		}
	} else {
		const char *text = luaL_checkstring(L, 1);
		if (dg_nmg_add_str(&fresh, text) < 0) {
			dg_nmg_clear(&fresh);
			return cfg_error(L, "setConsoleACL: '%s' is not a netmask", text);
		}
	}
	struct fe_conf *conf = cfg_conf(L);
	dg_nmg_clear(&conf->console_acl); /* the console thread is its only reader */
	conf->console_acl = fresh;
	return 0;
}

static int m_addConsoleACL(lua_State *L)
{
	console_acl_add(L, &cfg_conf(L)->console_acl, "addConsoleACL", luaL_checkstring(L, 1));
	return 0;
}

static int m_setConsoleMaximumConcurrentConnections(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	if (n < 0 || n > 100000)
		return cfg_error(L, "setConsoleMaximumConcurrentConnections: %lld is out of range "
				 "(0: no limit)", (long long)n);
	cfg_conf(L)->console_max_conns = (unsigned)n;
	return 0;
}

/* setUDPSocketBufferSizes(recv, send): bytes for the UDP listeners. */
static int m_setUDPSocketBufferSizes(lua_State *L)
{
	lua_Integer r = luaL_checkinteger(L, 1), s = luaL_checkinteger(L, 2);
	if (r < 0 || r > INT_MAX / 2 || s < 0 || s > INT_MAX / 2)
		return cfg_error(L, "setUDPSocketBufferSizes: sizes must be 0 (the system's "
				 "largest) to %d bytes", INT_MAX / 2);
	cfg_conf(L)->udp_rcvbuf = (unsigned)r;
	cfg_conf(L)->udp_sndbuf = (unsigned)s;
	return 0;
}

/* Console settings dnsdist has that dnsgate accepts without effect. */
static int m_console_accept(lua_State *L)
{
	luaL_checkany(L, 1);
	return 0;
}

static int m_webserver(lua_State *L)
{
	misc_check_addr(L, "webserver", 8083);
	misc_store(L, 1, &cfg_conf(L)->webserver_addr, "webserver");
	return 0;
}

/* setWebserverConfig{acl=...}: dnsdist takes "a, b" text; a list of strings works too. */
static void web_acl(lua_State *L, int idx, struct dg_nmg *acl)
{
	struct dg_nmg fresh;
	dg_nmg_init(&fresh);
	if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TTABLE)
		cfg_error(L, "setWebserverConfig: acl must be a string or a list of strings");
	lua_Integer n = lua_type(L, idx) == LUA_TTABLE ? luaL_len(L, idx) : 1;
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_type(L, idx) == LUA_TTABLE)
			lua_geti(L, idx, i);
		else
			lua_pushvalue(L, idx);
		char *text = strdup(luaL_checkstring(L, -1));
		lua_pop(L, 1);
		for (char *save = NULL, *tok = text ? strtok_r(text, ", ", &save) : NULL; tok;
		     tok = strtok_r(NULL, ", ", &save)) {
			int ret = dg_nmg_add_str(&fresh, tok);
			if (ret < 0) {
				dg_nmg_clear(&fresh);
				free(text);
				cfg_error(L, "setWebserverConfig: acl '%s': %s", tok, dg_strerror(ret));
			}
		}
		free(text);
	}
	dg_nmg_clear(acl);
	*acl = fresh;
}

/* customHeaders={["Name"]="value"}; an empty value removes a default header. */
static void web_headers(lua_State *L, int idx, struct fe_webconf *web)
{
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			cfg_error(L, "setWebserverConfig: customHeaders maps names to strings");
		struct fe_web_header *h = realloc(web->headers, (size_t)(web->nheaders + 1) * sizeof(*h));
		if (h == NULL)
			cfg_error(L, "setWebserverConfig: out of memory");
		web->headers = h;
		h[web->nheaders].name = strdup(lua_tostring(L, -2));
		h[web->nheaders].value = strdup(lua_tostring(L, -1));
		if (!h[web->nheaders].name || !h[web->nheaders].value)
			cfg_error(L, "setWebserverConfig: out of memory");
		web->nheaders++;
		lua_pop(L, 1);
	}
}

static void web_bool(lua_State *L, int idx, const char *key, bool *out)
{
	if (lua_getfield(L, idx, key) != LUA_TNIL) {
		if (!lua_isboolean(L, -1))
			cfg_error(L, "setWebserverConfig: %s must be a boolean", key);
		*out = lua_toboolean(L, -1);
	}
	lua_pop(L, 1);
}

static int m_setWebserverConfig(lua_State *L)
{
	static const char *const keys[] = {
		"password", "apiKey", "acl", "customHeaders", "statsRequireAuthentication",
		"apiRequiresAuthentication", "dashboardRequiresAuthentication",
		"maxConcurrentConnections", "hashPlaintextCredentials", NULL,
	};
	struct fe_webconf *web = &cfg_conf(L)->web;
	luaL_checktype(L, 1, LUA_TTABLE);
	cfg_check_keys(L, 1, "setWebserverConfig", keys);
	if (lua_getfield(L, 1, "password") != LUA_TNIL)
		misc_store(L, -1, &web->password, "setWebserverConfig");
	if (lua_getfield(L, 1, "apiKey") != LUA_TNIL)
		misc_store(L, -1, &web->api_key, "setWebserverConfig");
	if (lua_getfield(L, 1, "acl") != LUA_TNIL)
		web_acl(L, lua_gettop(L), &web->acl);
	if (lua_getfield(L, 1, "customHeaders") != LUA_TNIL)
		web_headers(L, lua_gettop(L), web);
	if (lua_getfield(L, 1, "maxConcurrentConnections") != LUA_TNIL) {
		lua_Integer n = luaL_checkinteger(L, -1);
		if (n < 1 || n > 65535)
			cfg_error(L, "setWebserverConfig: maxConcurrentConnections must be 1-65535");
		web->max_conns = (unsigned)n;
	}
	lua_pop(L, 5);
	web_bool(L, 1, "hashPlaintextCredentials", &web->hash_plaintext);
	web_bool(L, 1, "statsRequireAuthentication", &web->stats_require_auth);
	web_bool(L, 1, "apiRequiresAuthentication", &web->api_requires_auth);
	web_bool(L, 1, "dashboardRequiresAuthentication", &web->dashboard_requires_auth);
	return 0;
}

/* hashPassword(password [, workFactor]): dnsdist's scrypt string for setWebserverConfig. */
static int m_hashPassword(lua_State *L)
{
	const char *pw = luaL_checkstring(L, 1);
	lua_Integer work = luaL_optinteger(L, 2, (lua_Integer)1 << WEBCRED_DEFAULT_LN);
	unsigned ln = 0;
	while (ln < 16 && ((lua_Integer)1 << ln) < work)
		ln++;
	char out[WEBCRED_HASHED_MAX];
	int ret = webcred_hash_password(pw, ln, out, sizeof(out));
	if (ret < 0 || ((lua_Integer)1 << ln) != work)
		return cfg_error(L, "hashPassword: %s", ret < 0 ? dg_strerror(ret)
					 : "the work factor must be a power of two");
	lua_pushstring(L, out);
	return 1;
}

/* dnsgate never polls for security status: accepted so dnsdist files load. */
static int m_accept(lua_State *L)
{
	(void)L;
	return 0;
}

const struct cfg_fn cfg_misc_fns[] = {
	{ "errlog", m_errlog },
	{ "warnlog", m_warnlog },
	{ "infolog", m_infolog },
	{ "controlSocket", m_controlSocket },
	{ "setKey", m_setKey },
	{ "makeKey", m_makeKey },
	{ "setConsoleACL", m_setConsoleACL },
	{ "addConsoleACL", m_addConsoleACL },
	{ "setConsoleMaximumConcurrentConnections", m_setConsoleMaximumConcurrentConnections },
	{ "setConsoleConnectionsLogging", m_console_accept },
	{ "setConsoleOutputMaxMsgSize", m_console_accept },
	{ "webserver", m_webserver },
	{ "setWebserverConfig", m_setWebserverConfig },
	{ "hashPassword", m_hashPassword },
	{ "setUDPSocketBufferSizes", m_setUDPSocketBufferSizes },
	{ "setSecurityPollSuffix", m_accept },
	{ "setSecurityPollInterval", m_accept },
	{ NULL, NULL },
};
