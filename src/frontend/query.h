/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The per-query context that flows through the frontend: the wire query,
 * what was parsed from it once, where it came from, and what rules decided.
 * A worker owns its fe_query objects; nothing here is shared between threads.
 * Self-generated answers (RCode, Spoof, TC, SERVFAIL when no server) are
 * written over the query in place, so the buffer must have room for a
 * response (cap >= FE_QUERY_BUFSZ).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/nmg.h"
#include "lib/pkt.h"
#include "lib/sockaddr.h"

struct fe_conf;
struct fe_pool;

/* A self-generated answer never exceeds this; TCP queries up to 65535. */
#define FE_QUERY_BUFSZ 65535

struct fe_query {
	uint8_t *buf;               /* borrowed from the worker; query, then maybe response */
	size_t len, cap;
	struct dg_hdr hdr;
	struct dg_question q;       /* qname_lc is the key for matching */

	/* EDNS of the query (filled by query_parse) */
	bool has_opt;
	uint16_t opt_off;           /* offset of the OPT RR's owner byte */
	uint16_t udp_size;          /* requestor's payload size, 512 without OPT */
	bool do_bit;
	uint8_t edns_version;

	union dg_sockaddr client;   /* source of the query */
	union dg_sockaddr local;    /* address the query arrived on (PKTINFO) */
	int ifindex;                /* interface it arrived on, for the reply */
	struct dg_addr client_addr; /* client as a dg_addr, for netmask matching */
	bool tcp;
	uint64_t now_us;            /* when the query was received (clock.h) */
	unsigned worker;            /* index of the worker handling it */

	/* decided by rules (defaults: the default pool, cache allowed) */
	struct fe_pool *pool;
	bool skip_cache;
	bool use_ecs;               /* add or override EDNS Client Subnet towards the backend */
	uint8_t ecs_prefix;         /* 0: the configured default for the family */
	bool ecs_override;
};

/* What the frontend does with a query after its rules ran. */
enum fe_verdict {
	FE_V_FORWARD, /* send to q->pool (cache first unless q->skip_cache) */
	FE_V_DROP,    /* send nothing; the caller counts the drop */
	FE_V_ANSWER,  /* q->buf and q->len now hold a response: send it */
};

/**
 * Parses what the frontend needs from q->buf/q->len: header, question and
 * the OPT record if any (EDNS fields above). Sets q->pool to the default
 * pool of conf. Called once per query by the worker.
 * @retval 0 on success.
 * @retval any DG_E* parse error: the worker drops the query and counts the
 *         error by name (a query that is a response, QR set, is DG_EINVAL).
 */
DG_MUSTCHECK int query_parse(struct fe_query *q, const struct fe_conf *conf);

/**
 * Turns the query in q->buf into a response with this RCODE: QR set, RA
 * copied from RD... as dnsdist does for self-generated answers, the question
 * echoed, no records, and an OPT record when the query had one and the
 * configuration asks for it (setAddEDNSToSelfGeneratedResponses,
 * setPayloadSizeOnSelfGeneratedAnswers). Extended RCODEs (> 15) go in OPT.
 * @retval 0, DG_ESPACE.
 */
DG_MUSTCHECK int query_respond_rcode(struct fe_query *q, const struct fe_conf *conf,
				     uint16_t rcode);

/**
 * Turns the query into a truncated empty response (TC set), so that the
 * client retries over TCP.
 * @retval 0, DG_ESPACE.
 */
DG_MUSTCHECK int query_respond_tc(struct fe_query *q, const struct fe_conf *conf);
