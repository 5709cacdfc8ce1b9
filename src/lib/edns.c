/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * EDNS(0): reading and writing the OPT record and the options dnsgate
 * acts on (Client Subnet, Cookie, Padding). Parsing only records where
 * each option lies; the option decoders validate their own payloads so a
 * caller pays only for the options it looks at.
 */
#include <string.h>

#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/pktbuild.h"
#include "lib/wire.h"

#define OPT_TYPE 41
#define OPT_HDR 4 /* OPTION-CODE + OPTION-LENGTH */

static const uint8_t root_name[1] = { 0 };

void dg_edns_init(struct dg_edns *e, uint16_t udp_size)
{
	memset(e, 0, sizeof(*e));
	e->udp_size = udp_size;
}

void dg_edns_parse_ttl(struct dg_edns *e, uint16_t rclass, uint32_t ttl)
{
	e->udp_size = rclass;
	e->ext_rcode = (uint8_t)(ttl >> 24);
	e->version = (uint8_t)(ttl >> 16);
	e->flags = (uint16_t)ttl;
}

int dg_edns_parse_rdata(struct dg_edns *e, const uint8_t *rdata, uint16_t rdlen)
{
	struct dg_rd rd = dg_rd_init(rdata, rdlen);

	bool full = false;
	e->nopts = 0;
	/* Past the table's size the options are still walked: DG_ELIMIT
	 * promises that they tile the RDATA, and the in-place editors
	 * (dg_edns_wire_*) rely on that to walk them by their lengths. */
	while (dg_rd_left(&rd) > 0) {
		uint16_t code = dg_rd_u16(&rd, DG_EOPT_TRUNC);
		uint16_t len = dg_rd_u16(&rd, DG_EOPT_TRUNC);
		const uint8_t *data = rd.pos;
		dg_rd_bytes(&rd, NULL, len, DG_EOPT_TRUNC);
		if (rd.err != DG_OK)
			return rd.err;
		if (e->nopts == DG_EDNS_MAX_OPTS)
			full = true;
		else
			e->opts[e->nopts++] = (struct dg_edns_opt){ code, len, data };
	}
	return full ? DG_ELIMIT : DG_OK;
}

int dg_edns_parse(struct dg_edns *e, const struct dg_pkt *pkt)
{
	if (pkt->opt_idx < 0 || pkt->opt_idx >= pkt->rrcount)
		return DG_ENOTFOUND;
	const struct dg_rr *rr = &pkt->rr[pkt->opt_idx];
	/* the parser guarantees this; a hand-made dg_pkt may not */
	if ((size_t)rr->rdata_off + rr->rdlen > pkt->len)
		return DG_EOPT_TRUNC;
	dg_edns_parse_ttl(e, rr->rclass, rr->ttl);
	return dg_edns_parse_rdata(e, pkt->wire + rr->rdata_off, rr->rdlen);
}

bool dg_edns_do(const struct dg_edns *e)
{
	return (e->flags & DG_EDNS_DO) != 0;
}

uint16_t dg_edns_payload(const struct dg_edns *e)
{
	return e->udp_size < DG_EDNS_MIN_PAYLOAD ? DG_EDNS_MIN_PAYLOAD : e->udp_size;
}

const struct dg_edns_opt *dg_edns_find(const struct dg_edns *e, uint16_t code)
{
	for (int i = 0; i < e->nopts; i++) {
		if (e->opts[i].code == code)
			return &e->opts[i];
	}
	return NULL;
}

int dg_edns_add_opt(struct dg_edns *e, uint16_t code, uint16_t len, const uint8_t *data)
{
	if (e->nopts == DG_EDNS_MAX_OPTS)
		return DG_ELIMIT;
	if (data == NULL && len > 0)
		return DG_EINVAL;
	e->opts[e->nopts++] = (struct dg_edns_opt){ code, len, data };
	return DG_OK;
}

uint16_t dg_edns_full_rcode(const struct dg_edns *e, uint16_t hdr_flags)
{
	uint16_t high = e != NULL ? (uint16_t)(e->ext_rcode << 4) : 0;
	return (uint16_t)(high | DG_RCODE(hdr_flags));
}

int dg_edns_set_rcode(struct dg_edns *e, struct dg_pb *pb, uint16_t rcode)
{
	if (rcode > 0xfff || (e == NULL && rcode > 0xf))
		return DG_EINVAL;
	dg_pb_set_rcode(pb, (uint8_t)(rcode & 0xf));
	if (e != NULL)
		e->ext_rcode = (uint8_t)(rcode >> 4);
	return DG_OK;
}

