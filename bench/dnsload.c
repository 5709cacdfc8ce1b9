/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsload: the project's UDP DNS load generator. It sends queries from many
 * source ports (one socket each), batched with sendmmsg and read back with
 * recvmmsg, either open-loop at a fixed rate (latency at a load every server
 * sustains) or closed-loop with a bounded window of outstanding queries (the
 * most a server answers). Names come from a file or from two patterns: "hit"
 * repeats N names (answered from a packet cache once warm), "miss" makes
 * every name unique with a pseudo-random first label (never cached). The run
 * ends at a query count or a time limit, whichever comes first, then waits
 * at most one query timeout for the last answers. One JSON line on stdout
 * reports counts, rates and latency percentiles.
 *
 * DESIGN: one thread per -j (default one), each a complete generator with
 * its own sockets and share of the window, rate and count; their counts and
 * histograms are summed into the one JSON line. In a thread, query number
 * `seq` picks its socket and DNS ID by
 * arithmetic (blocks of `batch` consecutive queries share a socket, so one
 * sendmmsg carries a block), and an answer's (socket, ID) maps back to its
 * slot in a table of send times: no per-query allocation, no search. Slots
 * are reused modulo the table size; the oldest outstanding query is expired
 * (counted lost) before its slot is reused. Each answer's question section
 * is compared with the query's, so a stray or misrouted answer is counted as
 * a mismatch, not as a success. Latency goes into a log-linear histogram
 * (1/64 relative precision).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256
#define MAX_SOCKS 1024
#define MAX_THREADS 64
#define GSO_MAX_SEGS 64         /* the kernel's UDP_MAX_SEGMENTS before 6.x */
#define QBUF 512                /* one query's wire form fits (name <= 255) */
#define RBUF 2048               /* the header and question are all we read */
#define HDR 12                  /* DNS header length (RFC 1035 §4.1.1) */
#define MISS_LABEL 16           /* hex digits of the unique first label */
#define HIST_SUB_BITS 6         /* 64 sub-buckets per power of two */
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB * 2 + HIST_SUB * 58)

enum mode { MODE_HIT, MODE_MISS, MODE_FILE };

struct slot {
	uint64_t sent_ns;       /* 0: free (answered or expired) */
	uint64_t seq;
};

struct opts {
	struct sockaddr_in server;
	unsigned nsock, batch, window, timeout_ms, names, edns, threads;
	bool gso;                       /* -G: send with UDP_SEGMENT */
	uint32_t src_first;             /* -A: first source address (host order) */
	unsigned nsrc;                  /* -A: how many; 0: the kernel picks */
	unsigned sock_base;             /* this thread's first socket, all threads counted */
	uint64_t count, seed;
	double rate, seconds;
	enum mode mode;
	const char *file, *zone, *label;
	uint16_t qtype;
};

struct names {                  /* pre-built queries of the list modes */
	uint8_t *wire;
	uint32_t *off;
	uint16_t *len;
	uint32_t n;
	size_t cap;
};

struct load {
	struct opts o;
	uint8_t (*sbufs)[QBUF];         /* MAX_BATCH queries being sent */
	uint8_t (*rbufs)[RBUF];         /* MAX_BATCH answers being read */
	int fds[MAX_SOCKS];
	int ep;
	struct names nm;
	uint8_t miss_tmpl[QBUF];        /* miss mode: label patched per query */
	uint16_t miss_len;
	struct slot *tab;
	uint64_t size;                  /* slots = nsock * ids_per_sock */
	uint64_t seq, tail, outstanding;
	uint64_t received, late, mismatch, expired, send_err, with_answer;
	uint64_t send_calls, recv_calls, polls;  /* system calls of the run */
	uint64_t rcodes[16];
	uint64_t hist[HIST_BUCKETS];
	uint64_t lat_sum, lat_max;
	uint64_t t0, t_last_send, t_last_rx;
	double cpu_s;                   /* the sum only: CPU time of the run */
	uint64_t sched[3];              /* run ns, run-queue wait ns, switch-ins */
	bool watch_machine;             /* this thread samples /proc/stat */
	double machine_busy, machine_s; /* busy CPU-s and seconds while sending */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64's finalizer: a bijection on 64 bits, so distinct query
 * numbers give distinct miss labels. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- histogram ---------------------------------------------------------- */

static unsigned hist_index(uint64_t v)
{
	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - HIST_SUB_BITS;     /* keeps 7 significant bits */
	unsigned idx = (shift + 1) * HIST_SUB + (unsigned)(v >> shift) - HIST_SUB;
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The smallest value of bucket idx (inverse of hist_index). */
static uint64_t hist_value(unsigned idx)
{
	if (idx < 2 * HIST_SUB)
		return idx;
	unsigned shift = idx / HIST_SUB - 1;
	return (uint64_t)(idx % HIST_SUB + HIST_SUB) << shift;
}

static uint64_t hist_pct(const struct load *l, double pct)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		total += l->hist[i];
	if (total == 0)
		return 0;
	uint64_t want = (uint64_t)(pct / 100.0 * (double)total + 0.5);
	if (want == 0)
		want = 1;
	uint64_t acc = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		acc += l->hist[i];
		if (acc >= want)
			return hist_value(i);
	}
	return l->lat_max;
}

