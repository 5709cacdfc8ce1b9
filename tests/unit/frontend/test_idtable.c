/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The per-(worker, backend) query-ID table: IDs handed out and found again,
 * the max-outstanding limit, send-order expiry, question matching.
 */
#include "tap.h"

#include "frontend/idtable.h"
#include "lib/err.h"
#include "lib/pkt.h"

static void test_alloc_find(void)
{
	struct idtable t;
	is_int(0, idtable_init(&t, IDT_MAX_SLOTS, 0x5a5a), "init");
	uint16_t a, b;
	struct idslot *sa = idtable_alloc(&t, 100, &a);
	struct idslot *sb = idtable_alloc(&t, 200, &b);
	ok(sa && sb && a != b, "two slots, two IDs");
	ok(idtable_find(&t, a) == sa && idtable_find(&t, b) == sb, "found by wire ID");
	ok(idtable_find(&t, (uint16_t)(a ^ 0x0100)) == NULL, "unknown ID not found");
	is_int(2, idtable_count(&t), "2 outstanding");
	idtable_release(&t, sa);
	ok(idtable_find(&t, a) == NULL, "released slot no longer matches");
	idtable_release(&t, sa);
	is_int(1, idtable_count(&t), "double release is harmless");
	idtable_fini(&t);
}

static void test_limit(void)
{
	struct idtable t;
	is_int(0, idtable_init(&t, 3, 0), "init 3");
	uint16_t id;
	struct idslot *s[3];
	for (int i = 0; i < 3; i++)
		s[i] = idtable_alloc(&t, (uint64_t)i, &id);
	ok(idtable_alloc(&t, 9, &id) == NULL, "4th query over max outstanding refused");
	idtable_release(&t, s[1]);
	ok(idtable_alloc(&t, 9, &id) == s[1], "released slot is reused");
	idtable_fini(&t);
	struct idtable t0;
	is_err(DG_EINVAL, idtable_init(&t0, 0, 0), "cap 0 rejected");
}

static void test_expiry(void)
{
	struct idtable t;
	is_int(0, idtable_init(&t, 16, 0), "init");
	uint16_t id;
	struct idslot *s1 = idtable_alloc(&t, 1000, &id);
	struct idslot *s2 = idtable_alloc(&t, 2000, &id);
	struct idslot *s3 = idtable_alloc(&t, 3000, &id);
	ok(idtable_oldest_before(&t, 999) == NULL, "nothing older than 999");
	ok(idtable_oldest_before(&t, 2500) == s1, "oldest first");
	idtable_release(&t, s2); /* answered out of order */
	idtable_release(&t, s1);
	ok(idtable_oldest_before(&t, 2500) == NULL, "answered slots leave the chain");
	ok(idtable_oldest_before(&t, 3000) == s3, "remaining one expires at its time");
	idtable_release(&t, s3);
	ok(idtable_oldest_before(&t, UINT64_MAX) == NULL, "chain empty");
	is_int(0, idtable_count(&t), "none outstanding");
	idtable_fini(&t);
}

static void test_match(void)
{
	struct idtable t;
	is_int(0, idtable_init(&t, 4, 0), "init");
	uint16_t id;
	struct idslot *s = idtable_alloc(&t, 0, &id);
	struct dg_question q = { .qtype = 1, .qclass = 1 };
	int n = dg_dname_from_str(q.qname_lc, sizeof(q.qname_lc), "www.example.com.", NULL);
	q.qname_len = (uint16_t)(n > 0 ? n : 0);
	idslot_set_question(s, &q);
	ok(idslot_matches(s, &q), "same question matches");
	q.qtype = 28;
	ok(!idslot_matches(s, &q), "other qtype does not");
	q.qtype = 1;
	q.qname_lc[1] = 'x';
	ok(!idslot_matches(s, &q), "other name does not");
	idtable_fini(&t);
}

int main(void)
{
	test_alloc_find();
	test_limit();
	test_expiry();
	test_match();
	return tap_done();
}
