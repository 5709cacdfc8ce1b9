/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dg-rr: drives rrtext.c from the command line for interoperability tests.
 * Reads lines "TYPE RDATA-TEXT" on stdin and prints one line per input line:
 * "WIREHEX<TAB>PRESENTATION" (wire from dg_rdata_from_str(), presentation
 * from dg_rdata_to_str() of that wire), or "ERR <DG_NAME>". Names are
 * relative to the root. Exit status 0 unless stdin or stdout fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/basenc.h"
#include "lib/err.h"
#include "lib/rrtext.h"
#include "lib/rrtype.h"

/* Text of the largest RDATA: up to 4 characters per octet, plus slack. */
#define TEXT_MAX (4 * DG_RDATA_MAXLEN + 4096)

static int convert(const char *line, uint8_t *wire, char *hex, char *text)
{
	size_t tlen = strcspn(line, " \t");
	int type = dg_rrtype_from_str(line, tlen);
	if (type < 0)
		return type;
	int wlen = dg_rdata_from_str((uint16_t)type, line + tlen, NULL, wire, DG_RDATA_MAXLEN);
	if (wlen < 0)
		return wlen;
	int ret = dg_hex_encode(wire, (size_t)wlen, hex, 2 * DG_RDATA_MAXLEN + 1, false);
	if (ret < 0)
		return ret;
	return dg_rdata_to_str((uint16_t)type, wire, (size_t)wlen, text, TEXT_MAX);
}

int main(void)
{
	uint8_t *wire = malloc(DG_RDATA_MAXLEN);
	char *hex = malloc(2 * DG_RDATA_MAXLEN + 1);
	char *text = malloc(TEXT_MAX);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (wire == NULL || hex == NULL || text == NULL)
		return 2;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		int ret = convert(line, wire, hex, text);
		if (ret < 0)
			printf("ERR %s\n", dg_errname(ret));
		else
			printf("%s\t%s\n", hex, text);
	}
	free(line);
	free(text);
	free(hex);
	free(wire);
	return ferror(stdin) || fflush(stdout) != 0 ? 1 : 0;
}