/* ---- query construction ------------------------------------------------- */

/* Text name -> wire form in out; returns its length or -1. */
static int name_to_wire(const char *name, uint8_t *out, size_t cap)
{
	size_t o = 0;
	const char *p = name;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63 || o + n + 2 > cap || o + n + 2 > 255)
			return -1;
		out[o++] = (uint8_t)n;
		memcpy(out + o, p, n);
		o += n;
		p += n + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return (int)o;
}

/* A query for `name` in out (ID 0, RD set, optional OPT); length or -1. */
static int build_query(const struct opts *o, const char *name, uint8_t *out, size_t cap)
{
	static const uint8_t hdr[HDR] = { 0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	if (cap < HDR + 4 + 11)
		return -1;
	memcpy(out, hdr, HDR);
	int n = name_to_wire(name, out + HDR, cap - HDR - 4 - 11);
	if (n < 0)
		return -1;
	size_t p = HDR + (size_t)n;
	out[p++] = (uint8_t)(o->qtype >> 8);
	out[p++] = (uint8_t)o->qtype;
	out[p++] = 0;
	out[p++] = 1;           /* class IN */
	if (o->edns) {          /* RFC 6891 §6.1.2: root name, OPT, size */
		static const uint8_t opt[11] = { 0, 0, 41 };
		memcpy(out + p, opt, sizeof(opt));
		out[p + 3] = (uint8_t)(o->edns >> 8);
		out[p + 4] = (uint8_t)o->edns;
		p += sizeof(opt);
		out[11] = 1;    /* ARCOUNT */
	}
	return (int)p;
}

static int names_add(struct load *l, const char *name)
{
	struct names *nm = &l->nm;
	if (nm->n % 4096 == 0) {
		size_t cnt = (size_t)nm->n + 4096;
		uint32_t *off = realloc(nm->off, cnt * sizeof(*off));
		uint16_t *len = realloc(nm->len, cnt * sizeof(*len));
		if (off != NULL)
			nm->off = off;
		if (len != NULL)
			nm->len = len;
		if (off == NULL || len == NULL)
			return -1;
	}
	size_t used = nm->n ? nm->off[nm->n - 1] + nm->len[nm->n - 1] : 0;
	if (used + QBUF > nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 1 << 20;
		uint8_t *w = realloc(nm->wire, cap);
		if (w == NULL)
			return -1;
		nm->wire = w;
		nm->cap = cap;
	}
	int n = build_query(&l->o, name, nm->wire + used, QBUF);
	if (n < 0) {
		fprintf(stderr, "dnsload: bad name: %s\n", name);
		return -1;
	}
	nm->off[nm->n] = (uint32_t)used;
	nm->len[nm->n] = (uint16_t)n;
	nm->n++;
	return 0;
}

static int names_load_file(struct load *l, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "dnsload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[512];
	int ret = 0;
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		/* One name per line; a second field (a type, as in dnsperf's
		 * files) is ignored: the type is -q for the whole run. */
		char *name = strtok(line, " \t\r\n");
		if (name != NULL && name[0] != '#')
			ret = names_add(l, name);
	}
	fclose(f);
	if (ret == 0 && l->nm.n == 0) {
		fprintf(stderr, "dnsload: %s: no names\n", path);
		ret = -1;
	}
	return ret;
}

