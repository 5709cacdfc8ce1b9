/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Query parsing into fe_query and self-generated answers, checked by
 * parsing the answers back with dg_pkt_parse().
 */
#include "tap.h"

#include "frontend/conf.h"
#include "frontend/query.h"
#include "lib/edns.h"
#include "lib/rrtype.h"
#include "qhelp.h"

static struct fe_conf *conf;

static void test_parse(void)
{
	struct fe_query q;
	struct qspec s = { .name = "WwW.Example.COM.", .qtype = 28, .id = 0x1234 };
	qh_build(&q, &s);
	is_err(0, query_parse(&q, conf), "plain query parses");
	is_int(28, q.q.qtype, "qtype");
	is_int(1, q.q.qclass, "qclass");
	is_int(0x1234, q.hdr.id, "id");
	uint8_t lc[DG_DNAME_MAXLEN];
	int n = dg_dname_from_str(lc, sizeof(lc), "www.example.com.", NULL);
	is_bytes(lc, (size_t)n, q.q.qname_lc, q.q.qname_len, "qname lower-cased");
	ok(!q.has_opt, "no OPT");
	is_int(512, q.udp_size, "udp size 512 without EDNS");
	ok(q.pool == fe_conf_find_pool(conf, "") && q.pool != NULL, "default pool selected");
	is_int(AF_INET, q.client_addr.family, "client address derived from sockaddr");
	free(q.buf);

	/* Per-query state starts afresh: a dynamic block answers before
	 * rules_eval() would reset the delay, so a stale one held the answer. */
	qh_build(&q, &s);
	q.delay_ms = 777;
	q.skip_cache = true;
	q.use_ecs = false;
	is_err(0, query_parse(&q, conf), "query with stale state parses");
	is_int(0, q.delay_ms, "no DelayAction delay before the rules ran");
	ok(!q.skip_cache && q.use_ecs, "cache and ECS defaults back");
	free(q.buf);

	struct qspec e = { .name = "example.com.", .edns = true, .do_bit = true, .udp_size = 4096 };
	qh_build(&q, &e);
	is_err(0, query_parse(&q, conf), "EDNS query parses");
	ok(q.has_opt, "OPT found");
	ok(q.do_bit, "DO bit");
	is_int(4096, q.udp_size, "payload size");
	is_int(q.q.end_off, q.opt_off, "OPT right after the question");
	is_int(0, q.buf[q.opt_off], "opt_off points at the root owner");
	free(q.buf);

	struct qspec r = { .name = "example.com.", .flags = DG_FLAG_QR | DG_FLAG_RD };
	qh_build(&q, &r);
	is_err(DG_EINVAL, query_parse(&q, conf), "a response (QR) is refused");
	free(q.buf);

	qh_build(&q, &s);
	q.len = 7;
	is_err(DG_EHDR_SHORT, query_parse(&q, conf), "short header");
	free(q.buf);

	qh_build(&q, &s);
	q.buf[11] = 2; /* arcount 2, no records */
	is_err(DG_ECOUNT, query_parse(&q, conf), "lying arcount");
	free(q.buf);

	qh_build(&q, &e);
	q.len -= 1; /* cut inside the OPT's fixed part */
	ok(query_parse(&q, conf) < 0, "truncated OPT refused (%s)", dg_errname(query_parse(&q, conf)));
	free(q.buf);
}

/* Parses the answer in q and checks what every self-generated answer must hold. */
static void check_answer(struct fe_query *q, struct dg_pkt *p, const uint8_t *sent_qname,
			 size_t sent_len, const char *what)
{
	int ret = dg_pkt_parse(p, q->buf, q->len, NULL);
	is_err(0, ret, "%s: answer parses", what);
	if (ret < 0)
		return;
	is_int(q->hdr.id, p->hdr.id, "%s: ID preserved", what);
	ok(p->hdr.flags & DG_FLAG_QR, "%s: QR set", what);
	is_int(1, p->hdr.qdcount, "%s: one question", what);
	is_bytes(sent_qname, sent_len, q->buf + 12, sent_len, "%s: question echoed with its case",
		 what);
	is_int(q->q.qtype, p->q.qtype, "%s: qtype echoed", what);
}

