/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The packet cache, as dnsdist's: the key hashes the query header (without
 * its ID), the lower-cased qname, qtype, qclass, everything after the
 * question except the EDNS Cookie option (RFC 7873 cookies differ per
 * client and would defeat the cache), and the transport. A hit is checked
 * against the stored qname, qtype, qclass, RD/CD/opcode, EDNS presence,
 * DO bit and transport, so a hash collision is counted and served as a miss.
 *
 * DESIGN: numberOfShards shards, each a chained hash table under one
 * spinlock; maxEntries is split evenly over the shards. Eviction is CLOCK
 * (second chance) over the buckets: a hit only sets the entry's reference
 * bit (no list to relink under the lock), and an insert into a full shard
 * advances the shard's hand over the buckets, clearing reference bits,
 * until it finds an entry not used since the hand last passed (or an
 * expired one), which it evicts. An entry is one allocation: a 32-byte
 * header, the offsets of every TTL field of the response (found by the one
 * full parse at insertion), then the response bytes with the question name
 * lower-cased: the name is not stored a second time, since a hit writes the
 * client's spelling over it anyway, and a lookup compares the lower-cased
 * query name (and the type and class) with the stored question itself. A
 * hit copies the bytes out and patches the ID, the question name and each
 * TTL (minus the time spent in the cache) without parsing anything. The
 * lock is held for that copy only, never across I/O.
 */
#include "frontend/pcache.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/random.h>

#include "frontend/conf.h"
#include "frontend/query.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

/*
 * The query header bits an entry is checked against: those a response
 * echoes (RFC 1035 §4.1.1 RD and opcode, RFC 4035 §3.2.2 CD), so that the
 * insert side may describe the query with the response's header (the
 * worker rebuilds q from the answer) and still agree with the lookup side.
 * Every other header bit is covered by the key's hash.
 */
#define PC_QFLAGS (0x7800 | DG_FLAG_RD | DG_FLAG_CD)

/* Entry flags. */
#define PC_F_TCP 0x01
#define PC_F_DO 0x02
#define PC_F_OPT 0x04
#define PC_F_REF 0x08 /* served since the CLOCK hand last passed */

struct pc_entry {
	struct pc_entry *hnext;       /* hash chain */
	uint32_t key;
	uint32_t inserted_s;          /* low 32 bits of the insertion time */
	uint32_t valid_s;             /* how long the entry may be served */
	uint16_t qflags, len, nttl;
	uint8_t qname_len, flags;
	/* followed by: uint16_t ttl_off[nttl]; uint8_t resp[len] */
};

_Static_assert(sizeof(struct pc_entry) == 32, "an entry header is 32 bytes");

/* The TTL offsets stored right after the fixed part of an entry. */
static uint16_t *entry_ttl_offs(struct pc_entry *e)
{
	return (uint16_t *)(void *)(e + 1);
}

struct pc_shard {
	_Atomic bool lock;
	size_t hand;     /* CLOCK: next bucket to look at when evicting */
	struct pc_entry **buckets;
	size_t nbuckets; /* power of two */
	size_t count, max;
	uint64_t hits, misses, inserts, collisions, evictions, expired;
} __attribute__((aligned(64))); /* one cache line per lock */

struct pcache {
	struct fe_cache_conf conf;
	uint32_t seed;
	unsigned nshards;
	struct pc_shard shards[];
};

static uint8_t *entry_resp(struct pc_entry *e)
{
	return (uint8_t *)(entry_ttl_offs(e) + e->nttl);
}

/*
 * The critical sections are a hash probe and a copy of a few hundred bytes,
 * so a spinlock costs a fraction of a mutex; a waiter yields the CPU after
 * a while in case the holder was preempted.
 */
static void sh_lock(struct pc_shard *sh)
{
	while (atomic_exchange_explicit(&sh->lock, true, memory_order_acquire)) {
		for (unsigned i = 0; atomic_load_explicit(&sh->lock, memory_order_relaxed); i++)
			if (i >= 100)
				sched_yield();
	}
}

