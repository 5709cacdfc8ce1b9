/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rings: wraparound keeps the newest capacity entries in order, the since
 * filter, responses read their header from the buffer, and a reader thread
 * racing one writer never sees a torn entry (every field of an entry is
 * derived from one counter, so a mix of two writes is detectable).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/query.h"
#include "frontend/rings.h"
#include "tap.h"

/* Fills q so that every recorded field is a function of v. */
static void make_query(struct fe_query *q, uint8_t *buf, uint32_t v)
{
	memset(q, 0, sizeof(*q));
	q->buf = buf;
	q->len = 12 + (v % 200);
	q->now_us = v;
	q->hdr.id = (uint16_t)v;
	q->hdr.flags = (uint16_t)(v * 7);
	q->q.qtype = (uint16_t)(v * 3);
	/* a name of 1 + (v % 60) labels of one byte each, byte value (uint8_t)v */
	unsigned labels = 1 + v % 60, n = 0;
	for (unsigned i = 0; i < labels; i++) {
		q->q.qname_lc[n++] = 1;
		q->q.qname_lc[n++] = (uint8_t)('a' + v % 26);
	}
	q->q.qname_lc[n++] = 0;
	q->q.qname_len = (uint16_t)n;
	q->client.in.sin_family = AF_INET;
	q->client.in.sin_port = htons((uint16_t)(v ^ 0x5555));
	q->client.in.sin_addr.s_addr = htonl(0x7f000000u | (v & 0xffffff));
	q->client_addr.family = 0; /* rings derive it from client */
}

static bool query_consistent(const struct ring_query *e)
{
	uint32_t v = (uint32_t)e->when_us;
	unsigned labels = 1 + v % 60;
	if (e->id != (uint16_t)v || e->flags != (uint16_t)(v * 7) || e->qtype != (uint16_t)(v * 3))
		return false;
	if (e->size != 12 + v % 200 || e->port != (uint16_t)(v ^ 0x5555))
		return false;
	if (e->qname_len != labels * 2 + 1)
		return false;
	for (unsigned i = 0; i < labels; i++)
		if (e->qname[2 * i] != 1 || e->qname[2 * i + 1] != (uint8_t)('a' + v % 26))
			return false;
	uint32_t a = htonl(0x7f000000u | (v & 0xffffff));
	return e->client.family == AF_INET && memcmp(e->client.bytes, &a, 4) == 0;
}

struct collect {
	uint64_t when[64];
	int n;
};

static void collect_q(const struct ring_query *e, void *ctx)
{
	struct collect *c = ctx;
	if (c->n < 64)
		c->when[c->n++] = e->when_us;
}

static void keep_r(const struct ring_resp *e, void *ctx)
{
	memcpy(ctx, e, sizeof(*e));
}

static void test_wraparound(void)
{
	struct rings *r = rings_new(2, 8);
	uint8_t buf[512] = { 0 };
	struct fe_query q;
	ok(r != NULL, "rings_new(2, 8)");
	is_int(8, rings_capacity(r), "capacity");
	is_int(2, rings_workers(r), "workers");
	for (uint32_t v = 1; v <= 20; v++) {
		make_query(&q, buf, v);
		rings_add_query(r, 0, &q);
	}
	make_query(&q, buf, 100);
	rings_add_query(r, 1, &q);
	struct collect c = { .n = 0 };
	is_int(9, (int)rings_foreach_query(r, 0, collect_q, &c), "8 newest of worker 0 + 1");
	bool order = c.n == 9;
	for (int i = 0; order && i < 8; i++)
		order = c.when[i] == (uint64_t)(13 + i);
	ok(order && c.when[8] == 100, "positions 13..20 in order, then worker 1");
	c.n = 0;
	is_int(4, (int)rings_foreach_query(r, 18, collect_q, &c), "since filter: 18,19,20,100");
	rings_add_query(r, 2, &q); /* out of range: ignored */
	rings_add_query(NULL, 0, &q);
	is_int(0, (int)rings_foreach_query(NULL, 0, collect_q, &c), "NULL rings: nothing");
	ok(rings_new(0, 8) == NULL && rings_new(1, 0) == NULL, "zero sizes refused");
	rings_free(r);
}

