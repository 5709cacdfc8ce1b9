/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The daemon's run loop (see daemon.h).
 *
 * DESIGN: the main thread binds every socket first, so an address that
 * cannot be bound fails the start with its name before any thread runs.
 * Each worker gets its own UDP and TCP socket per listener, bound with
 * SO_REUSEPORT so the kernel spreads clients over workers. Without
 * addLocal{reusePort=true} dnsgate first checks, with a plain bind, that
 * nobody else holds the address: SO_REUSEPORT would otherwise let a second
 * process silently share (and steal half of) the port. Then the workers and
 * the control thread start; the main thread only waits for a signal.
 */
#include "frontend/daemon.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "frontend/conf.h"
#include "frontend/console.h"
#include "frontend/sdnotify.h"
#include "frontend/dynblock.h"
#include "frontend/dynctl.h"
#include "frontend/health.h"
#include "frontend/luart.h"
#include "frontend/policy.h"
#include "frontend/privs.h"
#include "frontend/rings.h"
#include "frontend/rules.h"
#include "frontend/steer.h"
#include "frontend/tcp.h"
#include "frontend/udp.h"
#include "frontend/vrrpctl.h"
#include "frontend/web.h"
#include "frontend/worker.h"
#include "lib/clock.h"
#include "lib/log.h"

static _Atomic bool stop_requested;

struct daemon {
	struct fe_conf *conf;
	unsigned nworkers;
	struct worker *workers;
	struct pool_rt *pools;
	int npools;
	struct health *health;
	struct web *web;            /* NULL without webserver() */
	struct console *console;    /* NULL without controlSocket() */
	pthread_t ctl;
	bool ctl_started;
	struct dynctl *dynctl;      /* dynamic blocks' once-a-second round */
	struct vrrpctl *vrrp;       /* NULL without addVRRP{} */
	_Atomic bool ctl_stop;
	unsigned udp_rcvbuf, udp_sndbuf;         /* asked for (udp_buffer_sizes()) */
	unsigned udp_rcvbuf_got, udp_sndbuf_got; /* in effect on the last listener */
};

void daemon_request_stop(void)
{
	atomic_store(&stop_requested, true);
}

static int build_pools(struct daemon *d)
{
	struct fe_conf *conf = d->conf;
	d->npools = conf->npools;
	d->pools = calloc((size_t)conf->npools + 1, sizeof(*d->pools));
	if (d->pools == NULL)
		return DG_ENOMEM;
	for (int i = 0; i < conf->npools; i++) {
		struct pool_rt *p = &d->pools[i];
		struct fe_pool *fp = conf->pools[i];
		p->pool = fp;
		p->policy = fp->has_policy ? fp->policy : conf->policy;
		p->n = (size_t)fp->nservers;
		p->servers = calloc(p->n + 1, sizeof(*p->servers));
		if (p->servers == NULL)
			return DG_ENOMEM;
		if (p->n > 0) /* an empty pool has no array to copy (memcpy from NULL is UB) */
			memcpy(p->servers, fp->servers, p->n * sizeof(*p->servers));
		policy_sort(p->servers, p->n);
		int ret = policy_ring_build(&p->ring, p->servers, p->n);
		if (ret < 0)
			return ret;
	}
	return DG_OK;
}

static void free_pools(struct daemon *d)
{
	for (int i = 0; d->pools != NULL && i < d->npools; i++) {
		free(d->pools[i].servers);
		policy_ring_free(&d->pools[i].ring);
	}
	free(d->pools);
	d->pools = NULL;
}

