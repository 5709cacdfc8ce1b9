/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Server selection policies (see policy.h for the behaviour of each).
 */
#include "frontend/policy.h"

#include <stdlib.h>

#include "lib/err.h"
#include "lib/sockaddr.h"

static bool lo_better(const struct pol_cand *a, const struct pol_cand *b)
{
	if (a->outstanding != b->outstanding)
		return a->outstanding < b->outstanding;
	if (a->be->order != b->be->order)
		return a->be->order < b->be->order;
	return a->latency_us < b->latency_us;
}

static int least_outstanding(const struct pol_cand *c, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].up)
			continue;
		if (best < 0 || lo_better(&c[i], &c[best]))
			best = (int)i;
	}
	return best;
}

static int first_available(const struct pol_cand *c, size_t n)
{
	/* Candidates come in pool order (by 'order'), so the first that is up
	 * is the one dnsdist picks; with no QPS limit nothing is skipped for it. */
	for (size_t i = 0; i < n; i++)
		if (c[i].up)
			return (int)i;
	return least_outstanding(c, n);
}

static int roundrobin(const struct pol_cand *c, size_t n, const struct pol_ctx *ctx)
{
	size_t nup = 0;
	for (size_t i = 0; i < n; i++)
		nup += c[i].up;
	if (n == 0 || (nup == 0 && ctx->rr_fail_on_no_server))
		return -1;
	/* dnsdist: with nobody up, rotate over every server. */
	bool all = nup == 0;
	size_t k = (*ctx->rr_counter)++ % (all ? n : nup);
	for (size_t i = 0; i < n; i++) {
		if (!all && !c[i].up)
			continue;
		if (k-- == 0)
			return (int)i;
	}
	return -1;
}

/* dnsdist's valrandom: cumulative weights of the servers that are up, and
 * the first whose running sum exceeds val % total. */
static int weighted(const struct pol_cand *c, size_t n, uint32_t val)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].up && c[i].be->weight > 0)
			total += (uint64_t)c[i].be->weight;
	if (total == 0)
		return -1;
	uint64_t r = val % total, sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].up || c[i].be->weight <= 0)
			continue;
		sum += (uint64_t)c[i].be->weight;
		if (r < sum)
			return (int)i;
	}
	return -1;
}

/* First ring point at or after h, skipping down servers, wrapping around. */
static int chashed(const struct pol_cand *c, size_t n, const struct pol_ring *ring, uint32_t h)
{
	if (ring == NULL || ring->npts == 0)
		return -1;
	size_t lo = 0, hi = ring->npts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ring->pts[mid].point < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = 0; k < ring->npts; k++) {
		const struct pol_point *p = &ring->pts[(lo + k) % ring->npts];
		if (p->cand < n && c[p->cand].up)
			return (int)p->cand;
	}
	return -1;
}

int policy_select(enum fe_policy p, const struct pol_cand *c, size_t n, const struct pol_ctx *ctx)
{
	switch (p) {
	case FE_POL_LEAST_OUTSTANDING:
		return least_outstanding(c, n);
	case FE_POL_FIRST_AVAILABLE:
		return first_available(c, n);
	case FE_POL_ROUNDROBIN:
		return roundrobin(c, n, ctx);
	case FE_POL_WRANDOM:
		return weighted(c, n, ctx->rnd);
	case FE_POL_WHASHED:
		return weighted(c, n, ctx->qhash);
	case FE_POL_CHASHED:
		return chashed(c, n, ctx->ring, ctx->qhash);
	}
	return -1;
}

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* FNV-1a clusters low bits for similar inputs; a final avalanche (the
 * murmur3 finaliser) spreads them so 'hash % total' is fair. */
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t policy_qname_hash(const uint8_t *qname_lc, size_t len)
{
	return mix32(fnv1a(2166136261u, qname_lc, len));
}

void policy_sort(struct fe_backend **s, size_t n)
{
	/* Insertion sort: stable, and pools hold a handful of servers. */
	for (size_t i = 1; i < n; i++) {
		struct fe_backend *x = s[i];
		size_t j = i;
		while (j > 0 && (s[j - 1]->order > x->order ||
				 (s[j - 1]->order == x->order && s[j - 1]->index > x->index))) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = x;
	}
}

static int cmp_point(const void *a, const void *b)
{
	const struct pol_point *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return x->cand < y->cand ? -1 : x->cand > y->cand;
}

static uint32_t server_point(const struct fe_backend *be, int w)
{
	char txt[DG_SOCKADDR_STRLEN];
	if (dg_sockaddr_to_str(&be->addr, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	uint32_t h = fnv1a(2166136261u, (const uint8_t *)txt, strlen(txt));
	uint8_t wb[4] = { (uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };
	return mix32(fnv1a(h, wb, sizeof(wb)));
}

int policy_ring_build(struct pol_ring *ring, struct fe_backend *const *servers, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += servers[i]->weight > 0 ? (size_t)servers[i]->weight : 0;
	ring->npts = 0;
	ring->pts = NULL;
	if (total == 0)
		return DG_OK;
	ring->pts = calloc(total, sizeof(*ring->pts));
	if (ring->pts == NULL)
		return DG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (int w = 1; w <= servers[i]->weight; w++) {
			ring->pts[ring->npts].point = server_point(servers[i], w);
			ring->pts[ring->npts].cand = (uint32_t)i;
			ring->npts++;
		}
	}
	qsort(ring->pts, ring->npts, sizeof(*ring->pts), cmp_point);
	return DG_OK;
}

void policy_ring_free(struct pol_ring *ring)
{
	free(ring->pts);
	ring->pts = NULL;
	ring->npts = 0;
}

const char *policy_name(enum fe_policy p)
{
	switch (p) {
	case FE_POL_LEAST_OUTSTANDING:
		return "leastOutstanding";
	case FE_POL_FIRST_AVAILABLE:
		return "firstAvailable";
	case FE_POL_ROUNDROBIN:
		return "roundrobin";
	case FE_POL_WRANDOM:
		return "wrandom";
	case FE_POL_WHASHED:
		return "whashed";
	case FE_POL_CHASHED:
		return "chashed";
	}
	return "?";
}
