/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Server selection policies, as dnsdist documents them
 * (dnsdist.org/guides/serverselection.html):
 *  - leastOutstanding (default): fewest queries in the air, then lowest
 *    'order', then lowest measured latency;
 *  - firstAvailable: the first server that is up, by increasing 'order'
 *    (dnsdist also skips servers over their QPS limit; dnsgate has no
 *    per-server QPS limit yet, so no server is ever over it), else
 *    leastOutstanding;
 *  - roundrobin: the next server that is up; when none is up, the next
 *    server regardless, unless setRoundRobinFailOnNoServer(true);
 *  - wrandom: random, proportional to 'weight';
 *  - whashed: like wrandom with the qname's hash instead of a random number,
 *    so one name always goes to the same server while the set of servers
 *    that are up does not change;
 *  - chashed: consistent hashing: each server owns 'weight' points on a
 *    32-bit ring (dnsdist gives one point per weight unit, which is why its
 *    documentation recommends weights of 100 to 1000 for chashed); a name
 *    goes to the server owning the first point at or after its hash,
 *    skipping servers that are down, so a server going down only moves the
 *    names it owned.
 *
 * Selection is a pure function of a candidate list: the worker fills in
 * each candidate's state (up, outstanding and latency as that worker sees
 * them, so no counter is shared between workers) and gets an index back.
 * Candidates are given in dnsdist's pool order (increasing 'order', then
 * declaration order): see policy_sort().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "frontend/conf.h"

/* One server as the policy sees it. */
struct pol_cand {
	const struct fe_backend *be; /* order, weight, name (for the ring) */
	bool up;
	uint32_t outstanding;
	uint64_t latency_us;         /* average of recent answers; 0 if unknown */
};

/* A consistent-hash ring: weight points per server, sorted by point. */
struct pol_ring {
	struct pol_point {
		uint32_t point;
		uint32_t cand; /* index in the candidate list the ring was built for */
	} *pts;
	size_t npts;
};

/* Everything else a policy may need for one query. */
struct pol_ctx {
	uint32_t qhash;              /* policy_qname_hash() of the query */
	uint32_t rnd;                /* a fresh random number (wrandom) */
	unsigned *rr_counter;        /* roundrobin position, owned by the caller */
	bool rr_fail_on_no_server;   /* setRoundRobinFailOnNoServer */
	const struct pol_ring *ring; /* chashed; built for the same candidate list */
};

/**
 * Picks a server for a query among n candidates with policy p.
 * Any thread (pure; touches only *ctx->rr_counter).
 * @return the candidate's index, or -1 when no candidate may be used.
 */
int policy_select(enum fe_policy p, const struct pol_cand *c, size_t n, const struct pol_ctx *ctx);

/**
 * Hash of a lower-cased wire qname for whashed/chashed (32-bit FNV-1a over
 * the wire bytes, so equal names hash equally whatever their case was).
 */
uint32_t policy_qname_hash(const uint8_t *qname_lc, size_t len);

/**
 * Sorts servers into dnsdist's pool order: increasing 'order', ties kept in
 * declaration order (fe_backend.index). In place, stable.
 */
void policy_sort(struct fe_backend **servers, size_t n);

/**
 * Builds the chashed ring for servers (in the order candidates will be
 * given): weight points per server, from a hash of the server's address
 * text and the point number, so the ring is the same on every start.
 * Boot time. @retval 0, DG_ENOMEM. Free with policy_ring_free().
 */
DG_MUSTCHECK int policy_ring_build(struct pol_ring *ring, struct fe_backend *const *servers,
				   size_t n);

/** Frees a ring built by policy_ring_build(). */
void policy_ring_free(struct pol_ring *ring);

/** dnsdist's name of a policy ("leastOutstanding", ...). */
const char *policy_name(enum fe_policy p);
