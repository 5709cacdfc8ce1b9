/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * vrrp-node: one VRRP instance (libvrrp) without the data plane, so that
 * the system tests can run it in network namespaces against itself and
 * against keepalived.
 *
 *   vrrp-node --iface veth0 --vrid 51 --prio 150 --interval 0.1
 *             --vip 198.18.0.160/24 [--vip ...] [--version 3|2]
 *             [--auth-pass x] [--no-preempt] [--preempt-delay S]
 *             [--alive-file PATH] [--garp-refresh S] [--release-delay S]
 *             [--vip-lifetime S] [--lifetime S]
 *
 * --alive-file stands in for the workers' heartbeats: while the file is
 * missing the node is "hung" and sends no advertisement. SIGTERM/SIGINT
 * is a graceful stop (priority 0, then exit once the VIPs are released);
 * SIGUSR1 logs a stats line. --lifetime (default 600 s) bounds the run so
 * that a node a test forgot cannot live forever. Logs go to stderr.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "vrrp/vrrp_instance.h"

static const char *alive_file;

static bool file_alive(void *arg)
{
	struct stat st;
	(void)arg;
	return stat(alive_file, &st) == 0;
}

/* Seconds with up to two decimals -> centiseconds or milliseconds. */
static long seconds_to(const char *s, long unit_per_s)
{
	char *end;
	double v = strtod(s, &end);
	if (*end != '\0' || v < 0 || v > 86400) {
		fprintf(stderr, "vrrp-node: bad number of seconds: %s\n", s);
		exit(2);
	}
	return (long)(v * (double)unit_per_s + 0.5);
}

static void usage(void)
{
	fprintf(stderr, "usage: vrrp-node --iface IF --vrid N --vip ADDR/LEN [--prio N] [--interval S]\n"
			"       [--version 3|2] [--auth-pass P] [--no-preempt] [--preempt-delay S]\n"
			"       [--alive-file PATH] [--garp-refresh S] [--release-delay S]\n"
			"       [--vip-lifetime S] [--lifetime S]\n");
	exit(2);
}

