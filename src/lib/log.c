/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * stderr/syslog logger and per-reason rate limiter (see log.h).
 *
 * The settings are atomics so that dg_log_set_level() from the control thread
 * is not a data race with workers reading them. No lock is taken: each line
 * is built on the stack and leaves in one write(2), which the kernel keeps
 * whole for pipes up to PIPE_BUF (4096 > DG_LOG_LINE_MAX) and for files
 * opened with O_APPEND; syslog(3) serialises internally.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"

static _Atomic int log_min_level = LOG_INFO;
static _Atomic bool log_to_syslog;
/* openlog() keeps the pointer it is given, so the ident must outlive it. */
static char log_ident[64];

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void dg_log_open(const char *ident, bool use_syslog, int min_level)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident != NULL ? ident : "dnsgate");
	atomic_store(&log_min_level, min_level);
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	atomic_store(&log_to_syslog, use_syslog);
}

void dg_log_close(void)
{
	if (atomic_exchange(&log_to_syslog, false))
		closelog();
}

void dg_log_set_level(int min_level)
{
	atomic_store_explicit(&log_min_level, min_level, memory_order_relaxed);
}

bool dg_log_enabled(int level)
{
	return level <= atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

const char *dg_log_level_name(int level)
{
	if (level < 0 || (size_t)level >= DG_ARRAY_SIZE(level_names))
		return "?";
	return level_names[level];
}

/* "2024-05-01T12:34:56.789Z": UTC so that lines from any host compare. */
static size_t format_time(char *out, size_t outsz)
{
	uint64_t us = dg_clock_wall_us();
	time_t secs = (time_t)(us / 1000000u);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL)
		return 0;
	size_t n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	int m = snprintf(out + n, outsz - n, ".%03uZ", (unsigned)(us / 1000u % 1000u));
	return m < 0 ? n : n + (size_t)m;
}

/* Replaces bytes that could end or disguise a line (CR, LF, ESC...). */
static void sanitize(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			s[i] = '?';
	}
}

/* write(2) the whole line, retrying only on EINTR and short writes. */
static void write_line(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere left to report it */
		line += n;
		len -= (size_t)n;
	}
}

void dg_vlog(int level, const char *module, const char *fmt, va_list ap)
{
	if (!dg_log_enabled(level))
		return;
	int saved_errno = errno; /* callers may log and then look at errno */
	bool use_syslog = atomic_load_explicit(&log_to_syslog, memory_order_relaxed);
	char line[DG_LOG_LINE_MAX];
	const size_t room = sizeof(line) - 1; /* keep one byte for '\n' */
	size_t pos = 0;

	if (!use_syslog) {
		pos = format_time(line, room);
		int n = snprintf(line + pos, room - pos, " %s ", dg_log_level_name(level));
		pos += n > 0 ? (size_t)n : 0;
	}
	int n = snprintf(line + pos, room - pos, "%s: ", module != NULL ? module : "-");
	pos = n > 0 && (size_t)n < room - pos ? pos + (size_t)n : pos;

	size_t msg_start = pos;
	n = vsnprintf(line + pos, room - pos, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room - pos) {
		pos = room; /* cut: mark it so that nobody trusts the tail */
		memcpy(line + room - 3, "...", 3);
	} else {
		pos += (size_t)n;
	}
	sanitize(line + msg_start, pos - msg_start);

	if (use_syslog) {
		line[pos] = '\0';
		syslog(level, "%s", line);
	} else {
		line[pos++] = '\n';
		write_line(line, pos);
	}
	errno = saved_errno;
}

void dg_log(int level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dg_vlog(level, module, fmt, ap);
	va_end(ap);
}

bool dg_lograte_allow(struct dg_lograte *r, uint64_t now_ms, uint64_t *suppressed)
{
	/* now < last: the clock went back (a test reset it); do not stay mute. */
	if (r->started && now_ms >= r->last_ms && now_ms - r->last_ms < r->interval_ms) {
		r->suppressed++;
		return false;
	}
	if (suppressed != NULL)
		*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last_ms = now_ms;
	r->started = true;
	return true;
}

void dg_log_limited(struct dg_lograte *r, int level, const char *module, const char *fmt, ...)
{
	uint64_t suppressed;
	char msg[DG_LOG_LINE_MAX];
	va_list ap;

	if (!dg_log_enabled(level) || !dg_lograte_allow(r, dg_clock_now_ms(), &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		dg_log(level, module, "%s (%" PRIu64 " suppressed)", msg, suppressed);
	else
		dg_log(level, module, "%s", msg);
}
