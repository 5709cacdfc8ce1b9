/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP inside dnsgate: configuration, lint and the control-thread runtime
 * (see vrrpctl.h).
 */
#include "frontend/vrrpctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "frontend/worker.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"

#define MOD "vrrp"
/* The control loop's longest sleep (daemon.c) plus scheduling slack. */
#define VRRPCTL_IDLE_US 150000

/* The alive_arg of one instance: its liveness bound. */
struct vrrpctl_probe {
	struct vrrpctl *c;
	int idx;
	uint64_t bound_us;
	bool was_alive;
};

/* What the runtime remembers of one instance between steps. */
struct vrrpctl_inst {
	struct vrrp_instance *vi;
	struct vrrpctl_probe probe;
	bool track_ok;
	bool master_known, master_self;
	uint8_t master_addr[16];
	uint64_t master_changes, track_failures, stalls;
};

struct vrrpctl {
	struct fe_conf *conf;
	struct fe_vrrps *vs;
	struct vrrpctl_inst in[FE_VRRP_MAX];
	int n;
	int epfd, evfd;
	const struct worker *workers;
	unsigned nworkers;
	uint64_t *hb_val, *hb_at;     /* per worker: last heartbeat seen, when it moved */
	uint64_t sampled_at;          /* last heartbeat sample */
	_Atomic bool stop_req, done;
	bool stopping;
	struct dg_lograte stall_log;
};

struct fe_vrrps *vrrpctl_conf_get(struct fe_conf *conf)
{
	if (conf->vrrp != NULL)
		return conf->vrrp;
	struct fe_vrrps *vs = calloc(1, sizeof(*vs));
	if (vs == NULL) {
		fprintf(stderr, "dnsgate: out of memory\n");
		exit(EXIT_FAILURE);
	}
	pthread_mutex_init(&vs->view_lock, NULL);
	conf->vrrp = vs;
	return vs;
}

void vrrpctl_conf_free(struct fe_vrrps *vs)
{
	if (vs == NULL)
		return;
	pthread_mutex_destroy(&vs->view_lock);
	free(vs);
}

bool vrrpctl_view(struct fe_vrrps *vs, int i, struct fe_vrrp_view *out)
{
	if (vs == NULL || i < 0 || i >= vs->n)
		return false;
	pthread_mutex_lock(&vs->view_lock);
	*out = vs->view[i];
	pthread_mutex_unlock(&vs->view_lock);
	return true;
}

/* ---- lint ---------------------------------------------------------------- */

