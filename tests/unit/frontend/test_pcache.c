/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Packet cache: key distinctions, case handling, TTL ageing with explicit
 * time, expiry, what is not cached, CLOCK eviction, temporary failures.
 */
#include "tap.h"

#include "frontend/conf.h"
#include "frontend/pcache.h"
#include "lib/rrtype.h"
#include "lib/wire.h"
#include "qhelp.h"

static struct fe_cache_conf defaults(void)
{
	struct fe_cache_conf c = { .max_entries = 100, .max_ttl = 86400, .min_ttl = 0,
				   .temp_failure_ttl = 60, .max_negative_ttl = 3600,
				   .stale_ttl = 60, .shards = 4 };
	return c;
}

struct rspec {
	const char *name;     /* question name as the backend writes it */
	uint16_t rcode, flags_extra;
	uint32_t ttl;         /* of the A record; no answer when 0 */
	uint32_t ttl2;        /* a second A record when != 0 */
	bool soa;             /* SOA in authority */
	uint32_t soa_ttl, soa_min;
	bool edns;
};

/* A response to q built like a backend would. Returns its length. */
static size_t response(const struct fe_query *q, const struct rspec *r, uint8_t *out)
{
	uint8_t name[DG_DNAME_MAXLEN];
	int ret = dg_dname_from_str(name, sizeof(name), r->name, NULL);
	struct dg_pb pb;
	ret |= dg_pb_init(&pb, out, 4096, 4096, 0xbeef,
			  (uint16_t)(DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_RA | r->flags_extra | r->rcode));
	ret |= dg_pb_question(&pb, name, q->q.qtype, q->q.qclass);
	ret |= dg_pb_section(&pb, DG_SEC_ANSWER);
	static const uint8_t a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };
	if (r->ttl)
		ret |= dg_pb_rr(&pb, name, DG_TYPE_A, 1, r->ttl, a1, 4);
	if (r->ttl2)
		ret |= dg_pb_rr(&pb, name, DG_TYPE_A, 1, r->ttl2, a2, 4);
	if (r->soa) {
		uint8_t rd[128];
		int n1 = dg_dname_from_str(rd, sizeof(rd), "ns.example.", NULL);
		int n2 = dg_dname_from_str(rd + n1, sizeof(rd) - (size_t)n1, "host.example.", NULL);
		uint8_t *t = rd + n1 + n2;
		dg_put_u32(t, 1);
		dg_put_u32(t + 4, 3600);
		dg_put_u32(t + 8, 600);
		dg_put_u32(t + 12, 86400);
		dg_put_u32(t + 16, r->soa_min);
		uint8_t zone[DG_DNAME_MAXLEN];
		ret |= dg_dname_from_str(zone, sizeof(zone), "example.", NULL) < 0;
		ret |= dg_pb_section(&pb, DG_SEC_AUTHORITY);
		ret |= dg_pb_rr(&pb, zone, DG_TYPE_SOA, 1, r->soa_ttl, rd, (uint16_t)(n1 + n2 + 20));
	}
	if (r->edns) {
		struct dg_edns e;
		dg_edns_init(&e, 1232);
		ret |= dg_edns_write(&pb, &e, 0);
	}
	if (ret < 0)
		diag("response builder failed");
	return dg_pb_finish(&pb);
}

static struct fe_conf *conf;

static void mkq(struct fe_query *q, struct qspec s)
{
	qh_build(q, &s);
	if (query_parse(q, conf) < 0)
		diag("query_parse failed for %s", s.name);
}

/* First TTL in a response with one question, at its first answer. */
static uint32_t first_ttl(const uint8_t *pkt, size_t len)
{
	struct dg_pkt p;
	uint32_t ttl = 0xffffffff;
	if (dg_pkt_parse(&p, pkt, len, NULL) == 0) {
		if (p.rrcount > 0)
			ttl = p.rr[0].ttl;
		dg_pkt_free(&p, NULL);
	}
	return ttl;
}

