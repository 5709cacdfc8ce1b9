/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests log.c: the stderr line format (with a fake clock, so the timestamp
 * is known), level filtering, truncation, control-character escaping, errno
 * preservation, whole lines from concurrent threads, and the rate limiter
 * driven by fake time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "tap.h"

static int saved_stderr = -1;
static char capture_path[] = "/tmp/dg_test_log_XXXXXX";
static int capture_fd = -1;

/* Points fd 2 at an empty O_APPEND temp file (a pipe could fill and block). */
static void capture_start(void)
{
	if (capture_fd < 0) {
		int fd = mkstemp(capture_path);
		if (fd < 0) {
			diag("mkstemp: %s", strerror(errno));
			exit(1);
		}
		close(fd);
		saved_stderr = dup(STDERR_FILENO);
	}
	capture_fd = open(capture_path, O_WRONLY | O_TRUNC | O_APPEND);
	dup2(capture_fd, STDERR_FILENO);
	close(capture_fd);
}

/* Restores stderr; returns what was logged (caller frees). */
static char *capture_end(void)
{
	size_t len;

	dup2(saved_stderr, STDERR_FILENO);
	return tap_read_file(capture_path, &len);
}

static void test_format(void)
{
	uint64_t fake = 1714566896789000ull; /* 2024-05-01T12:34:56.789Z */
	dg_clock_set_fake(&fake);

	capture_start();
	dg_log(LOG_WARNING, "backend", "rec%d UP -> DOWN (%s)", 1, "3 timeouts");
	dg_log(LOG_ERR, NULL, "no module");
	char *out = capture_end();
	is_str("2024-05-01T12:34:56.789Z warning backend: rec1 UP -> DOWN (3 timeouts)\n"
	       "2024-05-01T12:34:56.789Z err -: no module\n",
	       out, "timestamp, level name, module, message, one line each");
	free(out);

	capture_start();
	dg_log(LOG_INFO, "t", "a\nb\rc\033[31md");
	out = capture_end();
	is_str("2024-05-01T12:34:56.789Z info t: a?b?c?[31md\n", out,
	       "control characters cannot forge lines");
	free(out);
	dg_clock_set_fake(NULL);
}

static void test_levels(void)
{
	is_str("err", dg_log_level_name(LOG_ERR), "LOG_ERR is err");
	is_str("debug", dg_log_level_name(LOG_DEBUG), "LOG_DEBUG is debug");
	is_str("?", dg_log_level_name(8), "unknown level");

	ok(dg_log_enabled(LOG_INFO) && !dg_log_enabled(LOG_DEBUG), "default threshold is info");
	capture_start();
	dg_log(LOG_DEBUG, "t", "hidden");
	dg_log(LOG_NOTICE, "t", "shown");
	dg_log_set_level(LOG_DEBUG);
	dg_log(LOG_DEBUG, "t", "debug now shown");
	dg_log_open("test", false, LOG_ERR);
	dg_log(LOG_WARNING, "t", "hidden at err");
	dg_log(LOG_ERR, "t", "err shown");
	char *out = capture_end();
	ok(out != NULL && strstr(out, "hidden") == NULL, "messages under the threshold dropped");
	ok(out != NULL && strstr(out, " notice t: shown\n") != NULL, "notice passes info");
	ok(out != NULL && strstr(out, " debug t: debug now shown\n") != NULL, "set_level lowers");
	ok(out != NULL && strstr(out, " err t: err shown\n") != NULL, "open sets threshold");
	free(out);
	dg_log_set_level(LOG_INFO);
}

static void test_truncation_errno(void)
{
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	capture_start();
	errno = ENOENT;
	dg_log(LOG_ERR, "t", "%s", big);
	is_int(ENOENT, errno, "errno preserved across dg_log");
	char *out = capture_end();
	size_t len = out != NULL ? strlen(out) : 0;
	is_int(DG_LOG_LINE_MAX, (long long)len, "long line cut to DG_LOG_LINE_MAX");
	ok(len > 4 && memcmp(out + len - 4, "...\n", 4) == 0, "cut line ends with ...");
	free(out);
}

