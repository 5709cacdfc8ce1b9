/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * GET /metrics: the Prometheus text exposition (format 0.0.4) with
 * dnsdist's metric names, labels and help texts, so dashboards and alerts
 * written for dnsdist work unchanged; dnsgate's own additions (per-backend
 * latency histogram, drops by reason, answers by RCODE, web refusals) are
 * named dnsgate_*.
 */
#include <stdio.h>
#include <string.h>

#include "frontend/conf.h"
#include "frontend/pcache.h"
#include "frontend/rules.h"
#include "frontend/web_int.h"

#define LD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

/* Copies a label value with \, " and newline escaped as the format requires. */
static void label_escape(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	for (; *in != '\0' && o + 3 < outsz; in++) {
		char c = *in;
		if (c == '\\' || c == '"' || c == '\n') {
			out[o++] = '\\';
			c = c == '\n' ? 'n' : c;
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

static void head(struct webbuf *b, const char *name, const char *type, const char *help)
{
	webbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_globals(const struct web *web, const struct web_snap *s, struct webbuf *b)
{
	struct web_stat st[64];
	size_t n = web_stats_list(web, s, st, DG_ARRAY_SIZE(st));
	for (size_t i = 0; i < n; i++) {
		if (st[i].help == NULL) /* latency-sum/-count: dnsdist leaves them out too */
			continue;
		char name[64];
		snprintf(name, sizeof(name), "dnsdist_%s", st[i].name);
		for (char *p = name; *p; p++)
			*p = *p == '-' ? '_' : *p;
		head(b, name, st[i].counter ? "counter" : "gauge", st[i].help);
		webbuf_printf(b, "%s %.17g\n", name, st[i].value);
	}
}

/* dnsdist_latency: dnsdist's global histogram, in milliseconds. */
static void render_latency(const struct web *web, const struct web_snap *s, struct webbuf *b)
{
	struct web_stat st[64];
	size_t n = web_stats_list(web, s, st, DG_ARRAY_SIZE(st));
	static const char *const buckets[][2] = {
		{ "latency0-1", "1" },	    { "latency1-10", "10" },	 { "latency10-50", "50" },
		{ "latency50-100", "100" }, { "latency100-1000", "1000" }, { "latency-slow", "+Inf" },
	};
	double acc = 0, sum = 0, count = 0;
	head(b, "dnsdist_latency", "histogram", "Histogram of responses by latency (in milliseconds)");
	for (size_t k = 0; k < DG_ARRAY_SIZE(buckets); k++) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(st[i].name, buckets[k][0]) == 0)
				acc += st[i].value;
		webbuf_printf(b, "dnsdist_latency_bucket{le=\"%s\"} %.17g\n", buckets[k][1], acc);
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(st[i].name, "latency-sum") == 0)
			sum = st[i].value;
		if (strcmp(st[i].name, "latency-count") == 0)
			count = st[i].value;
	}
	webbuf_printf(b, "dnsdist_latency_sum %.17g\ndnsdist_latency_count %.17g\n", sum, count);
}

/* One backend's series; label is {server="...",address="..."}. */
static void render_server(const struct web *web, const struct web_snap *s, int i,
			  const char *label, struct webbuf *b)
{
	const struct fe_backend *be = web->src.conf->backends[i];
	const struct fe_be_stats *c = &s->sum.be[i];
	bool up = fe_backend_is_up(be);
	unsigned long long done = LD(c->responses) + LD(c->timeouts) + LD(c->send_errors);
	unsigned long long q = LD(c->queries);

	webbuf_printf(b, "dnsdist_server_status%s %d\n", label, up ? 1 : 0);
	webbuf_printf(b, "dnsdist_server_queries%s %llu\n", label, q);
	webbuf_printf(b, "dnsdist_server_responses%s %llu\n", label, LD(c->responses));
	webbuf_printf(b, "dnsdist_server_drops%s %llu\n", label, LD(c->timeouts));
	if (up)
		webbuf_printf(b, "dnsdist_server_latency%s %.17g\n", label, s->be_lat_ms[i]);
	webbuf_printf(b, "dnsdist_server_senderrors%s %llu\n", label, LD(c->send_errors));
	webbuf_printf(b, "dnsdist_server_outstanding%s %llu\n", label, q > done ? q - done : 0);
	webbuf_printf(b, "dnsdist_server_order%s %d\n", label, be->order);
	webbuf_printf(b, "dnsdist_server_weight%s %d\n", label, be->weight);
}

static void render_server_hist(const struct web_snap *s, int i, const char *lab,
			       struct webbuf *b)
{
	const struct fe_be_stats *c = &s->sum.be[i];
	unsigned long long acc = 0;
	/* lab is "server=...,address=..." without braces, to append le. */
	for (unsigned k = 0; k < FE_LAT_BUCKETS; k++) {
		acc += LD(c->latency_hist[k]);
		if (k + 1 < FE_LAT_BUCKETS)
			webbuf_printf(b, "dnsgate_server_latency_seconds_bucket{%s,le=\"%g\"} %llu\n",
				      lab, fe_lat_bounds_us[k] / 1e6, acc);
		else
			webbuf_printf(b, "dnsgate_server_latency_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
				      lab, acc);
	}
	webbuf_printf(b, "dnsgate_server_latency_seconds_sum{%s} %.17g\n", lab,
		      (double)LD(c->latency_sum_us) / 1e6);
	webbuf_printf(b, "dnsgate_server_latency_seconds_count{%s} %llu\n", lab, acc);
}

static void server_label(const struct web *web, int i, char *lab, size_t labsz)
{
	char name[FE_NAME_MAX + 8], addr[64], ename[2 * sizeof(name)], eaddr[2 * sizeof(addr)];
	web_backend_names(web, i, name, sizeof(name), addr, sizeof(addr));
	/* dnsdist writes '.' in server names as '_' in this label. */
	for (char *p = name; *p; p++)
		*p = *p == '.' ? '_' : *p;
	label_escape(name, ename, sizeof(ename));
	label_escape(addr, eaddr, sizeof(eaddr));
	snprintf(lab, labsz, "server=\"%s\",address=\"%s\"", ename, eaddr);
}

static void render_servers(const struct web *web, const struct web_snap *s, struct webbuf *b)
{
	static const char *const heads[][3] = {
		{ "status", "gauge", "Whether this backend is up (1) or down (0)" },
		{ "queries", "counter", "Amount of queries relayed to server" },
		{ "responses", "counter", "Amount of responses received from this server" },
		{ "drops", "counter", "Amount of queries not answered by server" },
		{ "latency", "gauge", "Server's latency when answering questions in milliseconds" },
		{ "senderrors", "counter", "Total number of OS send errors while relaying queries" },
		{ "outstanding", "gauge",
		  "Current number of queries that are waiting for a backend response" },
		{ "order", "gauge", "The order in which this server is picked" },
		{ "weight", "gauge", "The weight within the order in which this server is picked" },
	};
	char name[64], lab[512], braced[520];
	for (size_t k = 0; k < DG_ARRAY_SIZE(heads); k++) {
		snprintf(name, sizeof(name), "dnsdist_server_%s", heads[k][0]);
		head(b, name, heads[k][1], heads[k][2]);
	}
	for (int i = 0; i < web->src.conf->nbackends; i++) {
		server_label(web, i, lab, sizeof(lab));
		snprintf(braced, sizeof(braced), "{%s}", lab);
		render_server(web, s, i, braced, b);
	}
	head(b, "dnsgate_server_tcp_queries_total", "counter",
	     "Amount of queries relayed to server over TCP");
	for (int i = 0; i < web->src.conf->nbackends; i++) {
		server_label(web, i, lab, sizeof(lab));
		webbuf_printf(b, "dnsgate_server_tcp_queries_total{%s} %llu\n", lab,
			      LD(s->sum.be[i].tcp_queries));
	}
	head(b, "dnsgate_server_latency_seconds", "histogram",
	     "Latency of the answers received from this server");
	for (int i = 0; i < web->src.conf->nbackends; i++) {
		server_label(web, i, lab, sizeof(lab));
		render_server_hist(s, i, lab, b);
	}
}

static void render_pools(const struct web *web, struct webbuf *b)
{
	static const char *const heads[][3] = {
		{ "servers", "gauge", "Number of servers in that pool" },
		{ "active_servers", "gauge", "Number of available servers in that pool" },
		{ "cache_size", "gauge", "Maximum number of entries that this cache can hold" },
		{ "cache_entries", "gauge", "Number of entries currently present in that cache" },
		{ "cache_hits", "counter", "Number of hits from that cache" },
		{ "cache_misses", "counter", "Number of misses from that cache" },
		{ "cache_deferred_inserts", "counter",
		  "Number of insertions into that cache skipped because it was already locked" },
		{ "cache_lookup_collisions", "counter",
		  "Number of lookups into that cache that triggered a collision (same hash but different entry)" },
	};
	char name[64], pool[2 * FE_NAME_MAX + 16];
	for (size_t k = 0; k < DG_ARRAY_SIZE(heads); k++) {
		snprintf(name, sizeof(name), "dnsdist_pool_%s", heads[k][0]);
		head(b, name, heads[k][1], heads[k][2]);
	}
	const struct fe_conf *conf = web->src.conf;
	for (int i = 0; i < conf->npools; i++) {
		const struct fe_pool *p = conf->pools[i];
		int up = 0;
		for (int j = 0; j < p->nservers; j++)
			up += fe_backend_is_up(p->servers[j]);
		label_escape(p->name[0] ? p->name : "_default_", pool, sizeof(pool));
		webbuf_printf(b, "dnsdist_pool_servers{pool=\"%s\"} %d\n", pool, p->nservers);
		webbuf_printf(b, "dnsdist_pool_active_servers{pool=\"%s\"} %d\n", pool, up);
		if (p->cache == NULL)
			continue;
		struct pcache_stats cs;
		pcache_get_stats(p->cache, &cs);
		const unsigned long long v[] = { cs.max_entries, cs.entries, cs.hits, cs.misses,
						 cs.deferred_inserts, cs.lookup_collisions };
		for (size_t k = 0; k < DG_ARRAY_SIZE(v); k++)
			webbuf_printf(b, "dnsdist_pool_%s{pool=\"%s\"} %llu\n", heads[k + 2][0], pool,
				      v[k]);
	}
}

static void render_rules(const struct web *web, struct webbuf *b)
{
	const struct fe_conf *conf = web->src.conf;
	head(b, "dnsdist_rule_hits", "counter", "Number of hits of that rule");
	/* the console may be replacing the chains: it holds ctl_lock meanwhile */
	pthread_mutex_lock((pthread_mutex_t *)&conf->ctl_lock);
	for (int pass = 0; pass < 2; pass++) {
		const struct fe_rule_entry *r = pass == 0 ? conf->rules : conf->resp_rules;
		int n = pass == 0 ? conf->nrules : conf->nresp_rules;
		for (int i = 0; i < n; i++) {
			char id[2 * FE_NAME_MAX + 8];
			if (r[i].name[0])
				label_escape(r[i].name, id, sizeof(id));
			else
				rule_uuid_str(&r[i], id);
			webbuf_printf(b, "dnsdist_rule_hits{id=\"%s\"} %llu\n", id,
				      (unsigned long long)rule_matches(&r[i]));
		}
	}
	pthread_mutex_unlock((pthread_mutex_t *)&conf->ctl_lock);
}

/* dnsgate's own series: drops by reason, answers by RCODE, web refusals. */
static void render_dnsgate(const struct web *web, const struct web_snap *s, struct webbuf *b)
{
	static const char *const refuse[WEB_REFUSE_COUNT] = { "acl", "apikey", "password" };
	head(b, "dnsgate_drops_total", "counter", "Queries and responses dropped, by reason");
	for (int i = 0; i < FE_DROP_COUNT; i++)
		webbuf_printf(b, "dnsgate_drops_total{reason=\"%s\"} %llu\n",
			      stats_drop_name((enum fe_drop)i), LD(s->sum.drops[i]));
	head(b, "dnsgate_frontend_responses_total", "counter",
	     "Answers sent to clients, by RCODE (header bits)");
	for (int i = 0; i < 16; i++)
		webbuf_printf(b, "dnsgate_frontend_responses_total{rcode=\"%d\"} %llu\n", i,
			      LD(s->sum.rcodes[i]));
	head(b, "dnsgate_web_refused_total", "counter",
	     "Web server requests refused, by reason (ACL, API key, password)");
	for (int i = 0; i < WEB_REFUSE_COUNT; i++)
		webbuf_printf(b, "dnsgate_web_refused_total{reason=\"%s\"} %llu\n", refuse[i],
			      LD(web->refused[i]));
	head(b, "dnsdist_info", "gauge", "Info from dnsdist, value is always 1");
	webbuf_printf(b, "dnsdist_info{version=\"dnsgate-" DNSGATE_VERSION "\"} 1\n");
}

void webmetrics_render(const struct web *web, const struct web_snap *s, struct webbuf *out)
{
	render_globals(web, s, out);
	render_latency(web, s, out);
	render_servers(web, s, out);
	render_pools(web, out);
	render_rules(web, out);
	render_dnsgate(web, s, out);
	webvrrp_metrics(web->src.conf, out);
}
