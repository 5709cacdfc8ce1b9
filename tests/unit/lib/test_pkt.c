/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests pkt.c: the question hot path, a full compressed response (offsets,
 * TTL position, OPT index), pointer rules inside messages, RDATA layouts,
 * count limits and RDATA decompression. tests/corpus (test_corpus.c) holds
 * one file per malformation on top of these.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/wire.h"
#include "tap.h"

/* dnspython: response to "www.Example.com. A" with CNAME, A, NS, MX, OPT. */
static const char resp_hex[] =
	"1234 8100 0001 0002 0002 0001"
	"03777777 074578616d706c65 03636f6d 00 0001 0001" /* 12: question */
	"c00c 0005 0001 0000012c 0002 c010"               /* 33: CNAME */
	"c010 0001 0001 0000003c 0004 c0000201"           /* 47: A */
	"c010 0002 0001 00000e10 0006 036e7331c010"       /* 63: NS */
	"c010 000f 0001 00000e10 0009 000a046d61696cc010" /* 81: MX */
	"00 0029 2000 00000000 0000";                     /* 102: OPT */

static uint8_t wire[70000];

static int hex(const char *h)
{
	int n = tap_hex_decode(h, wire, sizeof(wire));
	if (n < 0)
		diag("bad hex in test: %s", h);
	return n;
}

static int parse_hex(const char *h)
{
	struct dg_pkt pkt;
	int n = hex(h);
	int ret = dg_pkt_parse(&pkt, wire, (size_t)n, NULL);
	dg_pkt_free(&pkt, NULL);
	return ret;
}

static void test_response(void)
{
	struct dg_pkt pkt;
	struct dg_arena a;
	dg_arena_init(&a, 0);
	int n = hex(resp_hex);
	is_int(113, n, "response is 113 octets");
	is_err(DG_OK, dg_pkt_parse(&pkt, wire, (size_t)n, &a), "response parses");
	is_int(0x1234, pkt.hdr.id, "id");
	ok(pkt.hdr.flags & DG_FLAG_QR, "QR set");
	is_int(5, pkt.rrcount, "5 records");
	is_int(4, pkt.opt_idx, "OPT is record 4");
	is_int(-1, pkt.tsig_idx, "no TSIG");
	is_int(33, pkt.q.end_off, "question ends at 33");
	is_int(17, pkt.q.qname_len, "qname length");
	static const uint16_t owner[] = { 33, 47, 63, 81, 102 };
	static const uint16_t ttl_off[] = { 39, 53, 69, 87, 107 };
	static const uint16_t rdata_off[] = { 45, 59, 75, 93, 113 };
	static const uint16_t rdlen[] = { 2, 4, 6, 9, 0 };
	static const uint16_t type[] = { 5, 1, 2, 15, 41 };
	static const uint32_t ttl[] = { 300, 60, 3600, 3600, 0 };
	static const uint8_t sec[] = { DG_SEC_ANSWER, DG_SEC_ANSWER, DG_SEC_AUTHORITY,
				       DG_SEC_AUTHORITY, DG_SEC_ADDITIONAL };
	int bad = 0;
	for (int i = 0; i < 5 && pkt.rrcount == 5; i++) {
		const struct dg_rr *rr = &pkt.rr[i];
		if (rr->owner_off != owner[i] || rr->ttl_off != ttl_off[i] ||
		    rr->rdata_off != rdata_off[i] || rr->rdlen != rdlen[i] ||
		    rr->type != type[i] || rr->ttl != ttl[i] || rr->section != sec[i] ||
		    dg_get_u32(wire + rr->ttl_off) != ttl[i] || rr->rclass != (i < 4 ? 1 : 0x2000)) {
			diag("record %d: owner %u ttl_off %u rdata %u/%u type %u ttl %u sec %u", i,
			     rr->owner_off, rr->ttl_off, rr->rdata_off, rr->rdlen, rr->type,
			     rr->ttl, rr->section);
			bad++;
		}
	}
	is_int(0, bad, "every record's offsets, type, TTL and section");

	uint8_t out[300];
	static const uint8_t cname[] = "\7Example\3com";
	is_int(sizeof(cname), dg_pkt_rdata_uncompressed(&pkt, &pkt.rr[0], out, sizeof(out)),
	       "CNAME RDATA expanded");
	is_bytes(cname, sizeof(cname), out, sizeof(cname), "CNAME target as in the question");
	static const uint8_t mx[] = "\0\12\4mail\7Example\3com";
	is_int(sizeof(mx), dg_pkt_rdata_uncompressed(&pkt, &pkt.rr[3], out, sizeof(out)),
	       "MX RDATA expanded");
	is_bytes(mx, sizeof(mx), out, sizeof(mx), "MX preference + full exchange");
	is_int(4, dg_pkt_rdata_uncompressed(&pkt, &pkt.rr[1], out, sizeof(out)),
	       "A RDATA copied");
	is_bytes("\300\0\2\1", 4, out, 4, "A RDATA bytes");
	is_err(DG_ESPACE, dg_pkt_rdata_uncompressed(&pkt, &pkt.rr[3], out, 10),
	       "MX expansion into a short buffer");
	is_err(DG_ESPACE, dg_pkt_rdata_uncompressed(&pkt, &pkt.rr[1], out, 3),
	       "A copy into a short buffer");
	dg_pkt_free(&pkt, &a);
	dg_arena_free(&a);
}

