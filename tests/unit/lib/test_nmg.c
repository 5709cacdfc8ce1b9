/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests nmg.c: netmask parsing with each error code, printing, the
 * longest-prefix match with nested and negated entries, /0, /32, /128,
 * IPv6, v4-mapped clients, foreach order, and a randomised comparison of the
 * trie against a brute-force linear matcher (seeded, so failures repeat).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/nmg.h"
#include "tap.h"

static struct dg_addr addr(const char *text)
{
	struct dg_addr a = { 0 };
	if (inet_pton(AF_INET, text, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, a.bytes) == 1)
		a.family = AF_INET6;
	return a;
}

static const char *nm_str(const struct dg_netmask *nm)
{
	static char buf[DG_NETMASK_STRLEN];
	if (dg_netmask_to_str(nm, buf, sizeof(buf)) < 0)
		return "(error)";
	return buf;
}

static void test_parse(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "192.0.2.0/24", "192.0.2.0/24" },   { "10.1.2.3/8", "10.0.0.0/8" },
		{ "192.0.2.1", "192.0.2.1/32" },      { "::1", "::1/128" },
		{ "2001:db8::/32", "2001:db8::/32" }, { "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
		{ "0.0.0.0/0", "0.0.0.0/0" },         { "255.255.255.255/0", "0.0.0.0/0" },
		{ "::/0", "::/0" },                   { "1.2.3.4/032", "1.2.3.4/32" },
		{ "10.255.0.0/9", "10.128.0.0/9" },   { "::ffff:1.2.3.4/128", "::ffff:1.2.3.4/128" },
	};
	static const struct { const char *in; int err; } bad[] = {
		{ "10.0.0.0/33", DG_ENET_PREFIX },  { "1.2.3.4/-1", DG_ENET_PREFIX },
		{ "::1/129", DG_ENET_PREFIX },      { "1.2.3.4/99999999999", DG_ENET_PREFIX },
		{ "10.0.0.0/", DG_ENET_SYNTAX },    { "300.1.1.1", DG_ENET_SYNTAX },
		{ "abc", DG_ENET_SYNTAX },          { "", DG_ENET_SYNTAX },
		{ "/24", DG_ENET_SYNTAX },          { "10.0.0.0/2x", DG_ENET_SYNTAX },
		{ "10.0.0.0/+8", DG_ENET_SYNTAX },  { "10.0.0.0/-", DG_ENET_SYNTAX },
		{ "10.0.0.0/8/8", DG_ENET_SYNTAX }, { " 10.0.0.0/8", DG_ENET_SYNTAX },
		{ "10.0.0.0 /8", DG_ENET_SYNTAX },  { "10.0.0/8", DG_ENET_SYNTAX },
		{ "[::1]/128", DG_ENET_SYNTAX },    { "!10.0.0.0/8", DG_ENET_SYNTAX },
	};
	struct dg_netmask nm;

	for (size_t i = 0; i < DG_ARRAY_SIZE(good); i++) {
		is_err(0, dg_netmask_parse(&nm, good[i].in), "parse %s", good[i].in);
		is_str(good[i].out, nm_str(&nm), "%s prints as %s", good[i].in, good[i].out);
	}
	for (size_t i = 0; i < DG_ARRAY_SIZE(bad); i++)
		is_err(bad[i].err, dg_netmask_parse(&nm, bad[i].in), "reject \"%s\"", bad[i].in);
	is_err(DG_EINVAL, dg_netmask_parse(&nm, NULL), "NULL text");

	is_err(DG_ENET_HOSTBITS, dg_netmask_parse_strict(&nm, "10.1.2.3/8"), "strict: v4 host bits");
	is_err(DG_ENET_HOSTBITS, dg_netmask_parse_strict(&nm, "::1/127"), "strict: v6 host bits");
	is_err(0, dg_netmask_parse_strict(&nm, "10.128.0.0/9"), "strict: clean prefix");
	is_err(DG_ENET_PREFIX, dg_netmask_parse_strict(&nm, "10.0.0.0/33"), "strict: prefix");

	char buf[DG_NETMASK_STRLEN];
	is_err(0, dg_netmask_parse(&nm, "10.0.0.0/8"), "parse for to_str");
	is_int(10, dg_netmask_to_str(&nm, buf, 11), "to_str exact fit");
	is_err(DG_ESPACE, dg_netmask_to_str(&nm, buf, 10), "to_str one short");
	is_err(0, dg_netmask_parse(&nm, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), "longest");
	is_int(43, dg_netmask_to_str(&nm, buf, sizeof(buf)), "longest fits DG_NETMASK_STRLEN");
	nm.addr.family = 0;
	is_err(DG_EINVAL, dg_netmask_to_str(&nm, buf, sizeof(buf)), "to_str bad family");

	struct dg_addr a = addr("10.200.1.1");
	is_err(0, dg_netmask_parse(&nm, "10.128.0.0/9"), "parse for contains");
	ok(dg_netmask_contains(&nm, &a), "10.128.0.0/9 contains 10.200.1.1");
	a = addr("10.100.1.1");
	ok(!dg_netmask_contains(&nm, &a), "10.128.0.0/9 lacks 10.100.1.1");
}

