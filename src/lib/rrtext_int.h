/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Internals shared by rrtext.c and rrtext_svcb.c, not for other modules:
 * the presentation-format tokenizer (RFC 1035 §5.1 master-file lexing as far
 * as RDATA needs it) and the bounded text writer the printers use.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/wire.h"

/* A cursor over presentation text. paren counts open '(' (RFC 1035 §5.1:
 * inside parentheses line ends are blanks; we accept them anywhere). */
struct dg_txt {
	const char *pos, *end;
	int paren;
};

/* One token: p/len is the raw text (escapes not yet decoded, quotes
 * stripped); quoted tells a "..." token from a bare one. */
struct dg_tok {
	const char *p;
	size_t len;
	bool quoted;
};

/*
 * A bounded writer of NUL-terminated text. pos == NULL means measure only:
 * len grows, nothing is written. The first error sticks, like dg_wr.
 */
struct dg_tw {
	char *pos, *end;
	size_t len;
	int err;
};

/**
 * Reads the next token, skipping blanks, line ends, parentheses and
 * ';' comments. A bare token ends at a blank, '(', ')', ';' or '"' not
 * escaped by a backslash; a quoted one at the next unescaped '"'.
 * @retval 1 a token was read. @retval 0 end of text.
 * @retval DG_ETEXT_SYNTAX unbalanced parentheses, unterminated quote,
 *         backslash at the end of the text.
 */
DG_MUSTCHECK int dg_txt_next(struct dg_txt *t, struct dg_tok *tok);

/**
 * True when the text continues with a '"' right at the cursor, with no
 * blank before it (SvcParam values: key="value").
 */
bool dg_txt_at_quote(const struct dg_txt *t);

/**
 * Decodes the escapes of a character-string token (\DDD decimal octet,
 * \X literal X; RFC 1035 §5.1) and appends the octets to wr.
 * @retval >=0 number of octets appended.
 * @retval DG_ETEXT_STRING bad \DDD (not three digits, or over 255).
 * @retval DG_ESPACE no room in wr.
 */
DG_MUSTCHECK int dg_txt_unescape(const char *p, size_t len, struct dg_wr *wr);

/**
 * Parses an unsigned decimal token with no sign and at most max as value.
 * @retval 0 ok, *v set. @retval DG_ETEXT_SYNTAX not a bare decimal number.
 * @retval DG_ETEXT_RANGE over max.
 */
DG_MUSTCHECK int dg_tok_uint(const struct dg_tok *tok, uint32_t max, uint32_t *v);

/** Returns a text writer over out[0..outsz); out NULL measures only. */
struct dg_tw dg_tw_init(char *out, size_t outsz);

/** Appends n characters (keeps room for the final NUL). */
void dg_tw_put(struct dg_tw *tw, const char *s, size_t n);

/** Appends a NUL-terminated string. */
void dg_tw_puts(struct dg_tw *tw, const char *s);

/** Appends printf-formatted text (short items: numbers, addresses). */
void dg_tw_printf(struct dg_tw *tw, const char *fmt, ...) DG_PRINTF(2, 3);

/** Appends a blank unless nothing was written yet (field separator). */
void dg_tw_sep(struct dg_tw *tw);

/**
 * Appends octets in character-string presentation without quotes: '"' and
 * '\\' get a backslash, octets outside printable ASCII become \DDD. With
 * bare set, blanks and ';', '(', ')' are escaped too (unquoted context).
 */
void dg_tw_escaped(struct dg_tw *tw, const uint8_t *s, size_t n, bool bare);

/**
 * Ends the text: writes the NUL. @retval >=0 text length.
 * @retval DG_ESPACE the text did not fit.
 */
DG_MUSTCHECK int dg_tw_end(struct dg_tw *tw);

/**
 * Parses SvcParams (RFC 9460 §2.1, "key=value" tokens up to the end of the
 * text) into wire form at wr, sorted by key as §2.2 requires.
 * @retval 0 ok. @retval DG_ETEXT_SVCPARAM unknown key, bad or missing value,
 *         duplicate key, inconsistent "mandatory".
 * @retval DG_ETEXT_SYNTAX, DG_ETEXT_STRING, DG_ETEXT_RANGE, DG_ETEXT_ADDR,
 *         DG_ETEXT_BASE64, DG_ESPACE.
 */
DG_MUSTCHECK int dg_svcparams_parse(struct dg_txt *t, struct dg_wr *wr);

/**
 * Prints wire SvcParams from rd up to its end, each preceded by a blank.
 * @retval 0 ok. @retval DG_ERDATA_FORMAT keys not strictly increasing, a
 *         length past the end, or a value not valid for its key.
 */
DG_MUSTCHECK int dg_svcparams_print(struct dg_rd *rd, struct dg_tw *tw);

/**
 * dg_rdata_from_strn() on a tokenizer already positioned at the RDATA (and
 * possibly inside an open parenthesis), for dg_rr_from_str(). On return t
 * is past what was read. Same return values as dg_rdata_from_strn().
 */
DG_MUSTCHECK int dg_rdata_from_txt(uint16_t type, struct dg_txt *t, const uint8_t *origin,
				   uint8_t *out, size_t outsz);
