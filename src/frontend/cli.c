/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's command line for dnsgate (see cli.h for how it combines with
 * the configuration file).
 */
#include "frontend/cli.h"

#include <getopt.h>
#include <stdlib.h>

#include "frontend/conf.h"
#include "frontend/config/lua_families.h"
#include "lib/err.h"
#include "lib/sockaddr.h"

enum { OPT_CHECK_CONFIG = 256, OPT_SUPERVISED, OPT_DISABLE_SYSLOG, OPT_LIST_FUNCTIONS };

static const struct option cli_long[] = {
	{ "config", required_argument, NULL, 'C' },
	{ "local", required_argument, NULL, 'l' },
	{ "acl", required_argument, NULL, 'a' },
	{ "uid", required_argument, NULL, 'u' },
	{ "gid", required_argument, NULL, 'g' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "supervised", no_argument, NULL, OPT_SUPERVISED },
	{ "disable-syslog", no_argument, NULL, OPT_DISABLE_SYSLOG },
	{ "client", no_argument, NULL, 'c' },
	{ "execute", required_argument, NULL, 'e' },
	{ "setkey", required_argument, NULL, 'k' },
	{ "list-functions", no_argument, NULL, OPT_LIST_FUNCTIONS },
	{ NULL, 0, NULL, 0 },
};

/* Handles one option; returns DG_EINVAL for an unknown one. */
static int cli_option(struct cli *cli, int c, char *arg)
{
	switch (c) {
	case 'C': cli->config = arg; break;
	case 'l': cli->locals[cli->nlocals++] = arg; break;
	case 'a': cli->acls[cli->nacls++] = arg; break;
	case 'u': cli->uid = arg; break;
	case 'g': cli->gid = arg; break;
	case 'v': cli->verbose = true; break;
	case 'h': cli->help = true; break;
	case 'V': cli->version = true; break;
	case OPT_CHECK_CONFIG: cli->check_config = true; break;
	case OPT_SUPERVISED: cli->supervised = true; break;
	case OPT_DISABLE_SYSLOG: cli->disable_syslog = true; break;
	case 'c': cli->client = true; break;
	case 'e': cli->execute = arg; cli->client = true; break; /* as dnsdist: -e implies -c */
	case 'k': cli->setkey = arg; break;
	case OPT_LIST_FUNCTIONS: cli->list_functions = true; break;
	default: return DG_EINVAL;
	}
	return 0;
}

int cli_parse(struct cli *cli, int argc, char **argv, char *err, size_t errsz)
{
	int c;

	memset(cli, 0, sizeof(*cli));
	/* Each list holds at most argc entries: no resizing needed. */
	cli->locals = calloc((size_t)argc + 1, sizeof(*cli->locals));
	cli->acls = calloc((size_t)argc + 1, sizeof(*cli->acls));
	cli->backends = calloc((size_t)argc + 1, sizeof(*cli->backends));
	if (!cli->locals || !cli->acls || !cli->backends)
		return DG_ENOMEM;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":C:l:a:u:g:vhVce:k:", cli_long, NULL)) != -1) {
		if (c == ':') {
			snprintf(err, errsz, "option %s needs an argument", argv[optind - 1]);
			return DG_EINVAL;
		}
		if (cli_option(cli, c, optarg) < 0) {
			snprintf(err, errsz, "unknown option %s", argv[optind - 1]);
			return DG_EINVAL;
		}
	}
	for (int i = optind; i < argc; i++)
		cli->backends[cli->nbackends++] = argv[i];
	return 0;
}

void cli_free(struct cli *cli)
{
	free(cli->locals);
	free(cli->acls);
	free(cli->backends);
	cli->locals = cli->acls = cli->backends = NULL;
}

const char *cli_config_file(const struct cli *cli)
{
	if (cli->config)
		return cli->config;
	return cli->nbackends > 0 ? NULL : CLI_DEFAULT_CONFIG;
}

