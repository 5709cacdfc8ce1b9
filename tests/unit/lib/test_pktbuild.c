/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests pktbuild.c: exact bytes of compressed messages (one computed by
 * hand, one produced by dnspython), where pointers point, which RDATA names
 * are compressed, the 0x4000 pointer range, truncation on RRset boundaries
 * with TC and matching counts, and that nothing is written past the limit.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dname.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/pktbuild.h"
#include "lib/wire.h"
#include "tap.h"

#define IN 1
#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_MINFO 14
#define T_MX 15
#define T_TXT 16
#define T_SRV 33
#define T_DNAME 39
#define T_PTR 12

/* A wire name from text, in one of a few rotating buffers. */
static const uint8_t *N(const char *text)
{
	static uint8_t pool[8][DG_DNAME_MAXLEN];
	static unsigned next;
	uint8_t *out = pool[next++ % 8];
	if (dg_dname_from_str(out, DG_DNAME_MAXLEN, text, NULL) < 0) {
		diag("bad test name %s", text);
		abort();
	}
	return out;
}

static uint16_t rd_a(uint8_t *out, const char *addr)
{
	if (inet_pton(AF_INET, addr, out) != 1)
		abort();
	return 4;
}

static uint16_t rd_name(uint8_t *out, const char *name)
{
	const uint8_t *n = N(name);
	size_t len = dg_dname_len(n);
	memcpy(out, n, len);
	return (uint16_t)len;
}

static uint16_t rd_mx(uint8_t *out, uint16_t pref, const char *name)
{
	dg_put_u16(out, pref);
	return (uint16_t)(2 + rd_name(out + 2, name));
}

static uint16_t rd_srv(uint8_t *out, uint16_t prio, uint16_t weight, uint16_t port,
		       const char *target)
{
	dg_put_u16(out, prio);
	dg_put_u16(out + 2, weight);
	dg_put_u16(out + 4, port);
	return (uint16_t)(6 + rd_name(out + 6, target));
}

static uint16_t rd_soa(uint8_t *out, const char *mname, const char *rname, const uint32_t t[5])
{
	uint16_t len = rd_name(out, mname);
	len = (uint16_t)(len + rd_name(out + len, rname));
	for (int i = 0; i < 5; i++, len = (uint16_t)(len + 4))
		dg_put_u32(out + len, t[i]);
	return len;
}

static int hex(const char *text, uint8_t *out, size_t outsz)
{
	int n = tap_hex_decode(text, out, outsz);
	if (n < 0)
		abort();
	return n;
}

/*
 * A small response computed by hand (RFC 1035 §4.1.4):
 *   0: 1234 8580 0001 0001 0001 0000               header, QR AA RD RA
 *  12: 03www 07example 03com 00  0001 0001         question, www at 12,
 *                                                  example at 16, com at 24
 *  33: c00c 0001 0001 0000012c 0004 c0000201       www.example.com A
 *  49: c010 0002 0001 00000e10 0006 03ns1 c010     example.com NS ns1.example.com
 */
static void test_hand_computed(void)
{
	static const char expect_hex[] =
		"1234 8580 0001 0001 0001 0000"
		"03 777777 07 6578616d706c65 03 636f6d 00 0001 0001"
		"c00c 0001 0001 0000012c 0004 c0000201"
		"c010 0002 0001 00000e10 0006 03 6e7331 c010";
	uint8_t expect[128], buf[512], rd[64];
	int elen = hex(expect_hex, expect, sizeof(expect));
	struct dg_pb pb;

	is_err(DG_OK, dg_pb_init(&pb, buf, sizeof(buf), 512, 0x1234, 0x8580), "init");
	is_err(DG_OK, dg_pb_question(&pb, N("www.example.com."), T_A, IN), "question");
	is_err(DG_OK, dg_pb_section(&pb, DG_SEC_ANSWER), "to answer");
	is_err(DG_OK, dg_pb_rr(&pb, N("www.example.com."), T_A, IN, 300, rd, rd_a(rd, "192.0.2.1")),
	       "answer A");
	is_err(DG_OK, dg_pb_section(&pb, DG_SEC_AUTHORITY), "to authority");
	is_err(DG_OK, dg_pb_rr(&pb, N("example.com."), T_NS, IN, 3600, rd,
			       rd_name(rd, "ns1.example.com.")),
	       "authority NS");
	size_t len = dg_pb_finish(&pb);
	is_bytes(expect, (size_t)elen, buf, len, "hand-computed compressed response");
}