static void test_hit_and_case(void)
{
	struct fe_cache_conf cc = defaults();
	struct pcache *pc = pcache_new(&cc);
	struct fe_query q, q2;
	uint8_t resp[4096], out[4096];
	mkq(&q, (struct qspec){ .name = "www.example.com.", .id = 1 });
	uint32_t k = pcache_key(pc, &q);
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 100), "empty cache misses");
	size_t n = response(&q, &(struct rspec){ .name = "www.example.com.", .ttl = 300 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 100), "insert");
	int got = pcache_lookup(pc, k, &q, out, sizeof(out), 100);
	is_int((long long)n, got, "hit returns the whole response");
	is_int(1, dg_get_u16(out), "hit carries the client's ID");
	is_int(300, first_ttl(out, n), "TTL untouched at age 0");

	mkq(&q2, (struct qspec){ .name = "WWW.Example.COM.", .id = 0x4242 });
	uint32_t k2 = pcache_key(pc, &q2);
	is_int(k, k2, "key ignores qname case and ID");
	got = pcache_lookup(pc, k2, &q2, out, sizeof(out), 130);
	is_int((long long)n, got, "case-insensitive hit");
	is_int(0x4242, dg_get_u16(out), "second client's ID");
	is_bytes(q2.q.qname, q2.q.qname_len, out + 12, q2.q.qname_len,
		 "question carries the client's qname case");
	is_int(270, first_ttl(out, n), "TTL decremented by 30 s of age");
	is_err(DG_ESPACE, pcache_lookup(pc, k2, &q2, out, 20, 130), "small buffer refused");
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 400), "expired at TTL");

	struct pcache_stats st;
	pcache_get_stats(pc, &st);
	is_int(2, (long long)st.hits, "2 hits counted");
	is_int(1, (long long)st.expired, "1 expiry counted");
	is_int(0, (long long)st.entries, "expired entry removed");
	free(q.buf);
	free(q2.buf);
	pcache_free(pc);
}

static void test_distinct_keys(void)
{
	struct fe_cache_conf cc = defaults();
	struct pcache *pc = pcache_new(&cc);
	struct fe_query base, v;
	uint8_t resp[4096], out[4096];
	mkq(&base, (struct qspec){ .name = "example.com.", .edns = true });
	uint32_t k = pcache_key(pc, &base);
	size_t n = response(&base, &(struct rspec){ .name = "example.com.", .ttl = 60, .edns = true }, resp);
	is_err(0, pcache_insert(pc, k, &base, resp, n, 0), "insert base");

	static const struct {
		struct qspec s;
		const char *what;
	} cases[] = {
		{ { .name = "example.com.", .qtype = 28, .edns = true }, "other qtype" },
		{ { .name = "example.com.", .qclass = 3, .edns = true }, "other qclass" },
		{ { .name = "example.com.", .edns = true, .do_bit = true }, "DO bit" },
		{ { .name = "example.com.", .noflags = true, .edns = true }, "RD clear" },
		{ { .name = "example.com.", .flags = DG_FLAG_RD | DG_FLAG_CD, .edns = true }, "CD set" },
		{ { .name = "example.com." }, "no EDNS" },
		{ { .name = "example.com.", .edns = true, .tcp = true }, "over TCP" },
		{ { .name = "www.example.com.", .edns = true }, "other name" },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(cases); i++) {
		mkq(&v, cases[i].s);
		uint32_t kv = pcache_key(pc, &v);
		ok(kv != k, "%s: different key", cases[i].what);
		/* even when forced to the same key, the stored query fields refuse it */
		is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &v, out, sizeof(out), 1),
		       "%s: miss even on a key collision", cases[i].what);
		free(v.buf);
	}

	static const uint8_t cookie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	mkq(&v, (struct qspec){ .name = "example.com.", .edns = true, .opt_code = 10, .opt_len = 8,
				.opt_data = cookie });
	is_int(k, pcache_key(pc, &v), "a Cookie option does not change the key");
	ok(pcache_lookup(pc, pcache_key(pc, &v), &v, out, sizeof(out), 1) > 0, "and hits");
	free(v.buf);
	static const uint8_t ecs[7] = { 0, 1, 24, 0, 198, 51, 100 };
	mkq(&v, (struct qspec){ .name = "example.com.", .edns = true, .opt_code = 8, .opt_len = 7,
				.opt_data = ecs });
	ok(pcache_key(pc, &v) != k, "an ECS option changes the key");
	free(v.buf);
	free(base.buf);
	pcache_free(pc);
}

