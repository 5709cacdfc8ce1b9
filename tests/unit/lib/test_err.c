/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests err.c: names, messages and reverse lookup come from one list.
 */
#include <string.h>

#include "lib/err.h"
#include "tap.h"

int main(void)
{
	is_str("DG_OK", dg_errname(DG_OK), "DG_OK has its name");
	is_str("DG_EPTR_FORWARD", dg_errname(DG_EPTR_FORWARD), "own code has its name");
	is_str("DG_ENOMEM", dg_errname(DG_ENOMEM), "errno-mapped code has its name");
	is_str("DG_E?", dg_errname(12345), "unknown code has a placeholder name");
	is_str("compression pointer points forward", dg_strerror(DG_EPTR_FORWARD),
	       "own code has its message");
	ok(strlen(dg_strerror(-EPIPE)) > 0, "plain -errno falls back to strerror");
	is_int(DG_ETRAILING, dg_err_from_name("DG_ETRAILING"), "name maps back to code");
	is_int(DG_EINVAL, dg_err_from_name("DG_NOPE"), "unknown name is DG_EINVAL");
	ok(DG_E_BASE < -200 && DG_ELABEL_LONG == DG_E_BASE + 1, "own codes start at DG_E_BASE+1");

	/* Every own code: distinct name, non-empty message, round-trips. */
	int bad = 0;
	for (int e = DG_E_BASE + 1; e < DG_E_END; e++) {
		if (dg_err_from_name(dg_errname(e)) != e || strlen(dg_strerror(e)) == 0)
			bad++;
	}
	is_int(0, bad, "all %d own codes round-trip", DG_E_END - DG_E_BASE - 1);
	return tap_done();
}