static void test_response(void)
{
	struct rings *r = rings_new(1, 4);
	uint8_t buf[512] = { 0 };
	struct fe_query q;
	make_query(&q, buf, 42);
	/* an answer header: ID 0x1234, QR|AA|RD + NXDOMAIN, ANCOUNT 2 */
	uint8_t hdr[12] = { 0x12, 0x34, 0x85, 0x03, 0, 1, 0, 2, 0, 0, 0, 0 };
	memcpy(buf, hdr, sizeof(hdr));
	rings_add_response(r, 0, &q, 0x13, 99, 1500, 1);
	struct ring_resp got;
	memset(&got, 0, sizeof(got));
	is_int(1, (int)rings_foreach_response(r, 0, keep_r, &got), "one response");
	is_int(0x1234, got.id, "id read from the response");
	is_int(0x8503, got.flags, "flags read from the response");
	is_int(2, got.ancount, "ancount read from the response");
	is_int(3, got.rcode, "rcode keeps its low 4 bits");
	is_int(99, got.size, "size");
	is_int(1500, (int)got.latency_us, "latency");
	is_int(1, got.backend, "backend");
	is_int(42 ^ 0x5555, got.port, "client port");
	is_int(2 * (1 + 42 % 60) + 1, got.qname_len, "qname kept");
	rings_free(r);
}

/* ---- one writer, one reader, racing ---- */

#define RACE_WRITES 400000u

struct race {
	struct rings *r;
	_Atomic bool done;
	uint64_t checked, torn, rounds;
	uint64_t last_order_err;
};

static void *writer(void *arg)
{
	struct race *rc = arg;
	uint8_t buf[512];
	struct fe_query q;
	for (uint32_t v = 1; v <= RACE_WRITES; v++) {
		make_query(&q, buf, v);
		rings_add_query(rc->r, 0, &q);
	}
	atomic_store(&rc->done, true);
	return NULL;
}

struct race_ctx {
	struct race *rc;
	uint64_t prev;
};

static void check_entry(const struct ring_query *e, void *ctx)
{
	struct race_ctx *x = ctx;
	x->rc->checked++;
	if (!query_consistent(e))
		x->rc->torn++;
	/* one worker's entries come oldest first */
	if (e->when_us <= x->prev)
		x->rc->last_order_err = e->when_us;
	x->prev = e->when_us;
}

static void test_race(void)
{
	struct race rc = { .r = rings_new(1, 64) };
	pthread_t t;
	ok(pthread_create(&t, NULL, writer, &rc) == 0, "writer started");
	while (!atomic_load(&rc.done) || rc.rounds == 0) {
		struct race_ctx x = { &rc, 0 };
		rings_foreach_query(rc.r, 0, check_entry, &x);
		rc.rounds++;
	}
	pthread_join(t, NULL);
	diag("%llu reads in %llu walks", (unsigned long long)rc.checked,
	     (unsigned long long)rc.rounds);
	ok(rc.checked > 0, "the reader saw entries while the writer ran");
	is_int(0, (int)rc.torn, "no torn entry was returned");
	is_int(0, (int)rc.last_order_err, "entries in write order");
	struct collect c = { .n = 0 };
	is_int(64, (int)rings_foreach_query(rc.r, 0, collect_q, &c), "full ring after the race");
	ok(c.when[63] == RACE_WRITES && c.when[0] == RACE_WRITES - 63, "newest 64 kept");
	rings_free(rc.r);
}

int main(void)
{
	test_wraparound();
	test_response();
	test_race();
	return tap_done();
}