static void sh_unlock(struct pc_shard *sh)
{
	atomic_store_explicit(&sh->lock, false, memory_order_release);
}

struct pcache *pcache_new(const struct fe_cache_conf *cc)
{
	unsigned n = cc->shards ? cc->shards : 1;
	struct pcache *pc = aligned_alloc(64, sizeof(*pc) + n * sizeof(struct pc_shard));
	if (pc == NULL)
		return NULL;
	memset(pc, 0, sizeof(*pc) + n * sizeof(struct pc_shard));
	pc->conf = *cc;
	pc->nshards = n;
	if (getrandom(&pc->seed, sizeof(pc->seed), 0) != sizeof(pc->seed))
		pc->seed = 0x9e3779b9u;
	size_t per = (cc->max_entries + n - 1) / n;
	for (unsigned i = 0; i < n; i++) {
		struct pc_shard *sh = &pc->shards[i];
		sh->max = per ? per : 1;
		sh->nbuckets = 16;
		while (sh->nbuckets < sh->max && sh->nbuckets < (1u << 24))
			sh->nbuckets *= 2;
		sh->buckets = calloc(sh->nbuckets, sizeof(*sh->buckets));
		if (sh->buckets == NULL) {
			pc->nshards = i + 1;
			pcache_free(pc);
			return NULL;
		}
	}
	return pc;
}

static void shard_clear(struct pc_shard *sh)
{
	for (size_t b = 0; b < sh->nbuckets; b++) {
		struct pc_entry *e = sh->buckets[b];
		while (e != NULL) {
			struct pc_entry *next = e->hnext;
			free(e);
			e = next;
		}
		sh->buckets[b] = NULL;
	}
	sh->count = 0;
}

void pcache_free(struct pcache *pc)
{
	if (pc == NULL)
		return;
	for (unsigned i = 0; i < pc->nshards; i++) {
		if (pc->shards[i].buckets != NULL)
			shard_clear(&pc->shards[i]);
		free(pc->shards[i].buckets);
	}
	free(pc);
}

void pcache_clear(struct pcache *pc)
{
	for (unsigned i = 0; i < pc->nshards; i++) {
		sh_lock(&pc->shards[i]);
		shard_clear(&pc->shards[i]);
		sh_unlock(&pc->shards[i]);
	}
}

/*
 * The key hash reads 8 bytes at a time (a multiply-rotate mix per word,
 * murmur3's 64-bit finalizer at the end): a quarter of the work of a
 * byte-wise hash over the header, the name and the OPT record.
 */
static inline uint64_t mix_word(uint64_t h, uint64_t v)
{
	h ^= v * 0x87c37b91114253d5ull;
	h = (h << 31 | h >> 33) * 0x4cf5ad432745937full;
	return h;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t v;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		h = mix_word(h, v);
	}
	if (n > 0) {
		/* the last 1..7 bytes in at most three loads, not a byte loop */
		unsigned shift = 0;
		v = 0;
		if (n & 4) {
			uint32_t t;
			memcpy(&t, p, 4);
			v = t;
			p += 4;
			shift = 32;
		}
		if (n & 2) {
			uint16_t t;
			memcpy(&t, p, 2);
			v |= (uint64_t)t << shift;
			p += 2;
			shift += 16;
		}
		if (n & 1)
			v |= (uint64_t)*p << shift;
		h = mix_word(h, v ^ (uint64_t)n << 59); /* the length tells "a\0" from "a" */
	}
	return h;
}

static uint32_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* Hashes the OPT record at q->opt_off without its RDLENGTH and Cookie option. */
static uint64_t hash_opt(uint64_t h, const struct fe_query *q, size_t *end)
{
	const uint8_t *o = q->buf + q->opt_off;
	h = hash_bytes(h, o, 9); /* owner, TYPE, CLASS (payload size), TTL (DO) */
	uint16_t rdlen = dg_get_u16(o + 9);
	size_t pos = 11, stop = 11 + (size_t)rdlen;
	*end = q->opt_off + stop;
	while (pos + 4 <= stop) {
		uint16_t code = dg_get_u16(o + pos), len = dg_get_u16(o + pos + 2);
		size_t next = pos + 4 + len;
		if (next > stop)
			break;
		if (code != DG_EDNS_OPT_COOKIE)
			h = hash_bytes(h, o + pos, next - pos);
		pos = next;
	}
	return h;
}

