/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Base64, base32hex and hex codecs (see basenc.h for why they are ours).
 * Character values are computed, not looked up in a 256-entry table: the
 * alphabets are contiguous ranges and this is not a hot path.
 */
#include "lib/basenc.h"
#include "lib/err.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32_alphabet[] = "0123456789abcdefghijklmnopqrstuv";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b32_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

void dg_base64_encode_group(const uint8_t *in, size_t n, char out[4])
{
	uint32_t v = (uint32_t)in[0] << 16;
	if (n > 1)
		v |= (uint32_t)in[1] << 8;
	if (n > 2)
		v |= in[2];
	out[0] = b64_alphabet[v >> 18 & 63];
	out[1] = b64_alphabet[v >> 12 & 63];
	out[2] = n > 1 ? b64_alphabet[v >> 6 & 63] : '=';
	out[3] = n > 2 ? b64_alphabet[v & 63] : '=';
}

int dg_base64_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t need = DG_BASE64_LEN(len);
	if (out == NULL || outsz < need + 1 || need > INT32_MAX)
		return DG_ESPACE;
	for (size_t i = 0; i < len; i += 3)
		dg_base64_encode_group(in + i, len - i < 3 ? len - i : 3, out + i / 3 * 4);
	out[need] = '\0';
	return (int)need;
}

/*
 * A '=' may only stand in the third or fourth place of a group, and once one
 * is seen nothing but '=' may follow (RFC 4648 §3.3 lets us reject
 * non-alphabet characters; we do, so garbage cannot hide in key material).
 */
static int b64_pad(struct dg_base64_dec *st, struct dg_wr *wr)
{
	if (st->nchars < 2)
		return DG_ETEXT_BASE64;
	st->npad++;
	st->nchars = (uint8_t)((st->nchars + 1) % 4);
	if (st->nchars != 0)
		return DG_OK;
	/* Group complete: 4 - npad characters carried 6 bits each. */
	if (st->npad == 1) {
		dg_wr_u8(wr, (uint8_t)(st->acc >> 10));
		dg_wr_u8(wr, (uint8_t)(st->acc >> 2));
	} else {
		dg_wr_u8(wr, (uint8_t)(st->acc >> 4));
	}
	st->acc = 0;
	return wr->err;
}

int dg_base64_decode_part(struct dg_base64_dec *st, const char *in, size_t len,
			  struct dg_wr *wr)
{
	for (size_t i = 0; i < len && wr->err == DG_OK; i++) {
		if (in[i] == '=') {
			int ret = b64_pad(st, wr);
			if (ret < 0)
				return ret;
			continue;
		}
		int v = b64_value(in[i]);
		if (v < 0 || st->npad > 0)
			return DG_ETEXT_BASE64;
		st->acc = st->acc << 6 | (uint32_t)v;
		st->nchars = (uint8_t)((st->nchars + 1) % 4);
		if (st->nchars == 0) {
			dg_wr_u8(wr, (uint8_t)(st->acc >> 16));
			dg_wr_u8(wr, (uint8_t)(st->acc >> 8));
			dg_wr_u8(wr, (uint8_t)st->acc);
			st->acc = 0;
		}
	}
	return wr->err;
}

int dg_base64_decode_end(const struct dg_base64_dec *st)
{
	return st->nchars == 0 ? DG_OK : DG_ETEXT_BASE64;
}

int dg_base64_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	struct dg_base64_dec st = { 0 };
	struct dg_wr wr = dg_wr_init(out, outsz);
	int ret = dg_base64_decode_part(&st, in, len, &wr);
	if (ret == DG_OK)
		ret = dg_base64_decode_end(&st);
	return ret < 0 ? ret : (int)dg_wr_off(&wr);
}

int dg_hex_decode_part(struct dg_hex_dec *st, const char *in, size_t len, struct dg_wr *wr)
{
	for (size_t i = 0; i < len && wr->err == DG_OK; i++) {
		int v = hex_value(in[i]);
		if (v < 0)
			return DG_ETEXT_HEX;
		if (st->pending)
			dg_wr_u8(wr, (uint8_t)(st->hi << 4 | v));
		else
			st->hi = (uint8_t)v;
		st->pending = !st->pending;
	}
	return wr->err;
}

int dg_hex_decode_end(const struct dg_hex_dec *st)
{
	return st->pending ? DG_ETEXT_HEX : DG_OK;
}

int dg_hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	struct dg_hex_dec st = { 0 };
	struct dg_wr wr = dg_wr_init(out, outsz);
	int ret = dg_hex_decode_part(&st, in, len, &wr);
	if (ret == DG_OK)
		ret = dg_hex_decode_end(&st);
	return ret < 0 ? ret : (int)dg_wr_off(&wr);
}

int dg_hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	if (out == NULL || len > INT32_MAX / 2 || outsz < 2 * len + 1)
		return DG_ESPACE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
	return (int)(2 * len);
}

int dg_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t need = DG_BASE32_LEN(len);
	if (out == NULL || outsz < need + 1 || need > INT32_MAX)
		return DG_ESPACE;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[acc >> bits & 31];
		}
	}
	if (bits > 0) /* the last group is zero-filled on the right */
		out[o++] = b32_alphabet[acc << (5 - bits) & 31];
	out[o] = '\0';
	return (int)o;
}

int dg_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	/* 8 characters carry 5 octets; a partial group of 2, 4, 5 or 7
	 * characters carries 1 to 4 octets. Other remainders encode nothing. */
	size_t rem = len % 8;
	if (rem == 1 || rem == 3 || rem == 6)
		return DG_ETEXT_BASE32;
	struct dg_wr wr = dg_wr_init(out, outsz);
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b32_value(in[i]);
		if (v < 0)
			return DG_ETEXT_BASE32;
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			dg_wr_u8(&wr, (uint8_t)(acc >> bits));
		}
	}
	return wr.err < 0 ? wr.err : (int)dg_wr_off(&wr);
}
