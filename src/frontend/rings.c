/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Per-worker rings of recent queries and responses (see rings.h).
 *
 * DESIGN: each ring is an array of slots and a head counter (the absolute
 * position of the next write). Slot i holds position p with p % cap == i.
 * The writer (one worker) runs a per-slot seqlock, Boehm's "Can seqlocks
 * get along with programming language memory models?" pattern: it stores
 * seq = 2p+1 (writing), a release fence, the entry, then seq = 2p+2 with
 * release, then the new head with release. A reader loads head (acquire),
 * and for each position p it wants loads seq (acquire), copies the entry,
 * issues an acquire fence and reloads seq: the copy is kept only if both
 * loads saw exactly 2p+2, i.e. the slot held position p, complete, for the
 * whole copy. A slot overwritten by a newer position (2p'+2 with p' > p)
 * or being written (odd) is skipped, so a reader never returns a torn or
 * misplaced entry and never blocks the writer. The entry copy itself is a
 * plain memcpy racing with the writer, as in the Linux kernel's seqlocks:
 * its result is discarded whenever a race could have happened.
 */
#include "frontend/rings.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/query.h"
#include "lib/pkt.h"

struct rq_slot {
	_Atomic uint64_t seq;
	struct ring_query e;
};

struct rr_slot {
	_Atomic uint64_t seq;
	struct ring_resp e;
};

/* One worker's two rings. Heads are written by that worker only; the
 * alignment keeps two workers' heads off the same cache line. */
struct wrings {
	_Alignas(64) _Atomic uint64_t qhead;
	_Atomic uint64_t rhead;
	struct rq_slot *q;
	struct rr_slot *r;
};

struct rings {
	unsigned nworkers;
	unsigned cap;
	struct wrings *w;
};

struct rings *rings_new(unsigned nworkers, unsigned capacity)
{
	if (nworkers == 0 || capacity == 0)
		return NULL;
	struct rings *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->nworkers = nworkers;
	r->cap = capacity;
	r->w = aligned_alloc(64, sizeof(*r->w) * nworkers);
	if (r->w == NULL) {
		free(r);
		return NULL;
	}
	memset(r->w, 0, sizeof(*r->w) * nworkers);
	for (unsigned i = 0; i < nworkers; i++) {
		/* calloc: every seq starts at 0, which no position ever has */
		r->w[i].q = calloc(capacity, sizeof(struct rq_slot));
		r->w[i].r = calloc(capacity, sizeof(struct rr_slot));
		if (r->w[i].q == NULL || r->w[i].r == NULL) {
			rings_free(r);
			return NULL;
		}
	}
	return r;
}

void rings_free(struct rings *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; r->w != NULL && i < r->nworkers; i++) {
		free(r->w[i].q);
		free(r->w[i].r);
	}
	free(r->w);
	free(r);
}

unsigned rings_capacity(const struct rings *r)
{
	return r != NULL ? r->cap : 0;
}

unsigned rings_workers(const struct rings *r)
{
	return r != NULL ? r->nworkers : 0;
}

static void fill_client(struct dg_addr *dst, const struct fe_query *q)
{
	if (q->client_addr.family != 0) {
		*dst = q->client_addr;
		return;
	}
	if (dg_addr_from_sockaddr(dst, &q->client.sa) < 0)
		memset(dst, 0, sizeof(*dst));
}

static uint16_t client_port(const struct fe_query *q)
{
	if (q->client.sa.sa_family == AF_INET)
		return ntohs(q->client.in.sin_port);
	if (q->client.sa.sa_family == AF_INET6)
		return ntohs(q->client.in6.sin6_port);
	return 0;
}

static uint8_t name_len(const struct fe_query *q)
{
	return q->q.qname_len <= DG_DNAME_MAXLEN ? (uint8_t)q->q.qname_len : 0;
}

