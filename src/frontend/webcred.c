/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Web server credentials (see webcred.h). scrypt comes from libsodium's
 * low-level crypto_pwhash_scryptsalsa208sha256_ll, which takes N, r and p
 * as dnsdist's OpenSSL call does, so both compute the same bytes.
 */
#include "frontend/webcred.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/basenc.h"
#include "lib/err.h"

#define PREFIX "$scrypt$"

static int scrypt(const char *pw, size_t len, const uint8_t salt[WEBCRED_SALT], unsigned ln,
		  unsigned r, unsigned p, uint8_t out[WEBCRED_HASH])
{
	if (sodium_init() < 0)
		return DG_ENOMEM;
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pw, len, salt, WEBCRED_SALT,
						  (uint64_t)1 << ln, r, p, out, WEBCRED_HASH) != 0)
		return DG_ENOMEM; /* libsodium fails only when it cannot allocate */
	return DG_OK;
}

/* ln, r and p bounds: dnsdist refuses N > 32768 for interactive logins. */
static bool params_ok(unsigned ln, unsigned r, unsigned p)
{
	return ln >= 1 && ln <= 15 && r >= 1 && r <= 32 && p >= 1 && p <= 32;
}

/* Decodes the base64 field text[0..len) into exactly want bytes. */
static int field_decode(const char *text, size_t len, uint8_t *out, size_t want)
{
	uint8_t buf[64];
	int n = dg_base64_decode(text, len, buf, sizeof(buf));
	if (n != (int)want)
		return DG_ECRED_FORMAT;
	memcpy(out, buf, want);
	return DG_OK;
}

/* Parses "$scrypt$ln=L,p=P,r=R$salt$hash". */
static int parse_hashed(struct webcred *c, const char *text)
{
	const char *params = text + strlen(PREFIX);
	int used = 0;
	if (sscanf(params, "ln=%u,p=%u,r=%u%n", &c->ln, &c->p, &c->r, &used) != 3 ||
	    params[used] != '$')
		return DG_ECRED_FORMAT;
	if (!params_ok(c->ln, c->r, c->p))
		return DG_ECRED_PARAMS;
	const char *salt = params + used + 1;
	const char *dollar = strchr(salt, '$');
	if (dollar == NULL)
		return DG_ECRED_FORMAT;
	int ret = field_decode(salt, (size_t)(dollar - salt), c->salt, WEBCRED_SALT);
	if (ret == DG_OK)
		ret = field_decode(dollar + 1, strlen(dollar + 1), c->hash, WEBCRED_HASH);
	return ret;
}

int webcred_init(struct webcred *c, const char *text, bool hash_plain)
{
	memset(c, 0, sizeof(*c));
	if (text == NULL)
		return DG_OK;
	int ret;
	if (strncmp(text, PREFIX, strlen(PREFIX)) == 0) {
		ret = parse_hashed(c, text);
		c->hashed = true;
	} else if (hash_plain) {
		if (sodium_init() < 0)
			return DG_ENOMEM;
		c->ln = WEBCRED_DEFAULT_LN;
		c->r = WEBCRED_DEFAULT_R;
		c->p = WEBCRED_DEFAULT_P;
		randombytes_buf(c->salt, sizeof(c->salt));
		ret = scrypt(text, strlen(text), c->salt, c->ln, c->r, c->p, c->hash);
		c->hashed = true;
	} else {
		c->plain_len = strlen(text);
		c->plain = malloc(c->plain_len + 1);
		ret = c->plain ? DG_OK : DG_ENOMEM;
		if (c->plain)
			memcpy(c->plain, text, c->plain_len + 1);
	}
	if (ret < 0) {
		webcred_clear(c);
		return ret;
	}
	c->set = true;
	return DG_OK;
}

bool webcred_matches(const struct webcred *c, const char *given, size_t len)
{
	if (!c->set)
		return false;
	if (c->hashed) {
		uint8_t out[WEBCRED_HASH];
		if (scrypt(given, len, c->salt, c->ln, c->r, c->p, out) < 0)
			return false;
		return sodium_memcmp(out, c->hash, sizeof(out)) == 0;
	}
	/* Hash both sides first so the comparison length never depends on the
	 * secret: a length mismatch costs the same as a byte mismatch. */
	uint8_t a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
	if (sodium_init() < 0)
		return false;
	crypto_generichash(a, sizeof(a), (const uint8_t *)given, len, NULL, 0);
	crypto_generichash(b, sizeof(b), (const uint8_t *)c->plain, c->plain_len, NULL, 0);
	return sodium_memcmp(a, b, sizeof(a)) == 0;
}

void webcred_clear(struct webcred *c)
{
	if (c->plain != NULL) {
		sodium_memzero(c->plain, c->plain_len);
		free(c->plain);
	}
	sodium_memzero(c, sizeof(*c));
}

int webcred_hash_password(const char *password, unsigned ln, char *out, size_t outsz)
{
	uint8_t salt[WEBCRED_SALT], hash[WEBCRED_HASH];
	char s64[DG_BASE64_LEN(WEBCRED_SALT) + 1], h64[DG_BASE64_LEN(WEBCRED_HASH) + 1];

	if (!params_ok(ln, WEBCRED_DEFAULT_R, WEBCRED_DEFAULT_P))
		return DG_ECRED_PARAMS;
	if (outsz < WEBCRED_HASHED_MAX)
		return DG_ESPACE;
	if (sodium_init() < 0)
		return DG_ENOMEM;
	randombytes_buf(salt, sizeof(salt));
	int ret = scrypt(password, strlen(password), salt, ln, WEBCRED_DEFAULT_R, WEBCRED_DEFAULT_P,
			 hash);
	if (ret < 0)
		return ret;
	if (dg_base64_encode(salt, sizeof(salt), s64, sizeof(s64)) < 0 ||
	    dg_base64_encode(hash, sizeof(hash), h64, sizeof(h64)) < 0)
		return DG_ESPACE;
	int n = snprintf(out, outsz, PREFIX "ln=%u,p=%u,r=%u$%s$%s", ln, WEBCRED_DEFAULT_P,
			 WEBCRED_DEFAULT_R, s64, h64);
	return n > 0 && (size_t)n < outsz ? n : DG_ESPACE;
}
