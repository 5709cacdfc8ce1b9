/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's actions. Which ones let the next rules run follows dnsdist's
 * documentation: NoneAction, LogAction, the Set* actions, QPSAction under
 * its limit, QPSPoolAction over its limit, SpoofAction with no address
 * for the query type, TCAction over TCP, and PoolAction(name, false).
 */
#include "frontend/actions.h"

#include <errno.h>
#include <stdlib.h>

#include "frontend/rule_types.h"
#include "frontend/rules.h"
#include "frontend/rules_ext.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/rrtype.h"

struct action *action_new(enum action_kind kind)
{
	struct action *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->kind = kind;
	a->refs = 1;
	a->fl.ra = -1;
	a->ttl = 60;
	a->response = kind == ACT_RESP_DROP || kind == ACT_RESP_ALLOW;
	if (kind == ACT_POOL || kind == ACT_QPSPOOL)
		a->u.pool.stop = true;
	return a;
}

struct action *action_ref(struct action *a)
{
	a->refs++;
	return a;
}

void action_free(struct action *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	switch (a->kind) {
	case ACT_SPOOF:
		free(a->u.spoof.addrs);
		free(a->u.spoof.cname);
		for (int i = 0; i < a->u.spoof.nraw; i++)
			free(a->u.spoof.raw[i].data);
		free(a->u.spoof.raw);
		break;
	case ACT_LOG:
		if (a->u.log.fp != NULL)
			fclose(a->u.log.fp);
		free(a->u.log.path);
		break;
	default:
		action_free_ext(a);
		break;
	}
	free(a);
}

struct action *action_log_new(const char *path, const struct action_log_opts *o)
{
	struct action *a = action_new(ACT_LOG);
	if (a == NULL)
		return NULL;
	a->u.log.binary = o->binary;
	a->u.log.verbose_only = o->verbose_only;
	a->u.log.timestamp = o->timestamp;
	a->u.log.path = strdup(path);
	if (a->u.log.path == NULL)
		goto fail;
	if (path[0] != '\0') {
		a->u.log.fp = fopen(path, o->append ? "a" : "w");
		if (a->u.log.fp == NULL)
			goto fail;
		if (!o->buffered)
			setvbuf(a->u.log.fp, NULL, _IONBF, 0);
	}
	return a;
fail:;
	int err = errno ? errno : ENOMEM;
	action_free(a);
	errno = err;
	return NULL;
}

/*
 * dnsdist's binary record: [sec u64, nsec u32,] id u16, qname (wire),
 * qtype u16, family, address, port (in dnsdist's in-memory byte order:
 * host order for id/qtype/family, network order for address and port).
 */
static size_t log_binary(const struct action *a, const struct fe_query *q, uint8_t *p)
{
	size_t n = 0;
	if (a->u.log.timestamp) {
		uint64_t us = dg_clock_wall_us();
		uint64_t sec = us / 1000000;
		uint32_t nsec = (uint32_t)(us % 1000000) * 1000;
		memcpy(p + n, &sec, 8);
		memcpy(p + n + 8, &nsec, 4);
		n += 12;
	}
	memcpy(p + n, &q->hdr.id, 2);
	memcpy(p + n + 2, q->q.qname, q->q.qname_len);
	n += 2 + q->q.qname_len;
	memcpy(p + n, &q->q.qtype, 2);
	memcpy(p + n + 2, &q->client.sa.sa_family, sizeof(sa_family_t));
	n += 2 + sizeof(sa_family_t);
	if (q->client.sa.sa_family == AF_INET) {
		memcpy(p + n, &q->client.in.sin_addr, 4);
		memcpy(p + n + 4, &q->client.in.sin_port, 2);
		n += 6;
	} else if (q->client.sa.sa_family == AF_INET6) {
		memcpy(p + n, &q->client.in6.sin6_addr, 16);
		memcpy(p + n + 16, &q->client.in6.sin6_port, 2);
		n += 18;
	}
	return n;
}

