/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * UDP answers held back by DelayAction / DelayResponseAction (or a Lua
 * action returning DNSAction.Delay): a per-worker queue the worker's loop
 * drains as entries fall due, so a delay never sleeps and never blocks the
 * worker. The loop wakes at least every W_TICK_MS, which is the delay's
 * granularity.
 *
 * DESIGN: a fixed pool of DELAYQ_SLOTS slots of DELAYQ_MSG bytes per
 * worker, allocated on the first delayed answer (no allocation after
 * that); a full pool, or an answer larger than a slot, is sent at once
 * rather than dropped: a delay is a courtesy to the network, not a
 * promise. Worker thread only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "frontend/idtable.h"

struct worker;
struct delayq;

#define DELAYQ_SLOTS 512
#define DELAYQ_MSG 4096

/**
 * Holds an answer for client until due_us, then sends it through the
 * worker's UDP listener as udp_queue() would. buf is copied. When it
 * cannot be held (no memory, pool full, too large) it is queued now.
 * Worker thread.
 */
void delayq_add(struct worker *w, uint16_t listener, const uint8_t *buf, size_t len,
		const union idt_addr *client, const union idt_addr *local, int ifindex,
		uint64_t due_us);

/** Sends every held answer due at now_us. Worker loop, once per iteration. */
void delayq_run(struct worker *w, uint64_t now_us);

/** Frees the worker's queue (worker_fini). NULL is accepted. */
void delayq_free(struct delayq *dq);
