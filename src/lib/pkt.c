/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * DNS message parser. Everything read from the wire goes through the sticky
 * cursor of wire.h or dg_dname_unpack(), both bounded by the message length,
 * so no input can make the parser read outside the caller's buffer. Each
 * malformation returns its own code, which the frontend counts per reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/dname.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/wire.h"

/* Smallest resource record: root owner (1) + type, class, TTL, RDLENGTH. */
#define RR_MINLEN 11
#define RR_FIXLEN 10

/* RR types the parser treats specially (IANA registry values). */
#define TYPE_OPT 41   /* RFC 6891 */
#define TYPE_TSIG 250 /* RFC 8945 */
#define CLASS_NONE 254
#define CLASS_ANY 255

/*
 * RDATA layouts the parser checks: a list of fields ending with 0. L_NAME
 * is a domain name (compressed or not), L_STR a <character-string>, any
 * other value that many fixed octets. The types are those whose RDATA holds
 * names (RFC 3597 §4: the RFC 1035 types that MUST be decompressed, and
 * RP, AFSDB, RT, PX, SRV, NAPTR that SHOULD be) plus the fixed-size
 * address types. Other types are opaque here; rrtext.c knows more.
 */
#define L_NAME 0xff
#define L_STR 0xfe

static const uint8_t lay_a[] = { 4, 0 };
static const uint8_t lay_name[] = { L_NAME, 0 };
static const uint8_t lay_soa[] = { L_NAME, L_NAME, 20, 0 }; /* + 5 x 32-bit */
static const uint8_t lay_2names[] = { L_NAME, L_NAME, 0 };
static const uint8_t lay_pref_name[] = { 2, L_NAME, 0 };
static const uint8_t lay_px[] = { 2, L_NAME, L_NAME, 0 };
static const uint8_t lay_aaaa[] = { 16, 0 };
static const uint8_t lay_srv[] = { 6, L_NAME, 0 }; /* priority weight port */
static const uint8_t lay_naptr[] = { 4, L_STR, L_STR, L_STR, L_NAME, 0 };

static const uint8_t *const layouts[] = {
	[1] = lay_a,         /* A */
	[2] = lay_name,      /* NS */
	[3] = lay_name,      /* MD */
	[4] = lay_name,      /* MF */
	[5] = lay_name,      /* CNAME */
	[6] = lay_soa,       /* SOA */
	[7] = lay_name,      /* MB */
	[8] = lay_name,      /* MG */
	[9] = lay_name,      /* MR */
	[12] = lay_name,     /* PTR */
	[14] = lay_2names,   /* MINFO */
	[15] = lay_pref_name, /* MX */
	[17] = lay_2names,   /* RP */
	[18] = lay_pref_name, /* AFSDB */
	[21] = lay_pref_name, /* RT */
	[26] = lay_px,       /* PX */
	[28] = lay_aaaa,     /* AAAA */
	[33] = lay_srv,      /* SRV */
	[35] = lay_naptr,    /* NAPTR */
};

static const uint8_t *layout_of(uint16_t type)
{
	return type < DG_ARRAY_SIZE(layouts) ? layouts[type] : NULL;
}

int dg_hdr_parse(struct dg_hdr *h, const uint8_t *wire, size_t len)
{
	if (h == NULL || wire == NULL)
		return DG_EINVAL;
	struct dg_rd rd = dg_rd_init(wire, len);
	h->id = dg_rd_u16(&rd, DG_EHDR_SHORT);
	h->flags = dg_rd_u16(&rd, DG_EHDR_SHORT);
	h->qdcount = dg_rd_u16(&rd, DG_EHDR_SHORT);
	h->ancount = dg_rd_u16(&rd, DG_EHDR_SHORT);
	h->nscount = dg_rd_u16(&rd, DG_EHDR_SHORT);
	h->arcount = dg_rd_u16(&rd, DG_EHDR_SHORT);
	return rd.err;
}

/* Length of an uncompressed, well-formed name at wire[pos], or 0 when the
 * name is anything else (compressed, malformed) and needs the full path. */
static size_t plain_name_len(const uint8_t *wire, size_t len, size_t pos)
{
	size_t start = pos;
	while (pos < len && pos - start < DG_DNAME_MAXLEN) {
		uint8_t c = wire[pos];
		if (c == 0)
			return pos + 1 - start;
		if (c > DG_LABEL_MAXLEN)
			return 0;
		pos += 1 + (size_t)c;
	}
	return 0;
}

