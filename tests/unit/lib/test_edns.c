/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests edns.c: an OPT with DO, payload size, ECS and cookie written and
 * read back (through the parser and from raw RDATA), the 12-bit RCODE split
 * across header and OPT (BADVERS), RFC 8467 block padding, and the option
 * decoders' format rules (RFC 7871 §6, RFC 7873 §5.2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/dname.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/pktbuild.h"
#include "lib/wire.h"
#include "tap.h"

/* "\3www\7example\3com" */
static const uint8_t qname[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				 3, 'c', 'o', 'm', 0 };

static int start_query(struct dg_pb *pb, uint8_t *buf, size_t sz)
{
	int bad = dg_pb_init(pb, buf, sz, sz, 0xbeef, DG_FLAG_RD);
	bad |= dg_pb_question(pb, qname, 1, 1);
	return bad;
}

static void test_roundtrip(void)
{
	static const uint8_t cookie_raw[24] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
						13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 };
	struct dg_ecs ecs = { .family = DG_ECS_FAMILY_IP4, .source_prefix = 24,
			      .addr = { 198, 51, 100, 77 } }; /* host bits get cleared */
	struct dg_cookie ck;
	uint8_t buf[512], ecsbuf[20], ckbuf[40];
	struct dg_pb pb;
	struct dg_edns e, got;

	is_err(DG_OK, dg_cookie_parse(&ck, cookie_raw, sizeof(cookie_raw)), "cookie parses");
	int elen = dg_ecs_write(&ecs, ecsbuf, sizeof(ecsbuf));
	int clen = dg_cookie_write(&ck, ckbuf, sizeof(ckbuf));
	is_int(7, elen, "ECS /24 is 4 + 3 octets");
	is_int(24, clen, "cookie is 8 + 16 octets");
	is_bytes("\000\001\030\000\306\063\144", 7, ecsbuf, 7, "ECS bytes, host octet dropped");

	dg_edns_init(&e, 1232);
	e.flags = DG_EDNS_DO;
	int bad = start_query(&pb, buf, sizeof(buf));
	bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_ECS, (uint16_t)elen, ecsbuf);
	bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_COOKIE, (uint16_t)clen, ckbuf);
	bad |= dg_edns_add_opt(&e, 65001, 0, NULL); /* unknown and empty */
	is_int(DG_EDNS_OPT_FIXED + 11 + 28 + 4, dg_edns_wire_size(&e), "OPT wire size");
	is_err(DG_OK, dg_edns_write(&pb, &e, 0), "OPT written");
	size_t len = dg_pb_finish(&pb);
	ok(bad == 0, "query built");
	is_int(33 + dg_edns_wire_size(&e), len, "message length = question + OPT");
	/* 33: 00 | 0029 | 04d0 | 00 00 8000 | rdlen */
	is_bytes("\000\000\051\004\320\000\000\200\000", 9, buf + 33, 9, "OPT header bytes");

	struct dg_pkt pkt;
	int r = dg_pkt_parse(&pkt, buf, len, NULL);
	is_err(DG_OK, r, "the parser accepts it");
	if (r != DG_OK)
		return;
	is_err(DG_OK, dg_edns_parse(&got, &pkt), "OPT read back from the parsed message");
	is_int(1232, got.udp_size, "payload size 1232");
	ok(dg_edns_do(&got), "DO set");
	is_int(0, got.version, "version 0");
	is_int(3, got.nopts, "three options");

	const struct dg_edns_opt *o = dg_edns_find(&got, DG_EDNS_OPT_ECS);
	struct dg_ecs ecs2;
	ok(o != NULL, "ECS found");
	if (o != NULL) {
		is_err(DG_OK, dg_ecs_parse(&ecs2, o->data, o->len), "ECS parses");
		is_int(24, ecs2.source_prefix, "source /24");
		is_bytes("\306\063\144\000", 4, ecs2.addr, 4, "address 198.51.100.0");
	}
	o = dg_edns_find(&got, DG_EDNS_OPT_COOKIE);
	struct dg_cookie ck2;
	ok(o != NULL, "cookie found");
	if (o != NULL) {
		is_err(DG_OK, dg_cookie_parse(&ck2, o->data, o->len), "cookie parses");
		is_bytes(cookie_raw, 8, ck2.client, 8, "client cookie");
		is_int(16, ck2.server_len, "server cookie length");
		is_bytes(cookie_raw + 8, 16, ck2.server, ck2.server_len, "server cookie");
	}
	o = dg_edns_find(&got, 65001);
	ok(o != NULL && o->len == 0, "empty unknown option kept");
	ok(dg_edns_find(&got, DG_EDNS_OPT_PADDING) == NULL, "no padding option");

	/* the same from the raw record, as the query path does it */
	const struct dg_rr *rr = &pkt.rr[pkt.opt_idx];
	struct dg_edns raw;
	dg_edns_parse_ttl(&raw, rr->rclass, rr->ttl);
	is_err(DG_OK, dg_edns_parse_rdata(&raw, pkt.wire + rr->rdata_off, rr->rdlen),
	       "raw RDATA parses");
	ok(raw.udp_size == 1232 && dg_edns_do(&raw) && raw.nopts == 3, "raw parse agrees");
	dg_pkt_free(&pkt, NULL);

	pkt = (struct dg_pkt){ .wire = buf, .len = len, .opt_idx = -1 };
	is_err(DG_ENOTFOUND, dg_edns_parse(&got, &pkt), "no OPT: DG_ENOTFOUND");
}

