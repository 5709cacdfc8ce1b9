/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Token buckets as GCRA; see ratelimit.h for the design.
 */
#include "frontend/ratelimit.h"

#include <pthread.h>
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

struct rl_slot {
	uint8_t key[17]; /* family byte + masked address */
	uint64_t tat_ns; /* 0: empty */
};

struct rl_shard {
	pthread_mutex_t lock;
	struct rl_slot *slots;
	uint64_t evictions;
	/* keep shards on separate cache lines: they are locked by different workers */
	char pad[64 - sizeof(pthread_mutex_t) % 64];
};

struct rl_ip {
	struct rl_ip_conf conf;
	uint64_t interval_ns, tolerance_ns;
	size_t slots_per_shard; /* power of two */
	struct rl_shard shards[RL_SHARDS];
};

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
	size_t per = RL_PROBE;
	while (per * RL_SHARDS < rl->conf.max_entries)
		per *= 2;
	rl->slots_per_shard = per;
	for (int i = 0; i < RL_SHARDS; i++) {
		pthread_mutex_init(&rl->shards[i].lock, NULL);
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
		pthread_mutex_destroy(&rl->shards[i].lock);
	}
	free(rl);
}

/* Builds the masked key of addr and returns its hash (FNV-1a). */
static uint32_t make_key(const struct rl_ip *rl, const struct dg_addr *a, uint8_t key[17])
{
	memset(key, 0, 17);
	int bits = a->family == AF_INET ? rl->conf.v4_mask : rl->conf.v6_mask;
	int bytes = a->family == AF_INET ? 4 : 16;
	key[0] = a->family == AF_INET ? 4 : 6;
	for (int i = 0; i < bytes && bits > 0; i++, bits -= 8)
		key[1 + i] = bits >= 8 ? a->bytes[i] : (uint8_t)(a->bytes[i] & (0xff << (8 - bits)));
	uint32_t h = 2166136261u;
	for (int i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Finds the slot for key in the probe window: its own slot, else an empty
 * or idle one (TAT in the past: a full bucket, same as no entry), else the
 * active slot with the smallest TAT, which is evicted. Shard lock held.
 */
static struct rl_slot *find_slot(struct rl_shard *sh, size_t nslots, uint32_t h,
				 const uint8_t key[17], uint64_t now)
{
	struct rl_slot *free_slot = NULL, *oldest = NULL;
	for (size_t p = 0; p < RL_PROBE; p++) {
		struct rl_slot *s = &sh->slots[(h + p) & (nslots - 1)];
		if (s->tat_ns != 0 && memcmp(s->key, key, 17) == 0)
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
	memcpy(s->key, key, 17);
	s->tat_ns = 0;
	return s;
}

bool rl_ip_over(struct rl_ip *rl, const struct dg_addr *addr, uint64_t now_us)
{
	if (rl->interval_ns == 0)
		return true;
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return false;
	uint8_t key[17];
	uint32_t h = make_key(rl, addr, key);
	struct rl_shard *sh = &rl->shards[(h >> 24) & (RL_SHARDS - 1)];
	uint64_t now = now_us * 1000 + 1;

	pthread_mutex_lock(&sh->lock);
	struct rl_slot *s = find_slot(sh, rl->slots_per_shard, h, key, now);
	uint64_t next = gcra(s->tat_ns, now, rl->interval_ns, rl->tolerance_ns);
	if (next != 0)
		s->tat_ns = next;
	pthread_mutex_unlock(&sh->lock);
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
		pthread_mutex_lock(&sh->lock);
		n += sh->evictions;
		pthread_mutex_unlock(&sh->lock);
	}
	return n;
}
