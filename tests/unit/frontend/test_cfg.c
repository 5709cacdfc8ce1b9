/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The Lua loader: dnsdist functions fill struct fe_conf as dnsdist would,
 * and every error names the file and line once, including unsupported
 * functions, unknown option keys, Lua syntax and runtime errors.
 */
#include "tap.h"

#include <unistd.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/pcache.h"
#include "lib/err.h"

#include "cfghelp.h"

static bool allows(const struct fe_conf *conf, const char *ip)
{
	struct dg_netmask nm;
	return dg_netmask_parse(&nm, ip) == 0 && dg_nmg_match(&conf->acl, &nm.addr, NULL);
}

static void test_listen(void)
{
	struct fe_conf *conf = load("addLocal('192.0.2.1')\n"
				    "setLocal('127.0.0.1:5300', {reusePort=true, tcpListenQueueSize=64})\n"
				    "addLocal('[::1]:5301', {doTCP=false, maxInFlight=100})\n"
				    "addLocal('127.0.0.2', false)\n");
	ok(conf != NULL, "listeners load (%s)", err);
	if (!conf)
		return;
	is_int(3, conf->nlisteners, "setLocal dropped the earlier addLocal");
	is_int(5300, dg_sockaddr_port(&conf->listeners[0].addr), "setLocal port");
	ok(conf->listeners[0].reuseport, "reusePort");
	is_int(64, conf->listeners[0].tcp_listen_queue, "tcpListenQueueSize");
	ok(conf->listeners[0].do_tcp && conf->listeners[0].do_udp, "UDP and TCP by default");
	is_int(2, conf->listeners[0].line, "line of the declaration");
	ok(!conf->listeners[1].do_tcp, "doTCP=false");
	is_int(100, conf->listeners[1].max_inflight, "maxInFlight");
	is_int(53, dg_sockaddr_port(&conf->listeners[2].addr), "default port 53");
	ok(!conf->listeners[2].do_tcp, "legacy boolean doTCP");
	fe_conf_free(conf);

	fails("\n addLocal('127.0.0.1', {reusePort=true, bogus=1})",
	      "t.conf:2: addLocal: unknown option 'bogus'", "unknown listen option");
	fails("addLocal('127.0.0.1', {interface='eth0'})",
	      "t.conf:1: addLocal: option 'interface' is not supported by dnsgate",
	      "known but unsupported option");
	fails("setLocal('1.2.3.4:99999')",
	      "t.conf:1: setLocal: '1.2.3.4:99999': bad port number (expected 0-65535)",
	      "bad port");
	fails("addLocal('127.0.0.1', {reusePort=1})",
	      "t.conf:1: addLocal: option 'reusePort' must be a boolean", "wrong option type");
}

static void test_acl(void)
{
	struct fe_conf *conf = load("addACL('198.51.100.0/24')");
	ok(conf && allows(conf, "198.51.100.9") && allows(conf, "10.0.0.1"),
	   "addACL adds to the default ACL");
	fe_conf_free(conf);
	conf = load("setACL({'198.51.100.0/24', '2001:db8::/32'})");
	ok(conf && allows(conf, "2001:db8::5") && !allows(conf, "10.0.0.1"),
	   "setACL replaces the default ACL");
	fe_conf_free(conf);
	conf = load("setACL('203.0.113.0/24')\naddACL('!203.0.113.128/25')");
	ok(conf && allows(conf, "203.0.113.1") && !allows(conf, "203.0.113.200"),
	   "negated entries");
	fe_conf_free(conf);
	fails("addACL('10.0.0.0/8')\nsetACL({'192.0.2.0/24', 'nonsense'})",
	      "t.conf:2: setACL: 'nonsense': bad netmask syntax", "bad ACL entry");
}