static int names_prepare(struct load *l)
{
	const struct opts *o = &l->o;
	char name[300];
	if (o->mode == MODE_FILE)
		return names_load_file(l, o->file);
	if (o->mode == MODE_HIT) {
		for (unsigned i = 0; i < o->names; i++) {
			snprintf(name, sizeof(name), "h%u.%s", i, o->zone);
			if (names_add(l, name) < 0)
				return -1;
		}
		return 0;
	}
	memset(name, 'x', MISS_LABEL);
	snprintf(name + MISS_LABEL, sizeof(name) - MISS_LABEL, ".%s", o->zone);
	int n = build_query(o, name, l->miss_tmpl, sizeof(l->miss_tmpl));
	if (n < 0) {
		fprintf(stderr, "dnsload: bad zone: %s\n", o->zone);
		return -1;
	}
	l->miss_len = (uint16_t)n;
	return 0;
}

/* The query for number seq (ID still 0) into out; returns its length. */
static unsigned query_for(const struct load *l, uint64_t seq, uint8_t *out)
{
	if (l->o.mode != MODE_MISS) {
		uint32_t i = (uint32_t)(seq % l->nm.n);
		memcpy(out, l->nm.wire + l->nm.off[i], l->nm.len[i]);
		return l->nm.len[i];
	}
	static const char hex[] = "0123456789abcdef";
	uint64_t r = mix64(seq ^ l->o.seed);
	memcpy(out, l->miss_tmpl, l->miss_len);
	for (unsigned i = 0; i < MISS_LABEL; i++, r >>= 4)
		out[HDR + 1 + i] = (uint8_t)hex[r & 15];
	return l->miss_len;
}

/* ---- slot <-> (socket, ID) ---------------------------------------------- */

/* Blocks of `batch` consecutive slots go to one socket, sockets in turn. */
static void slot_to_sock_id(const struct load *l, uint64_t slot, unsigned *sock, uint16_t *id)
{
	uint64_t block = slot / l->o.batch;
	*sock = (unsigned)(block % l->o.nsock);
	*id = (uint16_t)((block / l->o.nsock) * l->o.batch + slot % l->o.batch);
}

static uint64_t sock_id_to_slot(const struct load *l, unsigned sock, uint16_t id)
{
	uint64_t block = (uint64_t)(id / l->o.batch) * l->o.nsock + sock;
	return block * l->o.batch + id % l->o.batch;
}

/* ---- sending and receiving ---------------------------------------------- */

/* Expires the oldest queries: all older than the timeout, and (force) the
 * oldest one whatever its age, when its slot is needed again. */
static void sweep(struct load *l, uint64_t now, bool force)
{
	uint64_t tmo = (uint64_t)l->o.timeout_ms * 1000000u;
	while (l->tail < l->seq) {
		struct slot *s = &l->tab[l->tail % l->size];
		if (s->sent_ns != 0 && s->seq == l->tail) {
			if (!force && now - s->sent_ns < tmo)
				break;
			s->sent_ns = 0;
			l->outstanding--;
			l->expired++;
			force = false;
		}
		l->tail++;
	}
}

/* Sends the n queries in iov on fd, one datagram each; returns how many
 * went. */
static unsigned send_plain(struct load *l, int fd, struct iovec *iov, unsigned n)
{
	struct mmsghdr msgs[MAX_BATCH];
	for (unsigned i = 0; i < n; i++)
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	int sent = sendmmsg(fd, msgs, n, 0);
	l->send_calls++;
	return sent > 0 ? (unsigned)sent : 0;
}

/* Sends the n queries in iov on fd with UDP GSO (Linux 4.18): each run of
 * consecutive queries of one length is one message whose iovecs the kernel
 * joins and cuts again into datagrams of that length (UDP_SEGMENT), so the
 * server still receives one ordinary datagram per query, while the sending
 * path runs once per run. Returns how many queries went. */
static unsigned send_gso(struct load *l, int fd, struct iovec *iov, unsigned n)
{
	struct mmsghdr msgs[MAX_BATCH];
	unsigned first[MAX_BATCH];      /* message k's first query */
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[MAX_BATCH];
	unsigned k = 0;

	for (unsigned i = 0, j; i < n; i = j, k++) {
		for (j = i + 1; j < n && iov[j].iov_len == iov[i].iov_len &&
				j - i < GSO_MAX_SEGS; j++)
			;
		first[k] = i;
		struct msghdr *m = &msgs[k].msg_hdr;
		*m = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = j - i };
		if (j - i == 1)
			continue;       /* one query: an ordinary datagram */
		m->msg_control = ctl[k].buf;
		m->msg_controllen = sizeof(ctl[k].buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(m);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		uint16_t seg = (uint16_t)iov[i].iov_len;
		memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	}
	int sent = sendmmsg(fd, msgs, k, 0);
	l->send_calls++;
	if (sent <= 0)
		return 0;
	return (unsigned)sent < k ? first[sent] : n;
}

