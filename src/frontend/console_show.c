/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The console commands: showServers, showPools, showACL, showConsoleACL,
 * showVersion, dumpStats, showCacheHitResponseCounts, shutdown and the
 * QPS sampler behind showServers (the top* commands are in console_top.c).
 * Output follows dnsdist 1.7.3's columns, which it lays out with
 * boost::format tab stops ("%|25t|": pad with spaces up to column 25 if
 * the line is shorter); line_tab() does the same, so `dnsdist -c` users see
 * the table they know. Counters are the workers' own (stats.h), summed on
 * read; nothing here stops or slows a worker. Console thread only.
 */
#include <stdarg.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/console.h"
#include "frontend/daemon.h"
#include "frontend/pcache.h"
#include "frontend/policy.h"
#include "frontend/web_int.h"
#include "frontend/worker.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/sockaddr.h"

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* A line being laid out in columns. */
struct line {
	char buf[1024];
	size_t len;
};

static void line_add(struct line *l, const char *fmt, ...) DG_PRINTF(2, 3);

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + (size_t)n < sizeof(l->buf) ? l->len + (size_t)n : sizeof(l->buf) - 1;
}

/* boost::format's %|Nt|: spaces up to column n, nothing if already past it. */
static void line_tab(struct line *l, size_t col)
{
	while (l->len < col && l->len + 1 < sizeof(l->buf))
		l->buf[l->len++] = ' ';
	l->buf[l->len] = '\0';
}

/* Text collected for one command, printed at once (cfg_print). */
struct text {
	char *p;
	size_t len;
	FILE *f;
};

static void text_open(lua_State *L, struct text *t)
{
	t->p = NULL;
	t->len = 0;
	t->f = open_memstream(&t->p, &t->len);
	if (t->f == NULL)
		cfg_error(L, "out of memory");
}

static void text_line(struct text *t, const struct line *l)
{
	fwrite(l->buf, 1, l->len, t->f);
	fputc('\n', t->f);
}

/* Prints the text through print() and frees it (Lua keeps its own copy). */
static void text_print(lua_State *L, struct text *t)
{
	fclose(t->f);
	lua_pushlstring(L, t->p ? t->p : "", t->len);
	free(t->p);
	size_t n;
	const char *s = lua_tolstring(L, -1, &n);
	if (n > 0)
		cfg_print(L, s, n);
	lua_pop(L, 1);
}

/* The runtime view, or an error naming the command outside the console. */
static struct console_rt *need_rt(lua_State *L, const char *func)
{
	struct console_rt *rt = console_rt_get(L);
	if (rt == NULL)
		cfg_error(L, "%s() is a console command (dnsgate -c)", func);
	return rt;
}

void console_cmds_sample(struct console_rt *rt, uint64_t now_us)
{
	const struct console_src *src = rt->src;
	double dt = rt->prev_us && now_us > rt->prev_us ? (double)(now_us - rt->prev_us) / 1e6 : 0;
	for (int i = 0; i < src->conf->nbackends; i++) {
		struct console_be_sample cur = { 0 }, *s = &rt->be[i];
		for (unsigned k = 0; k < src->nworkers; k++) {
			const struct fe_be_stats *b = &src->workers[k].stats.be[i];
			cur.queries += LD(b->queries);
			cur.drops += LD(b->timeouts) + LD(b->send_errors);
			cur.responses += LD(b->responses);
			cur.lat_sum_us += LD(b->latency_sum_us);
		}
		if (dt > 0) {
			cur.qps = (double)(cur.queries - s->queries) / dt;
			cur.drate = (double)(cur.drops - s->drops) / dt;
		}
		/* latency of the last second's answers; the lifetime mean when idle */
		uint64_t dr = cur.responses - s->responses;
		if (dr > 0 && dt > 0)
			cur.lat_ms = (double)(cur.lat_sum_us - s->lat_sum_us) / (double)dr / 1000.0;
		else if (cur.responses > 0)
			cur.lat_ms = (double)cur.lat_sum_us / (double)cur.responses / 1000.0;
		*s = cur;
	}
	rt->prev_us = now_us;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The backend's pools, sorted, space-separated (the default pool is ""). */
static void be_pools(const struct fe_backend *be, char *out, size_t outsz)
{
	const char *names[64];
	int n = be->npools < 64 ? be->npools : 64;
	for (int i = 0; i < n; i++)
		names[i] = be->pools[i];
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + len, outsz - len, "%s%s", i > 0 ? " " : "", names[i]);
		if (w < 0 || (size_t)w >= outsz - len)
			break;
		len += (size_t)w;
	}
}