static void test_question(void)
{
	struct dg_hdr h;
	struct dg_question q;
	int n = hex(resp_hex);
	is_err(DG_OK, dg_pkt_parse_question(&h, &q, wire, (size_t)n), "question parses");
	is_bytes("\3www\7Example\3com", 17, q.qname, q.qname_len, "qname as received");
	is_bytes("\3www\7example\3com", 17, q.qname_lc, q.qname_len, "qname lower-cased");
	is_int(1, q.qtype, "qtype A");
	is_int(1, q.qclass, "qclass IN");
	is_int(33, q.end_off, "end offset");
	is_err(DG_EQUESTION_TRUNC, dg_pkt_parse_question(&h, &q, wire, 31),
	       "qtype/qclass cut off");
	is_err(DG_ENAME_TRUNC, dg_pkt_parse_question(&h, &q, wire, 20), "qname cut off");
	is_err(DG_EHDR_SHORT, dg_pkt_parse_question(&h, &q, wire, 11), "11-octet message");
	wire[5] = 0;
	is_err(DG_EQDCOUNT, dg_pkt_parse_question(&h, &q, wire, (size_t)n), "qdcount 0");
	wire[5] = 2;
	is_err(DG_EQDCOUNT, dg_pkt_parse_question(&h, &q, wire, (size_t)n), "qdcount 2");
	n = hex("0000 0000 0001 0000 0000 0000 00 0002 0001");
	is_err(DG_OK, dg_pkt_parse_question(&h, &q, wire, (size_t)n), "root question");
	is_int(1, q.qname_len, "root qname length 1");

	/* 255 octets: 3 x 63 + 61-octet labels + root, then qtype/qclass. */
	size_t k = DG_HDR_LEN;
	for (int l = 0; l < 4; l++) {
		wire[k] = l < 3 ? 63 : 61;
		memset(wire + k + 1, 'X', wire[k]);
		k += 1 + wire[k];
	}
	memcpy(wire + k, "\0\0\1\0\1", 5);
	is_err(DG_OK, dg_pkt_parse_question(&h, &q, wire, k + 5), "255-octet qname");
	is_int(255, q.qname_len, "255-octet qname length");
	ok(q.qname_lc[1] == 'x' && q.qname[1] == 'X', "long qname lower-cased");
	wire[DG_HDR_LEN + 64] = 64; /* second label claims 64: label type 0x40 */
	is_err(DG_ELABEL_TYPE, dg_pkt_parse_question(&h, &q, wire, k + 5), "label of 64");
}

#define Q0 "abcd 0100 0000"                /* header up to qdcount 0 */
#define Q1 "abcd 0100 0001"                /* header up to qdcount 1 */
#define QA "03777777 03636f6d 00 0001 0001" /* 12: www.com. A IN, ends at 25 */

/* One message in hex and the code dg_pkt_parse() must return for it. */
struct parse_case {
	int err;
	const char *hex;
	const char *what;
};

