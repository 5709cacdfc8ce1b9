/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The console client (see console_client.h).
 *
 * Line editing: GNU readline (Debian's libreadline-dev), not libedit.
 * dnsdist links libedit's readline emulation; readline itself is the
 * reference of that API, is GPL-3.0-or-later like dnsgate (so linking it is
 * fine), was already installed on the build hosts, and its history file
 * handling (read_history/append_history) saves us the code dnsdist writes
 * by hand.
 */
#include "frontend/console_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "lib/err.h"
#include "lib/sockaddr.h"

/* --- client-mode configuration ------------------------------------------ */

#define CC_TARGET_KEY "dnsgate.cc.target"

static struct cc_target *cc_target_of(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, CC_TARGET_KEY);
	struct cc_target *t = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return t;
}

static int cc_controlSocket(lua_State *L)
{
	struct cc_target *t = cc_target_of(L);
	snprintf(t->addr, sizeof(t->addr), "%s", luaL_checkstring(L, 1));
	return 0;
}

static int cc_setKey(lua_State *L)
{
	struct cc_target *t = cc_target_of(L);
	snprintf(t->key, sizeof(t->key), "%s", luaL_checkstring(L, 1));
	return 0;
}

/* The "sink": what every other global is in client mode. Calling it,
 * indexing it or calling a method on it gives the sink again, so lines
 * such as getPool("x"):setCache(newPacketCache(100)) run and do nothing. */
static int cc_sink_self(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, "dnsgate.cc.sink");
	return 1;
}

static void cc_make_sink(lua_State *L)
{
	lua_newtable(L);                 /* the sink */
	lua_newtable(L);                 /* its metatable */
	lua_pushcfunction(L, cc_sink_self);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, cc_sink_self);
	lua_setfield(L, -2, "__call");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, "dnsgate.cc.sink");
	/* unknown globals read as the sink */
	lua_pushglobaltable(L);
	lua_newtable(L);
	lua_pushcfunction(L, cc_sink_self);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}

int cc_read_config(const char *file, struct cc_target *t, char *err, size_t errsz)
{
	if (file == NULL || access(file, R_OK) != 0)
		return 0; /* dnsdist's client also runs without a file */
	lua_State *L = luaL_newstate();
	if (L == NULL) {
		snprintf(err, errsz, "%s: out of memory", file);
		return DG_ECONFIG;
	}
	luaL_openlibs(L);
	lua_pushlightuserdata(L, t);
	lua_setfield(L, LUA_REGISTRYINDEX, CC_TARGET_KEY);
	cc_make_sink(L);
	lua_register(L, "controlSocket", cc_controlSocket);
	lua_register(L, "setKey", cc_setKey);
	int ret = luaL_loadfilex(L, file, "t");
	if (ret == LUA_OK)
		ret = lua_pcall(L, 0, 0, 0);
	if (ret != LUA_OK)
		snprintf(err, errsz, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "Lua error");
	lua_close(L);
	return ret == LUA_OK ? 0 : DG_ECONFIG;
}

/* --- the connection ----------------------------------------------------- */

