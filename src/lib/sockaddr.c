/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Numeric socket address parsing and printing (see sockaddr.h). inet_pton()
 * does the address syntax; this file only splits off brackets and the port,
 * and is strict about both so a typo in a configuration file fails loudly
 * instead of binding somewhere unexpected.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/err.h"
#include "lib/sockaddr.h"

/* Decimal 0..65535, digits only: no sign, no spaces, no hex. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0')
		return DG_EADDR_PORT;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return DG_EADDR_PORT;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return DG_EADDR_PORT;
	}
	*port = (uint16_t)v;
	return 0;
}

/*
 * Splits text into the host (copied into host, NUL-terminated) and the port
 * text (NULL when absent). *bracketed tells the host must be IPv6.
 */
static int split_host_port(const char *text, char *host, size_t hostsz,
			   const char **port, bool *bracketed)
{
	const char *h = text, *hend, *colon = strchr(text, ':');

	*port = NULL;
	*bracketed = text[0] == '[';
	if (*bracketed) {
		h = text + 1;
		hend = strchr(h, ']');
		if (hend == NULL)
			return DG_EADDR_SYNTAX;
		if (hend[1] == ':')
			*port = hend + 2;
		else if (hend[1] != '\0')
			return DG_EADDR_SYNTAX;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		hend = colon; /* exactly one colon: IPv4 with a port */
		*port = colon + 1;
	} else {
		hend = text + strlen(text); /* no colon, or a bare IPv6 */
	}
	size_t len = (size_t)(hend - h);
	if (len == 0 || len >= hostsz)
		return DG_EADDR_SYNTAX;
	memcpy(host, h, len);
	host[len] = '\0';
	return 0;
}

int dg_sockaddr_parse(union dg_sockaddr *out, const char *text, uint16_t default_port)
{
	char host[INET6_ADDRSTRLEN];
	const char *port_text;
	bool bracketed;
	uint16_t port = default_port;

	if (out == NULL || text == NULL)
		return DG_EINVAL;
	memset(out, 0, sizeof(*out));
	int ret = split_host_port(text, host, sizeof(host), &port_text, &bracketed);
	if (ret < 0)
		return ret;
	if (!bracketed && inet_pton(AF_INET, host, &out->in.sin_addr) == 1) {
		out->in.sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &out->in6.sin6_addr) == 1) {
		out->in6.sin6_family = AF_INET6;
	} else {
		memset(out, 0, sizeof(*out));
		return DG_EADDR_SYNTAX;
	}
	if (port_text != NULL && (ret = parse_port(port_text, &port)) < 0) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	dg_sockaddr_set_port(out, port);
	return 0;
}

int dg_sockaddr_to_str(const union dg_sockaddr *sa, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (outsz > 0)
		out[0] = '\0';
	switch (sa->sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sa->in.sin_addr, host, sizeof(host));
		n = snprintf(out, outsz, "%s:%u", host, ntohs(sa->in.sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &sa->in6.sin6_addr, host, sizeof(host));
		n = snprintf(out, outsz, "[%s]:%u", host, ntohs(sa->in6.sin6_port));
		break;
	default:
		return DG_EINVAL;
	}
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0'; /* never leave a cut address that looks valid */
		return DG_ESPACE;
	}
	return n;
}

socklen_t dg_sockaddr_len(const union dg_sockaddr *sa)
{
	switch (sa->sa.sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

bool dg_sockaddr_eq(const union dg_sockaddr *a, const union dg_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	case AF_INET6:
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr)) == 0;
	default:
		return false;
	}
}

uint16_t dg_sockaddr_port(const union dg_sockaddr *sa)
{
	switch (sa->sa.sa_family) {
	case AF_INET:
		return ntohs(sa->in.sin_port);
	case AF_INET6:
		return ntohs(sa->in6.sin6_port);
	default:
		return 0;
	}
}

void dg_sockaddr_set_port(union dg_sockaddr *sa, uint16_t port)
{
	if (sa->sa.sa_family == AF_INET)
		sa->in.sin_port = htons(port);
	else if (sa->sa.sa_family == AF_INET6)
		sa->in6.sin6_port = htons(port);
}
