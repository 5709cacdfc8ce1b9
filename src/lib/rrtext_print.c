/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Wire RDATA -> canonical presentation text, one printer per field kind of
 * rrtype.h. A printer reads with a dg_rd cursor whose short-read error is
 * DG_ERDATA_FORMAT, so a truncated field and a bad value report alike: the
 * RDATA does not match its type. The same code validates (dg_rdata_check()
 * prints into a measuring writer).
 */
#include <arpa/inet.h>

#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/rrtext.h"
#include "lib/rrtext_int.h"
#include "lib/rrtype.h"

#define BAD DG_ERDATA_FORMAT

/* Inverse of days_from_civil() in rrtext.c (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

static void print_time(uint32_t t, struct dg_tw *tw)
{
	unsigned y, m, d;
	civil_from_days(t / 86400, &y, &m, &d);
	uint32_t s = t % 86400;
	dg_tw_printf(tw, "%04u%02u%02u%02u%02u%02u", y, m, d, s / 3600, s / 60 % 60, s % 60);
}

static int print_name(struct dg_rd *rd, struct dg_tw *tw)
{
	char buf[DG_DNAME_TXTLEN];
	int n = dg_dname_check(rd->pos, dg_rd_left(rd));
	if (n < 0)
		return BAD;
	int len = dg_dname_to_str(buf, sizeof(buf), rd->pos);
	if (len < 0)
		return BAD;
	dg_tw_put(tw, buf, (size_t)len);
	rd->pos += n;
	return DG_OK;
}

static int print_addr(struct dg_rd *rd, struct dg_tw *tw, int af)
{
	uint8_t addr[16];
	char buf[INET6_ADDRSTRLEN];
	dg_rd_bytes(rd, addr, af == AF_INET ? 4 : 16, BAD);
	if (rd->err != DG_OK)
		return rd->err;
	if (inet_ntop(af, addr, buf, sizeof(buf)) == NULL)
		return BAD;
	dg_tw_puts(tw, buf);
	return DG_OK;
}

/* A length-prefixed character-string, always quoted. */
static int print_str(struct dg_rd *rd, struct dg_tw *tw)
{
	uint8_t n = dg_rd_u8(rd, BAD);
	if (dg_rd_need(rd, n, BAD) != DG_OK)
		return rd->err;
	dg_tw_put(tw, "\"", 1);
	dg_tw_escaped(tw, rd->pos, n, false);
	dg_tw_put(tw, "\"", 1);
	rd->pos += n;
	return DG_OK;
}

static int print_strs(struct dg_rd *rd, struct dg_tw *tw)
{
	int ret = print_str(rd, tw); /* at least one string */
	while (ret == DG_OK && dg_rd_left(rd) > 0) {
		dg_tw_sep(tw);
		ret = print_str(rd, tw);
	}
	return ret;
}

static void print_hex(const uint8_t *p, size_t n, struct dg_tw *tw)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		char two[2] = { digits[p[i] >> 4], digits[p[i] & 15] };
		dg_tw_put(tw, two, 2);
	}
}

/* Base64 or hex of the rest of the RDATA, which the text form needs to be
 * non-empty: an empty field would leave nothing to read back. */
static int print_blob(struct dg_rd *rd, struct dg_tw *tw, bool b64)
{
	size_t n = dg_rd_left(rd);
	if (n == 0)
		return BAD;
	if (!b64) {
		print_hex(rd->pos, n, tw);
	} else {
		for (size_t i = 0; i < n; i += 3) {
			char group[4];
			dg_base64_encode_group(rd->pos + i, n - i < 3 ? n - i : 3, group);
			dg_tw_put(tw, group, 4);
		}
	}
	rd->pos += n;
	return DG_OK;
}

static int print_lenblob(struct dg_rd *rd, struct dg_tw *tw, bool b32)
{
	uint8_t n = dg_rd_u8(rd, BAD);
	if (dg_rd_need(rd, n, BAD) != DG_OK)
		return rd->err;
	if (b32) {
		char buf[DG_BASE32_LEN(255) + 1];
		int len = n > 0 ? dg_base32hex_encode(rd->pos, n, buf, sizeof(buf)) : BAD;
		if (len < 0)
			return BAD;
		dg_tw_put(tw, buf, (size_t)len);
	} else if (n == 0) {
		dg_tw_put(tw, "-", 1); /* RFC 5155 §3.3: empty salt */
	} else {
		print_hex(rd->pos, n, tw);
	}
	rd->pos += n;
	return DG_OK;
}

/*
 * RFC 4034 §4.1.2: windows in increasing order, 1 to 32 octets each, and
 * "trailing zero octets in the bitmap MUST be omitted" (so an empty window
 * is invalid too). Such a bitmap is refused rather than printed: its text
 * would read back to different wire bytes (found by fuzz_rrtext).
 */
static int print_bitmap(struct dg_rd *rd, struct dg_tw *tw)
{
	int prev = -1;
	while (dg_rd_left(rd) > 0) {
		uint8_t win = dg_rd_u8(rd, BAD);
		uint8_t len = dg_rd_u8(rd, BAD);
		if (rd->err != DG_OK || win <= prev || len == 0 || len > 32 ||
		    dg_rd_need(rd, len, BAD) != DG_OK || rd->pos[len - 1] == 0)
			return BAD;
		prev = win;
		for (unsigned i = 0; i < len * 8u; i++) {
			if (!(rd->pos[i / 8] & (0x80 >> (i % 8))))
				continue;
			char name[DG_RRTYPE_TXTLEN];
			int n = dg_rrtype_to_str((uint16_t)(win * 256 + i), name, sizeof(name));
			if (n < 0)
				return n;
			dg_tw_sep(tw);
			dg_tw_put(tw, name, (size_t)n);
		}
		rd->pos += len;
	}
	return DG_OK;
}

