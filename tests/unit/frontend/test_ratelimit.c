/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rate limits with explicit time (no sleeping): global bucket and
 * per-netmask buckets, under and over the rate, refill, masks, bounded table.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>

#include "frontend/ratelimit.h"
#include "lib/nmg.h"

static struct dg_addr v4(const char *s)
{
	struct dg_addr a = { .family = AF_INET };
	inet_pton(AF_INET, s, a.bytes);
	return a;
}

static struct dg_addr v6(const char *s)
{
	struct dg_addr a = { .family = AF_INET6 };
	inet_pton(AF_INET6, s, a.bytes);
	return a;
}

static void test_bucket(void)
{
	struct rl_bucket b;
	rl_bucket_init(&b, 10, 0);
	uint64_t t = 5000000;
	int passed = 0;
	for (int i = 0; i < 25; i++)
		passed += rl_bucket_take(&b, t);
	is_int(10, passed, "burst defaults to qps: 10 of 25 pass at one instant");
	ok(!rl_bucket_take(&b, t + 50000), "50 ms later: still empty (one token per 100 ms)");
	ok(rl_bucket_take(&b, t + 100000), "100 ms later: one token refilled");
	ok(!rl_bucket_take(&b, t + 100000), "and only one");
	passed = 0;
	for (int i = 0; i < 20; i++)
		passed += rl_bucket_take(&b, t + 10000000);
	is_int(10, passed, "after a long idle time the bucket is full again, not more");

	/* a steady 10 qps stream is never refused */
	rl_bucket_init(&b, 10, 1);
	int refused = 0;
	for (int i = 0; i < 100; i++)
		refused += !rl_bucket_take(&b, t + (uint64_t)i * 100000);
	is_int(0, refused, "steady stream at the rate passes (burst 1)");
	ok(!rl_bucket_take(&b, t + 99 * 100000 + 10), "one more right away is over");

	rl_bucket_init(&b, 0, 0);
	ok(!rl_bucket_take(&b, t), "qps 0 lets nothing through");
}

static void test_ip(void)
{
	struct rl_ip_conf c = { .qps = 5, .v4_mask = 32, .v6_mask = 64 };
	struct rl_ip *rl = rl_ip_new(&c);
	ok(rl != NULL, "limiter created");
	struct dg_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");
	uint64_t t = 1000000;
	int over = 0;
	for (int i = 0; i < 5; i++)
		over += rl_ip_over(rl, 0, &a, t);
	is_int(0, over, "5 queries at 5 qps are under the rate");
	ok(rl_ip_over(rl, 0, &a, t), "the 6th is over");
	ok(!rl_ip_over(rl, 0, &b, t), "another /32 is not affected");
	ok(!rl_ip_over(rl, 0, &a, t + 200000), "200 ms later one more passes");
	ok(rl_ip_over(rl, 0, &a, t + 200000), "and the next is over again");
	ok(!rl_ip_over(rl, 0, &a, t + 2000000), "two idle seconds later it is under again");

	struct dg_addr x = v6("2001:db8:1:2::1"), y = v6("2001:db8:1:2:ffff::9"),
		       z = v6("2001:db8:1:3::1");
	for (int i = 0; i < 5; i++)
		over += rl_ip_over(rl, 0, &x, t);
	ok(rl_ip_over(rl, 0, &y, t), "same IPv6 /64 shares the bucket");
	ok(!rl_ip_over(rl, 0, &z, t), "next /64 has its own");
	rl_ip_free(rl);

	struct rl_ip_conf c24 = { .qps = 2, .burst = 4, .v4_mask = 24, .v6_mask = 64 };
	rl = rl_ip_new(&c24);
	struct dg_addr n1 = v4("198.51.100.7"), n2 = v4("198.51.100.200"), n3 = v4("198.51.101.1");
	over = 0;
	for (int i = 0; i < 2; i++)
		over += rl_ip_over(rl, 0, &n1, t) + rl_ip_over(rl, 0, &n2, t);
	is_int(0, over, "burst 4 shared by the /24");
	ok(rl_ip_over(rl, 0, &n1, t), "5th query of the /24 is over");
	ok(!rl_ip_over(rl, 0, &n3, t), "other /24 unaffected");
	rl_ip_free(rl);

	struct rl_ip_conf bad = { .qps = 1, .v4_mask = 33, .v6_mask = 64 };
	ok(rl_ip_new(&bad) == NULL, "v4Mask 33 refused");
}

