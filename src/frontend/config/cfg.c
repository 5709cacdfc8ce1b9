/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The Lua loader: one Lua 5.4 state per load, dnsdist's API registered in
 * two layers (every dnsdist function as "not supported", then the real
 * families over them), the generic option-table and setter machinery, and
 * the single place where configuration errors get their "file:line: "
 * prefix (STYLE.md 8.7).
 *
 * Errors longjmp out of handlers (lua_error), so handlers validate
 * everything into stack variables before they allocate anything, and hand
 * what they allocate to the fe_conf at once: an error never leaks.
 */
#include "frontend/config/cfg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "frontend/conf.h"
#include "frontend/config/cfg_typo.h"
#include "frontend/config/lua_families.h"
#include "frontend/luart.h"
#include "frontend/rules.h"
#include "lib/err.h"

#define CFG_CONF_KEY "dnsgate.conf"
#define CFG_MODE_KEY "dnsgate.mode"

/*
 * Every function dnsdist 1.7.3 defines (its Lua globals, listed by running
 * the real dnsdist over a file that prints _G), minus the Lua builtins.
 * Each starts as "not supported"; the families registered afterwards
 * replace the ones dnsgate implements.
 */
static const char *const cfg_unsupported_names[] = {
	"AllRule", "AllowAction", "AllowResponseAction", "AndRule", "ContinueAction",
	"DNSSECRule", "DSTPortRule", "DelayAction", "DelayResponseAction", "DisableECSAction",
	"DisableValidationAction", "DnstapLogAction", "DnstapLogResponseAction", "DropAction",
	"DropResponseAction", "ECSOverrideAction", "ECSPrefixLengthAction", "EDNSOptionRule",
	"EDNSVersionRule", "ERCodeAction", "ERCodeRule", "HTTPHeaderRule", "HTTPPathRegexRule",
	"HTTPPathRule", "HTTPStatusAction", "KeyValueLookupKeyQName", "KeyValueLookupKeySourceIP",
	"KeyValueLookupKeySuffix", "KeyValueLookupKeyTag", "KeyValueStoreLookupAction",
	"KeyValueStoreLookupRule", "KeyValueStoreRangeLookupAction",
	"KeyValueStoreRangeLookupRule", "LogAction", "LogResponseAction", "LuaAction",
	"LuaFFIAction", "LuaFFIPerThreadAction", "LuaFFIPerThreadResponseAction",
	"LuaFFIPerThreadRule", "LuaFFIResponseAction", "LuaFFIRule", "LuaResponseAction",
	"LuaRule", "MacAddrAction", "MaxQPSIPRule", "MaxQPSRule", "NegativeAndSOAAction",
	"NetmaskGroupRule", "NoRecurseAction", "NoneAction", "NotRule", "OpcodeRule", "OrRule",
	"PoolAction", "PoolAvailableRule", "PoolOutstandingRule", "ProbaRule",
	"ProxyProtocolValueRule", "QClassRule", "QNameLabelsCountRule", "QNameRule",
	"QNameSetRule", "QNameWireLengthRule", "QPSAction", "QPSPoolAction", "QTypeRule",
	"RCodeAction", "RCodeRule", "RDRule", "RE2Rule", "RecordsCountRule",
	"RecordsTypeCountRule", "RegexRule", "RemoteLogAction", "RemoteLogResponseAction",
	"SNIRule", "SNMPTrapAction", "SNMPTrapResponseAction",
	"SetAdditionalProxyProtocolValueAction", "SetDisableECSAction",
	"SetDisableValidationAction", "SetECSAction", "SetECSOverrideAction",
	"SetECSPrefixLengthAction", "SetEDNSOptionAction", "SetMacAddrAction",
	"SetNegativeAndSOAAction", "SetNoRecurseAction", "SetProxyProtocolValuesAction",
	"SetSkipCacheAction", "SetSkipCacheResponseAction", "SetTagAction",
	"SetTagResponseAction", "SetTempFailureCacheTTLAction", "SkipCacheAction", "SpoofAction",
	"SpoofCNAMEAction", "SpoofRawAction", "SpoofSVCAction", "SuffixMatchNodeRule", "TCAction",
	"TCPRule", "TagAction", "TagResponseAction", "TagRule", "TeeAction",
	"TempFailureCacheTTLAction", "TimedIPSetRule", "TrailingDataRule", "addACL", "addAction",
	"addBPFFilterDynBlocks", "addCacheHitResponseAction", "addCapabilitiesToRetain",
	"addConsoleACL", "addDNSCryptBind", "addDOHLocal", "addDynBlockSMT", "addDynBlocks",
	"addLocal", "addResponseAction", "addSelfAnsweredResponseAction", "addTLSLocal",
	"benchRule", "carbonServer", "clearConsoleHistory", "clearDynBlocks",
	"clearQueryCounters", "clearRules", "controlSocket", "delta", "dumpStats",
	"dynBlockRulesGroup", "errlog", "exceedNXDOMAINs", "exceedQRate", "exceedQTypeRate",
	"exceedRespByterate", "exceedServFails", "fixupCase", "generateDNSCryptCertificate",
	"generateDNSCryptProviderKeys", "generateOCSPResponse", "getAction", "getBind",
	"getBindCount", "getCacheHitResponseRules", "getDNSCryptBind", "getDNSCryptBindCount",
	"getDOHFrontend", "getDOHFrontendCount", "getOutgoingTLSSessionCacheSize", "getPool",
	"getPoolServers", "getQueryCounters", "getRespRing", "getResponseRing", "getServer",
	"getServers", "getSlowResponses", "getStatisticsCounters", "getTLSContext",
	"getTLSFrontend", "getTLSFrontendCount", "getTopBandwidth", "getTopQueries",
	"getTopResponseRules", "getTopResponses", "getTopRules",
	"getTopSelfAnsweredResponseRules", "grepq", "hashPassword", "help", "inClientStartup",
	"inConfigCheck", "includeDirectory", "infolog", "makeIPCipherKey", "makeKey", "makeRule",
	"mvCacheHitResponseRule", "mvCacheHitResponseRuleToTop", "mvResponseRule",
	"mvResponseRuleToTop", "mvRule", "mvRuleToTop", "mvSelfAnsweredResponseRule",
	"mvSelfAnsweredResponseRuleToTop", "newBPFFilter", "newCA", "newCAFromRaw",
	"newCDBKVStore", "newDNSName", "newDNSNameFromRaw", "newDNSNameSet",
	"newDOHResponseMapEntry", "newDynBPFFilter", "newFrameStreamTcpLogger",
	"newFrameStreamUnixLogger", "newLMDBKVStore", "newNMG", "newNetmask", "newPacketCache",
	"newQPSLimiter", "newRemoteLogger", "newRuleAction", "newSVCRecordParameters",
	"newServer", "newServerPolicy", "newSuffixMatchNode", "printDNSCryptProviderFingerprint",
	"registerDynBPFFilter", "registerWebHandler", "reloadAllCertificates",
	"requestDoHStatesDump", "requestTCPStatesDump", "rmACL", "rmCacheHitResponseRule",
	"rmResponseRule", "rmRule", "rmSelfAnsweredResponseRule", "rmServer", "sendCustomTrap",
	"setACL", "setACLFromFile", "setAPIWritable", "setAddEDNSToSelfGeneratedResponses",
	"setAllowEmptyResponse", "setCacheCleaningDelay", "setCacheCleaningPercentage",
	"setConsistentHashingBalancingFactor", "setConsoleACL", "setConsoleConnectionsLogging",
	"setConsoleMaximumConcurrentConnections", "setConsoleOutputMaxMsgSize",
	"setDefaultBPFFilter", "setDoHDownstreamCleanupInterval", "setDoHDownstreamMaxIdleTime",
	"setDropEmptyQueries", "setDynBlocksAction", "setDynBlocksPurgeInterval",
	"setECSOverride", "setECSSourcePrefixV4", "setECSSourcePrefixV6", "setKey", "setLocal",
	"setMaxCachedTCPConnectionsPerDownstream", "setMaxIdleDoHConnectionsPerDownstream",
	"setMaxTCPClientThreads", "setMaxTCPConnectionDuration", "setMaxTCPConnectionsPerClient",
	"setMaxTCPQueriesPerConnection", "setMaxTCPQueuedConnections", "setMaxUDPOutstanding",
	"setOutgoingDoHWorkerThreads", "setOutgoingTLSSessionsCacheCleanupDelay",
	"setOutgoingTLSSessionsCacheMaxTicketValidity",
	"setOutgoingTLSSessionsCacheMaxTicketsPerBackend", "setPayloadSizeOnSelfGeneratedAnswers",
	"setPoolServerPolicy", "setPoolServerPolicyLua", "setPoolServerPolicyLuaFFI",
	"setPoolServerPolicyLuaFFIPerThread", "setProxyProtocolACL",
	"setProxyProtocolApplyACLToProxiedClients", "setProxyProtocolMaximumPayloadSize",
	"setQueryCount", "setQueryCountFilter", "setRingBuffersLockRetries", "setRingBuffersSize",
	"setRoundRobinFailOnNoServer", "setRules", "setSecurityPollInterval",
	"setSecurityPollSuffix", "setServFailWhenNoServer", "setServerPolicy",
	"setServerPolicyLua", "setServerPolicyLuaFFI", "setServerPolicyLuaFFIPerThread",
	"setStaleCacheEntriesTTL", "setSyslogFacility", "setTCPDownstreamCleanupInterval",
	"setTCPDownstreamMaxIdleTime", "setTCPInternalPipeBufferSize", "setTCPRecvTimeout",
	"setTCPSendTimeout", "setUDPMultipleMessagesVectorSize", "setUDPSocketBufferSizes",
	"setUDPTimeout", "setVerboseHealthChecks", "setWHashedPertubation", "setWebserverConfig",
	"setWeightedBalancingFactor", "show", "showACL", "showBinds", "showCacheHitResponseRules",
	"showConsoleACL", "showDNSCryptBinds", "showDOHFrontends", "showDOHResponseCodes",
	"showDynBlocks", "showPoolServerPolicy", "showPools", "showResponseLatency",
	"showResponseRules", "showRules", "showSecurityStatus", "showSelfAnsweredResponseRules",
	"showServerPolicy", "showServers", "showTCPStats", "showTLSContexts",
	"showTLSErrorCounters", "showVersion", "showWebserverConfig", "shutdown", "snmpAgent",
	"statNodeRespRing", "testCrypto", "topBandwidth", "topCacheHitRules", "topClients",
	"topQueries", "topResponseRules", "topResponses", "topRules",
	"topSelfAnsweredResponseRules", "topSlow", "truncateTC", "unregisterDynBPFFilter",
	"warnlog", "webserver",
	NULL,
};