/* One row of showServers(); strings for the header and the "All" line. */
struct srv_row {
	const char *idx, *name, *addr, *state, *qps, *qlim, *ord, *wt, *queries, *drops, *drate,
		*lat, *out, *pools;
};

static void srv_line(struct text *t, const struct srv_row *r)
{
	struct line l = { .len = 0 };
	line_add(&l, "%-3s %-20.20s ", r->idx, r->name);
	line_tab(&l, 25);
	line_add(&l, "%s ", r->addr);
	line_tab(&l, 55);
	line_add(&l, "%5s ", r->state);
	line_tab(&l, 51);
	line_add(&l, "%7s ", r->qps);
	line_tab(&l, 66);
	line_add(&l, "%7s ", r->qlim);
	line_tab(&l, 69);
	line_add(&l, "%3s ", r->ord);
	line_tab(&l, 78);
	line_add(&l, "%2s ", r->wt);
	line_tab(&l, 80);
	line_add(&l, "%10s ", r->queries);
	line_tab(&l, 86);
	line_add(&l, "%7s ", r->drops);
	line_tab(&l, 91);
	line_add(&l, "%5s ", r->drate);
	line_tab(&l, 109);
	line_add(&l, "%5s ", r->lat);
	line_tab(&l, 115);
	line_add(&l, "%11s %s", r->out, r->pools);
	text_line(t, &l);
}

/* Numbers of one backend as text (the row borrows these buffers). */
struct srv_txt {
	char idx[16], addr[DG_SOCKADDR_STRLEN], qps[32], ord[16], wt[16], queries[32], drops[32],
		drate[32], lat[32], out[32], pools[512];
};

static void srv_fill(const struct fe_backend *be, const struct console_be_sample *s,
		     struct srv_txt *x, struct srv_row *r)
{
	uint64_t gone = s->responses + s->drops;
	if (dg_sockaddr_to_str(&be->addr, x->addr, sizeof(x->addr)) < 0)
		x->addr[0] = '\0';
	snprintf(x->idx, sizeof(x->idx), "%d", be->index);
	snprintf(x->qps, sizeof(x->qps), "%.1f", s->qps);
	snprintf(x->ord, sizeof(x->ord), "%d", be->order);
	snprintf(x->wt, sizeof(x->wt), "%d", be->weight);
	snprintf(x->queries, sizeof(x->queries), "%llu", (unsigned long long)s->queries);
	snprintf(x->drops, sizeof(x->drops), "%llu", (unsigned long long)s->drops);
	snprintf(x->drate, sizeof(x->drate), "%.1f", s->drate);
	snprintf(x->lat, sizeof(x->lat), "%.1f", s->lat_ms);
	/* in flight: sent and neither answered nor given up yet */
	snprintf(x->out, sizeof(x->out), "%llu",
		 (unsigned long long)(s->queries > gone ? s->queries - gone : 0));
	be_pools(be, x->pools, sizeof(x->pools));
	*r = (struct srv_row){ x->idx, be->name, x->addr, fe_backend_state_word(be), x->qps, "0", x->ord,
			       x->wt, x->queries, x->drops, x->drate, x->lat, x->out, x->pools };
}

/* showServers(): dnsdist's table, one row per backend in getServer(n) order. */
static int s_showServers(lua_State *L)
{
	struct console_rt *rt = need_rt(L, "showServers");
	const struct fe_conf *conf = rt->src->conf;
	struct text t;
	static const struct srv_row head = { "#", "Name", "Address", "State", "Qps", "Qlim",
					     "Ord", "Wt", "Queries", "Drops", "Drate", "Lat",
					     "Outstanding", "Pools" };
	console_cmds_sample(rt, dg_clock_now_us()); /* counts as of now, rates of the last interval */
	text_open(L, &t);
	srv_line(&t, &head);
	double qps = 0;
	uint64_t queries = 0, drops = 0;
	for (int i = 0; i < conf->nbackends; i++) {
		struct srv_txt x;
		struct srv_row r;
		srv_fill(conf->backends[i], &rt->be[i], &x, &r);
		srv_line(&t, &r);
		qps += rt->be[i].qps;
		queries += rt->be[i].queries;
		drops += rt->be[i].drops;
	}
	char q[32], n[32], d[32];
	snprintf(q, sizeof(q), "%.1f", qps);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)queries);
	snprintf(d, sizeof(d), "%llu", (unsigned long long)drops);
	struct srv_row all = { "All", "", "", "", q, "", "", "", n, d, "", "", "", "" };
	srv_line(&t, &all);
	text_print(L, &t);
	return 0;
}