/* Sends up to `want` queries, all on the socket of the current block. */
static void send_some(struct load *l, uint64_t want, uint64_t now)
{
	uint8_t (*bufs)[QBUF] = l->sbufs;
	struct iovec iov[MAX_BATCH];
	unsigned sock = 0, n = 0;
	uint16_t id;

	uint64_t in_block = l->o.batch - l->seq % l->o.batch;
	if (want > in_block)
		want = in_block;
	for (; n < want; n++) {
		uint64_t seq = l->seq + n;
		if (seq - l->tail >= l->size)
			sweep(l, now, true);
		slot_to_sock_id(l, seq % l->size, &sock, &id);
		unsigned len = query_for(l, seq, bufs[n]);
		bufs[n][0] = (uint8_t)(id >> 8);
		bufs[n][1] = (uint8_t)id;
		iov[n] = (struct iovec){ bufs[n], len };
	}
	unsigned sent = l->o.gso ? send_gso(l, l->fds[sock], iov, n)
				 : send_plain(l, l->fds[sock], iov, n);
	l->send_err += n - sent;
	for (unsigned i = 0; i < sent; i++) {
		struct slot *s = &l->tab[(l->seq + (uint64_t)i) % l->size];
		s->sent_ns = now;
		s->seq = l->seq + (uint64_t)i;
	}
	/* An unsent query still uses its number: the ID plan stays simple,
	 * and it is counted as sent and lost (send_errors counts them). */
	l->seq += n;
	l->outstanding += sent;
	l->expired += n - sent;
	l->t_last_send = now;
}

/* Accounts one datagram received on socket sock. */
static void on_answer(struct load *l, unsigned sock, const uint8_t *b, unsigned len, uint64_t now)
{
	if (len < HDR || !(b[2] & 0x80)) {
		l->mismatch++;
		return;
	}
	uint64_t slot = sock_id_to_slot(l, sock, (uint16_t)(b[0] << 8 | b[1]));
	if (slot >= l->size || l->tab[slot].sent_ns == 0) {
		l->late++;      /* expired already, or a duplicate */
		return;
	}
	struct slot *s = &l->tab[slot];
	uint8_t q[QBUF];
	unsigned qlen = query_for(l, s->seq, q);
	unsigned qsect = qlen - HDR - (l->o.edns ? 11u : 0u);
	if (len < HDR + qsect || memcmp(b + HDR, q + HDR, qsect) != 0) {
		l->mismatch++;
		return;
	}
	uint64_t lat = now - s->sent_ns;
	s->sent_ns = 0;
	l->outstanding--;
	l->received++;
	l->rcodes[b[3] & 15]++;
	if (b[6] | b[7])
		l->with_answer++;
	l->hist[hist_index(lat)]++;
	l->lat_sum += lat;
	if (lat > l->lat_max)
		l->lat_max = lat;
	l->t_last_rx = now;
}

