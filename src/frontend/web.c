/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The web server (see web.h): libmicrohttpd on its internal polling
 * thread, a listening socket bound here (so a busy address fails the start
 * with its errno), dnsdist's authorization rules, and the sampler thread.
 *
 * Authorization, as dnsdist's handleAuthorization(): /metrics and /jsonstat
 * take the API key or the password (statsRequireAuthentication); /api/ takes
 * the API key (apiRequiresAuthentication), and /api/v1/servers/localhost
 * also the password, which is how the dashboard reads it; everything else
 * takes the password (dashboardRequiresAuthentication). Unlike dnsdist, a
 * credential that is not configured never matches: an unset password
 * refuses the dashboard instead of accepting any.
 */
#include "frontend/web.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "frontend/conf.h"
#include "frontend/web_int.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/nmg.h"
#include "lib/sockaddr.h"

/* dnsdist's security headers; a custom header of the same name replaces one. */
static const char *const sec_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "deny" },
	{ "X-Permitted-Cross-Domain-Policies", "none" },
	{ "X-XSS-Protection", "1; mode=block" },
	/* The dashboard is one self-contained page with inline script and style. */
	{ "Content-Security-Policy",
	  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'" },
};

static void refuse_count(struct web *web, enum web_refuse why)
{
	/* Only libmicrohttpd's one thread writes these. */
	STAT_INC(web->refused[why]);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct web *web = cls;
	struct dg_addr a;
	(void)len;
	if (dg_addr_from_sockaddr(&a, sa) == 0 && dg_nmg_match(&web->src.conf->web.acl, &a, NULL))
		return MHD_YES;
	refuse_count(web, WEB_REFUSE_ACL);
	return MHD_NO;
}

static bool has_custom(const struct fe_webconf *wc, const char *name)
{
	for (int i = 0; i < wc->nheaders; i++)
		if (strcasecmp(wc->headers[i].name, name) == 0)
			return true;
	return false;
}

static void add_headers(const struct web *web, struct MHD_Response *r, const char *ctype)
{
	const struct fe_webconf *wc = &web->src.conf->web;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Server", "dnsgate");
	for (size_t i = 0; i < DG_ARRAY_SIZE(sec_headers); i++)
		if (!has_custom(wc, sec_headers[i][0]))
			MHD_add_response_header(r, sec_headers[i][0], sec_headers[i][1]);
	for (int i = 0; i < wc->nheaders; i++)
		if (wc->headers[i].value[0] != '\0')
			MHD_add_response_header(r, wc->headers[i].name, wc->headers[i].value);
}

/* Queues body (taken: freed by libmicrohttpd) with status. */
static enum MHD_Result reply(struct web *web, struct MHD_Connection *c, unsigned status,
			     const char *ctype, char *body, size_t len)
{
	if (body == NULL)
		return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	add_headers(web, r, ctype);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	STAT_INC(web->requests);
	return ret;
}

static enum MHD_Result reply_text(struct web *web, struct MHD_Connection *c, unsigned status,
				  const char *text)
{
	return reply(web, c, status, "text/plain; charset=utf-8", strdup(text), strlen(text));
}

/* The password from an Authorization: Basic header (the user is ignored, as dnsdist). */
static bool password_ok(const struct web *web, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	bool ok = pass != NULL && webcred_matches(&web->password, pass, strlen(pass));
	if (user != NULL)
		MHD_free(user);
	if (pass != NULL)
		MHD_free(pass);
	return ok;
}

static bool apikey_ok(const struct web *web, struct MHD_Connection *c)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
	return key != NULL && webcred_matches(&web->api_key, key, strlen(key));
}

enum web_route { R_DASHBOARD, R_METRICS, R_JSONSTAT, R_API_SERVERS, R_API_OTHER, R_NONE };