/* Expects dg_nmg_match(g, text) == want and the matched prefix == prefix. */
static void check(const struct dg_nmg *g, const char *text, bool want, const char *prefix)
{
	struct dg_addr a = addr(text);
	struct dg_netmask m;
	memset(&m, 0xee, sizeof(m));
	bool got = dg_nmg_match(g, &a, &m);
	ok(got == want, "%s %s", text, want ? "allowed" : "refused");
	if (prefix != NULL)
		is_str(prefix, nm_str(&m), "%s matched by %s", text, prefix);
	else
		is_int(0xee, m.bits, "%s: match left untouched", text);
}

static void test_lpm(void)
{
	static const char *const acl[] = {
		"10.0.0.0/8", "!10.1.0.0/16", "10.1.2.0/24", "!10.1.2.3", "192.0.2.1/32",
		"2001:db8::/32", "!2001:db8:bad::/48", "2001:db8:bad::1/128",
	};
	struct dg_nmg g;

	dg_nmg_init(&g);
	check(&g, "10.0.0.1", false, NULL);
	for (size_t i = 0; i < DG_ARRAY_SIZE(acl); i++)
		is_err(0, dg_nmg_add_str(&g, acl[i]), "add %s", acl[i]);
	is_int(DG_ARRAY_SIZE(acl), (long long)g.count, "count");
	check(&g, "10.2.3.4", true, "10.0.0.0/8");
	check(&g, "10.1.5.5", false, "10.1.0.0/16");
	check(&g, "10.1.2.4", true, "10.1.2.0/24");
	check(&g, "10.1.2.3", false, "10.1.2.3/32");
	check(&g, "11.0.0.1", false, NULL);
	check(&g, "9.255.255.255", false, NULL);
	check(&g, "192.0.2.1", true, "192.0.2.1/32");
	check(&g, "192.0.2.2", false, NULL);
	check(&g, "2001:db8::53", true, "2001:db8::/32");
	check(&g, "2001:db8:bad::2", false, "2001:db8:bad::/48");
	check(&g, "2001:db8:bad::1", true, "2001:db8:bad::1/128");
	check(&g, "2001:db9::1", false, NULL);
	check(&g, "::ffff:10.2.3.4", true, "10.0.0.0/8");
	check(&g, "::ffff:10.1.2.3", false, "10.1.2.3/32");
	check(&g, "::10.2.3.4", false, NULL); /* IPv4-compatible is not mapped */

	is_err(0, dg_nmg_add_str(&g, "!10.0.0.0/8"), "re-add negated");
	is_int(DG_ARRAY_SIZE(acl), (long long)g.count, "re-adding keeps count");
	check(&g, "10.2.3.4", false, "10.0.0.0/8");

	is_err(DG_ENET_PREFIX, dg_nmg_add_str(&g, "!10.0.0.0/33"), "add_str bad prefix");
	is_err(DG_ENET_SYNTAX, dg_nmg_add_str(&g, "!"), "add_str lone !");
	is_err(DG_ENET_SYNTAX, dg_nmg_add_str(&g, "!!10.0.0.0/8"), "add_str double !");
	struct dg_netmask nm = { .addr = { .family = AF_INET }, .bits = 33 };
	is_err(DG_ENET_PREFIX, dg_nmg_add(&g, &nm, false), "add bits > 32");
	nm.addr.family = AF_UNIX;
	nm.bits = 8;
	is_err(DG_EINVAL, dg_nmg_add(&g, &nm, false), "add bad family");
	nm.addr = addr("10.1.2.255");
	nm.addr.bytes[3] = 0xff;
	nm.bits = 24;
	is_err(0, dg_nmg_add(&g, &nm, true), "add with host bits set");
	check(&g, "10.1.2.4", false, "10.1.2.0/24");

	dg_nmg_clear(&g);
	is_int(0, (long long)g.count, "clear empties");
	check(&g, "10.2.3.4", false, NULL);
	dg_nmg_clear(&g);
}

