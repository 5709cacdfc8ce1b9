/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The JSON API, built with jansson: /api/v1/servers/localhost in dnsdist's
 * shape (daemon_type, version, servers, frontends, pools, rules,
 * response-rules, acl, local, statistics) plus a "dnsgate" object the
 * dashboard uses (QPS history, refusals, top clients), and /jsonstat?command=stats.
 * Every json_*_new result may be NULL on OOM; jansson's set_new/append_new
 * functions accept NULL and fail, and json_dumps of a partial tree is
 * still valid JSON, so OOM costs fields, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "frontend/conf.h"
#include "frontend/pcache.h"
#include "frontend/rules.h"
#include "frontend/tops.h"
#include "frontend/web_int.h"
#include "lib/nmg.h"
#include "lib/sockaddr.h"

#define LDD(x) ((double)atomic_load_explicit(&(x), memory_order_relaxed))

/* Whole numbers as JSON integers (counters print as 3, not 3.0). */
static json_t *num(double v)
{
	if (v == (double)(json_int_t)v && v < 9007199254740992.0 && v > -9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *stats_object(const struct web *web, const struct web_snap *s)
{
	struct web_stat st[64];
	size_t n = web_stats_list(web, s, st, DG_ARRAY_SIZE(st));
	json_t *o = json_object();
	for (size_t i = 0; o != NULL && i < n; i++)
		json_object_set_new(o, st[i].name, num(st[i].value));
	return o;
}

static json_t *server_json(const struct web *web, const struct web_snap *s, int i)
{
	const struct fe_backend *be = web->src.conf->backends[i];
	const struct fe_be_stats *c = &s->sum.be[i];
	char name[FE_NAME_MAX + 8], addr[64];
	web_backend_names(web, i, name, sizeof(name), addr, sizeof(addr));
	double q = LDD(c->queries), done = LDD(c->responses) + LDD(c->timeouts) + LDD(c->send_errors);
	json_t *pools = json_array();
	for (int j = 0; pools != NULL && j < be->npools; j++)
		json_array_append_new(pools, json_string(be->pools[j]));
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:f, s:i, s:o, s:o, s:i, s:i, s:o, s:f, s:o,"
			      " s:o, s:o, s:o}",
			      "id", i, "name", name, "address", addr, "state", fe_backend_state_word(be),
			      "protocol", be->tcp_only ? "TCP" : "Do53", "qps", s->be_qps[i],
			      "qpsLimit", 0, "outstanding", num(q > done ? q - done : 0.0), "reuseds",
			      num(LDD(c->timeouts)), "weight", be->weight, "order", be->order, "pools",
			      pools ? pools : json_array(), "latency", s->be_lat_ms[i], "queries", num(q),
			      "responses", num(LDD(c->responses)), "sendErrors", num(LDD(c->send_errors)),
			      "tcpQueries", num(LDD(c->tcp_queries)));
	if (o != NULL && atomic_load_explicit(&be->admin, memory_order_relaxed) == FE_ADMIN_DOWN)
		json_object_set_new(o, "latency", json_null()); /* as dnsdist: no latency when DOWN */
	return o;
}

static json_t *pool_json(const struct fe_pool *p, int id)
{
	struct pcache_stats cs = { 0 };
	if (p->cache != NULL)
		pcache_get_stats(p->cache, &cs);
	int up = 0;
	for (int j = 0; j < p->nservers; j++)
		up += fe_backend_is_up(p->servers[j]);
	return json_pack("{s:i, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id", id, "name",
			 p->name, "serversCount", p->nservers, "activeServers", up, "cacheSize",
			 (json_int_t)cs.max_entries, "cacheEntries", (json_int_t)cs.entries, "cacheHits",
			 (json_int_t)cs.hits, "cacheMisses", (json_int_t)cs.misses,
			 "cacheDeferredInserts", (json_int_t)cs.deferred_inserts,
			 "cacheLookupCollisions", (json_int_t)cs.lookup_collisions, "cacheEvictions",
			 (json_int_t)cs.evictions);
}

static json_t *rules_json(const struct fe_rule_entry *r, int n)
{
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < n; i++) {
		char rule[256], action[256], uuid[37];
		if (rule_describe(r[i].rule, rule, sizeof(rule)) < 0)
			rule[0] = '\0';
		if (action_describe(r[i].action, action, sizeof(action)) < 0)
			action[0] = '\0';
		rule_uuid_str(&r[i], uuid);
		json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:s, s:o, s:s, s:s}", "id", i,
						   "creationOrder", i, "uuid", uuid, "name", r[i].name,
						   "matches", num((double)rule_matches(&r[i])), "rule", rule,
						   "action", action));
	}
	return a;
}

static json_t *frontends_json(const struct fe_conf *conf)
{
	json_t *a = json_array();
	int id = 0;
	for (int i = 0; a != NULL && i < conf->nlisteners; i++) {
		const struct fe_listener *l = &conf->listeners[i];
		char addr[DG_SOCKADDR_STRLEN];
		if (dg_sockaddr_to_str(&l->addr, addr, sizeof(addr)) < 0)
			addr[0] = '\0';
		/* dnsdist lists one frontend per protocol. */
		for (int tcp = 0; tcp < 2; tcp++) {
			if (!(tcp ? l->do_tcp : l->do_udp))
				continue;
			json_array_append_new(a, json_pack("{s:i, s:s, s:b, s:b, s:s}", "id", id++,
							   "address", addr, "udp", !tcp, "tcp",
							   tcp, "type", tcp ? "TCP" : "UDP"));
		}
	}
	return a;
}

