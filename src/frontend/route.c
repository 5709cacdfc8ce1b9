/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The transport-independent query path (see route.h): ACL, parse, rules,
 * cache, backend selection. Every exit counts exactly one outcome.
 */
#include "frontend/route.h"

#include "frontend/pcache.h"
#include "frontend/rules.h"
#include "frontend/worker.h"
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
	return true;
}

static void route_forward(struct worker *w, struct fe_query *q, struct route *r)
{
	if (q->pool != NULL && q->pool->cache != NULL && !q->skip_cache && cache_hit(w, q, r)) {
		r->kind = ROUTE_ANSWER;
		return;
	}
	const struct pool_rt *prt = worker_pool(w, q->pool);
	r->be = prt != NULL ? worker_select(w, prt, q) : NULL;
	if (r->be == NULL) {
		r->kind = route_no_server(w, q);
		return;
	}
	r->kind = ROUTE_FORWARD;
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
	    !dg_nmg_match(&conf->acl, &q->client_addr, NULL)) {
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
	switch (rules_eval(conf, q)) {
	case FE_V_DROP:
		stats_drop(&w->stats, FE_DROP_RULE, 0);
		return;
	case FE_V_ANSWER:
		STAT_INC(w->stats.self_answers);
		r->kind = ROUTE_ANSWER;
		return;
	case FE_V_FORWARD:
		route_forward(w, q, r);
		return;
	}
}
