/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Parsing a query once into struct fe_query, and the answers the frontend
 * writes itself (RCodeAction, Spoof*, TCAction, SERVFAIL with no server).
 * Self-generated answers are rebuilt over the query buffer with the packet
 * builder: the question comes from q->q, a copy, so overwriting the wire
 * query is safe.
 */
#include "frontend/query.h"

#include "frontend/conf.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pktbuild.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

static struct fe_pool *default_pool(const struct fe_conf *conf)
{
	/* Not fe_conf_find_pool(): the default pool is looked up per query and
	 * its name is empty, so one byte comparison per pool is enough. */
	for (int i = 0; i < conf->npools; i++)
		if (conf->pools[i]->name[0] == '\0')
			return conf->pools[i];
	return NULL;
}

/* Sets q's EDNS fields from the OPT record whose owner octet is at off. */
static void set_opt(struct fe_query *q, size_t off)
{
	const uint8_t *o = q->buf + off;
	uint32_t ttl = dg_get_u32(o + 5);
	q->has_opt = true;
	q->opt_off = (uint16_t)off;
	q->udp_size = dg_get_u16(o + 3);
	q->edns_version = (uint8_t)(ttl >> 16);
	q->do_bit = (ttl & DG_EDNS_DO) != 0;
}

/* RFC 6891 §6.1.2: the options { code, length, data } tile the RDATA exactly. */
static int check_options(const uint8_t *rdata, size_t rdlen)
{
	size_t pos = 0;
	while (pos < rdlen) {
		if (rdlen - pos < 4 || rdlen - pos - 4 < dg_get_u16(rdata + pos + 2))
			return DG_EOPT_TRUNC;
		pos += 4 + (size_t)dg_get_u16(rdata + pos + 2);
	}
	return DG_OK;
}

/*
 * The usual query: the question, then nothing or one OPT record owned by
 * the root that ends the message. This shape is validated here; anything
 * else goes through the strict parser.
 */
static bool is_plain(const struct fe_query *q)
{
	size_t end = q->q.end_off;
	if (q->hdr.ancount != 0 || q->hdr.nscount != 0 || q->hdr.arcount > 1)
		return false;
	if (q->hdr.arcount == 0)
		return end == q->len;
	if (q->len - end < DG_EDNS_OPT_FIXED)
		return false;
	const uint8_t *o = q->buf + end;
	return o[0] == 0 && dg_get_u16(o + 1) == DG_TYPE_OPT &&
	       end + DG_EDNS_OPT_FIXED + dg_get_u16(o + 9) == q->len;
}

/*
 * Queries with more records than an OPT (UPDATE, TSIG, or garbage) are
 * rare, so they can afford the strict parser and its one allocation: a
 * malformed query is then refused with the error naming its fault, as
 * the malformed corpus expects, and not forwarded for a backend to choke on.
 */
static int parse_records(struct fe_query *q)
{
	if (is_plain(q)) {
		if (q->hdr.arcount == 0)
			return DG_OK;
		set_opt(q, q->q.end_off);
		return check_options(q->buf + q->q.end_off + DG_EDNS_OPT_FIXED,
				     q->len - q->q.end_off - DG_EDNS_OPT_FIXED);
	}
	struct dg_pkt p;
	int ret = dg_pkt_parse(&p, q->buf, q->len, NULL);
	if (ret < 0)
		return ret;
	if (p.opt_idx >= 0) {
		const struct dg_rr *rr = &p.rr[p.opt_idx];
		set_opt(q, rr->owner_off);
		ret = check_options(q->buf + rr->rdata_off, rr->rdlen);
	}
	dg_pkt_free(&p, NULL);
	return ret;
}