static int bind_error(const struct fe_listener *l, const char *proto, int err)
{
	char txt[DG_SOCKADDR_STRLEN];
	if (dg_sockaddr_to_str(&l->addr, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	dg_log(LOG_ERR, "daemon", "cannot listen on %s (%s): %s", txt, proto, dg_strerror(err));
	return err;
}

/* A plain bind (no SO_REUSEPORT) fails if anyone holds the address. */
static int probe_free(const struct fe_listener *l)
{
	if (l->do_udp) {
		int fd = udp_listener_open(&l->addr, false);
		if (fd < 0)
			return bind_error(l, "udp", fd);
		close(fd);
	}
	if (l->do_tcp) {
		int fd = tcp_listener_open(&l->addr, false, 0);
		if (fd < 0)
			return bind_error(l, "tcp", fd);
		close(fd);
	}
	return DG_OK;
}

/*
 * How many listeners before i (udp: serving UDP, else TCP) have i's
 * address. dnsdist users list an address several times (addLocal with
 * reusePort=true) to get more threads on it; every worker here already
 * has its own SO_REUSEPORT socket per address, so a repeat opens nothing
 * and only raises the worker count (worker_count()).
 */
static int repeats_before(const struct fe_conf *conf, int i, bool udp)
{
	int k = 0;
	for (int j = 0; j < i; j++) {
		const struct fe_listener *a = &conf->listeners[j];
		if ((udp ? a->do_udp : a->do_tcp) && dg_sockaddr_eq(&a->addr, &conf->listeners[i].addr))
			k++;
	}
	return k;
}

/* Opens worker k's sockets for every listener into fds (-1 where none). */
static int open_worker_fds(struct daemon *d, struct worker_fds *fds)
{
	for (int i = 0; i < d->conf->nlisteners; i++) {
		const struct fe_listener *l = &d->conf->listeners[i];
		fds->udp[i] = fds->tcp[i] = -1;
		if (l->do_udp && repeats_before(d->conf, i, true) == 0) {
			fds->udp[i] = udp_listener_open(&l->addr, true);
			if (fds->udp[i] < 0)
				return bind_error(l, "udp", fds->udp[i]);
			udp_set_buffers(fds->udp[i], d->udp_rcvbuf, d->udp_sndbuf, &d->udp_rcvbuf_got,
					&d->udp_sndbuf_got);
		}
		if (l->do_tcp && repeats_before(d->conf, i, false) == 0) {
			fds->tcp[i] = tcp_listener_open(&l->addr, true, l->tcp_listen_queue);
			if (fds->tcp[i] < 0)
				return bind_error(l, "tcp", fds->tcp[i]);
		}
	}
	return DG_OK;
}

/*
 * Worker 0's sockets are the first of their SO_REUSEPORT groups: the
 * steering program attached there picks worker k's socket for a client
 * (steer.h). Without it (an old kernel) nothing breaks, but per-client
 * limits count per worker: said once in the log.
 */
static void steer_clients(struct daemon *d, const struct worker_fds *fds)
{
	unsigned v4, v6;
	rules_client_prefixes(d->conf, &v4, &v6);
	int failed = DG_OK;
	for (int i = 0; i < d->conf->nlisteners; i++) {
		int family = d->conf->listeners[i].addr.sa.sa_family;
		unsigned bits = family == AF_INET ? v4 : v6;
		for (int t = 0; t < 2; t++) {
			int fd = t == 0 ? fds->udp[i] : fds->tcp[i];
			int ret = fd >= 0 ? steer_attach(fd, family, bits, d->nworkers) : DG_OK;
			failed = ret < 0 ? ret : failed;
		}
	}
	if (failed < 0)
		dg_log(LOG_WARNING, "daemon",
		       "cannot steer clients to workers by address (%s): MaxQPSIPRule counts per worker",
		       dg_strerror(failed));
	else
		dg_log(LOG_INFO, "daemon", "clients steered to %u workers by address (/%u, IPv6 /%u)",
		       d->nworkers, v4, v6 < STEER_V6_MAX_BITS ? v6 : STEER_V6_MAX_BITS);
}

/* A number from /proc/sys (net.core.rmem_max...); 0 when unreadable. */
static unsigned sysctl_uint(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned v = 0;
	if (f != NULL) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * The UDP listeners' buffer sizes: setUDPSocketBufferSizes, or else the
 * largest the system allows, as dnsdist does from 1.9 on. A burst (a cache
 * expiry storm, a wave of clients coming back) waits in the receive buffer
 * while a worker is busy; the kernel's default of ~208 KiB holds about 250
 * queries.
 */
static void udp_buffer_sizes(struct daemon *d)
{
	d->udp_rcvbuf = d->conf->udp_rcvbuf ? d->conf->udp_rcvbuf
					    : sysctl_uint("/proc/sys/net/core/rmem_max");
	d->udp_sndbuf = d->conf->udp_sndbuf ? d->conf->udp_sndbuf
					    : sysctl_uint("/proc/sys/net/core/wmem_max");
}

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int start_workers(struct daemon *d)
{
	int n = d->conf->nlisteners;
	int *udp = calloc((size_t)n + 1, sizeof(int));
	int *tcp = calloc((size_t)n + 1, sizeof(int));
	struct worker_fds fds = { udp, tcp };
	int ret = udp && tcp ? DG_OK : DG_ENOMEM;
	for (unsigned k = 0; ret == DG_OK && k < d->nworkers; k++) {
		ret = open_worker_fds(d, &fds);
		if (ret == DG_OK && k == 0 && d->nworkers > 1)
			steer_clients(d, &fds);
		if (ret == DG_OK)
			ret = worker_init(&d->workers[k], k, d->conf, d->pools, d->npools, &fds);
		if (udp && tcp) {
			close_fds(udp, n);
			close_fds(tcp, n);
		}
	}
	free(udp);
	free(tcp);
	/* -u/-g: every listener is bound and no worker runs yet. */
	if (ret == DG_OK && d->conf->vrrp != NULL) /* raw sockets: before the drop */
		d->vrrp = vrrpctl_new(d->conf, d->workers, d->nworkers, &ret);
	if (ret == DG_OK)
		ret = privs_drop(d->conf->run_user, d->conf->run_group);
	for (unsigned k = 0; ret == DG_OK && k < d->nworkers; k++)
		ret = worker_start(&d->workers[k]);
	return ret;
}

static void *control_main(void *arg)
{
	struct daemon *d = arg;
	int hfd = health_fd(d->health), wfd = hfd;
	/* VRRP's set watches the health checker's too: one wait for both. */
	if (d->vrrp != NULL && vrrpctl_start(d->vrrp, hfd) == DG_OK)
		wfd = vrrpctl_fd(d->vrrp);
	while (!atomic_load(&d->ctl_stop)) {
		uint64_t now = dg_clock_now_us();
		uint64_t next = vrrpctl_next_us(d->vrrp, health_next_us(d->health));
		int ms = next <= now ? 0 : (int)((next - now) / 1000 + 1);
		if (ms > 100)
			ms = 100;
		struct epoll_event ev;
		int n = epoll_wait(wfd, &ev, 1, ms);
		(void)n;
		health_process(d->health, dg_clock_now_us());
		vrrpctl_process(d->vrrp, dg_clock_now_us());
		dynctl_tick(d->dynctl, dg_clock_now_us());
	}
	return NULL;
}

static void log_start(const struct daemon *d)
{
	for (int i = 0; i < d->conf->nlisteners; i++) {
		const struct fe_listener *l = &d->conf->listeners[i];
		char txt[DG_SOCKADDR_STRLEN];
		if (dg_sockaddr_to_str(&l->addr, txt, sizeof(txt)) < 0)
			txt[0] = '\0';
		dg_log(LOG_NOTICE, "daemon", "listening on %s (%s%s%s)", txt, l->do_udp ? "udp" : "",
		       l->do_udp && l->do_tcp ? ", " : "", l->do_tcp ? "tcp" : "");
	}
	dg_log(LOG_NOTICE, "daemon", "started %u workers, %d backends", d->nworkers,
	       d->conf->nbackends);
	if (d->udp_rcvbuf_got > 0)
		dg_log(d->udp_rcvbuf_got < d->udp_rcvbuf ? LOG_WARNING : LOG_INFO, "daemon",
		       "UDP listener buffers: receive %u bytes (asked %u), send %u bytes (asked %u)",
		       d->udp_rcvbuf_got, d->udp_rcvbuf, d->udp_sndbuf_got, d->udp_sndbuf);
}

static void log_stats(const struct daemon *d)
{
	struct fe_stats sum;
	char line[DG_LOG_LINE_MAX];
	stats_init(&sum, d->conf->nbackends);
	for (unsigned k = 0; k < d->nworkers; k++)
		stats_sum(&sum, &d->workers[k].stats);
	(void)stats_format(&sum, line, sizeof(line));
	dg_log(LOG_NOTICE, "daemon", "stopped: %s", line);
	stats_fini(&sum);
}

static void wait_for_signal(const sigset_t *set)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	while (!atomic_load(&stop_requested)) {
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			dg_log(LOG_NOTICE, "daemon", "got %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
			return;
		}
	}
}

/*
 * A graceful VRRP stop before the workers stop: the instances send
 * priority 0 and keep the VIPs until the backup is heard, while the
 * workers still answer, so no query is lost. Bounded by the instances' own
 * limit; a second signal stops at once.
 */
static void drain_vrrp(struct daemon *d, const sigset_t *set)
{
	if (d->vrrp == NULL || !d->ctl_started)
		return;
	vrrpctl_request_shutdown(d->vrrp);
	uint64_t deadline = dg_clock_now_us() + vrrpctl_drain_bound_us(d->vrrp) + 1000000;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	while (!vrrpctl_is_done(d->vrrp) && dg_clock_now_us() < deadline) {
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			dg_log(LOG_NOTICE, "daemon", "second signal: not waiting for the VRRP handover");
			return;
		}
	}
}

static int check_listeners(struct daemon *d)
{
	for (int i = 0; i < d->conf->nlisteners; i++) {
		if (d->conf->listeners[i].reuseport)
			continue;
		int ret = probe_free(&d->conf->listeners[i]);
		if (ret < 0)
			return ret;
	}
	return DG_OK;
}

/*
 * dnsdist gives each addLocal/setLocal its own thread, so an address
 * listed k times is served by k threads: k workers here. Otherwise one
 * worker per CPU the process may run on (sched_getaffinity, so that
 * `taskset -c 1 dnsgate` runs one worker), not per CPU online.
 */
static unsigned worker_count_wanted(const struct fe_conf *conf)
{
	if (conf->workers > 0)
		return conf->workers;
	int most = 0;
	for (int i = 0; i < conf->nlisteners; i++) {
		int k = 1 + repeats_before(conf, i, conf->listeners[i].do_udp);
		most = k > most ? k : most;
	}
	if (most > 1)
		return (unsigned)most;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Per-worker tables (ratelimit.h, rule counters) are sized for FE_MAX_WORKERS. */
static unsigned worker_count(const struct fe_conf *conf)
{
	unsigned n = worker_count_wanted(conf);
	if (n <= FE_MAX_WORKERS)
		return n;
	dg_log(LOG_NOTICE, "daemon", "%u workers asked for, starting %u (the most dnsgate runs)",
	       n, FE_MAX_WORKERS);
	return FE_MAX_WORKERS;
}

static void shutdown_all(struct daemon *d)
{
	/* the console and the web server read the workers' counters: stop them first */
	console_stop(d->console);
	d->console = NULL;
	web_stop(d->web);
	d->web = NULL;
	/* workers is NULL when binding failed before they were allocated. */
	for (unsigned k = 0; d->workers != NULL && k < d->nworkers; k++)
		worker_stop(&d->workers[k]);
	for (unsigned k = 0; d->workers != NULL && k < d->nworkers; k++)
		worker_join(&d->workers[k]);
	atomic_store(&d->ctl_stop, true);
	if (d->ctl_started)
		pthread_join(d->ctl, NULL);
	vrrpctl_free(d->vrrp); /* the control thread is gone: the instances are ours */
	d->vrrp = NULL;
	if (d->workers != NULL)
		log_stats(d);
	for (unsigned k = 0; d->workers != NULL && k < d->nworkers; k++)
		worker_fini(&d->workers[k]);
	health_free(d->health);
	free(d->workers);
	free_pools(d);
	rings_free(d->conf->rings);
	d->conf->rings = NULL;
	luart_free(d->conf->luart);
	d->conf->luart = NULL;
	dynctl_free(d->dynctl);
	d->dynctl = NULL;
	dynblock_free(d->conf->dynblocks);
	d->conf->dynblocks = NULL;
}

/*
 * One Lua state per worker when the file made Lua functions (luart.h), the
 * dynamic block table, and the control thread's Lua state (dynctl.h).
 */
static int start_lua(struct daemon *d)
{
	char err[1024];
	d->conf->dynblocks = dynblock_new(d->nworkers);
	if (d->conf->dynblocks == NULL)
		return DG_ENOMEM;
	if (d->conf->lua_fns > 0) {
		d->conf->luart = luart_new(d->conf, d->nworkers, err, sizeof(err));
		if (d->conf->luart == NULL) {
			dg_log(LOG_ERR, "daemon", "%s", err);
			return DG_ECONFIG;
		}
	}
	/* maintenance() and dynamic block groups: the control thread's state */
	d->dynctl = dynctl_new(d->conf, err, sizeof(err));
	if (d->dynctl == NULL) {
		dg_log(LOG_ERR, "daemon", "%s", err);
		return DG_ECONFIG;
	}
	return DG_OK;
}

int daemon_run(struct fe_conf *conf)
{
	struct daemon d = { .conf = conf };
	sigset_t set, old;

	if (!conf->acl_set && conf->acl.count == 0)
		fe_conf_default_acl(conf);
	atomic_store(&stop_requested, false);
	d.nworkers = worker_count(conf);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* Blocked before any thread starts, so every thread inherits the mask
	 * and only sigtimedwait() below ever takes these signals. */
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	tcp_client_limit_init();
	int ret = check_listeners(&d);
	if (ret == DG_OK)
		ret = build_pools(&d);
	if (ret == DG_OK) /* workers read the ACL through RCU; the console republishes it */
		ret = fe_conf_publish_acl(conf);
	if (ret == DG_OK) {
		conf->rings = rings_new(d.nworkers, conf->ring_size ? conf->ring_size : RINGS_DEFAULT_SIZE);
		ret = conf->rings ? DG_OK : DG_ENOMEM;
	}
	if (ret == DG_OK)
		ret = start_lua(&d);
	udp_buffer_sizes(&d);
	if (ret == DG_OK) {
		d.workers = calloc(d.nworkers, sizeof(*d.workers));
		ret = d.workers ? start_workers(&d) : DG_ENOMEM;
	}
	if (ret == DG_OK) {
		d.health = health_new(conf);
		int err = pthread_create(&d.ctl, NULL, control_main, &d);
		d.ctl_started = err == 0;
		ret = -err;
	}
	if (ret == DG_OK && conf->webserver_addr != NULL) {
		struct web_src src = { conf, d.workers, d.nworkers, conf->rings };
		ret = web_start(&d.web, &src);
	}
	if (ret == DG_OK && conf->console_addr != NULL) {
		struct console_src csrc = { conf, d.workers, d.nworkers, dg_clock_now_us() };
		ret = console_start(&d.console, &csrc);
	}
	if (ret == DG_OK) {
		log_start(&d);
		(void)sdnotify("READY=1"); /* Type=notify: serving from now on */
		wait_for_signal(&set);
		(void)sdnotify("STOPPING=1");
		drain_vrrp(&d, &set);
	}
	shutdown_all(&d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
