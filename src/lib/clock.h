/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The one source of time. Timers, TTL ageing, rate limits, health checks and
 * log timestamps read the clock through these functions and nothing else, so
 * a test can install a fake clock and step time without sleeping (STYLE.md
 * 8.9.4, as Unbound's testbound replaces its event layer).
 *
 * DESIGN: the real clock is CLOCK_MONOTONIC for intervals and CLOCK_REALTIME
 * for wall time; both are vDSO calls, cheap enough for the query path. The
 * fake is a pointer to a microsecond counter owned by the test; it is read
 * through an atomic pointer, so installing it is race-free, but the counter
 * itself is a plain variable: a test advances it only while no other thread
 * reads the clock (in practice, single-threaded unit tests).
 */
#pragma once

#include <stdint.h>
#include <time.h>

/**
 * Monotonic time in microseconds since an arbitrary start (boot).
 * Never goes backwards; unaffected by wall clock changes. With a fake clock
 * installed, returns the fake value. Any thread.
 */
uint64_t dg_clock_now_us(void);

/** dg_clock_now_us() / 1000: monotonic milliseconds. Any thread. */
uint64_t dg_clock_now_ms(void);

/**
 * Wall clock time in seconds since the epoch, for timestamps that leave the
 * process (logs, statistics). With a fake clock installed, returns the fake
 * value / 1000000, i.e. the fake wall clock starts at the epoch. Any thread.
 */
time_t dg_clock_wall(void);

/**
 * Wall clock time in microseconds since the epoch (log timestamps with
 * sub-second precision). With a fake clock, the fake value. Any thread.
 */
uint64_t dg_clock_wall_us(void);

/**
 * TEST ONLY. Makes every clock function return *fake_us (read on each call,
 * so the test advances time by writing the variable); NULL restores the real
 * clock. Borrows fake_us until it is replaced or removed. Install before
 * starting threads that read the clock, and advance the counter only while
 * no other thread reads it.
 */
void dg_clock_set_fake(const uint64_t *fake_us);
