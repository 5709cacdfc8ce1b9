/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Shared between config/lua_rules.c (selectors, rule lists, the function
 * table) and config/lua_actions.c (the *Action constructors): the action
 * userdata and the argument helpers both files use. lr_ functions live in
 * lua_rules.c, la_ functions in lua_actions.c. Configuration time only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "frontend/rule_types.h"

struct lua_State;

#define LR_ACTION_T "dnsgate.action"

/* An action object in Lua; its __gc drops the reference. */
struct lr_action_ud {
	struct action *a;
};

/** Raises "func: out of memory" (never returns; typed for `return lr_oom(...)`). */
void *lr_oom(struct lua_State *L, const char *func);

/** Pushes an empty action userdata (a == NULL) and returns it. */
struct lr_action_ud *lr_push_action_ud(struct lua_State *L);

/** Pushes a userdata holding a new rule of this kind and returns the rule. */
struct rule *lr_push_rule(struct lua_State *L, enum rule_kind kind, const char *func);

/** Pushes a userdata holding a new action of this kind and returns the action. */
struct action *lr_push_action(struct lua_State *L, enum action_kind kind, const char *func);

/**
 * The action at idx (borrowed), or a configuration error when it is not an
 * action or is a query action where a response action is needed (or back).
 */
struct action *lr_check_action(struct lua_State *L, int idx, const char *func, bool response);

/**
 * An integer in [0, max] at idx, or (when from_str is given) a mnemonic it
 * converts, such as "A" for QTypeRule; a configuration error otherwise.
 */
uint16_t lr_check_num(struct lua_State *L, int idx, const char *func, long long max,
		      int (*from_str)(const char *, size_t));

/**
 * A DNSName object or a presentation-format string at idx, as a wire name
 * written to out (DG_DNAME_MAXLEN bytes); a configuration error otherwise.
 */
void lr_check_name(struct lua_State *L, int idx, uint8_t *out, const char *func);

/** DropAction(): builds dnsdist's DropAction (arguments and options as dnsdist's). */
int la_DropAction(struct lua_State *L);

/** AllowAction(): builds dnsdist's AllowAction (arguments and options as dnsdist's). */
int la_AllowAction(struct lua_State *L);

/** NoneAction(): builds dnsdist's NoneAction (arguments and options as dnsdist's). */
int la_NoneAction(struct lua_State *L);

/** TCAction(): builds dnsdist's TCAction (arguments and options as dnsdist's). */
int la_TCAction(struct lua_State *L);

/** SetSkipCacheAction(): builds dnsdist's SetSkipCacheAction (arguments and options as dnsdist's). */
int la_SetSkipCacheAction(struct lua_State *L);

/** SetNoRecurseAction(): builds dnsdist's SetNoRecurseAction (arguments and options as dnsdist's). */
int la_SetNoRecurseAction(struct lua_State *L);

/** DropResponseAction(): builds dnsdist's DropResponseAction (arguments and options as dnsdist's). */
int la_DropResponseAction(struct lua_State *L);

/** AllowResponseAction(): builds dnsdist's AllowResponseAction (arguments and options as dnsdist's). */
int la_AllowResponseAction(struct lua_State *L);

/** PoolAction(): builds dnsdist's PoolAction (arguments and options as dnsdist's). */
int la_PoolAction(struct lua_State *L);

/** QPSPoolAction(): builds dnsdist's QPSPoolAction (arguments and options as dnsdist's). */
int la_QPSPoolAction(struct lua_State *L);

/** QPSAction(): builds dnsdist's QPSAction (arguments and options as dnsdist's). */
int la_QPSAction(struct lua_State *L);

/** RCodeAction(): builds dnsdist's RCodeAction (arguments and options as dnsdist's). */
int la_RCodeAction(struct lua_State *L);

/** ERCodeAction(): builds dnsdist's ERCodeAction (arguments and options as dnsdist's). */
int la_ERCodeAction(struct lua_State *L);

/** SpoofAction(): builds dnsdist's SpoofAction (arguments and options as dnsdist's). */
int la_SpoofAction(struct lua_State *L);

/** SpoofCNAMEAction(): builds dnsdist's SpoofCNAMEAction (arguments and options as dnsdist's). */
int la_SpoofCNAMEAction(struct lua_State *L);

/** SpoofRawAction(): builds dnsdist's SpoofRawAction (arguments and options as dnsdist's). */
int la_SpoofRawAction(struct lua_State *L);

/** LogAction(): builds dnsdist's LogAction (arguments and options as dnsdist's). */
int la_LogAction(struct lua_State *L);

/** SetECSAction(): builds dnsdist's SetECSAction (arguments and options as dnsdist's). */
int la_SetECSAction(struct lua_State *L);