static int cmp_pool(const void *a, const void *b)
{
	const struct fe_pool *x = *(const struct fe_pool *const *)a;
	const struct fe_pool *y = *(const struct fe_pool *const *)b;
	return strcmp(x->name, y->name);
}

static void pool_line(struct text *t, const char *name, const char *cache, const char *policy,
		      const char *servers)
{
	struct line l = { .len = 0 };
	line_add(&l, "%-20.20s ", name);
	line_tab(&l, 25);
	line_add(&l, "%20s %20s ", cache, policy);
	line_tab(&l, 50);
	line_add(&l, "%s", servers);
	text_line(t, &l);
}

/* "name address, name address" of a pool's servers. */
static void pool_servers(const struct fe_pool *p, char *out, size_t outsz)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < p->nservers; i++) {
		char addr[DG_SOCKADDR_STRLEN];
		if (dg_sockaddr_to_str(&p->servers[i]->addr, addr, sizeof(addr)) < 0)
			addr[0] = '\0';
		int w = snprintf(out + len, outsz - len, "%s%s %s", i > 0 ? ", " : "",
				 p->servers[i]->name, addr);
		if (w < 0 || (size_t)w >= outsz - len)
			break;
		len += (size_t)w;
	}
}

/* showPools(): name, cache fill, policy, servers; sorted by name as dnsdist. */
static int s_showPools(lua_State *L)
{
	const struct fe_conf *conf = cfg_conf(L);
	struct fe_pool **v = calloc((size_t)conf->npools + 1, sizeof(*v));
	if (v == NULL)
		return cfg_error(L, "showPools: out of memory");
	memcpy(v, conf->pools, (size_t)conf->npools * sizeof(*v));
	qsort(v, (size_t)conf->npools, sizeof(*v), cmp_pool);
	struct text t;
	text_open(L, &t);
	pool_line(&t, "Name", "Cache", "ServerPolicy", "Servers");
	for (int i = 0; i < conf->npools; i++) {
		char cache[64] = "", servers[2048];
		if (v[i]->cache != NULL) {
			struct pcache_stats st;
			pcache_get_stats(v[i]->cache, &st);
			snprintf(cache, sizeof(cache), "%llu/%llu", (unsigned long long)st.entries,
				 (unsigned long long)st.max_entries);
		}
		pool_servers(v[i], servers, sizeof(servers));
		pool_line(&t, v[i]->name, cache,
			  policy_name(v[i]->has_policy ? v[i]->policy : conf->policy), servers);
	}
	free(v);
	text_print(L, &t);
	return 0;
}

