/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The frontend's configuration model: dnsdist's defaults, pools, listeners
 * and the release of everything a configuration owns. Boot-time code: an
 * allocation failure logs and exits (STYLE.md 8.4, two regimes).
 */
#include "frontend/conf.h"

#include <stdlib.h>
#include <urcu.h>

#include "frontend/pcache.h"
#include "frontend/rulec.h"
#include "frontend/rules.h"
#include "frontend/rulechain.h"
#include "frontend/vrrpctl.h"
#include "lib/err.h"
#include "lib/log.h"

/* Boot-time allocation: there is nothing sensible to do without memory. */
static void *conf_xrealloc(void *p, size_t n, size_t size)
{
	void *q = NULL;
	if (size > 0 && n <= SIZE_MAX / size)
		q = realloc(p, n * size > 0 ? n * size : 1);
	if (!q) {
		dg_log(LOG_ERR, "config", "out of memory");
		exit(EXIT_FAILURE);
	}
	return q;
}

static void *conf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		dg_log(LOG_ERR, "config", "out of memory");
		exit(EXIT_FAILURE);
	}
	return p;
}

/* dnsdist's web server defaults: loopback only, everything authenticated. */
static void conf_web_defaults(struct fe_webconf *web)
{
	dg_nmg_init(&web->acl);
	if (dg_nmg_add_str(&web->acl, "127.0.0.1") < 0 || dg_nmg_add_str(&web->acl, "::1") < 0) {
		dg_log(LOG_ERR, "config", "out of memory");
		exit(1);
	}
	web->stats_require_auth = true;
	web->api_requires_auth = true;
	web->dashboard_requires_auth = true;
	web->max_conns = 100;
}

static void conf_web_free(struct fe_webconf *web)
{
	free(web->password);
	free(web->api_key);
	dg_nmg_clear(&web->acl);
	for (int i = 0; i < web->nheaders; i++) {
		free(web->headers[i].name);
		free(web->headers[i].value);
	}
	free(web->headers);
}

struct fe_conf *fe_conf_new(void)
{
	struct fe_conf *conf = conf_xcalloc(1, sizeof(*conf));
	pthread_mutex_init(&conf->ctl_lock, NULL);

	conf->policy = FE_POL_LEAST_OUTSTANDING;
	conf->ecs_v4_prefix = 24;
	conf->ecs_v6_prefix = 56;
	conf->add_edns_to_self = true;
	conf->self_payload_size = 1232;
	conf->max_tcp_client_threads = 10;
	conf->max_udp_outstanding = 65535;
	conf->udp_timeout_s = 2;
	conf->tcp_recv_timeout_s = 2;
	conf->ring_size = 10000;
	conf->cache_cleaning_delay_s = 60;
	conf->cache_cleaning_pct = 100;
	dg_nmg_init(&conf->acl);
	fe_conf_default_acl(conf);
	conf_web_defaults(&conf->web);
	dg_nmg_init(&conf->console_acl);
	/* dnsdist's default console ACL */
	if (dg_nmg_add_str(&conf->console_acl, "127.0.0.0/8") < 0 ||
	    dg_nmg_add_str(&conf->console_acl, "::1/128") < 0) {
		fprintf(stderr, "dnsgate: out of memory\n");
		exit(EXIT_FAILURE);
	}
	/* The default pool always exists, as getPool("") does in dnsdist. */
	(void)fe_conf_get_pool(conf, "");
	return conf;
}

void fe_conf_free(struct fe_conf *conf)
{
	if (!conf)
		return;
	pthread_mutex_destroy(&conf->ctl_lock);
	rulec_free(conf->rules_prog);
	rulechain_free(conf->rules, conf->nrules);
	rulechain_free(conf->resp_rules, conf->nresp_rules);
	rulechain_free(conf->hit_rules, conf->nhit_rules);
	rulechain_free(conf->self_rules, conf->nself_rules);
	free(conf->lua_text);
	for (int i = 0; i < conf->nbackends; i++) {
		struct fe_backend *be = conf->backends[i];
		for (int j = 0; j < be->npools; j++)
			free(be->pools[j]);
		free(be->pools);
		free(be);
	}
	free(conf->backends);
	for (int i = 0; i < conf->npools; i++) {
		free(conf->pools[i]->servers);
		free(conf->pools[i]);
	}
	free(conf->pools);
	for (int i = 0; i < conf->ncaches; i++)
		pcache_free(conf->caches[i]);
	free(conf->caches);
	dg_nmg_clear(&conf->acl);
	if (conf->acl_live != NULL)
		dg_nmg_clear(conf->acl_live);
	free(conf->acl_live);
	dg_nmg_clear(&conf->console_acl);
	free(conf->listeners);
	vrrpctl_conf_free(conf->vrrp);
	free(conf->console_addr);
	free(conf->console_key);
	free(conf->webserver_addr);
	conf_web_free(&conf->web);
	free(conf->run_user);
	free(conf->run_group);
	free(conf);
}

