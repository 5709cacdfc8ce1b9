/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * backend_truncate_tc(): truncateTC(true) keeps the header and question of
 * a TC answer, zeroes the other counts, and keeps an OPT (payload size and
 * DO, no options) only when the answer had one, as dnsdist does.
 */
#include "tap.h"

#include <string.h>

#include "frontend/backend.h"
#include "lib/edns.h"
#include "lib/err.h"

/* Header (TC set, 1 question, 1 answer, 0 authority, 1 additional), the
 * question example.com. A IN, one A record and an OPT (payload 1232, DO,
 * one 4-byte option). */
static const uint8_t answer_tc[] = {
	0x12, 0x34, 0x83, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 127, 0, 0, 1,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x08,
	0xff, 0x01, 0x00, 0x04, 1, 2, 3, 4,
};
#define QEND 29 /* 12 + 13 (name) + 4 */

static void test_with_opt(void)
{
	uint8_t buf[512];
	memcpy(buf, answer_tc, sizeof(answer_tc));
	int n = backend_truncate_tc(buf, sizeof(answer_tc), sizeof(buf), QEND, true);
	is_int(QEND + DG_EDNS_OPT_FIXED, n, "header + question + empty OPT");
	is_bytes(answer_tc, 4, buf, 4, "ID and flags (TC still set) kept");
	static const uint8_t counts[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };
	is_bytes(counts, sizeof(counts), buf + 4, 8, "QD=1 AN=0 NS=0 AR=1 (the new OPT)");
	is_bytes(answer_tc + 12, QEND - 12, buf + 12, QEND - 12, "question unchanged");
	memcpy(buf, answer_tc, sizeof(answer_tc));
	is_int(QEND, backend_truncate_tc(buf, sizeof(answer_tc), sizeof(buf), QEND, false),
	       "setAddEDNSToSelfGeneratedResponses(false): no OPT");
	ok(buf[11] == 0, "ARCOUNT 0 without the OPT");
	memcpy(buf, answer_tc, sizeof(answer_tc));
	n = backend_truncate_tc(buf, sizeof(answer_tc), sizeof(buf), QEND, true);
	static const uint8_t opt[] = { 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,
				       0x00, 0x00 };
	is_bytes(opt, sizeof(opt), buf + QEND, (size_t)n - QEND, "OPT: payload 1232, DO kept, no options");
}

static void test_without_opt(void)
{
	uint8_t buf[512];
	size_t len = 45; /* the answer without its OPT */
	memcpy(buf, answer_tc, len);
	buf[11] = 0;     /* ARCOUNT 0 */
	is_int(QEND, backend_truncate_tc(buf, len, sizeof(buf), QEND, true), "header + question only");
	static const uint8_t counts[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	is_bytes(counts, sizeof(counts), buf + 4, 8, "QD=1, other counts 0");
}

static void test_no_tc(void)
{
	uint8_t buf[512];
	memcpy(buf, answer_tc, sizeof(answer_tc));
	buf[2] &= (uint8_t)~0x02;
	is_int((int)sizeof(answer_tc),
	       backend_truncate_tc(buf, sizeof(answer_tc), sizeof(buf), QEND, true),
	       "TC clear: length unchanged");
	ok(buf[7] == 1 && buf[11] == 1, "TC clear: counts unchanged");
	is_int(DG_EINVAL, backend_truncate_tc(buf, sizeof(answer_tc), sizeof(buf), 5, true),
	       "question end inside the header");
	is_int(DG_EINVAL, backend_truncate_tc(buf, 20, sizeof(buf), QEND, true),
	       "question end past the message");
}

int main(void)
{
	test_with_opt();
	test_without_opt();
	test_no_tc();
	return tap_done();
}