/* Longest source prefix of an ECS family, or 0 for an unknown family. */
static unsigned ecs_max_prefix(uint16_t family)
{
	switch (family) {
	case DG_ECS_FAMILY_IP4:
		return 32;
	case DG_ECS_FAMILY_IP6:
		return 128;
	default:
		return 0;
	}
}

/* Mask of the bits of the last address octet that lie inside the prefix. */
static uint8_t ecs_last_mask(unsigned prefix)
{
	return prefix % 8 == 0 ? 0xff : (uint8_t)(0xff << (8 - prefix % 8));
}

int dg_ecs_parse(struct dg_ecs *ecs, const uint8_t *data, uint16_t len)
{
	if (len < 4)
		return DG_ERDATA_FORMAT;
	memset(ecs, 0, sizeof(*ecs));
	ecs->family = dg_get_u16(data);
	ecs->source_prefix = data[2];
	ecs->scope_prefix = data[3];
	unsigned max = ecs_max_prefix(ecs->family);
	if (max == 0 || ecs->source_prefix > max || ecs->scope_prefix > max)
		return DG_ERDATA_FORMAT;
	/* RFC 7871 §6: ADDRESS "MUST be truncated to the number of bits
	 * indicated by the SOURCE PREFIX-LENGTH field" and padded with 0 bits
	 * to the end of the last octet. */
	size_t alen = (ecs->source_prefix + 7u) / 8;
	if ((size_t)len - 4 != alen)
		return DG_ERDATA_FORMAT;
	if (alen > 0 && (data[4 + alen - 1] & ~ecs_last_mask(ecs->source_prefix)) != 0)
		return DG_ERDATA_FORMAT;
	memcpy(ecs->addr, data + 4, alen);
	return DG_OK;
}

int dg_ecs_write(const struct dg_ecs *ecs, uint8_t *out, size_t outsz)
{
	unsigned max = ecs_max_prefix(ecs->family);
	if (max == 0 || ecs->source_prefix > max || ecs->scope_prefix > max)
		return DG_EINVAL;
	size_t alen = (ecs->source_prefix + 7u) / 8;
	if (outsz < 4 + alen)
		return DG_ESPACE;
	dg_put_u16(out, ecs->family);
	out[2] = ecs->source_prefix;
	out[3] = ecs->scope_prefix;
	memcpy(out + 4, ecs->addr, alen);
	if (alen > 0)
		out[4 + alen - 1] &= ecs_last_mask(ecs->source_prefix);
	return (int)(4 + alen);
}

int dg_cookie_parse(struct dg_cookie *c, const uint8_t *data, uint16_t len)
{
	/* RFC 7873 §5.2.2: "If the COOKIE option is too short to contain a
	 * Server Cookie (OPTION-LENGTH >= 9 and <= 15) or too long (> 40) ...
	 * FORMERR"; below 8 there is not even a client cookie. */
	if (len != DG_COOKIE_CLIENT_LEN &&
	    (len < DG_COOKIE_CLIENT_LEN + DG_COOKIE_SERVER_MIN ||
	     len > DG_COOKIE_CLIENT_LEN + DG_COOKIE_SERVER_MAX))
		return DG_ERDATA_FORMAT;
	memset(c, 0, sizeof(*c));
	memcpy(c->client, data, DG_COOKIE_CLIENT_LEN);
	c->server_len = (uint8_t)(len - DG_COOKIE_CLIENT_LEN);
	memcpy(c->server, data + DG_COOKIE_CLIENT_LEN, c->server_len);
	return DG_OK;
}

int dg_cookie_write(const struct dg_cookie *c, uint8_t *out, size_t outsz)
{
	if (c->server_len != 0 &&
	    (c->server_len < DG_COOKIE_SERVER_MIN || c->server_len > DG_COOKIE_SERVER_MAX))
		return DG_EINVAL;
	size_t len = DG_COOKIE_CLIENT_LEN + (size_t)c->server_len;
	if (outsz < len)
		return DG_ESPACE;
	memcpy(out, c->client, DG_COOKIE_CLIENT_LEN);
	memcpy(out + DG_COOKIE_CLIENT_LEN, c->server, c->server_len);
	return (int)len;
}

/* RDATA length of e's options; Padding options are skipped when the
 * writer adds its own. */
static size_t opts_len(const struct dg_edns *e, bool skip_padding)
{
	size_t n = 0;
	for (int i = 0; i < e->nopts; i++) {
		if (!(skip_padding && e->opts[i].code == DG_EDNS_OPT_PADDING))
			n += OPT_HDR + (size_t)e->opts[i].len;
	}
	return n;
}

size_t dg_edns_wire_size(const struct dg_edns *e)
{
	return DG_EDNS_OPT_FIXED + opts_len(e, false);
}

