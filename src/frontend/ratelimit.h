/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Query rate limits: one global bucket (QPSAction, QPSPoolAction,
 * MaxQPSRule) and per-netmask buckets (MaxQPSIPRule). Both are token
 * buckets of rate qps and depth burst, written as GCRA (the "virtual
 * scheduling" form of a token bucket): the whole state of a bucket is one
 * 64-bit "theoretical arrival time" (TAT), so the global bucket is a single
 * atomic updated with compare-and-swap, lock-free.
 *
 * DESIGN (per-netmask): the client address is masked (v4Mask / v6Mask) and
 * hashed into a fixed-size open-addressing table. Each worker has its own
 * table, allocated by that worker on its first query and written only by
 * it: no lock and no cache line shared between workers on the query path.
 * That is exact because the kernel hands all of a client's queries to the
 * same worker (steer.h: the listeners' SO_REUSEPORT groups pick the socket
 * by the client's address, masked no finer than any MaxQPSIPRule's).
 * Memory is bounded: a table never grows. An
 * entry whose TAT lies in the past has a full bucket, i.e. it is exactly as
 * good as no entry at all, so it is reused freely; this is the expiry, and
 * no cleanup thread is needed. When a probe window holds only active
 * entries, the one closest to a full bucket is evicted (counted): the
 * client it belonged to restarts with a full bucket, which errs towards
 * serving. Time is passed in by the caller (from clock.h), so tests use a
 * fake clock.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/conf.h"
#include "lib/compiler.h"

struct dg_addr;

/* A global token bucket: qps tokens per second, at most burst at once. */
struct rl_bucket {
	_Atomic uint64_t tat_ns; /* theoretical arrival time of the next query */
	uint64_t interval_ns;    /* 1e9 / qps; 0 when qps is 0 (nothing passes) */
	uint64_t tolerance_ns;   /* burst * interval */
	unsigned qps, burst;
};

/**
 * Initialises a bucket allowing qps queries per second with bursts of up to
 * burst queries (0: burst = qps, as dnsdist). The bucket starts full.
 * qps 0 lets nothing through. Configuration time.
 */
void rl_bucket_init(struct rl_bucket *b, unsigned qps, unsigned burst);

/**
 * Takes one token at now_us (dg_clock_now_us()). Lock-free; any thread.
 * @return true when the query is within the rate, false when over it.
 */
bool rl_bucket_take(struct rl_bucket *b, uint64_t now_us);

struct rl_ip;

/* Parameters of MaxQPSIPRule (dnsdist's names and defaults). */
struct rl_ip_conf {
	unsigned qps;
	unsigned burst;       /* 0: same as qps */
	uint8_t v4_mask;      /* default 32 */
	uint8_t v6_mask;      /* default 64 */
	size_t max_entries;   /* memory bound; 0: RL_IP_DEFAULT_ENTRIES */
};

#define RL_IP_DEFAULT_ENTRIES (1u << 18)

/** Creates a per-netmask limiter. Returns NULL on OOM or a mask out of range. */
struct rl_ip *rl_ip_new(const struct rl_ip_conf *c);

/** Frees a limiter. */
void rl_ip_free(struct rl_ip *rl);

/**
 * Counts one query from addr at now_us against its netmask's bucket in
 * worker's table (allocated on the worker's first call; if that fails the
 * query is not limited). Only worker's own thread may pass worker, which
 * must be below FE_MAX_WORKERS (else nothing is limited). No lock.
 * @return true when that netmask is over its rate (MaxQPSIPRule matches).
 */
bool rl_ip_over(struct rl_ip *rl, unsigned worker, const struct dg_addr *addr, uint64_t now_us);

/** The parameters the limiter was created with (for showRules()). */
const struct rl_ip_conf *rl_ip_conf(const struct rl_ip *rl);

/** Evictions of still-active entries so far (table pressure), summed over
 * the workers' tables. Any thread. */
uint64_t rl_ip_evictions(const struct rl_ip *rl);
