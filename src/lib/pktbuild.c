/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Message builder: writes header, question and records into a bounded
 * buffer with name compression, and truncates on RRset boundaries.
 *
 * DESIGN: every write goes through a dg_wr cursor whose end is the size
 * limit, so no path can write past it; a record is written tentatively and
 * only committed (len, counts) when the cursor reports no error. The
 * compression table holds the offsets of names written with at least one
 * literal label; a new name is compared, suffix against suffix, with each
 * stored name as it stands in the output (pointers followed), so a stored
 * "www.example.com." also serves "example.com." and "com.". Rolling back
 * drops the table entries at or past the new end.
 */
#include <assert.h>
#include <string.h>

#include "lib/dname.h"
#include "lib/err.h"
#include "lib/pktbuild.h"
#include "lib/wire.h"

/* RFC 1035 §4.1.4: a pointer is two octets, 11 then a 14-bit offset. */
#define PTR_MARK 0xc0
#define PTR_MAX_OFF 0x3fff
/* owner (root) is counted apart: TYPE, CLASS, TTL, RDLENGTH */
#define RR_FIXED 10

static void pb_sync_counts(struct dg_pb *pb)
{
	for (int i = 0; i < 4; i++)
		dg_put_u16(pb->buf + 4 + 2 * i, pb->counts[i]);
}

int dg_pb_init(struct dg_pb *pb, uint8_t *buf, size_t bufsz, size_t limit, uint16_t id,
	       uint16_t flags)
{
	if (pb == NULL || buf == NULL || limit > bufsz || limit > DG_MAX_UDP)
		return DG_EINVAL;
	if (limit < DG_HDR_LEN)
		return DG_ESPACE;
	memset(pb, 0, sizeof(*pb));
	pb->buf = buf;
	pb->limit = limit;
	pb->len = DG_HDR_LEN;
	pb->section = DG_SEC_QUESTION;
	dg_put_u16(buf, id);
	dg_put_u16(buf + 2, flags);
	pb_sync_counts(pb);
	return DG_OK;
}

void dg_pb_set_flags(struct dg_pb *pb, uint16_t flags)
{
	/* a truncated message must keep saying so */
	if (pb->err == DG_ETRUNCATED)
		flags |= DG_FLAG_TC;
	dg_put_u16(pb->buf + 2, flags);
}

uint16_t dg_pb_flags(const struct dg_pb *pb)
{
	return dg_get_u16(pb->buf + 2);
}

void dg_pb_set_rcode(struct dg_pb *pb, uint8_t rcode)
{
	dg_pb_set_flags(pb, (uint16_t)((dg_pb_flags(pb) & ~0xfu) | (rcode & 0xfu)));
}

int dg_pb_section(struct dg_pb *pb, enum dg_section sec)
{
	if (sec < pb->section || sec > DG_SEC_ADDITIONAL)
		return DG_EINVAL;
	if (sec != pb->section)
		pb->rrset_open = false; /* an RRset never spans sections */
	pb->section = (uint16_t)sec;
	return DG_OK;
}

int dg_pb_reserve(struct dg_pb *pb, size_t n)
{
	if (n > pb->limit || pb->len > pb->limit - n)
		return DG_ESPACE;
	pb->reserved = n;
	return DG_OK;
}

/* Cursor from the current end of the message to 'end' (never past limit). */
static struct dg_wr pb_cursor(const struct dg_pb *pb, size_t end)
{
	assert(end <= pb->limit);
	if (end < pb->len)
		end = pb->len; /* reserved bytes already used by dg_pb_rr_open() */
	struct dg_wr wr = { pb->buf, pb->buf + pb->len, pb->buf + end, DG_OK };
	return wr;
}

/* Forgets stored names at or past 'len' (they were rolled back). Entries
 * are in increasing offset order, so they are at the end of the table. */
static void comp_drop_from(struct dg_pb *pb, size_t len)
{
	while (pb->ncomp > 0 && pb->comp_off[pb->ncomp - 1] >= len)
		pb->ncomp--;
}

/* Follows pointers in our own output until a label starts. The builder
 * only writes backward pointers, so this ends. */
static size_t out_resolve(const struct dg_pb *pb, size_t pos)
{
	while ((pb->buf[pos] & PTR_MARK) == PTR_MARK) {
		size_t to = (size_t)(dg_get_u16(pb->buf + pos) & PTR_MAX_OFF);
		assert(to < pos);
		pos = to;
	}
	return pos;
}

static int out_labels(const struct dg_pb *pb, size_t pos)
{
	int n = 0;
	for (pos = out_resolve(pb, pos); pb->buf[pos] != 0; pos = out_resolve(pb, pos)) {
		pos += 1u + pb->buf[pos];
		n++;
	}
	return n;
}

