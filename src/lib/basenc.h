/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Base64 (RFC 4648 §4), base32hex without padding (RFC 4648 §7, as NSEC3
 * uses it, RFC 5155 §3.3) and hexadecimal, in both directions. Decoders are
 * strict about the alphabet and base64 padding, and case-insensitive where
 * the encoding allows it. Base64 and hex decoding can also be done piece by
 * piece, because DNS presentation format lets these fields be split into
 * blank-separated chunks at any character. Pure functions: thread-safe.
 *
 * Why not libsodium's sodium_bin2base64: it would make libdnsgate.a carry a
 * link dependency for 150 lines of code, and it has no base32hex nor
 * streaming decode; this code is small and tested on its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/wire.h"

/* Text length of n octets in base64, without the NUL. */
#define DG_BASE64_LEN(n) ((((n) + 2) / 3) * 4)
/* Text length of n octets in unpadded base32hex, without the NUL. */
#define DG_BASE32_LEN(n) (((n) * 8 + 4) / 5)

/* State of a piecewise base64 decode; zero-initialise before the first part. */
struct dg_base64_dec {
	uint32_t acc;   /* pending 6-bit groups */
	uint8_t nchars; /* characters seen modulo 4 (pad included) */
	uint8_t npad;   /* '=' seen; after the first, only '=' may follow */
};

/* State of a piecewise hex decode; zero-initialise before the first part. */
struct dg_hex_dec {
	uint8_t hi;   /* pending high nibble */
	bool pending; /* a high nibble waits for its low nibble */
};

/**
 * Encodes in[0..len) as padded base64 into out and NUL-terminates it.
 * @retval >=0 text length (DG_BASE64_LEN(len)).
 * @retval DG_ESPACE outsz < DG_BASE64_LEN(len) + 1.
 */
DG_MUSTCHECK int dg_base64_encode(const uint8_t *in, size_t len, char *out, size_t outsz);

/**
 * Encodes one group of n (1..3) octets as four base64 characters (padded
 * with '=' when n < 3), for callers that stream their output.
 */
void dg_base64_encode_group(const uint8_t *in, size_t n, char out[4]);

/**
 * Decodes one part of a base64 text (no blanks inside) and appends the
 * octets to wr. Parts may split the text anywhere. Errors stick in wr->err.
 * @retval 0 ok. @retval DG_ETEXT_BASE64 bad character or '=' placement.
 * @retval DG_ESPACE no room in wr.
 */
DG_MUSTCHECK int dg_base64_decode_part(struct dg_base64_dec *st, const char *in, size_t len,
				       struct dg_wr *wr);

/**
 * Checks that a piecewise decode ended on a group boundary with valid
 * padding ("QQ==" is one octet, "QQ" is an error).
 * @retval 0 ok. @retval DG_ETEXT_BASE64 incomplete final group.
 */
DG_MUSTCHECK int dg_base64_decode_end(const struct dg_base64_dec *st);

/**
 * Decodes the whole base64 text in[0..len) into out.
 * @retval >=0 octets written.
 * @retval DG_ETEXT_BASE64, DG_ESPACE.
 */
DG_MUSTCHECK int dg_base64_decode(const char *in, size_t len, uint8_t *out, size_t outsz);

/**
 * Decodes one part of a hex text (either case, no blanks inside) and appends
 * the octets to wr; a part may end in the middle of an octet.
 * @retval 0 ok. @retval DG_ETEXT_HEX bad digit. @retval DG_ESPACE.
 */
DG_MUSTCHECK int dg_hex_decode_part(struct dg_hex_dec *st, const char *in, size_t len,
				    struct dg_wr *wr);

/**
 * Checks that a piecewise hex decode did not end on half an octet.
 * @retval 0 ok. @retval DG_ETEXT_HEX odd number of digits.
 */
DG_MUSTCHECK int dg_hex_decode_end(const struct dg_hex_dec *st);

/**
 * Decodes the whole hex text in[0..len) into out.
 * @retval >=0 octets written. @retval DG_ETEXT_HEX, DG_ESPACE.
 */
DG_MUSTCHECK int dg_hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz);

/**
 * Writes in[0..len) as hex digits (upper case when upper is true) into out
 * and NUL-terminates it.
 * @retval >=0 text length (2 * len). @retval DG_ESPACE outsz < 2 * len + 1.
 */
DG_MUSTCHECK int dg_hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz,
			       bool upper);

/**
 * Encodes in[0..len) as lower-case base32hex without padding (RFC 5155
 * presentation) into out and NUL-terminates it.
 * @retval >=0 text length (DG_BASE32_LEN(len)). @retval DG_ESPACE.
 */
DG_MUSTCHECK int dg_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz);

/**
 * Decodes unpadded base32hex in[0..len), either case, into out. A length
 * that no octet count encodes to (1, 3 or 6 characters modulo 8) and a
 * padding character are errors.
 * @retval >=0 octets written. @retval DG_ETEXT_BASE32, DG_ESPACE.
 */
DG_MUSTCHECK int dg_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz);
