/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Fuzz target for the packet cache with hostile backend answers: the input
 * is an answer from a backend. A query is made from its question (as the
 * one the frontend would have sent), the answer is inserted under that
 * query's key (pcache_insert parses it and records its TTL offsets), then
 * looked up and served (ID rewritten, TTLs patched from those offsets).
 * Nothing may read or write outside the buffers, and a hit must be the
 * answer that went in: same length, the query's ID, the rest of the header
 * and the question unchanged. The same answer also goes through the other
 * in-place edits an answer gets on its way to the client: truncateTC's cut
 * (backend_truncate_tc) and the removal of the OPT or ECS option dnsgate
 * added (route_fix_answer), which may only shorten it.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/backend.h"
#include "frontend/conf.h"
#include "frontend/pcache.h"
#include "frontend/query.h"
#include "frontend/route.h"
#include "lib/err.h"
#include "lib/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fe_conf *conf;
static struct pcache *cache;

static void setup(void)
{
	struct fe_cache_conf cc = { .max_entries = 64, .max_ttl = 86400, .min_ttl = 0,
				    .temp_failure_ttl = 60, .max_negative_ttl = 3600,
				    .stale_ttl = 60, .shards = 2 };
	conf = fe_conf_new();
	cache = pcache_new(&cc);
	if (conf == NULL || cache == NULL)
		abort();
	(void)fe_conf_get_pool(conf, "");
}

/* The query the frontend sent for this answer: its header and question,
 * as a query (QR clear, one question, nothing else). */
static int make_query(struct fe_query *q, uint8_t *qbuf, const uint8_t *data, size_t size)
{
	struct dg_hdr h;
	struct dg_question qq;
	if (dg_pkt_parse_question(&h, &qq, data, size) < 0)
		return -1;
	memcpy(qbuf, data, qq.end_off);
	qbuf[2] &= 0x7f; /* QR */
	memset(qbuf + 6, 0, 6);
	memset(q, 0, sizeof(*q));
	q->buf = qbuf;
	q->len = qq.end_off;
	q->cap = FE_QUERY_BUFSZ;
	q->client.in.sin_family = AF_INET;
	return query_parse(q, conf);
}

/* truncateTC and route_fix_answer on a copy of the answer, in place. */
static void edit_answer(struct fe_query *q, const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(FE_QUERY_BUFSZ);
	if (buf == NULL)
		return;
	memcpy(buf, data, size);
	int n = backend_truncate_tc(buf, size, FE_QUERY_BUFSZ, q->q.end_off, data[size - 1] & 1);
	if (n > FE_QUERY_BUFSZ)
		abort();
	memcpy(buf, data, size);
	struct fe_query a = *q;
	a.buf = buf;
	a.len = size;
	a.cap = FE_QUERY_BUFSZ;
	a.edns_added = data[size - 1] & 2;
	a.ecs_added = data[size - 1] & 4;
	route_fix_answer(&a);
	if (a.len > size)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t qbuf[FE_QUERY_BUFSZ], out[FE_QUERY_BUFSZ];
	if (conf == NULL)
		setup();
	if (size > DG_MAX_UDP)
		return 0;
	struct fe_query q;
	if (make_query(&q, qbuf, data, size) < 0)
		return 0;
	uint32_t key = pcache_key(cache, &q);
	if (pcache_insert(cache, key, &q, data, size, 1000) == 0) {
		int n = pcache_lookup(cache, key, &q, out, sizeof(out), 1000);
		if (n >= 0 && (size_t)n != size)
			abort();
		if (n > 0 && (out[0] != qbuf[0] || out[1] != qbuf[1] ||
			      memcmp(out + 2, data + 2, q.q.end_off - 2) != 0))
			abort();
		/* served later: every recorded TTL offset is patched */
		n = pcache_lookup(cache, key, &q, out, sizeof(out), 1030);
		if (n >= 0 && (size_t)n != size)
			abort();
	}
	pcache_clear(cache);
	edit_answer(&q, data, size);
	return 0;
}
