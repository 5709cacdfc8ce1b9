/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * RDATA in presentation format (RFC 1035 §5.1 master-file syntax) to wire
 * form and back, for the types with a layout in rrtype.c (A, AAAA, NS,
 * CNAME, DNAME, SOA, PTR, MX, TXT, SRV, NAPTR, CAA, DS, DNSKEY, RRSIG, NSEC,
 * NSEC3, NSEC3PARAM, SVCB, HTTPS and a few more), and in the RFC 3597 §5
 * generic form "\# <length> <hex>" for every type.
 *
 * Wire RDATA here always has its names uncompressed (what
 * dg_pkt_rdata_uncompressed() produces), and names are printed absolute.
 * The printed form is canonical for dnsgate: one line, single blanks,
 * quoted character-strings, decimal numbers, upper-case hex, base64 in one
 * piece, RRSIG times as YYYYMMDDHHmmSS. Reading it back gives the same wire.
 * No allocation, no global state: every function is thread-safe.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/dname.h"

/* Largest RDATA: RDLENGTH is 16 bits. */
#define DG_RDATA_MAXLEN 65535

/**
 * Parses the RDATA part of a record in presentation form for the given type
 * into wire form. Fields are separated by blanks; character-strings may be
 * quoted and use \DDD and \X escapes; parentheses and ';' comments are
 * accepted (line ends count as blanks). "\# <len> <hex>" is accepted for any
 * type, known ones included (and then must be valid RDATA of that type).
 * Relative names are completed with origin (a wire name; NULL = root).
 * SvcParams are sorted by key. Output beyond DG_RDATA_MAXLEN octets is never
 * produced: outsz is capped there.
 * @param text NUL-terminated RDATA text (no owner, TTL, class or type).
 * @retval >=0 length of the wire RDATA written to out.
 * @retval DG_ETEXT_FIELDS a field is missing, or text follows the last one.
 * @retval DG_ETEXT_SYNTAX malformed token or number, unbalanced parenthesis.
 * @retval DG_ETEXT_RANGE number too large, salt/hash/string too long.
 * @retval DG_ETEXT_ADDR bad IPv4/IPv6 address.
 * @retval DG_ETEXT_BASE64, DG_ETEXT_HEX, DG_ETEXT_BASE32 bad encoding.
 * @retval DG_ETEXT_STRING bad character-string (escape, over 255 octets).
 * @retval DG_ETEXT_TIME bad YYYYMMDDHHmmSS time.
 * @retval DG_ETEXT_GENERIC "\#" length differs from the data, or the data
 *         is not valid RDATA of the (known) type.
 * @retval DG_ETEXT_SVCPARAM bad SvcParam (see dg_svcparams_parse()).
 * @retval DG_ETYPE_UNKNOWN unknown type mnemonic in RRSIG or a type bitmap.
 * @retval DG_ENAME_* a bad name. @retval DG_ESPACE out too small.
 */
DG_MUSTCHECK int dg_rdata_from_str(uint16_t type, const char *text, const uint8_t *origin,
				   uint8_t *out, size_t outsz);

/** Same as dg_rdata_from_str() for text[0..len), not NUL-terminated. */
DG_MUSTCHECK int dg_rdata_from_strn(uint16_t type, const char *text, size_t len,
				    const uint8_t *origin, uint8_t *out, size_t outsz);

/**
 * Prints wire RDATA of the given type in canonical presentation form;
 * types without a known layout print as "\# <len> <HEX>". out may be NULL
 * with outsz 0 to measure the text.
 * @retval >=0 length of the text (without the NUL written after it).
 * @retval DG_ERDATA_FORMAT the RDATA is not valid for its type (truncated,
 *         trailing octets, bad name, a field the text form cannot carry
 *         such as an empty DNSKEY key); dg_rdata_generic_to_str() still
 *         prints it.
 * @retval DG_ESPACE out too small.
 */
DG_MUSTCHECK int dg_rdata_to_str(uint16_t type, const uint8_t *rdata, size_t rdlen, char *out,
				 size_t outsz);

/**
 * Prints any RDATA in RFC 3597 generic form: "\# 4 C0000201", "\# 0".
 * out may be NULL with outsz 0 to measure.
 * @retval >=0 text length. @retval DG_ESPACE.
 */
DG_MUSTCHECK int dg_rdata_generic_to_str(const uint8_t *rdata, size_t rdlen, char *out,
					 size_t outsz);

/**
 * Checks that wire RDATA is valid for its type (as dg_rdata_to_str() would
 * print it). Types without a known layout are always valid.
 * @retval 0 valid. @retval DG_ERDATA_FORMAT otherwise.
 */
DG_MUSTCHECK int dg_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen);

/**
 * Parses a TTL or time period in s[0..len): a decimal number of seconds, or
 * BIND-style units "1w2d3h4m5s" (case-insensitive; each number needs a unit).
 * @retval 0 ok, *out set. @retval DG_ETEXT_SYNTAX, DG_ETEXT_RANGE (over
 *         2^32-1 seconds).
 */
DG_MUSTCHECK int dg_ttl_from_str(const char *s, size_t len, uint32_t *out);

/* One resource record read from a presentation-format line. rdata points at
 * a caller buffer of rdsize octets (DG_RDATA_MAXLEN always suffices). */
struct dg_rr_text {
	uint8_t owner[DG_DNAME_MAXLEN];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
	size_t rdsize;
};

/**
 * Parses a whole record "owner [ttl] [class] type rdata" (TTL and class in
 * either order, both optional) from a NUL-terminated line. The owner is
 * required (no "previous owner" here: that is the zone loader's state);
 * "@" is origin. A missing TTL is default_ttl, a missing class IN.
 * rr->rdata and rr->rdsize must be set by the caller.
 * @retval 0 ok, rr filled. @retval DG_ETEXT_FIELDS no type.
 * @retval DG_ETYPE_UNKNOWN, DG_ECLASS_UNKNOWN, and every error of
 *         dg_rdata_from_str() and dg_dname_from_strn().
 */
DG_MUSTCHECK int dg_rr_from_str(const char *line, const uint8_t *origin, uint32_t default_ttl,
				struct dg_rr_text *rr);

/**
 * Prints a record as one line "owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata".
 * @retval >=0 text length. @retval DG_ERDATA_FORMAT, DG_ESPACE as
 *         dg_rdata_to_str().
 */
DG_MUSTCHECK int dg_rr_to_str(const struct dg_rr_text *rr, char *out, size_t outsz);