/* One is_err() per case, so each keeps its own TAP line and description. */
static void check_cases(const struct parse_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		is_err(c[i].err, parse_hex(c[i].hex), "%s", c[i].what);
}

#define CHECK_CASES(tbl) check_cases(tbl, DG_ARRAY_SIZE(tbl))

/* One answer record after www.com. A: owner, type, class, TTL, rdlen, RDATA. */
#define AN1 Q1 "0001 0000 0000" QA

static const struct parse_case pointer_cases[] = {
	{ DG_EPTR_SELF, Q1 "0000 0000 0000 c00c 0001 0001", "qname self" },
	{ DG_EPTR_FORWARD, Q1 "0000 0000 0000 c00e 00 0001 0001", "qname forward" },
	{ DG_EPTR_RANGE, Q1 "0000 0000 0000 c0ff 0001 0001", "qname range" },
	{ DG_EPTR_SELF, AN1 "c019 0001 0001 00000000 0000",
	  "owner pointing at itself" },
	{ DG_EPTR_FORWARD, AN1 "c01b 0001 0001 00000000 0000",
	  "owner pointing forward" },
	{ DG_OK, AN1 "c00c 0001 0001 00000000 0004 01020304",
	  "owner pointing at the qname" },
	/* 25: "x" + pointer to 12; 39: pointer to 25, whose pointer goes on
	 * to 12 (strictly before 25): fine. A pointer back to the start of
	 * its own name would revisit it: a loop. */
	{ DG_OK, Q1 "0002 0000 0000" QA "0178c00c ff00 0001 00000000 0000"
		 "c019 ff00 0001 00000000 0000",
	  "chain of two backward pointers" },
	{ DG_EPTR_LOOP, AN1 "0178c019 ff00 0001 00000000 0000",
	  "name looping onto itself through a backward pointer" },
	{ DG_EPTR_FORWARD, AN1 "c00c 0005 0001 00000000 0002 c026",
	  "RDATA name pointing forward" },
	{ DG_EPTR_RANGE, AN1 "c00c 0005 0001 00000000 0002 c0ff",
	  "RDATA name pointing past the end" },
};