static void recv_sock(struct load *l, unsigned sock)
{
	uint8_t (*bufs)[RBUF] = l->rbufs;
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned batch = l->o.batch * 2 < MAX_BATCH ? l->o.batch * 2 : MAX_BATCH;

	for (;;) {
		for (unsigned i = 0; i < batch; i++) {
			iov[i] = (struct iovec){ bufs[i], RBUF };
			msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int n = recvmmsg(l->fds[sock], msgs, batch, MSG_DONTWAIT, NULL);
		l->recv_calls++;
		if (n <= 0)
			return;
		uint64_t now = now_ns();
		for (int i = 0; i < n; i++)
			on_answer(l, sock, bufs[i], msgs[i].msg_len, now);
		if ((unsigned)n < batch)
			return;
	}
}

/* How many queries may go now; *wait_ns says how long to sleep if none. */
static uint64_t due(const struct load *l, uint64_t now, uint64_t *wait_ns)
{
	const struct opts *o = &l->o;
	uint64_t left = o->count - l->seq;
	uint64_t n;
	*wait_ns = 1000000;     /* look at the timeouts at least every ms */
	if (o->rate > 0) {
		double el = (double)(now - l->t0) / 1e9;
		uint64_t target = (uint64_t)(el * o->rate) + 1;
		n = target > l->seq ? target - l->seq : 0;
		if (n == 0) {
			double next = (double)(l->seq) / o->rate * 1e9;
			*wait_ns = (uint64_t)next + l->t0 > now ? (uint64_t)next + l->t0 - now : 0;
		}
	} else {
		n = o->window > l->outstanding ? o->window - l->outstanding : 0;
	}
	return n < left ? n : left;
}

/* CPU-seconds the whole machine has been busy since boot, all CPUs
 * (/proc/stat: user+nice+system+irq+softirq, in clock ticks); -1 if the
 * file cannot be read. */
static double machine_busy_s(void)
{
	unsigned long long v[7];
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return -1;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]);
	fclose(f);
	if (n != 7)
		return -1;
	/* v[3] idle and v[4] iowait are not busy. */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
}

static void run(struct load *l)
{
	struct epoll_event evs[64];
	uint64_t t_end = l->t0 + (uint64_t)(l->o.seconds * 1e9);
	uint64_t tmo = (uint64_t)l->o.timeout_ms * 1000000u;

	for (;;) {
		uint64_t now = now_ns(), wait = 0;
		bool sending = l->seq < l->o.count && now < t_end;
		uint64_t n = sending ? due(l, now, &wait) : 0;
		if (n > 0) {
			send_some(l, n, now);
		} else if (!sending) {
			if (l->watch_machine && l->machine_s == 0) {
				/* Sending is over: the machine's busy time up
				 * to here, not the wait for lost answers. */
				l->machine_busy += machine_busy_s();
				l->machine_s = (double)(now - l->t0) / 1e9;
			}
			if (l->outstanding == 0 || now - l->t_last_send >= tmo)
				break;
			wait = 1000000;
		}
		sweep(l, now, false);
		struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
		int ne = epoll_pwait2(l->ep, evs, 64, &ts, NULL);
		l->polls++;
		for (int i = 0; i < ne; i++)
			recv_sock(l, evs[i].data.u32);
	}
	sweep(l, UINT64_MAX / 2, false);
	l->expired += l->outstanding;   /* the drain timeout passed */
}

/* ---- setup and report --------------------------------------------------- */

static int open_sockets(struct load *l)
{
	l->ep = epoll_create1(0);
	if (l->ep < 0)
		return -1;
	for (unsigned i = 0; i < l->o.nsock; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -1;
		int sz = 4 << 20;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		/* -A: socket k (counted over all threads) from address k % n,
		 * so every address has sockets and each socket one address. */
		if (l->o.nsrc > 0) {
			struct sockaddr_in src = { .sin_family = AF_INET };
			src.sin_addr.s_addr = htonl(l->o.src_first + (l->o.sock_base + i) % l->o.nsrc);
			if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
				return -1;
		}
		/* connect(): the kernel drops datagrams from anyone else, and
		 * sendmmsg needs no address per message. */
		if (connect(fd, (struct sockaddr *)&l->o.server, sizeof(l->o.server)) < 0)
			return -1;
		/* -G on a kernel without UDP GSO: fail here, not with every
		 * query counted as a send error. */
		int seg;
		socklen_t seglen = sizeof(seg);
		if (l->o.gso && getsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, &seglen) < 0)
			return -1;
		l->fds[i] = fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -1;
	}
	return 0;
}

/* Slots: enough that a slot is reused only long after its query timed out
 * (4x the outstanding queries the run can have), at most 65536 IDs/socket. */
static int alloc_table(struct load *l)
{
	const struct opts *o = &l->o;
	double inflight = o->rate > 0 ? o->rate * o->timeout_ms / 1000.0 : o->window;
	uint64_t per = o->batch;
	while (per < 65536 && (double)(per * o->nsock) < 4 * inflight)
		per *= 2;
	if (per > 65536)
		per = 65536;
	per -= per % o->batch;
	l->size = per * o->nsock;
	l->tab = calloc(l->size, sizeof(*l->tab));
	l->sbufs = malloc(MAX_BATCH * sizeof(*l->sbufs));
	l->rbufs = malloc(MAX_BATCH * sizeof(*l->rbufs));
	return l->tab && l->sbufs && l->rbufs ? 0 : -1;
}

