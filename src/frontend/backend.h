/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Forwarding over UDP to backends: each worker has one connected UDP socket
 * per backend and one query-ID table per backend (idtable.h). A forwarded
 * query takes a slot whose number becomes its ID; the answer is matched by
 * ID and question, gets its original ID back, goes through the response
 * rules and the cache, and leaves from the local address the query came
 * to. Queries not answered within setUDPTimeout are counted as timeouts
 * of their backend. Worker thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct worker;
struct wbackend;
struct fe_backend;
struct fe_query;
struct route;
struct wev;
struct pcache;
struct idslot;

/**
 * Sets up this worker's state for backend be: the ID table (sized by
 * setMaxUDPOutstanding) and, unless tcpOnly, a connected non-blocking UDP
 * socket watched for answers. Boot time.
 * @retval 0, DG_ENOMEM, -errno from socket()/connect().
 */
DG_MUSTCHECK int backend_open(struct worker *w, struct wbackend *wb, struct fe_backend *be);

/** Closes the socket and frees the ID table. */
void backend_close(struct worker *w, struct wbackend *wb);

/**
 * Queues the UDP client query q (its buffer must stay untouched until the
 * next flush) for backend r->be with its ID rewritten; listener is the
 * index of the worker's UDP socket the query came in on.
 * Counts a drop when the ID table is full.
 */
void backend_forward_udp(struct worker *w, struct fe_query *q, const struct route *r,
			 uint16_t listener);

/** Sends every query queued for wb with one sendmmsg. */
void backend_flush(struct worker *w, struct wbackend *wb);

/** Counts and forgets every query of wb sent at or before cutoff_us. */
void backend_expire(struct worker *w, struct wbackend *wb, uint64_t cutoff_us);

/** Event callback: answers readable on a backend's UDP socket. */
void backend_on_readable(struct worker *w, struct wev *ev, uint32_t events);

/**
 * Rebuilds the query context of a matched backend answer from the slot
 * that recorded its query (client and local address, EDNS state, pool),
 * as a UDP query; a TCP caller overrides the transport fields after.
 * Worker thread only.
 */
void backend_answer_query(struct worker *w, struct fe_query *q, const struct idslot *s);

/**
 * Common end of a backend answer to a UDP client, whichever transport the
 * backend used: response rules, cache insertion, counters, and the send
 * to the client. q describes the answer (buf/len) and the client; cache
 * and key come from the route taken by the query.
 */
void backend_deliver_udp(struct worker *w, struct fe_query *q, struct pcache *cache,
			 uint32_t key, uint16_t listener);

/**
 * Records in s what the answer to q will need: the question, original ID,
 * client EDNS, client and local address, listener, cache and key, pool.
 * Used for UDP slots and for queries forwarded over TCP alike.
 */
void backend_fill_meta(struct idslot *s, const struct fe_query *q, const struct route *r,
		       uint16_t listener);

/**
 * truncateTC(true): cuts an answer with TC set down to its header and
 * question (ANCOUNT, NSCOUNT, ARCOUNT zeroed), as dnsdist does for UDP
 * answers from a backend. When the answer carried an OPT record and
 * add_opt is set (setAddEDNSToSelfGeneratedResponses, default true), a
 * fresh empty one with the same payload size and DO bit is appended; its
 * options are dropped.
 * qend is the offset just past the question (dg_question.end_off).
 * @retval >=0 the new length (len unchanged when TC is clear).
 * @retval DG_EINVAL when qend is not inside the message.
 */
DG_MUSTCHECK int backend_truncate_tc(uint8_t *buf, size_t len, size_t cap, size_t qend,
				     bool add_opt);

/**
 * Folds one answer's latency into the backend's moving average and counts
 * it (responses, latency histogram, SERVFAILs by rcode, the answer's RCODE).
 */
void backend_note_latency(struct worker *w, int be_index, uint64_t latency_us, unsigned rcode);
