/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * TAP output for unit tests (see tap.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "tap.h"

static int tap_count;
static int tap_failed;

static bool tap_vreport(bool cond, const char *fmt, va_list ap)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vreport(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool is_int(long long expected, long long got, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool cond = tap_vreport(expected == got, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("expected %lld, got %lld", expected, got);
	return cond;
}

bool is_str(const char *expected, const char *got, const char *fmt, ...)
{
	bool same = (expected == NULL && got == NULL) ||
		    (expected != NULL && got != NULL && strcmp(expected, got) == 0);
	va_list ap;
	va_start(ap, fmt);
	tap_vreport(same, fmt, ap);
	va_end(ap);
	if (!same)
		diag("expected '%s', got '%s'", expected ? expected : "(null)",
		     got ? got : "(null)");
	return same;
}

bool is_err(int expected, int got, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool cond = tap_vreport(expected == got, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("expected %s, got %s (%d)", dg_errname(expected), dg_errname(got), got);
	return cond;
}

static void diag_hex(const char *label, const uint8_t *p, size_t n)
{
	printf("# %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i % 32 == 0 ? "\n#   " : " ", p[i]);
	printf("\n");
}

bool is_bytes(const void *expected, size_t elen, const void *got, size_t glen,
	      const char *fmt, ...)
{
	bool same = elen == glen && (elen == 0 || memcmp(expected, got, elen) == 0);
	va_list ap;
	va_start(ap, fmt);
	tap_vreport(same, fmt, ap);
	va_end(ap);
	if (!same) {
		diag_hex("expected", expected, elen);
		diag_hex("got", got, glen);
	}
	return same;
}

void diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int tap_hex_decode(const char *text, uint8_t *out, size_t outsz)
{
	size_t n = 0;
	int hi = -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
			if (*p == '\0')
				break;
			continue;
		}
		if (isspace((unsigned char)*p))
			continue;
		int v = hexval((unsigned char)*p);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= outsz)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

char *tap_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
		if (cap - n - 1 == 0) {
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL)
		return NULL;
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
