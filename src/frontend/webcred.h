/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Web server credentials (the dashboard password and the API key), as
 * dnsdist's CredentialsHolder: either a plaintext secret compared in
 * constant time, or an scrypt hash in dnsdist's PHC string format
 * "$scrypt$ln=10,p=1,r=8$<base64 salt>$<base64 hash>" (16-byte salt, 32-byte
 * hash), so hashes made by dnsdist's hashPassword() work unchanged. With
 * hashPlaintextCredentials a plaintext secret is hashed at load time and
 * only the hash stays in memory.
 *
 * Thread use: built on the main thread at start, then read-only; matching
 * may run on any thread concurrently.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define WEBCRED_SALT 16
#define WEBCRED_HASH 32
/* dnsdist's defaults for hashPassword() and hashPlaintextCredentials. */
#define WEBCRED_DEFAULT_LN 10
#define WEBCRED_DEFAULT_R 8
#define WEBCRED_DEFAULT_P 1
/* Longest "$scrypt$..." string webcred_hash_password() writes, with its NUL. */
#define WEBCRED_HASHED_MAX 128

struct webcred {
	bool set;                    /* false: no credential configured */
	bool hashed;
	unsigned ln, r, p;           /* scrypt N = 2^ln */
	uint8_t salt[WEBCRED_SALT];
	uint8_t hash[WEBCRED_HASH];
	char *plain;                 /* the secret when !hashed (owned) */
	size_t plain_len;
};

/**
 * Prepares c from text: NULL leaves c unset (nothing matches); a string
 * starting with "$scrypt$" is parsed as a dnsdist hash; any other string is
 * a plaintext secret, hashed with a random salt when hash_plain is true.
 * Boot time. Free with webcred_clear().
 * @retval 0, DG_ECRED_FORMAT (bad hash string), DG_ECRED_PARAMS (ln, r or
 *         p out of range), DG_ENOMEM.
 */
DG_MUSTCHECK int webcred_init(struct webcred *c, const char *text, bool hash_plain);

/**
 * True when given[0..len) is the secret. The comparison takes the same
 * time wherever the first difference is. Any thread.
 */
bool webcred_matches(const struct webcred *c, const char *given, size_t len);

/** Frees and wipes what webcred_init() stored; c is unset afterwards. */
void webcred_clear(struct webcred *c);

/**
 * Writes dnsdist's hashed form of password (random salt, N = 2^ln, r = 8,
 * p = 1) into out, as dnsdist's hashPassword(password, 2^ln) does.
 * @retval >0 length written, DG_ECRED_PARAMS (ln outside 1-15),
 *         DG_ESPACE (outsz < WEBCRED_HASHED_MAX), DG_ENOMEM.
 */
DG_MUSTCHECK int webcred_hash_password(const char *password, unsigned ln, char *out,
				       size_t outsz);