/* RFC 6891 §6.1.3: BADVERS (16) is 0 in the header and 1 in the OPT. */
static void test_ext_rcode(void)
{
	uint8_t buf[128];
	struct dg_pb pb;
	struct dg_edns e, got;

	dg_edns_init(&e, 1232);
	int bad = start_query(&pb, buf, sizeof(buf));
	dg_pb_set_flags(&pb, DG_FLAG_QR | DG_FLAG_RD);
	is_err(DG_OK, dg_edns_set_rcode(&e, &pb, DG_RCODE_BADVERS), "set BADVERS");
	is_int(0, DG_RCODE(dg_pb_flags(&pb)), "header RCODE 0");
	is_int(1, e.ext_rcode, "OPT upper bits 1");
	is_int(DG_FLAG_QR | DG_FLAG_RD, dg_pb_flags(&pb), "other flags kept");
	bad |= dg_edns_write(&pb, &e, 0);
	size_t len = dg_pb_finish(&pb);
	ok(bad == 0, "response built");
	is_int(1, buf[33 + 5], "TTL's top octet is 1");

	struct dg_pkt pkt;
	if (dg_pkt_parse(&pkt, buf, len, NULL) == DG_OK) {
		is_err(DG_OK, dg_edns_parse(&got, &pkt), "OPT parses");
		is_int(DG_RCODE_BADVERS, dg_edns_full_rcode(&got, pkt.hdr.flags),
		       "full RCODE joins back to 16");
		dg_pkt_free(&pkt, NULL);
	} else {
		ok(0, "response parses");
	}

	is_err(DG_OK, dg_edns_set_rcode(&e, &pb, 0x123), "12-bit RCODE");
	is_int(3, DG_RCODE(dg_pb_flags(&pb)), "low nibble in the header");
	is_int(0x12, e.ext_rcode, "high octet in the OPT");
	is_int(0x123, dg_edns_full_rcode(&e, dg_pb_flags(&pb)), "joined");
	is_err(DG_EINVAL, dg_edns_set_rcode(&e, &pb, 0x1000), "13 bits refused");
	is_err(DG_EINVAL, dg_edns_set_rcode(NULL, &pb, 16), "above 15 needs an OPT");
	is_err(DG_OK, dg_edns_set_rcode(NULL, &pb, 5), "REFUSED without OPT");
	is_int(5, dg_edns_full_rcode(NULL, dg_pb_flags(&pb)), "no OPT: header only");
}