static void test_rcode(void)
{
	struct fe_query q;
	struct dg_pkt p;
	struct qspec s = { .name = "WwW.Example.COM.", .id = 77 };
	qh_build(&q, &s);
	is_err(0, query_parse(&q, conf), "parse");
	uint8_t sent[DG_DNAME_MAXLEN];
	memcpy(sent, q.q.qname, q.q.qname_len);
	is_err(0, query_respond_rcode(&q, conf, 3), "NXDOMAIN answer built");
	check_answer(&q, &p, sent, q.q.qname_len, "rcode");
	is_int(3, DG_RCODE(p.hdr.flags), "rcode 3");
	ok(p.hdr.flags & DG_FLAG_RA, "RA copied from RD");
	ok(p.hdr.flags & DG_FLAG_RD, "RD kept");
	ok(!(p.hdr.flags & DG_FLAG_AA), "AA clear");
	is_int(0, p.rrcount, "no records, no OPT (query had none)");
	dg_pkt_free(&p, NULL);
	free(q.buf);

	struct qspec n = { .name = "example.com.", .noflags = true, .edns = true, .do_bit = true };
	qh_build(&q, &n);
	is_err(0, query_parse(&q, conf), "parse EDNS");
	memcpy(sent, q.q.qname, q.q.qname_len);
	is_err(0, query_respond_rcode(&q, conf, 5), "REFUSED built");
	check_answer(&q, &p, sent, q.q.qname_len, "refused+edns");
	ok(!(p.hdr.flags & DG_FLAG_RA), "RA clear when RD was clear");
	is_int(1, p.rrcount, "one record: OPT");
	ok(p.opt_idx == 0, "OPT present because the query had one");
	struct dg_edns ed;
	if (dg_edns_parse(&ed, &p) == 0) {
		is_int(conf->self_payload_size, ed.udp_size, "payload size from configuration");
		ok(dg_edns_do(&ed), "DO copied");
	}
	dg_pkt_free(&p, NULL);
	free(q.buf);

	conf->add_edns_to_self = false;
	qh_build(&q, &n);
	is_err(0, query_parse(&q, conf), "parse");
	is_err(0, query_respond_rcode(&q, conf, 5), "built");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	is_int(0, p.rrcount, "no OPT when setAddEDNSToSelfGeneratedResponses(false)");
	dg_pkt_free(&p, NULL);
	free(q.buf);
	conf->add_edns_to_self = true;

	qh_build(&q, &n);
	is_err(0, query_parse(&q, conf), "parse");
	is_err(0, query_respond_rcode(&q, conf, DG_RCODE_BADVERS), "BADVERS built");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	if (dg_edns_parse(&ed, &p) == 0)
		is_int(DG_RCODE_BADVERS, dg_edns_full_rcode(&ed, p.hdr.flags),
		       "extended rcode split between header and OPT");
	dg_pkt_free(&p, NULL);
	free(q.buf);
}

static void test_tc_and_records(void)
{
	struct fe_query q;
	struct dg_pkt p;
	struct qspec s = { .name = "example.com.", .id = 9 };
	qh_build(&q, &s);
	is_err(0, query_parse(&q, conf), "parse");
	is_err(0, query_respond_tc(&q, conf), "TC built");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "TC parses");
	ok(p.hdr.flags & DG_FLAG_TC, "TC set");
	is_int(0, DG_RCODE(p.hdr.flags), "NOERROR");
	is_int(0, p.rrcount, "empty");
	dg_pkt_free(&p, NULL);
	free(q.buf);

	/* 40 AAAA records cannot fit 512 bytes over UDP: cut on RRset boundary, TC */
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct fe_answer_rr rrs[40];
	for (int i = 0; i < 40; i++)
		rrs[i] = (struct fe_answer_rr){ DG_TYPE_AAAA, 60, v6, 16, NULL, 0 };
	struct qspec a = { .name = "example.com.", .qtype = DG_TYPE_AAAA };
	qh_build(&q, &a);
	is_err(0, query_parse(&q, conf), "parse");
	struct fe_answer_flags fl = { .ra = -1, .aa = true };
	is_err(0, query_respond(&q, conf, 0, &fl, rrs, 40), "big answer built");
	ok(q.len <= 512, "UDP answer within 512 (%zu)", q.len);
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	ok(p.hdr.flags & DG_FLAG_TC, "TC set when records were left out");
	ok(p.hdr.flags & DG_FLAG_AA, "AA option honoured");
	dg_pkt_free(&p, NULL);
	free(q.buf);

	a.tcp = true;
	qh_build(&q, &a);
	is_err(0, query_parse(&q, conf), "parse tcp");
	is_err(0, query_respond(&q, conf, 0, &fl, rrs, 40), "built over TCP");
	is_err(0, dg_pkt_parse(&p, q.buf, q.len, NULL), "parses");
	is_int(40, p.hdr.ancount, "all 40 over TCP");
	ok(!(p.hdr.flags & DG_FLAG_TC), "no TC over TCP");
	if (p.rrcount == 40)
		is_bytes(v6, 16, q.buf + p.rr[0].rdata_off, p.rr[0].rdlen, "AAAA rdata");
	dg_pkt_free(&p, NULL);
	free(q.buf);
}