static void test_not_cached(void)
{
	struct fe_cache_conf cc = defaults();
	cc.min_ttl = 10;
	struct pcache *pc = pcache_new(&cc);
	struct fe_query q;
	uint8_t resp[4096];
	mkq(&q, (struct qspec){ .name = "example.com." });
	uint32_t k = pcache_key(pc, &q);
	size_t n = response(&q, &(struct rspec){ .name = "example.com.", .ttl = 60,
						  .flags_extra = DG_FLAG_TC }, resp);
	is_err(DG_EINVAL, pcache_insert(pc, k, &q, resp, n, 0), "TC answer not cached");
	n = response(&q, &(struct rspec){ .name = "other.com.", .ttl = 60 }, resp);
	is_err(DG_EINVAL, pcache_insert(pc, k, &q, resp, n, 0), "answer to another question not cached");
	n = response(&q, &(struct rspec){ .name = "example.com.", .ttl = 5 }, resp);
	is_err(DG_EINVAL, pcache_insert(pc, k, &q, resp, n, 0), "TTL below minTTL not cached");
	n = response(&q, &(struct rspec){ .name = "example.com.", .rcode = 1 }, resp);
	is_err(DG_EINVAL, pcache_insert(pc, k, &q, resp, n, 0), "FORMERR not cached");
	is_err(DG_EINVAL, pcache_insert(pc, k, &q, resp, 11, 0), "garbage not cached");
	struct pcache_stats st;
	pcache_get_stats(pc, &st);
	is_int(0, (long long)st.entries, "nothing stored");
	free(q.buf);
	pcache_free(pc);
}

static void test_ttls(void)
{
	struct fe_cache_conf cc = defaults();
	cc.max_ttl = 100;
	cc.max_negative_ttl = 50;
	struct pcache *pc = pcache_new(&cc);
	struct fe_query q;
	uint8_t resp[4096], out[4096];
	mkq(&q, (struct qspec){ .name = "example.com." });
	uint32_t k = pcache_key(pc, &q);

	size_t n = response(&q, &(struct rspec){ .name = "example.com.", .rcode = 2 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 1000), "SERVFAIL cached");
	ok(pcache_lookup(pc, k, &q, out, sizeof(out), 1059) > 0, "SERVFAIL served until 60 s");
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 1060),
	       "SERVFAIL gone at temporaryFailureTTL (60)");

	n = response(&q, &(struct rspec){ .name = "example.com.", .ttl = 500, .ttl2 = 300 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 0), "positive answer cached");
	ok(pcache_lookup(pc, k, &q, out, sizeof(out), 99) > 0, "served before maxTTL");
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 100), "capped at maxTTL 100");

	n = response(&q, &(struct rspec){ .name = "example.com.", .rcode = 3, .soa = true,
					  .soa_ttl = 3600, .soa_min = 30 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 0), "NXDOMAIN cached");
	ok(pcache_lookup(pc, k, &q, out, sizeof(out), 29) > 0, "NXDOMAIN served under SOA minimum");
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 30),
	       "negative TTL is the SOA minimum (30)");
	n = response(&q, &(struct rspec){ .name = "example.com.", .soa = true, .soa_ttl = 3600,
					  .soa_min = 3600 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 0), "NODATA cached");
	ok(pcache_lookup(pc, k, &q, out, sizeof(out), 49) > 0, "NODATA served under maxNegativeTTL");
	is_err(DG_ENOTFOUND, pcache_lookup(pc, k, &q, out, sizeof(out), 50),
	       "NODATA capped at maxNegativeTTL (50)");

	n = response(&q, &(struct rspec){ .name = "example.com.", .ttl = 80, .edns = true }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 0), "answer with OPT cached");
	int got = pcache_lookup(pc, k, &q, out, sizeof(out), 20);
	struct dg_pkt p;
	if (got > 0 && dg_pkt_parse(&p, out, (size_t)got, NULL) == 0) {
		is_int(60, p.rr[0].ttl, "record aged by 20 s");
		ok(p.opt_idx == 1 && p.rr[1].ttl == 0, "OPT TTL (flags) not aged");
		dg_pkt_free(&p, NULL);
	} else {
		ok(false, "hit with OPT");
	}
	pcache_free(pc);

	cc.dont_age = true;
	pc = pcache_new(&cc);
	n = response(&q, &(struct rspec){ .name = "example.com.", .ttl = 80 }, resp);
	is_err(0, pcache_insert(pc, k, &q, resp, n, 0), "insert (dontAge)");
	got = pcache_lookup(pc, k, &q, out, sizeof(out), 50);
	is_int(80, got > 0 ? first_ttl(out, (size_t)got) : 0, "dontAge keeps TTLs");
	free(q.buf);
	pcache_free(pc);
}

