/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Fuzz target for RDATA presentation <-> wire. The first two input bytes
 * pick the RR type; the rest is used both as presentation text and as wire
 * RDATA. Beyond "no crash, no over-read", it checks the round-trip
 * invariant: whatever we print we must read back to the same wire bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rrtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t wire1[65535], wire2[65535];
static char text[256 * 1024];

/* Prints wire as text and reads it back: both must agree. */
static void check_roundtrip(uint16_t type, const uint8_t *wire, size_t len)
{
	int tlen = dg_rdata_to_str(type, wire, len, text, sizeof(text));
	if (tlen < 0)
		return;
	int back = dg_rdata_from_strn(type, text, (size_t)tlen, NULL, wire2, sizeof(wire2));
	if (back != (int)len || memcmp(wire, wire2, len) != 0)
		abort(); /* printed text does not read back to the same RDATA */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint16_t type = (uint16_t)(data[0] << 8 | data[1]);
	const uint8_t *rest = data + 2;
	size_t n = size - 2;

	int wlen = dg_rdata_from_strn(type, (const char *)rest, n, NULL, wire1, sizeof(wire1));
	if (wlen >= 0)
		check_roundtrip(type, wire1, (size_t)wlen);

	if (n <= sizeof(wire1))
		check_roundtrip(type, rest, n);
	return 0;
}
