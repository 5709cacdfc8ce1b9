/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Error codes of the whole code base. Functions named as actions return an
 * int: >= 0 on success (0, a length or a count), < 0 a DG_E* code. Codes that
 * mirror errno are -errno; dnsgate's own codes start at DG_E_BASE and each
 * names exactly one cause, so that tests and drop counters can tell them apart.
 * The name, the value and the message are defined once, in DG_ERRORS below.
 */
#pragma once

#include <errno.h>

/* X(name, message). Append new codes at the end of their group only. */
#define DG_ERRORS(X)                                                          \
	/* names */                                                           \
	X(DG_ELABEL_LONG, "label longer than 63 octets")                      \
	X(DG_ENAME_LONG, "name longer than 255 octets")                       \
	X(DG_ENAME_TRUNC, "name runs past the end of the data")               \
	X(DG_ELABEL_TYPE, "reserved label type (0x40 or 0x80)")               \
	X(DG_EPTR_SELF, "compression pointer points at itself")               \
	X(DG_EPTR_FORWARD, "compression pointer points forward")              \
	X(DG_EPTR_RANGE, "compression pointer beyond message end")            \
	X(DG_EPTR_LOOP, "compression pointers form a loop")                   \
	X(DG_EPTR_NOTALLOWED, "compression pointer where none is allowed")    \
	X(DG_ENAME_SYNTAX, "bad name syntax")                                 \
	X(DG_ENAME_ESCAPE, "bad escape in name")                              \
	X(DG_ENAME_EMPTYLABEL, "empty label in name")                         \
	/* messages */                                                        \
	X(DG_EHDR_SHORT, "message shorter than the 12-byte header")           \
	X(DG_EQUESTION_TRUNC, "question truncated")                           \
	X(DG_ERR_TRUNC, "resource record header truncated")                   \
	X(DG_ERDATA_TRUNC, "RDATA shorter than RDLENGTH")                     \
	X(DG_ERDATA_FORMAT, "RDATA does not match its type's format")         \
	X(DG_ECOUNT, "section count exceeds message")                         \
	X(DG_ETRAILING, "bytes after the last record")                        \
	X(DG_EOPT_MULTI, "more than one OPT record")                          \
	X(DG_EOPT_NOTROOT, "OPT record owner is not the root")                \
	X(DG_EOPT_SECTION, "OPT record outside the additional section")       \
	X(DG_EOPT_TRUNC, "EDNS option runs past the OPT RDATA")               \
	X(DG_ETSIG_NOTLAST, "TSIG record is not the last record")             \
	X(DG_EQDCOUNT, "question count is not one")                           \
	X(DG_ETOOMANYRR, "more records than the parser accepts")              \
	/* building */                                                        \
	X(DG_ESPACE, "no room left in the output buffer")                     \
	X(DG_ETRUNCATED, "message truncated at the size limit")               \
	/* presentation format */                                             \
	X(DG_ETYPE_UNKNOWN, "unknown RR type mnemonic")                       \
	X(DG_ECLASS_UNKNOWN, "unknown class mnemonic")                        \
	X(DG_ETEXT_SYNTAX, "bad presentation-format syntax")                  \
	X(DG_ETEXT_RANGE, "number out of range")                              \
	X(DG_ETEXT_FIELDS, "wrong number of RDATA fields")                    \
	X(DG_ETEXT_ADDR, "bad address")                                       \
	X(DG_ETEXT_BASE64, "bad base64")                                      \
	X(DG_ETEXT_HEX, "bad hexadecimal")                                    \
	X(DG_ETEXT_BASE32, "bad base32hex")                                   \
	X(DG_ETEXT_STRING, "bad character-string")                            \
	X(DG_ETEXT_TIME, "bad time value")                                    \
	X(DG_ETEXT_GENERIC, "bad RFC 3597 generic RDATA")                     \
	X(DG_ETEXT_SVCPARAM, "bad SvcParam")                                  \
	/* netmasks */                                                        \
	X(DG_ENET_SYNTAX, "bad netmask syntax")                               \
	X(DG_ENET_PREFIX, "prefix length out of range")                       \
	X(DG_ENET_HOSTBITS, "address has bits set beyond the prefix")         \
	X(DG_EADDR_SYNTAX, "bad address (expected ip, ip:port or [ipv6]:port)") \
	X(DG_EADDR_PORT, "bad port number (expected 0-65535)")                \
	/* configuration and runtime */                                       \
	X(DG_ECONFIG, "configuration error")                                  \
	X(DG_EUNSUPPORTED, "not supported by dnsgate")                        \
	X(DG_ENOTFOUND, "not found")                                          \
	X(DG_EEXIST, "already exists")                                        \
	X(DG_ETIMEOUT, "timed out")                                           \
	X(DG_ELIMIT, "limit reached")                                         \
	X(DG_ECONSOLE_KEY, "console key is not 32 bytes in base64")           \
	X(DG_ECONSOLE_SHORT, "console message shorter than its authenticator") \
	X(DG_ECONSOLE_AUTH, "console message fails authentication (wrong key?)") \
	X(DG_ECONSOLE_SIZE, "console message larger than the size limit")     \
	X(DG_ECRED_FORMAT, "hashed credential is not $scrypt$ln=,p=,r=$salt$hash") \
	X(DG_ECRED_PARAMS, "scrypt parameters out of range (ln 1-15, p, r 1-32)") \
	/* vrrp */                                                            \
	X(DG_EVRRP_IPHDR, "IPv4 header truncated, malformed or not VRRP")     \
	X(DG_EVRRP_TTL, "VRRP TTL or hop limit is not 255")                   \
	X(DG_EVRRP_SHORT, "shorter than the 8-byte VRRP header")              \
	X(DG_EVRRP_VERSION, "VRRP version other than the configured one")     \
	X(DG_EVRRP_TYPE, "VRRP type is not ADVERTISEMENT")                    \
	X(DG_EVRRP_NOADDR, "VRRP advertisement lists no address")             \
	X(DG_EVRRP_TRUNC, "VRRP addresses or auth data past the packet end")  \
	X(DG_EVRRP_TRAILING, "bytes after the VRRP advertisement")            \
	X(DG_EVRRP_CHECKSUM, "VRRP checksum mismatch")                        \
	X(DG_EVRRP_VRID, "VRRP VRID not configured here")                     \
	X(DG_EVRRP_INTERVAL, "VRRP interval zero or (v2) not ours")           \
	X(DG_EVRRP_AUTH_TYPE, "VRRPv2 authentication type differs from ours") \
	X(DG_EVRRP_AUTH, "VRRPv2 authentication password mismatch")

enum dg_err {
	DG_OK = 0,
	DG_ENOMEM = -ENOMEM,
	DG_EINVAL = -EINVAL,
	DG_EAGAIN = -EAGAIN,
	/* errno-mapped codes stay above DG_E_BASE */
	DG_E_BASE = -1000,
#define DG_ERR_ENUM(name, msg) name,
	DG_ERRORS(DG_ERR_ENUM)
#undef DG_ERR_ENUM
	DG_E_END
};

/**
 * Human-readable message for an error code, for logs.
 * Covers DG_E* codes and -errno values; never returns NULL.
 * Thread-safe (returns a static string).
 */
const char *dg_strerror(int err);

/**
 * The code's symbolic name ("DG_EPTR_FORWARD"), for tests and drop counters.
 * Returns "DG_OK" for 0 and "DG_E?" for an unknown code; never NULL.
 */
const char *dg_errname(int err);

/**
 * Reverse of dg_errname(): the code for a name, or DG_EINVAL if the name is
 * unknown. Used by tests reading expected errors from a manifest.
 */
int dg_err_from_name(const char *name);
