/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Console framing and encryption: nonce merge and increment, seal/open
 * round trips, wrong key and replayed nonce refused, and a known-answer
 * test against bytes produced by dnsdist 1.7.3 in both roles
 * (tests/corpus/console/dnsdist-1.7.3.txt).
 */
#include <stdlib.h>

#include "tap.h"
#include "frontend/console_proto.h"
#include "lib/err.h"

#define KAT_FILE "tests/corpus/console/dnsdist-1.7.3.txt"
#define KAT_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* The hex value of "name <hex>" in the capture file; returns its length. */
static int kat_get(const char *text, const char *name, uint8_t *out, size_t outsz)
{
	char line[512];
	const char *p = text;
	size_t nlen = strlen(name);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len < sizeof(line) && len > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == ' ') {
			memcpy(line, p + nlen + 1, len - nlen - 1);
			line[len - nlen - 1] = '\0';
			return tap_hex_decode(line, out, outsz);
		}
		p = eol ? eol + 1 : NULL;
	}
	return -1;
}

static void test_nonce(void)
{
	struct cp_nonce a, b, m;
	for (int i = 0; i < CP_NONCE_LEN; i++) {
		a.v[i] = (uint8_t)i;
		b.v[i] = (uint8_t)(100 + i);
	}
	cp_nonce_merge(&m, &a, &b);
	is_int(0, m.v[0], "merge: first half from lower");
	is_int(11, m.v[11], "merge: byte 11 from lower");
	is_int(112, m.v[12], "merge: byte 12 from higher");
	is_int(123, m.v[23], "merge: last byte from higher");

	memset(a.v, 0, sizeof(a.v));
	a.v[3] = 0xff;
	cp_nonce_increment(&a);
	uint8_t want[4] = { 0, 0, 1, 0 };
	is_bytes(want, 4, a.v, 4, "increment carries as a big-endian counter");
	memset(a.v, 0xff, 4);
	a.v[4] = 7;
	cp_nonce_increment(&a);
	uint8_t want2[5] = { 0, 0, 0, 0, 7 };
	is_bytes(want2, 5, a.v, 5, "increment wraps in the first 4 bytes only");
}

static void test_roundtrip(void)
{
	uint8_t key[CP_KEY_LEN], key2[CP_KEY_LEN], ct[64], pt[64];
	struct cp_nonce nc, ns;
	struct cp_session cli, srv;

	is_int(0, cp_key_decode(KAT_KEY, key), "key decodes");
	is_err(DG_ECONSOLE_KEY, cp_key_decode("AAEC", key2), "short key refused");
	is_err(DG_ECONSOLE_KEY, cp_key_decode("not base64!", key2), "garbage key refused");
	char txt[CP_KEY_TXT_LEN];
	is_int(0, cp_key_new(txt, sizeof(txt)), "new key");
	is_int(0, cp_key_decode(txt, key2), "new key decodes (%s)", txt);

	cp_nonce_random(&nc);
	cp_nonce_random(&ns);
	cp_session_init(&cli, key, &nc, &ns);
	cp_session_init(&srv, key, &ns, &nc);
	ok(memcmp(cli.wr.v, srv.rd.v, CP_NONCE_LEN) == 0, "client writes with the server's read nonce");
	ok(memcmp(cli.rd.v, srv.wr.v, CP_NONCE_LEN) == 0, "server writes with the client's read nonce");
	ok(memcmp(cli.rd.v, cli.wr.v, CP_NONCE_LEN) != 0, "directions use different nonces");

	for (int i = 0; i < 3; i++) {
		int n = cp_seal(&cli, (const uint8_t *)"dumpStats()", 11, ct, sizeof(ct));
		is_int(11 + CP_MAC_LEN, n, "seal %d length", i);
		int m = cp_open(&srv, ct, (size_t)n, pt, sizeof(pt));
		ok(m == 11 && memcmp(pt, "dumpStats()", 11) == 0, "open %d", i);
	}
	/* a replay no longer verifies: the receiver's nonce moved on */
	int n = cp_seal(&cli, (const uint8_t *)"x", 1, ct, sizeof(ct));
	is_int(1, cp_open(&srv, ct, (size_t)n, pt, sizeof(pt)), "fresh message opens");
	is_err(DG_ECONSOLE_AUTH, cp_open(&srv, ct, (size_t)n, pt, sizeof(pt)), "replay refused");

	struct cp_session bad;
	cp_session_init(&bad, key2, &ns, &nc);
	bad.rd = srv.rd;
	n = cp_seal(&cli, (const uint8_t *)"x", 1, ct, sizeof(ct));
	is_err(DG_ECONSOLE_AUTH, cp_open(&bad, ct, (size_t)n, pt, sizeof(pt)), "wrong key refused");
	is_err(DG_ECONSOLE_SHORT, cp_open(&srv, ct, 5, pt, sizeof(pt)), "shorter than the MAC");
	is_err(DG_ESPACE, cp_seal(&cli, pt, 60, ct, sizeof(ct)), "seal into a small buffer");

	uint8_t len[4];
	cp_put_len(len, 0x01020304);
	uint8_t want[4] = { 1, 2, 3, 4 };
	is_bytes(want, 4, len, 4, "length prefix is big-endian");
	is_int(0x01020304, cp_get_len(len), "length prefix reads back");
}

