/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The web server's numbers: the sampler's once-a-second sums and rates,
 * and dnsdist's global statistics list computed from them, defined once
 * here for /jsonstat, the API's "statistics" and /metrics alike.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "frontend/conf.h"
#include "frontend/web_int.h"
#include "frontend/worker.h"
#include "lib/err.h"
#include "lib/sockaddr.h"

#define LD(x) ((double)atomic_load_explicit(&(x), memory_order_relaxed))

void webbuf_printf(struct webbuf *b, const char *fmt, ...)
{
	for (int tries = 0; tries < 2 && !b->oom; tries++) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

void webbuf_free(struct webbuf *b)
{
	free(b->p);
	*b = (struct webbuf){ 0 };
}

/* Zeroes every counter of st, keeping its backend array. */
static void stats_zero(struct fe_stats *st)
{
	struct fe_be_stats *be = st->be;
	int nbe = st->nbe;
	memset(st, 0, sizeof(*st));
	if (nbe > 0)
		memset(be, 0, (size_t)nbe * sizeof(*be));
	st->be = be;
	st->nbe = nbe;
}

int web_snap_init(struct web_snap *s, int nbe)
{
	memset(s, 0, sizeof(*s));
	size_t n = (size_t)nbe + 1;
	s->sum.be = calloc(n, sizeof(*s->sum.be));
	s->sum.nbe = nbe;
	s->be_qps = calloc(n, sizeof(double));
	s->be_lat_ms = calloc(n, sizeof(double));
	if (s->sum.be == NULL || s->be_qps == NULL || s->be_lat_ms == NULL) {
		web_snap_free(s);
		return DG_ENOMEM;
	}
	return DG_OK;
}

void web_snap_free(struct web_snap *s)
{
	free(s->sum.be);
	free(s->be_qps);
	free(s->be_lat_ms);
	memset(s, 0, sizeof(*s));
}

/* Copies src into dst (same number of backends). */
static void snap_copy(struct web_snap *dst, const struct web_snap *src)
{
	int nbe = src->sum.nbe;
	stats_zero(&dst->sum);
	stats_sum(&dst->sum, &src->sum);
	dst->taken_us = src->taken_us;
	dst->start_us = src->start_us;
	dst->qps = src->qps;
	memcpy(dst->be_qps, src->be_qps, (size_t)nbe * sizeof(double));
	memcpy(dst->be_lat_ms, src->be_lat_ms, (size_t)nbe * sizeof(double));
	memcpy(dst->hist, src->hist, sizeof(dst->hist));
	dst->nhist = src->nhist;
}

void web_snap_get(struct web *web, struct web_snap *out)
{
	pthread_mutex_lock(&web->lock);
	snap_copy(out, &web->snap);
	pthread_mutex_unlock(&web->lock);
}

/* Rates over the interval since the previous tick (dt seconds). */
static void sample_rates(struct web *web, const struct fe_stats *cur, double dt)
{
	struct web_snap *s = &web->snap;
	const struct fe_stats *prev = &web->prev;
	s->qps = (LD(cur->queries) - LD(prev->queries)) / dt;
	for (int i = 0; i < cur->nbe; i++) {
		const struct fe_be_stats *c = &cur->be[i], *p = &prev->be[i];
		double answers = LD(c->responses) - LD(p->responses);
		s->be_qps[i] = (LD(c->queries) - LD(p->queries)) / dt;
		if (answers > 0)
			s->be_lat_ms[i] = (LD(c->latency_sum_us) - LD(p->latency_sum_us)) / answers / 1000;
		else if (LD(c->responses) > 0)
			s->be_lat_ms[i] = LD(c->latency_sum_us) / LD(c->responses) / 1000;
	}
	if (s->nhist == WEB_HISTORY)
		memmove(s->hist, s->hist + 1, (WEB_HISTORY - 1) * sizeof(double));
	else
		s->nhist++;
	s->hist[s->nhist - 1] = s->qps;
}

void web_sample(struct web *web, uint64_t now_us)
{
	struct web_snap *s = &web->snap;
	struct fe_stats *cur = &web->cur;

	stats_zero(cur);
	for (unsigned k = 0; k < web->src.nworkers; k++)
		stats_sum(cur, &web->src.workers[k].stats);
	pthread_mutex_lock(&web->lock);
	double dt = s->taken_us ? (double)(now_us - s->taken_us) / 1e6 : 0;
	if (dt > 0)
		sample_rates(web, cur, dt);
	s->taken_us = now_us;
	stats_zero(&s->sum);
	stats_sum(&s->sum, cur);
	pthread_mutex_unlock(&web->lock);
	stats_zero(&web->prev);
	stats_sum(&web->prev, cur);
}

/* Sum of one backend counter (at offset off in fe_be_stats) over every backend. */
static double be_sum_at(const struct web_snap *s, size_t off)
{
	double t = 0;
	for (int i = 0; i < s->sum.nbe; i++) {
		const _Atomic uint64_t *c = (const _Atomic uint64_t *)(const void *)((const char *)&s->sum.be[i] + off);
		t += (double)atomic_load_explicit(c, memory_order_relaxed);
	}
	return t;
}
#define BE_SUM(s, field) be_sum_at(s, offsetof(struct fe_be_stats, field))

/* Answers whose latency fell in histogram slots [lo, hi], all backends. */
static double lat_slots(const struct web_snap *s, unsigned lo, unsigned hi)
{
	double t = 0;
	for (int i = 0; i < s->sum.nbe; i++)
		for (unsigned k = lo; k <= hi; k++)
			t += LD(s->sum.be[i].latency_hist[k]);
	return t;
}

/* Resident memory in bytes (/proc/self/statm, second field in pages). */
static double rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static double fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	double n = 0;
	if (d == NULL)
		return 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own fd */
}

