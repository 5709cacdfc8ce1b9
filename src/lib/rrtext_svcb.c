/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * SVCB/HTTPS SvcParams (RFC 9460 §2.1, §7) in presentation and wire form.
 *
 * Parsing writes each "key=value" as wire (key, length, value) in text
 * order, then sorts the records in place by swapping neighbours, so no
 * buffer is allocated; §2.2 requires strictly increasing keys on the wire.
 * A value is first decoded as a character-string, then by its key's rules
 * (Appendix A.1: lists split on commas, where "\," is a literal comma):
 * alpn="f\\\\oo\\,bar,h2" holds the two ids "f\oo,bar" and "h2".
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/rrtext_int.h"

#define BAD DG_ERDATA_FORMAT
#define EPARAM DG_ETEXT_SVCPARAM

enum svc_key {
	SVC_MANDATORY = 0,
	SVC_ALPN = 1,
	SVC_NO_DEFAULT_ALPN = 2,
	SVC_PORT = 3,
	SVC_IPV4HINT = 4,
	SVC_ECH = 5,
	SVC_IPV6HINT = 6,
	SVC_KEY_COUNT,
	SVC_INVALID = 65535, /* RFC 9460 §14.3.2: "Invalid key" */
};

static const char *const key_names[SVC_KEY_COUNT] = {
	"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
};

/* Largest decoded value of a key with structure (ech configs are a few
 * hundred octets); generic keyNNNN values go straight to the output. */
#define SVC_SCRATCH 4096

/* Key number of "alpn", "key1", ...; -1 if none. */
static int key_from_str(const char *s, size_t len)
{
	for (int k = 0; k < SVC_KEY_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(s, key_names[k], len) == 0)
			return k;
	if (len < 4 || len > 8 || memcmp(s, "key", 3) != 0)
		return -1;
	struct dg_tok tok = { s + 3, len - 3, false };
	uint32_t v;
	if (dg_tok_uint(&tok, UINT16_MAX, &v) < 0 || v == SVC_INVALID)
		return -1;
	return (int)v;
}

static void print_key(struct dg_tw *tw, uint16_t key)
{
	if (key < SVC_KEY_COUNT)
		dg_tw_puts(tw, key_names[key]);
	else
		dg_tw_printf(tw, "key%u", key);
}

/*
 * Splits the comma-separated list at *pos in v[0..n) (Appendix A.1) and
 * copies the next item, list escapes removed, to item[0..itemsz).
 * Returns the item length, or -1 for an empty item or one too long.
 */