static void test_servers(void)
{
	struct fe_conf *conf = load(
		"newServer('192.0.2.53')\n"
		"newServer({address='192.0.2.1:5300', name='rec1', pool={'rec', 'all'}, weight=3,\n"
		"  order=2, checkName='example.net.', checkType='AAAA', checkClass=DNSClass.CH,\n"
		"  checkInterval=5, checkTimeout=500, maxCheckFailures=3, rise=2, mustResolve=true,\n"
		"  healthCheckMode='up', tcpOnly=true, useClientSubnet=true, maxInFlight=10})\n"
		"local s = newServer({address='[2001:db8::1]', pool='auth'})\n"
		"assert(s:getName() == '[2001:db8::1]:53')\n"
		"getServer(0):setDown()\n"
		"getServer('rec1'):setAuto()\n"
		"assert(getServer(2):isUp())\n");
	ok(conf != NULL, "servers load (%s)", err);
	if (!conf)
		return;
	is_int(3, conf->nbackends, "three servers");
	struct fe_backend *a = conf->backends[0], *b = conf->backends[1];
	is_str("192.0.2.53:53", a->name, "string form named by address");
	is_int(FE_ADMIN_DOWN, a->admin, "setDown");
	is_str("rec1", b->name, "name");
	is_int(2, b->npools, "two pools");
	is_str("all", b->npools == 2 ? b->pools[1] : "", "second pool");
	is_int(3, b->weight, "weight");
	is_int(2, b->order, "order");
	static const uint8_t wire[] = "\007example\003net";
	is_bytes(wire, sizeof(wire), b->check_name, sizeof(wire), "checkName");
	is_int(28, b->check_type, "checkType AAAA");
	is_int(3, b->check_class, "checkClass CH");
	is_int(5, b->check_interval_s, "checkInterval");
	is_int(500, b->check_timeout_ms, "checkTimeout");
	is_int(3, b->max_check_failures, "maxCheckFailures");
	is_int(2, b->rise, "rise");
	ok(b->must_resolve && b->tcp_only && b->use_client_subnet, "booleans");
	is_int(10, b->max_inflight, "maxInFlight");
	is_int(FE_ADMIN_AUTO, b->admin, "setAuto after healthCheckMode=up");
	is_int(2, b->line, "line of newServer");
	struct fe_pool *rec = fe_conf_find_pool(conf, "rec"), *def = fe_conf_find_pool(conf, "");
	ok(rec && rec->nservers == 1 && rec->servers[0] == b, "rec pool");
	ok(def && def->nservers == 1 && def->servers[0] == a, "default pool");
	fe_conf_free(conf);

	fails("newServer({address='192.0.2.1', pool='rec', colour='blue'})",
	      "t.conf:1: newServer: unknown option 'colour'", "unknown newServer key");
	fails("newServer({address='192.0.2.1', qps=10})",
	      "t.conf:1: newServer: option 'qps' is not supported by dnsgate", "qps");
	fails("newServer({pool='rec'})", "t.conf:1: newServer: missing 'address'", "no address");
	fails("newServer('rec1.example')",
	      "t.conf:1: newServer: address 'rec1.example': bad address (expected ip, ip:port or "
	      "[ipv6]:port)", "host name refused");
	fails("newServer({address='192.0.2.1', checkInterval=0})",
	      "t.conf:1: newServer: option 'checkInterval' must be between 1 and 86400", "range");
	fails("newServer({address='192.0.2.1', checkType='BOGUS'})",
	      "t.conf:1: newServer: checkType must be a query type name such as \"A\"",
	      "bad checkType");
	fails("newServer({address='192.0.2.1', healthCheckMode='sometimes'})",
	      "t.conf:1: newServer: healthCheckMode must be \"auto\", \"up\", \"down\" or "
	      "\"lazy\"", "bad healthCheckMode");
	fails("newServer('192.0.2.1')\ngetServer(1):setUp()",
	      "t.conf:2: getServer: no server 1 (there are 1)", "getServer out of range");
}

static void test_pools_policies(void)
{
	struct fe_conf *conf = load("pc = newPacketCache(1000, {maxTTL=300, numberOfShards=4,\n"
				    "  deferrableInsertLock=true})\n"
				    "getPool('rec'):setCache(pc)\n"
				    "assert(getPool('rec'):getCache() ~= nil)\n"
				    "assert(getPool('other'):getCache() == nil)\n"
				    "assert(pc:toString() == '0/1000')\n"
				    "setServerPolicy(roundrobin)\n"
				    "setPoolServerPolicy(wrandom, 'rec')\n"
				    "assert(tostring(chashed) == 'ServerPolicy \"chashed\"')\n");
	ok(conf != NULL, "cache and policies load (%s)", err);
	if (!conf)
		return;
	struct fe_pool *rec = fe_conf_find_pool(conf, "rec");
	is_int(1, conf->ncaches, "one cache owned by the configuration");
	ok(rec && rec->cache == conf->caches[0], "pool rec uses it");
	ok(rec && rec->has_policy && rec->policy == FE_POL_WRANDOM, "pool policy wrandom");
	is_int(FE_POL_ROUNDROBIN, conf->policy, "global policy roundrobin");
	struct pcache_stats st;
	pcache_get_stats(conf->caches[0], &st);
	is_int(1000, (long long)st.max_entries, "maxEntries");
	fe_conf_free(conf);

	fails("pc = newPacketCache(10, {maxTTL=60, maxTLL=5})",
	      "t.conf:1: newPacketCache: unknown option 'maxTLL'", "typo in a cache option");
	fails("setServerPolicy('roundrobin')",
	      "t.conf:1: setServerPolicy: argument 1 must be a server policy (leastOutstanding, "
	      "roundrobin, ...)", "policy as a string");
	fails("getPool('x'):setCache(42)",
	      "t.conf:1: ServerPool:setCache: argument 2 must be a packet cache (newPacketCache())",
	      "setCache without a cache");
}

