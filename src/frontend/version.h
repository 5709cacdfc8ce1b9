/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The version dnsgate reports (--version, showVersion(), the web API and
 * dnsdist_info), defined once.
 */
#pragma once

#ifndef DNSGATE_VERSION
#define DNSGATE_VERSION "0.1"
#endif
