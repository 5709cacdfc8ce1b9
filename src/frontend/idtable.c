/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Query-ID slots of one (worker, backend) pair (see idtable.h).
 */
#include "frontend/idtable.h"

#include <stdlib.h>

#include "lib/err.h"
#include "lib/pkt.h"

int idtable_init(struct idtable *t, uint32_t cap, uint16_t mask)
{
	memset(t, 0, sizeof(*t));
	if (cap == 0)
		return DG_EINVAL;
	if (cap > IDT_MAX_SLOTS)
		cap = IDT_MAX_SLOTS;
	/* calloc: the kernel hands out zero pages lazily, so a 65536-slot table
	 * costs memory only for the slots that are ever in flight at once. */
	t->slots = calloc(cap, sizeof(*t->slots));
	if (t->slots == NULL)
		return DG_ENOMEM;
	t->cap = cap;
	t->mask = cap == IDT_MAX_SLOTS ? mask : 0;
	t->free_head = t->head = t->tail = IDT_NIL;
	return DG_OK;
}

void idtable_fini(struct idtable *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->nused = 0;
}

static uint32_t take_index(struct idtable *t)
{
	if (t->free_head != IDT_NIL) {
		uint32_t i = t->free_head;
		t->free_head = t->slots[i].next;
		return i;
	}
	if (t->hw < t->cap)
		return t->hw++;
	return IDT_NIL;
}

struct idslot *idtable_alloc(struct idtable *t, uint64_t now_us, uint16_t *wire_id)
{
	uint32_t i = take_index(t);
	if (i == IDT_NIL)
		return NULL;
	struct idslot *s = &t->slots[i];
	s->used = true;
	s->sent_us = now_us;
	s->next = IDT_NIL;
	s->prev = t->tail;
	if (t->tail != IDT_NIL)
		t->slots[t->tail].next = i;
	else
		t->head = i;
	t->tail = i;
	t->nused++;
	*wire_id = (uint16_t)(i ^ t->mask);
	return s;
}

struct idslot *idtable_find(struct idtable *t, uint16_t wire_id)
{
	uint32_t i = (uint32_t)(wire_id ^ t->mask);
	if (i >= t->hw || !t->slots[i].used)
		return NULL;
	return &t->slots[i];
}

void idtable_release(struct idtable *t, struct idslot *s)
{
	uint32_t i = (uint32_t)(s - t->slots);
	if (!s->used)
		return;
	if (s->prev != IDT_NIL)
		t->slots[s->prev].next = s->next;
	else
		t->head = s->next;
	if (s->next != IDT_NIL)
		t->slots[s->next].prev = s->prev;
	else
		t->tail = s->prev;
	s->used = false;
	s->cache = NULL;
	s->pool = NULL;
	s->next = t->free_head;
	s->prev = IDT_NIL;
	t->free_head = i;
	t->nused--;
}

struct idslot *idtable_oldest_before(struct idtable *t, uint64_t cutoff_us)
{
	if (t->head == IDT_NIL)
		return NULL;
	struct idslot *s = &t->slots[t->head];
	return s->sent_us <= cutoff_us ? s : NULL;
}

void idslot_set_question(struct idslot *s, const struct dg_question *q)
{
	s->qname_len = (uint8_t)q->qname_len;
	memcpy(s->qname_lc, q->qname_lc, q->qname_len);
	s->qtype = q->qtype;
	s->qclass = q->qclass;
}

bool idslot_matches(const struct idslot *s, const struct dg_question *q)
{
	return s->qtype == q->qtype && s->qclass == q->qclass && s->qname_len == q->qname_len &&
	       memcmp(s->qname_lc, q->qname_lc, s->qname_len) == 0;
}
