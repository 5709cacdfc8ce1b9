/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Backend health checks on the control thread (see health.h). Each check
 * uses a fresh socket, as dnsdist does, so that a late answer to an old
 * check can never be taken for the answer to the current one.
 */
#include "frontend/health.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/conf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/pkt.h"
#include "lib/sockaddr.h"

#define HC_BUFSZ 4096

enum hc_phase { HC_IDLE, HC_CONNECTING, HC_READING };

struct hc_backend {
	struct fe_backend *be;
	struct hc_fsm fsm;
	int fd;                /* socket of the check in flight, -1 if none */
	enum hc_phase phase;
	uint16_t id;
	uint64_t next_us;      /* when the next check is due */
	uint64_t deadline_us;  /* when the check in flight times out */
	size_t qlen, rlen;
	uint8_t query[2 + 512]; /* 2-byte TCP length prefix, then the query */
	uint8_t resp[HC_BUFSZ];
};

struct health {
	struct fe_conf *conf;
	int epfd;
	struct hc_backend *hb;
	int n;
	uint64_t rng;
};

const char *hc_result_str(enum hc_result r)
{
	static const char *const s[] = {
		[HC_OK] = "ok",
		[HC_TIMEOUT] = "timeout",
		[HC_NET_ERROR] = "network error",
		[HC_SHORT] = "short answer",
		[HC_BAD_ID] = "wrong ID",
		[HC_NOT_RESPONSE] = "QR not set",
		[HC_SERVFAIL] = "SERVFAIL",
		[HC_NXDOMAIN] = "NXDOMAIN while mustResolve",
		[HC_REFUSED] = "REFUSED while mustResolve",
		[HC_BAD_QUESTION] = "wrong question",
	};
	return (unsigned)r < DG_ARRAY_SIZE(s) ? s[r] : "?";
}

bool hc_fsm_step(struct hc_fsm *s, unsigned max_failures, unsigned rise, bool success,
		 unsigned *streak)
{
	bool was = s->up;
	if (max_failures == 0)
		max_failures = 1;
	if (rise == 0)
		rise = 1;
	if (!s->checked) {
		/* dnsdist's initial check sets the state without thresholds. */
		s->checked = true;
		s->up = success;
		s->failures = s->successes = 0;
		if (streak)
			*streak = 1;
		return was != s->up;
	}
	if (success) {
		s->failures = 0;
		if (!s->up && ++s->successes >= rise)
			s->up = true;
	} else {
		s->successes = 0;
		if (s->up && ++s->failures >= max_failures)
			s->up = false;
	}
	if (was == s->up)
		return false;
	if (streak)
		*streak = success ? s->successes : s->failures;
	s->failures = s->successes = 0;
	return true;
}

enum hc_result hc_check_response(const uint8_t *resp, size_t len, uint16_t id,
				 const uint8_t *qname, uint16_t qtype, uint16_t qclass,
				 bool must_resolve)
{
	struct dg_hdr h;
	if (dg_hdr_parse(&h, resp, len) < 0)
		return HC_SHORT;
	if (h.id != id)
		return HC_BAD_ID;
	if (!(h.flags & DG_FLAG_QR))
		return HC_NOT_RESPONSE;
	unsigned rc = DG_RCODE(h.flags);
	if (rc == 2)
		return HC_SERVFAIL;
	if (must_resolve && rc == 3)
		return HC_NXDOMAIN;
	if (must_resolve && rc == 5)
		return HC_REFUSED;
	struct dg_question q;
	if (dg_pkt_parse_question(&h, &q, resp, len) < 0)
		return HC_BAD_QUESTION;
	if (q.qtype != qtype || q.qclass != qclass || !dg_dname_eq(q.qname, qname))
		return HC_BAD_QUESTION;
	return HC_OK;
}

int hc_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype,
		   uint16_t qclass)
{
	size_t nl = dg_dname_len(qname);
	if (cap < DG_HDR_LEN + nl + 4)
		return DG_ESPACE;
	memset(buf, 0, DG_HDR_LEN);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = DG_FLAG_RD >> 8;
	buf[5] = 1; /* qdcount */
	memcpy(buf + DG_HDR_LEN, qname, nl);
	uint8_t *p = buf + DG_HDR_LEN + nl;
	p[0] = (uint8_t)(qtype >> 8);
	p[1] = (uint8_t)qtype;
	p[2] = (uint8_t)(qclass >> 8);
	p[3] = (uint8_t)qclass;
	return (int)(DG_HDR_LEN + nl + 4);
}