/* RFC 8467 §4.1: pad to a multiple of the block size (128 for queries). */
static void test_padding(void)
{
	static const uint8_t cookie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t old_pad[3] = { 0, 0, 0 };
	uint8_t buf[1024], rd[200];
	int bad_mod = 0, bad_zero = 0, bad_parse = 0;

	memset(rd, 'x', sizeof(rd));
	/* vary the length before the OPT across all residues mod 128 */
	for (int extra = 0; extra < 140; extra++) {
		struct dg_pb pb;
		struct dg_edns e;
		dg_edns_init(&e, 1232);
		int bad = start_query(&pb, buf, sizeof(buf));
		bad |= dg_pb_section(&pb, DG_SEC_ANSWER);
		rd[0] = (uint8_t)extra;
		bad |= dg_pb_rr(&pb, qname, 16, 1, 60, rd, (uint16_t)(extra + 1));
		bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_COOKIE, 8, cookie);
		bad |= dg_edns_add_opt(&e, DG_EDNS_OPT_PADDING, 3, old_pad); /* replaced */
		bad |= dg_edns_write(&pb, &e, 128);
		size_t len = dg_pb_finish(&pb);
		bad_mod += bad != 0 || len % 128 != 0;

		struct dg_pkt pkt;
		struct dg_edns got;
		if (dg_pkt_parse(&pkt, buf, len, NULL) != DG_OK || dg_edns_parse(&got, &pkt) != 0) {
			bad_parse++;
			continue;
		}
		const struct dg_edns_opt *p = dg_edns_find(&got, DG_EDNS_OPT_PADDING);
		bad_parse += got.nopts != 2 || p == NULL || p != &got.opts[1];
		for (uint16_t i = 0; p != NULL && i < p->len; i++)
			bad_zero += p->data[i] != 0;
		dg_pkt_free(&pkt, NULL);
	}
	is_int(0, bad_mod, "every padded length is a multiple of 128");
	is_int(0, bad_parse, "one Padding option, after the cookie, replacing the caller's");
	is_int(0, bad_zero, "padding octets are zero");

	/* next multiple past the limit: pad to the limit */
	struct dg_pb pb;
	struct dg_edns e;
	dg_edns_init(&e, 512);
	int bad = dg_pb_init(&pb, buf, sizeof(buf), 100, 1, 0);
	bad |= dg_pb_question(&pb, qname, 1, 1);
	is_err(DG_OK, dg_edns_write(&pb, &e, 128), "padding near the limit");
	is_int(100, dg_pb_finish(&pb), "padded up to the limit");
	ok(bad == 0, "setup");
}

static void test_write_errors(void)
{
	uint8_t buf[64];
	struct dg_pb pb;
	struct dg_edns e;
	static const uint8_t big[40] = { 0 };

	dg_edns_init(&e, 1232);
	int bad = dg_pb_init(&pb, buf, sizeof(buf), 50, 1, 0);
	bad |= dg_pb_question(&pb, qname, 1, 1); /* 33 */
	bad |= dg_edns_add_opt(&e, 99, sizeof(big), big);
	ok(bad == 0, "setup");
	is_err(DG_ESPACE, dg_edns_write(&pb, &e, 0), "OPT that does not fit");
	is_int(33, dg_pb_finish(&pb), "message unchanged");
	is_int(0, dg_get_u16(buf + 10), "ARCOUNT 0");

	for (int i = e.nopts; i < DG_EDNS_MAX_OPTS; i++)
		bad |= dg_edns_add_opt(&e, 99, 0, NULL);
	is_err(DG_ELIMIT, dg_edns_add_opt(&e, 99, 0, NULL), "option table full");
}

