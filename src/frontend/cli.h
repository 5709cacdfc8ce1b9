/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsgate's command line, which is dnsdist's: -C/--config, -l/--local
 * (repeatable), -a/--acl (repeatable), --check-config, --supervised,
 * --disable-syslog, -v/--verbose, -u/--uid, -g/--gid, -h/--help,
 * -V/--version, -c/--client with -e/--execute and -k/--setkey (the console
 * client: then the one positional argument, if any, is the console
 * address), dnsgate's --list-functions, and backend addresses as
 * arguments, so that
 * `dnsgate -l 127.0.0.1:5300 127.0.0.1:53` runs with no file at all.
 *
 * The options combine with the file as in dnsdist: -a replaces the default
 * ACL before the file runs (its addACL() calls add to it), -l replaces the
 * file's listeners, and the backends on the command line are added after
 * the file's, to the default pool. Main thread, boot time only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/compiler.h"

struct fe_conf;

/* Used when neither -C nor a backend address is given. */
#define CLI_DEFAULT_CONFIG "/etc/dnsgate/dnsgate.conf"

struct cli {
	const char *config;        /* -C, borrowed from argv; NULL if not given */
	const char **locals;       /* -l values, borrowed from argv */
	int nlocals;
	const char **acls;         /* -a values */
	int nacls;
	const char **backends;     /* positional arguments */
	int nbackends;
	const char *uid, *gid;     /* -u, -g */
	const char *execute;       /* -e: console command to run (client mode) */
	const char *setkey;        /* -k: console key (client mode) */
	bool check_config, supervised, disable_syslog, verbose, help, version;
	bool client;               /* -c: be a console client, not a server */
	bool list_functions;       /* --list-functions: print the Lua API and exit */
};

/**
 * Parses argv into cli (zeroed first). Pointers borrow argv; the arrays
 * are allocated: release them with cli_free(), also after an error.
 * @retval 0 success.
 * @retval DG_EINVAL unknown option or missing option argument (err says which).
 * @retval DG_ENOMEM.
 */
DG_MUSTCHECK int cli_parse(struct cli *cli, int argc, char **argv, char *err, size_t errsz);

/** Frees what cli_parse() allocated. */
void cli_free(struct cli *cli);

/**
 * The configuration file to load: -C if given, else CLI_DEFAULT_CONFIG
 * unless backends were given on the command line (then none: NULL).
 */
const char *cli_config_file(const struct cli *cli);

/**
 * Applies what must be in place before the file runs: -a replaces the
 * default ACL; -u/-g are recorded in conf.
 * @retval 0, DG_ECONFIG (err says which value is bad).
 */
DG_MUSTCHECK int cli_apply_pre(const struct cli *cli, struct fe_conf *conf, char *err,
			       size_t errsz);

/**
 * Applies what comes after the file: -l replaces the listeners, backend
 * arguments become servers of the default pool, and dnsdist's default
 * listener 127.0.0.1:53 is added when none was configured.
 * @retval 0, DG_ECONFIG (err says which value is bad).
 */
DG_MUSTCHECK int cli_apply_post(const struct cli *cli, struct fe_conf *conf, char *err,
				size_t errsz);

/** Prints the usage text. */
void cli_usage(FILE *out);
