/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * grepq(): select ring entries, sort them by time, print dnsdist's columns
 * (see grepq.h). Control thread only; allocates from the heap.
 */
#include "frontend/grepq.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/conf.h"
#include "frontend/rings.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/sockaddr.h"

/* One selected entry: a query or a response, copied out of the ring. */
struct gq_row {
	uint64_t when_us;
	bool resp;
	union {
		struct ring_query q;
		struct ring_resp r;
	} u;
};

struct gq_list {
	struct gq_row *v;
	size_t n, cap;
	bool oom;
	const struct grepq_sel *sel;
};

int grepq_parse(struct grepq_sel *sel, const char *text)
{
	if (sel == NULL || text == NULL || text[0] == '\0')
		return DG_EINVAL;
	size_t len = strlen(text);
	if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
		char *end;
		long v = strtol(text, &end, 10);
		if (end == text + len - 2 && v >= 0) {
			sel->min_msec = v;
			return DG_OK;
		}
	}
	struct dg_netmask nm; /* parsed aside: a failed parse must not clobber sel */
	if (dg_netmask_parse(&nm, text) == 0) {
		sel->nm = nm;
		sel->has_nm = true;
		return DG_OK;
	}
	uint8_t name[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(name, sizeof(name), text, NULL) > 0) {
		memcpy(sel->name, name, sizeof(name));
		sel->has_name = true;
		return DG_OK;
	}
	return DG_EINVAL;
}

static bool sel_match(const struct grepq_sel *sel, const struct dg_addr *client,
		      const uint8_t *qname, uint8_t qname_len)
{
	if (sel->has_nm && !dg_netmask_contains(&sel->nm, client))
		return false;
	if (sel->has_name && (qname_len == 0 || !dg_dname_is_subdomain(qname, sel->name)))
		return false;
	return true;
}

