/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The selectors and actions added by issue 6 (per-query Lua and the
 * dnsdist rules and actions that go with it). rules.c and actions.c hand
 * these functions every kind they do not handle themselves; the layouts
 * are in rule_types.h.
 */
#pragma once

#include <stdbool.h>

#include "frontend/rule_types.h"

/** rule_match() for the kinds of rules_ext.c. Any worker, concurrently. */
bool rule_match_ext(const struct rule *r, const struct fe_query *q);

/** rule_describe() for the kinds of rules_ext.c (dnsdist's texts). */
void rule_describe_ext(struct desc_buf *b, const struct rule *r);

/** action_apply() for the kinds of actions_ext.c. Any worker, concurrently. */
enum act_result action_apply_ext(struct action *a, const struct fe_conf *conf,
				 struct fe_query *q);

/** action_describe() for the kinds of actions_ext.c. */
void action_describe_ext(struct desc_buf *b, const struct action *a);

/** Frees what an action of actions_ext.c owns (not the action itself). */
void action_free_ext(struct action *a);