static char *cli_strdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d) {
		fprintf(stderr, "dnsgate: out of memory\n");
		exit(EXIT_FAILURE);
	}
	return d;
}

int cli_apply_pre(const struct cli *cli, struct fe_conf *conf, char *err, size_t errsz)
{
	if (cli->nacls > 0) {
		dg_nmg_clear(&conf->acl);
		conf->acl_set = true;
	}
	for (int i = 0; i < cli->nacls; i++) {
		int ret = dg_nmg_add_str(&conf->acl, cli->acls[i]);
		if (ret < 0) {
			snprintf(err, errsz, "-a %s: %s", cli->acls[i], dg_strerror(ret));
			return DG_ECONFIG;
		}
	}
	conf->run_user = cli_strdup(cli->uid);
	conf->run_group = cli_strdup(cli->gid);
	return 0;
}

static int cli_add_backend(struct fe_conf *conf, const char *text, char *err, size_t errsz)
{
	struct fe_backend *be = calloc(1, sizeof(*be));
	if (!be)
		return DG_ENOMEM;
	cfg_server_defaults(be);
	int ret = dg_sockaddr_parse(&be->addr, text, 53);
	if (ret < 0 || dg_sockaddr_to_str(&be->addr, be->name, sizeof(be->name)) < 0) {
		snprintf(err, errsz, "backend %s: %s", text, dg_strerror(ret < 0 ? ret : DG_EINVAL));
		free(be);
		return DG_ECONFIG;
	}
	fe_conf_add_backend(conf, be);
	return 0;
}

int cli_apply_post(const struct cli *cli, struct fe_conf *conf, char *err, size_t errsz)
{
	if (cli->nlocals > 0)
		fe_conf_clear_listeners(conf);
	for (int i = 0; i < cli->nlocals; i++) {
		struct fe_listener l = { .do_udp = true, .do_tcp = true };
		int ret = dg_sockaddr_parse(&l.addr, cli->locals[i], 53);
		if (ret < 0) {
			snprintf(err, errsz, "-l %s: %s", cli->locals[i], dg_strerror(ret));
			return DG_ECONFIG;
		}
		fe_conf_add_listener(conf, &l);
	}
	for (int i = 0; i < cli->nbackends; i++) {
		int ret = cli_add_backend(conf, cli->backends[i], err, errsz);
		if (ret < 0)
			return ret;
	}
	fe_conf_default_local(conf);
	return 0;
}

void cli_usage(FILE *out)
{
	fputs("Usage: dnsgate [OPTION]... [BACKEND-ADDRESS]...\n"
	      "A dnsdist-compatible DNS load balancer.\n\n"
	      "  -C, --config FILE     load the Lua configuration FILE (default "
	      CLI_DEFAULT_CONFIG ",\n"
	      "                        unless backend addresses are given)\n"
	      "  -l, --local ADDR      listen on ADDR (repeatable; replaces the file's)\n"
	      "  -a, --acl NETMASK     allow queries from NETMASK (repeatable; replaces the\n"
	      "                        default ACL)\n"
	      "      --check-config    validate the configuration and exit (0 if OK)\n"
	      "      --supervised      run under a supervisor (no console)\n"
	      "      --disable-syslog  log to stderr only (dnsgate always does in the foreground)\n"
	      "  -c, --client [ADDR]   be a console client: connect to controlSocket() of the\n"
	      "                        configuration (-C), or to ADDR (default 127.0.0.1:5199)\n"
	      "  -e, --execute CMD     with -c: run CMD on the console and exit\n"
	      "  -k, --setkey KEY      with -c: the console key (instead of the file's setKey())\n"
	      "      --list-functions  print every Lua function dnsgate supports, and exit\n"
	      "  -u, --uid USER        user to run as after binding (name or number)\n"
	      "  -g, --gid GROUP       group to run as after binding (default: USER's group)\n"
	      "  -v, --verbose         log debug messages\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n",
	      out);
}
