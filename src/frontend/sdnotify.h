/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram to the unix socket named by $NOTIFY_SOCKET, so that
 * dist/dnsgate.service can be Type=notify and systemd knows when dnsgate
 * really serves (every listener bound, workers running) and when it is
 * stopping. Nothing happens when the variable is not set. Any thread.
 */
#pragma once

#include "lib/compiler.h"

/**
 * Sends state ("READY=1", "STOPPING=1", "STATUS=...") to the service
 * manager. @retval 1 sent, 0 no $NOTIFY_SOCKET (not under systemd),
 * -errno or DG_EINVAL (unusable socket name) on failure.
 */
int sdnotify(const char *state);
