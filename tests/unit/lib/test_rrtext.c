/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests rrtext*.c and basenc.c: per type, exact wire of a presentation text
 * (the hex was checked against dnspython 2.3 and by hand), the canonical
 * text printed back, and the round trip text -> wire -> text -> wire; then
 * one case per error code of the parser and of the printer.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/rrtext.h"
#include "lib/rrtype.h"
#include "tap.h"

struct rt_case {
	const char *type;
	const char *text;
	const char *hex;
	const char *canon; /* NULL: the text itself is canonical */
};

static const struct rt_case rt_cases[] = {
	{ "A", "192.0.2.1", "c0000201", NULL },
	{ "AAAA", "2001:db8::1", "20010db8000000000000000000000001", NULL },
	{ "AAAA", "::ffff:192.0.2.1", "00000000000000000000ffffc0000201", NULL },
	{ "NS", "ns1.example.com.", "036e7331076578616d706c6503636f6d00", NULL },
	{ "CNAME", "www.example.com.", "03777777076578616d706c6503636f6d00", NULL },
	{ "DNAME", "example.net.", "076578616d706c65036e657400", NULL },
	{ "PTR", "host.example.", "04686f7374076578616d706c6500", NULL },
	{ "SOA", "ns1.example. hostmaster.example. 2024010101 3600 900 604800 300",
	  "036e7331076578616d706c6500 0a686f73746d6173746572076578616d706c6500"
	  "78a3f175 00000e10 00000384 00093a80 0000012c",
	  NULL },
	{ "SOA", "( ns1.example. ; primary\n hostmaster.example. 2024010101 1h 15M 1w 5m )",
	  "036e7331076578616d706c6500 0a686f73746d6173746572076578616d706c6500"
	  "78a3f175 00000e10 00000384 00093a80 0000012c",
	  "ns1.example. hostmaster.example. 2024010101 3600 900 604800 300" },
	{ "MX", "10 mail.example.com.", "000a 046d61696c076578616d706c6503636f6d00", NULL },
	{ "MX", "0 .", "0000 00", NULL },
	{ "TXT", "\"hello world\" \"a\\\"b\" \"\\065\\\\c\"",
	  "0b68656c6c6f20776f726c64 03612262 03415c63", "\"hello world\" \"a\\\"b\" \"A\\\\c\"" },
	{ "TXT", "bare \"\" \"\\255\\009\"", "0462617265 00 02ff09",
	  "\"bare\" \"\" \"\\255\\009\"" },
	{ "SRV", "0 5 5060 sip.example.com.",
	  "0000 0005 13c4 03736970076578616d706c6503636f6d00", NULL },
	{ "NAPTR", "100 50 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
	  "0064 0032 0173 075349502b443255 00 045f736970045f756470076578616d706c6503636f6d00",
	  NULL },
	{ "CAA", "0 issue \"ca.example.net\"", "00 05697373756563612e6578616d706c652e6e6574", NULL },
	{ "CAA", "128 tbs \"\"", "80 03746273", NULL },
	{ "DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
	  "ec45 05 01 2bb183af5f22588179a53b0a98631fad1a292118", NULL },
	{ "DS", "60485 RSASHA1 1 ( 2bb183af5f22588179a5 3b0a98631fad1a292118 )",
	  "ec45 05 01 2bb183af5f22588179a53b0a98631fad1a292118",
	  "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118" },
	{ "DNSKEY", "257 3 8 AwEAAQ==", "0101 03 08 03010001", NULL },
	{ "DNSKEY", "256 3 ED25519 AwE AAQ==", "0100 03 0f 03010001", "256 3 15 AwEAAQ==" },
	{ "RRSIG", "A 8 2 3600 20240201000000 20240101000000 12345 example.com. AwEAAQ==",
	  "0001 08 02 00000e10 65badf00 65920080 3039 076578616d706c6503636f6d00 03010001",
	  NULL },
	{ "RRSIG", "TYPE65280 13 0 0 4294967295 0 0 . AA==",
	  "ff00 0d 00 00000000 ffffffff 00000000 0000 00 00",
	  "TYPE65280 13 0 0 21060207062815 19700101000000 0 . AA==" },
	{ "NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234",
	  "04686f7374076578616d706c6503636f6d00 0006 4001000000 03 04 1b000000"
	  "000000000000000000000000000000000000000000000020",
	  NULL },
	{ "NSEC", "next.", "046e65787400", NULL },
	{ "NSEC3", "1 1 12 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
	  "01 01 000c 00 14 174eb2409fe28bcb4887a1836f957f0a8425e27b 00 06 400000000002",
	  "1 1 12 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG" },
	{ "NSEC3", "1 0 0 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s",
	  "01 00 0000 04aabbccdd 14 17f3df17b2b2adaef615257de4d2020b80ac6c7c",
	  "1 0 0 AABBCCDD 2vptu5timamqttgl4luu9kg21e0aor3s" },
	{ "NSEC3PARAM", "1 0 10 AABBCCDD", "01 00 000a 04aabbccdd", NULL },
	{ "NSEC3PARAM", "1 0 0 -", "01 00 0000 00", NULL },
	{ "SVCB", "1 svc.example. alpn=\"h2,h3\" port=8443 ipv6hint=2001:db8::1",
	  "0001 03737663076578616d706c6500 0001 0006 0268320268 33 0003 0002 20fb"
	  "0006 0010 20010db8000000000000000000000001",
	  NULL },
	/* RFC 9460 Appendix D, Figure 11: escaped comma and backslash. */
	{ "HTTPS", "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
	  "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832",
	  NULL },
	{ "HTTPS", "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
	  "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832",
	  "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"" },
	/* Keys are sorted on the wire whatever their order in the text. */
	{ "HTTPS", "1 . key65280=\"x y\" no-default-alpn port=53 alpn=h2 mandatory=port",
	  "0001 00 0000 0002 0003 0001 0003 026832 0002 0000 0003 0002 0035 ff00 0003 782079",
	  "1 . mandatory=port alpn=\"h2\" no-default-alpn port=53 key65280=\"x y\"" },
	{ "SVCB", "0 alias.example.", "0000 05616c696173076578616d706c6500", NULL },
	{ "SVCB", "1 . ech=AAE= ipv4hint=192.0.2.1,192.0.2.2 key9",
	  "0001 00 0004 0008 c0000201c0000202 0005 0002 0001 0009 0000",
	  "1 . ipv4hint=192.0.2.1,192.0.2.2 ech=AAE= key9" },
	{ "TYPE65280", "\\# 4 0A000001", "0a000001", NULL },
	{ "TYPE65280", "\\# 0", "", NULL },
	{ "TYPE65280", "\\# 4 0a 00 0 001", "0a000001", "\\# 4 0A000001" },
	{ "A", "\\# 4 C0000201", "c0000201", "192.0.2.1" },
	{ "MX", "\\# 3 000a00", "000a00", "10 ." },
	{ "OPT", "\\# 4 000a0000", "000a0000", "\\# 4 000A0000" },
	{ "HINFO", "\"PC\" \"Linux 6\"", "025043 074c696e75782036", NULL },
	{ "TLSA", "3 1 1 ABCD", "03 01 01 abcd", NULL },
};

static void test_round_trips(void)
{
	static uint8_t want[DG_RDATA_MAXLEN], wire[DG_RDATA_MAXLEN], wire2[DG_RDATA_MAXLEN];
	static char text[4 * DG_RDATA_MAXLEN];
	for (size_t i = 0; i < DG_ARRAY_SIZE(rt_cases); i++) {
		const struct rt_case *c = &rt_cases[i];
		int type = dg_rrtype_from_str(c->type, strlen(c->type));
		int wl = tap_hex_decode(c->hex, want, sizeof(want));
		int n = dg_rdata_from_str((uint16_t)type, c->text, NULL, wire, sizeof(wire));
		if (!is_bytes(want, (size_t)wl, wire, n < 0 ? 0 : (size_t)n, "%s [%zu]: wire", c->type, i))
			diag("returned %s", dg_errname(n));
		if (n < 0)
			continue;
		int tl = dg_rdata_to_str((uint16_t)type, wire, (size_t)n, text, sizeof(text));
		is_str(c->canon != NULL ? c->canon : c->text, tl < 0 ? dg_errname(tl) : text,
		       "%s [%zu]: canonical text", c->type, i);
		is_int(tl, dg_rdata_to_str((uint16_t)type, wire, (size_t)n, NULL, 0),
		       "%s: measuring gives the same length", c->type);
		int n2 = dg_rdata_from_str((uint16_t)type, text, NULL, wire2, sizeof(wire2));
		is_bytes(wire, (size_t)n, wire2, n2 < 0 ? 0 : (size_t)n2,
			 "%s [%zu]: printed text reads back to the same wire", c->type, i);
	}
}

struct err_case {
	const char *type;
	const char *text;
	int err;
};

static const struct err_case err_cases[] = {
	{ "A", "1.2.3", DG_ETEXT_ADDR },
	{ "A", "192.0.2.256", DG_ETEXT_ADDR },
	{ "A", "\"192.0.2.1\"", DG_ETEXT_ADDR },
	{ "AAAA", "2001:db8:::1", DG_ETEXT_ADDR },
	{ "A", "", DG_ETEXT_FIELDS },
	{ "MX", "10", DG_ETEXT_FIELDS },
	{ "MX", "10 a. b.", DG_ETEXT_FIELDS },
	{ "MX", "65536 a.", DG_ETEXT_RANGE },
	{ "MX", "-1 a.", DG_ETEXT_SYNTAX },
	{ "MX", "1x a.", DG_ETEXT_SYNTAX },
	{ "MX", "10 a..b.", DG_ENAME_EMPTYLABEL },
	{ "MX", "( 10 a.", DG_ETEXT_SYNTAX },
	{ "MX", "10 a. )", DG_ETEXT_SYNTAX },
	{ "SOA", "a. b. 1 2 3 4 1h30", DG_ETEXT_SYNTAX },
	{ "SOA", "a. b. 4294967296 2 3 4 5", DG_ETEXT_RANGE },
	{ "DNSKEY", "257 3 8 AwE*AQ==", DG_ETEXT_BASE64 },
	{ "DNSKEY", "257 3 8 AwEAA", DG_ETEXT_BASE64 },
	{ "DNSKEY", "257 3 8 A===", DG_ETEXT_BASE64 },
	{ "DNSKEY", "257 3 8 AQ==AQ==", DG_ETEXT_BASE64 },
	{ "DNSKEY", "257 3 8", DG_ETEXT_FIELDS },
	{ "DNSKEY", "257 3 NOSUCHALG AwEAAQ==", DG_ETEXT_SYNTAX },
	{ "DS", "1 8 2 ABC", DG_ETEXT_HEX },
	{ "DS", "1 8 2 XY", DG_ETEXT_HEX },
	{ "A", "\\# 4 0A00", DG_ETEXT_GENERIC },
	{ "TYPE65280", "\\# 1 0A00", DG_ETEXT_GENERIC },
	{ "A", "\\# 3 0A0000", DG_ETEXT_GENERIC },
	{ "MX", "\\# 3 000a05", DG_ETEXT_GENERIC },
	{ "TYPE65280", "\\# 2 0A0", DG_ETEXT_HEX },
	{ "TYPE65280", "\\# 65536 00", DG_ETEXT_RANGE },
	{ "TYPE65280", "0A000001", DG_ETEXT_GENERIC },
	{ "OPT", "", DG_ETEXT_GENERIC },
	{ "NSEC", "a. A FOO", DG_ETYPE_UNKNOWN },
	{ "NSEC", "a. A TYPE65536", DG_ETYPE_UNKNOWN },
	{ "RRSIG", "BOGUS 8 2 3600 20240201000000 20240101000000 1 a. AA==", DG_ETYPE_UNKNOWN },
	{ "RRSIG", "A 8 2 3600 20241301000000 20240101000000 1 a. AA==", DG_ETEXT_TIME },
	{ "RRSIG", "A 8 2 3600 20230229000000 20240101000000 1 a. AA==", DG_ETEXT_TIME },
	{ "RRSIG", "A 8 2 3600 21060207062816 20240101000000 1 a. AA==", DG_ETEXT_TIME },
	{ "RRSIG", "A 8 2 3600 2024020100000x 20240101000000 1 a. AA==", DG_ETEXT_TIME },
	{ "RRSIG", "A 8 2 3600 1e9 20240101000000 1 a. AA==", DG_ETEXT_TIME },
	{ "TXT", "\"abc", DG_ETEXT_SYNTAX },
	{ "TXT", "\"\\256\"", DG_ETEXT_STRING },
	{ "TXT", "\"\\12\"", DG_ETEXT_STRING },
	{ "TXT", "", DG_ETEXT_FIELDS },
	{ "CAA", "0 is-sue \"x\"", DG_ETEXT_SYNTAX },
	{ "NSEC3", "1 1 12 ABC 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", DG_ETEXT_HEX },
	{ "NSEC3", "1 1 12 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJ!", DG_ETEXT_BASE32 },
	{ "NSEC3", "1 1 12 - 2T7", DG_ETEXT_BASE32 },
	{ "NSEC3PARAM", "1 0 65536 -", DG_ETEXT_RANGE },
	{ "SVCB", "1 . port=1 port=2", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . mandatory=alpn", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . mandatory=mandatory", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . foo=1", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . key65535", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . alpn", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . alpn=h2,,h3", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . no-default-alpn=x", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . port=70000", DG_ETEXT_SVCPARAM },
	{ "SVCB", "1 . ipv4hint=1.2.3", DG_ETEXT_ADDR },
	{ "SVCB", "1 . ech=A", DG_ETEXT_BASE64 },
	{ "SVCB", "1 . alpn=\"h2", DG_ETEXT_SYNTAX },
};

static void test_errors(void)
{
	uint8_t wire[1024];
	for (size_t i = 0; i < DG_ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		int type = dg_rrtype_from_str(c->type, strlen(c->type));
		is_err(c->err, dg_rdata_from_str((uint16_t)type, c->text, NULL, wire, sizeof(wire)),
		       "%s '%s' is rejected", c->type, c->text);
	}
	char big[600];
	memset(big, 'x', sizeof(big));
	memcpy(big, "\"", 1);
	memcpy(big + 257, "\"", 2);
	is_err(DG_ETEXT_STRING, dg_rdata_from_str(DG_TYPE_TXT, big, NULL, wire, sizeof(wire)),
	       "TXT string of 256 octets");
	big[256] = '"';
	big[257] = '\0';
	is_int(256, dg_rdata_from_str(DG_TYPE_TXT, big, NULL, wire, sizeof(wire)),
	       "TXT string of 255 octets");
	is_err(DG_ESPACE, dg_rdata_from_str(DG_TYPE_MX, "10 mail.example.com.", NULL, wire, 10),
	       "output buffer too small");
	is_err(DG_EINVAL, dg_rdata_from_str(DG_TYPE_A, NULL, NULL, wire, sizeof(wire)),
	       "NULL text");
}

static void test_print_errors(void)
{
	char text[256];
	static const struct {
		uint16_t type;
		const char *hex;
		const char *what;
	} bad[] = {
		{ DG_TYPE_A, "0a0000", "A of 3 octets" },
		{ DG_TYPE_A, "0a00000102", "A of 5 octets" },
		{ DG_TYPE_MX, "000a03616263", "MX name without root label" },
		{ DG_TYPE_MX, "000a00ff", "MX with a trailing octet" },
		{ DG_TYPE_TXT, "", "empty TXT" },
		{ DG_TYPE_TXT, "0561", "TXT string past the end" },
		{ DG_TYPE_DNSKEY, "01010308", "DNSKEY with an empty key" },
		{ DG_TYPE_NSEC, "00 0101 40 0001 40", "NSEC windows out of order" },
		{ DG_TYPE_NSEC, "00 0021 " "00000000000000000000000000000000000000000000000000000000000000"
				"000000", "NSEC window of 33 octets" },
		{ DG_TYPE_NSEC, "00 0000", "NSEC empty window" },
		{ DG_TYPE_NSEC3, "01000000 00 00", "NSEC3 with an empty hash" },
		{ DG_TYPE_CAA, "00 02 2d61", "CAA tag with a dash" },
		{ DG_TYPE_SVCB, "0001 00 0003 0002 0035 0001 0003 026832", "SvcParams out of order" },
		{ DG_TYPE_SVCB, "0001 00 0003 0001 35", "port of one octet" },
		{ DG_TYPE_SVCB, "0001 00 0001 0001 00", "alpn with an empty id" },
		{ DG_TYPE_SVCB, "0001 00 0004 0003 c00002", "ipv4hint of 3 octets" },
		{ DG_TYPE_SVCB, "0001 00 0000 0002 0000", "mandatory listing itself" },
		{ DG_TYPE_SVCB, "0001 00 0003 0004 0035", "SvcParam length past the end" },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(bad); i++) {
		uint8_t wire[128];
		int n = tap_hex_decode(bad[i].hex, wire, sizeof(wire));
		is_err(DG_ERDATA_FORMAT, dg_rdata_to_str(bad[i].type, wire, (size_t)n, text,
							 sizeof(text)),
		       "print: %s", bad[i].what);
		is_err(DG_ERDATA_FORMAT, dg_rdata_check(bad[i].type, wire, (size_t)n), "check: %s",
		       bad[i].what);
	}
	const uint8_t a[] = { 192, 0, 2, 1 };
	is_int(0, dg_rdata_check(DG_TYPE_A, a, 4), "valid A passes the check");
	is_err(DG_ESPACE, dg_rdata_to_str(DG_TYPE_A, a, 4, text, 9), "9 octets hold 192.0.2.");
	is_int(9, dg_rdata_to_str(DG_TYPE_A, a, 4, text, 10), "10 octets hold 192.0.2.1");
	is_int(13, dg_rdata_generic_to_str(a, 4, text, sizeof(text)), "generic length");
	is_str("\\# 4 C0000201", text, "generic form of a known type");
	is_int(4, dg_rdata_generic_to_str(NULL, 0, text, sizeof(text)), "empty generic");
	is_str("\\# 0", text, "empty generic text");
}

static void test_ttl(void)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "3600", 0, 3600 },
		{ "1h30m", 0, 5400 },
		{ "1W", 0, 604800 },
		{ "2d3h4m5s", 0, 2 * 86400 + 3 * 3600 + 4 * 60 + 5 },
		{ "4294967295", 0, 4294967295u },
		{ "4294967296", DG_ETEXT_RANGE, 0 },
		{ "7102w", DG_ETEXT_RANGE, 0 },
		{ "1h30", DG_ETEXT_SYNTAX, 0 },
		{ "h", DG_ETEXT_SYNTAX, 0 },
		{ "1x", DG_ETEXT_SYNTAX, 0 },
		{ "", DG_ETEXT_SYNTAX, 0 },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(cases); i++) {
		uint32_t v = 12345;
		int ret = dg_ttl_from_str(cases[i].s, strlen(cases[i].s), &v);
		is_err(cases[i].ret, ret, "ttl '%s' result", cases[i].s);
		if (ret == 0)
			is_int(cases[i].v, v, "ttl '%s' value", cases[i].s);
	}
}

