/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Per-worker Lua states: the replays that build them, calling the
 * configuration's functions on a query, and applying what they return
 * (see luart.h for the design).
 */
#include "frontend/luart.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/luart_int.h"
#include "frontend/query.h"
#include "frontend/rule_types.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/nmg.h"
#include "lib/rrtype.h"

/* Registry table where LuaAction/LuaRule/LuaResponseAction keep their
 * functions by id (config/lua_luaact.c fills it). */
#define LUART_FNS_KEY "dnsgate.luafns"

struct luart {
	const struct fe_conf *conf; /* the served configuration (borrowed) */
	unsigned nworkers;
	struct luart_w *w;
};

static void w_close(struct luart_w *w)
{
	if (w->L != NULL)
		lua_close(w->L);
	fe_conf_free(w->scratch);
	free(w->refs);
	w->L = NULL;
	w->scratch = NULL;
	w->refs = NULL;
}

/* Moves the functions of the replay's table into registry refs, by id. */
static int take_functions(struct luart_w *w, unsigned n)
{
	lua_State *L = w->L;
	w->refs = calloc(n + 1, sizeof(*w->refs));
	if (w->refs == NULL)
		return DG_ENOMEM;
	w->nrefs = n;
	lua_getfield(L, LUA_REGISTRYINDEX, LUART_FNS_KEY);
	for (unsigned k = 0; k < n; k++) {
		if (!lua_istable(L, -1) || lua_rawgeti(L, -1, (lua_Integer)k + 1) != LUA_TFUNCTION) {
			lua_settop(L, 0);
			return DG_ECONFIG;
		}
		w->refs[k] = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	lua_settop(L, 0);
	return DG_OK;
}

static int w_open(struct luart_w *w, const struct fe_conf *conf, unsigned k, char *err,
		  size_t errsz)
{
	w->tags_ref = LUA_NOREF;
	w->scratch = fe_conf_new();
	w->L = cfg_replay(w->scratch, conf, CFG_MODE_WORKER, err, errsz);
	if (w->L == NULL)
		return DG_ECONFIG;
	if (w->scratch->lua_fns != conf->lua_fns) {
		snprintf(err, errsz,
			 "%s: worker %u's replay made %u Lua functions, the load %u: the "
			 "configuration must create the same LuaAction/LuaRule/LuaResponseAction "
			 "objects every time it runs", conf->file ? conf->file : "config", k,
			 w->scratch->lua_fns, conf->lua_fns);
		return DG_ECONFIG;
	}
	int ret = take_functions(w, conf->lua_fns);
	if (ret < 0) {
		snprintf(err, errsz, "%s: worker %u: %s", conf->file ? conf->file : "config", k,
			 dg_strerror(ret));
		return ret;
	}
	luadq_setup(w);
	return DG_OK;
}

struct luart *luart_new(const struct fe_conf *conf, unsigned nworkers, char *err, size_t errsz)
{
	struct luart *rt = calloc(1, sizeof(*rt));
	if (rt == NULL || nworkers == 0) {
		snprintf(err, errsz, "luart: out of memory");
		free(rt);
		return NULL;
	}
	rt->w = aligned_alloc(64, sizeof(*rt->w) * nworkers);
	if (rt->w == NULL) {
		free(rt);
		snprintf(err, errsz, "luart: out of memory");
		return NULL;
	}
	memset(rt->w, 0, sizeof(*rt->w) * nworkers);
	rt->nworkers = nworkers;
	rt->conf = conf;
	for (unsigned k = 0; k < nworkers; k++) {
		if (w_open(&rt->w[k], conf, k, err, errsz) < 0) {
			luart_free(rt);
			return NULL;
		}
	}
	return rt;
}

void luart_free(struct luart *rt)
{
	if (rt == NULL)
		return;
	for (unsigned k = 0; k < rt->nworkers; k++)
		w_close(&rt->w[k]);
	free(rt->w);
	free(rt);
}

void luart_begin(struct luart *rt, unsigned worker)
{
	if (rt != NULL && worker < rt->nworkers)
		rt->w[worker].serial++;
}

uint64_t luart_errors(const struct luart *rt)
{
	uint64_t n = 0;
	for (unsigned k = 0; rt != NULL && k < rt->nworkers; k++)
		n += rt->w[k].errors;
	return n;
}

/* Logs a Lua error at most once a second per worker, with what was skipped. */
static void log_error(struct luart_w *w, unsigned worker, const char *what)
{
	uint64_t now = dg_clock_now_us();
	w->errors++;
	if (w->last_log_us != 0 && now - w->last_log_us < 1000000) {
		w->suppressed++;
		return;
	}
	const char *msg = lua_tostring(w->L, -1);
	dg_log(LOG_WARNING, "lua", "%s failed on worker %u: %s (%llu similar errors suppressed)",
	       what, worker, msg ? msg : "?", (unsigned long long)w->suppressed);
	w->last_log_us = now;
	w->suppressed = 0;
}

/*
 * Calls function id with dq pointed at q, leaving nres results on the
 * stack. false on a Lua error (logged, stack cleaned).
 */
static bool call(struct luart_w *w, unsigned worker, unsigned id, const struct fe_conf *conf,
		 struct fe_query *q, bool response, int nres, const char *what)
{
	lua_State *L = w->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, w->refs[id]);
	lua_rawgeti(L, LUA_REGISTRYINDEX, w->dq_ref);
	w->dq->q = q;
	w->dq->conf = conf;
	w->dq->response = response;
	int ret = lua_pcall(L, 1, nres, 0);
	w->dq->q = NULL; /* a dq kept by the function must not reach this query again */
	if (ret != LUA_OK) {
		log_error(w, worker, what);
		lua_settop(L, 0);
		return false;
	}
	return true;
}