static enum web_route route_of(const char *url)
{
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return R_DASHBOARD;
	if (strcmp(url, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(url, "/jsonstat") == 0)
		return R_JSONSTAT;
	if (strcmp(url, "/api/v1/servers/localhost") == 0)
		return R_API_SERVERS;
	if (strncmp(url, "/api/", 5) == 0)
		return R_API_OTHER;
	return R_NONE;
}

/* dnsdist's rules (see the file comment); on refusal, the reason counted. */
static bool authorized(struct web *web, struct MHD_Connection *c, enum web_route rt,
		       enum web_refuse *why)
{
	const struct fe_webconf *wc = &web->src.conf->web;
	bool has_auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL;
	switch (rt) {
	case R_METRICS:
	case R_JSONSTAT:
		*why = has_auth ? WEB_REFUSE_PASSWORD : WEB_REFUSE_APIKEY;
		return !wc->stats_require_auth || apikey_ok(web, c) ||
		       (has_auth && password_ok(web, c));
	case R_API_SERVERS:
	case R_API_OTHER:
		*why = has_auth && rt == R_API_SERVERS ? WEB_REFUSE_PASSWORD : WEB_REFUSE_APIKEY;
		if (!wc->api_requires_auth || apikey_ok(web, c))
			return true;
		return rt == R_API_SERVERS && has_auth &&
		       (!wc->dashboard_requires_auth || password_ok(web, c));
	default:
		*why = WEB_REFUSE_PASSWORD;
		return !wc->dashboard_requires_auth || password_ok(web, c);
	}
}

static enum MHD_Result refuse(struct web *web, struct MHD_Connection *c, enum web_refuse why)
{
	refuse_count(web, why);
	static const char body[] = "Unauthorized\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	add_headers(web, r, "text/plain; charset=utf-8");
	/* The browser asks for the password only where a password helps. */
	enum MHD_Result ret = why == WEB_REFUSE_PASSWORD || why == WEB_REFUSE_APIKEY
				      ? MHD_queue_basic_auth_fail_response(c, "dnsgate", r)
				      : MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	STAT_INC(web->requests);
	return ret;
}

static enum MHD_Result serve(struct web *web, struct MHD_Connection *c, enum web_route rt)
{
	if (rt == R_DASHBOARD) {
		char *page = malloc(web_dashboard_html_len + 1);
		if (page != NULL)
			memcpy(page, web_dashboard_html, web_dashboard_html_len);
		return reply(web, c, MHD_HTTP_OK, "text/html; charset=utf-8", page,
			     web_dashboard_html_len);
	}
	if (rt == R_JSONSTAT) {
		const char *cmd = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "command");
		if (cmd == NULL || strcmp(cmd, "stats") != 0)
			return reply_text(web, c, MHD_HTTP_NOT_FOUND, "Not Found\n");
	}
	if (rt == R_API_OTHER || rt == R_NONE)
		return reply_text(web, c, MHD_HTTP_NOT_FOUND, "Not Found\n");

	struct web_snap s;
	if (web_snap_init(&s, web->src.conf->nbackends) < 0)
		return MHD_NO;
	web_snap_get(web, &s);
	enum MHD_Result ret;
	if (rt == R_METRICS) {
		struct webbuf b = { 0 };
		webmetrics_render(web, &s, &b);
		if (b.oom)
			webbuf_free(&b);
		ret = reply(web, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	} else {
		char *json = rt == R_JSONSTAT ? webapi_jsonstat(web, &s) : webapi_servers(web, &s);
		ret = reply(web, c, MHD_HTTP_OK, "application/json", json, json ? strlen(json) : 0);
	}
	web_snap_free(&s);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct web *web = cls;
	(void)version;
	(void)upload;
	/* The first call only announces the headers; answer on the second,
	 * once any body has been read (and ignored). */
	if (*req_cls == NULL) {
		*req_cls = web;
		return MHD_YES;
	}
	*upload_size = 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(web, c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n");
	enum web_route rt = route_of(url);
	enum web_refuse why;
	if (rt != R_NONE && !authorized(web, c, rt, &why))
		return refuse(web, c, why);
	return serve(web, c, rt);
}

/* libmicrohttpd's error logger: its fmt is a printf format (clang's
 * -Wformat-nonliteral needs the attribute to accept vsnprintf on it). */
DG_PRINTF(2, 0) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	dg_log(LOG_WARNING, "web", "%s", line);
}

static void *sampler_main(void *arg)
{
	struct web *web = arg;
	pthread_mutex_lock(&web->lock);
	while (!web->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&web->cond, &web->lock, &ts);
		if (web->stop)
			break;
		pthread_mutex_unlock(&web->lock);
		web_sample(web, dg_clock_now_us());
		pthread_mutex_lock(&web->lock);
	}
	pthread_mutex_unlock(&web->lock);
	return NULL;
}