static uint16_t next_id(struct health *h)
{
	/* xorshift64: check IDs need to be unpredictable to an off-path
	 * spoofer only as much as dnsdist's are; seeded from getrandom. */
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return (uint16_t)(h->rng >> 32);
}

struct health *health_new(struct fe_conf *conf)
{
	struct health *h = calloc(1, sizeof(*h));
	if (h != NULL && conf->nbackends > 0)
		h->hb = calloc((size_t)conf->nbackends, sizeof(*h->hb));
	if (h == NULL || (conf->nbackends > 0 && h->hb == NULL)) {
		dg_log(LOG_ERR, "health", "out of memory");
		exit(1);
	}
	h->conf = conf;
	h->n = conf->nbackends;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0) {
		dg_log(LOG_ERR, "health", "epoll_create1: %s", strerror(errno));
		exit(1);
	}
	if (getrandom(&h->rng, sizeof(h->rng), 0) != sizeof(h->rng) || h->rng == 0)
		h->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	for (int i = 0; i < h->n; i++) {
		h->hb[i].be = conf->backends[i];
		h->hb[i].fd = -1;
		h->hb[i].fsm.up = atomic_load(&conf->backends[i]->healthy);
		h->hb[i].next_us = 0; /* the first check runs at once */
	}
	return h;
}

static void close_check(struct health *h, struct hc_backend *hb)
{
	if (hb->fd >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, hb->fd, NULL);
		close(hb->fd);
	}
	hb->fd = -1;
	hb->phase = HC_IDLE;
}

void health_free(struct health *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < h->n; i++)
		close_check(h, &h->hb[i]);
	close(h->epfd);
	free(h->hb);
	free(h);
}

int health_fd(const struct health *h)
{
	return h->epfd;
}

uint64_t health_next_us(const struct health *h)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < h->n; i++) {
		const struct hc_backend *hb = &h->hb[i];
		uint64_t t = hb->phase != HC_IDLE ? hb->deadline_us : hb->next_us;
		if (t < next)
			next = t;
	}
	return next;
}

static void log_change(const struct health *h, const struct hc_backend *hb, bool success,
		       unsigned streak, enum hc_result r)
{
	char addr[DG_SOCKADDR_STRLEN];
	(void)h;
	if (dg_sockaddr_to_str(&hb->be->addr, addr, sizeof(addr)) < 0)
		addr[0] = '\0';
	if (success)
		dg_log(LOG_WARNING, "health", "backend %s (%s) DOWN -> UP (%u consecutive successes)",
		       addr, hb->be->name, streak);
	else
		dg_log(LOG_WARNING, "health",
		       "backend %s (%s) UP -> DOWN (%u consecutive failures: %s)", addr,
		       hb->be->name, streak, hc_result_str(r));
}

static void finish_check(struct health *h, struct hc_backend *hb, enum hc_result r,
			 uint64_t now_us)
{
	struct fe_backend *be = hb->be;
	bool success = r == HC_OK;
	unsigned streak = 0;

	close_check(h, hb);
	if (!success && h->conf->verbose_health_checks)
		dg_log(LOG_INFO, "health", "health check of backend %s failed: %s", be->name,
		       hc_result_str(r));
	if (hc_fsm_step(&hb->fsm, be->max_check_failures, be->rise, success, &streak)) {
		log_change(h, hb, success, streak, r);
		atomic_store_explicit(&be->healthy, hb->fsm.up, memory_order_release);
	}
	(void)now_us;
}

static int open_check_socket(struct hc_backend *hb)
{
	int type = hb->be->tcp_only ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(hb->be->addr.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &hb->be->addr.sa, dg_sockaddr_len(&hb->be->addr)) < 0 &&
	    errno != EINPROGRESS) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Sends the query (UDP) or, for TCP, waits for the connection first. */