/* Opens slot position pos for writing: odd sequence, then release fence. */
static inline void seq_begin(_Atomic uint64_t *seq, uint64_t pos)
{
	atomic_store_explicit(seq, 2 * pos + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

void rings_add_query(struct rings *r, unsigned worker, const struct fe_query *q)
{
	if (r == NULL || worker >= r->nworkers)
		return;
	struct wrings *w = &r->w[worker];
	uint64_t pos = atomic_load_explicit(&w->qhead, memory_order_relaxed);
	struct rq_slot *s = &w->q[pos % r->cap];
	seq_begin(&s->seq, pos);
	s->e.when_us = q->now_us;
	fill_client(&s->e.client, q);
	s->e.port = client_port(q);
	s->e.id = q->hdr.id;
	s->e.flags = q->hdr.flags;
	s->e.qtype = q->q.qtype;
	s->e.size = q->len > UINT16_MAX ? UINT16_MAX : (uint16_t)q->len;
	s->e.qname_len = name_len(q);
	memcpy(s->e.qname, q->q.qname_lc, s->e.qname_len);
	atomic_store_explicit(&s->seq, 2 * pos + 2, memory_order_release);
	atomic_store_explicit(&w->qhead, pos + 1, memory_order_release);
}

void rings_add_response(struct rings *r, unsigned worker, const struct fe_query *q,
			uint8_t rcode, size_t size, uint32_t latency_us, int backend)
{
	if (r == NULL || worker >= r->nworkers)
		return;
	struct wrings *w = &r->w[worker];
	uint64_t pos = atomic_load_explicit(&w->rhead, memory_order_relaxed);
	struct rr_slot *s = &w->r[pos % r->cap];
	seq_begin(&s->seq, pos);
	s->e.when_us = q->now_us;
	fill_client(&s->e.client, q);
	s->e.port = client_port(q);
	if (q->len >= DG_HDR_LEN) {
		s->e.id = (uint16_t)(q->buf[0] << 8 | q->buf[1]);
		s->e.flags = (uint16_t)(q->buf[2] << 8 | q->buf[3]);
		s->e.ancount = (uint16_t)(q->buf[6] << 8 | q->buf[7]);
	} else {
		s->e.id = s->e.flags = s->e.ancount = 0;
	}
	s->e.qtype = q->q.qtype;
	s->e.size = size > UINT16_MAX ? UINT16_MAX : (uint16_t)size;
	s->e.rcode = rcode & 0x0f;
	s->e.latency_us = latency_us;
	s->e.backend = (int16_t)backend;
	s->e.qname_len = name_len(q);
	memcpy(s->e.qname, q->q.qname_lc, s->e.qname_len);
	atomic_store_explicit(&s->seq, 2 * pos + 2, memory_order_release);
	atomic_store_explicit(&w->rhead, pos + 1, memory_order_release);
}

/*
 * Copies slot position pos into out; false when the slot does not hold
 * exactly that position, complete, for the whole copy (see DESIGN).
 */
static bool read_slot(_Atomic uint64_t *seq, const void *src, void *out, size_t sz, uint64_t pos)
{
	uint64_t want = 2 * pos + 2;
	if (atomic_load_explicit(seq, memory_order_acquire) != want)
		return false;
	memcpy(out, src, sz);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(seq, memory_order_relaxed) == want;
}

/* First position still in a ring whose next write is head. */
static uint64_t first_pos(uint64_t head, unsigned cap)
{
	return head > cap ? head - cap : 0;
}

size_t rings_foreach_query(struct rings *r, uint64_t since_us, ring_query_fn *fn, void *ctx)
{
	size_t seen = 0;
	struct ring_query e;
	for (unsigned k = 0; r != NULL && k < r->nworkers; k++) {
		struct wrings *w = &r->w[k];
		uint64_t head = atomic_load_explicit(&w->qhead, memory_order_acquire);
		for (uint64_t p = first_pos(head, r->cap); p < head; p++) {
			struct rq_slot *s = &w->q[p % r->cap];
			if (!read_slot(&s->seq, &s->e, &e, sizeof(e), p) || e.when_us < since_us)
				continue;
			fn(&e, ctx);
			seen++;
		}
	}
	return seen;
}

size_t rings_foreach_response(struct rings *r, uint64_t since_us, ring_resp_fn *fn, void *ctx)
{
	size_t seen = 0;
	struct ring_resp e;
	for (unsigned k = 0; r != NULL && k < r->nworkers; k++) {
		struct wrings *w = &r->w[k];
		uint64_t head = atomic_load_explicit(&w->rhead, memory_order_acquire);
		for (uint64_t p = first_pos(head, r->cap); p < head; p++) {
			struct rr_slot *s = &w->r[p % r->cap];
			if (!read_slot(&s->seq, &s->e, &e, sizeof(e), p) || e.when_us < since_us)
				continue;
			fn(&e, ctx);
			seen++;
		}
	}
	return seen;
}
