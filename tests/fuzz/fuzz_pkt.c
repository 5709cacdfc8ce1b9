/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Fuzz target for the message parser and the name module: every input goes
 * through the question hot path, the full parser (with an arena, reset each
 * time as a worker does), RDATA decompression of each record, printing of
 * the question name, and the presentation-format name parser. Whatever the
 * input, nothing may read outside it; a parse that succeeds must leave
 * offsets that stay inside the message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/arena.h"
#include "lib/dname.h"
#include "lib/err.h"
#include "lib/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what the parser promised; aborts (a fuzzer finding) if not. */
static void check_pkt(const struct dg_pkt *pkt, size_t size)
{
	static uint8_t out[DG_MAX_UDP];
	char txt[DG_DNAME_TXTLEN];
	for (int i = 0; i < pkt->rrcount; i++) {
		const struct dg_rr *rr = &pkt->rr[i];
		if ((size_t)rr->rdata_off + rr->rdlen > size || rr->ttl_off + 4u > size)
			abort();
		int n = dg_pkt_rdata_uncompressed(pkt, rr, out, sizeof(out));
		/* RDATA checked by dg_pkt_parse() always expands. */
		if (n < 0)
			abort();
	}
	if (pkt->hdr.qdcount == 1) {
		if (dg_dname_to_str(txt, sizeof(txt), pkt->q.qname) < 0)
			abort();
		uint8_t back[DG_DNAME_MAXLEN];
		/* Printing then parsing a name gives the same name back. */
		int n = dg_dname_from_str(back, sizeof(back), txt, NULL);
		if (n != pkt->q.qname_len || !dg_dname_eq(back, pkt->q.qname))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dg_arena arena;
	static int arena_ready;
	if (!arena_ready) {
		dg_arena_init(&arena, 0);
		arena_ready = 1;
	}

	struct dg_hdr h;
	struct dg_question q;
	int qret = dg_pkt_parse_question(&h, &q, data, size);

	struct dg_pkt pkt;
	int ret = dg_pkt_parse(&pkt, data, size, &arena);
	if (ret == DG_OK) {
		check_pkt(&pkt, size);
		/* A whole message that parses has a question that parses. */
		if (pkt.hdr.qdcount == 1 && qret != DG_OK)
			abort();
	}
	dg_arena_reset(&arena);

	uint8_t name[DG_DNAME_MAXLEN];
	char txt[DG_DNAME_TXTLEN];
	int n = dg_dname_from_strn(name, sizeof(name), (const char *)data, size, NULL);
	if (n > 0) {
		if (dg_dname_check(name, (size_t)n) != n)
			abort();
		if (dg_dname_to_str(txt, sizeof(txt), name) < 0)
			abort();
	}
	return 0;
}
