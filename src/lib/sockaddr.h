/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Socket addresses for listeners and backends: one union large enough for
 * IPv4 and IPv6 (so nobody casts between sockaddr types by hand), and the
 * text forms dnsdist's setLocal()/addLocal()/newServer() accept:
 *
 *     1.2.3.4   1.2.3.4:53   ::1   [::1]   [::1]:5300   0.0.0.0:53
 *
 * An IPv6 address with a port must be bracketed; an unbracketed address with
 * more than one colon is an IPv6 address without a port. Only numeric
 * addresses: nothing here resolves names or does I/O. Interface scope
 * suffixes ("fe80::1%eth0") are not accepted.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/compiler.h"

/* Room for the longest dg_sockaddr_to_str() result, NUL included:
 * "[" + INET6_ADDRSTRLEN - 1 + "]:" + "65535". */
#define DG_SOCKADDR_STRLEN (INET6_ADDRSTRLEN + 8)

/* An IPv4 or IPv6 socket address; sa.sa_family says which member is valid. */
union dg_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/**
 * Parses text (forms above) into *out, zero-filled first. default_port is
 * used when text has no port. Port 0 is accepted (bind to an ephemeral port).
 * @retval 0 success.
 * @retval DG_EADDR_SYNTAX not a numeric IPv4/IPv6 address in one of the
 *         forms above (empty, spaces, unbalanced brackets, "[1.2.3.4]",
 *         "1.2.3.4:5:6", "300.1.1.1", a host name).
 * @retval DG_EADDR_PORT port empty, not decimal digits, or above 65535.
 * @retval DG_EINVAL out or text is NULL.
 */
DG_MUSTCHECK int dg_sockaddr_parse(union dg_sockaddr *out, const char *text, uint16_t default_port);

/**
 * Writes "1.2.3.4:53" or "[::1]:53" into out (outsz >= DG_SOCKADDR_STRLEN
 * always suffices).
 * @retval length written, without the NUL.
 * @retval DG_ESPACE out too small (out then holds an empty string if outsz > 0).
 * @retval DG_EINVAL family is neither AF_INET nor AF_INET6.
 */
DG_MUSTCHECK int dg_sockaddr_to_str(const union dg_sockaddr *sa, char *out, size_t outsz);

/** Length to pass to bind()/connect()/sendto() for sa's family; 0 if unknown. */
socklen_t dg_sockaddr_len(const union dg_sockaddr *sa);

/**
 * True when a and b have the same family, address and port (and IPv6 scope
 * id); flow info is ignored. Different or unknown families are never equal.
 */
bool dg_sockaddr_eq(const union dg_sockaddr *a, const union dg_sockaddr *b);

/** The port in host byte order; 0 for an unknown family. */
uint16_t dg_sockaddr_port(const union dg_sockaddr *sa);

/** Sets the port (host byte order); does nothing for an unknown family. */
void dg_sockaddr_set_port(union dg_sockaddr *sa, uint16_t port);