static void test_parse_rdata_errors(void)
{
	struct dg_edns e;
	uint8_t rd[4 * (DG_EDNS_MAX_OPTS + 1)] = { 0 };

	is_err(DG_OK, dg_edns_parse_rdata(&e, rd, 0), "empty RDATA");
	is_int(0, e.nopts, "no options");
	memcpy(rd, "\000\012\000", 3);
	is_err(DG_EOPT_TRUNC, dg_edns_parse_rdata(&e, rd, 3), "option header cut short");
	memcpy(rd, "\000\012\000\010\001\002", 6);
	is_err(DG_EOPT_TRUNC, dg_edns_parse_rdata(&e, rd, 6), "option data past RDATA");
	memset(rd, 0, sizeof(rd));
	is_err(DG_OK, dg_edns_parse_rdata(&e, rd, 4 * DG_EDNS_MAX_OPTS), "16 options");
	is_err(DG_ELIMIT, dg_edns_parse_rdata(&e, rd, sizeof(rd)), "17 options");
	/* one more, running past the RDATA: that is the answer, not the count
	 * (found by fuzz_pcache: the wire editors walked into it) */
	uint8_t rd2[4 * (DG_EDNS_MAX_OPTS + 2)] = { 0 };
	dg_put_u16(rd2 + 4 * (DG_EDNS_MAX_OPTS + 1) + 2, 40);
	is_err(DG_EOPT_TRUNC, dg_edns_parse_rdata(&e, rd2, sizeof(rd2)),
	       "18 options, the last one cut short");
	/* the same RDATA in an answer's OPT: the in-place editors refuse it */
	uint8_t msg[DG_HDR_LEN + DG_EDNS_OPT_FIXED + sizeof(rd2)] = { 0 };
	dg_put_u16(msg + 10, 1); /* ARCOUNT */
	dg_put_u16(msg + DG_HDR_LEN + 1, 41);
	dg_put_u16(msg + DG_HDR_LEN + 3, 4096);
	dg_put_u16(msg + DG_HDR_LEN + 9, sizeof(rd2));
	memcpy(msg + DG_HDR_LEN + DG_EDNS_OPT_FIXED, rd2, sizeof(rd2));
	ok(dg_edns_wire_remove_option(msg, sizeof(msg), DG_HDR_LEN, 8) < 0,
	   "removing an option from that OPT is refused");
	ok(dg_edns_wire_find_option(msg, sizeof(msg), DG_HDR_LEN, 8) < 0,
	   "and finding one too");

	e.udp_size = 100;
	is_int(512, dg_edns_payload(&e), "payload below 512 counts as 512");
	e.udp_size = 4096;
	is_int(4096, dg_edns_payload(&e), "payload 4096 kept");
	dg_edns_parse_ttl(&e, 1400, 0x01027fffu);
	ok(e.udp_size == 1400 && e.ext_rcode == 1 && e.version == 2 && e.flags == 0x7fff &&
		   !dg_edns_do(&e),
	   "TTL fields split (Z bits kept, DO clear)");
}

/* RFC 7871 §6 format rules: each violation is DG_ERDATA_FORMAT. */
static void test_ecs(void)
{
	static const struct {
		const char *hex, *what;
		int err;
	} cases[] = {
		{ "0001 1800 c00002", "IPv4 /24", DG_OK },
		{ "0001 0000", "IPv4 /0, no address", DG_OK },
		{ "0002 3800 20010db8000000", "IPv6 /56", DG_OK },
		{ "0001 2000 c0000201", "IPv4 /32", DG_OK },
		{ "0001 1710 c00002", "IPv4 /23 scope 16", DG_OK },
		{ "0003 1800 c00002", "family 3", DG_ERDATA_FORMAT },
		{ "0001 2100 c000020100", "IPv4 /33", DG_ERDATA_FORMAT },
		{ "0002 8100 20010db8000000000000000000000000 00", "IPv6 /129", DG_ERDATA_FORMAT },
		{ "0001 1800 c0000200", "address longer than the prefix", DG_ERDATA_FORMAT },
		{ "0001 1800 c000", "address shorter than the prefix", DG_ERDATA_FORMAT },
		{ "0001 1700 c00003", "bit set past /23", DG_ERDATA_FORMAT },
		{ "0001 1821 c00002", "IPv4 scope 33", DG_ERDATA_FORMAT },
		{ "0001 18", "shorter than the fixed part", DG_ERDATA_FORMAT },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(cases); i++) {
		uint8_t data[32];
		struct dg_ecs ecs;
		int n = tap_hex_decode(cases[i].hex, data, sizeof(data));
		is_err(cases[i].err, dg_ecs_parse(&ecs, data, (uint16_t)n), "ECS %s", cases[i].what);
	}

	struct dg_ecs v6 = { .family = DG_ECS_FAMILY_IP6, .source_prefix = 57,
			     .addr = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 0xff, 0xff } };
	uint8_t out[32], small[8];
	is_int(12, dg_ecs_write(&v6, out, sizeof(out)), "IPv6 /57 writes 4 + 8");
	is_int(0x80, out[11], "last octet keeps only its first bit");
	struct dg_ecs back;
	is_err(DG_OK, dg_ecs_parse(&back, out, 12), "what we write parses");
	is_err(DG_ESPACE, dg_ecs_write(&v6, small, sizeof(small)), "small output");
	v6.source_prefix = 129;
	is_err(DG_EINVAL, dg_ecs_write(&v6, out, sizeof(out)), "prefix too long to write");
}