/*
 * The same message built by dnspython 2.3 (python3-dnspython), an
 * independent implementation; the hex below is the output of:
 *
 *   import dns.edns, dns.flags, dns.message, dns.rrset
 *   q = dns.message.make_query("www.Example.com.", "A")
 *   m = dns.message.make_response(q)
 *   m.id = 0x1234
 *   m.flags = dns.flags.QR | dns.flags.AA | dns.flags.RD | dns.flags.RA
 *   # one rdata per RRset object: dnspython's rdatasets are unordered sets
 *   rr = lambda name, ttl, rdtype, rdata: dns.rrset.from_text(name, ttl, "IN", rdtype, rdata)
 *   m.answer = [rr("www.example.com.", 300, "CNAME", "web.EXAMPLE.com."),
 *               rr("web.example.com.", 300, "A", "192.0.2.1"),
 *               rr("web.example.com.", 300, "A", "192.0.2.2")]
 *   m.authority = [rr("example.com.", 3600, "NS", "ns1.example.com."),
 *                  rr("example.com.", 3600, "NS", "ns2.example.net."),
 *                  rr("example.com.", 3600, "SOA", "ns1.example.com. hostmaster.example.com. "
 *                     "2024010101 7200 3600 1209600 300")]
 *   m.additional = [rr("ns1.example.com.", 3600, "A", "192.0.2.53"),
 *                   rr("example.com.", 3600, "MX", "10 mail.example.com."),
 *                   rr("_sip._tcp.example.com.", 60, "SRV", "0 5 5060 sip.example.org."),
 *                   rr("d.example.com.", 60, "DNAME", "target.example.com."),
 *                   rr("1.2.0.192.in-addr.arpa.", 60, "PTR", "web.example.com.")]
 *   m.use_edns(0, dns.flags.DO, 1232, options=[
 *       dns.edns.ECSOption("192.0.2.0", 24),
 *       dns.edns.GenericOption(dns.edns.OptionType.COOKIE,
 *                              bytes.fromhex("0102030405060708" "1112131415161718"))])
 *   print(m.to_wire().hex())
 *
 * The SRV target is in .org on purpose: dnspython compresses SRV targets
 * (RFC 2782 says not to, and we do not); with no shared suffix both agree.
 */
static const char dnspython_hex[] =
	"12348580000100030003000603777777074578616d706c6503636f6d00000100"
	"01c00c000500010000012c000603776562c010c02d000100010000012c0004c0"
	"000201c02d000100010000012c0004c0000202c0100002000100000e10000603"
	"6e7331c010c0100002000100000e100011036e7332076578616d706c65036e65"
	"7400c0100006000100000e100023c05f0a686f73746d6173746572c01078a3f1"
	"7500001c2000000e10001275000000012cc05f0001000100000e100004c00002"
	"35c010000f000100000e100009000a046d61696cc010045f736970045f746370"
	"c010002100010000003c00170000000513c403736970076578616d706c65036f"
	"7267000164c010002700010000003c001406746172676574076578616d706c65"
	"03636f6d000131013201300331393207696e2d61646472046172706100000c00"
	"010000003c0002c02d00002904d000008000001f0008000700011800c0000200"
	"0a001001020304050607081112131415161718";

