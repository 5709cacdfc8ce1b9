/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests dname.c: text <-> wire with escapes, limits, comparison, canonical
 * order (RFC 4034 §6.1), subdomain and suffix, and the compression pointer
 * rules of dg_dname_unpack().
 */
#include <string.h>

#include "lib/dname.h"
#include "lib/err.h"
#include "tap.h"

/* Parses str (relative to origin text, or the root) and prints it back. */
static const char *roundtrip(const char *str, const char *origin_txt)
{
	static char txt[DG_DNAME_TXTLEN];
	uint8_t origin[DG_DNAME_MAXLEN], name[DG_DNAME_MAXLEN];
	const uint8_t *o = NULL;
	if (origin_txt != NULL) {
		if (dg_dname_from_str(origin, sizeof(origin), origin_txt, NULL) < 0)
			return "(bad origin)";
		o = origin;
	}
	int ret = dg_dname_from_str(name, sizeof(name), str, o);
	if (ret < 0)
		return dg_errname(ret);
	if (dg_dname_to_str(txt, sizeof(txt), name) < 0)
		return "(to_str failed)";
	return txt;
}

static void test_from_str(void)
{
	uint8_t n[DG_DNAME_MAXLEN];
	static const uint8_t www[] = "\3www\7Example\3com";
	is_int(sizeof(www), dg_dname_from_str(n, sizeof(n), "www.Example.com.", NULL),
	       "absolute name length");
	is_bytes(www, sizeof(www), n, sizeof(www), "absolute name wire form keeps case");
	static const uint8_t adot[] = "\3a.b\7example";
	is_int(sizeof(adot), dg_dname_from_str(n, sizeof(n), "a\\.b.example.", NULL),
	       "escaped dot stays in the label");
	is_bytes(adot, sizeof(adot), n, sizeof(adot), "escaped dot wire form");
	static const uint8_t ddd[] = "\3Abc\1\0";
	is_int(sizeof(ddd), dg_dname_from_str(n, sizeof(n), "\\065bc.\\000.", NULL),
	       "\\DDD escapes");
	is_bytes(ddd, sizeof(ddd), n, sizeof(ddd), "\\065 is 'A', \\000 is a zero octet");

	is_str("a\\.b.example.", roundtrip("a\\.b.example.", NULL), "escaped dot round trip");
	is_str("Abc.", roundtrip("\\065bc.", NULL), "\\065 prints as A");
	is_str("\\000.x.", roundtrip("\\000.x", NULL), "zero octet prints as \\000");
	is_str("a\\ b.", roundtrip("a\\ b.", NULL), "escaped space round trip");
	is_str("\\\"\\(\\)\\;\\@\\$\\\\.", roundtrip("\\\"\\(\\)\\;\\@\\$\\\\", NULL),
	       "special characters are backslash-escaped");
	is_str("\\200\\127.", roundtrip("\\200\\127", NULL), "high and DEL octets as \\DDD");
	is_str("www.example.com.", roundtrip("www", "example.com."), "relative name + origin");
	is_str("www.", roundtrip("www", NULL), "relative name without origin ends at root");
	is_str("example.com.", roundtrip("@", "example.com."), "@ is the origin");
	is_str(".", roundtrip("@", NULL), "@ without origin is the root");
	is_str(".", roundtrip(".", "example.com."), ". is the root");
	is_str("a.b.", roundtrip("a.b.", "example.com."), "absolute name ignores origin");
}

static void test_from_str_errors(void)
{
	uint8_t n[DG_DNAME_MAXLEN];
	char txt[600];
	memset(txt, 'a', 64);
	txt[64] = '\0';
	is_err(DG_ELABEL_LONG, dg_dname_from_str(n, sizeof(n), txt, NULL), "label of 64");
	txt[63] = '.';
	is_int(65, dg_dname_from_str(n, sizeof(n), txt, NULL), "label of 63 is fine");

	/* 63+1 x3 + 61+1 + root = 255: the longest name; one more octet fails. */
	size_t k = 0;
	for (int l = 0; l < 4; l++) {
		size_t ll = l < 3 ? 63 : 61;
		memset(txt + k, 'b', ll);
		k += ll;
		txt[k++] = '.';
	}
	txt[k] = '\0';
	uint8_t longest[DG_DNAME_MAXLEN];
	is_int(255, dg_dname_from_str(longest, sizeof(longest), txt, NULL),
	       "255-octet name accepted");
	/* Make the last label 62 octets: 256 in all. */
	txt[k - 1] = 'b';
	txt[k] = '.';
	txt[k + 1] = '\0';
	is_err(DG_ENAME_LONG, dg_dname_from_str(n, sizeof(n), txt, NULL), "256-octet name");
	is_err(DG_ENAME_LONG, dg_dname_from_str(n, sizeof(n), "x", longest),
	       "relative name + origin over 255 octets");
	is_err(DG_ESPACE, dg_dname_from_str(n, 4, "abcd.", NULL), "output too small");

	is_err(DG_ENAME_EMPTYLABEL, dg_dname_from_str(n, sizeof(n), "a..b", NULL), "a..b");
	is_err(DG_ENAME_EMPTYLABEL, dg_dname_from_str(n, sizeof(n), ".a", NULL), ".a");
	is_err(DG_ENAME_EMPTYLABEL, dg_dname_from_str(n, sizeof(n), "..", NULL), "..");
	is_err(DG_ENAME_ESCAPE, dg_dname_from_str(n, sizeof(n), "a\\25", NULL), "\\25 at end");
	is_err(DG_ENAME_ESCAPE, dg_dname_from_str(n, sizeof(n), "a\\25x.", NULL), "\\25x");
	is_err(DG_ENAME_ESCAPE, dg_dname_from_str(n, sizeof(n), "\\256.", NULL), "\\256");
	is_err(DG_ENAME_ESCAPE, dg_dname_from_str(n, sizeof(n), "a\\", NULL), "lone backslash");
	is_err(DG_ENAME_SYNTAX, dg_dname_from_str(n, sizeof(n), "", NULL), "empty string");
	is_err(DG_ENAME_SYNTAX, dg_dname_from_str(n, sizeof(n), "a b.", NULL),
	       "unescaped space");
	is_err(DG_ENAME_SYNTAX, dg_dname_from_strn(n, sizeof(n), "a\0b", 3, NULL),
	       "raw NUL in a counted string");
	is_int(3, dg_dname_from_strn(n, sizeof(n), "a.bcdef", 1, NULL),
	       "from_strn stops at len");
}

