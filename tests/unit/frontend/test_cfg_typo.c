/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The typographic-character pre-scan: “ ” ‘ ’ – — in code positions are
 * reported with the line and the character; in comments and strings they
 * are data. The guide's keepalived block, pasted as it was printed, is the
 * real-world case.
 */
#include "tap.h"

#include <stdio.h>
#include <string.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/cfg_typo.h"
#include "lib/err.h"

static char err[1024];

static int scan(const char *text)
{
	err[0] = '\0';
	return cfg_typo_scan(text, strlen(text), "t.conf", err, sizeof(err));
}

static void test_reported(void)
{
	is_err(DG_ECONFIG, scan("setLocal(\u201c0.0.0.0:53\u201d)\n"), "curly double quote");
	is_str("t.conf:1: typographic quote \u201c (U+201C) where Lua needs \" \u2014 text copied "
	       "from a web page or a word processor (the guide's blocks were printed with them)",
	       err, "names the line, the character and the fix");
	is_err(DG_ECONFIG, scan("\n\nnewServer{address=\u20181.2.3.4\u2019}\n"), "curly single quote");
	ok(strncmp(err, "t.conf:3: typographic quote \u2018 (U+2018) where Lua needs '", 58) == 0,
	   "line 3, U+2018: %s", err);
	is_err(DG_ECONFIG, scan("x = 1 \u2013 2\n"), "en dash");
	ok(strstr(err, "t.conf:1: en dash \u2013 (U+2013) where Lua needs - (or -- before a comment)")
	   == err, "%s", err);
	is_err(DG_ECONFIG, scan("x = 1\n\u2014 comment\n"), "em dash for --");
	ok(strstr(err, "t.conf:2: em dash \u2014 (U+2014)") == err, "%s", err);
	/* The guide's MASTER block collapsed on one line: the first is reported. */
	is_err(DG_ECONFIG, scan("global_defs { router_id LAB_DD1 } vrrp_script chk_dnsdist { script "
				"\u201csystemctl is-active \u2013quiet dnsdist\u201d interval 2 }\n"),
	       "the guide's keepalived line");
	ok(strstr(err, "U+201C") != NULL, "its opening quote first: %s", err);
	is_err(DG_ECONFIG, scan("s = \"a\\\"b\" t = \u201d\n"), "after an escaped quote");
	is_err(DG_ECONFIG, scan("s = 'unfinished\nt = \u2019\n"), "a newline ends a short string");
	ok(strncmp(err, "t.conf:2:", 9) == 0, "line 2: %s", err);
}

static void test_left_alone(void)
{
	is_err(DG_OK, scan("-- \u201cquoted\u201d \u2013 in a comment\nx = 1\n"), "line comment");
	is_err(DG_OK, scan("--[[ \u201c\n\u2014 ]] x = 1\n"), "long comment");
	is_err(DG_OK, scan("--[==[ ]] \u201c ]=] ]==] x = 1\n"), "long comment of level 2");
	is_err(DG_OK, scan("print(\"\u201cok\u201d\") print('\u2018ok\u2019')\n"), "short strings");
	is_err(DG_OK, scan("x = [[\u201c]] y = [=[ ]] \u2013 ]=]\n"), "long strings");
	is_err(DG_OK, scan("#!/usr/bin/dnsgate \u2013\nx = 1\n"), "a first line starting with #");
	is_err(DG_OK, scan("x = 'caf\u00e9' -- other UTF-8 is fine\ny = 2 - 1\n"), "plain ASCII code");
	is_err(DG_ECONFIG, scan("--[[ \u201c ]] x = \u201c\n"), "code after a long comment is scanned");
}

static void test_loader(void)
{
	struct fe_conf *conf = fe_conf_new();
	char lerr[1024] = "";
	is_err(DG_ECONFIG, cfg_load_string(conf, "g.conf", "setLocal(\"0.0.0.0:53\")\n"
					   "newServer({address=\u201c127.0.0.1:5301\u201d})\n",
					   lerr, sizeof(lerr)),
	       "the loader runs the scan");
	ok(strstr(lerr, "g.conf:2: typographic quote \u201c (U+201C)") == lerr, "%s", lerr);
	fe_conf_free(conf);

	const char *path = "/tmp/dnsgate-test-typo.conf";
	FILE *f = fopen(path, "w");
	if (f != NULL) {
		fputs("-- \u201cfine\u201d\nsetLocal(\"127.0.0.1:53\") \u2013 no\n", f);
		fclose(f);
		conf = fe_conf_new();
		is_err(DG_ECONFIG, cfg_load_file(conf, path, lerr, sizeof(lerr)), "a file too");
		ok(strstr(lerr, "dnsgate-test-typo.conf:2: en dash \u2013 (U+2013)") != NULL, "%s", lerr);
		fe_conf_free(conf);
		remove(path);
	}
}

int main(void)
{
	test_reported();
	test_left_alone();
	test_loader();
	return tap_done();
}