/* Builds the dnspython message above with our builder into buf. */
static size_t build_reference(uint8_t *buf, size_t bufsz)
{
	static const uint32_t soa_t[5] = { 2024010101, 7200, 3600, 1209600, 300 };
	static const uint8_t cookie[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
					    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };
	struct dg_ecs ecs = { .family = 1, .source_prefix = 24, .addr = { 192, 0, 2, 0 } };
	uint8_t rd[256], ecsbuf[32];
	struct dg_pb pb;
	struct dg_edns e;
	int bad = 0;

	bad |= dg_pb_init(&pb, buf, bufsz, bufsz, 0x1234, 0x8580);
	bad |= dg_pb_question(&pb, N("www.Example.com."), T_A, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= dg_pb_rr(&pb, N("www.example.com."), T_CNAME, IN, 300, rd,
			rd_name(rd, "web.EXAMPLE.com."));
	bad |= dg_pb_rr(&pb, N("web.example.com."), T_A, IN, 300, rd, rd_a(rd, "192.0.2.1"));
	bad |= dg_pb_rr(&pb, N("web.example.com."), T_A, IN, 300, rd, rd_a(rd, "192.0.2.2"));
	bad |= dg_pb_section(&pb, DG_SEC_AUTHORITY);
	bad |= dg_pb_rr(&pb, N("example.com."), T_NS, IN, 3600, rd, rd_name(rd, "ns1.example.com."));
	bad |= dg_pb_rr(&pb, N("example.com."), T_NS, IN, 3600, rd, rd_name(rd, "ns2.example.net."));
	bad |= dg_pb_rr(&pb, N("example.com."), T_SOA, IN, 3600, rd,
			rd_soa(rd, "ns1.example.com.", "hostmaster.example.com.", soa_t));
	bad |= dg_pb_section(&pb, DG_SEC_ADDITIONAL);
	bad |= dg_pb_rr(&pb, N("ns1.example.com."), T_A, IN, 3600, rd, rd_a(rd, "192.0.2.53"));
	bad |= dg_pb_rr(&pb, N("example.com."), T_MX, IN, 3600, rd,
			rd_mx(rd, 10, "mail.example.com."));
	bad |= dg_pb_rr(&pb, N("_sip._tcp.example.com."), T_SRV, IN, 60, rd,
			rd_srv(rd, 0, 5, 5060, "sip.example.org."));
	bad |= dg_pb_rr(&pb, N("d.example.com."), T_DNAME, IN, 60, rd,
			rd_name(rd, "target.example.com."));
	bad |= dg_pb_rr(&pb, N("1.2.0.192.in-addr.arpa."), T_PTR, IN, 60, rd,
			rd_name(rd, "web.example.com."));

	dg_edns_init(&e, 1232);
	e.flags = DG_EDNS_DO;
	int elen = dg_ecs_write(&ecs, ecsbuf, sizeof(ecsbuf));
	bad |= elen < 0;
	bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_ECS, (uint16_t)elen, ecsbuf);
	bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_COOKIE, sizeof(cookie), cookie);
	bad |= dg_edns_write(&pb, &e, 0);
	ok(bad == 0, "reference message: every call succeeds");
	return dg_pb_finish(&pb);
}

static void test_dnspython_reference(void)
{
	uint8_t expect[512], buf[1232];
	int elen = hex(dnspython_hex, expect, sizeof(expect));
	size_t len = build_reference(buf, sizeof(buf));
	is_bytes(expect, (size_t)elen, buf, len, "same bytes as dnspython");

	/* a few pointers named: answer owner -> question name (case differs),
	 * CNAME target "web" + -> "example.com" at 16, A owner -> "web" at 45 */
	is_int(0xc00c, dg_get_u16(buf + 33), "answer owner points at the qname");
	is_int(0xc010, dg_get_u16(buf + 49), "CNAME target suffix points at example.com");
	is_int(0xc02d, dg_get_u16(buf + 51), "A owner points into CNAME RDATA");
	is_int('E', buf[17], "first occurrence keeps its case");

	/* The parser, an independent reader, agrees with the counts. */
	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, len, NULL);
	is_err(DG_OK, r, "reference message parses");
	if (r == DG_OK) {
		is_int(3 + 3 + 6, pkt.rrcount, "12 records (OPT included)");
		ok(pkt.opt_idx == 11, "OPT is the last record");
		dg_pkt_free(&pkt, NULL);
	}
}

