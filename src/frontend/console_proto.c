/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's console framing and secret-box encryption (see console_proto.h).
 */
#include "frontend/console_proto.h"

#include <sodium.h>

#include "lib/basenc.h"
#include "lib/err.h"

_Static_assert(CP_KEY_LEN == crypto_secretbox_KEYBYTES, "key size");
_Static_assert(CP_NONCE_LEN == crypto_secretbox_NONCEBYTES, "nonce size");
_Static_assert(CP_MAC_LEN == crypto_secretbox_MACBYTES, "MAC size");
_Static_assert(CP_KEY_TXT_LEN == DG_BASE64_LEN(CP_KEY_LEN) + 1, "key text size");

int cp_init(void)
{
	/* 0: initialised now, 1: already was; -1 only when no entropy source works */
	return sodium_init() < 0 ? DG_ENOMEM : 0;
}

int cp_key_decode(const char *b64, uint8_t key[CP_KEY_LEN])
{
	uint8_t buf[CP_KEY_LEN + 3];
	if (b64 == NULL)
		return DG_ECONSOLE_KEY;
	int n = dg_base64_decode(b64, strlen(b64), buf, sizeof(buf));
	if (n != CP_KEY_LEN)
		return DG_ECONSOLE_KEY;
	memcpy(key, buf, CP_KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int cp_key_new(char *out, size_t outsz)
{
	uint8_t key[CP_KEY_LEN];
	randombytes_buf(key, sizeof(key));
	int ret = dg_base64_encode(key, sizeof(key), out, outsz);
	sodium_memzero(key, sizeof(key));
	return ret < 0 ? ret : 0;
}

void cp_nonce_random(struct cp_nonce *n)
{
	randombytes_buf(n->v, sizeof(n->v));
}

void cp_nonce_merge(struct cp_nonce *out, const struct cp_nonce *lower,
		    const struct cp_nonce *higher)
{
	const size_t half = CP_NONCE_LEN / 2;
	memcpy(out->v, lower->v, half);
	memcpy(out->v + half, higher->v + half, half);
}

/* dnsdist reads the first 4 bytes as a host integer, byte-swaps it to
 * network order, adds one and swaps back: a big-endian counter. */
void cp_nonce_increment(struct cp_nonce *n)
{
	uint32_t c = cp_get_len(n->v) + 1;
	cp_put_len(n->v, c);
}

void cp_session_init(struct cp_session *s, const uint8_t key[CP_KEY_LEN],
		     const struct cp_nonce *ours, const struct cp_nonce *theirs)
{
	memcpy(s->key, key, CP_KEY_LEN);
	cp_nonce_merge(&s->rd, ours, theirs);
	cp_nonce_merge(&s->wr, theirs, ours);
}

int cp_seal(struct cp_session *s, const uint8_t *msg, size_t len, uint8_t *out, size_t outsz)
{
	if (outsz < CP_MAC_LEN || len > outsz - CP_MAC_LEN || len > INT32_MAX - CP_MAC_LEN)
		return DG_ESPACE;
	crypto_secretbox_easy(out, msg, len, s->wr.v, s->key);
	cp_nonce_increment(&s->wr);
	return (int)(len + CP_MAC_LEN);
}

int cp_open(struct cp_session *s, const uint8_t *ct, size_t len, uint8_t *out, size_t outsz)
{
	if (len < CP_MAC_LEN)
		return DG_ECONSOLE_SHORT;
	if (len - CP_MAC_LEN > outsz || len > INT32_MAX)
		return DG_ESPACE;
	if (crypto_secretbox_open_easy(out, ct, len, s->rd.v, s->key) != 0)
		return DG_ECONSOLE_AUTH;
	cp_nonce_increment(&s->rd);
	return (int)(len - CP_MAC_LEN);
}

void cp_put_len(uint8_t out[CP_LEN_BYTES], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

uint32_t cp_get_len(const uint8_t in[CP_LEN_BYTES])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}
