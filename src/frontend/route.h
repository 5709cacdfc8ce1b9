/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The part of the query path that UDP and TCP share: ACL, parsing, query
 * rules, the packet cache and backend selection, ending in one decision
 * (drop, answer now, or forward to a backend). The transport then does the
 * I/O. Runs on a worker thread, on that worker's counters only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "frontend/query.h"

struct worker;
struct fe_backend;
struct pcache;

enum route_kind {
	ROUTE_DROP,    /* counted already; send nothing */
	ROUTE_ANSWER,  /* q->buf/q->len hold an answer (rule, SERVFAIL, cache hit) */
	ROUTE_FORWARD, /* send q to r->be; insert the answer in r->cache under r->key */
};

struct route {
	enum route_kind kind;
	struct fe_backend *be;
	struct pcache *cache; /* NULL: do not cache the answer */
	uint32_t key;
};

/**
 * Decides what to do with the query in q->buf/q->len (client, local,
 * tcp, now_us and worker already filled in). A cache hit is written to a
 * tx buffer of the worker and q->buf/q->len are pointed at it (valid until
 * the worker's next flush), so ROUTE_ANSWER always means "send q->buf".
 * Counts queries, drops, hits and misses.
 */
void route_query(struct worker *w, struct fe_query *q, struct route *r);

/* Payload size advertised in an OPT that dnsgate adds to a query (dnsdist's). */
#define ROUTE_ADDED_PAYLOAD 512

/**
 * Undoes on an answer what route_query() added to its query for the
 * backend (q->edns_added: the whole OPT is removed, as the client sent
 * none; q->ecs_added: the ECS option is removed), updating q->len. Call
 * after the answer went into the cache (entries keep the backend's bytes)
 * and before it is sent. Nothing to do, or no OPT in the answer: q stays.
 */
void route_fix_answer(struct fe_query *q);

/**
 * Handles "no backend available" for q as configured: an answer with
 * SERVFAIL (setServFailWhenNoServer) or a drop. Counts it.
 * @return ROUTE_ANSWER or ROUTE_DROP.
 */
enum route_kind route_no_server(struct worker *w, struct fe_query *q);