/* dnsdist as client: our server session must open what it sent. */
static void test_kat_client(const char *text, const uint8_t *key)
{
	struct cp_nonce nc, ns;
	uint8_t m0[64], m1[64], pt[64];
	struct cp_session srv;
	ok(kat_get(text, "c_client_nonce", nc.v, sizeof(nc.v)) == CP_NONCE_LEN &&
	   kat_get(text, "c_server_nonce", ns.v, sizeof(ns.v)) == CP_NONCE_LEN, "KAT nonces");
	int n0 = kat_get(text, "c_msg0", m0, sizeof(m0));
	int n1 = kat_get(text, "c_msg1", m1, sizeof(m1));
	cp_session_init(&srv, key, &ns, &nc);
	is_int(0, cp_open(&srv, m0, (size_t)n0, pt, sizeof(pt)), "dnsdist's first message is empty");
	int n = cp_open(&srv, m1, (size_t)n1, pt, sizeof(pt));
	is_int(13, n, "dnsdist's command opens with the incremented nonce");
	ok(n == 13 && memcmp(pt, "showVersion()", 13) == 0, "command text");
}

/* dnsdist as server: our client session must open its answer, and our
 * sealing of the same command must give the very bytes we sent it. */
static void test_kat_server(const char *text, const uint8_t *key)
{
	struct cp_nonce nc, ns;
	uint8_t cmd[64], resp[64], ct[64], pt[64];
	struct cp_session cli;
	ok(kat_get(text, "s_client_nonce", nc.v, sizeof(nc.v)) == CP_NONCE_LEN &&
	   kat_get(text, "s_server_nonce", ns.v, sizeof(ns.v)) == CP_NONCE_LEN, "KAT nonces");
	int nc_len = kat_get(text, "s_cmd", cmd, sizeof(cmd));
	int nr = kat_get(text, "s_resp", resp, sizeof(resp));
	cp_session_init(&cli, key, &nc, &ns);
	int n = cp_seal(&cli, (const uint8_t *)"showVersion()", 13, ct, sizeof(ct));
	is_bytes(cmd, (size_t)nc_len, ct, (size_t)n, "our sealing equals the bytes dnsdist accepted");
	n = cp_open(&cli, resp, (size_t)nr, pt, sizeof(pt));
	ok(n == 14 && memcmp(pt, "dnsdist 1.7.3\n", 14) == 0, "dnsdist's answer opens");
}

int main(void)
{
	uint8_t key[CP_KEY_LEN];
	size_t len;

	ok(cp_init() == 0, "libsodium initialises");
	test_nonce();
	test_roundtrip();
	char *text = tap_read_file(KAT_FILE, &len);
	ok(text != NULL, "read %s", KAT_FILE);
	if (text && cp_key_decode(KAT_KEY, key) == 0) {
		test_kat_client(text, key);
		test_kat_server(text, key);
	}
	free(text);
	return tap_done();
}
