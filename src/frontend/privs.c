/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Dropping root after binding (see privs.h).
 */
#include "frontend/privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/log.h"

/* A decimal ID ("65534"), as dnsdist accepts besides names. */
static bool parse_id(const char *s, unsigned long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v > 0xfffffffful)
		return false;
	*out = v;
	return true;
}

static int lookup_user(const char *user, uid_t *uid, gid_t *primary)
{
	struct passwd *pw = getpwnam(user);
	unsigned long id;
	if (pw == NULL && parse_id(user, &id))
		pw = getpwuid((uid_t)id);
	if (pw != NULL) {
		*uid = pw->pw_uid;
		*primary = pw->pw_gid;
		return DG_OK;
	}
	if (!parse_id(user, &id)) {
		dg_log(LOG_ERR, "daemon", "cannot run as user '%s': no such user", user);
		return DG_ENOTFOUND;
	}
	*uid = (uid_t)id; /* a bare number need not be in /etc/passwd */
	*primary = (gid_t)id;
	return DG_OK;
}

static int lookup_group(const char *group, gid_t *gid)
{
	struct group *gr = getgrnam(group);
	unsigned long id;
	if (gr != NULL) {
		*gid = gr->gr_gid;
		return DG_OK;
	}
	if (parse_id(group, &id)) {
		*gid = (gid_t)id;
		return DG_OK;
	}
	dg_log(LOG_ERR, "daemon", "cannot run as group '%s': no such group", group);
	return DG_ENOTFOUND;
}

static int fail(const char *what, int err)
{
	dg_log(LOG_ERR, "daemon", "cannot drop privileges: %s: %s", what, dg_strerror(-err));
	return -err;
}

int privs_drop(const char *user, const char *group)
{
	uid_t uid = geteuid();
	gid_t gid = getegid(), primary = gid;
	int ret = DG_OK;
	if (user == NULL && group == NULL)
		return DG_OK;
	if (user != NULL)
		ret = lookup_user(user, &uid, &primary);
	if (ret == DG_OK && group != NULL)
		ret = lookup_group(group, &gid);
	else if (ret == DG_OK)
		gid = primary;
	if (ret < 0)
		return ret;
	/* Only root may change groups; when asked for what we are already,
	 * there is nothing to give up. */
	if (geteuid() != 0 && uid == geteuid() && gid == getegid())
		return DG_OK;
	if (setgroups(1, &gid) < 0)
		return fail("setgroups", errno);
	if (setgid(gid) < 0)
		return fail("setgid", errno);
	if (user != NULL && setuid(uid) < 0)
		return fail("setuid", errno);
	dg_log(LOG_NOTICE, "daemon", "running as uid %lu, gid %lu", (unsigned long)getuid(),
	       (unsigned long)getgid());
	return DG_OK;
}