static const struct parse_case rdata_cases[] = {
	{ DG_ERDATA_FORMAT, AN1 "c00c 0001 0001 00000000 0005 0102030405", "A with rdlen 5" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 001c 0001 00000000 0004 01020304", "AAAA with rdlen 4" },
	{ DG_OK, AN1 "c00c 0006 0001 00000000 0018"
		     "c00c c00c 0000000100000002000000030000000400000005",
	  "SOA: two names + 20 octets" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 0006 0001 00000000 0017"
				"c00c c00c 00000001000000020000000300000004000000",
	  "SOA one octet short" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 0002 0001 00000000 0003 c00c 00",
	  "NS with an octet after the name" },
	{ DG_ENAME_TRUNC, AN1 "c00c 000f 0001 00000000 0004 000a 0161 0000",
	  "MX exchange runs past RDATA" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 0021 0001 00000000 0009 000a 0014 0035 c00c 00",
	  "SRV with an octet after the target" },
	{ DG_OK, AN1 "c00c 0021 0001 00000000 0008 000a 0014 0035 c00c",
	  "SRV target accepted compressed (RFC 3597 4)" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 0021 0001 00000000 0003 000a 00",
	  "SRV without room for the target" },
	{ DG_OK, AN1 "c00c 0023 0001 00000000 0009 0001 0002 0155 00 00 00",
	  "NAPTR: order pref flags services regexp replacement" },
	{ DG_ERDATA_FORMAT, AN1 "c00c 0023 0001 00000000 0007 0001 0002 0955 00",
	  "NAPTR string past RDATA" },
	{ DG_OK, Q1 "0000 0001 0000" QA "c00c 000f 00ff 00000000 0000",
	  "UPDATE: class ANY with empty RDATA" },
	{ DG_ERDATA_FORMAT, Q1 "0000 0001 0000" QA "c00c 000f 0001 00000000 0000",
	  "class IN MX with empty RDATA" },
	{ DG_OK, AN1 "c00c ff00 0001 00000000 0003 616263", "unknown type: opaque RDATA" },
};

#define OPT_ROOT "00 0029 1000 00000000 0000"   /* OPT owned by the root */
#define TSIG_QA  "c00c 00fa 00ff 00000000 0000" /* empty TSIG owned by www.com. */

static const struct parse_case section_cases[] = {
	{ DG_OK, Q1 "0000 0000 0002" QA OPT_ROOT TSIG_QA, "TSIG last after OPT" },
	{ DG_ETSIG_NOTLAST, Q1 "0000 0000 0002" QA TSIG_QA OPT_ROOT, "TSIG before OPT" },
	{ DG_ETSIG_NOTLAST, AN1 TSIG_QA, "TSIG in the answer section" },
	{ DG_EOPT_NOTROOT, Q1 "0000 0000 0001" QA "c00c 0029 1000 00000000 0000",
	  "OPT owned by www.com." },
	{ DG_OK, Q1 "0000 0000 0001" QA "c014 0029 1000 00000000 0000",
	  "OPT owned by the root through a pointer" },
	{ DG_EOPT_SECTION, Q1 "0000 0001 0000" QA OPT_ROOT, "OPT in authority" },
	{ DG_EOPT_MULTI, Q1 "0000 0000 0002" QA OPT_ROOT OPT_ROOT, "two OPTs" },
	{ DG_OK, Q0 "0000 0000 0000", "empty message with qdcount 0" },
	{ DG_ETRAILING, Q0 "0000 0000 0000 00", "one octet after header" },
	{ DG_ETRAILING, Q1 "0000 0000 0000" QA "00", "octet after question" },
	{ DG_EQDCOUNT, "abcd 0100 0002 0000 0000 0000" QA QA, "qdcount 2" },
};

static const struct parse_case count_cases[] = {
	{ DG_ECOUNT, Q1 "ffff ffff ffff" QA, "counts of 65535 in 25 octets" },
	{ DG_ECOUNT, Q1 "0002 0000 0000" QA "c00c 0001 0001 00000000 0004 01020304",
	  "ancount 2, one record: too few octets for two" },
	{ DG_ECOUNT, Q1 "0002 0000 0000" QA "c00c ff00 0001 00000000 000a 00112233445566778899",
	  "ancount 2, message ends after the first record" },
	{ DG_ETRAILING, AN1 "c00c 0001 0001 00000000 0004 01020304" QA,
	  "ancount 1 with a question's worth of octets after it" },
	{ DG_ERR_TRUNC, AN1 QA, "record header cut off" },
	{ DG_ERDATA_TRUNC, AN1 "c00c ff00 0001 00000000 0010 01", "rdlen past the end" },
};

/* DG_PKT_MAXRR empty records of an opaque type, then one more. */
static void test_rr_limit(void)
{
	size_t n = DG_HDR_LEN;
	memset(wire, 0, DG_HDR_LEN);
	for (int i = 0; i <= DG_PKT_MAXRR; i++) {
		memcpy(wire + n, "\0\377\0\0\1\0\0\0\0\0\0", 11);
		n += 11;
	}
	struct dg_pkt pkt;
	struct dg_arena a;
	dg_arena_init(&a, 0);
	dg_put_u16(wire + 10, DG_PKT_MAXRR);
	is_err(DG_OK, dg_pkt_parse(&pkt, wire, n - 11, &a), "%d records accepted", DG_PKT_MAXRR);
	is_int(DG_PKT_MAXRR, pkt.rrcount, "rrcount");
	dg_arena_reset(&a);
	dg_put_u16(wire + 10, DG_PKT_MAXRR + 1);
	is_err(DG_ETOOMANYRR, dg_pkt_parse(&pkt, wire, n, &a), "%d records refused",
	       DG_PKT_MAXRR + 1);
	dg_arena_free(&a);
	is_err(DG_EINVAL, dg_pkt_parse(&pkt, wire, DG_MAX_UDP + 1, NULL), "over 64 KiB");
}

int main(void)
{
	test_response();
	test_question();
	CHECK_CASES(pointer_cases);
	CHECK_CASES(rdata_cases);
	CHECK_CASES(section_cases);
	CHECK_CASES(count_cases);
	test_rr_limit();
	return tap_done();
}