enum cfg_mode cfg_mode(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, CFG_MODE_KEY);
	enum cfg_mode m = (enum cfg_mode)lua_tointeger(L, -1); /* nil: 0, the load */
	lua_pop(L, 1);
	return m;
}

struct fe_conf *cfg_conf(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, CFG_CONF_KEY);
	struct fe_conf *conf = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return conf;
}

int cfg_where(lua_State *L, char *out, size_t outsz)
{
	lua_Debug ar;
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		const char *src = ar.source;
		if (*src == '@' || *src == '=')
			src++;
		snprintf(out, outsz, "%s:%d", src, ar.currentline);
		return ar.currentline;
	}
	snprintf(out, outsz, "?");
	return 0;
}

int cfg_error(lua_State *L, const char *fmt, ...)
{
	char where[512], msg[1024];
	va_list ap;

	cfg_where(L, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lua_pushfstring(L, "%s: %s", where, msg);
	return lua_error(L);
}

/* True when msg starts with a Lua position "something:123: ". */
static bool has_position(const char *msg)
{
	const char *colon = strchr(msg, ':');
	if (!colon || colon == msg || !isdigit((unsigned char)colon[1]))
		return false;
	const char *p = colon + 1;
	while (isdigit((unsigned char)*p))
		p++;
	return p[0] == ':' && p[1] == ' ';
}

/*
 * pcall message handler: runs where the error happened, so an error raised
 * without a position (error("x", 0), a C library error) still gets the
 * configuration line. Errors that have one keep it: the prefix appears once.
 */
static int cfg_msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	char where[512];
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	if (has_position(msg))
		return 1;
	cfg_where(L, where, sizeof(where));
	lua_pushfstring(L, "%s: %s", where, msg);
	return 1;
}

