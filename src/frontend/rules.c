/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rule selectors and the evaluation of rule chains (dnsdist's addAction
 * list): in order, each matching rule's action runs; the first terminal
 * action decides. Match counters are relaxed atomics: a counter bump per
 * matching rule, no lock.
 */
#include "frontend/rules.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
/* liburcu's inline read side (LGPL-2.1 headers, fine in GPL code): a
 * read-side section per query then costs a few instructions, not two calls
 * into the shared library and their TLS look-ups. */
#define _LGPL_SOURCE
#include <urcu.h>

#include "frontend/luart.h"
#include "frontend/rule_types.h"
#include "frontend/rulec.h"
#include "frontend/rules_ext.h"
#include "lib/err.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

struct rule *rule_new(enum rule_kind kind)
{
	struct rule *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->kind = kind;
	r->refs = 1;
	rulec_note_change(); /* compiled chains built before no longer apply */
	if (kind == RULE_NMG) {
		dg_nmg_init(&r->u.nmg.nmg);
		r->u.nmg.src = true;
	}
	return r;
}

struct rule *rule_ref(struct rule *r)
{
	r->refs++;
	return r;
}

struct fe_smn *fe_smn_new(void)
{
	struct fe_smn *smn = calloc(1, sizeof(*smn));
	if (smn == NULL)
		return NULL;
	smn->refs = 1;
	dg_sset_init(&smn->set);
	return smn;
}

void fe_smn_unref(struct fe_smn *smn)
{
	if (smn == NULL || --smn->refs > 0)
		return;
	dg_sset_clear(&smn->set);
	free(smn);
}

void rule_free(struct rule *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	rulec_note_change(); /* its address may come back as another rule */
	switch (r->kind) {
	case RULE_SUFFIX:
		fe_smn_unref(r->u.smn);
		break;
	case RULE_REGEX:
		for (int i = 0; r->u.regex.re != NULL && i < r->u.regex.copies; i++)
			regfree(&r->u.regex.re[i]);
		free(r->u.regex.re);
		free(r->u.regex.text);
		break;
	case RULE_NMG:
		dg_nmg_clear(&r->u.nmg.nmg);
		break;
	case RULE_MAXQPSIP:
		rl_ip_free(r->u.rl);
		break;
	case RULE_MAXQPS:
		free(r->u.bucket);
		break;
	case RULE_AND:
	case RULE_OR:
		for (int i = 0; i < r->u.list.n; i++)
			rule_free(r->u.list.kids[i]);
		free(r->u.list.kids);
		break;
	case RULE_NOT:
		rule_free(r->u.child);
		break;
	default:
		break;
	}
	free(r);
}

/*
 * dnsdist presents the name to the regex without the trailing dot
 * ("www.example.com"; the root is "."), case-insensitively (REG_ICASE).
 */
static bool regex_match(const struct rule *r, const struct fe_query *q)
{
	char txt[DG_DNAME_TXTLEN];
	int n = dg_dname_to_str(txt, sizeof(txt), q->q.qname);
	if (n < 0)
		return false;
	if (n > 1 && txt[n - 1] == '.')
		txt[n - 1] = '\0';
	const regex_t *re = &r->u.regex.re[q->worker % (unsigned)r->u.regex.copies];
	return regexec(re, txt, 0, NULL, 0) == 0;
}

static bool nmg_match(const struct rule *r, const struct fe_query *q)
{
	if (r->u.nmg.src)
		return dg_nmg_match(&r->u.nmg.nmg, &q->client_addr, NULL);
	struct dg_addr dst;
	if (dg_addr_from_sockaddr(&dst, &q->local.sa) < 0)
		return false;
	return dg_nmg_match(&r->u.nmg.nmg, &dst, NULL);
}

static bool list_match(const struct rule *r, const struct fe_query *q, bool all)
{
	for (int i = 0; i < r->u.list.n; i++)
		if (rule_match(r->u.list.kids[i], q) != all)
			return !all;
	return all;
}

