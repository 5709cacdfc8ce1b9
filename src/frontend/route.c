/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The transport-independent query path (see route.h): ACL, parse, rules,
 * cache, backend selection. Every exit counts exactly one outcome.
 */
#include "frontend/route.h"

#define _LGPL_SOURCE /* inline RCU read side, see rules.c */
#include <urcu.h>

#include "frontend/dynblock.h"
#include "frontend/pcache.h"
#include "frontend/rings.h"
#include "frontend/rules.h"
#include "frontend/worker.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/log.h"

enum route_kind route_no_server(struct worker *w, struct fe_query *q)
{
	stats_drop(&w->stats, FE_DROP_NO_SERVER, 0);
	if (!w->conf->servfail_when_no_server)
		return ROUTE_DROP;
	/* dnsdist answers SERVFAIL itself rather than leave the client to time out. */
	if (query_respond_rcode(q, w->conf, 2) < 0)
		return ROUTE_DROP;
	STAT_INC(w->stats.self_answers);
	return ROUTE_ANSWER;
}

/* Looks the query up in its pool's cache; true on a hit (q now points at it). */
static bool cache_hit(struct worker *w, struct fe_query *q, struct route *r)
{
	struct pcache *pc = q->pool->cache;
	r->key = pcache_key(pc, q);
	uint8_t *out = worker_txbuf(w);
	if (out == NULL)
		return false;
	int n = pcache_lookup(pc, r->key, q, out, W_BUFSZ, q->now_us / 1000000);
	if (n <= 0) {
		STAT_INC(w->stats.cache_misses);
		r->cache = pc;
		return false;
	}
	STAT_INC(w->stats.cache_hits);
	q->buf = out;
	q->len = (size_t)n;
	q->cap = W_BUFSZ;
	/* Stored as the backend sent it: undo our ECS/OPT as on a fresh answer. */
	route_fix_answer(q);
	return true;
}

/*
 * The ECS option payload for q (RFC 7871 §6): SetECSAction's netmask, or
 * the client's address cut to setECSSourcePrefixV4/V6, so that a backend
 * learns the client's network but not the host.
 */
static int ecs_payload(const struct fe_conf *conf, const struct fe_query *q, uint8_t *out,
		       size_t outsz)
{
	struct dg_ecs ecs = { 0 };
	const struct dg_addr *a = q->ecs_value_set ? &q->ecs_value.addr : &q->client_addr;
	unsigned bits = a->family == AF_INET6 ? conf->ecs_v6_prefix : conf->ecs_v4_prefix;
	if (q->ecs_value_set)
		bits = q->ecs_value.bits;
	else if (q->ecs_prefix != 0)
		bits = q->ecs_prefix;
	if (a->family != AF_INET && a->family != AF_INET6)
		return DG_EINVAL;
	ecs.family = a->family == AF_INET6 ? DG_ECS_FAMILY_IP6 : DG_ECS_FAMILY_IP4;
	ecs.source_prefix = (uint8_t)bits;
	memcpy(ecs.addr, a->bytes, sizeof(ecs.addr));
	return dg_ecs_write(&ecs, out, outsz);
}

/*
 * dnsdist's handleEDNSClientSubnet: a query without OPT gets one
 * (advertising 512, dnsdist's g_EdnsUDPPayloadSize, so the backend sizes
 * its answer for the client that sent no EDNS); a query without ECS gets
 * ours; a client's own ECS is replaced only with setECSOverride(true).
 * Runs before the cache key is computed, so entries differ per subnet.
 */
static int add_ecs(const struct fe_conf *conf, struct fe_query *q)
{
	uint8_t opt[4 + 16];
	int n = ecs_payload(conf, q, opt, sizeof(opt));
	if (n < 0)
		return n;
	bool had_ecs = false;
	if (!q->has_opt) {
		int len = dg_edns_wire_add_opt(q->buf, q->len, q->cap, ROUTE_ADDED_PAYLOAD);
		if (len < 0)
			return len;
		q->opt_off = (uint16_t)q->len;
		q->len = (size_t)len;
		q->has_opt = true;
		q->edns_added = true;
	} else {
		int off = dg_edns_wire_find_option(q->buf, q->len, q->opt_off, DG_EDNS_OPT_ECS);
		if (off < 0 && off != DG_ENOTFOUND)
			return off;
		had_ecs = off >= 0;
		if (had_ecs && !q->ecs_override)
			return DG_OK;
	}
	int len = dg_edns_wire_set_option(q->buf, q->len, q->cap, q->opt_off, DG_EDNS_OPT_ECS, opt,
					  (uint16_t)n);
	if (len < 0)
		return len;
	q->len = (size_t)len;
	q->ecs_added = !had_ecs;
	return DG_OK;
}

void route_fix_answer(struct fe_query *q)
{
	if (!q->edns_added && !q->ecs_added)
		return;
	int off = dg_edns_wire_find(q->buf, q->len);
	if (off < 0)
		return; /* no OPT came back (or TC cut it): nothing to undo */
	int len = q->edns_added ? dg_edns_wire_remove_opt(q->buf, q->len, (size_t)off)
				: dg_edns_wire_remove_option(q->buf, q->len, (size_t)off,
							     DG_EDNS_OPT_ECS);
	if (len >= 0)
		q->len = (size_t)len;
}

/* True when a server of the pool adds ECS (useClientSubnet). */
static bool pool_has_ecs(const struct fe_pool *pool)
{
	for (int i = 0; i < pool->nservers; i++)
		if (pool->servers[i]->use_client_subnet)
			return true;
	return false;
}