static int list_next(const uint8_t *v, size_t n, size_t *pos, uint8_t *item, size_t itemsz)
{
	size_t len = 0;
	size_t i = *pos;
	for (; i < n && v[i] != ','; i++) {
		if (v[i] == '\\' && i + 1 < n)
			i++;
		if (len >= itemsz)
			return -1;
		item[len++] = v[i];
	}
	*pos = i + 1; /* past the comma, or past the end */
	return len > 0 ? (int)len : -1;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* mandatory: key names, written sorted (§8: "strictly increasing"). */
static int value_mandatory(const uint8_t *v, size_t n, struct dg_wr *wr)
{
	uint16_t keys[SVC_SCRATCH / 2];
	size_t count = 0, pos = 0;
	uint8_t item[16];
	while (pos < n) {
		int len = list_next(v, n, &pos, item, sizeof(item));
		int key = len > 0 ? key_from_str((const char *)item, (size_t)len) : -1;
		if (key < 0)
			return EPARAM;
		keys[count++] = (uint16_t)key;
	}
	if (count == 0)
		return EPARAM;
	qsort(keys, count, sizeof(keys[0]), cmp_u16);
	for (size_t i = 0; i < count; i++) {
		if (keys[i] == SVC_MANDATORY || (i > 0 && keys[i] == keys[i - 1]))
			return EPARAM; /* §8: must not list itself, nor twice */
		dg_wr_u16(wr, keys[i]);
	}
	return DG_OK;
}

static int value_alpn(const uint8_t *v, size_t n, struct dg_wr *wr)
{
	uint8_t item[255];
	size_t pos = 0;
	if (n == 0)
		return EPARAM;
	while (pos < n) {
		int len = list_next(v, n, &pos, item, sizeof(item));
		if (len < 0)
			return EPARAM;
		dg_wr_u8(wr, (uint8_t)len);
		dg_wr_bytes(wr, item, (size_t)len);
	}
	return DG_OK;
}

static int value_hints(const uint8_t *v, size_t n, struct dg_wr *wr, int af)
{
	char item[INET6_ADDRSTRLEN];
	size_t pos = 0;
	if (n == 0)
		return EPARAM;
	while (pos < n) {
		int len = list_next(v, n, &pos, (uint8_t *)item, sizeof(item) - 1);
		if (len < 0)
			return DG_ETEXT_ADDR;
		item[len] = '\0';
		uint8_t addr[16];
		if (inet_pton(af, item, addr) != 1)
			return DG_ETEXT_ADDR;
		dg_wr_bytes(wr, addr, af == AF_INET ? 4 : 16);
	}
	return DG_OK;
}

/* Converts a decoded value of a known key to its wire form. */
static int value_known(int key, const uint8_t *v, size_t n, struct dg_wr *wr)
{
	struct dg_tok tok = { (const char *)v, n, false };
	uint32_t port;
	int ret;
	switch (key) {
	case SVC_MANDATORY: return value_mandatory(v, n, wr);
	case SVC_ALPN: return value_alpn(v, n, wr);
	case SVC_NO_DEFAULT_ALPN: return n == 0 ? DG_OK : EPARAM;
	case SVC_PORT:
		ret = dg_tok_uint(&tok, UINT16_MAX, &port);
		dg_wr_u16(wr, (uint16_t)port);
		return ret < 0 ? EPARAM : DG_OK;
	case SVC_IPV4HINT: return value_hints(v, n, wr, AF_INET);
	case SVC_IPV6HINT: return value_hints(v, n, wr, AF_INET6);
	case SVC_ECH:
		if (n == 0)
			return EPARAM;
		struct dg_base64_dec st = { 0 };
		ret = dg_base64_decode_part(&st, (const char *)v, n, wr);
		return ret < 0 ? ret : dg_base64_decode_end(&st);
	}
	return DG_EINVAL;
}

/* Reads one "key[=value]" and appends its wire form to wr. */
static int parse_param(struct dg_txt *t, const struct dg_tok *tok, struct dg_wr *wr)
{
	if (tok->quoted)
		return DG_ETEXT_SYNTAX;
	const char *eq = memchr(tok->p, '=', tok->len);
	size_t klen = eq != NULL ? (size_t)(eq - tok->p) : tok->len;
	int key = key_from_str(tok->p, klen);
	if (key < 0)
		return EPARAM;
	struct dg_tok val = { eq != NULL ? eq + 1 : tok->p + tok->len, 0, false };
	val.len = (size_t)(tok->p + tok->len - val.p);
	if (eq != NULL && val.len == 0 && dg_txt_at_quote(t) && dg_txt_next(t, &val) != 1)
		return DG_ETEXT_SYNTAX;
	dg_wr_u16(wr, (uint16_t)key);
	uint8_t *lenp = wr->pos;
	dg_wr_u16(wr, 0);
	size_t start = dg_wr_off(wr);
	int ret;
	if (key >= SVC_KEY_COUNT) {
		ret = dg_txt_unescape(val.p, val.len, wr);
	} else {
		uint8_t scratch[SVC_SCRATCH];
		struct dg_wr sw = dg_wr_init(scratch, sizeof(scratch));
		ret = dg_txt_unescape(val.p, val.len, &sw);
		if (ret == DG_ESPACE)
			ret = DG_ETEXT_RANGE;
		if (ret >= 0)
			ret = value_known(key, scratch, (size_t)ret, wr);
	}
	if (ret < 0 || wr->err < 0)
		return ret < 0 ? ret : wr->err;
	dg_put_u16(lenp, (uint16_t)(dg_wr_off(wr) - start));
	return DG_OK;
}

/* Swaps the adjacent byte ranges [p, p+a) and [p+a, p+a+b) in place. */
static void reverse(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t tmp = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = tmp;
	}
}

static void swap_adjacent(uint8_t *p, size_t a, size_t b)
{
	reverse(p, a);
	reverse(p + a, b);
	reverse(p, a + b);
}

/* Bubble sort of the (key, len, value) records in p[0..n) by key; the
 * record count is small and this needs no memory. Fails on a duplicate. */
static int sort_params(uint8_t *p, size_t n)
{
	bool swapped = true;
	while (swapped) {
		swapped = false;
		size_t i = 0;
		while (i < n) {
			size_t a = 4 + dg_get_u16(p + i + 2);
			if (i + a >= n)
				break;
			size_t b = 4 + dg_get_u16(p + i + a + 2);
			uint16_t k1 = dg_get_u16(p + i), k2 = dg_get_u16(p + i + a);
			if (k1 == k2)
				return EPARAM; /* §2.2: keys MUST NOT repeat */
			if (k1 > k2) {
				swap_adjacent(p + i, a, b);
				swapped = true;
				i += b;
			} else {
				i += a;
			}
		}
	}
	return DG_OK;
}

/* §8: every key "mandatory" lists must be present. p is sorted. */
static int check_mandatory(const uint8_t *p, size_t n)
{
	if (n == 0 || dg_get_u16(p) != SVC_MANDATORY)
		return DG_OK;
	size_t mlen = dg_get_u16(p + 2);
	for (size_t m = 0; m < mlen; m += 2) {
		uint16_t want = dg_get_u16(p + 4 + m);
		bool found = false;
		for (size_t i = 0; i < n && !found; i += 4 + dg_get_u16(p + i + 2))
			found = dg_get_u16(p + i) == want;
		if (!found)
			return EPARAM;
	}
	return DG_OK;
}