/*
 * RFC 8467 §4.1 block-length padding: the Padding option's length that
 * makes the message a multiple of pad_to, or -1 when not even an empty
 * Padding option fits. If the next multiple lies past the limit, pads to
 * the limit (still hides the length as well as the limit allows).
 */
static long pad_len(const struct dg_pb *pb, size_t rdlen, uint16_t pad_to)
{
	size_t base = pb->len + DG_EDNS_OPT_FIXED + rdlen + OPT_HDR;
	if (base > pb->limit)
		return -1;
	size_t pad = (pad_to - base % pad_to) % pad_to;
	if (base + pad > pb->limit)
		pad = pb->limit - base;
	return (long)pad;
}

int dg_edns_write(struct dg_pb *pb, const struct dg_edns *e, uint16_t pad_to)
{
	size_t rdlen = opts_len(e, pad_to > 0);
	long pad = pad_to > 0 ? pad_len(pb, rdlen, pad_to) : -1;
	size_t total = rdlen + (pad >= 0 ? OPT_HDR + (size_t)pad : 0);
	if (total > UINT16_MAX)
		return DG_EINVAL;
	int ret = dg_pb_section(pb, DG_SEC_ADDITIONAL);
	if (ret < 0)
		return ret;

	uint32_t ttl = (uint32_t)e->ext_rcode << 24 | (uint32_t)e->version << 16 | e->flags;
	uint8_t *rd = NULL;
	ret = dg_pb_rr_open(pb, root_name, OPT_TYPE, e->udp_size, ttl, (uint16_t)total, &rd);
	if (ret < 0)
		return ret;

	struct dg_wr wr = dg_wr_init(rd, total);
	for (int i = 0; i < e->nopts; i++) {
		const struct dg_edns_opt *o = &e->opts[i];
		if (pad_to > 0 && o->code == DG_EDNS_OPT_PADDING)
			continue;
		dg_wr_u16(&wr, o->code);
		dg_wr_u16(&wr, o->len);
		dg_wr_bytes(&wr, o->data, o->len);
	}
	if (pad >= 0) {
		/* RFC 7830 §4: the padding octets SHOULD be 0x00; rr_open zeroed them */
		dg_wr_u16(&wr, DG_EDNS_OPT_PADDING);
		dg_wr_u16(&wr, (uint16_t)pad);
	}
	/* sizes were computed above, so the cursor cannot run short */
	return wr.err;
}

/* ---- editing the OPT record of a wire message ------------------------ */

/* RDATA of the OPT at opt_off: offset and length, after checking it is one. */
static int wire_opt_rdata(const uint8_t *msg, size_t len, size_t opt_off, size_t *rd_off,
			  size_t *rd_len)
{
	if (msg == NULL || opt_off < DG_HDR_LEN || len < DG_EDNS_OPT_FIXED ||
	    opt_off > len - DG_EDNS_OPT_FIXED)
		return DG_EINVAL;
	const uint8_t *o = msg + opt_off;
	if (o[0] != 0 || dg_get_u16(o + 1) != OPT_TYPE)
		return DG_EINVAL;
	*rd_off = opt_off + DG_EDNS_OPT_FIXED;
	*rd_len = dg_get_u16(o + 9);
	if (*rd_len > len - *rd_off)
		return DG_EINVAL;
	struct dg_edns e;
	/* only to check the tiling; more than DG_EDNS_MAX_OPTS is fine here */
	int ret = dg_edns_parse_rdata(&e, msg + *rd_off, (uint16_t)*rd_len);
	return ret == DG_ELIMIT ? DG_OK : ret;
}

/* Moves msg[at, len) by delta octets (room was checked by the caller). */
static void wire_shift(uint8_t *msg, size_t len, size_t at, long delta)
{
	memmove(msg + (long)at + delta, msg + at, len - at);
}

int dg_edns_wire_find(const uint8_t *msg, size_t len)
{
	struct dg_hdr h;
	int ret = dg_hdr_parse(&h, msg, len);
	if (ret < 0)
		return ret;
	size_t pos = DG_HDR_LEN;
	for (unsigned i = 0; i < h.qdcount; i++) {
		ret = dg_dname_unpack(NULL, 0, msg, len, &pos);
		if (ret < 0)
			return ret;
		if (len - pos < 4)
			return DG_EQUESTION_TRUNC;
		pos += 4;
	}
	unsigned an_ns = (unsigned)h.ancount + h.nscount, total = an_ns + h.arcount;
	for (unsigned i = 0; i < total; i++) {
		if (pos >= len)
			return DG_ECOUNT;
		size_t owner = pos;
		ret = dg_dname_unpack(NULL, 0, msg, len, &pos);
		if (ret < 0)
			return ret;
		if (len - pos < 10)
			return DG_ERR_TRUNC;
		uint16_t type = dg_get_u16(msg + pos), rdlen = dg_get_u16(msg + pos + 8);
		pos += 10;
		if (len - pos < rdlen)
			return DG_ERDATA_TRUNC;
		pos += rdlen;
		if (type == OPT_TYPE && i >= an_ns)
			return (int)owner;
	}
	return DG_ENOTFOUND;
}