bool rule_match(const struct rule *r, const struct fe_query *q)
{
	switch (r->kind) {
	case RULE_ALL:
		return true;
	case RULE_QTYPE:
		return q->q.qtype == r->u.num;
	case RULE_QCLASS:
		return q->q.qclass == r->u.num;
	case RULE_QNAME:
		return q->q.qname_len == dg_dname_len(r->u.qname) &&
		       memcmp(q->q.qname_lc, r->u.qname, q->q.qname_len) == 0;
	case RULE_SUFFIX:
		return dg_sset_match(&r->u.smn->set, q->q.qname_lc);
	case RULE_REGEX:
		return regex_match(r, q);
	case RULE_NMG:
		return nmg_match(r, q);
	case RULE_MAXQPSIP:
		return rl_ip_over(r->u.rl, q->worker, &q->client_addr, q->now_us);
	case RULE_MAXQPS:
		/* dnsdist's MaxQPSRule matches traffic NOT exceeding the limit */
		return rl_bucket_take(r->u.bucket, q->now_us);
	case RULE_OPCODE:
		return DG_OPCODE(q->hdr.flags) == r->u.num;
	case RULE_RD:
		return (q->hdr.flags & DG_FLAG_RD) != 0;
	case RULE_TCP:
		return q->tcp == r->u.tcp;
	case RULE_DNSSEC:
		return q->do_bit;
	case RULE_AND:
		return list_match(r, q, true);
	case RULE_OR:
		return list_match(r, q, false);
	case RULE_NOT:
		return !rule_match(r->u.child, q);
	default:
		return rule_match_ext(r, q);
	}
}

/*
 * Walks a chain to its terminator (rulechain.h). Callers hold
 * rcu_read_lock(): the console may publish a new chain at any time, and
 * the one read here stays valid until the read-side section ends.
 */
/* A counter per worker, each on its own cache line. */
struct fe_hits {
	struct {
		_Alignas(64) _Atomic uint64_t n;
	} w[FE_MAX_WORKERS];
};

struct fe_hits *rule_hits_new(void)
{
	struct fe_hits *h = aligned_alloc(64, sizeof(*h));
	if (h != NULL)
		memset(h, 0, sizeof(*h));
	return h;
}

void rule_hits_free(struct fe_hits *h)
{
	free(h);
}

uint64_t rule_matches(const struct fe_rule_entry *e)
{
	uint64_t n = 0;
	for (int i = 0; e->hits != NULL && i < FE_MAX_WORKERS; i++)
		n += atomic_load_explicit(&e->hits->w[i].n, memory_order_relaxed);
	return n;
}

