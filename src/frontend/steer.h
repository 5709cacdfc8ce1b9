/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Steering clients to workers: each worker has its own SO_REUSEPORT socket
 * per listener, and the kernel picks one per datagram (UDP) or connection
 * (TCP). By default it hashes the 4-tuple, so one client's queries from
 * different source ports land on different workers. A classic BPF program
 * on the group (SO_ATTACH_REUSEPORT_CBPF) picks the socket from the
 * client's address alone, masked to a prefix: every query of a prefix then
 * reaches the same worker, which lets per-client state (MaxQPSIPRule's
 * buckets, ratelimit.h) live in that worker without locks or shared cache
 * lines and stay exact.
 *
 * DESIGN: the program reads the source address through the network-header
 * offset (SKF_NET_OFF), so it works for UDP and TCP alike; the socket index
 * it returns is the worker's because the daemon binds worker k's socket
 * k-th in every group. The hash is a multiplicative one on 32-bit words
 * (all classic BPF has); steer_index() computes the same in C, for tests.
 * A kernel that refuses the program leaves the 4-tuple hash: per-client
 * state is then per worker, which the daemon logs.
 */
#pragma once

#include <stdint.h>

#include "lib/compiler.h"

/* IPv6 clients are steered by at most their /64: a subscriber's prefix. */
#define STEER_V6_MAX_BITS 64

/**
 * The worker (0..nworkers-1) the program attached by steer_attach() picks
 * for a client address (4 bytes for AF_INET, 16 for AF_INET6, network
 * order) with the given prefix length. nworkers > 0.
 */
unsigned steer_index(int family, const uint8_t *addr, unsigned bits, unsigned nworkers);

/**
 * Attaches the steering program for family's clients, prefix bits (v6:
 * capped at STEER_V6_MAX_BITS), to fd's SO_REUSEPORT group. Any socket of
 * the group will do; the program then serves the whole group.
 * @retval 0, DG_EINVAL (family, nworkers 0), -errno from setsockopt.
 */
DG_MUSTCHECK int steer_attach(int fd, int family, unsigned bits, unsigned nworkers);
