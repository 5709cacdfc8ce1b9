/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A pre-scan of a Lua configuration for typographic quotes and dashes
 * (“ ” ‘ ’ – —) where Lua needs ASCII ones. Configurations copied from a
 * web page or a word processor carry them (the guide's keepalived block
 * is printed with “ ” and –), and Lua's own message for them ("unexpected
 * symbol near '<\226>'") names neither the character nor the fix. Text in
 * comments and strings is left alone: a typographic quote inside a string
 * is data.
 */
#pragma once

#include <stddef.h>

#include "lib/compiler.h"

/**
 * Scans len bytes of Lua source for a typographic quote or dash outside
 * comments and strings. name labels the message.
 * @retval 0 when there is none.
 * @retval DG_ECONFIG for the first one, with "name:line: typographic quote
 *         “ (U+201C) where Lua needs \" ..." in err.
 */
DG_MUSTCHECK int cfg_typo_scan(const char *text, size_t len, const char *name, char *err,
			       size_t errsz);

/**
 * cfg_typo_scan() of the file at path (read whole, up to 16 MiB), or of
 * text when path is NULL. A file that cannot be read is not an error here:
 * the Lua loader reports it.
 * @retval 0, DG_ECONFIG (err filled as by cfg_typo_scan()).
 */
DG_MUSTCHECK int cfg_typo_check(const char *name, const char *path, const char *text,
				char *err, size_t errsz);
