/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsgate, the frontend: parse the command line, load the configuration,
 * and hand it to the data plane (daemon.c). Thin on purpose: everything
 * else lives in libfrontend.a, where tests can reach it.
 */
#include <stdlib.h>

#include "frontend/cli.h"
#include "frontend/conf.h"
#include "frontend/console.h"
#include "frontend/console_client.h"
#include "frontend/config/cfg.h"
#include "frontend/daemon.h"
#include "frontend/version.h"
#include "frontend/vrrpctl.h"
#include "lib/log.h"


/* Builds the configuration from the file and the command line, or explains why not. */
static struct fe_conf *main_load(const struct cli *cli, const char **file)
{
	char err[2048] = "";
	struct fe_conf *conf = fe_conf_new();

	*file = cli_config_file(cli);
	if (cli_apply_pre(cli, conf, err, sizeof(err)) < 0)
		goto fail;
	if (*file && cfg_load_file(conf, *file, err, sizeof(err)) < 0)
		goto fail;
	if (cli_apply_post(cli, conf, err, sizeof(err)) < 0)
		goto fail;
	/* The listeners are final only now: a VIP no listener serves is an error. */
	if (vrrpctl_lint(conf, err, sizeof(err)) < 0)
		goto fail;
	return conf;

fail:
	fprintf(stderr, "dnsgate: %s\n", err);
	fe_conf_free(conf);
	return NULL;
}

/*
 * `dnsgate -c`: the console client. The address is the positional
 * argument, else the file's controlSocket(); the key -k, else the file's
 * setKey() (the file is read in client mode: console_client.h).
 */
static int main_client(const struct cli *cli)
{
	struct cc_target t = { .addr = "127.0.0.1:5199" };
	char err[1024] = "";
	const char *file = cli->config ? cli->config : CLI_DEFAULT_CONFIG;
	if (cc_read_config(file, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsgate: %s\n", err);
		return EXIT_FAILURE;
	}
	if (cli->nbackends > 0)
		snprintf(t.addr, sizeof(t.addr), "%s", cli->backends[0]);
	if (cli->setkey)
		snprintf(t.key, sizeof(t.key), "%s", cli->setkey);
	return cc_run(&t, cli->execute) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct cli cli;
	char err[256] = "";
	const char *file = NULL;
	int status = EXIT_FAILURE;

	if (cli_parse(&cli, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsgate: %s\n", err[0] ? err : "out of memory");
		cli_usage(stderr);
		goto out;
	}
	if (cli.help || cli.version) {
		if (cli.help)
			cli_usage(stdout);
		else
			printf("dnsgate %s\n", DNSGATE_VERSION);
		status = EXIT_SUCCESS;
		goto out;
	}
	if (cli.list_functions) {
		status = cfg_list_functions(stdout, console_fns) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
		goto out;
	}
	if (cli.client) {
		status = main_client(&cli);
		goto out;
	}
	/* Foreground: stderr, which a supervisor (systemd) collects as well. */
	dg_log_open("dnsgate", false, cli.verbose ? LOG_DEBUG : LOG_INFO);
	struct fe_conf *conf = main_load(&cli, &file);
	if (!conf)
		goto out;
	if (cli.check_config) {
		/* dnsdist's exact line, which scripts grep for; nothing was bound. */
		printf("Configuration '%s' OK!\n", file ? file : "(command line)");
		status = EXIT_SUCCESS;
	} else {
		status = daemon_run(conf) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	fe_conf_free(conf);
out:
	cli_free(&cli);
	return status;
}