static bool sa_is_any(const union dg_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == htonl(INADDR_ANY);
	return memcmp(&a->in6.sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0;
}

/* A listener serves vip when it is bound to it or to the family's wildcard
 * (dnsgate's IPv6 sockets are V6ONLY, so :: does not cover IPv4). */
static bool listener_covers(const struct fe_listener *l, const struct vrrp_vip *vip)
{
	if (l->addr.sa.sa_family != vip->family)
		return false;
	if (sa_is_any(&l->addr))
		return true;
	if (vip->family == AF_INET)
		return memcmp(&l->addr.in.sin_addr, vip->addr, 4) == 0;
	return memcmp(&l->addr.in6.sin6_addr, vip->addr, 16) == 0;
}

/* "10.10.2.162:53 (line 1), ..." into out. */
static void listeners_str(const struct fe_conf *conf, char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < conf->nlisteners && o + 1 < outsz; i++) {
		const struct fe_listener *l = &conf->listeners[i];
		char a[DG_SOCKADDR_STRLEN], line[32] = "";
		if (dg_sockaddr_to_str(&l->addr, a, sizeof(a)) < 0)
			snprintf(a, sizeof(a), "?");
		if (l->line > 0)
			snprintf(line, sizeof(line), " at line %d", l->line);
		int w = snprintf(out + o, outsz - o, "%s%s%s", i ? ", " : "", a, line);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (conf->nlisteners == 0)
		snprintf(out, outsz, "none");
}

static int lint_vips(const struct fe_conf *conf, const struct fe_vrrp *v, char *err,
		     size_t errsz)
{
	const char *file = conf->file ? conf->file : "(command line)";
	for (unsigned k = 0; k < v->vc.nvips; k++) {
		const struct vrrp_vip *vip = &v->vc.vips[k];
		bool covered = false;
		for (int i = 0; i < conf->nlisteners && !covered; i++)
			covered = listener_covers(&conf->listeners[i], vip);
		if (covered)
			continue;
		char a[INET6_ADDRSTRLEN] = "?", ls[512];
		inet_ntop(vip->family, vip->addr, a, sizeof(a));
		listeners_str(conf, ls, sizeof(ls));
		snprintf(err, errsz,
			 "%s:%d: addVRRP: VIP %s is not covered by any listener (listeners: %s): "
			 "after a failover to this node the VIP would answer nothing; listen on %s "
			 "or on the VIP itself (with net.ipv4.ip_nonlocal_bind=1)",
			 file, v->line, a, ls, vip->family == AF_INET ? "0.0.0.0:53" : "[::]:53");
		return DG_ECONFIG;
	}
	return DG_OK;
}

static int lint_track(const struct fe_conf *conf, const struct fe_vrrp *v, char *err,
		      size_t errsz)
{
	for (int t = 0; t < v->ntrack; t++) {
		const struct fe_pool *p = fe_conf_find_pool(conf, v->track[t]);
		if (p != NULL && p->nservers > 0)
			continue;
		snprintf(err, errsz, "%s:%d: addVRRP: tracked pool '%s' has no servers",
			 conf->file ? conf->file : "(command line)", v->line, v->track[t]);
		return DG_ECONFIG;
	}
	return DG_OK;
}

int vrrpctl_lint(const struct fe_conf *conf, char *err, size_t errsz)
{
	if (conf == NULL || conf->vrrp == NULL)
		return DG_OK;
	if (conf->run_user != NULL && conf->vrrp->n > 0) {
		/* rtnetlink checks CAP_NET_ADMIN when each VIP moves, not only
		 * when the socket opens: after setuid() nothing could move. */
		snprintf(err, errsz, "%s:%d: addVRRP: -u/--uid would drop CAP_NET_ADMIN, which moving "
			 "the VIPs needs; run as root (only -g/--gid may be used with VRRP)",
			 conf->file ? conf->file : "(command line)", conf->vrrp->inst[0].line);
		return DG_ECONFIG;
	}
	for (int i = 0; i < conf->vrrp->n; i++) {
		int ret = lint_vips(conf, &conf->vrrp->inst[i], err, errsz);
		if (ret == DG_OK)
			ret = lint_track(conf, &conf->vrrp->inst[i], err, errsz);
		if (ret < 0)
			return ret;
	}
	return DG_OK;
}

/* ---- liveness: the workers' heartbeats ----------------------------------- */

/*
 * Notes when each worker's heartbeat last moved. If the sampler itself
 * was held up longer than the smallest bound (the whole process was
 * stopped, or the control thread starved), the workers had no chance to
 * be seen either: the window restarts instead of blaming them. The loop
 * may sleep up to 100 ms when idle, so a gap shorter than that is not a
 * hold-up even when the bound is (advertInterval below 0.05 s).
 */
static void hb_sample(struct vrrpctl *c, uint64_t now, uint64_t min_bound)
{
	uint64_t held_up = min_bound > VRRPCTL_IDLE_US ? min_bound : VRRPCTL_IDLE_US;
	bool restart = c->sampled_at == 0 || now - c->sampled_at > held_up;
	for (unsigned k = 0; k < c->nworkers; k++) {
		uint64_t v = worker_heartbeat(&c->workers[k]);
		if (v != c->hb_val[k] || restart) {
			c->hb_val[k] = v;
			c->hb_at[k] = now;
		}
	}
	c->sampled_at = now;
}

static uint64_t min_bound(const struct vrrpctl *c)
{
	uint64_t b = UINT64_MAX;
	for (int i = 0; i < c->n; i++)
		b = c->in[i].probe.bound_us < b ? c->in[i].probe.bound_us : b;
	return b;
}

/* vrrp_alive_fn: true while every worker's heartbeat moved within the bound. */
static bool ctl_alive(void *arg)
{
	struct vrrpctl_probe *p = arg;
	struct vrrpctl *c = p->c;
	uint64_t now = dg_clock_now_us();
	hb_sample(c, now, min_bound(c));
	for (unsigned k = 0; k < c->nworkers; k++) {
		uint64_t age = now - c->hb_at[k];
		if (age <= p->bound_us)
			continue;
		if (p->was_alive) {
			c->in[p->idx].stalls++;
			dg_log_limited(&c->stall_log, LOG_WARNING, MOD,
				       "worker %u made no progress for %llu ms (bound %llu ms): "
				       "VRID %u stops advertising", k, (unsigned long long)(age / 1000),
				       (unsigned long long)(p->bound_us / 1000),
				       c->vs->inst[p->idx].vc.vrid);
		}
		p->was_alive = false;
		return false;
	}
	p->was_alive = true;
	return true;
}

/* ---- runtime --------------------------------------------------------------- */

static uint64_t adver_us(const struct vrrp_conf *vc)
{
	return (uint64_t)vc->adver_cs * 10000;
}

static int open_fds(struct vrrpctl *c)
{
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->epfd < 0 || c->evfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN };
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->evfd, &ev) < 0)
		return -errno;
	for (int i = 0; i < c->n; i++)
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, vrrp_instance_fd(c->in[i].vi), &ev) < 0)
			return -errno;
	return DG_OK;
}

