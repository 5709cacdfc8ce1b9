/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Runs the parser over tests/corpus: each malformed packet must fail with
 * the error its MANIFEST line names, each valid packet must parse with the
 * counts and question dnspython read back when it built it. Packets are
 * copied into exact-size heap blocks so ASan catches any over-read.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/dname.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "tap.h"

#define MAL_DIR "tests/corpus/malformed/"
#define VALID_DIR "tests/corpus/valid/"

/* Every message error the parser names must have at least one case. */
static const char *const required[] = {
	"DG_EPTR_SELF",	     "DG_EPTR_FORWARD",	   "DG_EPTR_RANGE",	 "DG_EPTR_LOOP",
	"DG_ELABEL_TYPE",    "DG_ENAME_LONG",	   "DG_ENAME_TRUNC",	 "DG_EHDR_SHORT",
	"DG_EQUESTION_TRUNC", "DG_ERR_TRUNC",	   "DG_ERDATA_TRUNC",	 "DG_ERDATA_FORMAT",
	"DG_ECOUNT",	     "DG_ETRAILING",	   "DG_EOPT_MULTI",	 "DG_EOPT_NOTROOT",
	"DG_EOPT_SECTION",   "DG_ETSIG_NOTLAST",   "DG_EQDCOUNT",	 "DG_ETOOMANYRR",
};

/* Reads dir/file as hex into a malloc'ed block of exactly its size. */
static uint8_t *load_hex(const char *dir, const char *file, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", dir, file);
	char *text = tap_read_file(path, NULL);
	if (text == NULL)
		return NULL;
	static uint8_t buf[DG_MAX_UDP + 1];
	int n = tap_hex_decode(text, buf, sizeof(buf));
	free(text);
	if (n < 0)
		return NULL;
	uint8_t *exact = malloc(n > 0 ? (size_t)n : 1);
	if (exact != NULL && n > 0)
		memcpy(exact, buf, (size_t)n);
	*len = (size_t)n;
	return exact;
}

/* Next non-comment line of a manifest, or NULL at the end. */
static char *next_line(char **cursor)
{
	while (**cursor != '\0') {
		char *line = *cursor;
		char *nl = strchr(line, '\n');
		*cursor = nl != NULL ? nl + 1 : line + strlen(line);
		if (nl != NULL)
			*nl = '\0';
		if (line[0] != '#' && line[0] != '\0')
			return line;
	}
	return NULL;
}

static void check_malformed(const char *file, const char *errname, const char *mode,
			    struct dg_arena *a)
{
	size_t len = 0;
	uint8_t *wire = load_hex(MAL_DIR, file, &len);
	int want = dg_err_from_name(errname);
	if (!ok(wire != NULL && want != DG_EINVAL, "%s: readable, %s known", file, errname)) {
		free(wire);
		return;
	}
	int got;
	if (mode != NULL && strcmp(mode, "question") == 0) {
		struct dg_hdr h;
		struct dg_question q;
		got = dg_pkt_parse_question(&h, &q, wire, len);
	} else {
		struct dg_pkt pkt;
		got = dg_pkt_parse(&pkt, wire, len, a);
		dg_arena_reset(a);
	}
	is_err(want, got, "%s -> %s", file, errname);
	free(wire);
}

static void test_malformed(void)
{
	char *text = tap_read_file(MAL_DIR "MANIFEST", NULL);
	if (!ok(text != NULL, "malformed MANIFEST readable"))
		return;
	bool seen[DG_ARRAY_SIZE(required)] = { false };
	int cases = 0;
	struct dg_arena a;
	dg_arena_init(&a, 0);
	char *cursor = text, *line;
	while ((line = next_line(&cursor)) != NULL) {
		char *save = NULL;
		char *file = strtok_r(line, " \t", &save);
		char *err = strtok_r(NULL, " \t", &save);
		char *mode = strtok_r(NULL, " \t", &save);
		if (!ok(file != NULL && err != NULL, "manifest line has file and error"))
			continue;
		check_malformed(file, err, mode, &a);
		for (size_t i = 0; i < DG_ARRAY_SIZE(required); i++)
			seen[i] |= strcmp(err, required[i]) == 0;
		cases++;
	}
	dg_arena_free(&a);
	free(text);
	ok(cases >= 25, "at least 25 malformed cases (%d)", cases);
	for (size_t i = 0; i < DG_ARRAY_SIZE(required); i++)
		ok(seen[i], "corpus has a case for %s", required[i]);
}