/* CPU time (user + system) of the whole process so far, all threads, live
 * and joined. The kernel scales the tick-sampled user/system split so
 * that the two add up to the threads' exact run time. */
static double process_cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report(const struct load *l)
{
	const struct opts *o = &l->o;
	double dur = l->t_last_rx > l->t0 ? (double)(l->t_last_rx - l->t0) / 1e9 : 0;
	double sdur = l->t_last_send > l->t0 ? (double)(l->t_last_send - l->t0) / 1e9 : 0;
	static const char *const modes[] = { "hit", "miss", "file" };
	printf("{\"label\": \"%s\", \"mode\": \"%s\", \"rate\": %.0f, \"window\": %u, "
	       "\"threads\": %u, \"sockets\": %u, \"sent\": %" PRIu64 ", \"received\": %" PRIu64
	       ", \"lost\": %" PRIu64 ", \"late\": %" PRIu64 ", \"mismatch\": %" PRIu64
	       ", \"send_errors\": %" PRIu64 ", \"with_answer\": %" PRIu64,
	       o->label, modes[o->mode], o->rate, o->window, o->threads, o->nsock, l->seq,
	       l->received,
	       l->seq - l->received, l->late, l->mismatch, l->send_err, l->with_answer);
	printf(", \"duration_s\": %.4f, \"send_duration_s\": %.4f, \"qps\": %.1f, "
	       "\"offered_qps\": %.1f, \"cpu_s\": %.6f", dur, sdur,
	       dur > 0 ? (double)l->received / dur : 0, sdur > 0 ? (double)l->seq / sdur : 0,
	       l->cpu_s);
	printf(", \"syscalls\": {\"send\": %" PRIu64 ", \"recv\": %" PRIu64 ", \"poll\": %" PRIu64
	       "}", l->send_calls, l->recv_calls, l->polls);
	printf(", \"machine\": {\"busy_s\": %.2f, \"period_s\": %.4f}", l->machine_busy,
	       l->machine_s);
	printf(", \"sched\": {\"run_s\": %.6f, \"wait_s\": %.6f, \"switches\": %" PRIu64 "}",
	       (double)l->sched[0] / 1e9, (double)l->sched[1] / 1e9, l->sched[2]);
	printf(", \"rcodes\": {\"noerror\": %" PRIu64 ", \"servfail\": %" PRIu64
	       ", \"nxdomain\": %" PRIu64 ", \"refused\": %" PRIu64 ", \"other\": %" PRIu64 "}",
	       l->rcodes[0], l->rcodes[2], l->rcodes[3], l->rcodes[5],
	       l->received - l->rcodes[0] - l->rcodes[2] - l->rcodes[3] - l->rcodes[5]);
	printf(", \"lat_us\": {\"mean\": %.1f, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
	       "\"p999\": %.1f, \"max\": %.1f}}\n",
	       l->received ? (double)l->lat_sum / (double)l->received / 1e3 : 0,
	       (double)hist_pct(l, 50) / 1e3, (double)hist_pct(l, 90) / 1e3,
	       (double)hist_pct(l, 99) / 1e3, (double)hist_pct(l, 99.9) / 1e3,
	       (double)l->lat_max / 1e3);
}

static int parse_server(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	long port = strtol(colon + 1, NULL, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return port > 0 && port < 65536 && inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* -A IP/N: N consecutive source addresses from IP (1 <= N <= 65536). */
static int parse_sources(const char *s, struct opts *o)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	struct in_addr a;
	char *end;
	unsigned long n = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, ip, &a) != 1 || *end != '\0' || n == 0 || n > 65536)
		return -1;
	o->src_first = ntohl(a.s_addr);
	o->nsrc = (unsigned)n;
	return 0;
}

