/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Health-check decisions without sleeping: the up/down FSM as a function of
 * (state, result), and the judgement of check answers.
 */
#include "tap.h"

#include "frontend/health.h"
#include "lib/dname.h"
#include "lib/err.h"
#include "lib/pkt.h"

static struct hc_fsm checked_up(void)
{
	struct hc_fsm s = { .up = true, .checked = true };
	return s;
}

static void test_initial(void)
{
	struct hc_fsm s = { .up = true };
	unsigned streak = 0;
	ok(hc_fsm_step(&s, 3, 2, false, &streak), "first failed check takes it down at once");
	ok(!s.up, "down after initial failure");
	s = (struct hc_fsm){ .up = true };
	ok(!hc_fsm_step(&s, 3, 2, true, &streak), "first good check keeps it up (no change)");
	ok(s.up && s.checked, "up and checked");
}

static void test_fall(void)
{
	struct hc_fsm s = checked_up();
	unsigned streak = 0;
	ok(!hc_fsm_step(&s, 3, 2, false, &streak), "1st failure of 3: still up");
	ok(!hc_fsm_step(&s, 3, 2, false, &streak), "2nd failure of 3: still up");
	ok(!hc_fsm_step(&s, 3, 2, true, &streak), "a success resets the failures");
	ok(!hc_fsm_step(&s, 3, 2, false, &streak), "1st failure again");
	ok(!hc_fsm_step(&s, 3, 2, false, &streak), "2nd failure again");
	ok(hc_fsm_step(&s, 3, 2, false, &streak), "3rd consecutive failure: change");
	ok(!s.up, "now down");
	is_int(3, streak, "streak reports 3 failures");
	ok(!hc_fsm_step(&s, 3, 2, false, &streak), "more failures while down change nothing");

	s = checked_up();
	ok(hc_fsm_step(&s, 1, 1, false, &streak), "maxCheckFailures=1: one failure is enough");
	is_int(1, streak, "streak 1");
	s = checked_up();
	ok(hc_fsm_step(&s, 0, 0, false, &streak), "0 thresholds behave as 1");
}

static void test_rise(void)
{
	struct hc_fsm s = { .up = false, .checked = true };
	unsigned streak = 0;
	ok(!hc_fsm_step(&s, 1, 3, true, &streak), "1st success of rise=3: still down");
	ok(!hc_fsm_step(&s, 1, 3, true, &streak), "2nd success: still down");
	ok(!hc_fsm_step(&s, 1, 3, false, &streak), "a failure resets the successes");
	ok(!hc_fsm_step(&s, 1, 3, true, &streak), "1st success again");
	ok(!hc_fsm_step(&s, 1, 3, true, &streak), "2nd success again");
	ok(hc_fsm_step(&s, 1, 3, true, &streak), "3rd consecutive success: up");
	ok(s.up, "now up");
	is_int(3, streak, "streak reports 3 successes");
	is_int(0, s.successes + s.failures, "counters reset after a change");
}

/* A response to the check query: header (id, flags) + the question. */
static size_t make_resp(uint8_t *buf, uint16_t id, uint16_t flags, const char *name,
			uint16_t qtype, uint16_t qclass)
{
	uint8_t qn[DG_DNAME_MAXLEN];
	int nl = dg_dname_from_str(qn, sizeof(qn), name, NULL);
	int n = hc_build_query(buf, 512, id, qn, qtype, qclass);
	if (nl < 0 || n < 0)
		return 0;
	buf[2] = (uint8_t)(flags >> 8);
	buf[3] = (uint8_t)flags;
	return (size_t)n;
}

static void test_check_response(void)
{
	uint8_t qn[DG_DNAME_MAXLEN], buf[512];
	if (dg_dname_from_str(qn, sizeof(qn), "a.root-servers.net.", NULL) < 0)
		diag("name parse failed");
	size_t n = make_resp(buf, 0x1234, DG_FLAG_QR, "A.Root-Servers.NET.", 1, 1);
	is_int(HC_OK, hc_check_response(buf, n, 0x1234, qn, 1, 1, false), "good answer (any case)");
	is_int(HC_BAD_ID, hc_check_response(buf, n, 0x1235, qn, 1, 1, false), "wrong ID");
	is_int(HC_SHORT, hc_check_response(buf, 11, 0x1234, qn, 1, 1, false), "short");
	is_int(HC_BAD_QUESTION, hc_check_response(buf, n, 0x1234, qn, 28, 1, false), "other qtype");
	is_int(HC_BAD_QUESTION, hc_check_response(buf, n, 0x1234, qn, 1, 3, false), "other qclass");
	n = make_resp(buf, 7, DG_FLAG_QR, "b.root-servers.net.", 1, 1);
	is_int(HC_BAD_QUESTION, hc_check_response(buf, n, 7, qn, 1, 1, false), "other name");
	n = make_resp(buf, 7, 0, "a.root-servers.net.", 1, 1);
	is_int(HC_NOT_RESPONSE, hc_check_response(buf, n, 7, qn, 1, 1, false), "QR clear");
	n = make_resp(buf, 7, DG_FLAG_QR | 2, "a.root-servers.net.", 1, 1);
	is_int(HC_SERVFAIL, hc_check_response(buf, n, 7, qn, 1, 1, false), "SERVFAIL always fails");
	n = make_resp(buf, 7, DG_FLAG_QR | 3, "a.root-servers.net.", 1, 1);
	is_int(HC_OK, hc_check_response(buf, n, 7, qn, 1, 1, false), "NXDOMAIN ok without mustResolve");
	is_int(HC_NXDOMAIN, hc_check_response(buf, n, 7, qn, 1, 1, true), "NXDOMAIN fails with mustResolve");
	n = make_resp(buf, 7, DG_FLAG_QR | 5, "a.root-servers.net.", 1, 1);
	is_int(HC_OK, hc_check_response(buf, n, 7, qn, 1, 1, false), "REFUSED ok without mustResolve");
	is_int(HC_REFUSED, hc_check_response(buf, n, 7, qn, 1, 1, true), "REFUSED fails with mustResolve");
}

static void test_build_query(void)
{
	uint8_t qn[DG_DNAME_MAXLEN], buf[64];
	int nl = dg_dname_from_str(qn, sizeof(qn), "x.", NULL);
	int n = hc_build_query(buf, sizeof(buf), 0xabcd, qn, 16, 3);
	static const uint8_t want[] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
					1,    'x',  0,    0,    16, 0, 3 };
	is_int(3, nl, "name length");
	is_bytes(want, sizeof(want), buf, n > 0 ? (size_t)n : 0, "check query bytes (RD, one question)");
	is_err(DG_ESPACE, hc_build_query(buf, 12, 1, qn, 1, 1), "too small");
}

int main(void)
{
	test_initial();
	test_fall();
	test_rise();
	test_check_response();
	test_build_query();
	return tap_done();
}
