/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Frontend counters: queries, responses, drops by reason, cache hits and
 * misses, and per-backend traffic. Each worker owns one struct fe_stats and
 * is its only writer; readers (the console, the shutdown summary) sum all
 * workers' copies. Counters are _Atomic only so that a reader on another
 * thread sees whole values: the owner bumps them with a relaxed load and a
 * relaxed store (STAT_INC), never a locked read-modify-write, so the query
 * path pays nothing for sharing (STYLE.md 8.5: per-thread, summed on read).
 */
#pragma once

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

/* Why a query or response was dropped. */
enum fe_drop {
	FE_DROP_ACL,           /* client outside the ACL */
	FE_DROP_MALFORMED,     /* query_parse failed (detail in malformed[]) */
	FE_DROP_RULE,          /* a DropAction (or a rule verdict) */
	FE_DROP_NO_SERVER,     /* no backend up in the pool */
	FE_DROP_OUTSTANDING,   /* the backend's ID table is full */
	FE_DROP_NOMEM,         /* out of memory on the query path */
	FE_DROP_SEND,          /* sending failed (backend or client) */
	FE_DROP_RESP_RULE,     /* a response rule dropped the answer */
	FE_DROP_RESP_UNMATCHED, /* backend answer matching no outstanding query */
	FE_DROP_RESP_MALFORMED, /* backend answer that does not parse */
	FE_DROP_TRUNCATED,     /* datagram larger than the receive buffer */
	FE_DROP_TCP_LIMIT,     /* TCP connection refused by a limit */
	FE_DROP_TCP_TIMEOUT,   /* TCP client too slow (setTCPRecvTimeout) */
	FE_DROP_TCP_BADFRAME,  /* TCP frame shorter than a header, or garbage */
	FE_DROP_DYNBLOCK,      /* client under a dynamic block (dynblock.h) */
	FE_DROP_COUNT
};

/* Number of dnsgate error codes (DG_E_BASE+1 .. DG_E_END-1) plus one slot
 * for errno-style codes, so malformed drops are counted per DG_E* name. */
#define FE_ERR_SLOTS ((size_t)(DG_E_END - DG_E_BASE))

/*
 * Backend latency histogram: FE_LAT_BUCKETS slots, slot i counts answers
 * with latency <= fe_lat_bounds_us[i] (and above the previous bound), the
 * last slot everything slower. The bounds include dnsdist's global ones
 * (1, 10, 50, 100, 1000 ms) so dnsdist_latency_bucket is a sum of slots.
 */
#define FE_LAT_BUCKETS 10
extern const uint32_t fe_lat_bounds_us[FE_LAT_BUCKETS - 1];

/* One backend's counters, as seen by one worker. */
struct fe_be_stats {
	_Atomic uint64_t queries, responses, timeouts, send_errors;
	_Atomic uint64_t latency_sum_us; /* over responses */
	_Atomic uint64_t tcp_queries;
	_Atomic uint64_t latency_hist[FE_LAT_BUCKETS];
	_Atomic uint64_t servfails;      /* answers with RCODE SERVFAIL */
};

struct fe_stats {
	_Atomic uint64_t queries;     /* UDP and TCP queries received */
	_Atomic uint64_t tcp_queries; /* of which over TCP */
	_Atomic uint64_t responses;   /* answers sent to clients */
	_Atomic uint64_t self_answers; /* answered by a rule or SERVFAIL-when-no-server */
	_Atomic uint64_t cache_hits, cache_misses;
	_Atomic uint64_t tcp_conns;   /* TCP client connections accepted */
	_Atomic uint64_t drops[FE_DROP_COUNT];
	_Atomic uint64_t malformed[FE_ERR_SLOTS]; /* index: stats_err_slot() */
	_Atomic uint64_t rcodes[16];  /* answers sent to clients, by header RCODE */
	_Atomic uint64_t rd_queries;  /* queries with RD set (dnsdist rdqueries) */
	struct fe_be_stats *be;       /* nbe entries, one per conf backend */
	int nbe;
};

/* Owner-only increment: relaxed load + store, no locked instruction. */
#define STAT_ADD(ctr, n)                                                                  \
	atomic_store_explicit(&(ctr), atomic_load_explicit(&(ctr), memory_order_relaxed) + (n), \
			      memory_order_relaxed)
#define STAT_INC(ctr) STAT_ADD(ctr, 1)

/** The latency histogram slot for latency_us (see fe_lat_bounds_us). */
static inline unsigned stats_lat_slot(uint64_t latency_us)
{
	unsigned i = 0;
	while (i < FE_LAT_BUCKETS - 1 && latency_us > fe_lat_bounds_us[i])
		i++;
	return i;
}

/**
 * Counts one answer from backend be (index in st->be) that took latency_us,
 * with the answer's header RCODE. Owner worker only.
 */
static inline void stats_be_answer(struct fe_stats *st, int be, uint64_t latency_us,
				   unsigned rcode)
{
	struct fe_be_stats *b = &st->be[be];
	STAT_INC(b->responses);
	STAT_ADD(b->latency_sum_us, latency_us);
	STAT_INC(b->latency_hist[stats_lat_slot(latency_us)]);
	if (rcode == 2)
		STAT_INC(b->servfails);
}

/**
 * Counts one answer sent to a client: msg/len is the DNS message; its
 * RCODE is counted in st->rcodes. Owner worker only.
 */
static inline void stats_client_answer(struct fe_stats *st, const uint8_t *msg, size_t len)
{
	STAT_INC(st->responses);
	if (len >= 4)
		STAT_INC(st->rcodes[msg[3] & 0x0f]);
}

/**
 * Prepares a worker's counters for nbe backends (all zero). Boot time:
 * exits on OOM. Free with stats_fini().
 */
void stats_init(struct fe_stats *st, int nbe);

/** Releases what stats_init() allocated. */
void stats_fini(struct fe_stats *st);

/** Index in fe_stats.malformed for an error code (0 is "not a DG_E* code"). */
size_t stats_err_slot(int err);

/** Counts a dropped query for reason; err is the parse error for FE_DROP_MALFORMED. */
void stats_drop(struct fe_stats *st, enum fe_drop reason, int err);

/** The short name of a drop reason ("acl", "malformed", ...), for logs. */
const char *stats_drop_name(enum fe_drop reason);

/**
 * Adds every counter of src into dst (dst was prepared by stats_init()
 * with the same number of backends). Any thread; src may be live.
 */
void stats_sum(struct fe_stats *dst, const struct fe_stats *src);

/**
 * Writes a one-line summary of st ("queries=... responses=... drops: acl=1
 * malformed=2 (DG_EHDR_SHORT=2) ...") into out. Only non-zero drop reasons
 * are listed. @retval length written (cut to outsz - 1).
 */
size_t stats_format(const struct fe_stats *st, char *out, size_t outsz);