/*
 * Lua shortens long chunk names in its own messages: a file name to
 * "...tail", a string's name to its first characters. Messages name the
 * configuration as it was given, so a shortened position is replaced.
 */
static void cfg_final_message(const char *msg, const char *name, char *err, size_t errsz)
{
	size_t nlen = strlen(name);
	const char *colon = has_position(msg) ? strchr(msg, ':') : NULL;
	size_t plen = colon ? (size_t)(colon - msg) : 0;
	bool shortened = false;

	if (colon && plen > 3 && strncmp(msg, "...", 3) == 0 && plen - 3 <= nlen)
		shortened = memcmp(msg + 3, name + nlen - (plen - 3), plen - 3) == 0;
	else if (colon && plen < nlen)
		shortened = memcmp(msg, name, plen) == 0;
	if (shortened)
		snprintf(err, errsz, "%s%s", name, colon);
	else
		snprintf(err, errsz, "%s", msg);
}

static int cfg_unsupported(lua_State *L)
{
	return cfg_error(L, "function %s is not supported by dnsgate",
			 lua_tostring(L, lua_upvalueindex(1)));
}

void cfg_register(lua_State *L, const struct cfg_fn *fns)
{
	for (; fns->name; fns++) {
		lua_pushcfunction(L, fns->fn);
		lua_setglobal(L, fns->name);
	}
}