/* RFC 7873 §5.2.2 lengths: 8, or 16 to 40. */
static void test_cookie(void)
{
	static const int lens[] = { 0, 7, 8, 9, 15, 16, 40, 41 };
	static const int errs[] = { DG_ERDATA_FORMAT, DG_ERDATA_FORMAT, DG_OK, DG_ERDATA_FORMAT,
				    DG_ERDATA_FORMAT, DG_OK, DG_OK, DG_ERDATA_FORMAT };
	uint8_t data[41], out[40];
	struct dg_cookie c;

	for (int i = 0; i < 41; i++)
		data[i] = (uint8_t)i;
	for (size_t i = 0; i < DG_ARRAY_SIZE(lens); i++)
		is_err(errs[i], dg_cookie_parse(&c, data, (uint16_t)lens[i]), "cookie length %d",
		       lens[i]);
	is_err(DG_OK, dg_cookie_parse(&c, data, 8), "client-only cookie");
	is_int(0, c.server_len, "no server cookie");
	is_int(8, dg_cookie_write(&c, out, sizeof(out)), "writes 8");
	is_bytes(data, 8, out, 8, "client cookie bytes");
	c.server_len = 7;
	is_err(DG_EINVAL, dg_cookie_write(&c, out, sizeof(out)), "server cookie of 7 refused");
	c.server_len = 32;
	is_err(DG_ESPACE, dg_cookie_write(&c, out, 39), "output too small");
}

/* Parses msg strictly and returns its OPT's options in e (false if none). */
static bool reparse(const uint8_t *msg, size_t len, struct dg_edns *e, const char *what)
{
	struct dg_pkt p;
	int r = dg_pkt_parse(&p, msg, len, NULL);
	is_err(DG_OK, r, "%s: message still parses", what);
	if (r != DG_OK)
		return false;
	bool has = dg_edns_parse(e, &p) == DG_OK;
	dg_pkt_free(&p, NULL);
	return has;
}

static void test_wire_add_and_set(void)
{
	static const uint8_t ecs1[] = { 0, 1, 24, 0, 192, 0, 2 };
	static const uint8_t ecs2[] = { 0, 1, 16, 0, 10, 1 };
	uint8_t buf[128];
	struct dg_pb pb;
	struct dg_edns e;
	ok(start_query(&pb, buf, sizeof(buf)) == 0, "query without OPT built");
	int len = (int)dg_pb_finish(&pb);

	is_err(DG_ENOTFOUND, dg_edns_wire_find(buf, (size_t)len), "no OPT found");
	is_err(DG_ESPACE, dg_edns_wire_add_opt(buf, (size_t)len, (size_t)len + 10, 512),
	       "no room for an OPT");
	int n = dg_edns_wire_add_opt(buf, (size_t)len, sizeof(buf), 512);
	is_int(len + DG_EDNS_OPT_FIXED, n, "empty OPT appended");
	is_int(1, buf[11], "ARCOUNT incremented");
	size_t opt = (size_t)len;
	is_int((int)opt, dg_edns_wire_find(buf, (size_t)n), "the new OPT is found");
	ok(reparse(buf, (size_t)n, &e, "added OPT") && e.udp_size == 512 && e.nopts == 0,
	   "OPT with payload 512 and no options");

	is_err(DG_ENOTFOUND, dg_edns_wire_find_option(buf, (size_t)n, opt, DG_EDNS_OPT_ECS),
	       "no ECS yet");
	n = dg_edns_wire_set_option(buf, (size_t)n, sizeof(buf), opt, 65001, NULL, 0);
	n = dg_edns_wire_set_option(buf, (size_t)n, sizeof(buf), opt, DG_EDNS_OPT_ECS, ecs1,
				    sizeof(ecs1));
	is_int(len + DG_EDNS_OPT_FIXED + 4 + 4 + 7, n, "two options added");
	is_int((int)opt + DG_EDNS_OPT_FIXED + 4,
	       dg_edns_wire_find_option(buf, (size_t)n, opt, DG_EDNS_OPT_ECS), "ECS located");
	ok(reparse(buf, (size_t)n, &e, "ECS set") && e.nopts == 2, "two options read back");
	const struct dg_edns_opt *o = dg_edns_find(&e, DG_EDNS_OPT_ECS);
	ok(o != NULL && o->len == 7 && memcmp(o->data, ecs1, 7) == 0, "ECS bytes as given");

	int m = dg_edns_wire_set_option(buf, (size_t)n, sizeof(buf), opt, DG_EDNS_OPT_ECS, ecs2,
					sizeof(ecs2));
	is_int(n - 1, m, "replacing a 7-octet ECS by a 6-octet one");
	ok(reparse(buf, (size_t)m, &e, "ECS replaced") && e.nopts == 2, "still two options");
	o = dg_edns_find(&e, DG_EDNS_OPT_ECS);
	ok(o != NULL && o->len == 6 && memcmp(o->data, ecs2, 6) == 0, "new ECS bytes");
	is_err(DG_ESPACE, dg_edns_wire_set_option(buf, (size_t)m, (size_t)m + 3, opt, 7, NULL, 0),
	       "no room for another option");
	ok(reparse(buf, (size_t)m, &e, "after ESPACE") && e.nopts == 2,
	   "a failed set leaves the message as it was");
	is_err(DG_EINVAL, dg_edns_wire_set_option(buf, (size_t)m, sizeof(buf), 12, 7, NULL, 0),
	       "an offset that is not an OPT is refused");

	n = dg_edns_wire_remove_option(buf, (size_t)m, opt, DG_EDNS_OPT_ECS);
	is_int(m - 10, n, "ECS removed");
	ok(reparse(buf, (size_t)n, &e, "ECS removed") && e.nopts == 1 &&
	   e.opts[0].code == 65001, "the other option stays");
	is_int(n, dg_edns_wire_remove_option(buf, (size_t)n, opt, DG_EDNS_OPT_ECS),
	       "removing an absent option changes nothing");
	n = dg_edns_wire_remove_opt(buf, (size_t)n, opt);
	is_int(len, n, "OPT removed: back to the original length");
	is_int(0, buf[11], "ARCOUNT decremented");
	ok(!reparse(buf, (size_t)n, &e, "OPT removed"), "no OPT left");
}

