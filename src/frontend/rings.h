/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rings of recent queries and responses (dnsdist's ring buffers), the data
 * behind topQueries/topClients/topResponses, grepq and dynamic blocks.
 *
 * DESIGN: one query ring and one response ring per worker, each written
 * only by its worker (single producer, no lock, no atomic RMW on the query
 * path) and read by the control thread, which merges the workers' rings
 * once per second or on a console command. A reader may race with the
 * writer; each entry carries a sequence number written last (release) and
 * checked by the reader before and after copying (acquire), so a torn entry
 * is skipped, never returned.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/dname.h"
#include "lib/nmg.h"

struct fe_query;
struct rings;

/* A query as the ring keeps it. */
struct ring_query {
	uint64_t when_us;           /* dg_clock_now_us() at receipt */
	struct dg_addr client;
	uint16_t port;              /* client's source port */
	uint16_t id;                /* DNS message ID as the client sent it */
	uint16_t flags;             /* header flags word (RD, CD, opcode...) */
	uint16_t qtype, size;
	uint8_t qname_len;
	uint8_t qname[DG_DNAME_MAXLEN]; /* lower-cased wire name */
};

/* A response as the ring keeps it (sent to the client, from a backend,
 * the cache or self-generated). */
struct ring_resp {
	uint64_t when_us;
	struct dg_addr client;
	uint16_t port;              /* client's source port */
	uint16_t id;                /* DNS message ID as sent to the client */
	uint16_t flags;             /* header flags word (TC, RD, AA...) */
	uint16_t ancount;
	uint16_t qtype, size;
	uint8_t rcode;              /* low 4 bits of the header RCODE */
	uint32_t latency_us;        /* 0 for cache hits and self answers */
	int16_t backend;            /* backend index, -1 when none */
	uint8_t qname_len;
	uint8_t qname[DG_DNAME_MAXLEN];
};

/** Callback for rings_foreach_*; ctx is the caller's. */
typedef void ring_query_fn(const struct ring_query *e, void *ctx);
/** Callback for rings_foreach_responses. */
typedef void ring_resp_fn(const struct ring_resp *e, void *ctx);

/* dnsdist's default ring size (setRingBuffersSize). */
#define RINGS_DEFAULT_SIZE 10000

/**
 * Allocates rings for nworkers workers with capacity entries each, for
 * queries and for responses (dnsdist's setRingBuffersSize, default
 * 10000). Boot time; NULL on OOM or when nworkers or capacity is 0.
 */
struct rings *rings_new(unsigned nworkers, unsigned capacity);

/** Frees the rings (after the workers stopped). */
void rings_free(struct rings *r);

/** Entries per ring (the capacity given to rings_new()); 0 for NULL. */
unsigned rings_capacity(const struct rings *r);

/** Number of workers the rings were made for; 0 for NULL. */
unsigned rings_workers(const struct rings *r);

/**
 * Records a query (q parsed: question, header). Worker 'worker' only; no
 * allocation, no lock. r NULL or worker out of range: nothing happens.
 */
void rings_add_query(struct rings *r, unsigned worker, const struct fe_query *q);

/**
 * Records a response: q->buf holds it (header flags and ANCOUNT are read
 * from there), q's question and client describe it. Worker 'worker' only;
 * no allocation, no lock.
 */
void rings_add_response(struct rings *r, unsigned worker, const struct fe_query *q,
			uint8_t rcode, size_t size, uint32_t latency_us, int backend);

/**
 * Calls fn for every recorded query at or after since_us, worker by worker,
 * each worker's oldest first. Any thread, concurrently with the writers
 * (entries being overwritten during the walk are skipped, never torn); e
 * is a copy valid during the call. Returns the number of entries seen.
 */
size_t rings_foreach_query(struct rings *r, uint64_t since_us, ring_query_fn *fn, void *ctx);

/** Same as rings_foreach_query() for responses. */
size_t rings_foreach_response(struct rings *r, uint64_t since_us, ring_resp_fn *fn, void *ctx);
