/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The wire format of dnsdist's console, shared by the server (console.c)
 * and the client (console_client.c), so that `dnsdist -c` drives dnsgate
 * and `dnsgate -c` drives dnsdist (1.7.3).
 *
 * DESIGN: over one TCP connection the client first sends its 24-byte
 * random nonce, then the server sends its own. Each side then derives a
 * reading and a writing nonce by merging the two: the first 12 bytes of
 * one with the last 12 bytes of the other (reading = ours|theirs,
 * writing = theirs|ours, where "a|b" takes a's first half and b's second
 * half), so the two directions never use the same nonce. Every message,
 * in either direction, is a 4-byte big-endian length followed by that
 * many bytes of libsodium crypto_secretbox_easy(text, nonce, key) (the
 * 16-byte MAC first); after each message the sender's (or receiver's)
 * nonce is incremented by treating its first 4 bytes as a big-endian
 * counter. A length of 0 is an unencrypted empty message, which the
 * server answers with a length of 0. The key is 32 bytes, written in the
 * configuration as base64 (setKey(), makeKey()).
 *
 * These functions are pure (no I/O, no global state) apart from
 * cp_nonce_random() and cp_key_new(), which read libsodium's generator.
 * Any thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define CP_KEY_LEN 32    /* crypto_secretbox_KEYBYTES */
#define CP_NONCE_LEN 24  /* crypto_secretbox_NONCEBYTES */
#define CP_MAC_LEN 16    /* crypto_secretbox_MACBYTES */
#define CP_LEN_BYTES 4   /* the big-endian length prefix */
/* base64 text of a key, NUL included */
#define CP_KEY_TXT_LEN 45

struct cp_nonce {
	uint8_t v[CP_NONCE_LEN];
};

/* One side of an established connection. */
struct cp_session {
	uint8_t key[CP_KEY_LEN];
	struct cp_nonce rd;  /* opens the next message received */
	struct cp_nonce wr;  /* seals the next message sent */
};

/**
 * Initialises libsodium (idempotent). Call once before any other function.
 * @retval 0, DG_ENOMEM when libsodium cannot initialise its generator.
 */
DG_MUSTCHECK int cp_init(void);

/**
 * Decodes a base64 key (as given to setKey()) into key.
 * @retval 0, DG_ECONSOLE_KEY when the text is not base64 of exactly 32 bytes.
 */
DG_MUSTCHECK int cp_key_decode(const char *b64, uint8_t key[CP_KEY_LEN]);

/**
 * Writes a new random key as base64 into out (CP_KEY_TXT_LEN bytes), as
 * makeKey() prints it. @retval 0, DG_ESPACE.
 */
DG_MUSTCHECK int cp_key_new(char *out, size_t outsz);

/** Fills n with random bytes (the nonce a side sends first). */
void cp_nonce_random(struct cp_nonce *n);

/** out = first half of lower, second half of higher (dnsdist's merge). */
void cp_nonce_merge(struct cp_nonce *out, const struct cp_nonce *lower,
		    const struct cp_nonce *higher);

/** Adds one to the big-endian counter in the first 4 bytes (wrapping). */
void cp_nonce_increment(struct cp_nonce *n);

/**
 * Sets up a session once both nonces are exchanged: rd = merge(ours,
 * theirs), wr = merge(theirs, ours). Same call on both sides.
 */
void cp_session_init(struct cp_session *s, const uint8_t key[CP_KEY_LEN],
		     const struct cp_nonce *ours, const struct cp_nonce *theirs);

/**
 * Seals msg[0..len) with s->wr into out (len + CP_MAC_LEN bytes) and
 * increments s->wr.
 * @retval the sealed length, DG_ESPACE when out is too small.
 */
DG_MUSTCHECK int cp_seal(struct cp_session *s, const uint8_t *msg, size_t len, uint8_t *out,
			 size_t outsz);

/**
 * Opens a sealed message ct[0..len) with s->rd into out (len - CP_MAC_LEN
 * bytes) and increments s->rd; out may be ct.
 * @retval the text length.
 * @retval DG_ECONSOLE_SHORT len < CP_MAC_LEN.
 * @retval DG_ECONSOLE_AUTH the MAC does not verify (wrong key or nonce);
 *         s->rd is not incremented.
 * @retval DG_ESPACE out is too small.
 */
DG_MUSTCHECK int cp_open(struct cp_session *s, const uint8_t *ct, size_t len, uint8_t *out,
			 size_t outsz);

/** Writes len as the 4-byte big-endian prefix. */
void cp_put_len(uint8_t out[CP_LEN_BYTES], uint32_t len);

/** Reads the 4-byte big-endian prefix. */
uint32_t cp_get_len(const uint8_t in[CP_LEN_BYTES]);