static int open_instances(struct vrrpctl *c)
{
	for (int i = 0; i < c->vs->n; i++) {
		struct vrrpctl_inst *in = &c->in[i];
		struct vrrp_conf vc = c->vs->inst[i].vc;
		uint64_t bound = 3 * adver_us(&vc);
		in->probe = (struct vrrpctl_probe){ c, i, bound > FE_VRRP_ALIVE_MIN_US ? bound
							: FE_VRRP_ALIVE_MIN_US, true };
		in->track_ok = true;
		vc.alive = ctl_alive;
		vc.alive_arg = &in->probe;
		int err = 0;
		in->vi = vrrp_instance_new(&vc, &err);
		if (in->vi == NULL)
			return err < 0 ? err : DG_ECONFIG;
		c->n = i + 1;
	}
	return DG_OK;
}

struct vrrpctl *vrrpctl_new(struct fe_conf *conf, const struct worker *workers,
			    unsigned nworkers, int *err)
{
	struct vrrpctl *c = calloc(1, sizeof(*c));
	int ret = DG_ENOMEM;
	if (c == NULL)
		goto fail;
	c->conf = conf;
	c->vs = conf->vrrp;
	c->epfd = c->evfd = -1;
	c->workers = workers;
	c->nworkers = nworkers;
	c->stall_log = (struct dg_lograte)DG_LOGRATE_INIT(1000);
	c->hb_val = calloc(nworkers + 1, sizeof(uint64_t));
	c->hb_at = calloc(nworkers + 1, sizeof(uint64_t));
	if (c->hb_val == NULL || c->hb_at == NULL || c->vs == NULL)
		goto fail;
	ret = open_instances(c);
	if (ret == DG_OK)
		ret = open_fds(c);
	if (ret == DG_OK)
		return c;
fail:
	vrrpctl_free(c);
	if (err != NULL)
		*err = ret;
	return NULL;
}

int vrrpctl_fd(const struct vrrpctl *c)
{
	return c->epfd;
}

uint64_t vrrpctl_next_us(const struct vrrpctl *c, uint64_t next)
{
	for (int i = 0; c != NULL && i < c->n; i++) {
		uint64_t t = vrrp_instance_next_timeout(c->in[i].vi);
		if (t != 0 && (next == 0 || t < next))
			next = t;
	}
	return next;
}

/* True while every pool instance i tracks has an usable backend. */
static bool track_ok(const struct vrrpctl *c, int i)
{
	const struct fe_vrrp *v = &c->vs->inst[i];
	for (int t = 0; t < v->ntrack; t++) {
		const struct fe_pool *p = fe_conf_find_pool(c->conf, v->track[t]);
		bool up = false;
		for (int j = 0; p != NULL && j < p->nservers && !up; j++)
			up = fe_backend_is_up(p->servers[j]);
		if (!up)
			return false;
	}
	return true;
}

static void update_track(struct vrrpctl *c)
{
	for (int i = 0; i < c->n; i++) {
		bool ok = track_ok(c, i);
		if (ok == c->in[i].track_ok)
			continue;
		c->in[i].track_ok = ok;
		if (!ok)
			c->in[i].track_failures++;
		vrrp_instance_set_track(c->in[i].vi, ok); /* logs the priority change */
	}
}

int vrrpctl_start(struct vrrpctl *c, int extra_fd)
{
	if (extra_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN };
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, extra_fd, &ev) < 0)
			return -errno;
	}
	hb_sample(c, dg_clock_now_us(), 0);
	update_track(c);
	for (int i = 0; i < c->n; i++)
		vrrp_instance_start(c->in[i].vi);
	return DG_OK;
}