/* SRV and DNAME RDATA names are neither compressed nor pointer targets. */
static void test_uncompressed_types(void)
{
	uint8_t buf[512], rd[128];
	struct dg_pb pb;
	int bad = 0;

	bad |= dg_pb_init(&pb, buf, sizeof(buf), sizeof(buf), 1, 0x8000);
	bad |= dg_pb_question(&pb, N("www.example.com."), T_SRV, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= dg_pb_rr(&pb, N("www.example.com."), T_SRV, IN, 60, rd,
			rd_srv(rd, 1, 2, 3, "sip.example.com."));
	/* 33: c00c type class ttl rdlen(2) = 45, SRV fixed 6 -> target at 51 */
	size_t t1 = 51;
	bad |= dg_pb_rr(&pb, N("d.example.com."), T_DNAME, IN, 60, rd,
			rd_name(rd, "sip.example.com."));
	size_t o2 = t1 + 17;           /* owner of the DNAME */
	size_t t2 = o2 + 1 + 2 + 2 + 2 + 4 + 2 + 1; /* "d" label, ptr, fixed */
	bad |= dg_pb_rr(&pb, N("sip.example.com."), T_A, IN, 60, rd, rd_a(rd, "192.0.2.1"));
	size_t o3 = t2 + 17;
	size_t len = dg_pb_finish(&pb);
	ok(bad == 0, "records written");
	is_bytes(N("sip.example.com."), 17, buf + t1, 17, "SRV target written in full");
	is_bytes(N("sip.example.com."), 17, buf + t2, 17, "DNAME target written in full");
	is_bytes("\003sip\300\020", 6, buf + o3, 6,
		 "later 'sip' owner is not pointed into SRV/DNAME RDATA");
	is_int(o3 + 6 + 14, len, "message length");
}

/* MX, SOA (two names), MINFO (two names) compress inside RDATA. */
static void test_rdata_compression(void)
{
	static const uint32_t soa_t[5] = { 1, 2, 3, 4, 5 };
	uint8_t buf[512], rd[256];
	struct dg_pb pb;
	int bad = 0;

	bad |= dg_pb_init(&pb, buf, sizeof(buf), sizeof(buf), 1, 0x8000);
	bad |= dg_pb_question(&pb, N("example.com."), T_SOA, IN); /* at 12, com at 20 */
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= dg_pb_rr(&pb, N("example.com."), T_SOA, IN, 60, rd,
			rd_soa(rd, "example.com.", "hostmaster.com.", soa_t));
	/* 29: c00c + 10 fixed = 41: mname c00c, rname 0a hostmaster c014 */
	is_int(0xc00c, dg_get_u16(buf + 41), "SOA mname is a pointer");
	is_bytes("\012hostmaster\300\024", 13, buf + 43, 13, "SOA rname suffix compressed");
	is_int(2 + 13 + 20, dg_get_u16(buf + 39), "SOA RDLENGTH is the compressed length");
	bad |= dg_pb_rr(&pb, N("example.com."), T_MX, IN, 60, rd, rd_mx(rd, 5, "hostmaster.com."));
	/* 76: c00c + 10 = 88: pref, then c02b (hostmaster in SOA RDATA at 43) */
	is_int(0xc02b, dg_get_u16(buf + 90), "MX exchange points into SOA RDATA");
	uint16_t l = rd_name(rd, "a.example.com.");
	l = (uint16_t)(l + rd_name(rd + l, "b.hostmaster.com."));
	bad |= dg_pb_rr(&pb, N("example.com."), T_MINFO, IN, 60, rd, l);
	/* 92: c00c + 10 = 104: 01 a c00c, 01 b c02b */
	is_bytes("\001a\300\014\001b\300\053", 8, buf + 104, 8, "MINFO: both names compressed");
	is_int(112, dg_pb_finish(&pb), "message length");
	ok(bad == 0, "records written");
}

/* Fills the answer section with TXT records until len passes 'target'. */
static int fill_txt(struct dg_pb *pb, size_t target)
{
	uint8_t rd[256];
	memset(rd, 'x', sizeof(rd));
	rd[0] = 255;
	int bad = 0;
	while (pb->len < target)
		bad |= dg_pb_rr(pb, N("www.example.com."), T_TXT, IN, 60, rd, 256);
	return bad;
}

/* RFC 1035 §4.1.4: the offset is 14 bits, so names at or after 0x4000 are
 * never pointer targets. */
static void test_pointer_range(void)
{
	size_t sz = 20000;
	uint8_t *buf = malloc(sz), rd[8];
	struct dg_pb pb;
	int bad = 0;

	bad |= dg_pb_init(&pb, buf, sz, sz, 1, 0x8000);
	bad |= dg_pb_question(&pb, N("www.example.com."), T_A, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= fill_txt(&pb, 0x4000);
	size_t o1 = pb.len;
	bad |= dg_pb_rr(&pb, N("new.example.org."), T_A, IN, 60, rd, rd_a(rd, "192.0.2.1"));
	size_t o2 = pb.len;
	bad |= dg_pb_rr(&pb, N("x.NEW.example.org."), T_A, IN, 60, rd, rd_a(rd, "192.0.2.1"));
	size_t o3 = pb.len;
	bad |= dg_pb_rr(&pb, N("abc.example.com."), T_A, IN, 60, rd, rd_a(rd, "192.0.2.1"));
	dg_pb_finish(&pb);
	ok(bad == 0, "records written");
	ok(o1 >= 0x4000, "test name lies past 0x4000 (%zu)", o1);
	is_bytes(N("new.example.org."), 17, buf + o1, 17, "name past 0x4000 written in full");
	is_bytes(N("x.NEW.example.org."), 19, buf + o2, 19,
		 "no pointer to a name past 0x4000");
	is_bytes("\003abc\300\020", 6, buf + o3, 6, "a target below 0x4000 is still used");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, pb.len, NULL);
	is_err(DG_OK, r, "large message parses");
	if (r == DG_OK)
		dg_pkt_free(&pkt, NULL);
	free(buf);
}

/* Writes n A records of one RRset for owner, stopping at the first error. */
static int put_a_rrset(struct dg_pb *pb, const char *owner, int n)
{
	uint8_t rd[4] = { 192, 0, 2, 0 };
	for (int i = 0; i < n; i++) {
		rd[3] = (uint8_t)i;
		int r = dg_pb_rr(pb, N(owner), T_A, IN, 60, rd, 4);
		if (r < 0)
			return r;
	}
	return DG_OK;
}

#define CANARY 0xa5
#define SLACK 64

static bool canary_intact(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != CANARY)
			return false;
	}
	return true;
}