uint32_t pcache_key(const struct pcache *pc, const struct fe_query *q)
{
	/* the header without its ID, and the transport, in one word pair */
	uint64_t w0, w1 = (uint64_t)q->tcp << 32 | dg_get_u16(q->buf + 10);
	memcpy(&w0, q->buf + 2, 8);
	uint64_t h = mix_word(mix_word(pc->seed ^ 0x9e3779b97f4a7c15ull, w0), w1);
	h = hash_bytes(h, q->q.qname_lc, q->q.qname_len);
	/* qtype, qclass and whatever follows the question */
	size_t from = q->q.end_off - 4;
	if (q->has_opt) {
		size_t after;
		h = hash_bytes(h, q->buf + from, q->opt_off - from);
		h = hash_opt(h, q, &after);
		from = after;
	}
	if (from < q->len)
		h = hash_bytes(h, q->buf + from, q->len - from);
	return fmix64(h);
}

static struct pc_shard *shard_of(struct pcache *pc, uint32_t key)
{
	return &pc->shards[key % pc->nshards];
}

static struct pc_entry **bucket_of(struct pc_shard *sh, uint32_t key)
{
	return &sh->buckets[(key >> 8 ^ key * 2654435761u) & (sh->nbuckets - 1)];
}

/* Unlinks e from its chain and frees it. Lock held. */
static void entry_remove(struct pc_shard *sh, struct pc_entry *e)
{
	struct pc_entry **pp = bucket_of(sh, e->key);
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	free(e);
	sh->count--;
}

static struct pc_entry *find(struct pc_shard *sh, uint32_t key)
{
	struct pc_entry *e = *bucket_of(sh, key);
	while (e != NULL && e->key != key)
		e = e->hnext;
	return e;
}

static bool is_expired(const struct pc_entry *e, uint64_t now_s)
{
	/* signed: a clock read before the insertion is age 0, not 2^32 */
	int64_t age = (int32_t)((uint32_t)now_s - e->inserted_s);
	return age >= (int64_t)e->valid_s;
}

static uint8_t query_flags(const struct fe_query *q)
{
	return (uint8_t)((q->tcp ? PC_F_TCP : 0) | (q->do_bit ? PC_F_DO : 0) |
			 (q->has_opt ? PC_F_OPT : 0));
}

/* The stored question is the lower-cased query name, then type and class. */
static bool entry_matches(struct pc_entry *e, const struct fe_query *q)
{
	const uint8_t *qs = entry_resp(e) + DG_HDR_LEN;
	return e->qname_len == q->q.qname_len &&
	       (e->flags & ~PC_F_REF) == query_flags(q) &&
	       e->qflags == (q->hdr.flags & PC_QFLAGS) &&
	       dg_get_u16(qs + e->qname_len) == q->q.qtype &&
	       dg_get_u16(qs + e->qname_len + 2) == q->q.qclass &&
	       memcmp(qs, q->q.qname_lc, e->qname_len) == 0;
}

/* Copies e to out for q: client's ID and qname case, TTLs aged. Lock held. */
static void serve(const struct pcache *pc, struct pc_entry *e, const struct fe_query *q,
		  uint8_t *out, uint64_t now_s)
{
	memcpy(out, entry_resp(e), e->len);
	dg_put_u16(out, q->hdr.id);
	memcpy(out + DG_HDR_LEN, q->q.qname, q->q.qname_len);
	if (pc->conf.dont_age)
		return;
	int32_t age = (int32_t)((uint32_t)now_s - e->inserted_s);
	if (age <= 0)
		return;
	const uint16_t *offs = entry_ttl_offs(e);
	for (uint16_t i = 0; i < e->nttl; i++) {
		uint8_t *p = out + offs[i];
		uint32_t ttl = dg_get_u32(p);
		dg_put_u32(p, ttl > (uint32_t)age ? ttl - (uint32_t)age : 0);
	}
}