static void do_log(const struct action *a, const struct fe_query *q)
{
	if (a->u.log.fp != NULL && a->u.log.binary) {
		uint8_t rec[16 + DG_DNAME_MAXLEN + 32];
		/* one fwrite per record: stdio's FILE lock keeps records whole */
		fwrite(rec, 1, log_binary(a, q, rec), a->u.log.fp);
		return;
	}
	int level = a->u.log.verbose_only ? LOG_DEBUG : LOG_INFO;
	if (a->u.log.fp == NULL && !dg_log_enabled(level))
		return;
	char client[DG_SOCKADDR_STRLEN], name[DG_DNAME_TXTLEN], type[DG_RRTYPE_TXTLEN];
	char ts[48] = "";
	if (dg_sockaddr_to_str(&q->client, client, sizeof(client)) < 0)
		snprintf(client, sizeof(client), "?");
	if (dg_dname_to_str(name, sizeof(name), q->q.qname) < 0)
		snprintf(name, sizeof(name), "?");
	if (dg_rrtype_to_str(q->q.qtype, type, sizeof(type)) < 0)
		type[0] = '\0';
	if (a->u.log.timestamp) {
		uint64_t us = dg_clock_wall_us();
		snprintf(ts, sizeof(ts), "[%llu.%06llu] ", (unsigned long long)(us / 1000000),
			 (unsigned long long)(us % 1000000));
	}
	if (a->u.log.fp == NULL) {
		dg_log(level, "rules", "%sPacket from %s for %s %s with id %u", ts, client, name,
		       type, q->hdr.id);
		return;
	}
	char line[DG_DNAME_TXTLEN + 160];
	int n = snprintf(line, sizeof(line), "%sPacket from %s for %s %s with id %u\n", ts, client,
			 name, type, q->hdr.id);
	if (n > 0)
		fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
		       a->u.log.fp);
}

/*
 * SpoofAction semantics (dnsdist): A queries get the IPv4 addresses, AAAA
 * the IPv6 ones, ANY both; a query type with no address is not spoofed and
 * the next rules run. SpoofCNAMEAction answers every type with the CNAME;
 * SpoofRawAction every type with its RDATA under the query type (or
 * typeForAny for ANY).
 */
static enum act_result spoof(const struct action *a, const struct fe_conf *conf,
			     struct fe_query *q)
{
	struct fe_answer_rr rrs[SPOOF_MAX_RECORDS];
	int n = 0;
	uint16_t qt = q->q.qtype;
	if (a->u.spoof.cname != NULL) {
		rrs[n++] = (struct fe_answer_rr){ DG_TYPE_CNAME, a->ttl, a->u.spoof.cname,
						  (uint16_t)dg_dname_len(a->u.spoof.cname), NULL, 0 };
	} else if (a->u.spoof.nraw > 0) {
		uint16_t t = qt == DG_TYPE_ANY && a->u.spoof.type_for_any ? a->u.spoof.type_for_any : qt;
		for (int i = 0; i < a->u.spoof.nraw && n < SPOOF_MAX_RECORDS; i++)
			rrs[n++] = (struct fe_answer_rr){ t, a->ttl, a->u.spoof.raw[i].data,
							  a->u.spoof.raw[i].len, NULL, 0 };
	} else {
		for (int i = 0; i < a->u.spoof.naddrs && n < SPOOF_MAX_RECORDS; i++) {
			const struct dg_addr *ad = &a->u.spoof.addrs[i];
			bool v4 = ad->family == AF_INET;
			if (qt != DG_TYPE_ANY && qt != (v4 ? DG_TYPE_A : DG_TYPE_AAAA))
				continue;
			rrs[n++] = (struct fe_answer_rr){ v4 ? DG_TYPE_A : DG_TYPE_AAAA, a->ttl,
							  ad->bytes, v4 ? 4 : 16, NULL, 0 };
		}
		if (n == 0)
			return ACT_R_CONTINUE;
	}
	if (query_respond(q, conf, 0, &a->fl, rrs, n) < 0)
		return ACT_R_DROP;
	return ACT_R_ANSWER;
}

static enum act_result set_ecs(const struct action *a, struct fe_query *q)
{
	/* dnsdist: with both masks the client's family picks one, else the
	 * single mask serves every client. Used when the pool adds ECS. */
	bool v6 = a->u.ecs.has_v6 && q->client_addr.family == AF_INET6;
	q->ecs_value = v6 ? a->u.ecs.v6 : a->u.ecs.v4;
	q->ecs_value_set = true;
	return ACT_R_CONTINUE;
}

static enum act_result answer(int ret)
{
	return ret < 0 ? ACT_R_DROP : ACT_R_ANSWER;
}