/* Reads the question that starts right after the header. */
static int question_parse(struct dg_question *q, const uint8_t *wire, size_t len)
{
	size_t pos = DG_HDR_LEN;
	/* Queries almost never compress the qname: one scan and one copy
	 * instead of a copy per label. */
	int n = (int)plain_name_len(wire, len, pos);
	if (n > 0) {
		memcpy(q->qname, wire + pos, (size_t)n);
		pos += (size_t)n;
	} else {
		n = dg_dname_unpack(q->qname, sizeof(q->qname), wire, len, &pos);
	}
	if (n < 0)
		return n;
	if (len - pos < 4)
		return DG_EQUESTION_TRUNC;
	q->qname_len = (uint16_t)n;
	q->qtype = dg_get_u16(wire + pos);
	q->qclass = dg_get_u16(wire + pos + 2);
	q->end_off = (uint16_t)(pos + 4);
	dg_dname_copy_lower(q->qname_lc, q->qname, (size_t)n);
	return DG_OK;
}

int dg_pkt_parse_question(struct dg_hdr *h, struct dg_question *q, const uint8_t *wire,
			  size_t len)
{
	if (h == NULL || q == NULL || wire == NULL || len > DG_MAX_UDP)
		return DG_EINVAL;
	int ret = dg_hdr_parse(h, wire, len);
	if (ret < 0)
		return ret;
	if (h->qdcount != 1)
		return DG_EQDCOUNT;
	return question_parse(q, wire, len);
}

/* Checks RDATA at wire[off..end) against its type's layout. */
static int rdata_check(const uint8_t *wire, size_t len, size_t off, size_t end,
		       const uint8_t *lay)
{
	for (; *lay != 0; lay++) {
		if (*lay == L_NAME) {
			int ret = dg_dname_unpack(NULL, 0, wire, len, &off);
			if (ret < 0)
				return ret;
			/* The in-place part of the name must end inside RDATA. */
			if (off > end)
				return DG_ENAME_TRUNC;
		} else if (*lay == L_STR) {
			if (off >= end || end - off < 1 + (size_t)wire[off])
				return DG_ERDATA_FORMAT;
			off += 1 + (size_t)wire[off];
		} else {
			if (end - off < *lay)
				return DG_ERDATA_FORMAT;
			off += *lay;
		}
	}
	return off == end ? DG_OK : DG_ERDATA_FORMAT;
}

/* Reads one record at the cursor into rr; returns the owner's length. */
static int rr_parse(struct dg_rd *rd, struct dg_rr *rr)
{
	size_t len = (size_t)(rd->end - rd->start);
	size_t pos = dg_rd_off(rd);
	/* Bytes ran out exactly between records: the count promised more. */
	if (dg_rd_left(rd) == 0)
		return DG_ECOUNT;
	rr->owner_off = (uint16_t)pos;
	int olen = dg_dname_unpack(NULL, 0, rd->start, len, &pos);
	if (olen < 0)
		return olen;
	rd->pos = rd->start + pos;
	rr->type = dg_rd_u16(rd, DG_ERR_TRUNC);
	rr->rclass = dg_rd_u16(rd, DG_ERR_TRUNC);
	rr->ttl_off = (uint16_t)dg_rd_off(rd);
	rr->ttl = dg_rd_u32(rd, DG_ERR_TRUNC);
	rr->rdlen = dg_rd_u16(rd, DG_ERR_TRUNC);
	rr->rdata_off = (uint16_t)dg_rd_off(rd);
	dg_rd_bytes(rd, NULL, rr->rdlen, DG_ERDATA_TRUNC);
	return rd->err != DG_OK ? rd->err : olen;
}

/* Checks the RDATA of rr when its type has a known layout. */
static int rr_rdata_check(const struct dg_pkt *pkt, const struct dg_rr *rr)
{
	const uint8_t *lay = layout_of(rr->type);
	if (lay == NULL)
		return DG_OK;
	/* RFC 2136 §2.4-2.5: UPDATE prerequisites and deletions carry class
	 * ANY or NONE with empty RDATA for any type. */
	if (rr->rdlen == 0 && (rr->rclass == CLASS_ANY || rr->rclass == CLASS_NONE))
		return DG_OK;
	return rdata_check(pkt->wire, pkt->len, rr->rdata_off,
			   (size_t)rr->rdata_off + rr->rdlen, lay);
}

/* Enforces where OPT and TSIG may appear (RFC 6891 §6.1.1, RFC 8945 §5.1). */
static int rr_place_check(struct dg_pkt *pkt, const struct dg_rr *rr, int idx, int olen,
			  int total)
{
	if (rr->type == TYPE_OPT) {
		if (rr->section != DG_SEC_ADDITIONAL)
			return DG_EOPT_SECTION;
		if (olen != 1)
			return DG_EOPT_NOTROOT;
		if (pkt->opt_idx >= 0)
			return DG_EOPT_MULTI;
		pkt->opt_idx = idx;
	} else if (rr->type == TYPE_TSIG) {
		/* "the last record in the additional data section": a TSIG
		 * elsewhere is not last either. */
		if (idx != total - 1 || rr->section != DG_SEC_ADDITIONAL)
			return DG_ETSIG_NOTLAST;
		pkt->tsig_idx = idx;
	}
	return DG_OK;
}