static int print_tag(struct dg_rd *rd, struct dg_tw *tw)
{
	uint8_t n = dg_rd_u8(rd, BAD);
	if (n == 0 || dg_rd_need(rd, n, BAD) != DG_OK)
		return BAD;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = rd->pos[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return BAD; /* could not be read back (RFC 8659 §4.1.1) */
	}
	dg_tw_put(tw, (const char *)rd->pos, n);
	rd->pos += n;
	return DG_OK;
}

static int print_octets(struct dg_rd *rd, struct dg_tw *tw)
{
	size_t n = dg_rd_left(rd);
	dg_tw_put(tw, "\"", 1);
	dg_tw_escaped(tw, rd->pos, n, false);
	dg_tw_put(tw, "\"", 1);
	rd->pos += n;
	return DG_OK;
}

static int print_number(struct dg_rd *rd, struct dg_tw *tw, enum dg_rdf f)
{
	uint32_t v;
	if (f == DG_RDF_U8 || f == DG_RDF_ALG)
		v = dg_rd_u8(rd, BAD);
	else if (f == DG_RDF_U16)
		v = dg_rd_u16(rd, BAD);
	else
		v = dg_rd_u32(rd, BAD);
	if (rd->err != DG_OK)
		return rd->err;
	if (f == DG_RDF_TIME)
		print_time(v, tw);
	else
		dg_tw_printf(tw, "%u", v);
	return DG_OK;
}

static int print_field(struct dg_rd *rd, struct dg_tw *tw, enum dg_rdf f)
{
	char name[DG_RRTYPE_TXTLEN];
	int n;
	switch (f) {
	case DG_RDF_U8:
	case DG_RDF_U16:
	case DG_RDF_U32:
	case DG_RDF_PERIOD:
	case DG_RDF_ALG:
	case DG_RDF_TIME: return print_number(rd, tw, f);
	case DG_RDF_TYPE:
		n = dg_rrtype_to_str(dg_rd_u16(rd, BAD), name, sizeof(name));
		if (rd->err != DG_OK || n < 0)
			return rd->err != DG_OK ? rd->err : n;
		dg_tw_put(tw, name, (size_t)n);
		return DG_OK;
	case DG_RDF_A: return print_addr(rd, tw, AF_INET);
	case DG_RDF_AAAA: return print_addr(rd, tw, AF_INET6);
	case DG_RDF_NAME: return print_name(rd, tw);
	case DG_RDF_STR: return print_str(rd, tw);
	case DG_RDF_STRS: return print_strs(rd, tw);
	case DG_RDF_B64: return print_blob(rd, tw, true);
	case DG_RDF_HEX: return print_blob(rd, tw, false);
	case DG_RDF_HEXLEN: return print_lenblob(rd, tw, false);
	case DG_RDF_B32LEN: return print_lenblob(rd, tw, true);
	case DG_RDF_BITMAP: return print_bitmap(rd, tw);
	case DG_RDF_TAG: return print_tag(rd, tw);
	case DG_RDF_OCTETS: return print_octets(rd, tw);
	case DG_RDF_SVCPARAMS: return dg_svcparams_print(rd, tw);
	case DG_RDF_END: break;
	}
	return DG_EINVAL;
}

/* Prints typed RDATA into tw; 1 when the type has no layout (go generic). */
static int print_typed(uint16_t type, const uint8_t *rdata, size_t rdlen, struct dg_tw *tw)
{
	const struct dg_rrtype_desc *d = dg_rrtype_desc(type);
	if (d == NULL || d->fields[0] == DG_RDF_END)
		return 1;
	static const uint8_t empty[1];
	struct dg_rd rd = dg_rd_init(rdata != NULL ? rdata : empty, rdlen);
	for (size_t i = 0; i < DG_RDF_MAX && d->fields[i] != DG_RDF_END; i++) {
		if (d->fields[i] != DG_RDF_BITMAP && d->fields[i] != DG_RDF_SVCPARAMS)
			dg_tw_sep(tw); /* those two print a blank before each item */
		int ret = print_field(&rd, tw, (enum dg_rdf)d->fields[i]);
		if (ret < 0)
			return ret;
	}
	return dg_rd_left(&rd) == 0 ? DG_OK : BAD;
}

int dg_rdata_generic_to_str(const uint8_t *rdata, size_t rdlen, char *out, size_t outsz)
{
	if (rdata == NULL && rdlen > 0)
		return DG_EINVAL;
	struct dg_tw tw = dg_tw_init(out, outsz);
	dg_tw_printf(&tw, "\\# %zu", rdlen);
	if (rdlen > 0) {
		dg_tw_put(&tw, " ", 1);
		print_hex(rdata, rdlen, &tw);
	}
	return dg_tw_end(&tw);
}

int dg_rdata_to_str(uint16_t type, const uint8_t *rdata, size_t rdlen, char *out, size_t outsz)
{
	if ((rdata == NULL && rdlen > 0) || rdlen > DG_RDATA_MAXLEN)
		return DG_EINVAL;
	struct dg_tw tw = dg_tw_init(out, outsz);
	int ret = print_typed(type, rdata, rdlen, &tw);
	if (ret == 1)
		return dg_rdata_generic_to_str(rdata, rdlen, out, outsz);
	if (ret < 0)
		return ret;
	return dg_tw_end(&tw);
}

int dg_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if ((rdata == NULL && rdlen > 0) || rdlen > DG_RDATA_MAXLEN)
		return DG_EINVAL;
	struct dg_tw tw = dg_tw_init(NULL, 0);
	int ret = print_typed(type, rdata, rdlen, &tw);
	return ret < 0 ? ret : DG_OK;
}
