/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Web credentials: dnsdist's "$scrypt$" strings verify (vector computed
 * independently with Python's hashlib.scrypt), plaintext and hashed
 * plaintext match only the secret, malformed strings name their error.
 */
#include <string.h>

#include "frontend/webcred.h"
#include "lib/err.h"
#include "tap.h"

/* hashlib.scrypt(b"dnsdist-secret", salt=bytes(range(16)), n=1024, r=8, p=1, dklen=32) */
static const char vector[] = "$scrypt$ln=10,p=1,r=8$AAECAwQFBgcICQoLDA0ODw==$"
			     "oHhYvR7/CCa5hywrIPWUx5d6Izlx9yHkIDVS/8h7scY=";

static bool matches(const struct webcred *c, const char *s)
{
	return webcred_matches(c, s, strlen(s));
}

static void test_dnsdist_hash(void)
{
	struct webcred c;
	is_int(webcred_init(&c, vector, false), 0, "dnsdist hash parses");
	ok(c.hashed && c.ln == 10 && c.r == 8 && c.p == 1, "parameters read");
	ok(matches(&c, "dnsdist-secret"), "right password matches");
	ok(!matches(&c, "dnsdist-secreT"), "wrong password does not");
	ok(!matches(&c, ""), "empty password does not");
	webcred_clear(&c);
	ok(!c.set && !matches(&c, "dnsdist-secret"), "cleared credential matches nothing");
}

static void test_plain(void)
{
	struct webcred c;
	is_int(webcred_init(&c, "s3cret", false), 0, "plaintext kept");
	ok(!c.hashed && matches(&c, "s3cret"), "plaintext matches");
	ok(!matches(&c, "s3cre") && !matches(&c, "s3cret!"), "prefix and longer do not");
	webcred_clear(&c);
	is_int(webcred_init(&c, "s3cret", true), 0, "hashPlaintextCredentials");
	ok(c.hashed && c.plain == NULL, "only the hash is kept");
	ok(matches(&c, "s3cret") && !matches(&c, "other"), "hashed plaintext matches");
	webcred_clear(&c);
	is_int(webcred_init(&c, NULL, false), 0, "no credential");
	ok(!c.set && !matches(&c, ""), "unset matches nothing, not even empty");
}

static void test_errors(void)
{
	struct webcred c;
	is_err(webcred_init(&c, "$scrypt$ln=10,p=1$AAAA$BBBB", false), DG_ECRED_FORMAT,
	       "missing r= parameter");
	is_err(webcred_init(&c, "$scrypt$ln=10,p=1,r=8$AAECAwQFBgcICQoLDA0ODw==", false),
	       DG_ECRED_FORMAT, "missing hash");
	is_err(webcred_init(&c, "$scrypt$ln=10,p=1,r=8$AAAA$oHhYvR7/CCa5hywrIPWUx5d6Izlx9yHkIDVS/8h7scY=",
			    false), DG_ECRED_FORMAT, "salt not 16 bytes");
	is_err(webcred_init(&c, "$scrypt$ln=20,p=1,r=8$AAECAwQFBgcICQoLDA0ODw==$"
			    "oHhYvR7/CCa5hywrIPWUx5d6Izlx9yHkIDVS/8h7scY=", false),
	       DG_ECRED_PARAMS, "work factor above 32768 refused");
}

static void test_hash_password(void)
{
	char out[WEBCRED_HASHED_MAX], small[16];
	struct webcred c;
	int n = webcred_hash_password("pw", 10, out, sizeof(out));
	ok(n > 0 && strncmp(out, "$scrypt$ln=10,p=1,r=8$", 22) == 0, "hashPassword format");
	is_int(webcred_init(&c, out, false), 0, "its output parses");
	ok(matches(&c, "pw") && !matches(&c, "pW"), "and verifies");
	webcred_clear(&c);
	is_err(webcred_hash_password("pw", 16, out, sizeof(out)), DG_ECRED_PARAMS, "ln 16 refused");
	is_err(webcred_hash_password("pw", 10, small, sizeof(small)), DG_ESPACE, "short buffer");
}

int main(void)
{
	test_dnsdist_hash();
	test_plain();
	test_errors();
	test_hash_password();
	return tap_done();
}