static void cfg_register_unsupported(lua_State *L)
{
	for (const char *const *n = cfg_unsupported_names; *n; n++) {
		lua_pushstring(L, *n);
		lua_pushcclosure(L, cfg_unsupported, 1);
		lua_setglobal(L, *n);
	}
}

/* The catch-all first, the real families after: a real function wins. */
static void cfg_setup(lua_State *L, struct fe_conf *conf)
{
	luaL_openlibs(L);
	lua_pushlightuserdata(L, conf);
	lua_setfield(L, LUA_REGISTRYINDEX, CFG_CONF_KEY);
	cfg_register_unsupported(L);
	cfg_register(L, cfg_listen_fns);
	cfg_register(L, cfg_servers_fns);
	cfg_register_setters(L, cfg_servers_setters);
	cfg_register(L, cfg_misc_fns);
	cfg_register_setters(L, cfg_misc_setters);
	cfg_register(L, cfg_cache_fns);
	cfg_register(L, cfg_rules_fns);
	cfg_register(L, cfg_inspect_fns);
	cfg_register(L, cfg_luaact_fns);
	cfg_register(L, cfg_vrrp_fns);
	cfg_register(L, cfg_dynblock_fns);
	cfg_register(L, cfg_rules_ext_fns);
	cfg_register(L, cfg_odds_fns);
	cfg_register_setters(L, cfg_odds_setters);
	cfg_servers_init(L);
	cfg_misc_init(L);
	luart_init_lua(L);
}

