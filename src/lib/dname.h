/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Domain names. A name in dnsgate's API is always in uncompressed wire form:
 * a sequence of length-prefixed labels ending with the root label (0), at
 * most DG_DNAME_MAXLEN octets, no label over DG_LABEL_MAXLEN. Functions that
 * take such a name trust it to be valid (it came out of dg_dname_unpack(),
 * dg_dname_from_str() or dg_dname_check()); only those three read untrusted
 * bytes. Comparison is ASCII case-insensitive (RFC 4343).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define DG_DNAME_MAXLEN 255
#define DG_LABEL_MAXLEN 63
#define DG_DNAME_MAXLABELS 127
/* Longest presentation form: every octet as \DDD, plus dots and NUL. */
#define DG_DNAME_TXTLEN (DG_DNAME_MAXLEN * 4 + 1)

/**
 * Checks an uncompressed wire name in buf[0..len) and returns its length.
 * Compression pointers are rejected (DG_EPTR_NOTALLOWED).
 * @retval >0 length of the name including the root label.
 * @retval DG_ENAME_TRUNC, DG_ELABEL_TYPE, DG_EPTR_NOTALLOWED, DG_ENAME_LONG.
 */
DG_MUSTCHECK int dg_dname_check(const uint8_t *buf, size_t len);

/**
 * Reads a possibly compressed name at msg[*pos] from a message of msglen
 * octets and writes it uncompressed to out (outsz >= DG_DNAME_MAXLEN is
 * always enough). On success *pos is advanced past the name as it stands at
 * *pos (past the first pointer if any). Only backward pointers are accepted
 * (RFC 1035 §4.1.4 "prior occurrence"): a pointer must point strictly
 * before itself (at itself: DG_EPTR_SELF, after: DG_EPTR_FORWARD, at or past
 * msglen: DG_EPTR_RANGE), and each further pointer of the chain strictly
 * before the previous pointer's target (else DG_EPTR_LOOP), so a chain
 * always terminates. out may be NULL to validate and skip only; *pos is
 * left untouched on error. Any thread; allocates nothing.
 * @retval >0 length of the uncompressed name.
 * @retval DG_ENAME_TRUNC, DG_ELABEL_TYPE, DG_EPTR_SELF, DG_EPTR_FORWARD,
 *         DG_EPTR_RANGE, DG_EPTR_LOOP, DG_ENAME_LONG, DG_ESPACE (outsz).
 */
DG_MUSTCHECK int dg_dname_unpack(uint8_t *out, size_t outsz, const uint8_t *msg,
				 size_t msglen, size_t *pos);

/**
 * Parses a presentation-format name ("www.Example.com.", "a\.b.c",
 * "\065bc") into wire form. A name without a final dot is relative and is
 * completed with origin (a wire name), or with the root when origin is NULL.
 * "@" is the origin itself. "." is the root.
 * @retval >0 length of the wire name written to out.
 * @retval DG_ENAME_SYNTAX, DG_ENAME_ESCAPE, DG_ENAME_EMPTYLABEL,
 *         DG_ELABEL_LONG, DG_ENAME_LONG, DG_ESPACE.
 */
DG_MUSTCHECK int dg_dname_from_str(uint8_t *out, size_t outsz, const char *str,
				   const uint8_t *origin);

/** Same as dg_dname_from_str() for a string of known length (not NUL-terminated). */
DG_MUSTCHECK int dg_dname_from_strn(uint8_t *out, size_t outsz, const char *str,
				    size_t len, const uint8_t *origin);

/**
 * Writes the presentation form of name into out, always absolute (ends in
 * '.'; the root is "."). Printable ASCII is kept, '.', '\\', '"', '(', ')',
 * ';', '@', '$' and space are escaped with a backslash, other octets as \DDD.
 * @retval >=0 length of the text (without the NUL).
 * @retval DG_ESPACE when outsz is too small (DG_DNAME_TXTLEN always suffices).
 */
DG_MUSTCHECK int dg_dname_to_str(char *out, size_t outsz, const uint8_t *name);

/** Length of a valid wire name, including the root label. */
size_t dg_dname_len(const uint8_t *name);

/** Number of labels, not counting the root ("www.example.com." is 3). */
int dg_dname_labels(const uint8_t *name);

/** Lower-cases ASCII letters of a valid wire name in place. */
void dg_dname_tolower(uint8_t *name);

/**
 * Copies the first len octets of a valid wire name from src to dst with
 * ASCII letters lower-cased (the query path's qname_lc); dst and src may be
 * the same buffer.
 */
void dg_dname_copy_lower(uint8_t *dst, const uint8_t *src, size_t len);

/** Case-insensitive equality of two valid wire names. */
bool dg_dname_eq(const uint8_t *a, const uint8_t *b);

/**
 * Canonical DNS name order (RFC 4034 §6.1): compares label by label from
 * the right, each label as lower-cased octet strings.
 * @return <0, 0 or >0 as a sorts before, equal to or after b.
 */
int dg_dname_canon_cmp(const uint8_t *a, const uint8_t *b);

/**
 * True when name equals parent or lies below it ("www.example.com." is
 * under "example.com." and under "."; "badexample.com." is not), case-insensitive.
 */
bool dg_dname_is_subdomain(const uint8_t *name, const uint8_t *parent);

/**
 * Pointer to the suffix of name that has 'labels' labels (0 is the root).
 * Returns name itself when labels >= dg_dname_labels(name).
 */
const uint8_t *dg_dname_suffix(const uint8_t *name, int labels);