static void test_edges(void)
{
	struct dg_nmg g;

	dg_nmg_init(&g);
	is_err(0, dg_nmg_add_str(&g, "0.0.0.0/0"), "add v4 /0");
	check(&g, "0.0.0.0", true, "0.0.0.0/0");
	check(&g, "255.255.255.255", true, "0.0.0.0/0");
	check(&g, "::1", false, NULL);
	check(&g, "::ffff:1.2.3.4", true, "0.0.0.0/0");
	is_err(0, dg_nmg_add_str(&g, "::/0"), "add v6 /0");
	is_err(0, dg_nmg_add_str(&g, "!::1"), "add !::1 (/128)");
	is_err(0, dg_nmg_add_str(&g, "!255.255.255.255"), "add /32 at the top");
	check(&g, "::1", false, "::1/128");
	check(&g, "::", true, "::/0");
	check(&g, "::2", true, "::/0");
	check(&g, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, "::/0");
	check(&g, "255.255.255.255", false, "255.255.255.255/32");
	check(&g, "255.255.255.254", true, "0.0.0.0/0");
	dg_nmg_clear(&g);

	/* More specific entries first: the broader one must split in above them. */
	dg_nmg_init(&g);
	is_err(0, dg_nmg_add_str(&g, "192.168.1.128/25"), "add /25");
	is_err(0, dg_nmg_add_str(&g, "!192.168.1.0/26"), "add sibling /26");
	is_err(0, dg_nmg_add_str(&g, "192.168.0.0/16"), "add /16 above");
	check(&g, "192.168.1.200", true, "192.168.1.128/25");
	check(&g, "192.168.1.10", false, "192.168.1.0/26");
	check(&g, "192.168.1.100", true, "192.168.0.0/16");
	check(&g, "192.169.0.0", false, NULL);
	dg_nmg_clear(&g);

	struct dg_addr a;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:198.51.100.7", &s6.sin6_addr);
	is_err(0, dg_addr_from_sockaddr(&a, (struct sockaddr *)&s6), "mapped sockaddr");
	is_int(AF_INET, a.family, "mapped becomes AF_INET");
	is_bytes("\xc6\x33\x64\x07", 4, a.bytes, 4, "mapped address bytes");
	inet_pton(AF_INET6, "2001:db8::7", &s6.sin6_addr);
	is_err(0, dg_addr_from_sockaddr(&a, (struct sockaddr *)&s6), "v6 sockaddr");
	ok(a.family == AF_INET6 && a.bytes[15] == 7, "v6 stays v6");
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	s4.sin_addr.s_addr = htonl(0x0a000001);
	is_err(0, dg_addr_from_sockaddr(&a, (struct sockaddr *)&s4), "v4 sockaddr");
	is_bytes("\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16, a.bytes,
		 16, "v4 bytes, rest zero");
	struct sockaddr su = { .sa_family = AF_UNIX };
	is_err(DG_EINVAL, dg_addr_from_sockaddr(&a, &su), "AF_UNIX refused");
}

struct collect {
	char text[512];
	size_t n;
};

static void collect_fn(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct collect *c = ctx;
	size_t len = strlen(c->text);
	snprintf(c->text + len, sizeof(c->text) - len, "%s%s%s", len ? " " : "", negate ? "!" : "",
		 nm_str(nm));
	c->n++;
}

static void test_foreach(void)
{
	static const char *const in[] = {
		"2001:db8::/32", "10.1.2.0/24", "!10.1.0.0/16", "10.0.0.0/8",
		"::1",           "9.0.0.0/8",   "!10.1.2.3",    "0.0.0.0/0",
	};
	struct dg_nmg g;
	struct collect c = { "", 0 };

	dg_nmg_init(&g);
	for (size_t i = 0; i < DG_ARRAY_SIZE(in); i++)
		is_err(0, dg_nmg_add_str(&g, in[i]), "add %s", in[i]);
	dg_nmg_foreach(&g, collect_fn, &c);
	is_str("0.0.0.0/0 9.0.0.0/8 10.0.0.0/8 !10.1.0.0/16 10.1.2.0/24 !10.1.2.3/32 "
	       "::1/128 2001:db8::/32",
	       c.text, "foreach: v4 then v6, address order, negations marked");
	is_int(DG_ARRAY_SIZE(in), (long long)c.n, "foreach visits every entry once");
	dg_nmg_clear(&g);
}

/* ---- randomised comparison with a linear matcher ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct ref_entry {
	struct dg_netmask nm;
	bool negate;
};

/* Random address near one of a few bases, so prefixes nest and collide. */
static struct dg_addr random_addr(int family)
{
	static const uint8_t bases[4][16] = {
		{ 10, 0, 0, 0 }, { 192, 168, 1, 0 }, { 0x20, 0x01, 0x0d, 0xb8 }, { 0xff, 0xff },
	};
	struct dg_addr a = { .family = (uint8_t)family };
	unsigned len = family == AF_INET ? 4 : 16;
	memcpy(a.bytes, bases[rng() % 4], len);
	unsigned keep = (unsigned)(rng() % (len * 8 + 1)); /* leading bits kept from the base */
	for (unsigned i = keep; i < len * 8; i++)
		if (rng() & 1)
			a.bytes[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
	return a;
}

static bool ref_match(const struct ref_entry *e, size_t n, const struct dg_addr *a,
		      struct dg_netmask *m)
{
	const struct ref_entry *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (dg_netmask_contains(&e[i].nm, a) && (best == NULL || e[i].nm.bits > best->nm.bits))
			best = &e[i];
	if (best != NULL)
		*m = best->nm;
	return best != NULL && !best->negate;
}

static int ref_add(struct ref_entry *e, size_t n, const struct dg_netmask *nm, bool negate)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].nm.bits == nm->bits && memcmp(&e[i].nm.addr, &nm->addr, sizeof(nm->addr)) == 0) {
			e[i].negate = negate;
			return 0;
		}
	e[n].nm = *nm;
	e[n].negate = negate;
	return 1;
}

