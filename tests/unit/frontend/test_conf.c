/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The configuration model: dnsdist's defaults, pools created on demand and
 * shared between backends, the default ACL and listener, and the command
 * line combined with it the way dnsdist combines them.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "frontend/cli.h"
#include "frontend/conf.h"
#include "frontend/config/lua_families.h"
#include "lib/err.h"

static bool acl_allows(const struct fe_conf *conf, const char *ip)
{
	struct dg_netmask nm;
	if (dg_netmask_parse(&nm, ip) < 0)
		return false;
	return dg_nmg_match(&conf->acl, &nm.addr, NULL);
}

static void test_defaults(void)
{
	struct fe_conf *conf = fe_conf_new();

	is_int(FE_POL_LEAST_OUTSTANDING, conf->policy, "default policy leastOutstanding");
	is_int(24, conf->ecs_v4_prefix, "ECS v4 prefix 24");
	is_int(56, conf->ecs_v6_prefix, "ECS v6 prefix 56");
	ok(conf->add_edns_to_self, "EDNS added to self-generated answers");
	is_int(1232, conf->self_payload_size, "payload on self-generated answers 1232");
	is_int(2, conf->udp_timeout_s, "UDP timeout 2 s");
	is_int(2, conf->tcp_recv_timeout_s, "TCP receive timeout 2 s");
	is_int(65535, conf->max_udp_outstanding, "max UDP outstanding 65535");
	ok(!conf->servfail_when_no_server, "no SERVFAIL when no server by default");
	is_int(0, conf->nlisteners, "no listener before the defaults are applied");
	ok(fe_conf_find_pool(conf, "") != NULL, "the default pool exists");
	is_int(9, (long long)conf->acl.count, "default ACL has dnsdist's 9 ranges");
	const char *allowed[] = { "127.0.0.1", "10.1.2.3", "100.64.0.1", "169.254.1.1",
				  "192.168.1.1", "172.31.255.255", "::1", "fd00::1", "fe80::1" };
	for (size_t i = 0; i < DG_ARRAY_SIZE(allowed); i++)
		ok(acl_allows(conf, allowed[i]), "default ACL allows %s", allowed[i]);
	ok(!acl_allows(conf, "8.8.8.8"), "default ACL refuses 8.8.8.8");
	ok(!acl_allows(conf, "172.32.0.1"), "default ACL refuses 172.32.0.1");
	ok(!acl_allows(conf, "2001:db8::1"), "default ACL refuses 2001:db8::1");
	fe_conf_default_local(conf);
	is_int(1, conf->nlisteners, "default listener added");
	is_int(53, dg_sockaddr_port(&conf->listeners[0].addr), "default listener port 53");
	is_int(htonl(INADDR_LOOPBACK), conf->listeners[0].addr.in.sin_addr.s_addr,
	       "default listener 127.0.0.1");
	ok(conf->listeners[0].do_udp && conf->listeners[0].do_tcp, "UDP and TCP");
	fe_conf_default_local(conf);
	is_int(1, conf->nlisteners, "default listener not added twice");
	fe_conf_free(conf);
}

static struct fe_backend *backend(const char *pool1, const char *pool2)
{
	struct fe_backend *be = calloc(1, sizeof(*be));
	cfg_server_defaults(be);
	be->npools = (pool1 != NULL) + (pool2 != NULL);
	be->pools = calloc(2, sizeof(char *));
	if (pool1)
		be->pools[0] = strdup(pool1);
	if (pool2)
		be->pools[1] = strdup(pool2);
	return be;
}