static int parse_qtype(const char *s, uint16_t *out)
{
	static const struct { const char *name; uint16_t v; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
		{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 }, { "ANY", 255 },
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(types); i++) {
		if (strcasecmp(s, types[i].name) == 0) {
			*out = types[i].v;
			return 0;
		}
	}
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dnsload -s IPv4:PORT [options]\n"
		"  -m hit|miss|file  names: N repeated, unique, or from -f (default hit)\n"
		"  -N N              hit: number of names h0.ZONE .. h<N-1>.ZONE (1000)\n"
		"  -f FILE           file: one name per line, cycled\n"
		"  -z ZONE           suffix of generated names (bench.test)\n"
		"  -q TYPE           query type for every query (A)\n"
		"  -r QPS            open loop at this rate; 0 = closed loop (0)\n"
		"  -w N              closed loop: most outstanding queries (512)\n"
		"  -n N              stop after N queries (100000)\n"
		"  -t SECONDS        stop sending after this long (10)\n"
		"  -T MS             a query unanswered this long is lost (1000)\n"
		"  -S N              source sockets/ports (64)\n"
		"  -b N              queries per sendmmsg (16)\n"
		"  -A IP/N           source addresses: sockets spread over N addresses\n"
		"                    from IP up (e.g. 127.0.0.1/64: many clients on\n"
		"                    loopback); default: the kernel's choice\n"
		"  -G                send each run of equal-length queries in a batch as\n"
		"                    one UDP GSO message (UDP_SEGMENT); the server still\n"
		"                    gets one datagram per query\n"
		"  -e SIZE           add EDNS OPT with this UDP size (off)\n"
		"  -R SEED           miss: seed of the unique labels (time)\n"
		"  -L LABEL          label copied into the JSON line\n"
		"  -j N, --threads N load threads, each with its share of -S, -w, -r\n"
		"                    and -n (1)\n");
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c;
	bool have_server = false;
	*o = (struct opts){ .nsock = 64, .batch = 16, .window = 512, .timeout_ms = 1000,
			    .names = 1000, .count = 100000, .seconds = 10, .mode = MODE_HIT,
			    .threads = 1,
			    .zone = "bench.test", .label = "", .qtype = 1,
			    .seed = mix64((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32)) };
	static const struct option longs[] = { { "threads", required_argument, NULL, 'j' },
					       { NULL, 0, NULL, 0 } };
	while ((c = getopt_long(argc, argv, "s:m:N:f:z:q:r:w:n:t:T:S:b:e:R:L:j:A:Gh", longs,
				NULL)) != -1) {
		switch (c) {
		case 's': have_server = parse_server(optarg, &o->server) == 0; break;
		case 'm':
			if (strcmp(optarg, "hit") == 0) o->mode = MODE_HIT;
			else if (strcmp(optarg, "miss") == 0) o->mode = MODE_MISS;
			else if (strcmp(optarg, "file") == 0) o->mode = MODE_FILE;
			else return -1;
			break;
		case 'N': o->names = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': o->file = optarg; o->mode = MODE_FILE; break;
		case 'z': o->zone = optarg; break;
		case 'q': if (parse_qtype(optarg, &o->qtype) < 0) return -1; break;
		case 'r': o->rate = strtod(optarg, NULL); break;
		case 'w': o->window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': o->count = strtoull(optarg, NULL, 10); break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'T': o->timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': o->nsock = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': o->batch = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'e': o->edns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': o->seed = strtoull(optarg, NULL, 0); break;
		case 'L': o->label = optarg; break;
		case 'j': o->threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'G': o->gso = true; break;
		case 'A': if (parse_sources(optarg, o) < 0) return -1; break;
		default: return -1;
		}
	}
	if (!have_server || optind != argc || o->nsock == 0 || o->nsock > MAX_SOCKS ||
	    o->batch == 0 || o->batch > MAX_BATCH / 2 || o->window == 0 ||
	    o->threads == 0 || o->threads > MAX_THREADS || o->nsock < o->threads ||
	    o->window < o->threads ||
	    o->timeout_ms == 0 || o->names == 0 || o->rate < 0 || o->seconds <= 0 ||
	    (o->mode == MODE_FILE && o->file == NULL) || strchr(o->label, '"') ||
	    (o->edns != 0 && (o->edns < 512 || o->edns > 65535)))
		return -1;
	return 0;
}

/* Thread t's options: its share of the sockets, window, rate and count,
 * and its own seed (miss names stay unique across threads). */
static struct opts share(const struct opts *o, unsigned t)
{
	struct opts p = *o;
	unsigned n = o->threads;
	p.nsock = o->nsock / n + (t < o->nsock % n);
	p.sock_base = t * (o->nsock / n) + (t < o->nsock % n ? t : o->nsock % n);
	p.window = o->window / n + (t < o->window % n);
	p.rate = o->rate / n;
	p.count = o->count / n + (t < o->count % n);
	if (t > 0)
		p.seed = mix64(o->seed ^ (0x9e3779b97f4a7c15ull * t));
	return p;
}