static void random_prefix(struct dg_netmask *nm, int family)
{
	struct dg_addr a = random_addr(family);
	unsigned max = family == AF_INET ? 32 : 128;
	char text[DG_NETMASK_STRLEN + 8], host[INET6_ADDRSTRLEN];
	/* Lengths biased towards short prefixes so many entries nest. */
	unsigned bits = (unsigned)(rng() % 3 == 0 ? rng() % (max + 1) : rng() % (max / 4 + 1));
	inet_ntop(family, a.bytes, host, sizeof(host));
	snprintf(text, sizeof(text), "%s/%u", host, bits);
	if (dg_netmask_parse(nm, text) < 0)
		diag("could not parse generated %s", text);
}

struct order_check {
	const struct ref_entry *ref;
	size_t nref, visits, unknown;
	struct dg_netmask prev;
	bool have_prev, sorted;
};

static void order_fn(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct order_check *oc = ctx;
	size_t i;

	oc->visits++;
	for (i = 0; i < oc->nref; i++)
		if (oc->ref[i].nm.bits == nm->bits && oc->ref[i].negate == negate &&
		    memcmp(&oc->ref[i].nm.addr, &nm->addr, sizeof(nm->addr)) == 0)
			break;
	oc->unknown += i == oc->nref;
	if (oc->have_prev && oc->prev.addr.family == nm->addr.family) {
		int c = memcmp(oc->prev.addr.bytes, nm->addr.bytes, 16);
		if (c > 0 || (c == 0 && oc->prev.bits >= nm->bits))
			oc->sorted = false;
	}
	oc->prev = *nm;
	oc->have_prev = true;
}

#define NPREFIX 2000
#define NLOOKUP 20000

static void test_random(int family)
{
	static struct ref_entry ref[NPREFIX];
	size_t nref = 0;
	struct dg_nmg g;
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";

	dg_nmg_init(&g);
	int add_err = 0;
	for (int i = 0; i < NPREFIX; i++) {
		struct dg_netmask nm;
		random_prefix(&nm, family);
		bool negate = rng() % 4 == 0;
		add_err |= dg_nmg_add(&g, &nm, negate);
		nref += (size_t)ref_add(ref, nref, &nm, negate);
	}
	is_int(0, add_err, "%s: %d random prefixes added", fam, NPREFIX);
	is_int((long long)nref, (long long)g.count, "%s: count equals distinct prefixes", fam);

	int wrong = 0, matched = 0;
	for (int i = 0; i < NLOOKUP; i++) {
		struct dg_addr a = random_addr(family);
		struct dg_netmask mt, mr;
		memset(&mt, 0, sizeof(mt));
		memset(&mr, 0, sizeof(mr));
		bool t = dg_nmg_match(&g, &a, &mt), r = ref_match(ref, nref, &a, &mr);
		matched += mr.addr.family != 0;
		if (t != r || memcmp(&mt, &mr, sizeof(mt)) != 0) {
			if (wrong++ < 3) {
				char ha[INET6_ADDRSTRLEN];
				inet_ntop(family, a.bytes, ha, sizeof(ha));
				diag("%s: trie %d, linear %d", ha, t, r);
			}
		}
	}
	is_int(0, wrong, "%s: %d lookups agree with the linear matcher", fam, NLOOKUP);
	ok(matched > NLOOKUP / 2, "%s: most lookups hit an entry (%d)", fam, matched);

	struct order_check oc = { .ref = ref, .nref = nref, .sorted = true };
	dg_nmg_foreach(&g, order_fn, &oc);
	is_int((long long)nref, (long long)oc.visits, "%s: foreach visits every entry", fam);
	is_int(0, (long long)oc.unknown, "%s: foreach reports only added entries", fam);
	ok(oc.sorted, "%s: foreach is in address order", fam);
	dg_nmg_clear(&g);
}

int main(void)
{
	test_parse();
	test_lpm();
	test_edges();
	test_foreach();
	test_random(AF_INET);
	test_random(AF_INET6);
	return tap_done();
}
