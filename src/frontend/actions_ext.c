/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The actions of issue 6 (LuaAction, LuaResponseAction, ContinueAction,
 * SetDisableValidationAction, SetSkipCacheResponseAction,
 * SetTempFailureCacheTTLAction, DelayAction, DelayResponseAction,
 * NegativeAndSOAAction, SetEDNSOptionAction), kept apart from actions.c,
 * which hands them every kind it does not know.
 */
#include <stdlib.h>

#include "frontend/conf.h"
#include "frontend/luart.h"
#include "frontend/rules.h"
#include "frontend/rules_ext.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

/*
 * dnsdist's SetEDNSOptionAction: the option replaces any with the same
 * code in the query's OPT; a query without one gets an OPT (payload 512,
 * what the query allowed without EDNS) so the option can travel.
 */
static enum act_result set_edns_option(const struct action *a, struct fe_query *q)
{
	int off = dg_edns_wire_find(q->buf, q->len);
	if (off == DG_ENOTFOUND) {
		int n = dg_edns_wire_add_opt(q->buf, q->len, q->cap, 512);
		if (n < 0)
			return ACT_R_CONTINUE;
		off = (int)q->len;
		q->len = (size_t)n;
	}
	if (off < 0)
		return ACT_R_CONTINUE;
	int n = dg_edns_wire_set_option(q->buf, q->len, q->cap, (size_t)off, a->u.ednsopt.code,
					a->u.ednsopt.data, a->u.ednsopt.len);
	if (n >= 0)
		q->len = (size_t)n;
	return ACT_R_CONTINUE;
}

/* NegativeAndSOAAction: NXDOMAIN or NODATA with the zone's SOA. */
static enum act_result neg_soa(const struct action *a, const struct fe_conf *conf,
			       struct fe_query *q)
{
	struct fe_answer_rr rr = {
		.type = DG_TYPE_SOA,
		.ttl = a->ttl,
		.rdata = a->u.negsoa.rdata,
		.rdlen = a->u.negsoa.rdlen,
		.owner = a->u.negsoa.zone,
		.section = a->u.negsoa.soa_in_answer ? 0 : 1,
	};
	uint16_t rcode = a->u.negsoa.nxd ? 3 : 0;
	return query_respond(q, conf, rcode, &a->fl, &rr, 1) < 0 ? ACT_R_DROP : ACT_R_ANSWER;
}

enum act_result action_apply_ext(struct action *a, const struct fe_conf *conf, struct fe_query *q)
{
	switch (a->kind) {
	case ACT_LUA:
		return (enum act_result)luart_action(conf->luart, conf, a->u.lua_id, q, a->response);
	case ACT_CONTINUE:
		/* dnsdist: run the action, then go on whatever it said */
		(void)action_apply(a->u.inner, conf, q);
		return ACT_R_CONTINUE;
	case ACT_DISABLE_VALIDATION:
		q->buf[3] |= (uint8_t)DG_FLAG_CD;
		q->hdr.flags |= DG_FLAG_CD;
		return ACT_R_CONTINUE;
	case ACT_SKIPCACHE_RESP:
		q->skip_cache = true; /* the delivery does not insert the answer */
		return ACT_R_CONTINUE;
	case ACT_TEMPFAIL_TTL:
		return ACT_R_CONTINUE; /* accepted: the cache's temporaryFailureTTL applies */
	case ACT_DELAY:
		q->delay_ms = (uint16_t)a->u.num;
		return ACT_R_CONTINUE;
	case ACT_NEGSOA:
		return neg_soa(a, conf, q);
	case ACT_EDNSOPT:
		return set_edns_option(a, q);
	default:
		return ACT_R_CONTINUE;
	}
}

void action_describe_ext(struct desc_buf *b, const struct action *a)
{
	char inner[256];
	switch (a->kind) {
	case ACT_LUA: desc_add(b, "Lua script"); break;
	case ACT_CONTINUE:
		if (action_describe(a->u.inner, inner, sizeof(inner)) < 0)
			inner[0] = '\0';
		desc_add(b, "continue after: %s", inner);
		break;
	case ACT_DISABLE_VALIDATION: desc_add(b, "set cd=1"); break;
	case ACT_SKIPCACHE_RESP: desc_add(b, "skip cache"); break;
	case ACT_TEMPFAIL_TTL: desc_add(b, "set tempfail cache ttl to %u", a->u.num); break;
	case ACT_DELAY: desc_add(b, "delay by %u ms", a->u.num); break;
	case ACT_NEGSOA:
		desc_add(b, "return a %s response with SOA ", a->u.negsoa.nxd ? "NXDOMAIN" : "NODATA");
		desc_add_name(b, a->u.negsoa.zone);
		break;
	case ACT_EDNSOPT: desc_add(b, "add EDNS Option (code=%u)", a->u.ednsopt.code); break;
	default: break;
	}
}

void action_free_ext(struct action *a)
{
	switch (a->kind) {
	case ACT_CONTINUE:
		action_free(a->u.inner);
		break;
	case ACT_NEGSOA:
		free(a->u.negsoa.zone);
		free(a->u.negsoa.rdata);
		break;
	case ACT_EDNSOPT:
		free(a->u.ednsopt.data);
		break;
	default:
		break;
	}
}
