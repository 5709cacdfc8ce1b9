/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Real and fake clocks (see clock.h).
 */
#include <stdatomic.h>

#include "lib/clock.h"

/*
 * The fake clock, or NULL. Relaxed ordering is enough: the pointer is set
 * before the threads that read it start (thread creation orders memory), and
 * the atomic only keeps a late dg_clock_set_fake(NULL) from being a data race.
 */
static _Atomic(const uint64_t *) fake_clock;

static uint64_t read_clock_us(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clock ids on Linux; zero keeps a bogus value out. */
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t dg_clock_now_us(void)
{
	const uint64_t *fake = atomic_load_explicit(&fake_clock, memory_order_relaxed);

	if (fake != NULL)
		return *fake;
	return read_clock_us(CLOCK_MONOTONIC);
}

uint64_t dg_clock_now_ms(void)
{
	return dg_clock_now_us() / 1000u;
}

uint64_t dg_clock_wall_us(void)
{
	const uint64_t *fake = atomic_load_explicit(&fake_clock, memory_order_relaxed);

	if (fake != NULL)
		return *fake;
	return read_clock_us(CLOCK_REALTIME);
}

time_t dg_clock_wall(void)
{
	return (time_t)(dg_clock_wall_us() / 1000000u);
}

void dg_clock_set_fake(const uint64_t *fake_us)
{
	atomic_store_explicit(&fake_clock, fake_us, memory_order_relaxed);
}
