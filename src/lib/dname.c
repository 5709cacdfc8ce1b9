/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Domain names: the only code that turns untrusted bytes (wire or text) into
 * a dnsgate name, plus comparisons on names already known to be valid.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/dname.h"
#include "lib/err.h"

/* Label length octet: the top two bits give the label type (RFC 1035
 * §4.1.4, RFC 6891 §5 retired 0x40 and 0x80 is still unassigned). */
#define LABEL_TYPE_MASK 0xc0
#define LABEL_TYPE_NORMAL 0x00
#define LABEL_TYPE_POINTER 0xc0

/* Lower-casing only ASCII letters (RFC 4343 §3). Length octets are at most
 * 63, below 'A', so a whole wire name may be mapped byte by byte. */
static const uint8_t lower[256] = {
#define R4(b) (b), (b) + 1, (b) + 2, (b) + 3
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)
	R64(0), 64, R4('a'), R16('e'), R4('u'), 'y', 'z', 91, 92, 93, 94, 95,
	R16(96), R16(112), R64(128), R64(192)
#undef R4
#undef R16
#undef R64
};

int dg_dname_check(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	if (buf == NULL)
		return DG_EINVAL;
	for (;;) {
		if (off >= len)
			return DG_ENAME_TRUNC;
		uint8_t c = buf[off];
		if ((c & LABEL_TYPE_MASK) == LABEL_TYPE_POINTER)
			return DG_EPTR_NOTALLOWED;
		if ((c & LABEL_TYPE_MASK) != LABEL_TYPE_NORMAL)
			return DG_ELABEL_TYPE;
		if (c == 0)
			return (int)off + 1;
		/* The label plus at least the root label must still fit. */
		if (off + 1 + c + 1 > DG_DNAME_MAXLEN)
			return DG_ENAME_LONG;
		off += 1 + (size_t)c;
	}
}

/* Checks the pointer at msg[cur] (two octets present) against the rules
 * of dg_dname_unpack(); returns its target or a DG_EPTR_* code. */
static int ptr_target(const uint8_t *msg, size_t msglen, size_t cur, bool jumped,
		      size_t prev_target)
{
	size_t t = (size_t)(msg[cur] & ~LABEL_TYPE_MASK) << 8 | msg[cur + 1];
	if (t >= msglen)
		return DG_EPTR_RANGE;
	if (t == cur)
		return DG_EPTR_SELF;
	if (t > cur)
		return DG_EPTR_FORWARD;
	/* Each jump lands strictly before the previous landing point, so the
	 * walk terminates: a pointer back to it or after it is a loop. */
	if (jumped && t >= prev_target)
		return DG_EPTR_LOOP;
	return (int)t;
}

