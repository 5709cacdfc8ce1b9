/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Backend health checks, as dnsdist does them: every checkInterval seconds
 * a query for checkName/checkType/checkClass (RD set, random ID) goes to the
 * backend, over UDP (over TCP for tcpOnly backends); an answer within
 * checkTimeout with the same ID, QR set, the same question, an RCODE other
 * than SERVFAIL, and (with mustResolve) neither NXDOMAIN nor REFUSED, is a
 * success. maxCheckFailures consecutive failures take an UP backend DOWN;
 * rise consecutive successes bring a DOWN backend UP. The very first check
 * decides the state directly, as dnsdist's initial check does.
 *
 * DESIGN: the decision is a pure function (hc_fsm_step) of the state and
 * one check result, tested without sleeping. The I/O runs on the control
 * thread only: struct health owns one epoll set with the check sockets, and
 * the control thread calls health_process() when that set's fd is readable
 * or the deadline from health_next_us() passes. The verdict is published to
 * workers through fe_backend.healthy (an atomic); state changes are logged
 * once with their reason, each failed check too when
 * setVerboseHealthChecks(true).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct fe_conf;
struct fe_backend;
struct health;

/* The outcome of one check. */
enum hc_result {
	HC_OK,
	HC_TIMEOUT,       /* no answer within checkTimeout */
	HC_NET_ERROR,     /* send/recv/connect failed (e.g. port unreachable) */
	HC_SHORT,         /* answer shorter than a header */
	HC_BAD_ID,        /* answer with another ID */
	HC_NOT_RESPONSE,  /* QR not set */
	HC_SERVFAIL,      /* RCODE SERVFAIL */
	HC_NXDOMAIN,      /* NXDOMAIN while mustResolve */
	HC_REFUSED,       /* REFUSED while mustResolve */
	HC_BAD_QUESTION,  /* question missing, malformed or different */
};

/* Health state of one backend. */
struct hc_fsm {
	bool up;
	bool checked;        /* false until the first check (dnsdist's initial check) */
	unsigned failures;   /* consecutive failures while up */
	unsigned successes;  /* consecutive successes while down */
};

/** A short reason for a result ("timeout", "servfail", ...). */
const char *hc_result_str(enum hc_result r);

/**
 * Feeds one check result into s. While up, max_failures consecutive
 * failures (at least 1) make it down; while down, rise consecutive
 * successes (at least 1) make it up. The first result ever sets the state
 * directly. *streak (if not NULL) receives the length of the run of equal
 * results that caused a change. Pure: no clock, no I/O.
 * @return true when s->up changed.
 */
bool hc_fsm_step(struct hc_fsm *s, unsigned max_failures, unsigned rise, bool success,
		 unsigned *streak);

/**
 * Judges an answer to a check query sent with this ID and question
 * (qname a valid wire name, compared case-insensitively). Pure.
 */
enum hc_result hc_check_response(const uint8_t *resp, size_t len, uint16_t id,
				 const uint8_t *qname, uint16_t qtype, uint16_t qclass,
				 bool must_resolve);

/**
 * Writes a check query (RD set, one question, no EDNS) into buf.
 * @retval length, DG_ESPACE.
 */
DG_MUSTCHECK int hc_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
				uint16_t qtype, uint16_t qclass);

/**
 * Creates the checker for every backend of conf (borrowed until
 * health_free()). Boot time; exits on OOM. Control thread from here on.
 */
struct health *health_new(struct fe_conf *conf);

/** Closes every socket and frees h. */
void health_free(struct health *h);

/** The epoll fd that becomes readable when a check socket has something to read. */
int health_fd(const struct health *h);

/** Monotonic time (µs) at which health_process() must run next at the latest. */
uint64_t health_next_us(const struct health *h);

/**
 * Handles whatever is ready without blocking: answers and errors on check
 * sockets, checks that timed out, checks that are due. Control thread.
 */
void health_process(struct health *h, uint64_t now_us);