int pcache_lookup(struct pcache *pc, uint32_t key, const struct fe_query *q, uint8_t *out,
		  size_t cap, uint64_t now_s)
{
	if (pc == NULL || q == NULL || out == NULL)
		return DG_EINVAL;
	struct pc_shard *sh = shard_of(pc, key);
	int ret = DG_ENOTFOUND;

	sh_lock(sh);
	struct pc_entry *e = find(sh, key);
	if (e == NULL) {
		sh->misses++;
	} else if (!entry_matches(e, q)) {
		sh->collisions++;
		sh->misses++;
	} else if (is_expired(e, now_s)) {
		entry_remove(sh, e);
		sh->expired++;
		sh->misses++;
	} else if (e->len > cap) {
		ret = DG_ESPACE;
	} else {
		serve(pc, e, q, out, now_s);
		e->flags |= PC_F_REF;
		sh->hits++;
		ret = e->len;
	}
	sh_unlock(sh);
	return ret;
}

/*
 * Makes room in a full shard (CLOCK): the hand walks the buckets; an
 * expired entry goes at once, a referenced one loses its bit and stays,
 * the first unreferenced one goes. Terminates: after one pass over every
 * bucket no bit is left. Lock held, count > 0.
 */
static void evict_one(struct pc_shard *sh, uint64_t now_s)
{
	for (;;) {
		struct pc_entry **pp = &sh->buckets[sh->hand];
		for (struct pc_entry *e = *pp; e != NULL; e = *pp) {
			bool old = is_expired(e, now_s);
			if (!old && (e->flags & PC_F_REF)) {
				e->flags &= (uint8_t)~PC_F_REF;
				pp = &e->hnext;
				continue;
			}
			*pp = e->hnext;
			free(e);
			sh->count--;
			if (old)
				sh->expired++;
			else
				sh->evictions++;
			return;
		}
		sh->hand = (sh->hand + 1) & (sh->nbuckets - 1);
	}
}

/*
 * How long a response may be served from the cache, 0 when it must not be
 * cached. dnsdist: the smallest record TTL (OPT excluded) capped at maxTTL,
 * not cached below minTTL; SERVFAIL and REFUSED get temporaryFailureTTL;
 * NXDOMAIN and NODATA at most maxNegativeTTL, and (RFC 2308 §5) no longer
 * than the SOA's MINIMUM field.
 */
static uint32_t cache_ttl(const struct fe_cache_conf *c, const struct dg_pkt *p, uint16_t rcode)
{
	if (rcode == 2 || rcode == 5)
		return c->temp_failure_ttl;
	if (rcode != 0 && rcode != 3)
		return 0;
	uint64_t ttl = c->max_ttl;
	for (uint16_t i = 0; i < p->rrcount; i++) {
		const struct dg_rr *rr = &p->rr[i];
		if (rr->type == DG_TYPE_OPT)
			continue;
		if (rr->ttl < ttl)
			ttl = rr->ttl;
		if (rr->type == DG_TYPE_SOA && rr->section == DG_SEC_AUTHORITY && rr->rdlen >= 20) {
			uint32_t minimum = dg_get_u32(p->wire + rr->rdata_off + rr->rdlen - 4);
			if (minimum < ttl)
				ttl = minimum;
		}
	}
	bool negative = rcode == 3 || p->hdr.ancount == 0;
	if (negative && ttl > c->max_negative_ttl)
		ttl = c->max_negative_ttl;
	if (ttl < c->min_ttl)
		return 0;
	return (uint32_t)ttl;
}

static int check_response(const struct fe_query *q, const struct dg_pkt *p)
{
	if (p->hdr.flags & DG_FLAG_TC)
		return DG_EINVAL; /* truncated: the client retries over TCP */
	if (!(p->hdr.flags & DG_FLAG_QR) || DG_OPCODE(p->hdr.flags) != 0 || p->hdr.qdcount != 1)
		return DG_EINVAL;
	if (p->q.qtype != q->q.qtype || p->q.qclass != q->q.qclass ||
	    p->q.qname_len != q->q.qname_len || !dg_dname_eq(p->q.qname, q->q.qname))
		return DG_EINVAL; /* not the answer to this question */
	/* A hit writes the client's qname over the question: it must be
	 * stored literally, not as a pointer, at the same length. */
	if (p->q.end_off != DG_HDR_LEN + q->q.qname_len + 4)
		return DG_EINVAL;
	return DG_OK;
}

