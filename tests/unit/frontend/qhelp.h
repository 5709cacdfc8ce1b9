/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Helpers shared by the frontend unit tests: build a wire query with the
 * packet builder and parse it into a struct fe_query.
 */
#pragma once

#include <arpa/inet.h>
#include <stdlib.h>

#include "frontend/query.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pktbuild.h"

struct qspec {
	const char *name;
	uint16_t qtype, qclass;
	uint16_t id, flags;  /* flags: default RD when 0 and !noflags */
	bool noflags;
	bool edns, do_bit;
	uint16_t udp_size;
	const char *client;  /* "192.0.2.1" or "2001:db8::1"; default 192.0.2.1 */
	uint16_t port;
	bool tcp;
	const uint8_t *opt_data; /* one extra EDNS option */
	uint16_t opt_code, opt_len;
};

/* Builds the query into a fresh FE_QUERY_BUFSZ buffer owned by q (free q->buf). */
static inline int qh_build(struct fe_query *q, const struct qspec *s)
{
	memset(q, 0, sizeof(*q));
	q->cap = FE_QUERY_BUFSZ;
	q->buf = calloc(1, q->cap);
	uint8_t name[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(name, sizeof(name), s->name, NULL) <= 0)
		return -1;
	struct dg_pb pb;
	uint16_t flags = s->flags ? s->flags : (s->noflags ? 0 : DG_FLAG_RD);
	if (dg_pb_init(&pb, q->buf, q->cap, 65535, s->id, flags) < 0)
		return -1;
	if (dg_pb_question(&pb, name, s->qtype ? s->qtype : 1, s->qclass ? s->qclass : 1) < 0)
		return -1;
	if (s->edns) {
		struct dg_edns e;
		dg_edns_init(&e, s->udp_size ? s->udp_size : 1232);
		if (s->do_bit)
			e.flags |= DG_EDNS_DO;
		if (s->opt_len && dg_edns_add_opt(&e, s->opt_code, s->opt_len, s->opt_data) < 0)
			return -1;
		if (dg_edns_write(&pb, &e, 0) < 0)
			return -1;
	}
	q->len = dg_pb_finish(&pb);
	const char *c = s->client ? s->client : "192.0.2.1";
	if (strchr(c, ':')) {
		q->client.in6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, c, &q->client.in6.sin6_addr);
		q->client.in6.sin6_port = htons(s->port ? s->port : 5353);
	} else {
		q->client.in.sin_family = AF_INET;
		inet_pton(AF_INET, c, &q->client.in.sin_addr);
		q->client.in.sin_port = htons(s->port ? s->port : 5353);
	}
	q->local.in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &q->local.in.sin_addr);
	q->tcp = s->tcp;
	return 0;
}