/* Fields of a valid MANIFEST line after the file name. */
struct expect {
	int qd, an, ns, ar, opt, tsig, qtype;
	char qname[DG_DNAME_TXTLEN];
};

static void check_records(const struct dg_pkt *pkt, const char *file)
{
	uint8_t out[DG_MAX_UDP];
	int bad = 0;
	for (int i = 0; i < pkt->rrcount; i++) {
		int n = dg_pkt_rdata_uncompressed(pkt, &pkt->rr[i], out, sizeof(out));
		if (n < pkt->rr[i].rdlen)
			bad++;
	}
	is_int(0, bad, "%s: every RDATA expands (never shorter than on the wire)", file);
}

static void check_valid(const char *file, const struct expect *e)
{
	size_t len = 0;
	uint8_t *wire = load_hex(VALID_DIR, file, &len);
	struct dg_pkt pkt;
	if (!ok(wire != NULL, "%s: readable", file))
		return;
	if (!is_err(DG_OK, dg_pkt_parse(&pkt, wire, len, NULL), "%s parses", file)) {
		free(wire);
		return;
	}
	char txt[DG_DNAME_TXTLEN];
	is_int(e->an + e->ns + e->ar, pkt.rrcount, "%s: record count", file);
	ok(pkt.hdr.qdcount == e->qd && pkt.hdr.ancount == e->an && pkt.hdr.nscount == e->ns &&
		   pkt.hdr.arcount == e->ar,
	   "%s: section counts", file);
	is_int(e->opt, pkt.opt_idx >= 0, "%s: OPT present", file);
	is_int(e->tsig, pkt.tsig_idx >= 0 && pkt.tsig_idx == pkt.rrcount - 1, "%s: TSIG present and last", file);
	is_int(e->qtype, pkt.q.qtype, "%s: qtype", file);
	if (dg_dname_to_str(txt, sizeof(txt), pkt.q.qname) < 0)
		txt[0] = '\0';
	is_str(e->qname, txt, "%s: qname as received", file);
	check_records(&pkt, file);

	struct dg_hdr h;
	struct dg_question q;
	is_err(DG_OK, dg_pkt_parse_question(&h, &q, wire, len), "%s: question path", file);
	ok(q.qname_len == pkt.q.qname_len && dg_dname_eq(q.qname_lc, pkt.q.qname),
	   "%s: question path sees the same name", file);
	dg_pkt_free(&pkt, NULL);
	free(wire);
}

static void test_valid(void)
{
	char *text = tap_read_file(VALID_DIR "MANIFEST", NULL);
	if (!ok(text != NULL, "valid MANIFEST readable"))
		return;
	char *cursor = text, *line;
	int cases = 0;
	while ((line = next_line(&cursor)) != NULL) {
		char file[256];
		struct expect e;
		int n = sscanf(line, "%255s %d %d %d %d %d %d %1020s %d", file, &e.qd, &e.an, &e.ns,
			       &e.ar, &e.opt, &e.tsig, e.qname, &e.qtype);
		if (!is_int(9, n, "valid manifest line parses"))
			continue;
		check_valid(file, &e);
		cases++;
	}
	free(text);
	ok(cases >= 5, "at least 5 valid packets (%d)", cases);
}

int main(void)
{
	test_malformed();
	test_valid();
	return tap_done();
}
