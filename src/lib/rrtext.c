/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * RDATA presentation <-> wire, driven by the field lists of rrtype.c: one
 * parser and one printer per field kind, and the RFC 3597 generic form.
 * SvcParams live in rrtext_svcb.c, whole-record lines in rrtext_rr.c, the
 * tokenizer and text writer in rrtext_lex.c.
 *
 * Every printer is also the validator: dg_rdata_check() runs it with a
 * measuring writer, so "valid" and "printable" cannot disagree.
 */
#include <arpa/inet.h>

#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/rrtext.h"
#include "lib/rrtext_int.h"
#include "lib/rrtype.h"

/* What a field parser works on. */
struct pctx {
	struct dg_txt txt;
	struct dg_wr wr;
	const uint8_t *origin;
};

/* The next token of a field that must be there. */
static int need_tok(struct pctx *c, struct dg_tok *tok)
{
	int ret = dg_txt_next(&c->txt, tok);
	if (ret == 0)
		return DG_ETEXT_FIELDS;
	return ret < 0 ? ret : DG_OK;
}

static int parse_uint(struct pctx *c, uint32_t max, uint32_t *v)
{
	struct dg_tok tok;
	int ret = need_tok(c, &tok);
	return ret < 0 ? ret : dg_tok_uint(&tok, max, v);
}

/*
 * The field parsers below get the field's first token from parse_field(),
 * which has already checked that it is there; those that take the rest of
 * the text (TXT strings, base64, hex) read further tokens themselves.
 */

static int parse_alg(struct pctx *c, const struct dg_tok *tok)
{
	uint32_t v;
	int ret = dg_tok_uint(tok, UINT8_MAX, &v);
	if (ret == DG_ETEXT_SYNTAX && !tok->quoted) /* RFC 4034 §2.2: mnemonic */
		ret = dg_dnssec_alg_from_str(tok->p, tok->len);
	else if (ret == DG_OK)
		ret = (int)v;
	if (ret >= 0)
		dg_wr_u8(&c->wr, (uint8_t)ret);
	return ret < 0 ? ret : DG_OK;
}

static int parse_type(struct pctx *c, const struct dg_tok *tok)
{
	int ret = tok->quoted ? DG_ETEXT_SYNTAX : dg_rrtype_from_str(tok->p, tok->len);
	if (ret >= 0)
		dg_wr_u16(&c->wr, (uint16_t)ret);
	return ret < 0 ? ret : DG_OK;
}

static int parse_period(struct pctx *c, const struct dg_tok *tok)
{
	uint32_t v;
	int ret = tok->quoted ? DG_ETEXT_SYNTAX : dg_ttl_from_str(tok->p, tok->len, &v);
	if (ret == DG_OK)
		dg_wr_u32(&c->wr, v);
	return ret;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); avoids timegm() and its time zone state. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned digits(const char *p, int n)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

/*
 * RFC 4034 §3.2: a signature time is YYYYMMDDHHmmSS in UTC or a plain
 * decimal number of seconds. A 14-digit number cannot be a valid u32, so
 * the length tells the forms apart. Times past 2106 do not fit 32 bits.
 */
static int parse_time(struct pctx *c, const struct dg_tok *tok)
{
	if (tok->len != 14) {
		uint32_t v;
		int ret = dg_tok_uint(tok, UINT32_MAX, &v);
		if (ret == DG_OK)
			dg_wr_u32(&c->wr, v);
		return ret == DG_ETEXT_SYNTAX ? DG_ETEXT_TIME : ret;
	}
	for (size_t i = 0; i < tok->len; i++)
		if (tok->quoted || tok->p[i] < '0' || tok->p[i] > '9')
			return DG_ETEXT_TIME;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = tok->p;
	unsigned y = digits(p, 4), mo = digits(p + 4, 2), d = digits(p + 6, 2);
	unsigned h = digits(p + 8, 2), mi = digits(p + 10, 2), s = digits(p + 12, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    s > 59)
		return DG_ETEXT_TIME;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return DG_ETEXT_TIME;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	if (t > (int64_t)UINT32_MAX)
		return DG_ETEXT_TIME;
	dg_wr_u32(&c->wr, (uint32_t)t);
	return DG_OK;
}

