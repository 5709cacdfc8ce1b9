/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The console server (see console.h): its thread, its listener, and one
 * non-blocking state machine per connection.
 */
#include "frontend/console.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lua.h>
#include <urcu.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/console_proto.h"
#include "frontend/tcp.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/nmg.h"
#include "lib/sockaddr.h"

/* Largest command accepted from a client (dnsdist has no limit; 1 MiB is
 * far beyond any line a person types or a script sends). */
#define CON_MAX_IN (1u << 20)

enum con_state {
	CON_NONCE,   /* reading the client's nonce */
	CON_LEN,     /* reading a 4-byte length */
	CON_BODY,    /* reading a message body */
};

struct con {
	struct con *next;
	int fd;
	char peer[DG_SOCKADDR_STRLEN];
	enum con_state st;
	uint8_t hdr[CP_NONCE_LEN];  /* the nonce or the length being read */
	size_t got;                 /* bytes of hdr or body read so far */
	uint8_t *body;
	uint32_t need;
	struct cp_session s;
	uint8_t *out;               /* pending output (already framed) */
	size_t outlen, outoff;
};

struct console {
	struct console_src src;
	uint8_t key[CP_KEY_LEN];
	bool has_key;
	int lfd, epfd, stopfd;
	pthread_t thread;
	bool started;
	struct con *conns;
	unsigned nconns;
	lua_State *L;
	struct console_rt rt;
	struct console_counters ctr;
};

static const char *const refuse_names[CONSOLE_REFUSE_COUNT] = {
	[CONSOLE_REFUSE_ACL] = "acl",
	[CONSOLE_REFUSE_NOKEY] = "nokey",
	[CONSOLE_REFUSE_LIMIT] = "limit",
	[CONSOLE_REFUSE_AUTH] = "auth",
};

const char *console_refuse_name(enum console_refuse r)
{
	return r < CONSOLE_REFUSE_COUNT ? refuse_names[r] : "?";
}

const struct console_counters *console_counters(const struct console *c)
{
	return &c->ctr;
}

static void refuse(struct console *c, enum console_refuse why)
{
	atomic_fetch_add_explicit(&c->ctr.refused[why], 1, memory_order_relaxed);
}

static void con_free(struct console *c, struct con *k)
{
	struct con **pp = &c->conns;
	while (*pp != NULL && *pp != k)
		pp = &(*pp)->next;
	if (*pp == k)
		*pp = k->next;
	c->nconns--;
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	free(k->body);
	free(k->out);
	free(k);
}

/* Appends a framed message (length prefix, then data) to k's output. */
static int con_queue(struct con *k, const uint8_t *data, size_t len)
{
	uint8_t *p = realloc(k->out, k->outlen + CP_LEN_BYTES + len);
	if (p == NULL)
		return DG_ENOMEM;
	k->out = p;
	cp_put_len(p + k->outlen, (uint32_t)len);
	if (len > 0)
		memcpy(p + k->outlen + CP_LEN_BYTES, data, len);
	k->outlen += CP_LEN_BYTES + len;
	return DG_OK;
}

/* Writes what the socket takes; watches for EPOLLOUT while output remains. */
static int con_flush(struct console *c, struct con *k)
{
	while (k->outoff < k->outlen) {
		ssize_t n = send(k->fd, k->out + k->outoff, k->outlen - k->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		k->outoff += (size_t)n;
	}
	if (k->outoff == k->outlen)
		k->outoff = k->outlen = 0;
	struct epoll_event ev = { .events = EPOLLIN | (k->outlen ? EPOLLOUT : 0u), .data.ptr = k };
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, k->fd, &ev);
	return DG_OK;
}

/* Runs one decrypted command and queues the encrypted answer. */
static int con_command(struct console *c, struct con *k, const uint8_t *line, size_t len)
{
	char *resp = NULL;
	size_t rlen = 0;
	atomic_fetch_add_explicit(&c->ctr.commands, 1, memory_order_relaxed);
	int ret = console_cmds_run(c->L, (const char *)line, len, &resp, &rlen);
	if (ret < 0)
		return ret;
	uint8_t *ct = malloc(rlen + CP_MAC_LEN);
	ret = ct ? cp_seal(&k->s, (const uint8_t *)resp, rlen, ct, rlen + CP_MAC_LEN) : DG_ENOMEM;
	free(resp);
	if (ret >= 0)
		ret = con_queue(k, ct, (size_t)ret);
	free(ct);
	return ret;
}