static void nmg_line(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct text *t = ctx;
	char txt[DG_NETMASK_STRLEN];
	if (dg_netmask_to_str(nm, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	fprintf(t->f, "%s%s\n", negate ? "!" : "", txt);
}

static void show_nmg(lua_State *L, const struct dg_nmg *g)
{
	struct text t;
	text_open(L, &t);
	dg_nmg_foreach(g, nmg_line, &t);
	text_print(L, &t);
}

/* showACL(): one netmask per line, IPv4 first, in address order. */
static int s_showACL(lua_State *L)
{
	show_nmg(L, &cfg_conf(L)->acl);
	return 0;
}

static int s_showConsoleACL(lua_State *L)
{
	show_nmg(L, &cfg_conf(L)->console_acl);
	return 0;
}

static int s_showVersion(lua_State *L)
{
	static const char v[] = "dnsgate " DNSGATE_VERSION;
	cfg_print(L, v, sizeof(v) - 1);
	return 0;
}

/* shutdown(): the daemon stops as on SIGTERM (in-flight TCP answered first). */
static int s_shutdown(lua_State *L)
{
	need_rt(L, "shutdown");
	daemon_request_stop();
	return 0;
}

/*
 * showCacheHitResponseCounts() (dnsgate's: the guide tells operators to type
 * it): per pool with a cache, its hits, misses, entries and hit ratio.
 */
static int s_showCacheHitResponseCounts(lua_State *L)
{
	const struct fe_conf *conf = cfg_conf(L);
	struct text t;
	text_open(L, &t);
	fprintf(t.f, "%-20s %12s %12s %12s %10s\n", "Pool", "Hits", "Misses", "Entries",
		"Hit ratio");
	for (int i = 0; i < conf->npools; i++) {
		const struct fe_pool *p = conf->pools[i];
		if (p->cache == NULL)
			continue;
		struct pcache_stats st;
		pcache_get_stats(p->cache, &st);
		uint64_t lookups = st.hits + st.misses;
		fprintf(t.f, "%-20s %12llu %12llu %12llu %9.1f%%\n",
			p->name[0] ? p->name : "(default)", (unsigned long long)st.hits,
			(unsigned long long)st.misses, (unsigned long long)st.entries,
			lookups ? 100.0 * (double)st.hits / (double)lookups : 0.0);
	}
	text_print(L, &t);
	return 0;
}

/* The console's own counters, as extra statistics. */
static size_t console_stats(const struct console_rt *rt, struct web_stat *out)
{
	const struct console_counters *c = console_counters(rt->console);
	static const char *const names[CONSOLE_REFUSE_COUNT] = {
		[CONSOLE_REFUSE_ACL] = "console-acl-drops",
		[CONSOLE_REFUSE_NOKEY] = "console-nokey-drops",
		[CONSOLE_REFUSE_LIMIT] = "console-limit-drops",
		[CONSOLE_REFUSE_AUTH] = "console-auth-failures",
	};
	size_t n = 0;
	out[n++] = (struct web_stat){ "console-connections", NULL, true, (double)LD(c->accepted) };
	out[n++] = (struct web_stat){ "console-commands", NULL, true, (double)LD(c->commands) };
	for (int i = 0; i < CONSOLE_REFUSE_COUNT; i++)
		out[n++] = (struct web_stat){ names[i], NULL, true, (double)LD(c->refused[i]) };
	return n;
}

static int cmp_stat(const void *a, const void *b)
{
	return strcmp(((const struct web_stat *)a)->name, ((const struct web_stat *)b)->name);
}

/* One "name<TAB>value" cell of dumpStats (dnsdist: "%-35s\t%+11s"). */
static void stat_cell(const struct web_stat *s, char *out, size_t outsz)
{
	char v[64];
	/* dnsdist keeps its averages as doubles ("    %9.1f"), everything else
	 * as integer counters and gauges */
	if (strncmp(s->name, "latency-avg", 11) == 0)
		snprintf(v, sizeof(v), "    %9.1f", s->value);
	else
		snprintf(v, sizeof(v), "%llu", (unsigned long long)(s->value + 0.5));
	snprintf(out, outsz, "%-35s\t%11s", s->name, v);
}

/* dumpStats(): every statistic, sorted, in two columns (left half, right half). */
static int s_dumpStats(lua_State *L)
{
	struct console_rt *rt = need_rt(L, "dumpStats");
	struct web_snap snap;
	struct web_stat list[96];
	if (web_snap_init(&snap, rt->src->conf->nbackends) < 0)
		return cfg_error(L, "dumpStats: out of memory");
	for (unsigned k = 0; k < rt->src->nworkers; k++)
		stats_sum(&snap.sum, &rt->src->workers[k].stats);
	snap.taken_us = dg_clock_now_us();
	snap.start_us = rt->src->start_us;
	size_t n = web_stats_list(NULL, &snap, list, DG_ARRAY_SIZE(list) - 8);
	web_snap_free(&snap);
	n += console_stats(rt, list + n);
	qsort(list, n, sizeof(list[0]), cmp_stat);
	struct text t;
	text_open(L, &t);
	size_t left = n / 2;
	for (size_t i = 0; i < n - left; i++) {
		char a[160] = "", b[160];
		struct line l = { .len = 0 };
		if (i < left)
			stat_cell(&list[i], a, sizeof(a));
		stat_cell(&list[left + i], b, sizeof(b));
		line_add(&l, "%s ", a);
		line_tab(&l, 51);
		line_add(&l, "%s", b);
		text_line(&t, &l);
	}
	text_print(L, &t);
	return 0;
}

const struct cfg_fn console_fns[] = {
	{ "showServers", s_showServers },
	{ "showPools", s_showPools },
	{ "showACL", s_showACL },
	{ "showConsoleACL", s_showConsoleACL },
	{ "showVersion", s_showVersion },
	{ "dumpStats", s_dumpStats },
	{ "showCacheHitResponseCounts", s_showCacheHitResponseCounts },
	{ "topQueries", console_top_queries },
	{ "topClients", console_top_clients },
	{ "topResponses", console_top_responses },
	{ "shutdown", s_shutdown },
	{ NULL, NULL },
};
