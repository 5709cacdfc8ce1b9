/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Token buckets as GCRA; see ratelimit.h for the design.
 */
#include "frontend/ratelimit.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "lib/nmg.h"

#define NS_PER_S 1000000000ull
#define RL_PROBE 8       /* slots examined per lookup: bounds the work */

void rl_bucket_init(struct rl_bucket *b, unsigned qps, unsigned burst)
{
	b->qps = qps;
	b->burst = burst ? burst : qps;
	b->interval_ns = qps ? NS_PER_S / qps : 0;
	if (qps && b->interval_ns == 0)
		b->interval_ns = 1;
	b->tolerance_ns = b->interval_ns * b->burst;
	atomic_init(&b->tat_ns, 0);
}

/*
 * GCRA: a query arriving at 'now' is accepted when the bucket's TAT, moved
 * up to now if it lies in the past, plus one interval stays within burst
 * intervals of now. Returns the new TAT, or 0 when over the rate.
 */
static inline uint64_t gcra(uint64_t tat, uint64_t now, uint64_t interval, uint64_t tolerance)
{
	uint64_t next = (tat > now ? tat : now) + interval;
	if (next - now > tolerance)
		return 0;
	return next;
}

bool rl_bucket_take(struct rl_bucket *b, uint64_t now_us)
{
	if (b->interval_ns == 0)
		return false;
	uint64_t now = now_us * 1000 + 1; /* +1: a TAT of 0 means "never used" */
	uint64_t tat = atomic_load_explicit(&b->tat_ns, memory_order_relaxed);
	for (;;) {
		uint64_t next = gcra(tat, now, b->interval_ns, b->tolerance_ns);
		if (next == 0)
			return false;
		if (atomic_compare_exchange_weak_explicit(&b->tat_ns, &tat, next,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	}
}

/* A client's masked address: two words and the family. */
struct rl_key {
	uint64_t a, b;
	uint64_t fam;
};

struct rl_slot {
	struct rl_key key;
	uint64_t tat_ns; /* 0: empty */
};

/* One worker's table: written by that worker only. */
struct rl_table {
	_Atomic uint64_t evictions; /* read by the console */
	struct rl_slot slots[];
};

struct rl_ip {
	struct rl_ip_conf conf;
	uint64_t interval_ns, tolerance_ns;
	size_t nslots; /* power of two */
	uint64_t mask4[2], mask6[2]; /* v4_mask / v6_mask over the address bytes */
	_Atomic(struct rl_table *) tables[FE_MAX_WORKERS];
};

/* The mask of a prefix of bits over 16 address bytes, as two loaded words. */
static void prefix_mask(uint64_t out[2], unsigned bits)
{
	uint8_t m[16] = { 0 };
	for (unsigned i = 0; i < 16 && bits > 0; i++, bits = bits >= 8 ? bits - 8 : 0)
		m[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	memcpy(&out[0], m, 8);
	memcpy(&out[1], m + 8, 8);
}

struct rl_ip *rl_ip_new(const struct rl_ip_conf *c)
{
	if (c->v4_mask > 32 || c->v6_mask > 128)
		return NULL;
	struct rl_ip *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	rl->conf = *c;
	if (rl->conf.burst == 0)
		rl->conf.burst = c->qps;
	if (rl->conf.max_entries == 0)
		rl->conf.max_entries = RL_IP_DEFAULT_ENTRIES;
	struct rl_bucket b;
	rl_bucket_init(&b, rl->conf.qps, rl->conf.burst);
	rl->interval_ns = b.interval_ns;
	rl->tolerance_ns = b.tolerance_ns;
	size_t n = RL_PROBE;
	while (n < rl->conf.max_entries)
		n *= 2;
	rl->nslots = n;
	prefix_mask(rl->mask4, rl->conf.v4_mask);
	prefix_mask(rl->mask6, rl->conf.v6_mask);
	return rl;
}

void rl_ip_free(struct rl_ip *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < FE_MAX_WORKERS; i++)
		free(atomic_load_explicit(&rl->tables[i], memory_order_acquire));
	free(rl);
}

/* Builds the masked key of addr and returns its hash. */
static uint32_t make_key(const struct rl_ip *rl, const struct dg_addr *a, struct rl_key *k)
{
	const uint64_t *m = a->family == AF_INET ? rl->mask4 : rl->mask6;
	memcpy(&k->a, a->bytes, 8);
	memcpy(&k->b, a->bytes + 8, 8);
	k->a &= m[0];
	k->b &= m[1];
	k->fam = a->family;
	uint64_t h = (k->a ^ k->fam << 56) * 0x9e3779b97f4a7c15ull;
	h = (h ^ h >> 29 ^ k->b) * 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ h >> 32);
}

static bool key_eq(const struct rl_key *x, const struct rl_key *y)
{
	return x->a == y->a && x->b == y->b && x->fam == y->fam;
}

/*
 * Finds the slot for key in the probe window: its own slot, else an empty
 * or idle one (TAT in the past: a full bucket, same as no entry), else the
 * active slot with the smallest TAT, which is evicted. Owner thread only.
 */
static struct rl_slot *find_slot(struct rl_table *t, size_t nslots, uint32_t h,
				 const struct rl_key *key, uint64_t now)
{
	struct rl_slot *free_slot = NULL, *oldest = NULL;
	for (size_t p = 0; p < RL_PROBE; p++) {
		struct rl_slot *s = &t->slots[(h + p) & (nslots - 1)];
		if (s->tat_ns != 0 && key_eq(&s->key, key))
			return s;
		if (s->tat_ns <= now) {
			if (free_slot == NULL)
				free_slot = s;
		} else if (oldest == NULL || s->tat_ns < oldest->tat_ns) {
			oldest = s;
		}
	}
	struct rl_slot *s = free_slot;
	if (s == NULL) {
		s = oldest;
		/* single writer: a plain add, published for the summing reader */
		atomic_store_explicit(&t->evictions,
				      atomic_load_explicit(&t->evictions, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	s->key = *key;
	s->tat_ns = 0;
	return s;
}

/* worker's table, allocated on its first query (calloc: the pages of an
 * idle table are never touched). */
static struct rl_table *worker_table(struct rl_ip *rl, unsigned worker)
{
	struct rl_table *t = atomic_load_explicit(&rl->tables[worker], memory_order_relaxed);
	if (DG_LIKELY(t != NULL))
		return t;
	t = calloc(1, sizeof(*t) + rl->nslots * sizeof(struct rl_slot));
	/* release: a reader summing evictions sees an initialised table */
	atomic_store_explicit(&rl->tables[worker], t, memory_order_release);
	return t;
}

bool rl_ip_over(struct rl_ip *rl, unsigned worker, const struct dg_addr *addr, uint64_t now_us)
{
	if (rl->interval_ns == 0)
		return true;
	if ((addr->family != AF_INET && addr->family != AF_INET6) || worker >= FE_MAX_WORKERS)
		return false;
	struct rl_table *t = worker_table(rl, worker);
	if (t == NULL)
		return false;
	struct rl_key key;
	uint32_t h = make_key(rl, addr, &key);
	uint64_t now = now_us * 1000 + 1;
	struct rl_slot *s = find_slot(t, rl->nslots, h, &key, now);
	uint64_t next = gcra(s->tat_ns, now, rl->interval_ns, rl->tolerance_ns);
	if (next != 0)
		s->tat_ns = next;
	return next == 0;
}

const struct rl_ip_conf *rl_ip_conf(const struct rl_ip *rl)
{
	return &rl->conf;
}

uint64_t rl_ip_evictions(const struct rl_ip *rl)
{
	uint64_t n = 0;
	for (int i = 0; i < FE_MAX_WORKERS; i++) {
		struct rl_table *t = atomic_load_explicit(&rl->tables[i], memory_order_acquire);
		if (t != NULL)
			n += atomic_load_explicit(&t->evictions, memory_order_relaxed);
	}
	return n;
}