static int cc_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cc_read_all(int fd, uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one message and reads the answer into *out (malloc'ed, NUL-terminated). */
static int cc_exchange(int fd, struct cp_session *s, const char *msg, char **out, size_t *outlen)
{
	size_t len = strlen(msg);
	uint8_t *ct = malloc(len + CP_MAC_LEN + CP_LEN_BYTES);
	if (ct == NULL)
		return DG_ENOMEM;
	int n = cp_seal(s, (const uint8_t *)msg, len, ct + CP_LEN_BYTES, len + CP_MAC_LEN);
	cp_put_len(ct, (uint32_t)n);
	int ret = n < 0 ? n : cc_write_all(fd, ct, (size_t)n + CP_LEN_BYTES);
	free(ct);
	uint8_t hdr[CP_LEN_BYTES];
	if (ret == 0)
		ret = cc_read_all(fd, hdr, sizeof(hdr));
	if (ret < 0)
		return ret;
	uint32_t rlen = cp_get_len(hdr);
	uint8_t *buf = malloc((size_t)rlen + 1);
	if (buf == NULL)
		return DG_ENOMEM;
	ret = cc_read_all(fd, buf, rlen);
	/* a length of 0 is an empty, unencrypted answer (the ack of an empty message) */
	if (ret == 0)
		ret = rlen == 0 ? 0 : cp_open(s, buf, rlen, buf, rlen);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[ret] = '\0';
	*out = (char *)buf;
	*outlen = (size_t)ret;
	return 0;
}

/* Connects and exchanges nonces; -errno or a DG_E* code on failure. */
static int cc_connect(const struct cc_target *t, struct cp_session *s)
{
	union dg_sockaddr sa;
	uint8_t key[CP_KEY_LEN];
	int ret = dg_sockaddr_parse(&sa, t->addr, CC_DEFAULT_PORT);
	if (ret < 0)
		return ret;
	ret = cp_key_decode(t->key, key);
	if (ret < 0)
		return ret;
	if ((ret = cp_init()) < 0)
		return ret;
	int fd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct cp_nonce ours, theirs;
	cp_nonce_random(&ours);
	if (connect(fd, &sa.sa, dg_sockaddr_len(&sa)) < 0)
		ret = -errno;
	if (ret == 0)
		ret = cc_write_all(fd, ours.v, sizeof(ours.v));
	if (ret == 0)
		ret = cc_read_all(fd, theirs.v, sizeof(theirs.v));
	if (ret < 0) {
		close(fd);
		return ret;
	}
	cp_session_init(s, key, &ours, &theirs);
	return fd;
}

/* The user's history file, as dnsdist's ~/.dnsdist_history. */
static void cc_history_path(char *out, size_t outsz)
{
	const char *home = getenv("HOME");
	snprintf(out, outsz, "%s/.dnsgate_history", home && *home ? home : ".");
}

static int cc_interactive(int fd, struct cp_session *s)
{
	char hist[4096], *prev = NULL;
	cc_history_path(hist, sizeof(hist));
	using_history();
	/* append_history() only appends to an existing file: create it once */
	if (read_history(hist) != 0)
		(void)write_history(hist);
	int status = 0;
	for (;;) {
		char *line = readline("> ");
		if (line == NULL)
			break;
		if (line[0] != '\0' && (prev == NULL || strcmp(prev, line) != 0)) {
			add_history(line);
			(void)append_history(1, hist);
		}
		free(prev);
		prev = line;
		if (strcmp(line, "quit") == 0)
			break;
		if (line[0] == '\0')
			continue; /* no need to send an empty line */
		char *out = NULL;
		size_t len = 0;
		if (cc_exchange(fd, s, line, &out, &len) < 0) {
			printf("Connection closed by the server.\n");
			status = 1;
			break;
		}
		fwrite(out, 1, len, stdout);
		fflush(stdout);
		free(out);
	}
	free(prev);
	return status;
}

static void cc_explain(const struct cc_target *t, int err)
{
	if (err == DG_ECONSOLE_KEY)
		fprintf(stderr, "dnsgate: no valid console key: set one with setKey() in the "
			"configuration (-C) or with -k\n");
	else
		fprintf(stderr, "dnsgate: cannot reach the console at %s: %s\n", t->addr,
			dg_strerror(err));
}

int cc_run(const struct cc_target *t, const char *command)
{
	struct cp_session s;
	int fd = cc_connect(t, &s);
	if (fd < 0) {
		cc_explain(t, fd);
		return 1;
	}
	/* dnsdist 1.7's check: an empty message comes back empty unless the
	 * server could not open it (wrong key) and hung up */
	char *out = NULL;
	size_t len = 0;
	int status = 0;
	if (cc_exchange(fd, &s, "", &out, &len) < 0) {
		fprintf(stderr, "The server closed the connection right away, likely indicating a key "
			"mismatch. Please check your setKey() directive.\n");
		status = 1;
	} else if (command != NULL) {
		free(out);
		out = NULL;
		if (cc_exchange(fd, &s, command, &out, &len) < 0) {
			printf("Connection closed by the server.\n");
			status = 1;
		} else {
			fwrite(out, 1, len, stdout);
			fflush(stdout);
		}
	} else {
		status = cc_interactive(fd, &s);
	}
	free(out);
	close(fd);
	return status;
}