static int parse_addr(struct pctx *c, const struct dg_tok *tok, int af)
{
	char buf[INET6_ADDRSTRLEN];
	if (tok->quoted || tok->len >= sizeof(buf))
		return DG_ETEXT_ADDR;
	memcpy(buf, tok->p, tok->len);
	buf[tok->len] = '\0';
	uint8_t addr[16];
	if (inet_pton(af, buf, addr) != 1)
		return DG_ETEXT_ADDR;
	dg_wr_bytes(&c->wr, addr, af == AF_INET ? 4 : 16);
	return DG_OK;
}

static int parse_name(struct pctx *c, const struct dg_tok *tok)
{
	if (tok->quoted)
		return DG_ETEXT_SYNTAX;
	if (c->wr.err != DG_OK)
		return c->wr.err;
	int ret = dg_dname_from_strn(c->wr.pos, dg_wr_left(&c->wr), tok->p, tok->len, c->origin);
	if (ret > 0)
		c->wr.pos += ret;
	return ret < 0 ? ret : DG_OK;
}

/* A length-prefixed <character-string> (RFC 1035 §3.3) from one token. */
static int parse_str_tok(struct pctx *c, const struct dg_tok *tok)
{
	uint8_t *lenp = c->wr.pos;
	dg_wr_u8(&c->wr, 0);
	int n = dg_txt_unescape(tok->p, tok->len, &c->wr);
	if (n < 0)
		return n;
	if (n > 255)
		return DG_ETEXT_STRING;
	*lenp = (uint8_t)n;
	return DG_OK;
}

/* TXT: one or more character-strings up to the end. */
static int parse_strs(struct pctx *c, struct dg_tok tok)
{
	int ret = DG_OK;
	while (ret == DG_OK) {
		ret = parse_str_tok(c, &tok);
		if (ret == DG_OK)
			ret = dg_txt_next(&c->txt, &tok) == 1 ? DG_OK : 1;
	}
	return ret < 0 ? ret : DG_OK;
}

/* Base64 or hex to the end of the text, in as many chunks as it comes. */
static int parse_blob(struct pctx *c, struct dg_tok tok, bool b64)
{
	struct dg_base64_dec b64st = { 0 };
	struct dg_hex_dec hexst = { 0 };
	int ret = DG_OK;
	while (ret == DG_OK) {
		if (tok.quoted)
			return DG_ETEXT_SYNTAX;
		ret = b64 ? dg_base64_decode_part(&b64st, tok.p, tok.len, &c->wr)
			  : dg_hex_decode_part(&hexst, tok.p, tok.len, &c->wr);
		if (ret == DG_OK)
			ret = dg_txt_next(&c->txt, &tok) == 1 ? DG_OK : 1;
	}
	if (ret < 0)
		return ret;
	return b64 ? dg_base64_decode_end(&b64st) : dg_hex_decode_end(&hexst);
}

/* NSEC3 salt (RFC 5155 §3.3: "-" when empty) or next hashed owner. */
static int parse_lenblob(struct pctx *c, const struct dg_tok *tok, bool b32)
{
	if (tok->quoted)
		return DG_ETEXT_SYNTAX;
	uint8_t *lenp = c->wr.pos;
	dg_wr_u8(&c->wr, 0);
	if (c->wr.err != DG_OK)
		return c->wr.err;
	size_t room = dg_wr_left(&c->wr) < 255 ? dg_wr_left(&c->wr) : 255;
	int ret;
	if (b32) {
		ret = dg_base32hex_decode(tok->p, tok->len, c->wr.pos, room);
		if (ret == 0)
			ret = DG_ETEXT_BASE32; /* the hash is never empty */
	} else if (tok->len == 1 && tok->p[0] == '-') {
		ret = 0;
	} else {
		ret = dg_hex_decode(tok->p, tok->len, c->wr.pos, room);
	}
	if (ret == DG_ESPACE && room == 255)
		return DG_ETEXT_RANGE;
	if (ret < 0)
		return ret;
	*lenp = (uint8_t)ret;
	c->wr.pos += ret;
	return DG_OK;
}