/* Parses every record after the question into pkt->rr. */
static int records_parse(struct dg_pkt *pkt, size_t off, int total)
{
	struct dg_rd rd = dg_rd_init(pkt->wire, pkt->len);
	rd.pos += off;
	int an = pkt->hdr.ancount, ns = pkt->hdr.nscount;
	for (int i = 0; i < total; i++) {
		struct dg_rr *rr = &pkt->rr[i];
		int olen = rr_parse(&rd, rr);
		if (olen < 0)
			return olen;
		rr->section = i < an ? DG_SEC_ANSWER
			      : i < an + ns ? DG_SEC_AUTHORITY : DG_SEC_ADDITIONAL;
		int ret = rr_rdata_check(pkt, rr);
		if (ret == DG_OK)
			ret = rr_place_check(pkt, rr, i, olen, total);
		if (ret < 0)
			return ret;
		pkt->rrcount = (uint16_t)(i + 1);
	}
	return dg_rd_left(&rd) == 0 ? DG_OK : DG_ETRAILING;
}

int dg_pkt_parse(struct dg_pkt *pkt, const uint8_t *wire, size_t len, struct dg_arena *a)
{
	if (pkt == NULL || wire == NULL || len > DG_MAX_UDP)
		return DG_EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	pkt->wire = wire;
	pkt->len = len;
	pkt->opt_idx = -1;
	pkt->tsig_idx = -1;
	int ret = dg_hdr_parse(&pkt->hdr, wire, len);
	if (ret < 0)
		return ret;
	if (pkt->hdr.qdcount > 1)
		return DG_EQDCOUNT;
	size_t off = DG_HDR_LEN;
	if (pkt->hdr.qdcount == 1) {
		ret = question_parse(&pkt->q, wire, len);
		if (ret < 0)
			return ret;
		off = pkt->q.end_off;
	}
	/* Refuse a count the remaining bytes cannot hold before allocating
	 * for it, so a 20-byte packet cannot ask for 196605 records. */
	size_t total = (size_t)pkt->hdr.ancount + pkt->hdr.nscount + pkt->hdr.arcount;
	if (total > (len - off) / RR_MINLEN)
		return DG_ECOUNT;
	if (total > DG_PKT_MAXRR)
		return DG_ETOOMANYRR;
	if (total == 0)
		return off == len ? DG_OK : DG_ETRAILING;
	pkt->rr = dg_arena_alloc(a, total * sizeof(*pkt->rr));
	if (pkt->rr == NULL)
		return DG_ENOMEM;
	ret = records_parse(pkt, off, (int)total);
	if (ret < 0)
		dg_pkt_free(pkt, a);
	return ret;
}

void dg_pkt_free(struct dg_pkt *pkt, struct dg_arena *a)
{
	if (pkt == NULL)
		return;
	dg_arena_release(a, pkt->rr);
	pkt->rr = NULL;
	pkt->rrcount = 0;
}

/* Copies n octets of RDATA at *off to out[*n], advancing both. */
static int copy_octets(uint8_t *out, size_t outsz, size_t *n, const uint8_t *src, size_t k)
{
	if (outsz - *n < k)
		return DG_ESPACE;
	if (k > 0)
		memcpy(out + *n, src, k);
	*n += k;
	return DG_OK;
}

int dg_pkt_rdata_uncompressed(const struct dg_pkt *pkt, const struct dg_rr *rr, uint8_t *out,
			      size_t outsz)
{
	if (pkt == NULL || rr == NULL || out == NULL)
		return DG_EINVAL;
	size_t off = rr->rdata_off, end = off + rr->rdlen, n = 0;
	if (end > pkt->len)
		return DG_EINVAL;
	const uint8_t *lay = layout_of(rr->type);
	int ret = DG_OK;
	/* Opaque and empty RDATA is copied as it is; a layout only applies to
	 * RDATA dg_pkt_parse() checked against it. */
	if (lay == NULL || rr->rdlen == 0 || rdata_check(pkt->wire, pkt->len, off, end, lay) < 0)
		lay = (const uint8_t *)"";
	for (; *lay != 0 && ret == DG_OK; lay++) {
		if (*lay == L_NAME) {
			int k = dg_dname_unpack(out + n, outsz - n, pkt->wire, pkt->len, &off);
			if (k < 0)
				return k;
			n += (size_t)k;
			continue;
		}
		size_t k = *lay == L_STR ? 1 + (size_t)pkt->wire[off] : *lay;
		ret = copy_octets(out, outsz, &n, pkt->wire + off, k);
		off += k;
	}
	if (ret == DG_OK)
		ret = copy_octets(out, outsz, &n, pkt->wire + off, end - off);
	return ret < 0 ? ret : (int)n;
}
