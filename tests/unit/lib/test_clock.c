/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests clock.c: the real clocks agree with the kernel and never go
 * backwards; a fake clock overrides every function and can be removed.
 */
#include <stdint.h>
#include <time.h>

#include "lib/clock.h"
#include "tap.h"

static uint64_t kernel_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void test_real(void)
{
	uint64_t before = kernel_us(CLOCK_MONOTONIC);
	uint64_t now = dg_clock_now_us();
	uint64_t after = kernel_us(CLOCK_MONOTONIC);
	ok(now >= before && now <= after, "now_us lies between two CLOCK_MONOTONIC reads");

	uint64_t ms = dg_clock_now_ms();
	ok(ms >= now / 1000 && ms <= kernel_us(CLOCK_MONOTONIC) / 1000,
	   "now_ms is now_us in milliseconds");

	int backwards = 0;
	uint64_t prev = dg_clock_now_us();
	for (int i = 0; i < 100000; i++) {
		uint64_t t = dg_clock_now_us();
		backwards += t < prev;
		prev = t;
	}
	is_int(0, backwards, "100000 monotonic reads never go backwards");

	time_t w0 = time(NULL);
	time_t w = dg_clock_wall();
	time_t w1 = time(NULL);
	ok(w >= w0 && w <= w1, "wall clock matches time()");
	uint64_t wus = dg_clock_wall_us();
	ok(wus / 1000000u >= (uint64_t)w0 && wus / 1000000u <= (uint64_t)time(NULL),
	   "wall_us matches time()");
}

static void test_fake(void)
{
	uint64_t fake = 5000123;

	dg_clock_set_fake(&fake);
	is_int(5000123, (long long)dg_clock_now_us(), "fake overrides now_us");
	is_int(5000, (long long)dg_clock_now_ms(), "fake overrides now_ms");
	is_int(5, (long long)dg_clock_wall(), "fake overrides wall (seconds)");
	is_int(5000123, (long long)dg_clock_wall_us(), "fake overrides wall_us");

	fake += 2500000;
	is_int(7500123, (long long)dg_clock_now_us(), "advancing the variable advances time");
	is_int(7500, (long long)dg_clock_now_ms(), "now_ms follows the fake");

	dg_clock_set_fake(NULL);
	uint64_t before = kernel_us(CLOCK_MONOTONIC);
	uint64_t now = dg_clock_now_us();
	ok(now >= before && now != 7500123, "NULL restores the real clock");
	ok(dg_clock_wall() >= time(NULL) - 1, "NULL restores the real wall clock");
}

int main(void)
{
	test_real();
	test_fake();
	return tap_done();
}