static bool label_eq(const uint8_t *a, const uint8_t *b)
{
	if (a[0] != b[0])
		return false;
	for (int i = 1; i <= a[0]; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/*
 * Longest common suffix of name (n labels starting at name + lab[i]) and
 * the stored name at off. Returns the number of labels in it (the root not
 * counted) and its offset in the output in *target. A suffix may only start
 * at an offset a pointer can reach.
 */
static int comp_match(const struct dg_pb *pb, size_t off, const uint8_t *name,
		      const uint8_t *lab, int n, size_t *target)
{
	int m = out_labels(pb, off);
	size_t pos = out_resolve(pb, off);
	int i = 0, run = 0;

	/* align both names on their last labels */
	for (int skip = m - n; skip > 0; skip--)
		pos = out_resolve(pb, pos + 1u + pb->buf[pos]);
	if (n > m)
		i = n - m;
	for (; i < n; i++) {
		const uint8_t *b = pb->buf + pos;
		if (!label_eq(name + lab[i], b))
			run = 0;
		else if (run > 0 || pos <= PTR_MAX_OFF) {
			if (run++ == 0)
				*target = pos;
		}
		pos = out_resolve(pb, pos + 1u + b[0]);
	}
	return run;
}

/* Writes name, compressed against the table; remembers it when asked. */
static void pb_put_name(struct dg_pb *pb, struct dg_wr *wr, const uint8_t *name, bool remember)
{
	uint8_t lab[DG_DNAME_MAXLABELS];
	int n = 0;
	for (size_t p = 0; name[p] != 0; p += 1u + name[p])
		lab[n++] = (uint8_t)p;

	int best = 0;
	size_t target = 0;
	for (int k = 0; k < pb->ncomp && best < n; k++) {
		size_t t = 0;
		int r = comp_match(pb, pb->comp_off[k], name, lab, n, &t);
		if (r > best) {
			best = r;
			target = t;
		}
	}

	size_t start = dg_wr_off(wr);
	size_t literal = best > 0 ? lab[n - best] : dg_dname_len(name);
	dg_wr_bytes(wr, name, literal);
	if (best > 0)
		dg_wr_u16(wr, (uint16_t)(PTR_MARK << 8 | target));
	if (remember && wr->err == DG_OK && n - best > 0 && start <= PTR_MAX_OFF &&
	    pb->ncomp < DG_PB_COMP_MAX)
		pb->comp_off[pb->ncomp++] = (uint16_t)start;
}

int dg_pb_question(struct dg_pb *pb, const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	if (pb->section != DG_SEC_QUESTION)
		return DG_EINVAL;
	struct dg_wr wr = pb_cursor(pb, pb->limit - pb->reserved);
	pb_put_name(pb, &wr, qname, true);
	dg_wr_u16(&wr, qtype);
	dg_wr_u16(&wr, qclass);
	if (wr.err != DG_OK) {
		comp_drop_from(pb, pb->len);
		return DG_ESPACE;
	}
	pb->len = dg_wr_off(&wr);
	pb->counts[DG_SEC_QUESTION]++;
	pb_sync_counts(pb);
	return DG_OK;
}

/*
 * RDATA layout of the types whose names are compressed (RFC 3597 §4: only
 * the RFC 1035 types): 'pre' fixed octets, 'names' names, 'post' fixed
 * octets, nothing else. Every other type has names == 0 and is copied.
 */
struct rd_layout {
	uint8_t pre, names, post;
};

static struct rd_layout rd_layout_of(uint16_t type)
{
	struct rd_layout l = { 0, 0, 0 };
	switch (type) {
	case 2:  /* NS */
	case 3:  /* MD */
	case 4:  /* MF */
	case 5:  /* CNAME */
	case 7:  /* MB */
	case 8:  /* MG */
	case 9:  /* MR */
	case 12: /* PTR */
		l.names = 1;
		break;
	case 6: /* SOA: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM */
		l.names = 2;
		l.post = 20;
		break;
	case 14: /* MINFO: RMAILBX EMAILBX */
		l.names = 2;
		break;
	case 15: /* MX: PREFERENCE EXCHANGE */
		l.pre = 2;
		l.names = 1;
		break;
	default:
		break;
	}
	return l;
}

/* Checks RDATA of a compressed type against its layout before anything is
 * written, so a bad record leaves the message unchanged. */
static int rd_check(struct rd_layout l, const uint8_t *rdata, uint16_t rdlen)
{
	size_t pos = l.pre;
	if (l.names == 0)
		return DG_OK;
	if (rdata == NULL || rdlen < pos)
		return DG_EINVAL;
	for (int i = 0; i < l.names; i++) {
		int r = dg_dname_check(rdata + pos, rdlen - pos);
		if (r < 0)
			return DG_EINVAL;
		pos += (size_t)r;
	}
	return rdlen - pos == l.post ? DG_OK : DG_EINVAL;
}

static void rd_put(struct dg_pb *pb, struct dg_wr *wr, struct rd_layout l, const uint8_t *rdata,
		   uint16_t rdlen)
{
	if (l.names == 0) {
		dg_wr_bytes(wr, rdata, rdlen);
		return;
	}
	size_t pos = l.pre;
	dg_wr_bytes(wr, rdata, l.pre);
	for (int i = 0; i < l.names; i++) {
		pb_put_name(pb, wr, rdata + pos, true);
		pos += dg_dname_len(rdata + pos);
	}
	dg_wr_bytes(wr, rdata + pos, l.post);
}

/* Cuts the message back to the start of the RRset being written. */
static int pb_truncate(struct dg_pb *pb)
{
	pb->len = pb->rrset_start_len;
	pb->counts[pb->section] = pb->rrset_start_count;
	comp_drop_from(pb, pb->len);
	pb->rrset_open = false;
	pb->err = DG_ETRUNCATED;
	dg_pb_set_flags(pb, dg_pb_flags(pb));
	pb_sync_counts(pb);
	return DG_ETRUNCATED;
}

static void pb_rrset_track(struct dg_pb *pb, const uint8_t *owner, uint16_t type,
			   uint16_t rclass)
{
	if (pb->rrset_open && type == pb->rrset_type && rclass == pb->rrset_class &&
	    dg_dname_eq(owner, pb->rrset_owner))
		return;
	pb->rrset_open = true;
	pb->rrset_start_len = pb->len;
	pb->rrset_start_count = pb->counts[pb->section];
	pb->rrset_type = type;
	pb->rrset_class = rclass;
	memcpy(pb->rrset_owner, owner, dg_dname_len(owner));
}

int dg_pb_rr(struct dg_pb *pb, const uint8_t *owner, uint16_t type, uint16_t rclass,
	     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (pb->err != DG_OK)
		return pb->err;
	if (pb->section == DG_SEC_QUESTION || owner == NULL || (rdata == NULL && rdlen > 0))
		return DG_EINVAL;
	struct rd_layout l = rd_layout_of(type);
	if (rd_check(l, rdata, rdlen) != DG_OK)
		return DG_EINVAL;

	pb_rrset_track(pb, owner, type, rclass);
	struct dg_wr wr = pb_cursor(pb, pb->limit - pb->reserved);
	pb_put_name(pb, &wr, owner, true);
	dg_wr_u16(&wr, type);
	dg_wr_u16(&wr, rclass);
	dg_wr_u32(&wr, ttl);
	size_t rdlen_off = dg_wr_off(&wr);
	dg_wr_u16(&wr, 0);
	rd_put(pb, &wr, l, rdata, rdlen);
	if (wr.err != DG_OK)
		return pb_truncate(pb);

	/* compression only shortens RDATA, so this fits RDLENGTH */
	dg_put_u16(pb->buf + rdlen_off, (uint16_t)(dg_wr_off(&wr) - rdlen_off - 2));
	pb->len = dg_wr_off(&wr);
	pb->counts[pb->section]++;
	pb_sync_counts(pb);
	return DG_OK;
}

int dg_pb_rr_open(struct dg_pb *pb, const uint8_t *owner, uint16_t type, uint16_t rclass,
		  uint32_t ttl, uint16_t rdlen, uint8_t **rdata)
{
	if (pb->section == DG_SEC_QUESTION || owner == NULL || rdata == NULL)
		return DG_EINVAL;
	struct dg_wr wr = pb_cursor(pb, pb->limit);
	dg_wr_bytes(&wr, owner, dg_dname_len(owner));
	dg_wr_u16(&wr, type);
	dg_wr_u16(&wr, rclass);
	dg_wr_u32(&wr, ttl);
	dg_wr_u16(&wr, rdlen);
	if (dg_wr_need(&wr, rdlen) != DG_OK)
		return DG_ESPACE;
	*rdata = wr.pos;
	memset(wr.pos, 0, rdlen);
	pb->len = dg_wr_off(&wr) + rdlen;
	pb->counts[pb->section]++;
	pb->rrset_open = false; /* a later dg_pb_rr() never rolls this back */
	pb_sync_counts(pb);
	return DG_OK;
}

size_t dg_pb_finish(struct dg_pb *pb)
{
	pb_sync_counts(pb);
	return pb->len;
}
