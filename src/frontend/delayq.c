/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Delayed UDP answers (see delayq.h).
 */
#include "frontend/delayq.h"

#include <stdlib.h>
#include <string.h>

#include "frontend/udp.h"
#include "frontend/worker.h"

struct delay_slot {
	uint64_t due_us;
	union idt_addr client, local;
	int ifindex;
	uint16_t listener;
	uint16_t len;
	uint8_t msg[DELAYQ_MSG];
};

struct delayq {
	unsigned n;                 /* slots in use: v[0..n) */
	uint64_t next_due;          /* earliest due time, UINT64_MAX when empty */
	struct delay_slot *v;
};

static struct delayq *get_queue(struct worker *w)
{
	if (w->delayq != NULL)
		return w->delayq;
	struct delayq *dq = calloc(1, sizeof(*dq));
	if (dq == NULL)
		return NULL;
	dq->v = malloc(sizeof(*dq->v) * DELAYQ_SLOTS);
	if (dq->v == NULL) {
		free(dq);
		return NULL;
	}
	dq->next_due = UINT64_MAX;
	w->delayq = dq;
	return dq;
}

void delayq_add(struct worker *w, uint16_t listener, const uint8_t *buf, size_t len,
		const union idt_addr *client, const union idt_addr *local, int ifindex,
		uint64_t due_us)
{
	struct delayq *dq = len <= DELAYQ_MSG ? get_queue(w) : NULL;
	if (dq == NULL || dq->n == DELAYQ_SLOTS) {
		udp_queue(w, listener, buf, len, client, local, ifindex);
		return;
	}
	struct delay_slot *s = &dq->v[dq->n++];
	s->due_us = due_us;
	s->client = *client;
	s->local = *local;
	s->ifindex = ifindex;
	s->listener = listener;
	s->len = (uint16_t)len;
	memcpy(s->msg, buf, len);
	if (due_us < dq->next_due)
		dq->next_due = due_us;
}

void delayq_run(struct worker *w, uint64_t now_us)
{
	struct delayq *dq = w->delayq;
	if (dq == NULL || dq->n == 0 || now_us < dq->next_due)
		return;
	dq->next_due = UINT64_MAX;
	for (unsigned i = 0; i < dq->n;) {
		struct delay_slot *s = &dq->v[i];
		if (s->due_us > now_us) {
			if (s->due_us < dq->next_due)
				dq->next_due = s->due_us;
			i++;
			continue;
		}
		/* sent before the slot is reused: udp_queue only points at msg */
		udp_queue(w, s->listener, s->msg, s->len, &s->client, &s->local, s->ifindex);
		udp_flush(w, &w->udp[s->listener]);
		*s = dq->v[--dq->n];
	}
}

void delayq_free(struct delayq *dq)
{
	if (dq == NULL)
		return;
	free(dq->v);
	free(dq);
}
