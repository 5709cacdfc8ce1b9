/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The packet cache (dnsdist's newPacketCache): whole responses keyed on what
 * makes a query distinct (qname case-insensitively, qtype, qclass, the
 * header flags and EDNS parameters dnsdist keys on). A hit is served with the
 * client's ID and TTLs decremented by the time spent in the cache.
 *
 * Locking: the cache is N shards (numberOfShards), each with its own lock
 * and LRU; a lookup or insert takes exactly one shard lock, never across
 * I/O. Any worker may call any function concurrently.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct fe_cache_conf;
struct fe_query;
struct pcache;

/** Statistics, summed over shards. */
struct pcache_stats {
	uint64_t hits, misses, inserts, deferred_inserts, lookup_collisions, evictions,
		expired, entries, max_entries;
};

/** Creates a cache. Returns NULL on OOM. */
struct pcache *pcache_new(const struct fe_cache_conf *cc);

/** Frees a cache and its entries. */
void pcache_free(struct pcache *pc);

/**
 * Computes the cache key of a parsed query (one pass over the wire query).
 * Stores it where pcache_lookup/pcache_insert find it (the caller keeps it
 * with the outstanding query so the response is inserted under the same key).
 */
uint32_t pcache_key(const struct pcache *pc, const struct fe_query *q);

/**
 * Looks the query up. On a hit, writes the cached response into out (cap
 * bytes) with the query's ID and TTLs aged, and returns its length.
 * @retval >0 length of the response (hit).
 * @retval DG_ENOTFOUND on a miss or an expired entry.
 * @retval DG_ESPACE when cap is too small.
 */
DG_MUSTCHECK int pcache_lookup(struct pcache *pc, uint32_t key, const struct fe_query *q,
			       uint8_t *out, size_t cap, uint64_t now_s);

/**
 * Inserts a backend response for the query q (qname/qtype/qclass checked
 * against the response's question). Truncated responses and responses
 * that are not cacheable (opcode, rcode rules as dnsdist) are not inserted.
 * TTL is the minimum TTL of the records clamped to [minTTL, maxTTL];
 * SERVFAIL/REFUSED use temporaryFailureTTL; negative answers maxNegativeTTL.
 * @retval 0 inserted, DG_EINVAL not cacheable, DG_ENOMEM.
 */
DG_MUSTCHECK int pcache_insert(struct pcache *pc, uint32_t key, const struct fe_query *q,
			       const uint8_t *resp, size_t len, uint64_t now_s);

/** Fills st with the current statistics. */
void pcache_get_stats(const struct pcache *pc, struct pcache_stats *st);

/** Removes every entry (expungeByName/expunge use this). */
void pcache_clear(struct pcache *pc);