static void test_pools(void)
{
	struct fe_conf *conf = fe_conf_new();
	struct fe_backend *a = backend("rec", NULL), *b = backend("rec", "auth"), *c = backend(NULL, NULL);

	fe_conf_add_backend(conf, a);
	fe_conf_add_backend(conf, b);
	fe_conf_add_backend(conf, c);
	is_int(0, a->index, "first backend index 0");
	is_int(2, c->index, "third backend index 2");
	struct fe_pool *rec = fe_conf_find_pool(conf, "rec");
	struct fe_pool *auth = fe_conf_find_pool(conf, "auth");
	struct fe_pool *def = fe_conf_find_pool(conf, "");
	ok(rec && auth && def, "pools rec, auth and default exist");
	if (rec && auth && def) {
		is_int(2, rec->nservers, "rec has two servers");
		ok(rec->servers[0] == a && rec->servers[1] == b, "rec in declaration order");
		is_int(1, auth->nservers, "auth has one server");
		is_int(1, def->nservers, "a server without pool= is in the default pool");
		ok(def->servers[0] == c, "the default pool holds the third server");
	}
	ok(fe_conf_find_pool(conf, "none") == NULL, "unknown pool not found");
	struct fe_pool *p = fe_conf_get_pool(conf, "new");
	ok(p && fe_conf_get_pool(conf, "new") == p, "get_pool creates once");
	is_int(1, a->weight, "weight 1 by default");
	is_int(1, a->check_interval_s, "checkInterval 1 s by default");
	is_int(1000, a->check_timeout_ms, "checkTimeout 1000 ms by default");
	is_int(1, a->max_check_failures, "maxCheckFailures 1 by default");
	is_int(1, a->rise, "rise 1 by default");
	is_int(1, a->check_type, "check type A");
	is_int(1, a->check_class, "check class IN");
	ok(fe_backend_is_up(a), "a backend starts up");
	fe_conf_free(conf);
}

static void test_cli(void)
{
	char *argv[] = { "dnsgate", "-l", "127.0.0.1:5300", "--local", "[::1]:5301", "-a",
			 "192.0.2.0/24", "--check-config", "-v", "127.0.0.1:53", "[::1]", NULL };
	struct cli cli;
	char err[256] = "";
	struct fe_conf *conf = fe_conf_new();

	is_int(0, cli_parse(&cli, 11, argv, err, sizeof(err)), "command line parsed");
	is_int(2, cli.nlocals, "two -l");
	is_int(1, cli.nacls, "one -a");
	is_int(2, cli.nbackends, "two backend arguments");
	ok(cli.check_config && cli.verbose, "--check-config and -v");
	ok(cli_config_file(&cli) == NULL, "no default file when backends are given");
	is_int(0, cli_apply_pre(&cli, conf, err, sizeof(err)), "pre applied");
	ok(acl_allows(conf, "192.0.2.7"), "-a range allowed");
	ok(!acl_allows(conf, "127.0.0.1"), "-a replaces the default ACL");
	struct fe_listener old = { .do_udp = true };
	fe_conf_add_listener(conf, &old);
	is_int(0, cli_apply_post(&cli, conf, err, sizeof(err)), "post applied");
	is_int(2, conf->nlisteners, "-l replaces the file's listeners");
	is_int(5300, dg_sockaddr_port(&conf->listeners[0].addr), "first -l port");
	is_int(AF_INET6, conf->listeners[1].addr.sa.sa_family, "second -l is IPv6");
	is_int(2, conf->nbackends, "two backends added");
	is_str("[::1]:53", conf->backends[1]->name, "backend named by address:port");
	struct fe_pool *def = fe_conf_find_pool(conf, "");
	is_int(2, def ? def->nservers : -1, "command-line backends in the default pool");
	cli_free(&cli);
	fe_conf_free(conf);

	char *bad[] = { "dnsgate", "--bogus", NULL };
	is_err(DG_EINVAL, cli_parse(&cli, 2, bad, err, sizeof(err)), "unknown option refused");
	is_str("unknown option --bogus", err, "the message names it");
	cli_free(&cli);
	char *noarg[] = { "dnsgate", "-C", NULL };
	is_err(DG_EINVAL, cli_parse(&cli, 2, noarg, err, sizeof(err)), "-C without a file");
	cli_free(&cli);
	char *none[] = { "dnsgate", NULL };
	is_int(0, cli_parse(&cli, 1, none, err, sizeof(err)), "no arguments");
	is_str(CLI_DEFAULT_CONFIG, cli_config_file(&cli), "default configuration file");
	cli_free(&cli);

	char *badl[] = { "dnsgate", "-l", "nonsense", "1.2.3.4", NULL };
	conf = fe_conf_new();
	is_int(0, cli_parse(&cli, 4, badl, err, sizeof(err)), "parsed");
	is_err(DG_ECONFIG, cli_apply_post(&cli, conf, err, sizeof(err)), "bad -l refused");
	ok(strstr(err, "nonsense") != NULL, "the message names the value: %s", err);
	cli_free(&cli);
	fe_conf_free(conf);
}

int main(void)
{
	test_defaults();
	test_pools();
	test_cli();
	return tap_done();
}