int dg_svcparams_parse(struct dg_txt *t, struct dg_wr *wr)
{
	size_t start = dg_wr_off(wr);
	struct dg_tok tok;
	int ret;
	while ((ret = dg_txt_next(t, &tok)) == 1) {
		ret = parse_param(t, &tok, wr);
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	ret = sort_params(wr->start + start, dg_wr_off(wr) - start);
	if (ret == DG_OK)
		ret = check_mandatory(wr->start + start, dg_wr_off(wr) - start);
	return ret;
}

/* A list item in quoted presentation: list escapes first ("\," and "\\"),
 * then character-string escapes, so a comma prints as \\, (Appendix A.1). */
static void print_list_item(struct dg_tw *tw, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ',')
			dg_tw_puts(tw, "\\\\,");
		else if (s[i] == '\\')
			dg_tw_puts(tw, "\\\\\\\\");
		else
			dg_tw_escaped(tw, s + i, 1, false);
	}
}

static int print_alpn(const uint8_t *v, size_t n, struct dg_tw *tw)
{
	struct dg_rd rd = dg_rd_init(v, n);
	dg_tw_put(tw, "\"", 1);
	while (dg_rd_left(&rd) > 0) {
		uint8_t len = dg_rd_u8(&rd, BAD);
		if (len == 0 || dg_rd_need(&rd, len, BAD) != DG_OK)
			return BAD;
		if (rd.pos != v + 1)
			dg_tw_put(tw, ",", 1);
		print_list_item(tw, rd.pos, len);
		rd.pos += len;
	}
	dg_tw_put(tw, "\"", 1);
	return n > 0 ? DG_OK : BAD;
}

static int print_hints(const uint8_t *v, size_t n, struct dg_tw *tw, int af)
{
	size_t alen = af == AF_INET ? 4 : 16;
	if (n == 0 || n % alen != 0)
		return BAD;
	for (size_t i = 0; i < n; i += alen) {
		char buf[INET6_ADDRSTRLEN];
		if (inet_ntop(af, v + i, buf, sizeof(buf)) == NULL)
			return BAD;
		if (i > 0)
			dg_tw_put(tw, ",", 1);
		dg_tw_puts(tw, buf);
	}
	return DG_OK;
}

static int print_mandatory(const uint8_t *v, size_t n, struct dg_tw *tw)
{
	if (n == 0 || n % 2 != 0)
		return BAD;
	for (size_t i = 0; i < n; i += 2) {
		uint16_t key = dg_get_u16(v + i);
		if (key == SVC_MANDATORY || (i > 0 && key <= dg_get_u16(v + i - 2)))
			return BAD;
		if (i > 0)
			dg_tw_put(tw, ",", 1);
		print_key(tw, key);
	}
	return DG_OK;
}

static int print_value(uint16_t key, const uint8_t *v, size_t n, struct dg_tw *tw)
{
	switch (key) {
	case SVC_MANDATORY: return print_mandatory(v, n, tw);
	case SVC_ALPN: return print_alpn(v, n, tw);
	case SVC_NO_DEFAULT_ALPN: return n == 0 ? DG_OK : BAD;
	case SVC_PORT:
		if (n != 2)
			return BAD;
		dg_tw_printf(tw, "%u", dg_get_u16(v));
		return DG_OK;
	case SVC_IPV4HINT: return print_hints(v, n, tw, AF_INET);
	case SVC_IPV6HINT: return print_hints(v, n, tw, AF_INET6);
	case SVC_ECH:
		if (n == 0)
			return BAD;
		for (size_t i = 0; i < n; i += 3) {
			char group[4];
			dg_base64_encode_group(v + i, n - i < 3 ? n - i : 3, group);
			dg_tw_put(tw, group, 4);
		}
		return DG_OK;
	default:
		if (n == 0)
			return DG_OK;
		dg_tw_put(tw, "\"", 1);
		dg_tw_escaped(tw, v, n, false);
		dg_tw_put(tw, "\"", 1);
		return DG_OK;
	}
}

int dg_svcparams_print(struct dg_rd *rd, struct dg_tw *tw)
{
	const uint8_t *start = rd->pos;
	int prev = -1;
	while (dg_rd_left(rd) > 0) {
		uint16_t key = dg_rd_u16(rd, BAD);
		uint16_t len = dg_rd_u16(rd, BAD);
		if (dg_rd_need(rd, len, BAD) != DG_OK || key <= prev || key == SVC_INVALID)
			return BAD;
		prev = key;
		dg_tw_sep(tw);
		print_key(tw, key);
		/* A flag-like key (no-default-alpn, or keyNNNN with an empty
		 * value) prints bare; §2.1 reads that back as an empty value. */
		if (len > 0)
			dg_tw_put(tw, "=", 1);
		int ret = print_value(key, rd->pos, len, tw);
		if (ret < 0)
			return ret;
		rd->pos += len;
	}
	/* Same rule as the text parser, so printed text always reads back
	 * (found by fuzz_rrtext); the loop above validated the layout. */
	if (check_mandatory(start, (size_t)(rd->pos - start)) != DG_OK)
		return BAD;
	return DG_OK;
}