int query_parse(struct fe_query *q, const struct fe_conf *conf)
{
	if (q == NULL || q->buf == NULL || conf == NULL)
		return DG_EINVAL;
	int ret = dg_pkt_parse_question(&q->hdr, &q->q, q->buf, q->len);
	if (ret < 0)
		return ret;
	if (q->hdr.flags & DG_FLAG_QR)
		return DG_EINVAL;
	q->has_opt = false;
	q->opt_off = 0;
	q->udp_size = 512;
	q->do_bit = false;
	q->edns_version = 0;
	ret = parse_records(q);
	if (ret < 0)
		return ret;
	if (q->client_addr.family == 0 && q->client.sa.sa_family != 0 &&
	    dg_addr_from_sockaddr(&q->client_addr, &q->client.sa) < 0)
		return DG_EINVAL;

	q->pool = default_pool(conf);
	q->skip_cache = false;
	q->use_ecs = true;
	q->ecs_prefix = 0;
	q->ecs_override = conf->ecs_override;
	q->ecs_value_set = false;
	q->edns_added = false;
	q->ecs_added = false;
	/* rules_eval() resets it too, but a dynamic block answers before the
	 * rules run, and its answer must not be held by a stale value */
	q->delay_ms = 0;
	return DG_OK;
}

/* The size the client can take: 512 or its EDNS payload over UDP, any over TCP. */
static size_t answer_limit(const struct fe_query *q)
{
	size_t limit = 65535;
	if (!q->tcp)
		limit = q->has_opt && q->udp_size > 512 ? q->udp_size : 512;
	return limit < q->cap ? limit : q->cap;
}

static uint16_t answer_header(const struct fe_query *q, const struct fe_answer_flags *fl)
{
	uint16_t qf = q->hdr.flags;
	uint16_t f = DG_FLAG_QR | (uint16_t)(qf & (0x7800 | DG_FLAG_RD | DG_FLAG_CD));
	bool ra = fl->ra < 0 ? (qf & DG_FLAG_RD) != 0 : fl->ra > 0;
	if (ra)
		f |= DG_FLAG_RA;
	if (fl->aa)
		f |= DG_FLAG_AA;
	if (fl->ad)
		f |= DG_FLAG_AD;
	if (fl->tc)
		f |= DG_FLAG_TC;
	return f;
}

int query_respond(struct fe_query *q, const struct fe_conf *conf, uint16_t rcode,
		  const struct fe_answer_flags *fl, const struct fe_answer_rr *rrs, int nrr)
{
	if (q == NULL || conf == NULL || fl == NULL || (nrr > 0 && rrs == NULL))
		return DG_EINVAL;
	bool add_opt = q->has_opt && conf->add_edns_to_self;
	struct dg_pb pb;
	int ret = dg_pb_init(&pb, q->buf, q->cap, answer_limit(q), q->hdr.id,
			     answer_header(q, fl));
	if (ret < 0)
		return ret;
	if (add_opt && dg_pb_reserve(&pb, DG_EDNS_OPT_FIXED) < 0)
		add_opt = false;
	ret = dg_pb_question(&pb, q->q.qname, q->q.qtype, q->q.qclass);
	if (ret < 0)
		return ret;
	ret = dg_pb_section(&pb, DG_SEC_ANSWER);
	for (int i = 0; ret == 0 && i < nrr; i++) {
		if (rrs[i].section == 1 && pb.section != DG_SEC_AUTHORITY)
			ret = dg_pb_section(&pb, DG_SEC_AUTHORITY);
		if (ret == 0)
			ret = dg_pb_rr(&pb, rrs[i].owner ? rrs[i].owner : q->q.qname, rrs[i].type,
				       q->q.qclass, rrs[i].ttl, rrs[i].rdata, rrs[i].rdlen);
	}
	if (ret < 0 && ret != DG_ETRUNCATED)
		return ret;

	struct dg_edns e;
	dg_edns_init(&e, conf->self_payload_size);
	if (q->do_bit)
		e.flags |= DG_EDNS_DO;
	if (dg_edns_set_rcode(add_opt ? &e : NULL, &pb, rcode) < 0)
		dg_pb_set_rcode(&pb, (uint8_t)(rcode & 0xf));
	if (add_opt) {
		ret = dg_edns_write(&pb, &e, 0);
		if (ret < 0)
			return ret;
	}
	q->len = dg_pb_finish(&pb);
	return DG_OK;
}

int query_respond_rcode(struct fe_query *q, const struct fe_conf *conf, uint16_t rcode)
{
	const struct fe_answer_flags fl = { .ra = -1 };
	return query_respond(q, conf, rcode, &fl, NULL, 0);
}

int query_respond_tc(struct fe_query *q, const struct fe_conf *conf)
{
	const struct fe_answer_flags fl = { .ra = -1, .tc = true };
	return query_respond(q, conf, 0, &fl, NULL, 0);
}
