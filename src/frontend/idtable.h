/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The query-ID table of one (worker, backend) pair: every query forwarded
 * over UDP takes a free slot whose number (xored with a per-table mask)
 * becomes the ID the backend sees; the slot remembers what is needed to
 * match the answer (ID and question) and to send it back (original ID,
 * client and local address, listener), plus the cache key.
 *
 * DESIGN: slots are handed out from a high-water mark first and then from a
 * LIFO free list, so only as many slots as are ever in flight at once are
 * touched (the array is calloc'ed for max outstanding; untouched pages cost
 * no memory). Used slots are also chained in send order: since every query
 * of a backend has the same timeout, the oldest is always at the head, and
 * expiring is O(expired) instead of a scan of the table. Owned by one
 * worker: no locking.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/compiler.h"
#include "lib/dname.h"

struct dg_question;
struct pcache;
struct fe_pool;

#define IDT_NIL UINT32_MAX
#define IDT_MAX_SLOTS 65536u

/* An IPv4 or IPv6 socket address without sockaddr_storage's padding. */
union idt_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct idslot {
	uint32_t prev, next;      /* send-order chain when used, free list when not */
	bool used;
	bool has_opt, do_bit;     /* the forwarded query's EDNS, for the cache */
	bool edns_added, ecs_added; /* undone on the answer (route_fix_answer) */
	uint8_t qname_len;        /* 0 < len <= 255 */
	uint16_t orig_id;         /* the client's ID, restored on the answer */
	uint16_t qtype, qclass;
	uint16_t udp_size;        /* the client's payload size */
	uint16_t listener;        /* index of the worker's UDP socket it came in on */
	int ifindex;              /* interface it arrived on */
	uint32_t cache_key;
	struct pcache *cache;     /* NULL: do not insert the answer */
	struct fe_pool *pool;
	uint64_t sent_us;
	union idt_addr client;
	union idt_addr local;     /* destination address of the query (PKTINFO) */
	uint8_t qname_lc[DG_DNAME_MAXLEN];
};

struct idtable {
	struct idslot *slots;
	uint32_t cap;             /* slots allocated (max outstanding) */
	uint32_t hw;              /* slots below hw have been handed out once */
	uint32_t nused;
	uint32_t free_head;       /* LIFO of released slots */
	uint32_t head, tail;      /* oldest and newest used slot */
	uint16_t mask;            /* wire ID = slot index ^ mask */
};

/**
 * Prepares a table of cap slots (1..65536; larger is clamped) whose wire
 * IDs are slot ^ mask. Boot time (worker start).
 * @retval 0, DG_ENOMEM, DG_EINVAL (cap 0).
 */
DG_MUSTCHECK int idtable_init(struct idtable *t, uint32_t cap, uint16_t mask);

/** Frees the slots. */
void idtable_fini(struct idtable *t);

/**
 * Takes a free slot, chained as the newest in send order with sent_us =
 * now_us. *wire_id receives the ID to put in the forwarded query. The
 * caller fills the other fields.
 * @return the slot, or NULL when cap slots are in use (max outstanding).
 */
struct idslot *idtable_alloc(struct idtable *t, uint64_t now_us, uint16_t *wire_id);

/** The used slot for an ID found in a backend's answer, or NULL. */
struct idslot *idtable_find(struct idtable *t, uint16_t wire_id);

/** Returns a used slot to the free list and unchains it. */
void idtable_release(struct idtable *t, struct idslot *s);

/**
 * The oldest used slot if it was sent at or before cutoff_us, else NULL.
 * The caller counts the timeout and releases it, then asks again.
 */
struct idslot *idtable_oldest_before(struct idtable *t, uint64_t cutoff_us);

/** Number of slots in use (the backend's outstanding queries for this worker). */
static inline uint32_t idtable_count(const struct idtable *t)
{
	return t->nused;
}

/**
 * Stores the question of a query in s (qname lower-cased, type, class) so
 * that idslot_matches() can check the answer.
 */
void idslot_set_question(struct idslot *s, const struct dg_question *q);

/** True when an answer's question equals the one stored in s (case-insensitive). */
bool idslot_matches(const struct idslot *s, const struct dg_question *q);
