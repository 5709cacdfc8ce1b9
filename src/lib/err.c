/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Names and messages for the codes in err.h, generated from the same list.
 */
#include <string.h>

#include "lib/err.h"

struct err_row {
	int code;
	const char *name;
	const char *msg;
};

static const struct err_row err_rows[] = {
	{ DG_OK, "DG_OK", "success" },
	{ DG_ENOMEM, "DG_ENOMEM", "out of memory" },
	{ DG_EINVAL, "DG_EINVAL", "invalid argument" },
	{ DG_EAGAIN, "DG_EAGAIN", "try again" },
#define DG_ERR_ROW(n, m) { n, #n, m },
	DG_ERRORS(DG_ERR_ROW)
#undef DG_ERR_ROW
};

static const struct err_row *err_find(int err)
{
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++)
		if (err_rows[i].code == err)
			return &err_rows[i];
	return NULL;
}

const char *dg_strerror(int err)
{
	const struct err_row *row = err_find(err);
	if (row != NULL)
		return row->msg;
	if (err < 0 && err > DG_E_BASE)
		return strerror(-err);
	return "unknown error";
}

const char *dg_errname(int err)
{
	const struct err_row *row = err_find(err);
	return row != NULL ? row->name : "DG_E?";
}

int dg_err_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++)
		if (strcmp(err_rows[i].name, name) == 0)
			return err_rows[i].code;
	return DG_EINVAL;
}