enum act_result action_apply(struct action *a, const struct fe_conf *conf, struct fe_query *q)
{
	switch (a->kind) {
	case ACT_DROP:
	case ACT_RESP_DROP:
		return ACT_R_DROP;
	case ACT_ALLOW:
	case ACT_RESP_ALLOW:
		return ACT_R_FORWARD;
	case ACT_NONE:
		return ACT_R_CONTINUE;
	case ACT_POOL:
		q->pool = a->u.pool.pool;
		return a->u.pool.stop ? ACT_R_FORWARD : ACT_R_CONTINUE;
	case ACT_QPSPOOL:
		if (!rl_bucket_take(&a->qps, q->now_us))
			return ACT_R_CONTINUE;
		q->pool = a->u.pool.pool;
		return a->u.pool.stop ? ACT_R_FORWARD : ACT_R_CONTINUE;
	case ACT_QPS:
		return rl_bucket_take(&a->qps, q->now_us) ? ACT_R_CONTINUE : ACT_R_DROP;
	case ACT_RCODE:
		return answer(query_respond(q, conf, a->u.rcode, &a->fl, NULL, 0));
	case ACT_SPOOF:
		return spoof(a, conf, q);
	case ACT_TC:
		/* dnsdist's TCAction only applies to UDP: over TCP it does nothing */
		if (q->tcp)
			return ACT_R_CONTINUE;
		return answer(query_respond_tc(q, conf));
	case ACT_LOG:
		do_log(a, q);
		return ACT_R_CONTINUE;
	case ACT_SETECS:
		return set_ecs(a, q);
	case ACT_SKIPCACHE:
		q->skip_cache = true;
		return ACT_R_CONTINUE;
	case ACT_NORECURSE:
		q->hdr.flags &= (uint16_t)~DG_FLAG_RD;
		q->buf[2] &= (uint8_t)~(DG_FLAG_RD >> 8);
		return ACT_R_CONTINUE;
	default:
		return action_apply_ext(a, conf, q);
	}
}

static void describe_spoof(struct desc_buf *b, const struct action *a)
{
	if (a->u.spoof.cname != NULL) {
		desc_add(b, "spoof in ");
		desc_add_name(b, a->u.spoof.cname);
		return;
	}
	if (a->u.spoof.nraw > 0) {
		desc_add(b, "spoof in %d raw answer(s)", a->u.spoof.nraw);
		return;
	}
	desc_add(b, "spoof in ");
	for (int i = 0; i < a->u.spoof.naddrs; i++) {
		char txt[64];
		struct dg_netmask nm = { a->u.spoof.addrs[i], 0 };
		nm.bits = nm.addr.family == AF_INET ? 32 : 128;
		if (dg_netmask_to_str(&nm, txt, sizeof(txt)) < 0)
			txt[0] = '\0';
		char *slash = strchr(txt, '/');
		if (slash != NULL)
			*slash = '\0';
		desc_add(b, "%s%s", i ? ", " : "", txt);
	}
}

int action_describe(const struct action *a, char *out, size_t outsz)
{
	if (a == NULL || out == NULL || outsz == 0)
		return DG_EINVAL;
	struct desc_buf b = { out, outsz, 0, false };
	out[0] = '\0';
	char t1[64], t2[64];
	switch (a->kind) {
	case ACT_DROP: case ACT_RESP_DROP: desc_add(&b, "drop"); break;
	case ACT_ALLOW: case ACT_RESP_ALLOW: desc_add(&b, "allow"); break;
	case ACT_NONE: desc_add(&b, "no op"); break;
	case ACT_POOL: desc_add(&b, "to pool %s", a->u.pool.name); break;
	case ACT_QPSPOOL:
		desc_add(&b, "max %u to pool %s", a->qps.qps, a->u.pool.name);
		break;
	case ACT_QPS: desc_add(&b, "qps limit to %u", a->qps.qps); break;
	case ACT_RCODE: desc_add(&b, "set rcode %u", a->u.rcode); break;
	case ACT_SPOOF: describe_spoof(&b, a); break;
	case ACT_TC: desc_add(&b, "tc=1 answer"); break;
	case ACT_LOG: desc_add(&b, "log%s%s", a->u.log.path[0] ? " to " : "", a->u.log.path); break;
	case ACT_SETECS:
		if (dg_netmask_to_str(&a->u.ecs.v4, t1, sizeof(t1)) < 0)
			t1[0] = '\0';
		if (!a->u.ecs.has_v6 || dg_netmask_to_str(&a->u.ecs.v6, t2, sizeof(t2)) < 0)
			t2[0] = '\0';
		desc_add(&b, "set ECS to %s%s%s", t1, t2[0] ? " / " : "", t2);
		break;
	case ACT_SKIPCACHE: desc_add(&b, "skip cache"); break;
	case ACT_NORECURSE: desc_add(&b, "set rd=0"); break;
	default: action_describe_ext(&b, a); break;
	}
	return b.over ? DG_ESPACE : (int)b.len;
}