/* Binds and listens on addr; returns the socket or -errno (logged). */
static int web_listen(const char *text, const union dg_sockaddr *sa)
{
	socklen_t len = sa->sa.sa_family == AF_INET6 ? sizeof(sa->in6) : sizeof(sa->in);
	int fd = socket(sa->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, ret;
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, &sa->sa, len) < 0 || listen(fd, 64) < 0) {
		ret = -errno;
		close(fd);
		dg_log(LOG_ERR, "web", "cannot listen on %s (tcp): %s", text, dg_strerror(ret));
		return ret;
	}
	return fd;
}

static int web_creds(struct web *web)
{
	const struct fe_webconf *wc = &web->src.conf->web;
	int ret = webcred_init(&web->password, wc->password, wc->hash_plaintext);
	if (ret == DG_OK)
		ret = webcred_init(&web->api_key, wc->api_key, wc->hash_plaintext);
	if (ret < 0)
		dg_log(LOG_ERR, "web", "setWebserverConfig: %s", dg_strerror(ret));
	return ret;
}

static int web_alloc(struct web **out, const struct web_src *src)
{
	struct web *web = calloc(1, sizeof(*web));
	if (web == NULL)
		return DG_ENOMEM;
	*out = web;
	web->src = *src;
	pthread_mutex_init(&web->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&web->cond, &ca);
	pthread_condattr_destroy(&ca);
	int nbe = src->conf->nbackends;
	if (web_snap_init(&web->snap, nbe) < 0)
		return DG_ENOMEM;
	web->prev.be = calloc((size_t)nbe + 1, sizeof(*web->prev.be));
	web->cur.be = calloc((size_t)nbe + 1, sizeof(*web->cur.be));
	web->prev.nbe = web->cur.nbe = nbe;
	if (web->prev.be == NULL || web->cur.be == NULL)
		return DG_ENOMEM;
	web->snap.start_us = dg_clock_now_us();
	web_sample(web, web->snap.start_us);
	return DG_OK;
}

static int web_open(struct web *web)
{
	const struct fe_conf *conf = web->src.conf;
	union dg_sockaddr sa;
	int ret = dg_sockaddr_parse(&sa, conf->webserver_addr, 8083);
	if (ret < 0)
		return ret;
	int fd = web_listen(conf->webserver_addr, &sa);
	if (fd < 0)
		return fd;
	web->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
				    on_accept, web, on_request, web, MHD_OPTION_EXTERNAL_LOGGER,
				    mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->web.max_conns,
				    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (web->mhd == NULL) {
		close(fd);
		dg_log(LOG_ERR, "web", "cannot start the HTTP server on %s", conf->webserver_addr);
		return DG_ENOMEM;
	}
	dg_log(LOG_NOTICE, "web", "web server listening on %s", conf->webserver_addr);
	return DG_OK;
}

int web_start(struct web **out, const struct web_src *src)
{
	struct web *web = NULL;
	*out = NULL;
	int ret = web_alloc(&web, src);
	if (ret == DG_OK)
		ret = web_creds(web);
	if (ret == DG_OK) {
		int err = pthread_create(&web->sampler, NULL, sampler_main, web);
		web->sampler_started = err == 0;
		ret = -err;
	}
	if (ret == DG_OK)
		ret = web_open(web);
	if (ret < 0) {
		web_stop(web);
		return ret;
	}
	*out = web;
	return DG_OK;
}

void web_stop(struct web *web)
{
	if (web == NULL)
		return;
	if (web->mhd != NULL)
		MHD_stop_daemon(web->mhd); /* closes the listening socket too */
	if (web->sampler_started) {
		pthread_mutex_lock(&web->lock);
		web->stop = true;
		pthread_cond_signal(&web->cond);
		pthread_mutex_unlock(&web->lock);
		pthread_join(web->sampler, NULL);
	}
	webcred_clear(&web->password);
	webcred_clear(&web->api_key);
	web_snap_free(&web->snap);
	free(web->prev.be);
	free(web->cur.be);
	pthread_cond_destroy(&web->cond);
	pthread_mutex_destroy(&web->lock);
	free(web);
}