int dg_edns_wire_add_opt(uint8_t *msg, size_t len, size_t cap, uint16_t payload)
{
	if (msg == NULL || len < DG_HDR_LEN || dg_get_u16(msg + 10) == 0xffff)
		return DG_EINVAL;
	if (cap < len || cap - len < DG_EDNS_OPT_FIXED || len + DG_EDNS_OPT_FIXED > DG_MAX_UDP)
		return DG_ESPACE;
	uint8_t *o = msg + len;
	o[0] = 0;
	dg_put_u16(o + 1, OPT_TYPE);
	dg_put_u16(o + 3, payload);
	dg_put_u32(o + 5, 0);
	dg_put_u16(o + 9, 0);
	dg_put_u16(msg + 10, (uint16_t)(dg_get_u16(msg + 10) + 1));
	return (int)(len + DG_EDNS_OPT_FIXED);
}

int dg_edns_wire_find_option(const uint8_t *msg, size_t len, size_t opt_off, uint16_t code)
{
	size_t rd, rdlen;
	int ret = wire_opt_rdata(msg, len, opt_off, &rd, &rdlen);
	if (ret < 0)
		return ret;
	for (size_t pos = rd; pos < rd + rdlen; pos += OPT_HDR + dg_get_u16(msg + pos + 2))
		if (dg_get_u16(msg + pos) == code)
			return (int)pos;
	return DG_ENOTFOUND;
}

int dg_edns_wire_remove_option(uint8_t *msg, size_t len, size_t opt_off, uint16_t code)
{
	size_t rd, rdlen;
	int ret = wire_opt_rdata(msg, len, opt_off, &rd, &rdlen);
	if (ret < 0)
		return ret;
	size_t pos = rd, end = rd + rdlen;
	while (pos < end) {
		size_t olen = OPT_HDR + (size_t)dg_get_u16(msg + pos + 2);
		if (dg_get_u16(msg + pos) != code) {
			pos += olen;
			continue;
		}
		wire_shift(msg, len, pos + olen, -(long)olen);
		len -= olen;
		end -= olen;
	}
	dg_put_u16(msg + opt_off + 9, (uint16_t)(end - rd));
	return (int)len;
}

int dg_edns_wire_set_option(uint8_t *msg, size_t len, size_t cap, size_t opt_off, uint16_t code,
			    const uint8_t *data, uint16_t dlen)
{
	size_t rd, rdlen;
	int ret = wire_opt_rdata(msg, len, opt_off, &rd, &rdlen);
	if (ret < 0)
		return ret;
	if (dlen > 0 && data == NULL)
		return DG_EINVAL;
	/* Room is checked before anything moves, so a failure changes nothing. */
	size_t add = OPT_HDR + (size_t)dlen;
	if (cap < len || cap - len < add || len + add > DG_MAX_UDP)
		return DG_ESPACE;
	if (rdlen + add > 0xffff)
		return DG_EINVAL;
	ret = dg_edns_wire_remove_option(msg, len, opt_off, code);
	if (ret < 0)
		return ret;
	len = (size_t)ret;
	size_t end = rd + dg_get_u16(msg + opt_off + 9);
	wire_shift(msg, len, end, (long)add);
	dg_put_u16(msg + end, code);
	dg_put_u16(msg + end + 2, dlen);
	if (dlen > 0)
		memcpy(msg + end + OPT_HDR, data, dlen);
	dg_put_u16(msg + opt_off + 9, (uint16_t)(end + add - rd));
	return (int)(len + add);
}

int dg_edns_wire_remove_opt(uint8_t *msg, size_t len, size_t opt_off)
{
	size_t rd, rdlen;
	int ret = wire_opt_rdata(msg, len, opt_off, &rd, &rdlen);
	if (ret < 0 && ret != DG_EOPT_TRUNC)
		return ret;
	uint16_t arcount = dg_get_u16(msg + 10);
	if (arcount == 0)
		return DG_EINVAL;
	size_t rr_len = DG_EDNS_OPT_FIXED + rdlen;
	wire_shift(msg, len, opt_off + rr_len, -(long)rr_len);
	dg_put_u16(msg + 10, (uint16_t)(arcount - 1));
	return (int)(len - rr_len);
}