static long parse_args(int argc, char **argv, struct vrrp_conf *c)
{
	static const struct option opts[] = {
		{ "iface", 1, NULL, 'i' }, { "vrid", 1, NULL, 'r' }, { "prio", 1, NULL, 'p' },
		{ "interval", 1, NULL, 't' }, { "vip", 1, NULL, 'v' }, { "version", 1, NULL, 'V' },
		{ "auth-pass", 1, NULL, 'a' }, { "no-preempt", 0, NULL, 'n' },
		{ "preempt-delay", 1, NULL, 'd' }, { "alive-file", 1, NULL, 'f' },
		{ "garp-refresh", 1, NULL, 'g' }, { "release-delay", 1, NULL, 'R' },
		{ "lifetime", 1, NULL, 'L' }, { "vip-lifetime", 1, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	long lifetime_s = 600;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			snprintf(c->ifname, sizeof(c->ifname), "%s", optarg);
			break;
		case 'r':
			c->vrid = (uint8_t)atoi(optarg);
			break;
		case 'p':
			c->prio = (uint8_t)atoi(optarg);
			break;
		case 't':
			c->adver_cs = (uint16_t)seconds_to(optarg, 100);
			break;
		case 'v':
			if (c->nvips >= VRRP_MAX_VIPS || vrrp_vip_parse(&c->vips[c->nvips], optarg) < 0) {
				fprintf(stderr, "vrrp-node: bad --vip %s\n", optarg);
				exit(2);
			}
			c->nvips++;
			break;
		case 'V':
			c->version = (uint8_t)atoi(optarg);
			break;
		case 'a':
			snprintf(c->auth_pass, sizeof(c->auth_pass), "%s", optarg);
			break;
		case 'n':
			c->preempt = false;
			break;
		case 'd':
			c->preempt_delay_ms = (uint32_t)seconds_to(optarg, 1000);
			break;
		case 'f':
			alive_file = optarg;
			break;
		case 'g':
			c->garp_refresh_ms = (uint32_t)seconds_to(optarg, 1000);
			break;
		case 'R':
			c->release_delay_ms = (uint32_t)seconds_to(optarg, 1000);
			break;
		case 'L':
			lifetime_s = seconds_to(optarg, 1);
			break;
		case 'l':
			c->vip_lifetime_s = (uint32_t)seconds_to(optarg, 1);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return lifetime_s;
}

static void log_stats(struct vrrp_instance *vi)
{
	const struct vrrp_stats *s = vrrp_instance_stats(vi);
	uint64_t drops = 0;
	for (int i = 0; i < VRRP_NERR; i++)
		drops += s->rx_drops[i];
	dg_log(LOG_NOTICE, "vrrp-node",
	       "stats state=%s prio=%u alive=%d to_master=%llu to_backup=%llu sent=%llu rcvd=%llu "
	       "suppressed=%llu dual_master_events=%llu dual_master_adverts=%llu heal=%llu drops=%llu",
	       vrrp_state_name(s->state), s->prio, s->alive, (unsigned long long)s->fsm.to_master,
	       (unsigned long long)s->fsm.to_backup, (unsigned long long)s->fsm.adverts_sent,
	       (unsigned long long)s->fsm.adverts_rcvd, (unsigned long long)s->fsm.adverts_suppressed,
	       (unsigned long long)s->fsm.dual_master_events,
	       (unsigned long long)s->fsm.dual_master_adverts, (unsigned long long)s->fsm.heal_answers,
	       (unsigned long long)drops);
}

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Returns true when the loop must end. */
static bool on_signal(int sfd, struct vrrp_instance *vi, bool *stopping)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			log_stats(vi);
		} else if (!*stopping) {
			dg_log(LOG_NOTICE, "vrrp-node", "signal %u: graceful stop", si.ssi_signo);
			*stopping = true;
			vrrp_instance_shutdown(vi);
		} else {
			return true; /* a second signal: stop now */
		}
	}
	return false;
}

static int run(struct vrrp_instance *vi, int sfd, uint64_t deadline)
{
	bool stopping = false;
	while (!vrrp_instance_is_done(vi)) {
		uint64_t now = dg_clock_now_us();
		if (now >= deadline) {
			dg_log(LOG_WARNING, "vrrp-node", "lifetime over: stopping");
			return 1;
		}
		uint64_t next = vrrp_instance_next_timeout(vi);
		uint64_t until = next && next < deadline ? next : deadline;
		int ms = until > now ? (int)((until - now + 999) / 1000) : 0;
		struct pollfd p[2] = { { vrrp_instance_fd(vi), POLLIN, 0 }, { sfd, POLLIN, 0 } };
		if (poll(p, 2, ms) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents & POLLIN && on_signal(sfd, vi, &stopping))
			return 0;
		if (p[0].revents & POLLIN)
			vrrp_instance_on_readable(vi);
		next = vrrp_instance_next_timeout(vi);
		if (next && dg_clock_now_us() >= next)
			vrrp_instance_on_timer(vi, dg_clock_now_us());
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vrrp_conf c;
	vrrp_conf_init(&c);
	long lifetime_s = parse_args(argc, argv, &c);
	if (alive_file != NULL)
		c.alive = file_alive;
	dg_log_open("vrrp-node", false, LOG_INFO);
	int err = 0;
	struct vrrp_instance *vi = vrrp_instance_new(&c, &err);
	if (vi == NULL) {
		fprintf(stderr, "vrrp-node: %s (%s)\n", dg_strerror(err), dg_errname(err));
		return 1;
	}
	int sfd = signal_fd();
	if (sfd < 0) {
		vrrp_instance_free(vi);
		return 1;
	}
	vrrp_instance_start(vi);
	int ret = run(vi, sfd, dg_clock_now_us() + (uint64_t)lifetime_s * 1000000);
	log_stats(vi);
	vrrp_instance_free(vi);
	close(sfd);
	return ret;
}
