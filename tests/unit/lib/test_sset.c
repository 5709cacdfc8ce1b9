/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Suffix set: whole-label suffix matching, case, root, growth.
 */
#include "tap.h"

#include <stdio.h>

#include "lib/dname.h"
#include "lib/err.h"
#include "lib/sset.h"

static void add(struct dg_sset *s, const char *txt)
{
	uint8_t n[DG_DNAME_MAXLEN];
	int len = dg_dname_from_str(n, sizeof(n), txt, NULL);
	ok(len > 0 && dg_sset_add(s, n) == 0, "add %s", txt);
}

static bool match(const struct dg_sset *s, const char *txt)
{
	uint8_t n[DG_DNAME_MAXLEN];
	if (dg_dname_from_str(n, sizeof(n), txt, NULL) <= 0)
		return false;
	return dg_sset_match(s, n);
}

static void test_basic(void)
{
	struct dg_sset s;
	dg_sset_init(&s);
	ok(!match(&s, "example.com."), "empty set matches nothing");
	add(&s, "Example.COM.");
	add(&s, "zaibdns.lab");
	ok(match(&s, "example.com."), "exact name matches");
	ok(match(&s, "www.EXAMPLE.com."), "subdomain matches, any case");
	ok(match(&s, "a.b.c.example.com."), "deep subdomain matches");
	ok(!match(&s, "badexample.com."), "badexample.com is not under example.com");
	ok(!match(&s, "com."), "parent does not match");
	ok(!match(&s, "."), "root does not match");
	ok(!match(&s, "example.org."), "other name does not match");
	ok(match(&s, "ns1.zaibdns.lab."), "second suffix matches");
	add(&s, "example.com.");
	is_int(2, (long long)dg_sset_count(&s), "duplicate stored once");
	uint8_t lc[DG_DNAME_MAXLEN];
	int n = dg_dname_from_str(lc, sizeof(lc), "example.com.", NULL);
	is_bytes(lc, (size_t)n, dg_sset_name(&s, 0), dg_dname_len(dg_sset_name(&s, 0)),
		 "names stored lower-cased in insertion order");
	ok(dg_sset_contains(&s, lc), "contains exact");
	dg_sset_clear(&s);
	ok(!match(&s, "example.com."), "cleared set matches nothing");
}

static void test_root_and_growth(void)
{
	struct dg_sset s;
	dg_sset_init(&s);
	add(&s, ".");
	ok(match(&s, "."), "root matches root");
	ok(match(&s, "anything.example."), "root matches everything");
	dg_sset_clear(&s);

	char txt[64];
	int fails = 0;
	for (int i = 0; i < 1000; i++) {
		uint8_t n[DG_DNAME_MAXLEN];
		snprintf(txt, sizeof(txt), "n%d.example.", i);
		if (dg_dname_from_str(n, sizeof(n), txt, NULL) <= 0 || dg_sset_add(&s, n) != 0)
			fails++;
	}
	is_int(0, fails, "1000 names added");
	is_int(1000, (long long)dg_sset_count(&s), "count after growth");
	int misses = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(txt, sizeof(txt), "www.N%d.example.", i);
		if (!match(&s, txt))
			misses++;
	}
	is_int(0, misses, "every added suffix matches after growth");
	ok(!match(&s, "n1000.example."), "a name never added does not match");
	ok(!match(&s, "example."), "their parent does not match");
	dg_sset_clear(&s);
}

int main(void)
{
	test_basic();
	test_root_and_growth();
	return tap_done();
}