static struct luart_w *worker_state(struct luart *rt, unsigned worker, unsigned id)
{
	if (rt == NULL || worker >= rt->nworkers || id >= rt->w[worker].nrefs)
		return NULL;
	return &rt->w[worker];
}

bool luart_rule(struct luart *rt, unsigned id, struct fe_query *q)
{
	struct luart_w *w = worker_state(rt, q->worker, id);
	if (w == NULL || !call(w, q->worker, id, rt->conf, q, false, 1, "LuaRule"))
		return false;
	bool match = lua_toboolean(w->L, -1);
	lua_settop(w->L, 0);
	return match;
}

static enum act_result answer_rcode(const struct fe_conf *conf, struct fe_query *q, uint16_t rc)
{
	return query_respond_rcode(q, conf, rc) < 0 ? ACT_R_DROP : ACT_R_ANSWER;
}

/*
 * DNSAction.Spoof's second value: an IPv4 or IPv6 address answers A or
 * AAAA queries (other types go on to the next rule, as SpoofAction), a
 * name answers any type with a CNAME.
 */
static enum act_result spoof(const struct fe_conf *conf, struct fe_query *q, const char *txt)
{
	struct fe_answer_flags fl = { .ra = -1 };
	struct fe_answer_rr rr = { .ttl = 60 };
	struct dg_netmask nm;
	uint8_t name[DG_DNAME_MAXLEN];
	if (txt == NULL)
		return ACT_R_CONTINUE;
	if (dg_netmask_parse(&nm, txt) == 0) {
		bool v4 = nm.addr.family == AF_INET;
		rr.type = v4 ? DG_TYPE_A : DG_TYPE_AAAA;
		if (q->q.qtype != rr.type && q->q.qtype != DG_TYPE_ANY)
			return ACT_R_CONTINUE;
		rr.rdata = nm.addr.bytes;
		rr.rdlen = v4 ? 4 : 16;
	} else if (dg_dname_from_str(name, sizeof(name), txt, NULL) > 0) {
		rr.type = DG_TYPE_CNAME;
		rr.rdata = name;
		rr.rdlen = (uint16_t)dg_dname_len(name);
	} else {
		return ACT_R_CONTINUE;
	}
	return query_respond(q, conf, 0, &fl, &rr, 1) < 0 ? ACT_R_DROP : ACT_R_ANSWER;
}

