/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Token buckets as GCRA; see ratelimit.h for the design.
 */
#include "frontend/ratelimit.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "lib/nmg.h"

#define NS_PER_S 1000000000ull
#define RL_SHARDS 64     /* power of two; enough for many workers */
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

/*
 * A spinlock, not a mutex: the critical section is a probe of at most
 * RL_PROBE slots, far shorter than a mutex's own bookkeeping. A waiter
 * yields after a while in case the holder was preempted.
 */
struct rl_shard {
	_Atomic bool lock;
	struct rl_slot *slots;
	uint64_t evictions;
} __attribute__((aligned(64))); /* shards are locked by different workers */

struct rl_ip {
	struct rl_ip_conf conf;
	uint64_t interval_ns, tolerance_ns;
	size_t slots_per_shard; /* power of two */
	uint64_t mask4[2], mask6[2]; /* v4_mask / v6_mask over the address bytes */
	struct rl_shard shards[RL_SHARDS];
};

static void shard_lock(struct rl_shard *sh)
{
	while (atomic_exchange_explicit(&sh->lock, true, memory_order_acquire)) {
		for (unsigned i = 0; atomic_load_explicit(&sh->lock, memory_order_relaxed); i++)
			if (i >= 100)
				sched_yield();
	}
}

static void shard_unlock(struct rl_shard *sh)
{
	atomic_store_explicit(&sh->lock, false, memory_order_release);
}

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
	struct rl_ip *rl = aligned_alloc(64, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	memset(rl, 0, sizeof(*rl));
	rl->conf = *c;
	if (rl->conf.burst == 0)
		rl->conf.burst = c->qps;
	if (rl->conf.max_entries == 0)
		rl->conf.max_entries = RL_IP_DEFAULT_ENTRIES;
	struct rl_bucket b;
	rl_bucket_init(&b, rl->conf.qps, rl->conf.burst);
	rl->interval_ns = b.interval_ns;
	rl->tolerance_ns = b.tolerance_ns;
	size_t per = RL_PROBE;
	while (per * RL_SHARDS < rl->conf.max_entries)
		per *= 2;
	rl->slots_per_shard = per;
	prefix_mask(rl->mask4, rl->conf.v4_mask);
	prefix_mask(rl->mask6, rl->conf.v6_mask);
	for (int i = 0; i < RL_SHARDS; i++) {
		/* calloc: pages of an idle table are never touched */
		rl->shards[i].slots = calloc(per, sizeof(struct rl_slot));
		if (rl->shards[i].slots == NULL) {
			rl_ip_free(rl);
			return NULL;
		}
	}
	return rl;
}

void rl_ip_free(struct rl_ip *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < RL_SHARDS; i++) {
		free(rl->shards[i].slots);
	}
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
 * active slot with the smallest TAT, which is evicted. Shard lock held.
 */
static struct rl_slot *find_slot(struct rl_shard *sh, size_t nslots, uint32_t h,
				 const struct rl_key *key, uint64_t now)
{
	struct rl_slot *free_slot = NULL, *oldest = NULL;
	for (size_t p = 0; p < RL_PROBE; p++) {
		struct rl_slot *s = &sh->slots[(h + p) & (nslots - 1)];
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
		sh->evictions++;
	}
	s->key = *key;
	s->tat_ns = 0;
	return s;
}

bool rl_ip_over(struct rl_ip *rl, const struct dg_addr *addr, uint64_t now_us)
{
	if (rl->interval_ns == 0)
		return true;
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return false;
	struct rl_key key;
	uint32_t h = make_key(rl, addr, &key);
	struct rl_shard *sh = &rl->shards[(h >> 24) & (RL_SHARDS - 1)];
	uint64_t now = now_us * 1000 + 1;

	shard_lock(sh);
	struct rl_slot *s = find_slot(sh, rl->slots_per_shard, h, &key, now);
	uint64_t next = gcra(s->tat_ns, now, rl->interval_ns, rl->tolerance_ns);
	if (next != 0)
		s->tat_ns = next;
	shard_unlock(sh);
	return next == 0;
}

const struct rl_ip_conf *rl_ip_conf(const struct rl_ip *rl)
{
	return &rl->conf;
}

uint64_t rl_ip_evictions(const struct rl_ip *rl)
{
	uint64_t n = 0;
	for (int i = 0; i < RL_SHARDS; i++) {
		struct rl_shard *sh = (struct rl_shard *)&rl->shards[i];
		shard_lock(sh);
		n += sh->evictions;
		shard_unlock(sh);
	}
	return n;
}