/*
 * Type bitmap (RFC 4034 §4.1.2): one block per 256-type window that has a
 * type, in increasing order, each as long as its last non-zero octet.
 */
static int parse_bitmap(struct pctx *c)
{
	uint8_t bits[8192] = { 0 };
	struct dg_tok tok;
	int ret;
	while ((ret = dg_txt_next(&c->txt, &tok)) == 1) {
		int type = tok.quoted ? DG_ETEXT_SYNTAX : dg_rrtype_from_str(tok.p, tok.len);
		if (type < 0)
			return type;
		bits[type / 8] |= (uint8_t)(0x80 >> (type % 8));
	}
	if (ret < 0)
		return ret;
	for (unsigned win = 0; win < 256; win++) {
		const uint8_t *w = bits + win * 32;
		unsigned len = 32;
		while (len > 0 && w[len - 1] == 0)
			len--;
		if (len == 0)
			continue;
		dg_wr_u8(&c->wr, (uint8_t)win);
		dg_wr_u8(&c->wr, (uint8_t)len);
		dg_wr_bytes(&c->wr, w, len);
	}
	return DG_OK;
}

/* CAA tag (RFC 8659 §4.1.1): letters and digits only. */
static int parse_tag(struct pctx *c, const struct dg_tok *tok)
{
	if (tok->quoted || tok->len == 0 || tok->len > 255)
		return DG_ETEXT_SYNTAX;
	for (size_t i = 0; i < tok->len; i++) {
		char ch = tok->p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return DG_ETEXT_SYNTAX;
	}
	dg_wr_u8(&c->wr, (uint8_t)tok->len);
	dg_wr_bytes(&c->wr, tok->p, tok->len);
	return DG_OK;
}

static int parse_field(struct pctx *c, enum dg_rdf f)
{
	/* A type bitmap and the SvcParams list may be empty (they read their
	 * own tokens to the end); every other field needs a first token. */
	if (f == DG_RDF_BITMAP)
		return parse_bitmap(c);
	if (f == DG_RDF_SVCPARAMS)
		return dg_svcparams_parse(&c->txt, &c->wr);
	struct dg_tok tok;
	int ret = need_tok(c, &tok);
	if (ret < 0)
		return ret;
	uint32_t v = 0;
	switch (f) {
	case DG_RDF_U8:
		ret = dg_tok_uint(&tok, UINT8_MAX, &v);
		dg_wr_u8(&c->wr, (uint8_t)v);
		return ret;
	case DG_RDF_U16:
		ret = dg_tok_uint(&tok, UINT16_MAX, &v);
		dg_wr_u16(&c->wr, (uint16_t)v);
		return ret;
	case DG_RDF_U32:
		ret = dg_tok_uint(&tok, UINT32_MAX, &v);
		dg_wr_u32(&c->wr, v);
		return ret;
	case DG_RDF_PERIOD: return parse_period(c, &tok);
	case DG_RDF_ALG: return parse_alg(c, &tok);
	case DG_RDF_TYPE: return parse_type(c, &tok);
	case DG_RDF_TIME: return parse_time(c, &tok);
	case DG_RDF_A: return parse_addr(c, &tok, AF_INET);
	case DG_RDF_AAAA: return parse_addr(c, &tok, AF_INET6);
	case DG_RDF_NAME: return parse_name(c, &tok);
	case DG_RDF_STR: return parse_str_tok(c, &tok);
	case DG_RDF_STRS: return parse_strs(c, tok);
	case DG_RDF_B64: return parse_blob(c, tok, true);
	case DG_RDF_HEX: return parse_blob(c, tok, false);
	case DG_RDF_HEXLEN: return parse_lenblob(c, &tok, false);
	case DG_RDF_B32LEN: return parse_lenblob(c, &tok, true);
	case DG_RDF_TAG: return parse_tag(c, &tok);
	case DG_RDF_OCTETS: /* CAA value (RFC 8659 §4.1.1): no length octet */
		ret = dg_txt_unescape(tok.p, tok.len, &c->wr);
		return ret < 0 ? ret : DG_OK;
	case DG_RDF_BITMAP:
	case DG_RDF_SVCPARAMS:
	case DG_RDF_END: break;
	}
	return DG_EINVAL;
}