static void test_rr_lines(void)
{
	uint8_t origin[DG_DNAME_MAXLEN], rdata[512];
	char text[1024];
	struct dg_rr_text rr = { .rdata = rdata, .rdsize = sizeof(rdata) };
	ok(dg_dname_from_str(origin, sizeof(origin), "example.com.", NULL) > 0, "origin");

	is_int(0, dg_rr_from_str("www 1h IN A 192.0.2.1", origin, 300, &rr), "relative owner");
	is_int(DG_TYPE_A, rr.type, "type A");
	is_int(3600, rr.ttl, "TTL with unit");
	is_int(DG_CLASS_IN, rr.rclass, "class IN");
	ok(dg_rr_to_str(&rr, text, sizeof(text)) > 0, "print the record");
	is_str("www.example.com.\t3600\tIN\tA\t192.0.2.1", text, "record line");
	is_int((int)strlen(text), dg_rr_to_str(&rr, NULL, 0), "measure the record");

	is_int(0, dg_rr_from_str("@ CH 60 TXT \"x\"", origin, 300, &rr), "class before TTL");
	is_int(DG_CLASS_CH, rr.rclass, "class CH");
	is_int(60, rr.ttl, "TTL after class");
	is_int(0, dg_rr_from_str("host.  MX 10 mail", origin, 300, &rr), "no TTL, no class");
	is_int(300, rr.ttl, "default TTL");
	ok(dg_rr_to_str(&rr, text, sizeof(text)) > 0 &&
		   strcmp(text, "host.\t300\tIN\tMX\t10 mail.example.com.") == 0,
	   "RDATA names are completed with the origin");
	is_int(0, dg_rr_from_str("@ 3600 SOA ( ns1 hostmaster ; comment\n 1 2 3 4 5 )", origin, 0,
				 &rr),
	       "multi-line SOA with parentheses");
	is_int(DG_TYPE_SOA, rr.type, "type SOA");
	is_int(0, dg_rr_from_str("x TYPE65280 \\# 1 ff", origin, 0, &rr), "generic record");
	is_int(1, rr.rdlen, "generic record length");
	is_err(DG_ETEXT_FIELDS, dg_rr_from_str("x 300 IN", origin, 0, &rr), "no type");
	is_err(DG_ETYPE_UNKNOWN, dg_rr_from_str("x 300 IN BOGUS 1", origin, 0, &rr),
	       "unknown type");
	is_err(DG_ETEXT_ADDR, dg_rr_from_str("x A 1.2.3", origin, 0, &rr), "bad RDATA");
}