/*
 * dnsdist's order: pick the backend, add its ECS, then look in the cache
 * (whose key covers the ECS), and only then give up for want of a server.
 * When no server of the pool can add ECS, the backend cannot change the
 * key, so it is picked only on a miss: a hit costs no policy run.
 */
/* addCacheHitResponseAction / addSelfAnsweredResponseAction on an answer. */
static enum route_kind answer_rules(struct worker *w, struct fe_query *q, bool cache_hit)
{
	if (rules_eval_answer(w->conf, q, cache_hit) == FE_V_ANSWER)
		return ROUTE_ANSWER;
	stats_drop(&w->stats, FE_DROP_RESP_RULE, 0);
	return ROUTE_DROP;
}

static void route_forward(struct worker *w, struct fe_query *q, struct route *r)
{
	/* the runtime pool (a scan of the worker's pools) only when needed */
	const struct pool_rt *prt = NULL;
	bool early = q->pool != NULL && q->use_ecs && pool_has_ecs(q->pool);
	if (early && (prt = worker_pool(w, q->pool)) != NULL)
		r->be = worker_select(w, prt, q);
	if (r->be != NULL && r->be->use_client_subnet && q->use_ecs) {
		int ret = add_ecs(w->conf, q);
		if (ret < 0) {
			/* no room for the option: counted by its error name */
			stats_drop(&w->stats, FE_DROP_MALFORMED, ret);
			return;
		}
	}
	if (q->pool != NULL && q->pool->cache != NULL && !q->skip_cache && cache_hit(w, q, r)) {
		r->kind = answer_rules(w, q, true);
		return;
	}
	if (!early && (prt = worker_pool(w, q->pool)) != NULL)
		r->be = worker_select(w, prt, q);
	if (r->be == NULL) {
		r->kind = route_no_server(w, q);
		return;
	}
	r->kind = ROUTE_FORWARD;
}

/* Rules, then the cache or a backend: the query path after parsing. */
static void route_decide(struct worker *w, struct fe_query *q, struct route *r)
{
	switch (rules_eval(w->conf, q)) {
	case FE_V_DROP:
		stats_drop(&w->stats, FE_DROP_RULE, 0);
		return;
	case FE_V_ANSWER:
		STAT_INC(w->stats.self_answers);
		r->kind = answer_rules(w, q, false);
		return;
	case FE_V_FORWARD:
		route_forward(w, q, r);
		return;
	}
}

/*
 * The ACL the daemon published (the console may replace it at any time:
 * RCU, see fe_conf_publish_acl); the configuration's own copy before that
 * (tests and fuzzers that run the query path without a daemon).
 */
static bool acl_allows(const struct fe_conf *conf, const struct dg_addr *addr)
{
	rcu_read_lock();
	const struct dg_nmg *acl = rcu_dereference(conf->acl_live);
	bool ok = dg_nmg_match(acl != NULL ? acl : &conf->acl, addr, NULL);
	rcu_read_unlock();
	return ok;
}

/*
 * Dynamic blocks come right after the ACL and before the rules, as in
 * dnsdist. True when a block decided what happens to q.
 */
static bool route_dynblock(struct worker *w, struct fe_query *q, struct route *r)
{
	const struct fe_conf *conf = w->conf;
	int ret;
	switch (dynblock_check(conf->dynblocks, w->index, &q->client_addr,
			       (enum dyn_action)conf->dynblock_action)) {
	case DYN_ACT_DEFAULT:
	case DYN_ACT_NOOP:
		return false;
	case DYN_ACT_REFUSED:
		ret = query_respond_rcode(q, conf, 5);
		break;
	case DYN_ACT_NXDOMAIN:
		ret = query_respond_rcode(q, conf, 3);
		break;
	case DYN_ACT_TRUNCATE:
		if (q->tcp)
			return false; /* dnsdist: truncation only makes sense over UDP */
		ret = query_respond_tc(q, conf);
		break;
	case DYN_ACT_DROP:
	default:
		stats_drop(&w->stats, FE_DROP_DYNBLOCK, 0);
		return true;
	}
	if (ret < 0) {
		stats_drop(&w->stats, FE_DROP_DYNBLOCK, 0);
		return true;
	}
	STAT_INC(w->stats.self_answers);
	r->kind = ROUTE_ANSWER;
	return true;
}

void route_query(struct worker *w, struct fe_query *q, struct route *r)
{
	const struct fe_conf *conf = w->conf;

	r->kind = ROUTE_DROP;
	r->be = NULL;
	r->cache = NULL;
	r->key = 0;
	STAT_INC(w->stats.queries);
	if (q->tcp)
		STAT_INC(w->stats.tcp_queries);
	if (dg_addr_from_sockaddr(&q->client_addr, &q->client.sa) < 0 ||
	    !acl_allows(conf, &q->client_addr)) {
		stats_drop(&w->stats, FE_DROP_ACL, 0);
		return;
	}
	int ret = query_parse(q, conf);
	if (ret < 0) {
		stats_drop(&w->stats, FE_DROP_MALFORMED, ret);
		return;
	}
	if (q->hdr.flags & DG_FLAG_RD)
		STAT_INC(w->stats.rd_queries);
	/* dnsdist records a query before its rules, so blocked and dropped
	 * clients stay visible to dynamic blocks and grepq. */
	rings_add_query(conf->rings, w->index, q);
	if (!route_dynblock(w, q, r))
		route_decide(w, q, r);
	if (r->kind == ROUTE_ANSWER && q->len >= DG_HDR_LEN)
		rings_add_response(conf->rings, w->index, q, q->buf[3] & 0x0f, q->len, 0, -1);
}