/* Fields of a type with a layout; peeked is dg_txt_next()'s result for
 * the first token (0 when there is none). */
static int parse_typed(struct pctx *c, uint16_t type, int peeked)
{
	const struct dg_rrtype_desc *d = dg_rrtype_desc(type);
	if (d == NULL || d->fields[0] == DG_RDF_END) /* RFC 3597 §5: only "\#" */
		return peeked < 0 ? peeked : DG_ETEXT_GENERIC;
	for (size_t i = 0; i < DG_RDF_MAX && d->fields[i] != DG_RDF_END; i++) {
		int ret = parse_field(c, (enum dg_rdf)d->fields[i]);
		if (ret == DG_OK)
			ret = c->wr.err;
		if (ret < 0)
			return ret;
	}
	struct dg_tok tok;
	int ret = dg_txt_next(&c->txt, &tok);
	if (ret != 0)
		return ret < 0 ? ret : DG_ETEXT_FIELDS;
	return DG_OK;
}

/* RFC 3597 §5: "\# <length> <hex>...", the hex possibly in several chunks. */
static int parse_generic(struct pctx *c, uint16_t type)
{
	uint32_t declared;
	int ret = parse_uint(c, UINT16_MAX, &declared);
	if (ret < 0)
		return ret;
	size_t start = dg_wr_off(&c->wr);
	struct dg_hex_dec st = { 0 };
	struct dg_tok tok;
	while ((ret = dg_txt_next(&c->txt, &tok)) == 1) {
		ret = tok.quoted ? DG_ETEXT_HEX : dg_hex_decode_part(&st, tok.p, tok.len, &c->wr);
		if (ret < 0)
			return ret;
	}
	if (ret == DG_OK)
		ret = dg_hex_decode_end(&st);
	if (ret < 0)
		return ret;
	size_t len = dg_wr_off(&c->wr) - start;
	if (len != declared)
		return DG_ETEXT_GENERIC;
	/* A known type's data must still be that type's RDATA. */
	if (dg_rdata_check(type, c->wr.start + start, len) < 0)
		return DG_ETEXT_GENERIC;
	return DG_OK;
}

int dg_rdata_from_txt(uint16_t type, struct dg_txt *t, const uint8_t *origin, uint8_t *out,
		      size_t outsz)
{
	if (t == NULL || out == NULL)
		return DG_EINVAL;
	struct pctx c = { *t, dg_wr_init(out, outsz < DG_RDATA_MAXLEN ? outsz : DG_RDATA_MAXLEN),
			  origin };
	struct dg_tok tok;
	struct dg_txt peek = c.txt;
	int ret = dg_txt_next(&peek, &tok);
	if (ret == 1 && !tok.quoted && tok.len == 2 && memcmp(tok.p, "\\#", 2) == 0) {
		c.txt = peek;
		ret = parse_generic(&c, type);
	} else {
		ret = parse_typed(&c, type, ret);
	}
	*t = c.txt;
	if (ret == DG_OK)
		ret = c.wr.err;
	return ret < 0 ? ret : (int)dg_wr_off(&c.wr);
}

int dg_rdata_from_strn(uint16_t type, const char *text, size_t len, const uint8_t *origin,
		       uint8_t *out, size_t outsz)
{
	if (text == NULL || out == NULL)
		return DG_EINVAL;
	struct dg_txt t = { text, text + len, 0 };
	return dg_rdata_from_txt(type, &t, origin, out, outsz);
}

int dg_rdata_from_str(uint16_t type, const char *text, const uint8_t *origin, uint8_t *out,
		      size_t outsz)
{
	if (text == NULL)
		return DG_EINVAL;
	return dg_rdata_from_strn(type, text, strlen(text), origin, out, outsz);
}
