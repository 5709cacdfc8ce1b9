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
	bool use_ecs;               /* ECS may be added (dnsdist's dq.useECS, default true);
				     * only backends with useClientSubnet get it */
	uint8_t ecs_prefix;         /* 0: the configured default for the family */
	bool ecs_override;
	bool ecs_value_set;         /* SetECSAction: send ecs_value instead of the client's */
	struct dg_netmask ecs_value;
	uint16_t delay_ms;          /* DelayAction/DelayResponseAction: hold the UDP answer
				     * this long; reset by rules_eval/rules_eval_response */
	/* what route_query() changed in the forwarded query, undone on the answer */
	bool edns_added;            /* an OPT was added: remove the answer's OPT */
	bool ecs_added;             /* an ECS option was added: remove the answer's ECS */
};

/* Header bits of a self-generated answer (dnsdist's aa/ad/ra action options). */
struct fe_answer_flags {
	bool aa, ad;   /* dnsdist's default: cleared */
	int8_t ra;     /* -1: copy RD from the query (dnsdist's default); 0 or 1: force */
	bool tc;
};

/* One record of a self-generated answer; its owner is the query name. */
struct fe_answer_rr {
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata; /* uncompressed RDATA, borrowed for the call */
	uint16_t rdlen;
	const uint8_t *owner; /* NULL: the query name (wire name, borrowed) */
	uint8_t section;      /* 0: answer; 1: authority (NegativeAndSOAAction) */
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
 * Turns the query in q->buf into a response: header flags as fl says (QR
 * set, opcode, RD and CD kept), the question echoed as the client sent it
 * (its case included), the records rrs[0..nrr) in the answer section with
 * the query name as owner (compressed to the question) unless a record
 * names its own owner or the authority section (those come last, in
 * order), and an OPT record
 * when the query had one and conf->add_edns_to_self is set, advertising
 * conf->self_payload_size and copying the query's DO bit. Records that do
 * not fit the client's size (512 or its EDNS payload size over UDP, 65535
 * over TCP) are left out and TC is set, as RFC 2181 §9 asks. Extended
 * RCODEs (> 15) need the OPT record; without one only the low 4 bits are sent.
 * @retval 0, DG_ESPACE (q->cap cannot hold even the question), DG_EINVAL.
 */
DG_MUSTCHECK int query_respond(struct fe_query *q, const struct fe_conf *conf, uint16_t rcode,
			       const struct fe_answer_flags *fl, const struct fe_answer_rr *rrs,
			       int nrr);

/**
 * Turns the query into a truncated empty response (TC set), so that the
 * client retries over TCP.
 * @retval 0, DG_ESPACE.
 */
DG_MUSTCHECK int query_respond_tc(struct fe_query *q, const struct fe_conf *conf);