/*
 * Every query of the malformed corpus is refused by query_parse() with the
 * error its MANIFEST line names: the frontend drops it and counts that name.
 */
static void test_malformed_corpus(void)
{
	static uint8_t wire[FE_QUERY_BUFSZ];
	char *text = tap_read_file("tests/corpus/malformed/MANIFEST", NULL);
	if (!ok(text != NULL, "malformed MANIFEST readable"))
		return;
	int cases = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[128], err[64], path[256];
		if (line[0] == '#' || sscanf(line, "%127s %63s", file, err) != 2)
			continue;
		snprintf(path, sizeof(path), "tests/corpus/malformed/%s", file);
		char *hex = tap_read_file(path, NULL);
		int n = hex ? tap_hex_decode(hex, wire, sizeof(wire)) : -1;
		free(hex);
		if (!ok(n >= 0, "%s readable", file))
			continue;
		struct fe_query q;
		memset(&q, 0, sizeof(q));
		q.buf = wire;
		q.len = (size_t)n;
		q.cap = sizeof(wire);
		q.client.in.sin_family = AF_INET;
		/* The frontend checks for exactly one question before the rest. */
		if (n >= 12 && (wire[4] << 8 | wire[5]) != 1)
			snprintf(err, sizeof(err), "DG_EQDCOUNT");
		is_str(err, dg_errname(query_parse(&q, conf)), "%s refused as %s", file, err);
		cases++;
	}
	free(text);
	ok(cases >= 40, "every corpus case tried (%d)", cases);
}

/* A query with more than an OPT after the question still parses when valid. */
static void test_parse_full_path(void)
{
	struct fe_query q;
	struct qspec e = { .name = "example.com.", .edns = true, .udp_size = 1400 };
	qh_build(&q, &e);
	/* Append an A record in the additional section after the OPT. */
	static const uint8_t a_rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
	memcpy(q.buf + q.len, a_rr, sizeof(a_rr));
	q.len += sizeof(a_rr);
	q.buf[11] = 2;
	is_err(0, query_parse(&q, conf), "question + OPT + A parses (strict path)");
	ok(q.has_opt && q.udp_size == 1400, "OPT found by the strict path");
	q.len -= 1;
	is_err(DG_ERDATA_TRUNC, query_parse(&q, conf), "cut RDATA named");
	free(q.buf);

	static const uint8_t data[] = { 1, 2, 3, 4 };
	struct qspec o = { .name = "example.com.", .edns = true, .opt_code = 65001,
			   .opt_len = sizeof(data), .opt_data = data };
	qh_build(&q, &o);
	is_err(0, query_parse(&q, conf), "query with an option parses");
	q.buf[q.opt_off + DG_EDNS_OPT_FIXED + 3] = 9; /* the option claims 9 octets, has 4 */
	is_err(DG_EOPT_TRUNC, query_parse(&q, conf), "option running past the OPT RDATA");
	free(q.buf);
}

int main(void)
{
	conf = fe_conf_new();
	(void)fe_conf_get_pool(conf, "");
	test_parse();
	test_rcode();
	test_tc_and_records();
	test_malformed_corpus();
	test_parse_full_path();
	fe_conf_free(conf);
	return tap_done();
}