/* Loads the chunk (text only: no precompiled bytecode) and runs it. */
static int cfg_run(struct fe_conf *conf, const char *name, const char *file, const char *lua,
		   char *err, size_t errsz)
{
	lua_State *L = luaL_newstate();
	char chunk[4096];
	int ret;

	if (!L) {
		snprintf(err, errsz, "%s: cannot create a Lua state (out of memory)", name);
		return DG_ECONFIG;
	}
	cfg_setup(L, conf);
	lua_pushcfunction(L, cfg_msgh);
	if (file)
		ret = luaL_loadfilex(L, file, "t");
	else {
		snprintf(chunk, sizeof(chunk), "=%s", name);
		ret = luaL_loadbufferx(L, lua, strlen(lua), chunk, "t");
	}
	if (ret == LUA_OK)
		ret = lua_pcall(L, 0, 0, 1);
	if (ret != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		cfg_final_message(msg ? msg : "unknown Lua error", name, err, errsz);
	}
	if (lua_getglobal(L, "maintenance") == LUA_TFUNCTION)
		conf->wants_control_lua = true; /* the control thread must replay the file */
	lua_close(L);
	if (ret != LUA_OK)
		return DG_ECONFIG;
	ret = rules_resolve(conf);
	if (ret < 0) {
		snprintf(err, errsz, "%s: %s", name, dg_strerror(ret));
		return DG_ECONFIG;
	}
	return 0;
}

int cfg_load_file(struct fe_conf *conf, const char *file, char *err, size_t errsz)
{
	if (!conf || !file)
		return DG_EINVAL;
	conf->file = file;
	if (cfg_typo_check(file, file, NULL, err, errsz) < 0)
		return DG_ECONFIG; /* typographic quotes: Lua's own message names neither */
	return cfg_run(conf, file, file, NULL, err, errsz);
}

int cfg_load_string(struct fe_conf *conf, const char *name, const char *lua, char *err,
		    size_t errsz)
{
	if (!conf || !name || !lua)
		return DG_EINVAL;
	conf->file = name;
	free(conf->lua_text);
	conf->lua_text = strdup(lua); /* for the replays (cfg_replay) */
	if (conf->lua_text == NULL) {
		snprintf(err, errsz, "%s: out of memory", name);
		return DG_ECONFIG;
	}
	if (cfg_typo_check(name, NULL, lua, err, errsz) < 0)
		return DG_ECONFIG;
	return cfg_run(conf, name, NULL, lua, err, errsz);
}

static int cfg_silent(lua_State *L)
{
	(void)L;
	return 0;
}

/* Names a replay silences while the file runs (restored afterwards, so
 * that functions the file defines print and log normally at run time). */
static const char *const cfg_quiet_names[] = { "print", "infolog", "warnlog", "errlog", NULL };

static void cfg_quiet(lua_State *L, bool quiet)
{
	for (const char *const *n = cfg_quiet_names; *n; n++) {
		char key[64];
		snprintf(key, sizeof(key), "dnsgate.saved.%s", *n);
		if (quiet) {
			lua_getglobal(L, *n);
			lua_setfield(L, LUA_REGISTRYINDEX, key);
			lua_pushcfunction(L, cfg_silent);
		} else {
			lua_getfield(L, LUA_REGISTRYINDEX, key);
		}
		lua_setglobal(L, *n);
	}
}

lua_State *cfg_replay(struct fe_conf *scratch, const struct fe_conf *orig, enum cfg_mode mode,
		      char *err, size_t errsz)
{
	const char *name = orig->file ? orig->file : "config";
	lua_State *L = luaL_newstate();
	if (L == NULL) {
		snprintf(err, errsz, "%s: cannot create a Lua state (out of memory)", name);
		return NULL;
	}
	scratch->file = orig->file;
	cfg_setup(L, scratch);
	lua_pushinteger(L, mode);
	lua_setfield(L, LUA_REGISTRYINDEX, CFG_MODE_KEY);
	cfg_quiet(L, true);
	lua_pushcfunction(L, cfg_msgh);
	int ret;
	if (orig->lua_text != NULL) {
		char chunk[4096];
		snprintf(chunk, sizeof(chunk), "=%s", name);
		ret = luaL_loadbufferx(L, orig->lua_text, strlen(orig->lua_text), chunk, "t");
	} else {
		ret = luaL_loadfilex(L, orig->file, "t");
	}
	if (ret == LUA_OK)
		ret = lua_pcall(L, 0, 0, 1);
	if (ret != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		cfg_final_message(msg ? msg : "unknown Lua error", name, err, errsz);
		lua_close(L);
		return NULL;
	}
	lua_settop(L, 0);
	cfg_quiet(L, false);
	if (rules_resolve(scratch) < 0) {
		snprintf(err, errsz, "%s: out of memory", name);
		lua_close(L);
		return NULL;
	}
	return L;
}

