/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Whole records and TTLs in presentation form: the part of a master-file
 * line around the RDATA (RFC 1035 §5.1 "<domain-name> [<TTL>] [<class>]
 * <type> <RDATA>", TTL and class in either order). Directives ($ORIGIN,
 * $TTL, $INCLUDE), line continuation and the "previous owner" rule are the
 * zone loader's job: they need state across lines.
 */
#include "lib/err.h"
#include "lib/rrtext.h"
#include "lib/rrtext_int.h"
#include "lib/rrtype.h"

static int ttl_unit(char c)
{
	switch (c | 0x20) { /* ASCII lower case */
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 604800;
	}
	return 0;
}

int dg_ttl_from_str(const char *s, size_t len, uint32_t *out)
{
	if (s == NULL || out == NULL || len == 0)
		return DG_ETEXT_SYNTAX;
	uint64_t total = 0;
	size_t i = 0;
	while (i < len) {
		uint64_t num = 0;
		size_t start = i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			num = num * 10 + (uint64_t)(s[i] - '0');
			if (num > UINT32_MAX)
				return DG_ETEXT_RANGE;
		}
		if (i == start)
			return DG_ETEXT_SYNTAX;
		if (i == len && start == 0) { /* plain seconds */
			total = num;
			break;
		}
		int unit = i < len ? ttl_unit(s[i]) : 0;
		if (unit == 0)
			return DG_ETEXT_SYNTAX; /* "1h30" has a number without unit */
		total += num * (uint64_t)unit;
		if (total > UINT32_MAX)
			return DG_ETEXT_RANGE;
		i++;
	}
	*out = (uint32_t)total;
	return DG_OK;
}

/* Reads the optional TTL and class, then the type; leaves t after it. */
static int parse_ttl_class_type(struct dg_txt *t, uint32_t default_ttl, struct dg_rr_text *rr)
{
	bool have_ttl = false, have_class = false;
	struct dg_tok tok;
	rr->ttl = default_ttl;
	rr->rclass = DG_CLASS_IN;
	for (;;) {
		int ret = dg_txt_next(t, &tok);
		if (ret <= 0)
			return ret == 0 ? DG_ETEXT_FIELDS : ret;
		if (tok.quoted)
			return DG_ETEXT_SYNTAX;
		if (!have_ttl && tok.p[0] >= '0' && tok.p[0] <= '9') {
			ret = dg_ttl_from_str(tok.p, tok.len, &rr->ttl);
			if (ret < 0)
				return ret;
			have_ttl = true;
			continue;
		}
		/* "ANY" is a class and a type: as a class only before the type. */
		int cls = have_class ? -1 : dg_rrclass_from_str(tok.p, tok.len);
		if (cls >= 0) {
			rr->rclass = (uint16_t)cls;
			have_class = true;
			continue;
		}
		int type = dg_rrtype_from_str(tok.p, tok.len);
		if (type < 0)
			return type;
		rr->type = (uint16_t)type;
		return DG_OK;
	}
}

int dg_rr_from_str(const char *line, const uint8_t *origin, uint32_t default_ttl,
		   struct dg_rr_text *rr)
{
	if (line == NULL || rr == NULL || rr->rdata == NULL)
		return DG_EINVAL;
	struct dg_txt t = { line, line + strlen(line), 0 };
	struct dg_tok tok;
	int ret = dg_txt_next(&t, &tok);
	if (ret <= 0)
		return ret == 0 ? DG_ETEXT_FIELDS : ret;
	if (tok.quoted)
		return DG_ETEXT_SYNTAX;
	ret = dg_dname_from_strn(rr->owner, sizeof(rr->owner), tok.p, tok.len, origin);
	if (ret < 0)
		return ret;
	ret = parse_ttl_class_type(&t, default_ttl, rr);
	if (ret < 0)
		return ret;
	/* The rest of the line is the RDATA; an open '(' carries over. */
	ret = dg_rdata_from_txt(rr->type, &t, origin, rr->rdata, rr->rdsize);
	if (ret < 0)
		return ret;
	rr->rdlen = (uint16_t)ret;
	return DG_OK;
}

int dg_rr_to_str(const struct dg_rr_text *rr, char *out, size_t outsz)
{
	if (rr == NULL || (rr->rdata == NULL && rr->rdlen > 0))
		return DG_EINVAL;
	char owner[DG_DNAME_TXTLEN], type[DG_RRTYPE_TXTLEN], cls[DG_RRTYPE_TXTLEN];
	if (dg_dname_to_str(owner, sizeof(owner), rr->owner) < 0 ||
	    dg_rrtype_to_str(rr->type, type, sizeof(type)) < 0 ||
	    dg_rrclass_to_str(rr->rclass, cls, sizeof(cls)) < 0)
		return DG_EINVAL;
	struct dg_tw tw = dg_tw_init(out, outsz);
	dg_tw_puts(&tw, owner);
	dg_tw_printf(&tw, "\t%u\t%s\t", rr->ttl, cls);
	dg_tw_puts(&tw, type);
	dg_tw_put(&tw, "\t", 1);
	int head = dg_tw_end(&tw);
	if (head < 0)
		return head;
	int rd = dg_rdata_to_str(rr->type, rr->rdata, rr->rdlen, out != NULL ? out + head : NULL,
				 out != NULL ? outsz - (size_t)head : 0);
	return rd < 0 ? rd : head + rd;
}