static void test_misc(void)
{
	struct fe_conf *conf = load(
		"setUDPTimeout(5) setTCPRecvTimeout(3) setMaxUDPOutstanding(1000)\n"
		"setECSSourcePrefixV4(20) setECSSourcePrefixV6(48) setECSOverride(true)\n"
		"setAddEDNSToSelfGeneratedResponses(false) setPayloadSizeOnSelfGeneratedAnswers(1400)\n"
		"truncateTC(true) setMaxTCPClientThreads(10) setMaxTCPConnectionsPerClient(20)\n"
		"setMaxTCPQueriesPerConnection(100) setMaxTCPConnectionDuration(30)\n"
		"setServFailWhenNoServer(true) setRoundRobinFailOnNoServer(true)\n"
		"setVerboseHealthChecks(true) setSecurityPollSuffix('')\n"
		"controlSocket('127.0.0.1:5199') setKey('MXNeLFWHUe4363BBKrY06cAsH8NWNb+Se2eXU5+Bb74=')\n"
		"setConsoleACL('127.0.0.1/32')\n"
		"webserver('127.0.0.1:8083') setWebserverConfig({password='x', apiKey='y'})\n"
		"assert(DNSClass.CH == 3 and DNSClass.CHAOS == 3 and DNSClass.HS == 4)\n"
		"assert(DNSClass.IN == 1 and DNSClass.NONE == 254 and DNSClass.ANY == 255)\n"
		"assert(DNSQType.ANY == 255 and DNSQType.TXT == 16 and DNSQType.AAAA == 28)\n"
		"assert(DNSRCode.NXDOMAIN == 3 and DNSRCode.REFUSED == 5)\n"
		"assert(DNSOpcode.Update == 5)\n");
	ok(conf != NULL, "setters load (%s)", err);
	if (!conf)
		return;
	is_int(5, conf->udp_timeout_s, "setUDPTimeout");
	is_int(3, conf->tcp_recv_timeout_s, "setTCPRecvTimeout");
	is_int(1000, conf->max_udp_outstanding, "setMaxUDPOutstanding");
	is_int(20, conf->ecs_v4_prefix, "setECSSourcePrefixV4");
	is_int(48, conf->ecs_v6_prefix, "setECSSourcePrefixV6");
	ok(conf->ecs_override && conf->truncate_tc, "setECSOverride, truncateTC");
	ok(!conf->add_edns_to_self, "setAddEDNSToSelfGeneratedResponses(false)");
	is_int(1400, conf->self_payload_size, "setPayloadSizeOnSelfGeneratedAnswers");
	is_int(20, conf->max_tcp_conns_per_client, "setMaxTCPConnectionsPerClient");
	is_int(100, conf->max_tcp_queries_per_conn, "setMaxTCPQueriesPerConnection");
	is_int(30, conf->max_tcp_conn_duration_s, "setMaxTCPConnectionDuration");
	ok(conf->servfail_when_no_server && conf->rr_fail_on_no_server &&
	   conf->verbose_health_checks, "server setters");
	is_str("127.0.0.1:5199", conf->console_addr, "controlSocket recorded");
	is_str("MXNeLFWHUe4363BBKrY06cAsH8NWNb+Se2eXU5+Bb74=", conf->console_key, "setKey recorded");
	is_str("127.0.0.1:8083", conf->webserver_addr, "webserver recorded");
	fe_conf_free(conf);

	fails("setUDPTimeout(0)", "t.conf:1: setUDPTimeout: option 'value' must be between 1 and 3600",
	      "setter range");
	fails("truncateTC('yes')", "t.conf:1: truncateTC: option 'value' must be a boolean",
	      "setter type");
	fails("setKey('short')", "t.conf:1: setKey: the key must be 32 bytes in base64 (see makeKey())",
	      "bad key");
	fails("setWebserverConfig({password='x', pasword='y'})",
	      "t.conf:1: setWebserverConfig: unknown option 'pasword'", "web option typo");
}