void cfg_check_keys(lua_State *L, int idx, const char *func, const char *const *keys)
{
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		const char *const *p = keys;
		while (k && *p && strcmp(*p, k) != 0)
			p++;
		if (!k || !*p)
			cfg_error(L, "%s: unknown option '%s'", func, k ? k : "(not a string)");
	}
}

void cfg_copy_str(lua_State *L, const char *s, char *out, size_t outsz, const char *func,
		  const char *what)
{
	size_t len = strlen(s);
	if (len >= outsz)
		cfg_error(L, "%s: %s '%s' is longer than %zu characters", func, what, s, outsz - 1);
	memcpy(out, s, len + 1);
}

/* Stores v in an unsigned field of 1, 2, 4 or 8 bytes. */
static void cfg_store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
}

void cfg_opts_defaults(const struct cfg_opt *opts, void *target)
{
	for (; opts->key; opts++) {
		void *field = (char *)target + opts->off;
		if (opts->type == CFG_OPT_BOOL)
			*(bool *)field = opts->def != 0;
		else if (opts->type == CFG_OPT_UINT)
			cfg_store_uint(field, opts->size, (uint64_t)opts->def);
	}
}

/* Converts and stores the value on top of the stack for one option row. */
static void cfg_apply_one(lua_State *L, const char *func, const struct cfg_opt *o, void *target)
{
	void *field = (char *)target + o->off;
	int t = lua_type(L, -1);

	switch (o->type) {
	case CFG_OPT_BOOL:
		if (t != LUA_TBOOLEAN)
			cfg_error(L, "%s: option '%s' must be a boolean", func, o->key);
		*(bool *)field = lua_toboolean(L, -1);
		break;
	case CFG_OPT_UINT: {
		int isint = 0;
		lua_Integer v = lua_tointegerx(L, -1, &isint);
		if (!isint || t != LUA_TNUMBER)
			cfg_error(L, "%s: option '%s' must be an integer", func, o->key);
		if (v < o->min || v > o->max)
			cfg_error(L, "%s: option '%s' must be between %lld and %lld", func, o->key,
				  (long long)o->min, (long long)o->max);
		cfg_store_uint(field, o->size, (uint64_t)v);
		break;
	}
	case CFG_OPT_STR:
		if (t != LUA_TSTRING)
			cfg_error(L, "%s: option '%s' must be a string", func, o->key);
		cfg_copy_str(L, lua_tostring(L, -1), field, o->size, func, o->key);
		break;
	case CFG_OPT_CUSTOM:
		o->parse(L, lua_gettop(L), func, target);
		break;
	case CFG_OPT_IGNORE:
		break;
	case CFG_OPT_UNSUP:
		cfg_error(L, "%s: option '%s' is not supported by dnsgate", func, o->key);
	}
}

void cfg_apply_opts(lua_State *L, int idx, const char *func, const struct cfg_opt *opts,
		    void *target)
{
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) != LUA_TTABLE)
		cfg_error(L, "%s: options must be a table", func);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			cfg_error(L, "%s: option names must be strings", func);
		const char *k = lua_tostring(L, -2);
		const struct cfg_opt *o = opts;
		while (o->key && strcmp(o->key, k) != 0)
			o++;
		if (!o->key)
			cfg_error(L, "%s: unknown option '%s'", func, k);
		cfg_apply_one(L, func, o, target);
		lua_pop(L, 1);
	}
}