#define NTHREADS 4
#define NLINES 500

static void *log_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < NLINES; i++)
		dg_log(LOG_INFO, "thr", "thread=%d line=%d pad=%0200d end", id, i, 0);
	return NULL;
}

/* Every line of the capture must be whole: prefix, one message, "end". */
static void test_threads(void)
{
	pthread_t th[NTHREADS];
	regex_t re;
	int seen[NTHREADS] = { 0 };
	int bad = 0;

	regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z info thr: "
		     "thread=([0-9]) line=[0-9]+ pad=0{200} end$",
		REG_EXTENDED);
	capture_start();
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, log_thread, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	char *out = capture_end();
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		regmatch_t m[2];
		if (regexec(&re, l, 2, m, 0) != 0) {
			if (bad++ == 0)
				diag("bad line: %.80s", l);
			continue;
		}
		seen[l[m[1].rm_so] - '0']++;
	}
	is_int(0, bad, "no interleaved lines from %d threads", NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		is_int(NLINES, seen[i], "thread %d wrote all its lines", i);
	regfree(&re);
	free(out);
}

static void test_lograte(void)
{
	struct dg_lograte r = DG_LOGRATE_INIT(1000);
	uint64_t sup = 99;

	ok(dg_lograte_allow(&r, 5000, &sup), "first call allowed");
	is_int(0, (long long)sup, "nothing suppressed before the first");
	int allowed = 0;
	for (uint64_t t = 5001; t < 6000; t += 100)
		allowed += dg_lograte_allow(&r, t, &sup);
	is_int(0, allowed, "10 calls within the interval refused");
	ok(dg_lograte_allow(&r, 6000, &sup), "allowed again after one interval");
	is_int(10, (long long)sup, "reports 10 suppressed");
	ok(!dg_lograte_allow(&r, 6999, &sup), "refused just before the next interval");
	ok(dg_lograte_allow(&r, 100000, &sup), "allowed after a long pause");
	is_int(1, (long long)sup, "suppressed count restarts per interval");
	ok(dg_lograte_allow(&r, 10, &sup), "clock going back does not mute the log");
	ok(dg_lograte_allow(&r, 20, NULL) == false, "NULL suppressed pointer accepted");

	struct dg_lograte none = DG_LOGRATE_INIT(0);
	ok(dg_lograte_allow(&none, 1, NULL) && dg_lograte_allow(&none, 1, NULL),
	   "interval 0 never limits");
}

static void test_log_limited(void)
{
	uint64_t fake = 1000000; /* 1 s after the epoch */
	struct dg_lograte r = DG_LOGRATE_INIT(1000);

	dg_clock_set_fake(&fake);
	capture_start();
	for (int i = 0; i < 4; i++) {
		dg_log_limited(&r, LOG_WARNING, "udp", "drop reason=%s", "acl");
		fake += 100000; /* 100 ms */
	}
	fake += 1000000;
	dg_log_limited(&r, LOG_WARNING, "udp", "drop reason=%s", "acl");
	dg_log_limited(&r, LOG_DEBUG, "udp", "below threshold");
	char *out = capture_end();
	is_str("1970-01-01T00:00:01.000Z warning udp: drop reason=acl\n"
	       "1970-01-01T00:00:02.400Z warning udp: drop reason=acl (3 suppressed)\n",
	       out, "one line per interval with the suppressed count");
	is_int(0, (long long)r.suppressed, "message under the threshold not counted");
	free(out);
	dg_clock_set_fake(NULL);
}

int main(void)
{
	test_format();
	test_levels();
	test_truncation_errno();
	test_threads();
	test_lograte();
	test_log_limited();
	unlink(capture_path);
	return tap_done();
}