static enum hc_result start_check(struct health *h, struct hc_backend *hb, uint64_t now_us)
{
	struct fe_backend *be = hb->be;
	hb->id = next_id(h);
	int n = hc_build_query(hb->query + 2, sizeof(hb->query) - 2, hb->id, be->check_name,
			       be->check_type, be->check_class);
	if (n < 0)
		return HC_NET_ERROR;
	hb->query[0] = (uint8_t)(n >> 8);
	hb->query[1] = (uint8_t)n;
	hb->qlen = (size_t)n;
	hb->rlen = 0;
	int fd = open_check_socket(hb);
	if (fd < 0)
		return HC_NET_ERROR;
	hb->fd = fd;
	hb->deadline_us = now_us + (uint64_t)be->check_timeout_ms * 1000;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = hb };
	if (be->tcp_only) {
		hb->phase = HC_CONNECTING;
		ev.events = EPOLLOUT;
	} else {
		hb->phase = HC_READING;
		if (send(fd, hb->query + 2, hb->qlen, 0) < 0)
			return HC_NET_ERROR;
	}
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return HC_NET_ERROR;
	return HC_OK;
}

static enum hc_result on_tcp_writable(struct health *h, struct hc_backend *hb)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(hb->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0)
		return HC_NET_ERROR;
	/* A check query is a few dozen bytes: it fits any socket buffer. */
	if (send(hb->fd, hb->query, hb->qlen + 2, MSG_NOSIGNAL) != (ssize_t)(hb->qlen + 2))
		return HC_NET_ERROR;
	hb->phase = HC_READING;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = hb };
	if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, hb->fd, &ev) < 0)
		return HC_NET_ERROR;
	return HC_OK;
}

/* Returns HC_OK with *done false while a TCP answer is incomplete. */
static enum hc_result on_readable(struct hc_backend *hb, bool *done)
{
	struct fe_backend *be = hb->be;
	*done = true;
	ssize_t n = recv(hb->fd, hb->resp + hb->rlen, sizeof(hb->resp) - hb->rlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		*done = false;
		return HC_OK;
	}
	if (n <= 0)
		return n == 0 ? HC_SHORT : HC_NET_ERROR;
	if (!be->tcp_only)
		return hc_check_response(hb->resp, (size_t)n, hb->id, be->check_name, be->check_type,
					 be->check_class, be->must_resolve);
	hb->rlen += (size_t)n;
	size_t want = hb->rlen >= 2 ? 2 + ((size_t)hb->resp[0] << 8 | hb->resp[1]) : SIZE_MAX;
	if (hb->rlen < want && hb->rlen < sizeof(hb->resp)) {
		*done = false;
		return HC_OK;
	}
	size_t len = (want < hb->rlen ? want : hb->rlen) - 2;
	return hc_check_response(hb->resp + 2, len, hb->id, be->check_name, be->check_type,
				 be->check_class, be->must_resolve);
}

static void on_event(struct health *h, struct hc_backend *hb, uint32_t events, uint64_t now_us)
{
	enum hc_result r;
	bool done = true;
	if (hb->phase == HC_CONNECTING) {
		r = on_tcp_writable(h, hb);
		done = r != HC_OK;
	} else if (hb->phase == HC_READING) {
		r = on_readable(hb, &done);
		if (!done && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
			r = HC_NET_ERROR;
			done = true;
		}
	} else {
		return;
	}
	if (done)
		finish_check(h, hb, r, now_us);
}

static void tick(struct health *h, uint64_t now_us)
{
	for (int i = 0; i < h->n; i++) {
		struct hc_backend *hb = &h->hb[i];
		if (hb->phase != HC_IDLE && now_us >= hb->deadline_us)
			finish_check(h, hb, HC_TIMEOUT, now_us);
		if (hb->phase != HC_IDLE || now_us < hb->next_us)
			continue;
		unsigned iv = hb->be->check_interval_s ? hb->be->check_interval_s : 1;
		hb->next_us = now_us + (uint64_t)iv * 1000000;
		/* Forced up or down by the administrator: nothing to check. */
		if (atomic_load(&hb->be->admin) != FE_ADMIN_AUTO)
			continue;
		enum hc_result r = start_check(h, hb, now_us);
		if (r != HC_OK)
			finish_check(h, hb, r, now_us);
	}
}

void health_process(struct health *h, uint64_t now_us)
{
	struct epoll_event evs[32];
	int n = epoll_wait(h->epfd, evs, (int)DG_ARRAY_SIZE(evs), 0);
	for (int i = 0; i < n; i++)
		on_event(h, evs[i].data.ptr, evs[i].events, now_us);
	tick(h, now_us);
}