struct fe_pool *fe_conf_find_pool(const struct fe_conf *conf, const char *name)
{
	for (int i = 0; i < conf->npools; i++)
		if (strcmp(conf->pools[i]->name, name) == 0)
			return conf->pools[i];
	return NULL;
}

struct fe_pool *fe_conf_get_pool(struct fe_conf *conf, const char *name)
{
	struct fe_pool *pool = fe_conf_find_pool(conf, name);
	if (pool)
		return pool;
	pool = conf_xcalloc(1, sizeof(*pool));
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	conf->pools = conf_xrealloc(conf->pools, (size_t)conf->npools + 1, sizeof(*conf->pools));
	conf->pools[conf->npools++] = pool;
	return pool;
}

void fe_conf_add_backend(struct fe_conf *conf, struct fe_backend *be)
{
	conf->backends = conf_xrealloc(conf->backends, (size_t)conf->nbackends + 1,
				       sizeof(*conf->backends));
	be->index = conf->nbackends;
	conf->backends[conf->nbackends++] = be;

	/* A server without pool= is in the default pool "" (dnsdist). */
	int n = be->npools ? be->npools : 1;
	for (int i = 0; i < n; i++) {
		struct fe_pool *pool = fe_conf_get_pool(conf, be->npools ? be->pools[i] : "");
		pool->servers = conf_xrealloc(pool->servers, (size_t)pool->nservers + 1,
					      sizeof(*pool->servers));
		pool->servers[pool->nservers++] = be;
	}
}

void fe_conf_default_acl(struct fe_conf *conf)
{
	static const char *const defaults[] = {
		"127.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "192.168.0.0/16",
		"172.16.0.0/12", "::1/128", "fc00::/7", "fe80::/10",
	};
	for (size_t i = 0; i < DG_ARRAY_SIZE(defaults); i++) {
		int ret = dg_nmg_add_str(&conf->acl, defaults[i]);
		if (ret < 0) { /* only DG_ENOMEM is possible with these constants */
			dg_log(LOG_ERR, "config", "default ACL: %s", defaults[i]);
			exit(EXIT_FAILURE);
		}
	}
}

void fe_conf_add_listener(struct fe_conf *conf, const struct fe_listener *l)
{
	conf->listeners = conf_xrealloc(conf->listeners, (size_t)conf->nlisteners + 1,
					sizeof(*conf->listeners));
	conf->listeners[conf->nlisteners++] = *l;
}

void fe_conf_add_cache(struct fe_conf *conf, struct pcache *pc)
{
	conf->caches = conf_xrealloc(conf->caches, (size_t)conf->ncaches + 1, sizeof(*conf->caches));
	conf->caches[conf->ncaches++] = pc;
}

void fe_conf_clear_listeners(struct fe_conf *conf)
{
	free(conf->listeners);
	conf->listeners = NULL;
	conf->nlisteners = 0;
}

void fe_conf_default_local(struct fe_conf *conf)
{
	if (conf->nlisteners > 0)
		return;
	struct fe_listener l = { .do_udp = true, .do_tcp = true };
	l.addr.in.sin_family = AF_INET;
	l.addr.in.sin_port = htons(53);
	l.addr.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fe_conf_add_listener(conf, &l);
}

/* The ACL being copied by fe_conf_publish_acl(); err sticks at the first failure. */
struct acl_copy {
	struct dg_nmg *dst;
	int err;
};

static void acl_copy_one(const struct dg_netmask *nm, bool negate, void *ctx)
{
	struct acl_copy *c = ctx;
	if (c->err == DG_OK)
		c->err = dg_nmg_add(c->dst, nm, negate);
}

int fe_conf_publish_acl(struct fe_conf *conf)
{
	struct dg_nmg *fresh = calloc(1, sizeof(*fresh));
	if (fresh == NULL)
		return DG_ENOMEM;
	dg_nmg_init(fresh);
	struct acl_copy c = { fresh, DG_OK };
	dg_nmg_foreach(&conf->acl, acl_copy_one, &c);
	if (c.err < 0) {
		dg_nmg_clear(fresh);
		free(fresh);
		return c.err;
	}
	struct dg_nmg *old = rcu_xchg_pointer(&conf->acl_live, fresh);
	synchronize_rcu(); /* no worker still matches against old */
	if (old != NULL)
		dg_nmg_clear(old);
	free(old);
	return DG_OK;
}
