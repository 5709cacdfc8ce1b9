/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tables of RR type, class and DNSSEC algorithm mnemonics, and the RDATA
 * layout of every type rrtext.c can read and print field by field.
 *
 * A type gets a layout only when its presentation form is fully specified
 * and other tools (dnspython, ldns, Knot) print it the same way; every other
 * type keeps an empty layout and goes through RFC 3597 "\#" form, which is
 * always correct. Mnemonics are those dnspython 2.3 also knows, so that a
 * type name we print in an NSEC bitmap is readable by the tools we check
 * against; anything else prints as TYPEnnn.
 */
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

#include "lib/err.h"
#include "lib/rrtype.h"

/* Field-list shorthands, to keep one type per line below. */
#define L(...) { __VA_ARGS__, DG_RDF_END }
#define NONE { DG_RDF_END }
#define U8 DG_RDF_U8
#define U16 DG_RDF_U16
#define U32 DG_RDF_U32
#define NAME DG_RDF_NAME
#define STR DG_RDF_STR
#define ALG DG_RDF_ALG

/* Sorted by type number (dg_rrtype_desc() relies on it). */
static const struct dg_rrtype_desc types[] = {
	{ 1, "A", L(DG_RDF_A) },
	{ 2, "NS", L(NAME) },
	{ 3, "MD", NONE },
	{ 4, "MF", NONE },
	{ 5, "CNAME", L(NAME) },
	{ 6, "SOA", L(NAME, NAME, U32, DG_RDF_PERIOD, DG_RDF_PERIOD, DG_RDF_PERIOD,
		      DG_RDF_PERIOD) },
	{ 7, "MB", NONE },
	{ 8, "MG", NONE },
	{ 9, "MR", NONE },
	{ 10, "NULL", NONE },
	{ 11, "WKS", NONE },
	{ 12, "PTR", L(NAME) },
	{ 13, "HINFO", L(STR, STR) },
	{ 14, "MINFO", NONE },
	{ 15, "MX", L(U16, NAME) },
	{ 16, "TXT", L(DG_RDF_STRS) },
	{ 17, "RP", L(NAME, NAME) },
	{ 18, "AFSDB", L(U16, NAME) },
	{ 19, "X25", NONE },
	{ 20, "ISDN", NONE },
	{ 21, "RT", L(U16, NAME) },
	{ 22, "NSAP", NONE },
	{ 23, "NSAP-PTR", NONE },
	{ 24, "SIG", NONE },
	{ 25, "KEY", NONE },
	{ 26, "PX", NONE },
	{ 27, "GPOS", NONE },
	{ 28, "AAAA", L(DG_RDF_AAAA) },
	{ 29, "LOC", NONE },
	{ 30, "NXT", NONE },
	{ 33, "SRV", L(U16, U16, U16, NAME) },
	{ 35, "NAPTR", L(U16, U16, STR, STR, STR, NAME) },
	{ 36, "KX", L(U16, NAME) },
	{ 37, "CERT", NONE },
	{ 38, "A6", NONE },
	{ 39, "DNAME", L(NAME) },
	{ 41, "OPT", NONE },
	{ 42, "APL", NONE },
	{ 43, "DS", L(U16, ALG, U8, DG_RDF_HEX) },
	{ 44, "SSHFP", L(U8, U8, DG_RDF_HEX) },
	{ 45, "IPSECKEY", NONE },
	{ 46, "RRSIG", L(DG_RDF_TYPE, ALG, U8, U32, DG_RDF_TIME, DG_RDF_TIME, U16, NAME,
			 DG_RDF_B64) },
	{ 47, "NSEC", L(NAME, DG_RDF_BITMAP) },
	{ 48, "DNSKEY", L(U16, U8, ALG, DG_RDF_B64) },
	{ 49, "DHCID", NONE },
	{ 50, "NSEC3", L(U8, U8, U16, DG_RDF_HEXLEN, DG_RDF_B32LEN, DG_RDF_BITMAP) },
	{ 51, "NSEC3PARAM", L(U8, U8, U16, DG_RDF_HEXLEN) },
	{ 52, "TLSA", L(U8, U8, U8, DG_RDF_HEX) },
	{ 53, "SMIMEA", L(U8, U8, U8, DG_RDF_HEX) },
	{ 55, "HIP", NONE },
	{ 56, "NINFO", NONE },
	{ 59, "CDS", L(U16, ALG, U8, DG_RDF_HEX) },
	{ 60, "CDNSKEY", L(U16, U8, ALG, DG_RDF_B64) },
	{ 61, "OPENPGPKEY", L(DG_RDF_B64) },
	{ 62, "CSYNC", L(U32, U16, DG_RDF_BITMAP) },
	{ 63, "ZONEMD", NONE },
	{ 64, "SVCB", L(U16, NAME, DG_RDF_SVCPARAMS) },
	{ 65, "HTTPS", L(U16, NAME, DG_RDF_SVCPARAMS) },
	{ 99, "SPF", L(DG_RDF_STRS) },
	{ 103, "UNSPEC", NONE },
	{ 104, "NID", NONE },
	{ 105, "L32", NONE },
	{ 106, "L64", NONE },
	{ 107, "LP", NONE },
	{ 108, "EUI48", NONE },
	{ 109, "EUI64", NONE },
	{ 249, "TKEY", NONE },
	{ 250, "TSIG", NONE },
	{ 251, "IXFR", NONE },
	{ 252, "AXFR", NONE },
	{ 253, "MAILB", NONE },
	{ 254, "MAILA", NONE },
	{ 255, "ANY", NONE },
	{ 256, "URI", NONE },
	{ 257, "CAA", L(U8, DG_RDF_TAG, DG_RDF_OCTETS) },
	{ 258, "AVC", NONE },
	{ 260, "AMTRELAY", NONE },
	{ 32768, "TA", NONE },
	{ 32769, "DLV", L(U16, ALG, U8, DG_RDF_HEX) },
};

