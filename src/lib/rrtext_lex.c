/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tokenizer and text writer for presentation-format RDATA (rrtext_int.h).
 * Tokens keep their escapes: names go to dg_dname_from_strn() raw, while
 * character-strings are decoded here, so each consumer sees the text as
 * RFC 1035 §5.1 means it for that field.
 */
#include <stdarg.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/rrtext_int.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Characters that end a bare token when not escaped. */
static bool ends_bare(char c)
{
	return is_blank(c) || c == '(' || c == ')' || c == ';' || c == '"';
}

/* Skips blanks, parentheses and comments up to the next token. */
static int skip_blanks(struct dg_txt *t)
{
	while (t->pos < t->end) {
		char c = *t->pos;
		if (c == ';') {
			while (t->pos < t->end && *t->pos != '\n')
				t->pos++;
			continue;
		}
		if (c == '(') {
			t->paren++;
		} else if (c == ')') {
			if (--t->paren < 0)
				return DG_ETEXT_SYNTAX;
		} else if (!is_blank(c)) {
			break;
		}
		t->pos++;
	}
	return DG_OK;
}

/* Scans from t->pos to the first unescaped character 'stop' says ends the
 * token; returns the position, or NULL on a backslash at the very end. */
static const char *scan(const struct dg_txt *t, bool quoted)
{
	const char *p = t->pos;
	while (p < t->end) {
		if (*p == '\\') {
			if (p + 1 >= t->end)
				return NULL;
			p += 2;
			continue;
		}
		if (quoted ? *p == '"' : ends_bare(*p))
			return p;
		p++;
	}
	return quoted ? NULL : p; /* a quote must be closed */
}

int dg_txt_next(struct dg_txt *t, struct dg_tok *tok)
{
	int ret = skip_blanks(t);
	if (ret < 0)
		return ret;
	if (t->pos >= t->end)
		return t->paren == 0 ? 0 : DG_ETEXT_SYNTAX;
	tok->quoted = *t->pos == '"';
	if (tok->quoted)
		t->pos++;
	const char *stop = scan(t, tok->quoted);
	if (stop == NULL)
		return DG_ETEXT_SYNTAX;
	tok->p = t->pos;
	tok->len = (size_t)(stop - t->pos);
	t->pos = tok->quoted ? stop + 1 : stop;
	return 1;
}

bool dg_txt_at_quote(const struct dg_txt *t)
{
	return t->pos < t->end && *t->pos == '"';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int dg_txt_unescape(const char *p, size_t len, struct dg_wr *wr)
{
	size_t start = dg_wr_off(wr);
	for (size_t i = 0; i < len && wr->err == DG_OK; i++) {
		if (p[i] != '\\') {
			dg_wr_u8(wr, (uint8_t)p[i]);
			continue;
		}
		if (++i >= len)
			return DG_ETEXT_STRING;
		if (!is_digit(p[i])) {
			dg_wr_u8(wr, (uint8_t)p[i]);
			continue;
		}
		/* \DDD: exactly three decimal digits, a value up to 255. */
		if (i + 2 >= len || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
			return DG_ETEXT_STRING;
		int v = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
		if (v > 255)
			return DG_ETEXT_STRING;
		dg_wr_u8(wr, (uint8_t)v);
		i += 2;
	}
	return wr->err < 0 ? wr->err : (int)(dg_wr_off(wr) - start);
}

int dg_tok_uint(const struct dg_tok *tok, uint32_t max, uint32_t *v)
{
	if (tok->quoted || tok->len == 0)
		return DG_ETEXT_SYNTAX;
	uint64_t acc = 0;
	for (size_t i = 0; i < tok->len; i++) {
		if (!is_digit(tok->p[i]))
			return DG_ETEXT_SYNTAX;
		acc = acc * 10 + (uint64_t)(tok->p[i] - '0');
		if (acc > max)
			return DG_ETEXT_RANGE;
	}
	*v = (uint32_t)acc;
	return DG_OK;
}

struct dg_tw dg_tw_init(char *out, size_t outsz)
{
	struct dg_tw tw = { out, out != NULL ? out + outsz : NULL, 0, DG_OK };
	if (out != NULL && outsz == 0)
		tw.err = DG_ESPACE;
	return tw;
}

void dg_tw_put(struct dg_tw *tw, const char *s, size_t n)
{
	if (tw->err != DG_OK || n == 0)
		return;
	if (tw->pos != NULL) {
		/* Keep one byte for the NUL dg_tw_end() writes. */
		if ((size_t)(tw->end - tw->pos) <= n) {
			tw->err = DG_ESPACE;
			return;
		}
		memcpy(tw->pos, s, n);
		tw->pos += n;
	}
	tw->len += n;
}

void dg_tw_puts(struct dg_tw *tw, const char *s)
{
	dg_tw_put(tw, s, strlen(s));
}

void dg_tw_printf(struct dg_tw *tw, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		if (tw->err == DG_OK)
			tw->err = DG_ESPACE;
		return;
	}
	dg_tw_put(tw, buf, (size_t)n);
}

void dg_tw_sep(struct dg_tw *tw)
{
	if (tw->len > 0)
		dg_tw_put(tw, " ", 1);
}

void dg_tw_escaped(struct dg_tw *tw, const uint8_t *s, size_t n, bool bare)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		bool special = c == '"' || c == '\\' ||
			       (bare && (c == ' ' || c == ';' || c == '(' || c == ')'));
		if (c < 0x20 || c >= 0x7f || (bare && c == ' ')) {
			dg_tw_printf(tw, "\\%03u", c);
		} else if (special) {
			char esc[2] = { '\\', (char)c };
			dg_tw_put(tw, esc, 2);
		} else {
			dg_tw_put(tw, (const char *)&c, 1);
		}
	}
}

int dg_tw_end(struct dg_tw *tw)
{
	if (tw->err != DG_OK)
		return tw->err;
	if (tw->pos != NULL)
		*tw->pos = '\0';
	return tw->len > INT32_MAX ? DG_ESPACE : (int)tw->len;
}
