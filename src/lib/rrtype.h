/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * RR type and class numbers, their mnemonics, and the RDATA layout of the
 * types dnsgate knows in presentation form. The mnemonic tables follow the
 * IANA "Resource Record (RR) TYPEs" registry; any type or class also has the
 * RFC 3597 §5 generic form "TYPE65280" / "CLASS3". The layout of a type's
 * RDATA is a short list of field kinds (a descriptor), read by rrtext.c both
 * to parse presentation text and to print wire RDATA, so that one table row
 * is all a new type needs. Everything here is constant data: thread-safe.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

/* RR types used by name in the code base (IANA values). */
enum dg_rrtype {
	DG_TYPE_A = 1,
	DG_TYPE_NS = 2,
	DG_TYPE_CNAME = 5,
	DG_TYPE_SOA = 6,
	DG_TYPE_PTR = 12,
	DG_TYPE_HINFO = 13,
	DG_TYPE_MX = 15,
	DG_TYPE_TXT = 16,
	DG_TYPE_AAAA = 28,
	DG_TYPE_SRV = 33,
	DG_TYPE_NAPTR = 35,
	DG_TYPE_DNAME = 39,
	DG_TYPE_OPT = 41,
	DG_TYPE_DS = 43,
	DG_TYPE_SSHFP = 44,
	DG_TYPE_RRSIG = 46,
	DG_TYPE_NSEC = 47,
	DG_TYPE_DNSKEY = 48,
	DG_TYPE_NSEC3 = 50,
	DG_TYPE_NSEC3PARAM = 51,
	DG_TYPE_TLSA = 52,
	DG_TYPE_CDS = 59,
	DG_TYPE_CDNSKEY = 60,
	DG_TYPE_SVCB = 64,
	DG_TYPE_HTTPS = 65,
	DG_TYPE_SPF = 99,
	DG_TYPE_TSIG = 250,
	DG_TYPE_IXFR = 251,
	DG_TYPE_AXFR = 252,
	DG_TYPE_ANY = 255,
	DG_TYPE_CAA = 257,
};

/* Classes (RFC 1035 §3.2.4, RFC 2136 §2.4 for NONE). */
enum dg_rrclass {
	DG_CLASS_IN = 1,
	DG_CLASS_CH = 3,
	DG_CLASS_HS = 4,
	DG_CLASS_NONE = 254,
	DG_CLASS_ANY = 255,
};

/*
 * Kinds of RDATA fields, in wire order. Each has one presentation syntax
 * and one wire encoding; rrtext.c implements both directions per kind.
 */
enum dg_rdf {
	DG_RDF_END = 0,  /* end of the field list */
	DG_RDF_U8,       /* decimal 0..255, 1 octet */
	DG_RDF_U16,      /* decimal 0..65535, 2 octets */
	DG_RDF_U32,      /* decimal 0..4294967295, 4 octets */
	DG_RDF_PERIOD,   /* u32 that also accepts TTL units ("1h30m"), SOA timers */
	DG_RDF_ALG,      /* DNSSEC algorithm: decimal or mnemonic, 1 octet */
	DG_RDF_TYPE,     /* RR type mnemonic, 2 octets (RRSIG type covered) */
	DG_RDF_TIME,     /* YYYYMMDDHHmmSS or decimal, 4 octets (RFC 4034 §3.2) */
	DG_RDF_A,        /* dotted quad, 4 octets */
	DG_RDF_AAAA,     /* RFC 4291 text, 16 octets */
	DG_RDF_NAME,     /* domain name, uncompressed wire form */
	DG_RDF_STR,      /* <character-string>, length-prefixed */
	DG_RDF_STRS,     /* one or more <character-string>s to the end (TXT) */
	DG_RDF_B64,      /* base64 to the end, blanks allowed inside */
	DG_RDF_HEX,      /* hex to the end, blanks allowed inside */
	DG_RDF_HEXLEN,   /* hex with a length octet; "-" is empty (NSEC3 salt) */
	DG_RDF_B32LEN,   /* base32hex with a length octet (NSEC3 next owner) */
	DG_RDF_BITMAP,   /* type bitmap to the end (RFC 4034 §4.1.2) */
	DG_RDF_TAG,      /* CAA tag: letters and digits, length-prefixed */
	DG_RDF_OCTETS,   /* one character-string to the end, no length (CAA value) */
	DG_RDF_SVCPARAMS /* SvcParams to the end (RFC 9460 §2.1) */
};

/* Most fields any descriptor has, plus the terminating DG_RDF_END. */
#define DG_RDF_MAX 10

/* Longest output of dg_rrtype_to_str()/dg_rrclass_to_str() with the NUL. */
#define DG_RRTYPE_TXTLEN 16

/* One known RR type. fields[0] == DG_RDF_END means the RDATA layout is not
 * known to dnsgate: such types are read and printed in RFC 3597 form only. */
struct dg_rrtype_desc {
	uint16_t type;
	const char *name;
	uint8_t fields[DG_RDF_MAX]; /* enum dg_rdf values */
};

/**
 * Looks up a type mnemonic ("A", "nsec3param", "TYPE65280"; case-insensitive)
 * in s[0..len). The generic "TYPEnnn" form is accepted for every value,
 * including types that have a mnemonic.
 * @retval 0..65535 the type number.
 * @retval DG_ETYPE_UNKNOWN not a known mnemonic nor a valid TYPEnnn.
 */
DG_MUSTCHECK int dg_rrtype_from_str(const char *s, size_t len);

/**
 * Writes the mnemonic of type into out ("AAAA"), or "TYPEnnn" when it has
 * none. Always NUL-terminates when outsz > 0.
 * @retval >0 length of the text (DG_RRTYPE_TXTLEN - 1 at most).
 * @retval DG_ESPACE outsz too small (DG_RRTYPE_TXTLEN always suffices).
 */
DG_MUSTCHECK int dg_rrtype_to_str(uint16_t type, char *out, size_t outsz);

/**
 * Looks up a class mnemonic in s[0..len): IN, CH, CHAOS, HS, HESIOD, NONE,
 * ANY (case-insensitive) or the generic "CLASSnnn".
 * @retval 0..65535 the class number.
 * @retval DG_ECLASS_UNKNOWN otherwise.
 */
DG_MUSTCHECK int dg_rrclass_from_str(const char *s, size_t len);

/**
 * Writes the mnemonic of rclass ("IN", "CH", "HS", "NONE", "ANY") or
 * "CLASSnnn" into out.
 * @retval >0 length of the text. @retval DG_ESPACE outsz too small.
 */
DG_MUSTCHECK int dg_rrclass_to_str(uint16_t rclass, char *out, size_t outsz);

/**
 * The descriptor of a type that has a mnemonic, or NULL for a type dnsgate
 * has no name for. The result is static data.
 */
const struct dg_rrtype_desc *dg_rrtype_desc(uint16_t type);

/**
 * Looks up a DNSSEC algorithm mnemonic ("RSASHA256", "ED25519"; IANA
 * "DNS Security Algorithm Numbers", case-insensitive) in s[0..len).
 * Decimal numbers are not handled here.
 * @retval 0..255 the algorithm number. @retval DG_ETEXT_SYNTAX unknown name.
 */
DG_MUSTCHECK int dg_dnssec_alg_from_str(const char *s, size_t len);
