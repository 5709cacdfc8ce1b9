/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests rrtype.c: type, class and algorithm mnemonics both ways, the RFC
 * 3597 generic forms, and the descriptor table's order and coverage.
 */
#include <string.h>

#include "lib/err.h"
#include "lib/rrtype.h"
#include "tap.h"

static int type_of(const char *s)
{
	return dg_rrtype_from_str(s, strlen(s));
}

static int class_of(const char *s)
{
	return dg_rrclass_from_str(s, strlen(s));
}

static void test_types(void)
{
	is_int(1, type_of("A"), "A is 1");
	is_int(1, type_of("a"), "mnemonics are case-insensitive");
	is_int(28, type_of("AAAA"), "AAAA is 28");
	is_int(51, type_of("NSEC3PARAM"), "NSEC3PARAM is 51");
	is_int(65, type_of("https"), "HTTPS is 65");
	is_int(257, type_of("CAA"), "CAA is 257");
	is_int(23, type_of("NSAP-PTR"), "IANA spelling with a dash");
	is_int(65534, type_of("TYPE65534"), "generic TYPE65534");
	is_int(1, type_of("TYPE1"), "generic form of a known type");
	is_int(0, type_of("TYPE0"), "TYPE0");
	is_int(7, type_of("type007"), "leading zeros in TYPEnnn");
	is_err(DG_ETYPE_UNKNOWN, type_of("TYPE65536"), "TYPE65536 is out of range");
	is_err(DG_ETYPE_UNKNOWN, type_of("TYPE"), "TYPE without number");
	is_err(DG_ETYPE_UNKNOWN, type_of("TYPE1x"), "TYPE with trailing garbage");
	is_err(DG_ETYPE_UNKNOWN, type_of("TYPE-1"), "TYPE with sign");
	is_err(DG_ETYPE_UNKNOWN, type_of("AA"), "unknown mnemonic");
	is_err(DG_ETYPE_UNKNOWN, type_of(""), "empty");
	is_int(1, dg_rrtype_from_str("AAAA", 1), "length bounds the mnemonic");

	char buf[DG_RRTYPE_TXTLEN];
	is_int(4, dg_rrtype_to_str(28, buf, sizeof(buf)), "AAAA length");
	is_str("AAAA", buf, "28 prints AAAA");
	is_int(9, dg_rrtype_to_str(65280, buf, sizeof(buf)), "TYPE65280 length");
	is_str("TYPE65280", buf, "unnamed type prints generic");
	ok(dg_rrtype_to_str(258, buf, sizeof(buf)) > 0 && strcmp(buf, "AVC") == 0, "AVC");
	is_err(DG_ESPACE, dg_rrtype_to_str(65280, buf, 9), "no room for the NUL");
	is_err(DG_ESPACE, dg_rrtype_to_str(1, buf, 0), "zero-size buffer");
}

static void test_classes(void)
{
	is_int(1, class_of("IN"), "IN");
	is_int(3, class_of("CH"), "CH");
	is_int(3, class_of("chaos"), "CHAOS alias");
	is_int(4, class_of("HS"), "HS");
	is_int(4, class_of("HESIOD"), "HESIOD alias");
	is_int(254, class_of("NONE"), "NONE");
	is_int(255, class_of("ANY"), "ANY");
	is_int(3, class_of("CLASS3"), "generic CLASS3");
	is_int(65535, class_of("CLASS65535"), "generic CLASS65535");
	is_err(DG_ECLASS_UNKNOWN, class_of("CLASS65536"), "CLASS65536 out of range");
	is_err(DG_ECLASS_UNKNOWN, class_of("INET"), "unknown class");

	char buf[DG_RRTYPE_TXTLEN];
	ok(dg_rrclass_to_str(3, buf, sizeof(buf)) == 2 && strcmp(buf, "CH") == 0,
	   "3 prints CH, the first alias");
	ok(dg_rrclass_to_str(4, buf, sizeof(buf)) == 2 && strcmp(buf, "HS") == 0, "4 prints HS");
	ok(dg_rrclass_to_str(2, buf, sizeof(buf)) == 6 && strcmp(buf, "CLASS2") == 0,
	   "2 prints CLASS2");
}

static void test_table(void)
{
	/* dg_rrtype_desc() bisects: every named type must be found again. */
	int bad = 0, named = 0;
	for (unsigned t = 0; t <= 65535; t++) {
		const struct dg_rrtype_desc *d = dg_rrtype_desc((uint16_t)t);
		if (d == NULL)
			continue;
		named++;
		if (d->type != t || type_of(d->name) != (int)t)
			bad++;
	}
	is_int(0, bad, "all %d named types round-trip through their mnemonic", named);
	ok(named > 60, "the table holds the IANA types dnspython knows (%d)", named);

	static const uint16_t required[] = { 1,  28, 2,  5,  39, 6,  12, 15, 16, 33,
					     35, 257, 43, 48, 46, 47, 50, 51, 64, 65 };
	int missing = 0;
	for (size_t i = 0; i < DG_ARRAY_SIZE(required); i++) {
		const struct dg_rrtype_desc *d = dg_rrtype_desc(required[i]);
		if (d == NULL || d->fields[0] == DG_RDF_END)
			missing++;
	}
	is_int(0, missing, "every type the issue lists has an RDATA layout");
	ok(dg_rrtype_desc(41)->fields[0] == DG_RDF_END, "OPT has no text layout");
	ok(dg_rrtype_desc(65280) == NULL, "private type has no descriptor");
}

static void test_algs(void)
{
	is_int(8, dg_dnssec_alg_from_str("RSASHA256", 9), "RSASHA256");
	is_int(15, dg_dnssec_alg_from_str("ed25519", 7), "ED25519, any case");
	is_int(7, dg_dnssec_alg_from_str("RSASHA1-NSEC3-SHA1", 18), "dashed mnemonic");
	is_err(DG_ETEXT_SYNTAX, dg_dnssec_alg_from_str("RSASHA3", 7), "unknown algorithm");
}

int main(void)
{
	test_types();
	test_classes();
	test_table();
	test_algs();
	return tap_done();
}