static void test_errors(void)
{
	fails("setLocal('127.0.0.1')\n\naddDOHLocal('127.0.0.1:443')",
	      "t.conf:3: function addDOHLocal is not supported by dnsgate", "unsupported function");
	fails("newServer('192.0.2.1')\nshowServers()",
	      "t.conf:2: function showServers is not supported by dnsgate", "console function");
	fails("setLocal('0.0.0.0:53')\ncontrolSocket('127.0.0.1:5199')\n#Save\n",
	      "t.conf:3: unexpected symbol near '#'", "the guide's #Save line");
	fails("local t = {}\nt.x.y = 1", "t.conf:2: attempt to index a nil value (field 'x')",
	      "runtime error");
	fails("\nerror('boom', 0)", "t.conf:2: boom", "error without position gets one");
	fails("error('boom')", "t.conf:1: boom", "error with position keeps one");
	fails("newServr('192.0.2.1')", "t.conf:1: attempt to call a nil value (global 'newServr')",
	      "typo in a function name");
	fails("local function f()\n  newServer({})\nend\nf()", "t.conf:2: newServer: missing 'address'",
	      "error inside a Lua function names the line in it");

	/* Lua shortens long chunk names to 60 characters; messages keep the whole name. */
	char name[200];
	memset(name, 'd', 150);
	memcpy(name + 150, "/long.conf", 11);
	struct fe_conf *conf = fe_conf_new();
	ok(cfg_load_string(conf, name, "x = nil\nx.y = 1", err, sizeof(err)) == DG_ECONFIG,
	   "long name: load fails");
	char want[400];
	snprintf(want, sizeof(want), "%s:2: attempt to index a nil value (global 'x')", name);
	is_str(want, err, "long name kept whole");
	fe_conf_free(conf);

	/* Same for a file, which Lua shortens to "...tail". */
	char path[200];
	snprintf(path, sizeof(path), "/tmp/dnsgate-test-cfg-%d-%s.conf", (int)getpid(),
		 "a-file-name-longer-than-sixty-characters-in-all");
	FILE *f = fopen(path, "w");
	ok(f != NULL, "temporary file %s", path);
	if (f) {
		fputs("setLocal('127.0.0.1')\n\naddDOHLocal('127.0.0.1:443')\n", f);
		fclose(f);
		conf = fe_conf_new();
		is_err(DG_ECONFIG, cfg_load_file(conf, path, err, sizeof(err)), "long file fails");
		snprintf(want, sizeof(want), "%s:3: function addDOHLocal is not supported by dnsgate",
			 path);
		is_str(want, err, "long file name kept whole");
		fe_conf_free(conf);
		f = fopen(path, "w");
		if (f) {
			fputs("setLocal('127.0.0.1')\n#Save\n", f);
			fclose(f);
		}
		conf = fe_conf_new();
		is_err(DG_ECONFIG, cfg_load_file(conf, path, err, sizeof(err)), "syntax error");
		snprintf(want, sizeof(want), "%s:2: unexpected symbol near '#'", path);
		is_str(want, err, "syntax error in a long file name kept whole");
		fe_conf_free(conf);
		unlink(path);
	}

	conf = fe_conf_new();
	is_err(DG_ECONFIG, cfg_load_file(conf, "/nonexistent/dnsgate.conf", err, sizeof(err)),
	       "missing file");
	ok(strstr(err, "/nonexistent/dnsgate.conf") != NULL, "names the file: %s", err);
	fe_conf_free(conf);
}

static void test_nmg(void)
{
	struct fe_conf *conf = load("local n = newNMG()\n"
				    "n:addMask('10.0.0.0/8')\n"
				    "n:addMasks({'2001:db8::/32', '!10.9.0.0/16'})\n"
				    "assert(n:size() == 3)\n"
				    "assert(n:match('10.1.2.3'))\n"
				    "assert(not n:match('10.9.1.1'))\n"
				    "assert(n:match('2001:db8::53'))\n"
				    "assert(not n:match('192.0.2.1'))\n"
				    "n:clear()\n"
				    "assert(n:size() == 0)\n"
				    "local m = newNMG() m:addMask('192.0.2.0/24')\n");
	ok(conf != NULL, "netmask groups (%s)", err);
	fe_conf_free(conf);
	fails("local n = newNMG()\nn:addMask('10.0.0.0/40')",
	      "t.conf:2: NetmaskGroup:addMask: '10.0.0.0/40': prefix length out of range",
	      "bad mask");
}

int main(void)
{
	test_listen();
	test_acl();
	test_servers();
	test_pools_policies();
	test_misc();
	test_errors();
	test_nmg();
	return tap_done();
}