static void test_basenc(void)
{
	/* RFC 4648 §10 test vectors. */
	static const char *b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *b32[] = { "", "co", "cpng", "cpnmu", "cpnmuog", "cpnmuoj1", "cpnmuoj1e8" };
	const uint8_t *foobar = (const uint8_t *)"foobar";
	char out[32];
	uint8_t bin[32];
	for (size_t n = 0; n <= 6; n++) {
		ok(dg_base64_encode(foobar, n, out, sizeof(out)) == (int)strlen(b64[n]) &&
			   strcmp(out, b64[n]) == 0,
		   "base64 of %zu octets is %s", n, b64[n]);
		is_int((int)n, dg_base64_decode(b64[n], strlen(b64[n]), bin, sizeof(bin)),
		       "base64 %s decodes", b64[n]);
		ok(memcmp(bin, foobar, n) == 0, "base64 %s decodes right", b64[n]);
		ok(dg_base32hex_encode(foobar, n, out, sizeof(out)) == (int)strlen(b32[n]) &&
			   strcmp(out, b32[n]) == 0,
		   "base32hex of %zu octets is %s", n, b32[n]);
		is_int((int)n, dg_base32hex_decode(b32[n], strlen(b32[n]), bin, sizeof(bin)),
		       "base32hex %s decodes", b32[n]);
		ok(memcmp(bin, foobar, n) == 0, "base32hex %s decodes right", b32[n]);
	}
	is_int(3, dg_base32hex_decode("CPNMU", 5, bin, sizeof(bin)), "base32hex upper case");
	is_err(DG_ETEXT_BASE32, dg_base32hex_decode("cpnmu=", 6, bin, sizeof(bin)), "no padding");
	is_err(DG_ESPACE, dg_base64_encode(foobar, 3, out, 4), "base64 needs room for NUL");
	is_err(DG_ESPACE, dg_base64_decode("Zm9v", 4, bin, 2), "base64 decode bounded");
	ok(dg_hex_encode(foobar, 2, out, sizeof(out), true) == 4 && strcmp(out, "666F") == 0,
	   "hex upper");
	is_int(2, dg_hex_decode("666f", 4, bin, sizeof(bin)), "hex decode");
	is_err(DG_ETEXT_HEX, dg_hex_decode("666", 3, bin, sizeof(bin)), "odd hex");
}

int main(void)
{
	test_round_trips();
	test_errors();
	test_print_errors();
	test_ttl();
	test_rr_lines();
	test_basenc();
	return tap_done();
}