/* A record after the OPT (where a TSIG would be) moves with every edit. */
static void test_wire_record_after_opt(void)
{
	static const uint8_t tail[] = { 0, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb };
	static const uint8_t ecs[] = { 0, 1, 24, 0, 198, 51, 100 };
	uint8_t buf[160];
	struct dg_pb pb;
	struct dg_edns e;
	dg_edns_init(&e, 1232);
	int bad = start_query(&pb, buf, sizeof(buf));
	bad |= dg_edns_write(&pb, &e, 0);
	size_t len = dg_pb_finish(&pb);
	memcpy(buf + len, tail, sizeof(tail)); /* an opaque record, type 0xff00 */
	len += sizeof(tail);
	buf[11] = 2;
	ok(bad == 0 && reparse(buf, len, &e, "OPT + record"), "OPT followed by a record");

	int opt = dg_edns_wire_find(buf, len);
	is_int(33, opt, "OPT found before the last record");
	int n = dg_edns_wire_set_option(buf, len, sizeof(buf), (size_t)opt, DG_EDNS_OPT_ECS, ecs,
					sizeof(ecs));
	is_int((int)len + 11, n, "ECS added");
	is_bytes(tail, sizeof(tail), buf + n - sizeof(tail), sizeof(tail), "record moved along");
	ok(reparse(buf, (size_t)n, &e, "ECS before a record") && dg_edns_find(&e, 8) != NULL,
	   "ECS read back");
	n = dg_edns_wire_remove_opt(buf, (size_t)n, (size_t)opt);
	is_int((int)len - DG_EDNS_OPT_FIXED, n, "OPT removed");
	is_bytes(tail, sizeof(tail), buf + 33, sizeof(tail), "record follows the question");
	is_int(1, buf[11], "one record left");

	/* A truncated message or lying counts are named, not read past. */
	is_err(DG_ERDATA_TRUNC, dg_edns_wire_find(buf, (size_t)n - 1), "cut RDATA");
	buf[11] = 3;
	is_err(DG_ECOUNT, dg_edns_wire_find(buf, (size_t)n), "lying ARCOUNT");
	is_err(DG_EHDR_SHORT, dg_edns_wire_find(buf, 5), "short header");
}

int main(void)
{
	test_roundtrip();
	test_ext_rcode();
	test_padding();
	test_write_errors();
	test_parse_rdata_errors();
	test_ecs();
	test_cookie();
	test_wire_add_and_set();
	test_wire_record_after_opt();
	return tap_done();
}