int dg_dname_unpack(uint8_t *out, size_t outsz, const uint8_t *msg, size_t msglen, size_t *pos)
{
	if (msg == NULL || pos == NULL)
		return DG_EINVAL;
	size_t cur = *pos, end = 0, prev_target = 0, n = 0;
	bool jumped = false;
	for (;;) {
		if (cur >= msglen)
			return DG_ENAME_TRUNC;
		uint8_t c = msg[cur];
		if ((c & LABEL_TYPE_MASK) == LABEL_TYPE_POINTER) {
			if (msglen - cur < 2)
				return DG_ENAME_TRUNC;
			int t = ptr_target(msg, msglen, cur, jumped, prev_target);
			if (t < 0)
				return t;
			if (!jumped)
				end = cur + 2;
			jumped = true;
			prev_target = cur = (size_t)t;
			continue;
		}
		if ((c & LABEL_TYPE_MASK) != LABEL_TYPE_NORMAL)
			return DG_ELABEL_TYPE;
		/* The label plus at least the root label must still fit. */
		if (c != 0 && n + 1 + c + 1 > DG_DNAME_MAXLEN)
			return DG_ENAME_LONG;
		if (msglen - cur < 1 + (size_t)c)
			return DG_ENAME_TRUNC;
		if (out != NULL) {
			if (outsz - n < 1 + (size_t)c)
				return DG_ESPACE;
			memcpy(out + n, msg + cur, 1 + (size_t)c);
		}
		n += 1 + (size_t)c;
		cur += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*pos = jumped ? end : cur;
	return (int)n;
}

/* Parses one "\X" or "\DDD" escape at s[*i] (s[*i] is the backslash). */
static int parse_escape(const char *s, size_t len, size_t *i)
{
	size_t k = *i + 1;
	if (k >= len)
		return DG_ENAME_ESCAPE;
	uint8_t c = (uint8_t)s[k];
	if (c < '0' || c > '9') {
		*i = k + 1;
		return c;
	}
	if (len - k < 3)
		return DG_ENAME_ESCAPE;
	int v = 0;
	for (size_t j = k; j < k + 3; j++) {
		if (s[j] < '0' || s[j] > '9')
			return DG_ENAME_ESCAPE;
		v = v * 10 + (s[j] - '0');
	}
	if (v > 255)
		return DG_ENAME_ESCAPE;
	*i = k + 3;
	return v;
}

/* Appends the origin (or the root) to a relative name of n octets. */
static int append_origin(uint8_t *out, size_t outsz, size_t n, const uint8_t *origin)
{
	static const uint8_t root[1] = { 0 };
	if (origin == NULL)
		origin = root;
	size_t olen = dg_dname_len(origin);
	if (n + olen > DG_DNAME_MAXLEN)
		return DG_ENAME_LONG;
	if (n + olen > outsz)
		return DG_ESPACE;
	memcpy(out + n, origin, olen);
	return (int)(n + olen);
}

/* Closes the label that started at out[lab] and ends at out[n]. */
static int close_label(uint8_t *out, size_t lab, size_t n)
{
	size_t ll = n - lab - 1;
	if (ll == 0)
		return DG_ENAME_EMPTYLABEL;
	if (ll > DG_LABEL_MAXLEN)
		return DG_ELABEL_LONG;
	out[lab] = (uint8_t)ll;
	return DG_OK;
}

int dg_dname_from_strn(uint8_t *out, size_t outsz, const char *str, size_t len,
		       const uint8_t *origin)
{
	if (out == NULL || str == NULL)
		return DG_EINVAL;
	if (len == 0)
		return DG_ENAME_SYNTAX;
	if (len == 1 && str[0] == '@')
		return append_origin(out, outsz, 0, origin);
	if (len == 1 && str[0] == '.')
		return append_origin(out, outsz, 0, NULL);
	size_t n = 0, lab = 0, i = 0;
	bool absolute = false;
	/* out[lab] is reserved for the length of the label being read. */
	while (i < len) {
		if (str[i] == '.') {
			int ret = close_label(out, lab, n + 1);
			if (ret < 0)
				return ret;
			lab = ++n;
			i++;
			absolute = i == len;
			continue;
		}
		int c = (uint8_t)str[i];
		if (c == '\\') {
			c = parse_escape(str, len, &i);
			if (c < 0)
				return c;
		} else if (c <= ' ' || c == 0x7f) {
			/* An unescaped blank or control octet is a typo or a
			 * delimiter the caller forgot, never part of a name. */
			return DG_ENAME_SYNTAX;
		} else {
			i++;
		}
		if (n + 1 - lab > DG_LABEL_MAXLEN)
			return DG_ELABEL_LONG;
		/* Octets 0..n+1 plus the root label must fit. */
		if (n + 3 > DG_DNAME_MAXLEN)
			return DG_ENAME_LONG;
		if (n + 2 > outsz)
			return DG_ESPACE;
		out[++n] = (uint8_t)c;
	}
	if (absolute)
		return append_origin(out, outsz, n, NULL);
	int ret = close_label(out, lab, n + 1);
	if (ret < 0)
		return ret;
	return append_origin(out, outsz, n + 1, origin);
}

int dg_dname_from_str(uint8_t *out, size_t outsz, const char *str, const uint8_t *origin)
{
	if (str == NULL)
		return DG_EINVAL;
	return dg_dname_from_strn(out, outsz, str, strlen(str), origin);
}

/* Presentation form of one octet of a label (RFC 1035 §5.1 escapes). */
static size_t octet_to_str(char *buf, uint8_t c)
{
	switch (c) {
	case '.': case '\\': case '"': case '(': case ')':
	case ';': case '@': case '$': case ' ':
		buf[0] = '\\';
		buf[1] = (char)c;
		return 2;
	default:
		break;
	}
	if (c > ' ' && c < 0x7f) {
		buf[0] = (char)c;
		return 1;
	}
	buf[0] = '\\';
	buf[1] = (char)('0' + c / 100);
	buf[2] = (char)('0' + c / 10 % 10);
	buf[3] = (char)('0' + c % 10);
	return 4;
}

int dg_dname_to_str(char *out, size_t outsz, const uint8_t *name)
{
	if (out == NULL || name == NULL)
		return DG_EINVAL;
	size_t n = 0;
	char buf[4];
	if (*name == 0) {
		if (outsz < 2)
			return DG_ESPACE;
		memcpy(out, ".", 2);
		return 1;
	}
	for (const uint8_t *p = name; *p != 0; p += 1 + *p) {
		for (size_t j = 1; j <= *p; j++) {
			size_t k = octet_to_str(buf, p[j]);
			if (outsz - n < k + 1)
				return DG_ESPACE;
			memcpy(out + n, buf, k);
			n += k;
		}
		if (outsz - n < 2)
			return DG_ESPACE;
		out[n++] = '.';
	}
	out[n] = '\0';
	return (int)n;
}

size_t dg_dname_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p != 0)
		p += 1 + *p;
	return (size_t)(p - name) + 1;
}

