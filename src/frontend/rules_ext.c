/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The selectors of issue 6 (LuaRule, RecordsCountRule,
 * RecordsTypeCountRule, EDNSVersionRule, EDNSOptionRule, DSTPortRule,
 * QNameLabelsCountRule, QNameWireLengthRule, RCodeRule, ERCodeRule), kept
 * apart from rules.c, which hands them every kind it does not know. They
 * work on queries and on responses alike (q->buf holds the message), so
 * they read the wire rather than what query_parse() filled in.
 */
#include "frontend/rules_ext.h"

#include <arpa/inet.h>
#include <sys/random.h>

#include "frontend/luart.h"
#include "frontend/rule_types.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Counts records of type in a section (1 answer, 2 authority, 3
 * additional; 0 is the question) by walking the message without
 * decompressing. A malformed message counts what could be read.
 */
static uint32_t count_type(const uint8_t *m, size_t len, uint8_t section, uint16_t type)
{
	if (len < DG_HDR_LEN)
		return 0;
	size_t pos = DG_HDR_LEN;
	uint32_t found = 0;
	for (uint16_t i = 0; i < rd16(m + 4); i++) {
		if (dg_dname_unpack(NULL, 0, m, len, &pos) < 0 || pos + 4 > len)
			return found;
		if (section == 0 && rd16(m + pos) == type)
			found++;
		pos += 4;
	}
	for (uint8_t s = 1; s <= 3; s++) {
		uint16_t n = rd16(m + 4 + 2 * s);
		for (uint16_t i = 0; i < n; i++) {
			if (dg_dname_unpack(NULL, 0, m, len, &pos) < 0 || pos + 10 > len)
				return found;
			if (s == section && rd16(m + pos) == type)
				found++;
			pos += 10 + rd16(m + pos + 8);
			if (pos > len)
				return found;
		}
		if (s == section)
			return found;
	}
	return found;
}

static bool in_range(uint32_t v, const struct rule *r)
{
	return v >= r->u.range.min && v <= r->u.range.max;
}

static bool edns_option(const struct fe_query *q, uint16_t code)
{
	int off = dg_edns_wire_find(q->buf, q->len);
	return off >= 0 && dg_edns_wire_find_option(q->buf, q->len, (size_t)off, code) >= 0;
}

/* The OPT's version (its TTL's second octet), or -1 without an OPT. */
static int edns_version(const struct fe_query *q)
{
	int off = dg_edns_wire_find(q->buf, q->len);
	if (off < 0 || (size_t)off + 11 > q->len)
		return -1;
	return q->buf[off + 6];
}

/* RFC 6891 §6.1.3: the OPT's EXTENDED-RCODE holds the upper 8 bits. */
static unsigned ercode(const struct fe_query *q)
{
	unsigned rc = q->buf[3] & 0x0f;
	int off = dg_edns_wire_find(q->buf, q->len);
	if (off >= 0 && (size_t)off + 11 <= q->len)
		rc |= (unsigned)q->buf[off + 5] << 4;
	return rc;
}

static uint16_t local_port(const struct fe_query *q)
{
	if (q->local.sa.sa_family == AF_INET6)
		return ntohs(q->local.in6.sin6_port);
	return ntohs(q->local.in.sin_port);
}

/*
 * ProbaRule's dice: a per-thread xorshift64*, seeded from getrandom() on a
 * thread's first draw. Sampling needs no cryptographic quality, only no
 * lock and no system call per query.
 */
static uint32_t proba_draw(void)
{
	static _Thread_local uint64_t s;
	if (s == 0 && (getrandom(&s, sizeof(s), 0) != sizeof(s) || s == 0))
		s = (uint64_t)(uintptr_t)&s | 1; /* a distinct, non-zero seed per thread */
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (uint32_t)((s * 0x2545F4914F6CDD1Dull) >> 32);
}

bool rule_match_ext(const struct rule *r, const struct fe_query *q)
{
	switch (r->kind) {
	case RULE_LUA:
		/* a LuaRule may change the query through dq: q is the worker's */
		return luart_rule(*r->u.lua.rt, r->u.lua.id, (struct fe_query *)q);
	case RULE_RECORDS:
		return q->len >= DG_HDR_LEN &&
		       in_range(rd16(q->buf + 4 + 2 * r->u.range.section), r);
	case RULE_RECORDS_TYPE:
		return in_range(count_type(q->buf, q->len, r->u.range.section, r->u.range.type), r);
	case RULE_EDNS_VERSION:
		return edns_version(q) > (int)r->u.range.min;
	case RULE_EDNS_OPTION:
		return edns_option(q, (uint16_t)r->u.range.min);
	case RULE_DSTPORT:
		return local_port(q) == r->u.range.min;
	case RULE_QNAME_LABELS:
		return !in_range((uint32_t)dg_dname_labels(q->q.qname), r);
	case RULE_QNAME_WIRELEN:
		return !in_range(q->q.qname_len, r);
	case RULE_RCODE:
		return q->len >= DG_HDR_LEN && (q->buf[3] & 0x0f) == r->u.range.min;
	case RULE_ERCODE:
		return q->len >= DG_HDR_LEN && ercode(q) == r->u.range.min;
	case RULE_PROBA:
		return proba_draw() < r->u.range.min || r->u.range.max >= 1000000;
	default:
		return false;
	}
}

static const char *section_name(uint8_t s)
{
	static const char *const names[] = { "question", "answer", "authority", "additional" };
	return s < 4 ? names[s] : "?";
}

void rule_describe_ext(struct desc_buf *b, const struct rule *r)
{
	char t[DG_RRTYPE_TXTLEN];
	switch (r->kind) {
	case RULE_LUA: desc_add(b, "Lua script"); break;
	case RULE_RECORDS:
		desc_add(b, "%u <= records in %s <= %u", r->u.range.min,
			 section_name(r->u.range.section), r->u.range.max);
		break;
	case RULE_RECORDS_TYPE:
		if (dg_rrtype_to_str(r->u.range.type, t, sizeof(t)) < 0)
			t[0] = '\0';
		desc_add(b, "%u <= %s records in %s <= %u", r->u.range.min, t,
			 section_name(r->u.range.section), r->u.range.max);
		break;
	case RULE_EDNS_VERSION: desc_add(b, "edns version > %u", r->u.range.min); break;
	case RULE_EDNS_OPTION: desc_add(b, "option %u is present", r->u.range.min); break;
	case RULE_DSTPORT: desc_add(b, "dst port==%u", r->u.range.min); break;
	case RULE_QNAME_LABELS:
		desc_add(b, "labels count < %u || labels count > %u", r->u.range.min, r->u.range.max);
		break;
	case RULE_QNAME_WIRELEN:
		desc_add(b, "wire length < %u || wire length > %u", r->u.range.min, r->u.range.max);
		break;
	case RULE_RCODE: desc_add(b, "rcode==%u", r->u.range.min); break;
	case RULE_ERCODE: desc_add(b, "ercode==%u", r->u.range.min); break;
	case RULE_PROBA: desc_add(b, "match with prob. %f", r->u.range.max / 1e6); break;
	default: break;
	}
}
