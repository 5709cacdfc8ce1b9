/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The frontend daemon's run loop: binds every listener, starts the worker
 * threads and the control thread (health checks), waits for SIGINT or
 * SIGTERM, and stops everything cleanly (workers leave their loops, threads
 * are joined, sockets closed). main.c only parses the command line, loads
 * the configuration and calls daemon_run().
 */
#pragma once

#include "lib/compiler.h"

struct fe_conf;

/**
 * Runs the frontend described by conf until SIGINT/SIGTERM (or
 * daemon_request_stop()). Applies dnsdist's default ACL when none was set.
 * Workers: conf->workers, or one per online CPU when 0. Blocks SIGINT and
 * SIGTERM in the calling thread while it runs (they are waited for with
 * sigtimedwait) and restores the mask before returning. Borrows conf for
 * the whole run. Call from the main thread.
 * @retval 0 after a clean stop.
 * @retval -errno (e.g. -EADDRINUSE) when a listener cannot be bound; the
 *         log names the address and protocol.
 * @retval DG_ENOMEM, or another -errno when a thread or socket cannot be
 *         created.
 */
DG_MUSTCHECK int daemon_run(struct fe_conf *conf);

/** Makes a running daemon_run() stop as if it got SIGTERM. Any thread. */
void daemon_request_stop(void);