static void acl_append(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct webbuf *b = ctx;
	char txt[64];
	if (dg_netmask_to_str(nm, txt, sizeof(txt)) < 0)
		return;
	webbuf_printf(b, "%s%s%s", b->len ? ", " : "", negate ? "!" : "", txt);
}

static json_t *acl_json(const struct fe_conf *conf)
{
	struct webbuf b = { 0 };
	dg_nmg_foreach(&conf->acl, acl_append, &b);
	json_t *s = json_string(b.p && !b.oom ? b.p : "");
	webbuf_free(&b);
	return s;
}

/* Seconds of queries the dashboard's top clients count. */
#define WEB_TOP_SECONDS 60
/* Clients listed. */
#define WEB_TOP_CLIENTS 10

/* The clients with the most queries in the last WEB_TOP_SECONDS, most
 * first: [{client, queries}]; null when the server has no rings. */
static json_t *top_clients_json(const struct web *web, const struct web_snap *s)
{
	if (web->src.rings == NULL)
		return json_null();
	uint64_t since = s->taken_us > WEB_TOP_SECONDS * 1000000ull
				 ? s->taken_us - WEB_TOP_SECONDS * 1000000ull : 0;
	struct tally t = { .rcode = -1 };
	tops_count(&t, web->src.rings, TOPS_CLIENTS, since);
	size_t n = t.oom ? 0 : tops_sort(&t);
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n && i < WEB_TOP_CLIENTS; i++) {
		char addr[64];
		tops_key_text(&t, &t.ent[i], true, addr, sizeof(addr));
		json_array_append_new(a, json_pack("{s:s, s:I}", "client", addr, "queries",
						   (json_int_t)t.ent[i].count));
	}
	tops_free(&t);
	return a;
}

/* The dashboard's extras: QPS history (oldest first) and refusal counts. */
static json_t *dnsgate_json(const struct web *web, const struct web_snap *s)
{
	json_t *hist = json_array();
	for (unsigned i = 0; hist != NULL && i < s->nhist; i++)
		json_array_append_new(hist, num(s->hist[i]));
	return json_pack("{s:o, s:f, s:{s:o, s:o, s:o}, s:o, s:o}", "qpsHistory",
			 hist ? hist : json_array(), "qps", s->qps, "webRefused", "acl",
			 num(LDD(web->refused[WEB_REFUSE_ACL])), "apikey",
			 num(LDD(web->refused[WEB_REFUSE_APIKEY])), "password",
			 num(LDD(web->refused[WEB_REFUSE_PASSWORD])), "sampledAtMs",
			 num((double)(s->taken_us / 1000)), "topClients", top_clients_json(web, s));
}

char *webapi_servers(const struct web *web, const struct web_snap *s)
{
	const struct fe_conf *conf = web->src.conf;
	json_t *servers = json_array(), *pools = json_array();
	for (int i = 0; servers != NULL && i < conf->nbackends; i++)
		json_array_append_new(servers, server_json(web, s, i));
	for (int i = 0; pools != NULL && i < conf->npools; i++)
		json_array_append_new(pools, pool_json(conf->pools[i], i));
	json_t *root = json_object();
	if (root == NULL) {
		json_decref(servers);
		json_decref(pools);
		return NULL;
	}
	json_object_set_new(root, "daemon_type", json_string("dnsdist"));
	json_object_set_new(root, "version", json_string("dnsgate-" DNSGATE_VERSION));
	json_object_set_new(root, "servers", servers);
	json_object_set_new(root, "frontends", frontends_json(conf));
	json_object_set_new(root, "pools", pools);
	/* the console may be changing these: it holds ctl_lock meanwhile */
	pthread_mutex_lock(&((struct fe_conf *)conf)->ctl_lock);
	json_object_set_new(root, "rules", rules_json(conf->rules, conf->nrules));
	json_object_set_new(root, "response-rules", rules_json(conf->resp_rules, conf->nresp_rules));
	json_object_set_new(root, "acl", acl_json(conf));
	pthread_mutex_unlock(&((struct fe_conf *)conf)->ctl_lock);
	json_object_set_new(root, "statistics", stats_object(web, s));
	json_object_set_new(root, "dnsgate", dnsgate_json(web, s));
	json_object_set_new(root, "vrrp", webvrrp_json(conf));
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

char *webapi_jsonstat(const struct web *web, const struct web_snap *s)
{
	json_t *o = stats_object(web, s);
	if (o == NULL)
		return NULL;
	static const char *const policies[] = {
		[FE_POL_LEAST_OUTSTANDING] = "leastOutstanding", [FE_POL_FIRST_AVAILABLE] = "firstAvailable",
		[FE_POL_ROUNDROBIN] = "roundrobin",		[FE_POL_WRANDOM] = "wrandom",
		[FE_POL_WHASHED] = "whashed",			[FE_POL_CHASHED] = "chashed",
	};
	json_object_set_new(o, "server-policy", json_string(policies[web->src.conf->policy]));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