static struct pc_entry *entry_build(const struct fe_query *q, const struct dg_pkt *p,
				    uint32_t key, uint32_t valid, uint64_t now_s)
{
	uint16_t nttl = 0;
	for (uint16_t i = 0; i < p->rrcount; i++)
		nttl += p->rr[i].type != DG_TYPE_OPT;
	struct pc_entry *e = malloc(sizeof(*e) + nttl * sizeof(uint16_t) + p->len);
	if (e == NULL)
		return NULL;
	e->hnext = NULL;
	e->inserted_s = (uint32_t)now_s;
	e->valid_s = valid;
	e->key = key;
	e->qflags = q->hdr.flags & PC_QFLAGS;
	e->len = (uint16_t)p->len;
	e->nttl = nttl;
	e->qname_len = (uint8_t)q->q.qname_len;
	e->flags = query_flags(q);
	nttl = 0;
	for (uint16_t i = 0; i < p->rrcount; i++)
		if (p->rr[i].type != DG_TYPE_OPT)
			entry_ttl_offs(e)[nttl++] = p->rr[i].ttl_off;
	memcpy(entry_resp(e), p->wire, p->len);
	/* check_response(): the question is the literal query name, same length */
	memcpy(entry_resp(e) + DG_HDR_LEN, q->q.qname_lc, e->qname_len);
	return e;
}

int pcache_insert(struct pcache *pc, uint32_t key, const struct fe_query *q, const uint8_t *resp,
		  size_t len, uint64_t now_s)
{
	if (pc == NULL || q == NULL || resp == NULL || len < DG_HDR_LEN || len > DG_MAX_UDP)
		return DG_EINVAL;
	struct dg_pkt p;
	int ret = dg_pkt_parse(&p, resp, len, NULL);
	if (ret < 0)
		return DG_EINVAL;
	struct pc_entry *e = NULL;
	ret = check_response(q, &p);
	if (ret == 0) {
		struct dg_edns ed;
		bool has = p.opt_idx >= 0 && dg_edns_parse(&ed, &p) == 0;
		uint32_t valid = cache_ttl(&pc->conf, &p, dg_edns_full_rcode(has ? &ed : NULL, p.hdr.flags));
		if (valid == 0)
			ret = DG_EINVAL;
		else if ((e = entry_build(q, &p, key, valid, now_s)) == NULL)
			ret = DG_ENOMEM;
	}
	dg_pkt_free(&p, NULL);
	if (ret < 0)
		return ret;

	struct pc_shard *sh = shard_of(pc, key);
	sh_lock(sh);
	struct pc_entry *old = find(sh, key);
	if (old != NULL)
		entry_remove(sh, old); /* newer answer (or a colliding query) wins */
	if (sh->count >= sh->max)
		evict_one(sh, now_s);
	struct pc_entry **b = bucket_of(sh, key);
	e->hnext = *b;
	*b = e;
	sh->count++;
	sh->inserts++;
	sh_unlock(sh);
	return DG_OK;
}

void pcache_get_stats(const struct pcache *pc, struct pcache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->max_entries = pc->conf.max_entries;
	for (unsigned i = 0; i < pc->nshards; i++) {
		/* the lock is runtime state, not part of the cache's value */
		struct pc_shard *sh = (struct pc_shard *)&pc->shards[i];
		sh_lock(sh);
		st->hits += sh->hits;
		st->misses += sh->misses;
		st->inserts += sh->inserts;
		st->lookup_collisions += sh->collisions;
		st->evictions += sh->evictions;
		st->expired += sh->expired;
		st->entries += sh->count;
		sh_unlock(sh);
	}
}