/* Logs and counts a change of master: another address, or us. */
static void note_master(struct vrrpctl *c, int i, const struct vrrp_stats *st)
{
	struct vrrpctl_inst *in = &c->in[i];
	const struct vrrp_conf *vc = &c->vs->inst[i].vc;
	bool self = st->state == VRRP_STATE_MASTER;
	size_t alen = vc->vips[0].family == AF_INET ? 4 : 16;
	static const uint8_t zero[16];
	if (st->state == VRRP_STATE_INIT || (!self && memcmp(st->master_addr, zero, alen) == 0))
		return;
	if (in->master_known && self == in->master_self &&
	    (self || memcmp(st->master_addr, in->master_addr, alen) == 0))
		return;
	if (in->master_known)
		in->master_changes++;
	in->master_known = true;
	in->master_self = self;
	memcpy(in->master_addr, st->master_addr, sizeof(in->master_addr));
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(vc->vips[0].family, st->master_addr, a, sizeof(a));
	dg_log(LOG_NOTICE, MOD, "VRID %u on %s: the master is now %s (priority %u)", vc->vrid,
	       vc->ifname, self ? "this node" : a, self ? st->prio : st->master_prio);
}

static void publish_views(struct vrrpctl *c, uint64_t now)
{
	struct fe_vrrp_view v[FE_VRRP_MAX];
	for (int i = 0; i < c->n; i++) {
		const struct vrrp_stats *st = vrrp_instance_stats(c->in[i].vi);
		note_master(c, i, st);
		v[i] = (struct fe_vrrp_view){
			.running = true, .st = *st, .master_self = st->state == VRRP_STATE_MASTER,
			.master_changes = c->in[i].master_changes,
			.track_failures = c->in[i].track_failures, .stalls = c->in[i].stalls,
			.view_us = now,
		};
	}
	pthread_mutex_lock(&c->vs->view_lock);
	memcpy(c->vs->view, v, (size_t)c->n * sizeof(v[0]));
	pthread_mutex_unlock(&c->vs->view_lock);
}

static void begin_shutdown(struct vrrpctl *c)
{
	uint64_t junk;
	while (read(c->evfd, &junk, sizeof(junk)) == (ssize_t)sizeof(junk))
		; /* drained: the eventfd only wakes the loop */
	if (c->stopping || !atomic_load(&c->stop_req))
		return;
	c->stopping = true;
	dg_log(LOG_NOTICE, MOD, "graceful stop: releasing the virtual router%s",
	       c->n > 1 ? "s" : "");
	for (int i = 0; i < c->n; i++)
		vrrp_instance_shutdown(c->in[i].vi);
}

void vrrpctl_process(struct vrrpctl *c, uint64_t now_us)
{
	if (c == NULL)
		return;
	hb_sample(c, now_us, min_bound(c));
	begin_shutdown(c);
	for (int i = 0; i < c->n; i++)
		vrrp_instance_on_readable(c->in[i].vi); /* non-blocking; EAGAIN when idle */
	if (!c->stopping)
		update_track(c);
	bool done = c->stopping;
	for (int i = 0; i < c->n; i++) {
		uint64_t t = vrrp_instance_next_timeout(c->in[i].vi), now = dg_clock_now_us();
		if (t != 0 && now >= t)
			vrrp_instance_on_timer(c->in[i].vi, now);
		done = done && vrrp_instance_is_done(c->in[i].vi);
	}
	publish_views(c, now_us);
	if (done)
		atomic_store(&c->done, true);
}

void vrrpctl_request_shutdown(struct vrrpctl *c)
{
	uint64_t one = 1;
	atomic_store(&c->stop_req, true);
	if (write(c->evfd, &one, sizeof(one)) < 0)
		dg_log(LOG_WARNING, MOD, "cannot wake the control thread: %s", dg_strerror(-errno));
}

bool vrrpctl_is_done(const struct vrrpctl *c)
{
	return atomic_load(&c->done);
}

uint64_t vrrpctl_drain_bound_us(const struct vrrpctl *c)
{
	uint64_t b = 0;
	for (int i = 0; i < c->n; i++) {
		const struct vrrp_conf *vc = &c->vs->inst[i].vc;
		/* 3 intervals until the instance gives up waiting for a new
		 * master, the release delay, and one interval of slack. */
		uint64_t t = 4 * adver_us(vc) + (uint64_t)vc->release_delay_ms * 1000;
		b = t > b ? t : b;
	}
	return b;
}

void vrrpctl_free(struct vrrpctl *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->n; i++)
		vrrp_instance_free(c->in[i].vi);
	if (c->vs != NULL) {
		pthread_mutex_lock(&c->vs->view_lock);
		for (int i = 0; i < c->n; i++)
			c->vs->view[i].running = false;
		pthread_mutex_unlock(&c->vs->view_lock);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->evfd >= 0)
		close(c->evfd);
	free(c->hb_val);
	free(c->hb_at);
	free(c);
}
