/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The one logger (STYLE.md 8.7). Every message carries a syslog level and
 * the name of the module that wrote it, and goes either to stderr as
 *
 *     2024-05-01T12:34:56.789Z warning backend: rec1 UP -> DOWN (3 timeouts)
 *
 * (UTC, millisecond precision, from clock.h) or to syslog(3). A line is
 * formatted into a stack buffer and written with a single write(2), so lines
 * from different threads never interleave; a message longer than
 * DG_LOG_LINE_MAX is cut and ends in "...". Control characters in the
 * message are replaced by '?' so that text taken from packets cannot forge
 * extra log lines.
 *
 * The query path must not log per packet: it counts drops per reason and
 * logs through a struct dg_lograte per reason, which lets one line through
 * per interval and reports how many were suppressed in between.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

#include "lib/compiler.h"

/* Longest line written, newline included; longer messages are cut. */
#define DG_LOG_LINE_MAX 1024

/**
 * Chooses the destination and the threshold. ident names the program in
 * syslog (copied); use_syslog false means stderr; messages with a level
 * numerically above min_level (less severe) are dropped. Call from the main
 * thread before other threads log; until called, the logger writes to
 * stderr at LOG_INFO and above.
 */
void dg_log_open(const char *ident, bool use_syslog, int min_level);

/** Closes the syslog connection if one is open; later messages go to stderr. */
void dg_log_close(void);

/** Changes the threshold at run time (console command). Any thread. */
void dg_log_set_level(int min_level);

/** True when a message at level would be written; lets callers skip work. Any thread. */
bool dg_log_enabled(int level);

/** Syslog name of a level ("err", "warning", ...); "?" when out of range. */
const char *dg_log_level_name(int level);

/**
 * Writes one line at level for module ("backend", "config", ...); fmt is
 * printf-style and checked by the compiler. Never blocks on a lock; any
 * thread.
 */
void dg_log(int level, const char *module, const char *fmt, ...) DG_PRINTF(3, 4);

/** dg_log() with a va_list. */
void dg_vlog(int level, const char *module, const char *fmt, va_list ap) DG_PRINTF(3, 0);

/*
 * Rate limit for one log reason. Not thread-safe: each worker owns its own
 * (like its drop counters), or the caller serialises access. Initialise with
 * DG_LOGRATE_INIT(interval_ms); the first call is always allowed.
 */
struct dg_lograte {
	uint64_t interval_ms; /* at most one line per interval; 0: no limit */
	uint64_t last_ms;     /* when the last line was allowed */
	uint64_t suppressed;  /* refusals since the last allowed line */
	bool started;         /* false until the first line is allowed */
};

#define DG_LOGRATE_INIT(ms) { .interval_ms = (ms), .last_ms = 0, .suppressed = 0, .started = false }

/**
 * Asks whether a line for this reason may be logged at now_ms (from
 * dg_clock_now_ms()). When it may, returns true, stores in *suppressed
 * (if not NULL) how many calls were refused since the previous allowed one
 * and starts a new interval. Otherwise counts the refusal and returns false.
 * A clock that goes backwards never blocks for longer than one interval.
 */
bool dg_lograte_allow(struct dg_lograte *r, uint64_t now_ms, uint64_t *suppressed);

/**
 * dg_log() through a rate limit: logs only when dg_lograte_allow(r,
 * dg_clock_now_ms()) does, appending " (N suppressed)" when N > 0. A message
 * below the log threshold does not touch the limiter.
 */
void dg_log_limited(struct dg_lograte *r, int level, const char *module, const char *fmt, ...)
	DG_PRINTF(4, 5);