static void test_wire_helpers(void)
{
	static const uint8_t www[] = "\3www\7example\3com";
	static const uint8_t ex[] = "\7EXAMPLE\3Com";
	static const uint8_t bad[] = "\012badexample\3com";
	static const uint8_t root[] = "";
	is_int(17, (long long)dg_dname_len(www), "len");
	is_int(3, dg_dname_labels(www), "labels of www.example.com.");
	is_int(0, dg_dname_labels(root), "labels of the root");
	ok(dg_dname_suffix(www, 2) == www + 4, "suffix with 2 labels");
	ok(dg_dname_suffix(www, 0) == www + 16, "suffix with 0 labels is the root");
	ok(dg_dname_suffix(www, 9) == www, "suffix with too many labels is the name");
	ok(dg_dname_eq(www + 4, ex), "eq ignores case");
	ok(!dg_dname_eq(www, ex), "eq tells names apart");
	ok(!dg_dname_eq(www + 12, root), "com. is not the root");
	ok(dg_dname_is_subdomain(www, ex), "www.example.com under EXAMPLE.Com");
	ok(dg_dname_is_subdomain(ex, ex), "a name is under itself");
	ok(dg_dname_is_subdomain(www, root), "everything is under the root");
	ok(!dg_dname_is_subdomain(bad, ex), "badexample.com. is not under example.com.");
	ok(!dg_dname_is_subdomain(ex, www), "parent is not under child");

	uint8_t n[sizeof(ex)];
	memcpy(n, ex, sizeof(ex));
	dg_dname_tolower(n);
	is_bytes("\7example\3com", sizeof(ex), n, sizeof(ex), "tolower");
	dg_dname_copy_lower(n, (const uint8_t *)"\3ABC\1z", 7);
	is_bytes("\3abc\1z", 7, n, 7, "copy_lower");

	/* The 8-bytes-at-a-time path: every byte value, at every offset of a
	 * word, lower-cased exactly as ASCII (RFC 4343) and nothing else. */
	uint8_t src[256 + 8], dst[256 + 8], want[256 + 8];
	int nbad = 0;
	for (int shift = 0; shift < 8; shift++) {
		for (int i = 0; i < 256 + 8; i++) {
			src[i] = (uint8_t)(i + shift * 37);
			want[i] = src[i] >= 'A' && src[i] <= 'Z' ? (uint8_t)(src[i] + 32) : src[i];
		}
		size_t len = 256 + (size_t)shift;
		dg_dname_copy_lower(dst, src, len);
		nbad += memcmp(dst, want, len) != 0;
	}
	is_int(0, nbad, "copy_lower: all 256 byte values, all word offsets");

	is_int(17, dg_dname_check(www, sizeof(www)), "check: valid name");
	is_err(DG_ENAME_TRUNC, dg_dname_check(www, 16), "check: missing root");
	is_err(DG_EPTR_NOTALLOWED, dg_dname_check((const uint8_t *)"\1a\300\0", 4),
	       "check: pointer not allowed");
	is_err(DG_ELABEL_TYPE, dg_dname_check((const uint8_t *)"\1a\100", 4),
	       "check: label type 0x40");
}

