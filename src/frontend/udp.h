/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The UDP frontend: listener sockets (one per worker per address, with
 * SO_REUSEPORT), batched receive with recvmmsg, the per-datagram query
 * path, and batched answers with sendmmsg that leave from the exact local
 * address the query arrived on: with a wildcard listener (0.0.0.0, ::)
 * the destination address comes in with IP_PKTINFO/IPV6_PKTINFO and goes
 * back out as the source, so a VIP answers as itself. Worker thread only,
 * except udp_listener_open() (main thread, boot).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/sockaddr.h"

struct worker;
struct wev;
struct udp_sock;
union idt_addr;

/**
 * Opens and binds a UDP socket for a listener address: non-blocking,
 * SO_REUSEPORT when reuseport (one socket per worker), IPV6_V6ONLY for
 * IPv6, packet info enabled for wildcard addresses.
 * @return the fd, or -errno (the caller names the address in its message).
 */
DG_MUSTCHECK int udp_listener_open(const union dg_sockaddr *addr, bool reuseport);

/**
 * Sets fd's receive and send buffers to rcv and snd bytes (0 leaves one
 * as it is): SO_RCVBUF/SO_SNDBUF, which the kernel caps at
 * net.core.rmem_max/wmem_max, then SO_*BUFFORCE past that cap when the
 * process may (CAP_NET_ADMIN; failure is not an error). *got_rcv and
 * *got_snd receive the sizes in effect, as the kernel reports them halved
 * (it doubles a request for its bookkeeping).
 */
void udp_set_buffers(int fd, unsigned rcv, unsigned snd, unsigned *got_rcv, unsigned *got_snd);

/** True for 0.0.0.0 and ::, where answers need an explicit source. */
bool udp_is_wildcard(const union dg_sockaddr *addr);

/** Event callback: queries readable on a UDP listener socket. */
void udp_on_readable(struct worker *w, struct wev *ev, uint32_t events);

/**
 * Queues an answer to client through the worker's listener socket, from
 * local (used on wildcard sockets). buf is borrowed until the next flush.
 */
void udp_queue(struct worker *w, uint16_t listener, const uint8_t *buf, size_t len,
	       const union idt_addr *client, const union idt_addr *local, int ifindex);

/** Sends everything queued on us with sendmmsg; failures are counted. */
void udp_flush(struct worker *w, struct udp_sock *us);

/** Copies a socket address into the compact form kept per query. */
void udp_addr_pack(union idt_addr *dst, const union dg_sockaddr *src);

/** Copies a compact address back into a dg_sockaddr (zero-filled first). */
void udp_addr_unpack(union dg_sockaddr *dst, const union idt_addr *src);