static void test_lru(void)
{
	struct fe_cache_conf cc = defaults();
	cc.max_entries = 4;
	cc.shards = 1;
	struct pcache *pc = pcache_new(&cc);
	struct fe_query q[6];
	uint32_t k[6];
	uint8_t resp[4096], out[4096];
	char name[32];
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		mkq(&q[i], (struct qspec){ .name = name });
		k[i] = pcache_key(pc, &q[i]);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		size_t n = response(&q[i], &(struct rspec){ .name = name, .ttl = 60 }, resp);
		if (pcache_insert(pc, k[i], &q[i], resp, n, 0) < 0)
			diag("insert %d failed", i);
	}
	ok(pcache_lookup(pc, k[0], &q[0], out, sizeof(out), 1) > 0, "n0 hit (now most recent)");
	for (int i = 4; i < 6; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		size_t n = response(&q[i], &(struct rspec){ .name = name, .ttl = 60 }, resp);
		if (pcache_insert(pc, k[i], &q[i], resp, n, 0) < 0)
			diag("insert %d failed", i);
	}
	struct pcache_stats st;
	pcache_get_stats(pc, &st);
	is_int(4, (long long)st.entries, "entries bounded by maxEntries");
	is_int(2, (long long)st.evictions, "two evictions");
	/* CLOCK: the entry served since the inserts keeps its second chance;
	 * two of those never served (n1..n4, in bucket order) make room. */
	ok(pcache_lookup(pc, k[0], &q[0], out, sizeof(out), 1) > 0, "recently used n0 kept");
	int gone = 0;
	for (int i = 1; i <= 4; i++)
		gone += pcache_lookup(pc, k[i], &q[i], out, sizeof(out), 1) == DG_ENOTFOUND;
	is_int(2, gone, "two entries never served were evicted");
	ok(pcache_lookup(pc, k[5], &q[5], out, sizeof(out), 1) > 0, "newest kept");
	pcache_clear(pc);
	pcache_get_stats(pc, &st);
	is_int(0, (long long)st.entries, "clear empties the cache");
	for (int i = 0; i < 6; i++)
		free(q[i].buf);
	pcache_free(pc);
}

/* The worker inserts with q rebuilt from the backend's answer: header and
 * question parsed from the response, EDNS fields restored from its slot. */
static void test_insert_from_response(void)
{
	struct fe_cache_conf cc = defaults();
	struct pcache *pc = pcache_new(&cc);
	struct fe_query q, r;
	uint8_t resp[4096], out[4096];
	mkq(&q, (struct qspec){ .name = "www.example.com.", .edns = true, .do_bit = true });
	uint32_t k = pcache_key(pc, &q);
	size_t n = response(&q, &(struct rspec){ .name = "WWW.example.com.", .ttl = 60, .edns = true },
			    resp);
	memset(&r, 0, sizeof(r));
	r.buf = resp;
	r.len = n;
	r.cap = sizeof(resp);
	is_err(0, dg_pkt_parse_question(&r.hdr, &r.q, resp, n), "response question parsed");
	r.has_opt = q.has_opt;
	r.do_bit = q.do_bit;
	r.udp_size = q.udp_size;
	is_err(0, pcache_insert(pc, k, &r, resp, n, 0), "insert with the response's header");
	ok(pcache_lookup(pc, k, &q, out, sizeof(out), 1) > 0, "the original query hits");
	free(q.buf);
	pcache_free(pc);
}

int main(void)
{
	conf = fe_conf_new();
	test_hit_and_case();
	test_distinct_keys();
	test_not_cached();
	test_ttls();
	test_lru();
	test_insert_from_response();
	fe_conf_free(conf);
	return tap_done();
}