static void test_canon_order(void)
{
	/* The example list of RFC 4034 §6.1, in canonical order. */
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	enum { N = DG_ARRAY_SIZE(order) };
	uint8_t names[N][DG_DNAME_MAXLEN];
	for (int i = 0; i < N; i++)
		if (dg_dname_from_str(names[i], DG_DNAME_MAXLEN, order[i], NULL) < 0)
			diag("cannot parse %s", order[i]);
	int bad = 0;
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			int r = dg_dname_canon_cmp(names[i], names[j]);
			int want = (i > j) - (i < j);
			if ((r > 0) - (r < 0) != want) {
				diag("cmp(%s, %s) = %d", order[i], order[j], r);
				bad++;
			}
		}
	}
	is_int(0, bad, "RFC 4034 6.1 example list sorts in order (all %d pairs)", N * N);
	uint8_t a[DG_DNAME_MAXLEN], b[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(a, sizeof(a), "WWW.Example.", NULL) < 0 ||
	    dg_dname_from_str(b, sizeof(b), "www.example.", NULL) < 0)
		diag("parse failed");
	is_int(0, dg_dname_canon_cmp(a, b), "case does not matter in canonical order");
}

/* The message is a 12-octet header followed by the bytes in 'body'. */
static int unpack_at(const char *hex, size_t at, size_t *pos_out)
{
	uint8_t msg[128], out[DG_DNAME_MAXLEN];
	int len = tap_hex_decode(hex, msg, sizeof(msg));
	if (len < 0)
		return -9999;
	size_t pos = at;
	int ret = dg_dname_unpack(out, sizeof(out), msg, (size_t)len, &pos);
	if (pos_out != NULL)
		*pos_out = pos;
	return ret;
}

#define HDR "000000000000000000000000 "

static void test_unpack(void)
{
	size_t pos;
	is_int(7, unpack_at(HDR "01610362636400 c00c", 19, &pos), "pointer to prior name");
	is_int(21, (long long)pos, "pos moves past the pointer only");
	is_int(7, unpack_at(HDR "01610362636400 0178c00e", 19, &pos), "label then pointer");
	is_int(23, (long long)pos, "pos moves past label and pointer");
	is_int(7, unpack_at(HDR "01610362636400", 12, &pos), "uncompressed name");
	is_int(19, (long long)pos, "pos moves past the root label");
	is_err(DG_EPTR_SELF, unpack_at(HDR "c00c", 12, NULL), "pointer to itself");
	is_err(DG_EPTR_FORWARD, unpack_at(HDR "c00e 00", 12, NULL), "pointer forward");
	is_err(DG_EPTR_RANGE, unpack_at(HDR "c0ff", 12, NULL), "pointer past the end");
	is_err(DG_EPTR_RANGE, unpack_at(HDR "00 c00f", 13, NULL),
	       "pointer to its own end (== msglen)");
	/* 12: "a" then a pointer back to 12: every jump must land strictly
	 * before the previous landing point. */
	is_err(DG_EPTR_LOOP, unpack_at(HDR "0161c00c c00c", 16, NULL), "two-pointer loop");
	is_err(DG_EPTR_LOOP, unpack_at(HDR "01610162c00e c00c", 18, NULL),
	       "pointer chain going forward again");
	is_err(DG_ENAME_TRUNC, unpack_at(HDR "0361", 12, NULL), "label past the end");
	is_err(DG_ENAME_TRUNC, unpack_at(HDR "0161", 12, NULL), "no root label");
	is_err(DG_ENAME_TRUNC, unpack_at(HDR "c0", 12, NULL), "half a pointer");
	is_err(DG_ELABEL_TYPE, unpack_at(HDR "4000", 12, NULL), "label type 0x40");
	is_err(DG_ELABEL_TYPE, unpack_at(HDR "8000", 12, NULL), "label type 0x80");

	uint8_t out[4];
	uint8_t msg[] = { 3, 'a', 'b', 'c', 0 };
	pos = 0;
	is_err(DG_ESPACE, dg_dname_unpack(out, sizeof(out), msg, sizeof(msg), &pos),
	       "output too small");
	is_int(0, (long long)pos, "pos untouched on error");
	is_int(5, dg_dname_unpack(NULL, 0, msg, sizeof(msg), &pos), "NULL out validates");
}

/* A name of 256 octets only reachable through pointers. */
static void test_unpack_long(void)
{
	uint8_t msg[400] = { 0 };
	size_t k = 12;
	/* Four 63-octet labels + root = 257; split across two pointers. */
	for (int l = 0; l < 2; l++) {
		msg[k++] = 63;
		memset(msg + k, 'x', 63);
		k += 63;
	}
	msg[k++] = 0;
	size_t second = k;
	for (int l = 0; l < 2; l++) {
		msg[k++] = 63;
		memset(msg + k, 'y', 63);
		k += 63;
	}
	msg[k++] = 0xc0;
	msg[k++] = 12;
	size_t pos = second;
	uint8_t out[DG_DNAME_MAXLEN];
	is_err(DG_ENAME_LONG, dg_dname_unpack(out, sizeof(out), msg, k, &pos),
	       "name over 255 octets through a pointer");
	msg[second + 64] = 0xc0; /* shorten: 2nd y label -> pointer */
	msg[second + 65] = 12;
	pos = second;
	is_int(64 + 129, dg_dname_unpack(out, sizeof(out), msg, k, &pos),
	       "193-octet name through a pointer");
}

int main(void)
{
	test_from_str();
	test_from_str_errors();
	test_wire_helpers();
	test_canon_order();
	test_unpack();
	test_unpack_long();
	return tap_done();
}