static double cpu_msec(bool user)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	const struct timeval *tv = user ? &ru.ru_utime : &ru.ru_stime;
	return (double)tv->tv_sec * 1000 + (double)tv->tv_usec / 1000;
}

/*
 * dnsdist's names and help texts (dnsdist-web.cc); the latency buckets use
 * the histogram slots whose bounds match dnsdist's (stats.h).
 */
size_t web_stats_list(const struct web *web, const struct web_snap *s, struct web_stat *out,
		      size_t max)
{
	(void)web;
	const struct fe_stats *t = &s->sum;
	double lat_count = lat_slots(s, 0, FE_LAT_BUCKETS - 1);
	const struct web_stat all[] = {
		{ "queries", "Number of received queries", true, LD(t->queries) },
		{ "responses", "Number of responses received from backends", true,
		  BE_SUM(s, responses) },
		{ "servfail-responses", "Number of SERVFAIL answers received from backends", true,
		  BE_SUM(s, servfails) },
		{ "frontend-noerror", "Number of NoError answers sent to clients", true,
		  LD(t->rcodes[0]) },
		{ "frontend-nxdomain", "Number of NXDomain answers sent to clients", true,
		  LD(t->rcodes[3]) },
		{ "frontend-servfail", "Number of SERVFAIL answers sent to clients", true,
		  LD(t->rcodes[2]) },
		{ "acl-drops", "Number of packets dropped because of the ACL", true,
		  LD(t->drops[FE_DROP_ACL]) },
		{ "rule-drop", "Number of queries dropped because of a rule", true,
		  LD(t->drops[FE_DROP_RULE]) },
		{ "self-answered", "Number of self-answered responses", true, LD(t->self_answers) },
		{ "downstream-timeouts", "Number of queries not answered in time by a backend", true,
		  BE_SUM(s, timeouts) },
		{ "downstream-send-errors", "Number of errors when sending a query to a backend",
		  true, BE_SUM(s, send_errors) },
		{ "no-policy", "Number of queries dropped because no server was available", true,
		  LD(t->drops[FE_DROP_NO_SERVER]) },
		{ "latency0-1", "Number of queries answered in less than 1ms", true,
		  lat_slots(s, 0, 2) },
		{ "latency1-10", "Number of queries answered in 1-10 ms", true, lat_slots(s, 3, 4) },
		{ "latency10-50", "Number of queries answered in 10-50 ms", true, lat_slots(s, 5, 5) },
		{ "latency50-100", "Number of queries answered in 50-100 ms", true,
		  lat_slots(s, 6, 6) },
		{ "latency100-1000", "Number of queries answered in 100-1000 ms", true,
		  lat_slots(s, 7, 8) },
		{ "latency-slow", "Number of queries answered in more than 1 second", true,
		  lat_slots(s, 9, 9) },
		{ "latency-sum", NULL, true, BE_SUM(s, latency_sum_us) / 1000 },
		{ "latency-count", NULL, true, lat_count },
		{ "uptime", "Uptime of the dnsdist process in seconds", false,
		  s->taken_us > s->start_us ? (double)((s->taken_us - s->start_us) / 1000000) : 0 },
		{ "real-memory-usage", "Current memory usage in bytes", false, rss_bytes() },
		{ "noncompliant-queries", "Number of queries dropped as non-compliant", true,
		  LD(t->drops[FE_DROP_MALFORMED]) },
		{ "noncompliant-responses",
		  "Number of answers from a backend dropped as non-compliant", true,
		  LD(t->drops[FE_DROP_RESP_MALFORMED]) },
		{ "rdqueries", "Number of received queries with the recursion desired bit set", true,
		  LD(t->rd_queries) },
		{ "cache-hits", "Number of times an answer was retrieved from cache", true,
		  LD(t->cache_hits) },
		{ "cache-misses", "Number of times an answer not found in the cache", true,
		  LD(t->cache_misses) },
		{ "cpu-user-msec", "Milliseconds spent by dnsdist in the user state", true,
		  cpu_msec(true) },
		{ "cpu-sys-msec", "Milliseconds spent by dnsdist in the system state", true,
		  cpu_msec(false) },
		{ "fd-usage", "Number of currently used file descriptors", false, fd_count() },
	};
	size_t n = DG_ARRAY_SIZE(all) < max ? DG_ARRAY_SIZE(all) : max;
	memcpy(out, all, n * sizeof(*out));
	return n;
}

void web_backend_names(const struct web *web, int i, char *name, size_t namesz, char *addr,
		       size_t addrsz)
{
	const struct fe_backend *be = web->src.conf->backends[i];
	if (dg_sockaddr_to_str(&be->addr, addr, addrsz) < 0 && addrsz > 0)
		addr[0] = '\0';
	snprintf(name, namesz, "%s", be->name[0] ? be->name : addr);
}