static struct gq_row *gq_add(struct gq_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct gq_row *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			l->oom = true;
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

static void take_query(const struct ring_query *e, void *ctx)
{
	struct gq_list *l = ctx;
	if (l->sel->min_msec >= 0 || !sel_match(l->sel, &e->client, e->qname, e->qname_len))
		return;
	struct gq_row *row = gq_add(l);
	if (row != NULL)
		*row = (struct gq_row){ .when_us = e->when_us, .resp = false, .u.q = *e };
}

static void take_resp(const struct ring_resp *e, void *ctx)
{
	struct gq_list *l = ctx;
	if (!sel_match(l->sel, &e->client, e->qname, e->qname_len))
		return;
	if (l->sel->min_msec >= 0 && e->latency_us / 1000 <= (uint64_t)l->sel->min_msec)
		return;
	struct gq_row *row = gq_add(l);
	if (row != NULL)
		*row = (struct gq_row){ .when_us = e->when_us, .resp = true, .u.r = *e };
}

static int row_cmp(const void *a, const void *b)
{
	const struct gq_row *x = a, *y = b;
	if (x->when_us != y->when_us)
		return x->when_us < y->when_us ? -1 : 1;
	return (int)x->resp - (int)y->resp; /* a query before its answer */
}

const char *grepq_rcode_str(unsigned rcode, char *buf, size_t bufsz)
{
	static const char *const txt[] = {
		"No Error", "Form Error", "Server Failure", "Non-Existent domain",
		"Not Implemented", "Query Refused", "Name Exists when it should not",
		"RR Set Exists when it should not", "RR Set that should exist does not",
		"Server Not Authoritative for zone / Not Authorized", "Name not contained in zone",
	};
	if (rcode < DG_ARRAY_SIZE(txt))
		return txt[rcode];
	snprintf(buf, bufsz, "Err#%u", rcode);
	return buf;
}

/* "127.0.0.1:5300" / "[::1]:5300" from a ring address and port. */
static void addr_port(char *out, size_t outsz, const struct dg_addr *a, uint16_t port)
{
	union dg_sockaddr sa;
	memset(&sa, 0, sizeof(sa));
	if (a->family == AF_INET) {
		sa.in.sin_family = AF_INET;
		memcpy(&sa.in.sin_addr, a->bytes, 4);
		sa.in.sin_port = htons(port);
	} else if (a->family == AF_INET6) {
		sa.in6.sin6_family = AF_INET6;
		memcpy(&sa.in6.sin6_addr, a->bytes, 16);
		sa.in6.sin6_port = htons(port);
	}
	if (dg_sockaddr_to_str(&sa, out, outsz) < 0)
		snprintf(out, outsz, "?");
}

static void write_row(FILE *out, const struct gq_row *row, const struct fe_conf *conf,
		      uint64_t now_us)
{
	char client[DG_SOCKADDR_STRLEN], server[DG_SOCKADDR_STRLEN] = "", name[DG_DNAME_TXTLEN];
	char type[DG_RRTYPE_TXTLEN], lat[32] = "", rc[96], tmp[16];
	double age = -((double)(now_us > row->when_us ? now_us - row->when_us : 0) / 1e6);
	const uint8_t *qname = row->resp ? row->u.r.qname : row->u.q.qname;
	uint8_t qlen = row->resp ? row->u.r.qname_len : row->u.q.qname_len;
	uint16_t flags = row->resp ? row->u.r.flags : row->u.q.flags;

	if (row->resp)
		addr_port(client, sizeof(client), &row->u.r.client, row->u.r.port);
	else
		addr_port(client, sizeof(client), &row->u.q.client, row->u.q.port);
	if (qlen == 0 || dg_dname_to_str(name, sizeof(name), qname) < 0)
		snprintf(name, sizeof(name), "?");
	if (dg_rrtype_to_str(row->resp ? row->u.r.qtype : row->u.q.qtype, type, sizeof(type)) < 0)
		type[0] = '\0';
	if (row->resp) {
		int be = row->u.r.backend;
		if (conf != NULL && be >= 0 && be < conf->nbackends &&
		    dg_sockaddr_to_str(&conf->backends[be]->addr, server, sizeof(server)) < 0)
			server[0] = '\0';
		snprintf(lat, sizeof(lat), "%.1f", row->u.r.latency_us / 1000.0);
		const char *rs = grepq_rcode_str(row->u.r.rcode, tmp, sizeof(tmp));
		if (row->u.r.rcode == 0)
			snprintf(rc, sizeof(rc), "%s. %u answers", rs, row->u.r.ancount);
		else
			snprintf(rc, sizeof(rc), "%s", rs);
	} else {
		snprintf(rc, sizeof(rc), "Question");
	}
	fprintf(out, "%-7.1f %-47s %-12s %-5u %-25s %-5s %-6s %-2s %-2s %-2s %s\n", age, client,
		server, row->resp ? row->u.r.id : row->u.q.id, name, type, lat,
		flags & DG_FLAG_TC ? "TC" : "", flags & DG_FLAG_RD ? "RD" : "",
		flags & DG_FLAG_AA ? "AA" : "", rc);
}

/* Keeps the newest limit rows of each kind (queries, responses). */
static size_t apply_limit(struct gq_row *v, size_t n, unsigned limit)
{
	if (limit == 0)
		return n;
	size_t nq = 0, nr = 0, keep = 0;
	for (size_t i = n; i-- > 0;) {
		size_t *c = v[i].resp ? &nr : &nq;
		if (*c >= limit) {
			v[i].when_us = UINT64_MAX; /* marked: dropped below */
			continue;
		}
		(*c)++;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].when_us != UINT64_MAX)
			v[keep++] = v[i];
	return keep;
}

int grepq_write(struct rings *r, const struct fe_conf *conf, const struct grepq_sel *sel,
		unsigned limit, uint64_t now_us, FILE *out)
{
	struct gq_list l = { .sel = sel };
	rings_foreach_query(r, 0, take_query, &l);
	rings_foreach_response(r, 0, take_resp, &l);
	if (l.oom) {
		free(l.v);
		return DG_ENOMEM;
	}
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), row_cmp);
	size_t n = apply_limit(l.v, l.n, limit);
	fprintf(out, "%-7s %-47s %-12s %-5s %-25s %-5s %-6s %-2s %-2s %-2s %s\n", "Time", "Client",
		"Server", "ID", "Name", "Type", "Lat.", "TC", "RD", "AA", "Rcode");
	for (size_t i = 0; i < n; i++)
		write_row(out, &l.v[i], conf, now_us);
	free(l.v);
	return (int)n;
}
