/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Steering clients to workers by address (see steer.h).
 */
#include "frontend/steer.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/err.h"

#define K1 0x9e3779b1u /* odd multipliers: a bijection mod 2^32 */
#define K2 0x85ebca6bu

/* Word i (network order, as BPF_ABS loads it) of addr. */
static uint32_t word(const uint8_t *addr, unsigned i)
{
	const uint8_t *p = addr + 4 * i;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The mask of word i (0-based) of an address cut to bits. */
static uint32_t word_mask(unsigned bits, unsigned i)
{
	unsigned lo = 32 * i;
	if (bits <= lo)
		return 0;
	if (bits >= lo + 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - (bits - lo));
}

static unsigned v6_bits(unsigned bits)
{
	return bits > STEER_V6_MAX_BITS ? STEER_V6_MAX_BITS : bits;
}

unsigned steer_index(int family, const uint8_t *addr, unsigned bits, unsigned nworkers)
{
	uint32_t h;
	if (family == AF_INET) {
		h = (word(addr, 0) & word_mask(bits, 0)) * K1;
	} else {
		bits = v6_bits(bits);
		h = (word(addr, 0) & word_mask(bits, 0)) * K1;
		h = ((word(addr, 1) & word_mask(bits, 1)) + h) * K2;
	}
	return (h >> 16) % nworkers;
}

int steer_attach(int fd, int family, unsigned bits, unsigned nworkers)
{
	if (nworkers == 0 || (family != AF_INET && family != AF_INET6))
		return DG_EINVAL;
	/* Offsets into the IP header: source address at 12 (v4) or 8 (v6). */
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + 12)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, word_mask(bits, 0)),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, K1),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, nworkers),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	unsigned b6 = v6_bits(bits);
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + 8)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, word_mask(b6, 0)),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, K1),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + 12)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, word_mask(b6, 1)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, K2),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, nworkers),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = family == AF_INET
		? (struct sock_fprog){ .len = DG_ARRAY_SIZE(v4), .filter = v4 }
		: (struct sock_fprog){ .len = DG_ARRAY_SIZE(v6), .filter = v6 };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return DG_OK;
}