/* A setter row's handler: the row is the closure's upvalue. */
static int cfg_setter_fn(lua_State *L)
{
	const struct cfg_setter *s = lua_touserdata(L, lua_upvalueindex(1));
	struct cfg_opt o = {
		.key = "value", .type = s->type, .off = s->off, .size = s->size,
		.min = s->min, .max = s->max,
	};
	if (lua_gettop(L) != 1)
		return cfg_error(L, "%s: expects exactly one argument", s->name);
	cfg_apply_one(L, s->name, &o, cfg_conf(L));
	return 0;
}

void cfg_register_setters(lua_State *L, const struct cfg_setter *rows)
{
	for (; rows->name; rows++) {
		lua_pushlightuserdata(L, (void *)rows);
		lua_pushcclosure(L, cfg_setter_fn, 1);
		lua_setglobal(L, rows->name);
	}
}

void *cfg_newudata(lua_State *L, size_t size, const char *tname, const struct cfg_fn *methods,
		   int (*gc)(lua_State *L))
{
	void *ud = lua_newuserdatauv(L, size, 0);
	memset(ud, 0, size);
	if (luaL_newmetatable(L, tname)) {
		lua_newtable(L);
		for (; methods && methods->name; methods++) {
			lua_pushcfunction(L, methods->fn);
			lua_setfield(L, -2, methods->name);
		}
		lua_setfield(L, -2, "__index");
		if (gc) {
			lua_pushcfunction(L, gc);
			lua_setfield(L, -2, "__gc");
		}
	}
	lua_setmetatable(L, -2);
	return ud;
}

void *cfg_checkudata(lua_State *L, int idx, const char *tname, const char *func,
		     const char *what)
{
	void *ud = luaL_testudata(L, idx, tname);
	if (!ud)
		cfg_error(L, "%s: argument %d must be a %s", func, idx, what);
	return ud;
}

void cfg_print(lua_State *L, const char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	lua_getglobal(L, "print");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		fwrite(text, 1, len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return;
	}
	lua_pushlstring(L, text, len);
	lua_call(L, 1, 0);
}

lua_State *cfg_console_state(struct fe_conf *conf)
{
	lua_State *L = luaL_newstate();
	if (L == NULL)
		return NULL;
	cfg_setup(L, conf);
	lua_pushcfunction(L, cfg_msgh);
	return L;
}

static int cfg_cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True when the global name exists in a state with only Lua's libraries. */
static bool cfg_is_lua_builtin(lua_State *plain, const char *name)
{
	bool yes = lua_getglobal(plain, name) != LUA_TNIL;
	lua_pop(plain, 1);
	return yes;
}

int cfg_list_functions(FILE *out, const struct cfg_fn *extra)
{
	struct fe_conf *conf = fe_conf_new();
	lua_State *L = luaL_newstate(), *plain = luaL_newstate();
	size_t n = 0, cap = 1024;
	const char **names = calloc(cap, sizeof(*names));
	int ret = DG_ENOMEM;
	if (L == NULL || plain == NULL || names == NULL)
		goto out;
	luaL_openlibs(plain);
	cfg_setup(L, conf);
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2) && n + 1 < cap) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		if (k && lua_isfunction(L, -1) && lua_tocfunction(L, -1) != cfg_unsupported &&
		    !cfg_is_lua_builtin(plain, k))
			names[n++] = k; /* the key stays in the table: the string lives on */
		lua_pop(L, 1);
	}
	for (; extra && extra->name && n + 1 < cap; extra++)
		names[n++] = extra->name;
	qsort(names, n, sizeof(*names), cfg_cmp_name);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			fprintf(out, "%s\n", names[i]);
	ret = (int)n;
out:
	free(names);
	if (L)
		lua_close(L);
	if (plain)
		lua_close(plain);
	fe_conf_free(conf);
	return ret;
}