/* One worker writes its counter: a plain add, published for the summing reader. */
static void count_hit(struct fe_rule_entry *e, unsigned worker)
{
	if (e->hits == NULL)
		return;
	_Atomic uint64_t *c = &e->hits->w[worker % FE_MAX_WORKERS].n;
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Counts a rule that matched and applies its action; true when it decided *v. */
static bool apply(const struct fe_conf *conf, struct fe_rule_entry *e, struct fe_query *q,
		  enum fe_verdict *v)
{
	count_hit(e, q->worker);
	switch (action_apply(e->action, conf, q)) {
	case ACT_R_CONTINUE:
		return false;
	case ACT_R_FORWARD:
		*v = FE_V_FORWARD;
		return true;
	case ACT_R_DROP:
		*v = FE_V_DROP;
		return true;
	case ACT_R_ANSWER:
		*v = FE_V_ANSWER;
		return true;
	}
	return false;
}

/*
 * The chain through its compiled program (rulec.h): only the rules that
 * may match are evaluated, in order. Candidates depend on the qtype and
 * qname only, which no action changes, so they are computed once.
 */
static enum fe_verdict run_compiled(const struct fe_conf *conf, const struct rule_prog *prog,
				    struct fe_rule_entry *rules, struct fe_query *q,
				    enum fe_verdict fallback)
{
	uint64_t known;
	enum fe_verdict v = fallback;
	for (uint64_t m = rulec_candidates(prog, q, &known); m != 0; m &= m - 1) {
		unsigned b = (unsigned)__builtin_ctzll(m);
		struct fe_rule_entry *e = &rules[b];
		bool hit = (known >> b & 1) || rule_match(e->rule, q);
		if (hit && apply(conf, e, q, &v))
			return v;
	}
	return fallback;
}

/*
 * Walks a chain to its terminator (rulechain.h), through prog when it was
 * compiled for this very chain. Callers hold rcu_read_lock(): the console
 * may publish a new chain at any time, and the one read here stays valid
 * until the read-side section ends.
 */
static enum fe_verdict run_chain(const struct fe_conf *conf, struct fe_rule_entry *rules,
				 struct fe_query *q, enum fe_verdict fallback,
				 const struct rule_prog *prog)
{
	if (prog != NULL && rulec_covers(prog, rules))
		return run_compiled(conf, prog, rules, q, fallback);
	enum fe_verdict v = fallback;
	for (struct fe_rule_entry *e = rules; e != NULL && e->rule != NULL; e++)
		if (rule_match(e->rule, q) && apply(conf, e, q, &v))
			return v;
	return fallback;
}

enum fe_verdict rules_eval(const struct fe_conf *conf, struct fe_query *q)
{
	q->delay_ms = 0;
	luart_begin(conf->luart, q->worker); /* fresh dq tags for this query */
	rcu_read_lock();
	struct fe_rule_entry *chain = rcu_dereference(conf->rules);
	enum fe_verdict v = run_chain(conf, chain, q, FE_V_FORWARD, rcu_dereference(conf->rules_prog));
	rcu_read_unlock();
	return v;
}

enum fe_verdict rules_eval_response(const struct fe_conf *conf, struct fe_query *q)
{
	q->delay_ms = 0;
	q->skip_cache = false; /* SetSkipCacheResponseAction sets it */
	luart_begin(conf->luart, q->worker);
	rcu_read_lock();
	enum fe_verdict v = run_chain(conf, rcu_dereference(conf->resp_rules), q, FE_V_ANSWER, NULL);
	rcu_read_unlock();
	/* a response is either passed on or dropped: "forward" means pass on */
	return v == FE_V_DROP ? FE_V_DROP : FE_V_ANSWER;
}

enum fe_verdict rules_eval_answer(const struct fe_conf *conf, struct fe_query *q, bool cache_hit)
{
	rcu_read_lock();
	struct fe_rule_entry *v = cache_hit ? rcu_dereference(conf->hit_rules)
					    : rcu_dereference(conf->self_rules);
	if (v == NULL || v->rule == NULL) {
		rcu_read_unlock();
		return FE_V_ANSWER;
	}
	uint16_t delay = q->delay_ms; /* a query rule's DelayAction still holds */
	luart_begin(conf->luart, q->worker);
	enum fe_verdict r = run_chain(conf, v, q, FE_V_ANSWER, NULL);
	rcu_read_unlock();
	if (q->delay_ms < delay)
		q->delay_ms = delay;
	return r == FE_V_DROP ? FE_V_DROP : FE_V_ANSWER;
}

static void rule_prefixes(const struct rule *r, unsigned *v4, unsigned *v6)
{
	if (r == NULL)
		return;
	if (r->kind == RULE_MAXQPSIP) {
		const struct rl_ip_conf *c = rl_ip_conf(r->u.rl);
		*v4 = c->v4_mask < *v4 ? c->v4_mask : *v4;
		*v6 = c->v6_mask < *v6 ? c->v6_mask : *v6;
	} else if (r->kind == RULE_AND || r->kind == RULE_OR) {
		for (int i = 0; i < r->u.list.n; i++)
			rule_prefixes(r->u.list.kids[i], v4, v6);
	} else if (r->kind == RULE_NOT) {
		rule_prefixes(r->u.child, v4, v6);
	}
}

void rules_client_prefixes(const struct fe_conf *conf, unsigned *v4, unsigned *v6)
{
	*v4 = 32;
	*v6 = 64;
	for (const struct fe_rule_entry *e = conf->rules; e != NULL && e->rule != NULL; e++)
		rule_prefixes(e->rule, v4, v6);
}

static int resolve_chain(struct fe_conf *conf, struct fe_rule_entry *rules, int n)
{
	for (int i = 0; i < n; i++) {
		struct action *a = rules[i].action;
		if (a->kind == ACT_CONTINUE)
			a = a->u.inner; /* ContinueAction(PoolAction(...)) */
		if ((a->kind == ACT_POOL || a->kind == ACT_QPSPOOL) && a->u.pool.pool == NULL)
			a->u.pool.pool = fe_conf_get_pool(conf, a->u.pool.name);
	}
	return DG_OK;
}

int rules_resolve(struct fe_conf *conf)
{
	if (conf == NULL)
		return DG_EINVAL;
	int ret = resolve_chain(conf, conf->rules, conf->nrules);
	if (ret == 0)
		ret = resolve_chain(conf, conf->resp_rules, conf->nresp_rules);
	if (ret == 0)
		rules_compile(conf);
	return ret;
}

void rules_compile(struct fe_conf *conf)
{
	/* NULL (out of memory, no rules, too many) is fine: chains are then
	 * scanned linearly. */
	struct rule_prog *fresh = rulec_build(conf->rules, conf->nrules);
	struct rule_prog *old = rcu_xchg_pointer(&conf->rules_prog, fresh);
	if (old != NULL) {
		synchronize_rcu(); /* no worker still reads old */
		rulec_free(old);
	}
}

void desc_add(struct desc_buf *b, const char *fmt, ...)
{
	if (b->over)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->sz - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->sz - b->len) {
		b->over = true;
		return;
	}
	b->len += (size_t)n;
}