struct mnemonic {
	uint16_t value;
	const char *name;
};

/* The first name of a value is the one printed. */
static const struct mnemonic classes[] = {
	{ DG_CLASS_IN, "IN" },     { DG_CLASS_CH, "CH" },     { DG_CLASS_CH, "CHAOS" },
	{ DG_CLASS_HS, "HS" },     { DG_CLASS_HS, "HESIOD" }, { DG_CLASS_NONE, "NONE" },
	{ DG_CLASS_ANY, "ANY" },
};

/* IANA "DNS Security Algorithm Numbers", the mnemonic column. */
static const struct mnemonic algs[] = {
	{ 1, "RSAMD5" },	   { 2, "DH" },
	{ 3, "DSA" },		   { 5, "RSASHA1" },
	{ 6, "DSA-NSEC3-SHA1" },   { 7, "RSASHA1-NSEC3-SHA1" },
	{ 8, "RSASHA256" },	   { 10, "RSASHA512" },
	{ 12, "ECC-GOST" },	   { 13, "ECDSAP256SHA256" },
	{ 14, "ECDSAP384SHA384" }, { 15, "ED25519" },
	{ 16, "ED448" },	   { 252, "INDIRECT" },
	{ 253, "PRIVATEDNS" },	   { 254, "PRIVATEOID" },
};

/* True when s[0..len) equals the NUL-terminated name, ignoring case. */
static bool name_eq(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

/*
 * Parses the generic "<prefix><decimal>" form (RFC 3597 §5): at least one
 * digit, no sign, value <= 65535. Leading zeros are accepted, as dnspython
 * and BIND do. Returns the value or -1.
 */
static int generic_num(const char *s, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);
	if (len <= plen || len > plen + 5 || strncasecmp(s, prefix, plen) != 0)
		return -1;
	long v = 0;
	for (size_t i = plen; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= UINT16_MAX ? (int)v : -1;
}

/* snprintf into out, mapping truncation to DG_ESPACE. */
static int print_checked(char *out, size_t outsz, const char *prefix, const char *name,
			 unsigned value)
{
	int n = name != NULL ? snprintf(out, outsz, "%s", name)
			     : snprintf(out, outsz, "%s%u", prefix, value);
	if (n < 0 || (size_t)n >= outsz)
		return DG_ESPACE;
	return n;
}

int dg_rrtype_from_str(const char *s, size_t len)
{
	if (s == NULL)
		return DG_ETYPE_UNKNOWN;
	for (size_t i = 0; i < DG_ARRAY_SIZE(types); i++)
		if (name_eq(s, len, types[i].name))
			return types[i].type;
	int v = generic_num(s, len, "TYPE");
	return v >= 0 ? v : DG_ETYPE_UNKNOWN;
}

const struct dg_rrtype_desc *dg_rrtype_desc(uint16_t type)
{
	size_t lo = 0, hi = DG_ARRAY_SIZE(types);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (types[mid].type == type)
			return &types[mid];
		if (types[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int dg_rrtype_to_str(uint16_t type, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return DG_ESPACE;
	const struct dg_rrtype_desc *d = dg_rrtype_desc(type);
	return print_checked(out, outsz, "TYPE", d != NULL ? d->name : NULL, type);
}

int dg_rrclass_from_str(const char *s, size_t len)
{
	if (s == NULL)
		return DG_ECLASS_UNKNOWN;
	for (size_t i = 0; i < DG_ARRAY_SIZE(classes); i++)
		if (name_eq(s, len, classes[i].name))
			return classes[i].value;
	int v = generic_num(s, len, "CLASS");
	return v >= 0 ? v : DG_ECLASS_UNKNOWN;
}

int dg_rrclass_to_str(uint16_t rclass, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return DG_ESPACE;
	const char *name = NULL;
	for (size_t i = 0; i < DG_ARRAY_SIZE(classes) && name == NULL; i++)
		if (classes[i].value == rclass)
			name = classes[i].name;
	return print_checked(out, outsz, "CLASS", name, rclass);
}

int dg_dnssec_alg_from_str(const char *s, size_t len)
{
	if (s == NULL)
		return DG_ETEXT_SYNTAX;
	for (size_t i = 0; i < DG_ARRAY_SIZE(algs); i++)
		if (name_eq(s, len, algs[i].name))
			return algs[i].value;
	return DG_ETEXT_SYNTAX;
}