/* RFC 2181 §9: 40 records of one RRset do not fit in 512; the whole RRset
 * goes, TC is set, and the counts match. Question: 33 octets; each A with
 * a compressed owner: 16, so the 30th record is the first not to fit. */
static void test_truncate_one_rrset(void)
{
	uint8_t buf[512 + SLACK];
	struct dg_pb pb;
	memset(buf, CANARY, sizeof(buf));

	is_err(DG_OK, dg_pb_init(&pb, buf, sizeof(buf), 512, 7, 0x8180), "init, limit 512");
	is_err(DG_OK, dg_pb_question(&pb, N("www.example.com."), T_A, IN), "question");
	is_err(DG_OK, dg_pb_section(&pb, DG_SEC_ANSWER), "to answer");
	is_err(DG_ETRUNCATED, put_a_rrset(&pb, "www.example.com.", 40), "40 A records truncate");
	size_t len = dg_pb_finish(&pb);
	is_int(33, len, "whole RRset rolled back");
	is_int(0, dg_get_u16(buf + 6), "ANCOUNT 0");
	is_int(1, dg_get_u16(buf + 4), "QDCOUNT still 1");
	ok((dg_get_u16(buf + 2) & DG_FLAG_TC) != 0, "TC set");
	is_int(0x8180 | DG_FLAG_TC, dg_get_u16(buf + 2), "other flags kept");
	ok(canary_intact(buf + 512, SLACK), "nothing written past the limit");

	uint8_t rd[4] = { 0 };
	is_err(DG_ETRUNCATED, dg_pb_rr(&pb, N("a."), T_A, IN, 1, rd, 4), "later records refused");
	dg_pb_set_flags(&pb, 0x8180);
	ok((dg_pb_flags(&pb) & DG_FLAG_TC) != 0, "set_flags cannot clear TC after truncation");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, len, NULL);
	is_err(DG_OK, r, "truncated message parses");
	if (r == DG_OK) {
		is_int(0, pkt.rrcount, "parser sees no record");
		dg_pkt_free(&pkt, NULL);
	}
}

/* Two RRsets where only the first fits: the first stays whole. */
static void test_truncate_second_rrset(void)
{
	uint8_t buf[512 + SLACK];
	struct dg_pb pb;
	int bad = 0;
	memset(buf, CANARY, sizeof(buf));

	bad |= dg_pb_init(&pb, buf, sizeof(buf), 512, 7, 0x8180);
	bad |= dg_pb_question(&pb, N("www.example.com."), T_A, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= put_a_rrset(&pb, "www.example.com.", 10); /* 33 + 10 * 16 = 193 */
	ok(bad == 0, "first RRset written");
	is_err(DG_ETRUNCATED, put_a_rrset(&pb, "web.example.com.", 30), "second RRset truncates");
	size_t len = dg_pb_finish(&pb);
	is_int(193, len, "cut at the end of the first RRset");
	is_int(10, dg_get_u16(buf + 6), "ANCOUNT 10");
	ok((dg_get_u16(buf + 2) & DG_FLAG_TC) != 0, "TC set");
	ok(canary_intact(buf + 512, SLACK), "nothing written past the limit");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, len, NULL);
	is_err(DG_OK, r, "truncated message parses");
	if (r == DG_OK) {
		is_int(10, pkt.rrcount, "parser sees the 10 kept records");
		is_int(9, pkt.wire[pkt.rr[9].rdata_off + 3], "last kept record is the 10th");
		dg_pkt_free(&pkt, NULL);
	}
}