int dg_dname_labels(const uint8_t *name)
{
	int n = 0;
	for (const uint8_t *p = name; *p != 0; p += 1 + *p)
		n++;
	return n;
}

void dg_dname_tolower(uint8_t *name)
{
	size_t len = dg_dname_len(name);
	for (size_t i = 0; i < len; i++)
		name[i] = lower[name[i]];
}

/*
 * Eight bytes at a time (SWAR): a byte gets 0x20 when it is ASCII and
 * within 'A'..'Z'. The 7-bit sums cannot carry into the next byte, and a
 * wire name's length octets (at most 63) are never upper-case letters.
 */
static inline uint64_t lower8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t low7 = v & 0x7f * ones;
	uint64_t ge_a = low7 + (0x80 - 'A') * ones;     /* bit 7 set: >= 'A' */
	uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones; /* bit 7 set: > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~v & 0x80 * ones;
	return v | upper >> 2;
}

void dg_dname_copy_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, src + i, 8);
		v = lower8(v);
		memcpy(dst + i, &v, 8);
	}
	for (; i < len; i++)
		dst[i] = lower[src[i]];
}

bool dg_dname_eq(const uint8_t *a, const uint8_t *b)
{
	/* Length octets compare exactly (they are below 'A'), so one byte
	 * loop checks structure and content at once. */
	for (;;) {
		if (lower[*a] != lower[*b])
			return false;
		if (*a == 0)
			return true;
		a++;
		b++;
	}
}

/* Fills offs[] with the offset of each label of name; returns the count. */
static int label_offsets(const uint8_t *name, uint8_t offs[DG_DNAME_MAXLABELS])
{
	int n = 0;
	for (const uint8_t *p = name; *p != 0 && n < DG_DNAME_MAXLABELS; p += 1 + *p)
		offs[n++] = (uint8_t)(p - name);
	return n;
}

/* Compares two labels as lower-cased octet strings, the shorter first on
 * a common prefix (RFC 4034 §6.1). */
static int label_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t la = a[0], lb = b[0];
	size_t m = la < lb ? la : lb;
	for (size_t i = 1; i <= m; i++) {
		if (lower[a[i]] != lower[b[i]])
			return (int)lower[a[i]] - (int)lower[b[i]];
	}
	return (int)la - (int)lb;
}

int dg_dname_canon_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[DG_DNAME_MAXLABELS], ob[DG_DNAME_MAXLABELS];
	int na = label_offsets(a, oa);
	int nb = label_offsets(b, ob);
	/* Labels are compared from the root towards the leaf. */
	while (na > 0 && nb > 0) {
		int r = label_cmp(a + oa[--na], b + ob[--nb]);
		if (r != 0)
			return r;
	}
	return na - nb;
}

bool dg_dname_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	int nl = dg_dname_labels(name);
	int pl = dg_dname_labels(parent);
	if (nl < pl)
		return false;
	return dg_dname_eq(dg_dname_suffix(name, pl), parent);
}

const uint8_t *dg_dname_suffix(const uint8_t *name, int labels)
{
	int skip = dg_dname_labels(name) - labels;
	const uint8_t *p = name;
	while (skip-- > 0)
		p += 1 + *p;
	return p;
}