/* A whole message arrived: an empty one is acknowledged with an empty one. */
static int con_message(struct console *c, struct con *k)
{
	if (k->need == 0)
		return con_queue(k, NULL, 0);
	int n = cp_open(&k->s, k->body, k->need, k->body, k->need);
	if (n < 0) {
		refuse(c, CONSOLE_REFUSE_AUTH);
		dg_log(LOG_WARNING, "console", "closing the connection from %s: %s", k->peer,
		       dg_strerror(n));
		return n;
	}
	return con_command(c, k, k->body, (size_t)n);
}

/* Advances the state machine once hdr or body is complete. */
static int con_step(struct console *c, struct con *k)
{
	switch (k->st) {
	case CON_NONCE: {
		struct cp_nonce ours, theirs;
		memcpy(theirs.v, k->hdr, CP_NONCE_LEN);
		cp_nonce_random(&ours);
		cp_session_init(&k->s, c->key, &ours, &theirs);
		/* the server's nonce goes out raw, before any framed message */
		uint8_t *p = realloc(k->out, k->outlen + CP_NONCE_LEN);
		if (p == NULL)
			return DG_ENOMEM;
		k->out = p;
		memcpy(p + k->outlen, ours.v, CP_NONCE_LEN);
		k->outlen += CP_NONCE_LEN;
		k->st = CON_LEN;
		return DG_OK;
	}
	case CON_LEN:
		k->need = cp_get_len(k->hdr);
		if (k->need > CON_MAX_IN)
			return DG_ECONSOLE_SIZE;
		free(k->body);
		k->body = malloc(k->need + 1);
		if (k->body == NULL)
			return DG_ENOMEM;
		k->st = CON_BODY;
		return k->need == 0 ? con_step(c, k) : DG_OK;
	case CON_BODY:
		k->st = CON_LEN;
		return con_message(c, k);
	}
	return DG_EINVAL;
}

/* Where the next bytes go and how many are still missing. */
static uint8_t *con_dest(struct con *k, size_t *want)
{
	size_t total = k->st == CON_NONCE ? CP_NONCE_LEN : k->st == CON_LEN ? CP_LEN_BYTES : k->need;
	*want = total - k->got;
	return (k->st == CON_BODY ? k->body : k->hdr) + k->got;
}

static int con_read(struct console *c, struct con *k)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		size_t want;
		uint8_t *dst = con_dest(k, &want);
		if (want > 0) {
			ssize_t n = recv(k->fd, dst, want, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return DG_OK;
			if (n <= 0)
				return n == 0 ? -ECONNRESET : -errno;
			k->got += (size_t)n;
			if ((size_t)n < want)
				continue;
		}
		k->got = 0;
		int ret = con_step(c, k);
		if (ret < 0)
			return ret;
	}
	return DG_OK; /* the rest on the next round of the loop: others get a turn */
}

static void con_event(struct console *c, struct con *k, uint32_t events)
{
	int ret = DG_OK;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ret = con_read(c, k);
	if (ret == DG_OK)
		ret = con_flush(c, k);
	if (ret < 0) {
		if (ret == -ECONNRESET)
			dg_log(LOG_INFO, "console", "closed control connection from %s", k->peer);
		con_free(c, k);
	}
}

/* Why a new client may not be served, or -1 when it may. */
static int admission(const struct console *c, const union dg_sockaddr *peer)
{
	struct dg_addr a;
	if (dg_addr_from_sockaddr(&a, &peer->sa) < 0 ||
	    !dg_nmg_match(&c->src.conf->console_acl, &a, NULL))
		return CONSOLE_REFUSE_ACL;
	if (!c->has_key)
		return CONSOLE_REFUSE_NOKEY;
	if (c->src.conf->console_max_conns > 0 && c->nconns >= c->src.conf->console_max_conns)
		return CONSOLE_REFUSE_LIMIT;
	return -1;
}

static void log_refusal(const char *peer, int why, const struct console *c)
{
	static const char *const reasons[CONSOLE_REFUSE_COUNT] = {
		[CONSOLE_REFUSE_ACL] = "not allowed by the console ACL (setConsoleACL)",
		[CONSOLE_REFUSE_NOKEY] = "no key is set (setKey); only loopback clients may "
					 "connect once one is",
		[CONSOLE_REFUSE_LIMIT] = "too many console connections "
					 "(setConsoleMaximumConcurrentConnections)",
	};
	(void)c;
	dg_log(LOG_WARNING, "console", "refused control connection from %s: %s", peer,
	       reasons[why]);
}