/* Frees what setup gave thread l (sockets, tables, names). */
static void load_free(struct load *l)
{
	for (unsigned i = 0; i < l->o.nsock; i++)
		if (l->fds[i] > 0)
			close(l->fds[i]);
	if (l->ep > 0)
		close(l->ep);
	free(l->tab);
	free(l->sbufs);
	free(l->rbufs);
	free(l->nm.wire);
	free(l->nm.off);
	free(l->nm.len);
}

/* The calling thread's scheduler figures (/proc/thread-self/schedstat):
 * run time and time runnable but waiting for a CPU, in ns, and how often it
 * was switched in. All zero where the file cannot be read. */
static void thread_sched(uint64_t out[3])
{
	out[0] = out[1] = out[2] = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (f == NULL)
		return;
	if (fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64, &out[0], &out[1], &out[2]) != 3)
		out[0] = out[1] = out[2] = 0;
	fclose(f);
}

static void *thread_main(void *arg)
{
	struct load *l = arg;
	uint64_t s0[3];
	thread_sched(s0);
	if (l->watch_machine)
		l->machine_busy = -machine_busy_s();
	l->t0 = now_ns();
	run(l);
	thread_sched(l->sched);
	for (unsigned i = 0; i < 3; i++)
		l->sched[i] -= s0[i];
	return NULL;
}

/* Adds thread l's counts into sum (times: earliest start, latest end). */
static void merge(struct load *sum, const struct load *l)
{
	sum->seq += l->seq;
	sum->received += l->received;
	sum->late += l->late;
	sum->mismatch += l->mismatch;
	sum->send_err += l->send_err;
	sum->send_calls += l->send_calls;
	sum->recv_calls += l->recv_calls;
	sum->polls += l->polls;
	if (l->watch_machine) {
		sum->machine_busy = l->machine_busy;
		sum->machine_s = l->machine_s;
	}
	for (unsigned i = 0; i < 3; i++)
		sum->sched[i] += l->sched[i];
	sum->with_answer += l->with_answer;
	for (unsigned i = 0; i < 16; i++)
		sum->rcodes[i] += l->rcodes[i];
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		sum->hist[i] += l->hist[i];
	sum->lat_sum += l->lat_sum;
	sum->lat_max = l->lat_max > sum->lat_max ? l->lat_max : sum->lat_max;
	if (sum->t0 == 0 || l->t0 < sum->t0)
		sum->t0 = l->t0;
	sum->t_last_send = l->t_last_send > sum->t_last_send ? l->t_last_send : sum->t_last_send;
	sum->t_last_rx = l->t_last_rx > sum->t_last_rx ? l->t_last_rx : sum->t_last_rx;
}

int main(int argc, char **argv)
{
	static struct load sum; /* big (histogram): not on the stack */
	struct opts o;

	if (parse_args(&o, argc, argv) < 0) {
		usage();
		return 2;
	}
	struct load *ls = calloc(o.threads, sizeof(*ls));
	pthread_t th[MAX_THREADS];
	if (ls == NULL)
		return 1;
	for (unsigned t = 0; t < o.threads; t++) {
		ls[t].o = share(&o, t);
		ls[t].watch_machine = t == 0;
		if (names_prepare(&ls[t]) < 0)
			return 1;
		if (alloc_table(&ls[t]) < 0 || open_sockets(&ls[t]) < 0) {
			fprintf(stderr, "dnsload: setup: %s\n", strerror(errno));
			return 1;
		}
	}
	double cpu0 = process_cpu_s();
	for (unsigned t = 0; t < o.threads; t++) {
		if (pthread_create(&th[t], NULL, thread_main, &ls[t]) != 0) {
			fprintf(stderr, "dnsload: cannot start thread %u\n", t);
			return 1;
		}
	}
	for (unsigned t = 0; t < o.threads; t++)
		pthread_join(th[t], NULL);
	/* The load threads' run only, not the setup before it. */
	sum.cpu_s = process_cpu_s() - cpu0;
	for (unsigned t = 0; t < o.threads; t++) {
		merge(&sum, &ls[t]);
		load_free(&ls[t]);
	}
	free(ls);
	sum.o = o;
	report(&sum);
	return 0;
}