static uint16_t delay_value(lua_State *L)
{
	lua_Integer ms = lua_tointeger(L, -1);
	if (ms <= 0 && lua_type(L, -1) == LUA_TSTRING)
		ms = strtol(lua_tostring(L, -1), NULL, 10);
	return ms <= 0 ? 0 : ms > 60000 ? 60000 : (uint16_t)ms;
}

/* Applies a LuaAction's (action, value) on top of the stack. */
static enum act_result query_result(lua_State *L, const struct fe_conf *conf, struct fe_query *q)
{
	switch (lua_tointeger(L, -2)) {
	case LUART_DROP: return ACT_R_DROP;
	case LUART_NXDOMAIN: return answer_rcode(conf, q, 3);
	case LUART_REFUSED: return answer_rcode(conf, q, 5);
	case LUART_SERVFAIL: return answer_rcode(conf, q, 2);
	case LUART_SPOOF: return spoof(conf, q, lua_tostring(L, -1));
	case LUART_ALLOW: return ACT_R_FORWARD;
	case LUART_HEADERMODIFY: return ACT_R_ANSWER; /* the function made q->buf the answer */
	case LUART_POOL:
		q->pool = fe_conf_find_pool(conf, lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
		return ACT_R_FORWARD;
	case LUART_DELAY:
		q->delay_ms = delay_value(L);
		return ACT_R_CONTINUE;
	case LUART_TRUNCATE:
		if (q->tcp)
			return ACT_R_CONTINUE;
		return query_respond_tc(q, conf) < 0 ? ACT_R_DROP : ACT_R_ANSWER;
	case LUART_NORECURSE:
		q->buf[2] &= 0xfe;
		q->hdr.flags &= (uint16_t)~DG_FLAG_RD;
		return ACT_R_CONTINUE;
	default:
		return ACT_R_CONTINUE; /* None, NoOp, and anything unknown */
	}
}

/* Applies a LuaResponseAction's (action, value) on top of the stack. */
static enum act_result resp_result(lua_State *L, struct fe_query *q)
{
	switch (lua_tointeger(L, -2)) {
	case LUART_R_ALLOW: return ACT_R_FORWARD;
	case LUART_R_DROP: return ACT_R_DROP;
	case LUART_R_HEADERMODIFY: return ACT_R_ANSWER;
	case LUART_R_SERVFAIL:
		q->buf[3] = (uint8_t)((q->buf[3] & 0xf0) | 2);
		q->hdr.flags = (uint16_t)(q->buf[2] << 8 | q->buf[3]);
		return ACT_R_ANSWER;
	case LUART_R_DELAY:
		q->delay_ms = delay_value(L);
		return ACT_R_CONTINUE;
	default:
		return ACT_R_CONTINUE;
	}
}

int luart_action(struct luart *rt, const struct fe_conf *conf, unsigned id, struct fe_query *q,
		 bool response)
{
	struct luart_w *w = worker_state(rt, q->worker, id);
	if (w == NULL)
		return ACT_R_CONTINUE;
	const char *what = response ? "LuaResponseAction" : "LuaAction";
	if (!call(w, q->worker, id, conf, q, response, 2, what)) {
		/* dnsdist answers SERVFAIL when a Lua action fails */
		if (!response)
			return answer_rcode(conf, q, 2);
		q->buf[3] = (uint8_t)((q->buf[3] & 0xf0) | 2);
		return ACT_R_ANSWER;
	}
	enum act_result r = response ? resp_result(w->L, q) : query_result(w->L, conf, q);
	lua_settop(w->L, 0);
	return r;
}