static void test_bounded(void)
{
	/* A tiny table: many clients at once evict each other but memory stays bounded
	 * and a returning idle client is still served. */
	struct rl_ip_conf c = { .qps = 1, .v4_mask = 32, .v6_mask = 64, .max_entries = 64 };
	struct rl_ip *rl = rl_ip_new(&c);
	uint64_t t = 1000000;
	for (unsigned i = 0; i < 100000; i++) {
		struct dg_addr a = { .family = AF_INET };
		a.bytes[0] = 10;
		a.bytes[1] = (uint8_t)(i >> 16);
		a.bytes[2] = (uint8_t)(i >> 8);
		a.bytes[3] = (uint8_t)i;
		(void)rl_ip_over(rl, 0, &a, t);
	}
	ok(rl_ip_evictions(rl) > 0, "evictions counted under pressure");
	struct dg_addr a = v4("10.0.0.1");
	ok(!rl_ip_over(rl, 0, &a, t + 5000000), "after the crowd left, a client is served");
	rl_ip_free(rl);
}

/* Each worker counts in its own table: the kernel steers a client to one
 * worker (steer.h), so a table need not see the others' queries. */
static void test_per_worker(void)
{
	struct rl_ip_conf c = { .qps = 3, .v4_mask = 32, .v6_mask = 64, .max_entries = 64 };
	struct rl_ip *rl = rl_ip_new(&c);
	struct dg_addr a = v4("192.0.2.9");
	uint64_t t = 1000000;
	int over0 = 0, over1 = 0;
	for (int i = 0; i < 3; i++)
		over0 += rl_ip_over(rl, 0, &a, t);
	ok(rl_ip_over(rl, 0, &a, t), "worker 0: the 4th query is over");
	for (int i = 0; i < 3; i++)
		over1 += rl_ip_over(rl, 1, &a, t);
	is_int(0, over0 + over1, "worker 1 has a bucket of its own");
	ok(rl_ip_over(rl, 1, &a, t), "worker 1: its 4th query is over");
	ok(!rl_ip_over(rl, FE_MAX_WORKERS, &a, t), "a worker past the tables is not limited");
	ok(!rl_ip_over(rl, FE_MAX_WORKERS - 1, &a, t), "the last table is a table of its own");
	uint64_t ev[3];
	for (unsigned k = 1; k <= 2; k++) {
		for (unsigned i = 0; i < 1000; i++) {
			struct dg_addr x = { .family = AF_INET,
					     .bytes = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i } };
			(void)rl_ip_over(rl, k, &x, t);
		}
		ev[k] = rl_ip_evictions(rl);
	}
	ok(ev[1] > 0 && ev[2] > ev[1], "evictions summed over the workers' tables");
	rl_ip_free(rl);
}

static struct rl_bucket shared;
static _Atomic int total_passed;

static void *hammer(void *arg)
{
	(void)arg;
	int n = 0;
	for (int i = 0; i < 10000; i++)
		n += rl_bucket_take(&shared, 7000000);
	atomic_fetch_add(&total_passed, n);
	return NULL;
}

static void test_threads(void)
{
	rl_bucket_init(&shared, 1000, 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(1000, atomic_load(&total_passed), "4 threads share one bucket exactly (CAS)");
}

int main(void)
{
	test_bucket();
	test_ip();
	test_bounded();
	test_per_worker();
	test_threads();
	return tap_done();
}
