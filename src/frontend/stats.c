/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Per-worker counters, summed on read (see stats.h).
 */
#include "frontend/stats.h"

#include <stdarg.h>
#include <stdlib.h>

#include "lib/log.h"

static const char *const drop_names[FE_DROP_COUNT] = {
	[FE_DROP_ACL] = "acl",
	[FE_DROP_MALFORMED] = "malformed",
	[FE_DROP_RULE] = "rule",
	[FE_DROP_NO_SERVER] = "no-server",
	[FE_DROP_OUTSTANDING] = "max-outstanding",
	[FE_DROP_NOMEM] = "nomem",
	[FE_DROP_SEND] = "send-error",
	[FE_DROP_RESP_RULE] = "response-rule",
	[FE_DROP_RESP_UNMATCHED] = "response-unmatched",
	[FE_DROP_RESP_MALFORMED] = "response-malformed",
	[FE_DROP_TRUNCATED] = "oversized",
	[FE_DROP_TCP_LIMIT] = "tcp-limit",
	[FE_DROP_TCP_TIMEOUT] = "tcp-timeout",
	[FE_DROP_TCP_BADFRAME] = "tcp-bad-frame",
	[FE_DROP_DYNBLOCK] = "dyn-blocked",
};

const uint32_t fe_lat_bounds_us[FE_LAT_BUCKETS - 1] = {
	100, 500, 1000, 5000, 10000, 50000, 100000, 500000, 1000000,
};

void stats_init(struct fe_stats *st, int nbe)
{
	memset(st, 0, sizeof(*st));
	st->nbe = nbe;
	if (nbe > 0) {
		st->be = calloc((size_t)nbe, sizeof(*st->be));
		if (st->be == NULL) {
			dg_log(LOG_ERR, "stats", "out of memory");
			exit(1);
		}
	}
}

void stats_fini(struct fe_stats *st)
{
	free(st->be);
	st->be = NULL;
	st->nbe = 0;
}

size_t stats_err_slot(int err)
{
	if (err <= DG_E_BASE || err >= DG_E_END)
		return 0;
	return (size_t)(err - DG_E_BASE);
}

void stats_drop(struct fe_stats *st, enum fe_drop reason, int err)
{
	STAT_INC(st->drops[reason]);
	if (reason == FE_DROP_MALFORMED)
		STAT_INC(st->malformed[stats_err_slot(err)]);
}

const char *stats_drop_name(enum fe_drop reason)
{
	if ((unsigned)reason >= FE_DROP_COUNT)
		return "?";
	return drop_names[reason];
}

static void sum1(_Atomic uint64_t *dst, const _Atomic uint64_t *src)
{
	STAT_ADD(*dst, atomic_load_explicit(src, memory_order_relaxed));
}

static void sum_be(struct fe_be_stats *d, const struct fe_be_stats *s)
{
	sum1(&d->queries, &s->queries);
	sum1(&d->responses, &s->responses);
	sum1(&d->timeouts, &s->timeouts);
	sum1(&d->send_errors, &s->send_errors);
	sum1(&d->latency_sum_us, &s->latency_sum_us);
	sum1(&d->tcp_queries, &s->tcp_queries);
	sum1(&d->servfails, &s->servfails);
	for (size_t i = 0; i < FE_LAT_BUCKETS; i++)
		sum1(&d->latency_hist[i], &s->latency_hist[i]);
}

void stats_sum(struct fe_stats *dst, const struct fe_stats *src)
{
	sum1(&dst->queries, &src->queries);
	sum1(&dst->tcp_queries, &src->tcp_queries);
	sum1(&dst->responses, &src->responses);
	sum1(&dst->self_answers, &src->self_answers);
	sum1(&dst->cache_hits, &src->cache_hits);
	sum1(&dst->cache_misses, &src->cache_misses);
	sum1(&dst->tcp_conns, &src->tcp_conns);
	for (size_t i = 0; i < FE_DROP_COUNT; i++)
		sum1(&dst->drops[i], &src->drops[i]);
	for (size_t i = 0; i < FE_ERR_SLOTS; i++)
		sum1(&dst->malformed[i], &src->malformed[i]);
	for (size_t i = 0; i < DG_ARRAY_SIZE(dst->rcodes); i++)
		sum1(&dst->rcodes[i], &src->rcodes[i]);
	sum1(&dst->rd_queries, &src->rd_queries);
	for (int i = 0; i < dst->nbe && i < src->nbe; i++)
		sum_be(&dst->be[i], &src->be[i]);
}

/* Appends to out at *pos, never past outsz - 1; keeps *pos at the end. */
DG_PRINTF(4, 5)
static void append(char *out, size_t outsz, size_t *pos, const char *fmt, ...)
{
	if (*pos + 1 >= outsz)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *pos, outsz - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < outsz - *pos ? (size_t)n : outsz - *pos - 1;
}

#define LD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

static void format_malformed(const struct fe_stats *st, char *out, size_t outsz, size_t *pos)
{
	const char *sep = " (";
	for (size_t i = 0; i < FE_ERR_SLOTS; i++) {
		if (LD(st->malformed[i]) == 0)
			continue;
		const char *name = i == 0 ? "other" : dg_errname(DG_E_BASE + (int)i);
		append(out, outsz, pos, "%s%s=%llu", sep, name, LD(st->malformed[i]));
		sep = " ";
	}
	if (sep[0] == ' ' && sep[1] == '\0')
		append(out, outsz, pos, ")");
}

size_t stats_format(const struct fe_stats *st, char *out, size_t outsz)
{
	size_t pos = 0;
	if (outsz == 0)
		return 0;
	out[0] = '\0';
	append(out, outsz, &pos,
	       "queries=%llu tcp=%llu responses=%llu self-answered=%llu cache-hits=%llu "
	       "cache-misses=%llu drops:",
	       LD(st->queries), LD(st->tcp_queries), LD(st->responses), LD(st->self_answers),
	       LD(st->cache_hits), LD(st->cache_misses));
	for (size_t i = 0; i < FE_DROP_COUNT; i++) {
		if (LD(st->drops[i]) == 0)
			continue;
		append(out, outsz, &pos, " %s=%llu", drop_names[i], LD(st->drops[i]));
		if (i == FE_DROP_MALFORMED)
			format_malformed(st, out, outsz, &pos);
	}
	for (int i = 0; i < st->nbe; i++)
		append(out, outsz, &pos, " be%d:q=%llu,r=%llu,to=%llu", i, LD(st->be[i].queries),
		       LD(st->be[i].responses), LD(st->be[i].timeouts));
	return pos;
}
