/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Giving up root after binding (dnsdist's -u/--uid and -g/--gid): the
 * daemon binds port 53 as root, then runs as an unprivileged user so that
 * a bug on the query path cannot do more than that user may.
 */
#pragma once

#include "lib/compiler.h"

/**
 * Switches the process to user and group, each a name or a number (NULL:
 * keep). With a user and no group, the user's primary group is taken
 * (dnsdist keeps group 0 then; a root group left behind is what -u is
 * meant to shed). Supplementary groups are dropped first (setgroups),
 * then the group (setgid), then the user (setuid), the only order in which
 * each step is still permitted. Logs the outcome, or why it failed. Call
 * from the main thread after every listener is bound and before worker
 * threads start (setuid then applies to one thread only, cleanly).
 * @retval 0 on success (or nothing asked).
 * @retval DG_ENOTFOUND when the user or group does not exist.
 * @retval -errno (e.g. -EPERM when not started as root).
 */
DG_MUSTCHECK int privs_drop(const char *user, const char *group);
