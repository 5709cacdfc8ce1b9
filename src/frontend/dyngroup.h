/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's dynamic block rules (DynBlockRulesGroup and the exceed*
 * functions): per-client counts over the last N seconds of the rings,
 * compared with a rate, and blocks for the clients above it.
 *
 * DESIGN: everything here is a function of the rings' contents and of
 * now_us, passed in (the daemon reads clock.h once per round), so a test
 * fills rings with chosen timestamps and steps time without sleeping.
 * A round walks the query or response ring once per rule, counting per
 * client prefix (setMasks) in a hash table that lives for the call. Runs
 * on the control thread once per second (maintenance()); the rings are
 * read without stopping the workers (rings.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "frontend/dynblock.h"
#include "lib/compiler.h"
#include "lib/nmg.h"

struct rings;
struct dyn_group;

enum dyn_rule_kind {
	DYN_R_QRATE,       /* queries per second */
	DYN_R_QTYPE_RATE,  /* queries of one type per second */
	DYN_R_RCODE_RATE,  /* responses with one rcode per second */
	DYN_R_RCODE_RATIO, /* share of responses with one rcode */
	DYN_R_BYTE_RATE,   /* response bytes per second */
};

/* One rule (setQueryRate, setRCodeRate, ...), dnsdist's parameters. */
struct dyn_rule {
	enum dyn_rule_kind kind;
	double rate;            /* per second, or the ratio for RCODE_RATIO */
	double warning_rate;    /* 0: no warning level */
	unsigned seconds;       /* window */
	char reason[128];
	unsigned block_s;       /* how long a block lasts */
	enum dyn_action act;
	uint16_t qtype;         /* QTYPE_RATE */
	uint8_t rcode;          /* RCODE_* */
	unsigned min_responses; /* RCODE_RATIO: fewer responses never match */
};

/** Called for a client prefix whose count passed a rule's threshold. */
typedef void dyn_offender_fn(const struct dg_netmask *who, double value, bool warning, void *ctx);

/**
 * Counts rule's metric per client prefix (v4_bits / v6_bits kept) over the
 * entries of the last rule->seconds before now_us, and calls fn for each
 * prefix above rule->rate (warning false) or only above rule->warning_rate
 * (warning true). value is the count (the ratio for RCODE_RATIO).
 * This is exceedQRate & co. Control thread.
 * @retval number of offenders, DG_ENOMEM.
 */
DG_MUSTCHECK int dyn_exceed(struct rings *r, const struct dyn_rule *rule, uint64_t now_us,
			    uint8_t v4_bits, uint8_t v6_bits, dyn_offender_fn *fn, void *ctx);

/** A group with no rule, masks /32 and /128, no ranges. NULL on OOM. */
struct dyn_group *dyn_group_new(void);

/** Frees a group. NULL is accepted. */
void dyn_group_free(struct dyn_group *g);

/** Adds a rule (copied); one per kind (and qtype/rcode), a later one replaces it. @retval 0, DG_ENOMEM. */
DG_MUSTCHECK int dyn_group_set_rule(struct dyn_group *g, const struct dyn_rule *rule);

/** setMasks(v4, v6, port): prefix lengths clients are grouped by (port ignored). */
void dyn_group_set_masks(struct dyn_group *g, uint8_t v4_bits, uint8_t v6_bits);

/**
 * excludeRange (exclude true) / includeRange: clients in an excluded range
 * are never blocked unless a more specific included range covers them.
 * @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int dyn_group_range(struct dyn_group *g, const struct dg_netmask *nm, bool exclude);

/** True when a client prefix is excluded from blocking by the group's ranges. */
bool dyn_group_excluded(const struct dyn_group *g, const struct dg_addr *a);

/**
 * apply(): runs every rule on the rings at now_us and adds (or extends)
 * a block in db for each offender not excluded, until now_us + the rule's
 * block time. The caller publishes db. Control thread.
 * @retval number of offenders blocked or warned, DG_ENOMEM.
 */
DG_MUSTCHECK int dyn_group_apply(struct dyn_group *g, struct rings *r, struct dynblock *db,
				 uint64_t now_us);
