/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * `dnsgate -c`: the console client, which talks dnsdist's console protocol
 * (console_proto.h) to a dnsgate or a dnsdist. As dnsdist's client it reads
 * the configuration file in "client mode": only controlSocket() and
 * setKey() take effect, every other function is accepted and does nothing,
 * so the server's own file can be used as is. With -e it runs one command
 * and exits; otherwise it is an interactive console with line editing and
 * history (GNU readline, ~/.dnsgate_history). Main thread of the client
 * process only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "frontend/console_proto.h"
#include "lib/compiler.h"

/* Default console port, as dnsdist's. */
#define CC_DEFAULT_PORT 5199

/* Where to connect and with which key. */
struct cc_target {
	char addr[128];             /* "ip:port"; default 127.0.0.1:5199 */
	char key[CP_KEY_TXT_LEN + 8]; /* base64 text; empty: none set */
};

/**
 * Reads controlSocket() and setKey() from the Lua file (client mode: every
 * other function is a no-op) into t, keeping t's values for what the file
 * does not set. A missing file is not an error (defaults stay).
 * @retval 0, DG_ECONFIG (a Lua error; err says where).
 */
DG_MUSTCHECK int cc_read_config(const char *file, struct cc_target *t, char *err, size_t errsz);

/**
 * Connects to t and runs command (then exits), or, when command is NULL,
 * runs the interactive console until "quit" or end of input. Output goes
 * to stdout, problems to stderr.
 * @return the process exit status (0 when the session worked).
 */
int cc_run(const struct cc_target *t, const char *command);