/* Truncation in the additional section leaves answer and authority alone;
 * a reservation keeps room for the OPT, which still gets written. */
static void test_truncate_keeps_opt(void)
{
	uint8_t buf[512 + SLACK];
	struct dg_pb pb;
	struct dg_edns e;
	int bad = 0;
	memset(buf, CANARY, sizeof(buf));

	dg_edns_init(&e, 1232);
	bad |= dg_pb_init(&pb, buf, sizeof(buf), 512, 7, 0x8180);
	bad |= dg_pb_reserve(&pb, dg_edns_wire_size(&e));
	bad |= dg_pb_question(&pb, N("www.example.com."), T_A, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	bad |= put_a_rrset(&pb, "www.example.com.", 2);
	bad |= dg_pb_section(&pb, DG_SEC_AUTHORITY);
	bad |= put_a_rrset(&pb, "ns.example.com.", 1);
	bad |= dg_pb_section(&pb, DG_SEC_ADDITIONAL);
	ok(bad == 0, "answer and authority written");
	is_err(DG_ETRUNCATED, put_a_rrset(&pb, "x.example.com.", 40), "additional truncates");
	is_err(DG_OK, dg_edns_write(&pb, &e, 0), "OPT still fits in the reservation");
	size_t len = dg_pb_finish(&pb);
	ok(len <= 512, "within the limit (%zu)", len);
	is_int(2, dg_get_u16(buf + 6), "ANCOUNT 2");
	is_int(1, dg_get_u16(buf + 8), "NSCOUNT 1");
	is_int(1, dg_get_u16(buf + 10), "ARCOUNT 1 (the OPT)");
	ok(canary_intact(buf + 512, SLACK), "nothing written past the limit");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, len, NULL);
	is_err(DG_OK, r, "message parses");
	if (r == DG_OK) {
		is_int(3, pkt.opt_idx, "OPT follows the kept records");
		dg_pkt_free(&pkt, NULL);
	}
}

/* Every limit from the header up to a full message: never past the limit,
 * the result always parses and its counts match; the buffer is exactly
 * 'limit' bytes on the heap so ASan sees any overrun. */
static void test_every_limit(void)
{
	static const uint32_t soa_t[5] = { 1, 2, 3, 4, 5 };
	uint8_t rd[128];
	int bad_parse = 0, bad_len = 0, bad_tc = 0;

	for (size_t limit = 12; limit <= 200; limit++) {
		uint8_t *buf = malloc(limit);
		struct dg_pb pb;
		int r = dg_pb_init(&pb, buf, limit, limit, 9, 0x8000);
		if (r == DG_OK && dg_pb_question(&pb, N("www.example.com."), T_A, IN) == DG_OK &&
		    dg_pb_section(&pb, DG_SEC_ANSWER) == DG_OK) {
			r = put_a_rrset(&pb, "www.example.com.", 3);
			if (r == DG_OK)
				r = dg_pb_rr(&pb, N("example.com."), T_SOA, IN, 60, rd,
					     rd_soa(rd, "ns.example.com.", "h.example.com.", soa_t));
			if (r == DG_OK)
				r = dg_pb_rr(&pb, N("mail.example.com."), T_MX, IN, 60, rd,
					     rd_mx(rd, 1, "mx.example.net."));
		}
		size_t len = dg_pb_finish(&pb);
		bad_len += len > limit;
		bad_tc += (r == DG_ETRUNCATED) != ((dg_get_u16(buf + 2) & DG_FLAG_TC) != 0);
		struct dg_pkt pkt;
		if (dg_pkt_parse(&pkt, buf, len, NULL) == DG_OK)
			dg_pkt_free(&pkt, NULL);
		else
			bad_parse++;
		free(buf);
	}
	is_int(0, bad_len, "no message longer than its limit");
	is_int(0, bad_tc, "TC set exactly when truncated");
	is_int(0, bad_parse, "every truncated message parses");
}

