/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A small TAP producer for unit tests (Knot's libtap API shape). A failing
 * check prints "not ok" with a diagnostic and the test goes on; tap_done()
 * prints the plan and returns the exit status (1 if anything failed).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Records one check; prints "ok N - desc" or "not ok N - desc". Returns ok. */
bool ok(bool cond, const char *fmt, ...) DG_PRINTF(2, 3);

/** Checks two integers are equal; prints both on failure. */
bool is_int(long long expected, long long got, const char *fmt, ...) DG_PRINTF(3, 4);

/** Checks two strings are equal (NULL-safe); prints both on failure. */
bool is_str(const char *expected, const char *got, const char *fmt, ...) DG_PRINTF(3, 4);

/** Checks an error code by name: prints dg_errname() of both on failure. */
bool is_err(int expected, int got, const char *fmt, ...) DG_PRINTF(3, 4);

/** Checks two byte strings are equal; prints a hex dump of both on failure. */
bool is_bytes(const void *expected, size_t elen, const void *got, size_t glen,
	      const char *fmt, ...) DG_PRINTF(5, 6);

/** Prints a "# " diagnostic line. */
void diag(const char *fmt, ...) DG_PRINTF(1, 2);

/** Prints the plan "1..N"; returns 0 when every check passed, else 1. */
int tap_done(void);

/**
 * Decodes hex text (whitespace and '#' comments to end of line ignored)
 * into out. Returns the byte count, or -1 on bad input or overflow.
 * For test data files and inline packets.
 */
int tap_hex_decode(const char *text, uint8_t *out, size_t outsz);

/**
 * Reads a whole file into a malloc'ed buffer (NUL-terminated). Returns NULL
 * on error. Caller frees. *len gets the size without the NUL.
 */
char *tap_read_file(const char *path, size_t *len);
