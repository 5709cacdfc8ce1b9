/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Typographic characters in a Lua configuration (see cfg_typo.h). The scan
 * is a small Lua lexer that only knows where comments and strings start
 * and end (Lua 5.4 manual §3.1): "--" line comments, "--[==[ ]==]" long
 * comments, '...' and "..." with backslash escapes, and "[==[ ]==]" long
 * strings. Everything else is code.
 */
#include "frontend/config/cfg_typo.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

#define TYPO_MAX_FILE (16u << 20)

/* The characters reported: their UTF-8 (E2 80 xx), code point, and what Lua needs. */
struct typo {
	uint8_t last;       /* third byte */
	const char *glyph;  /* the character itself */
	unsigned cp;
	const char *kind;
	const char *ascii;
};

static const struct typo typos[] = {
	{ 0x9c, "\u201c", 0x201c, "typographic quote", "\"" },
	{ 0x9d, "\u201d", 0x201d, "typographic quote", "\"" },
	{ 0x98, "\u2018", 0x2018, "typographic quote", "'" },
	{ 0x99, "\u2019", 0x2019, "typographic quote", "'" },
	{ 0x93, "\u2013", 0x2013, "en dash", "- (or -- before a comment)" },
	{ 0x94, "\u2014", 0x2014, "em dash", "- (or -- before a comment)" },
};

static const struct typo *typo_at(const uint8_t *p, const uint8_t *end)
{
	if (end - p < 3 || p[0] != 0xe2 || p[1] != 0x80)
		return NULL;
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++)
		if (typos[i].last == p[2])
			return &typos[i];
	return NULL;
}

/*
 * At p, "[" followed by n "=" and "[" opens a long bracket of level n.
 * Returns n and sets *open to the length of the opening, or -1.
 */
static int long_open(const uint8_t *p, const uint8_t *end, size_t *open)
{
	const uint8_t *q = p + 1;
	if (p >= end || *p != '[')
		return -1;
	while (q < end && *q == '=')
		q++;
	if (q >= end || *q != '[')
		return -1;
	*open = (size_t)(q - p + 1);
	return (int)(q - p - 1);
}

/* Skips to after the closing bracket of level n; counts newlines. */
static const uint8_t *long_skip(const uint8_t *p, const uint8_t *end, int n, int *line)
{
	for (; p < end; p++) {
		if (*p == '\n') {
			(*line)++;
			continue;
		}
		if (*p != ']')
			continue;
		const uint8_t *q = p + 1;
		while (q < end && *q == '=')
			q++;
		if (q < end && *q == ']' && q - p - 1 == n)
			return q + 1;
	}
	return end;
}

/* Skips a short string opened by quote at p[-1]; ends at the quote or a newline. */
static const uint8_t *short_skip(const uint8_t *p, const uint8_t *end, uint8_t quote, int *line)
{
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			if (p[1] == '\n')
				(*line)++;
			p++;
		} else if (*p == quote) {
			return p + 1;
		} else if (*p == '\n') {
			return p; /* unfinished: Lua reports it; the newline is counted by the caller */
		}
	}
	return end;
}

static const uint8_t *line_skip(const uint8_t *p, const uint8_t *end)
{
	while (p < end && *p != '\n')
		p++;
	return p;
}

/* Skips what starts at p if it is a comment or a string; NULL if it is code. */
static const uint8_t *skip_comment_or_string(const uint8_t *p, const uint8_t *end, int *line)
{
	size_t open;
	int n;
	if (*p == '-' && end - p >= 2 && p[1] == '-') {
		n = long_open(p + 2, end, &open);
		return n >= 0 ? long_skip(p + 2 + open, end, n, line) : line_skip(p, end);
	}
	if (*p == '"' || *p == '\'')
		return short_skip(p + 1, end, *p, line);
	n = long_open(p, end, &open);
	return n >= 0 ? long_skip(p + open, end, n, line) : NULL;
}

int cfg_typo_scan(const char *text, size_t len, const char *name, char *err, size_t errsz)
{
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	int line = 1;
	if (p < end && *p == '#') /* Lua skips a first line starting with '#' */
		p = line_skip(p, end);
	while (p < end) {
		const uint8_t *next = skip_comment_or_string(p, end, &line);
		if (next != NULL) {
			p = next;
			continue;
		}
		const struct typo *t = typo_at(p, end);
		if (t != NULL) {
			snprintf(err, errsz,
				 "%s:%d: %s %s (U+%04X) where Lua needs %s \u2014 text copied from a "
				 "web page or a word processor (the guide's blocks were printed with "
				 "them)", name, line, t->kind, t->glyph, t->cp, t->ascii);
			return DG_ECONFIG;
		}
		if (*p == '\n')
			line++;
		p++;
	}
	return DG_OK;
}

/* Reads the whole file into a NUL-terminated buffer (caller frees), or NULL. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long sz = ftell(f);
		if (sz >= 0 && (unsigned long)sz <= TYPO_MAX_FILE && fseek(f, 0, SEEK_SET) == 0)
			buf = malloc((size_t)sz + 1);
		if (buf != NULL && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		}
		if (buf != NULL) {
			buf[sz] = '\0';
			*len = (size_t)sz;
		}
	}
	fclose(f);
	return buf;
}

int cfg_typo_check(const char *name, const char *path, const char *text, char *err,
		   size_t errsz)
{
	if (path == NULL)
		return text ? cfg_typo_scan(text, strlen(text), name, err, errsz) : DG_OK;
	size_t len = 0;
	char *buf = read_all(path, &len);
	if (buf == NULL)
		return DG_OK;
	int ret = cfg_typo_scan(buf, len, name, err, errsz);
	free(buf);
	return ret;
}