static void accept_one(struct console *c)
{
	union dg_sockaddr peer;
	socklen_t plen = sizeof(peer);
	int fd = accept4(c->lfd, &peer.sa, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char txt[DG_SOCKADDR_STRLEN];
	if (dg_sockaddr_to_str(&peer, txt, sizeof(txt)) < 0)
		memcpy(txt, "?", 2);
	int why = admission(c, &peer);
	if (why >= 0) {
		refuse(c, (enum console_refuse)why);
		log_refusal(txt, why, c);
		close(fd);
		return;
	}
	struct con *k = calloc(1, sizeof(*k));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = k };
	if (k == NULL || epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(k);
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	k->fd = fd;
	memcpy(k->peer, txt, sizeof(k->peer));
	k->next = c->conns;
	c->conns = k;
	c->nconns++;
	atomic_fetch_add_explicit(&c->ctr.accepted, 1, memory_order_relaxed);
	dg_log(LOG_INFO, "console", "got control connection from %s", txt);
}

static void *console_main(void *arg)
{
	struct console *c = arg;
	struct epoll_event evs[16];
	bool stop = false;

	/* Console commands change rule chains and the ACL: RCU writers need
	 * not register, but commands also read them (showRules, ...). */
	rcu_register_thread();
	console_cmds_sample(&c->rt, dg_clock_now_us());
	while (!stop) {
		int n = epoll_wait(c->epfd, evs, (int)DG_ARRAY_SIZE(evs), 1000);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &c->stopfd)
				stop = true;
			else if (p == &c->lfd)
				accept_one(c);
			else
				con_event(c, p, evs[i].events);
		}
		uint64_t now = dg_clock_now_us();
		if (now - c->rt.prev_us >= 1000000)
			console_cmds_sample(&c->rt, now);
	}
	rcu_unregister_thread();
	return NULL;
}

static int watch(struct console *c, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };
	return epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : DG_OK;
}

/* The key, the Lua state and the runtime view; nothing is bound yet. */
static int console_prepare(struct console *c)
{
	const struct fe_conf *conf = c->src.conf;
	if (conf->console_key != NULL) {
		int ret = cp_key_decode(conf->console_key, c->key);
		if (ret < 0)
			return ret;
		c->has_key = true;
	} else {
		dg_log(LOG_WARNING, "console", "the console has been enabled via controlSocket() "
		       "but no key has been set with setKey(), so every connection will be refused");
	}
	int ret = cp_init();
	if (ret < 0)
		return ret;
	c->rt.src = &c->src;
	c->rt.console = c;
	c->L = cfg_console_state(c->src.conf);
	if (c->L == NULL)
		return DG_ENOMEM;
	return console_cmds_bind(c->L, &c->rt);
}

static int console_listen(struct console *c)
{
	union dg_sockaddr addr;
	int ret = dg_sockaddr_parse(&addr, c->src.conf->console_addr, 5199);
	if (ret < 0)
		return ret;
	c->lfd = tcp_listener_open(&addr, false, 0);
	if (c->lfd < 0) {
		dg_log(LOG_ERR, "console", "cannot listen on %s: %s", c->src.conf->console_addr,
		       dg_strerror(c->lfd));
		return c->lfd;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->epfd < 0 || c->stopfd < 0)
		return -errno;
	ret = watch(c, c->lfd, &c->lfd);
	if (ret == DG_OK)
		ret = watch(c, c->stopfd, &c->stopfd);
	return ret;
}

int console_start(struct console **out, const struct console_src *src)
{
	*out = NULL;
	if (src == NULL || src->conf == NULL || src->conf->console_addr == NULL)
		return DG_EINVAL;
	struct console *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return DG_ENOMEM;
	c->src = *src;
	c->lfd = c->epfd = c->stopfd = -1;
	int ret = console_prepare(c);
	if (ret == DG_OK)
		ret = console_listen(c);
	if (ret == DG_OK) {
		ret = -pthread_create(&c->thread, NULL, console_main, c);
		c->started = ret == DG_OK;
	}
	if (ret < 0) {
		console_stop(c);
		return ret;
	}
	dg_log(LOG_NOTICE, "console", "accepting control connections on %s",
	       src->conf->console_addr);
	*out = c;
	return DG_OK;
}

void console_stop(struct console *c)
{
	if (c == NULL)
		return;
	if (c->started) {
		uint64_t one = 1;
		if (write(c->stopfd, &one, sizeof(one)) < 0)
			dg_log(LOG_ERR, "console", "cannot wake the console thread: %s",
			       dg_strerror(-errno));
		pthread_join(c->thread, NULL);
	}
	while (c->conns != NULL)
		con_free(c, c->conns);
	if (c->L != NULL)
		lua_close(c->L);
	free(c->rt.be);
	free(c->rt.out);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->stopfd >= 0)
		close(c->stopfd);
	free(c);
}