static void test_misuse(void)
{
	uint8_t buf[64], rd[64];
	struct dg_pb pb;

	is_err(DG_ESPACE, dg_pb_init(&pb, buf, sizeof(buf), 11, 0, 0), "limit below a header");
	is_err(DG_EINVAL, dg_pb_init(&pb, buf, sizeof(buf), 65, 0, 0), "limit past the buffer");
	is_err(DG_OK, dg_pb_init(&pb, buf, sizeof(buf), sizeof(buf), 0, 0), "init");
	is_err(DG_EINVAL, dg_pb_rr(&pb, N("a."), T_A, IN, 1, rd, rd_a(rd, "192.0.2.1")),
	       "record in the question section");
	is_err(DG_ESPACE,
	       dg_pb_question(&pb, N("a-rather-long-label-that-will-not-fit-at-all.example.com."),
			      T_A, IN),
	       "question that does not fit");
	is_int(12, dg_pb_finish(&pb), "failed question leaves the header only");
	is_int(0, dg_get_u16(buf + 4), "QDCOUNT 0");
	is_err(DG_OK, dg_pb_section(&pb, DG_SEC_AUTHORITY), "skip to authority");
	is_err(DG_EINVAL, dg_pb_section(&pb, DG_SEC_ANSWER), "no going back");
	is_err(DG_EINVAL, dg_pb_question(&pb, N("a."), T_A, IN), "no question after records");
	is_err(DG_EINVAL, dg_pb_rr(&pb, N("a."), T_SOA, IN, 1, rd, rd_name(rd, "b.")),
	       "SOA without its 20 octets");
	is_err(DG_EINVAL, dg_pb_rr(&pb, N("a."), T_MX, IN, 1, rd, 1), "MX shorter than 2");
	rd[0] = 5;
	is_err(DG_EINVAL, dg_pb_rr(&pb, N("a."), T_NS, IN, 1, rd, 3), "NS with a broken name");
	is_int(12, dg_pb_finish(&pb), "rejected records leave no trace");
	is_err(DG_ESPACE, dg_pb_reserve(&pb, 60), "reservation larger than what is left");
	is_err(DG_OK, dg_pb_reserve(&pb, 52), "reservation of all that is left");
	is_err(DG_ETRUNCATED, dg_pb_rr(&pb, N("a."), T_A, IN, 1, rd, rd_a(rd, "192.0.2.1")),
	       "reserved room is not for dg_pb_rr");
}

/* More names than the table holds: later names still compress against the
 * remembered ones, and the message stays valid. */
static void test_table_full(void)
{
	uint8_t buf[8192], rd[4] = { 192, 0, 2, 1 };
	struct dg_pb pb;
	char name[64];
	int bad = 0;

	bad |= dg_pb_init(&pb, buf, sizeof(buf), sizeof(buf), 1, 0x8000);
	bad |= dg_pb_question(&pb, N("example.com."), T_A, IN);
	bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
	for (int i = 0; i < 3 * DG_PB_COMP_MAX; i++) {
		snprintf(name, sizeof(name), "h%d.example.com.", i);
		bad |= dg_pb_rr(&pb, N(name), T_A, IN, 60, rd, 4);
	}
	size_t before = pb.len;
	bad |= dg_pb_rr(&pb, N("h99.example.com."), T_A, IN, 60, rd, 4);
	ok(bad == 0, "records written");
	is_int(DG_PB_COMP_MAX, pb.ncomp, "table full");
	is_bytes("\003h99\300\014", 6, buf + before, 6, "name past the table still uses its suffix");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, dg_pb_finish(&pb), NULL);
	is_err(DG_OK, r, "message parses");
	if (r == DG_OK)
		dg_pkt_free(&pkt, NULL);
}

int main(void)
{
	test_hand_computed();
	test_dnspython_reference();
	test_uncompressed_types();
	test_rdata_compression();
	test_pointer_range();
	test_truncate_one_rrset();
	test_truncate_second_rrset();
	test_truncate_keeps_opt();
	test_every_limit();
	test_misuse();
	test_table_full();
	return tap_done();
}