void desc_add_name(struct desc_buf *b, const uint8_t *name)
{
	char txt[DG_DNAME_TXTLEN];
	if (dg_dname_to_str(txt, sizeof(txt), name) < 0)
		txt[0] = '\0';
	desc_add(b, "%s", txt);
}

static void describe(struct desc_buf *b, const struct rule *r);

static void describe_list(struct desc_buf *b, const struct rule *r, const char *op)
{
	desc_add(b, "(");
	for (int i = 0; i < r->u.list.n; i++) {
		if (i > 0)
			desc_add(b, " %s ", op);
		describe(b, r->u.list.kids[i]);
	}
	desc_add(b, ")");
}

static void describe_suffixes(struct desc_buf *b, const struct rule *r)
{
	if (r->quiet) {
		desc_add(b, "qname==in-set");
		return;
	}
	desc_add(b, "qname in ");
	for (size_t i = 0; i < dg_sset_count(&r->u.smn->set); i++) {
		if (i > 0)
			desc_add(b, ", ");
		desc_add_name(b, dg_sset_name(&r->u.smn->set, i));
	}
}

static void nmg_entry(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct desc_buf *b = ctx;
	char txt[64];
	if (dg_netmask_to_str(nm, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	desc_add(b, "%s%s%s", b->len > 0 && b->p[b->len - 1] != ' ' ? ", " : "",
		 negate ? "!" : "", txt);
}

static void describe_nmg(struct desc_buf *b, const struct rule *r)
{
	desc_add(b, "%s: ", r->u.nmg.src ? "Src" : "Dst");
	if (r->quiet)
		desc_add(b, "in-group");
	else
		dg_nmg_foreach(&r->u.nmg.nmg, nmg_entry, b);
}

/* dnsdist's toString() of each selector, as showRules() prints it. */
static void describe(struct desc_buf *b, const struct rule *r)
{
	char t[DG_RRTYPE_TXTLEN];
	const struct rl_ip_conf *rc;
	switch (r->kind) {
	case RULE_ALL: desc_add(b, "All"); break;
	case RULE_QTYPE:
		if (dg_rrtype_to_str(r->u.num, t, sizeof(t)) < 0)
			t[0] = '\0';
		desc_add(b, "qtype==%s", t);
		break;
	case RULE_QCLASS: desc_add(b, "qclass==%u", r->u.num); break;
	case RULE_QNAME: desc_add(b, "qname=="); desc_add_name(b, r->u.qname); break;
	case RULE_SUFFIX: describe_suffixes(b, r); break;
	case RULE_REGEX: desc_add(b, "Regex: %s", r->u.regex.text); break;
	case RULE_NMG: describe_nmg(b, r); break;
	case RULE_MAXQPSIP:
		rc = rl_ip_conf(r->u.rl);
		desc_add(b, "IP (/%u, /%u) match for QPS over %u burst %u", rc->v4_mask,
			 rc->v6_mask, rc->qps, rc->burst);
		break;
	case RULE_MAXQPS: desc_add(b, "Max %u qps", r->u.bucket->qps); break;
	case RULE_OPCODE: desc_add(b, "opcode==%u", r->u.num); break;
	case RULE_RD: desc_add(b, "rd==1"); break;
	case RULE_TCP: desc_add(b, "tcp==%s", r->u.tcp ? "true" : "false"); break;
	case RULE_DNSSEC: desc_add(b, "DNSSEC"); break;
	case RULE_AND: describe_list(b, r, "&&"); break;
	case RULE_OR: describe_list(b, r, "||"); break;
	case RULE_NOT: desc_add(b, "!"); describe(b, r->u.child); break;
	default: rule_describe_ext(b, r); break;
	}
}

int rule_describe(const struct rule *r, char *out, size_t outsz)
{
	if (r == NULL || out == NULL || outsz == 0)
		return DG_EINVAL;
	struct desc_buf b = { out, outsz, 0, false };
	out[0] = '\0';
	describe(&b, r);
	return b.over ? DG_ESPACE : (int)b.len;
}

void rule_uuid_str(const struct fe_rule_entry *e, char out[37])
{
	uint8_t b[16];
	memcpy(b, &e->uuid_hi, 8); /* the 16 bytes in order (config/lua_rules.c) */
	memcpy(b + 8, &e->uuid_lo, 8);
	int k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		k += snprintf(out + k, 3, "%02x", b[i]);
	}
	out[k] = '\0';
}
