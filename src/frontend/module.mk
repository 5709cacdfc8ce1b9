# dnsgate, the frontend: main.c is thin; everything else is libfrontend.a so
# unit tests and fuzzers link the real daemon code.
FE_SRCS := $(filter-out src/frontend/main.c,$(wildcard src/frontend/*.c src/frontend/config/*.c))
FE_OBJS := $(FE_SRCS:%.c=$(B)/%.o)
LIBFE   := $(B)/libfrontend.a
DNSGATE := $(B)/dnsgate
ALL_OBJS += $(FE_OBJS) $(B)/src/frontend/main.o
ifneq ($(wildcard src/frontend/main.c),)
BINS     += $(DNSGATE)
endif

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
$(FE_OBJS) $(B)/src/frontend/main.o: CPPFLAGS += $(LUA_CFLAGS)

# The web server: libmicrohttpd for HTTP, jansson for JSON, libsodium for
# its credentials.
WEB_PKGS   := libmicrohttpd jansson libsodium
WEB_CFLAGS := $(shell pkg-config --cflags $(WEB_PKGS) 2>/dev/null)
WEB_LIBS   := $(shell pkg-config --libs $(WEB_PKGS) 2>/dev/null || echo -lmicrohttpd -ljansson -lsodium)
$(FE_OBJS): CPPFLAGS += $(WEB_CFLAGS)

# The dashboard stays a real HTML file for review; the build embeds it as a
# C array (xxd -i) in libfrontend.a.
WEB_DASH     := src/frontend/web/dashboard.html
WEB_DASH_C   := $(B)/gen/dashboard_html.c
WEB_DASH_OBJ := $(B)/gen/dashboard_html.o
FE_OBJS      += $(WEB_DASH_OBJ)
$(WEB_DASH_C): $(WEB_DASH)
	@mkdir -p $(@D)
	{ echo '#include "frontend/web.h"'; xxd -i -n web_dashboard_html $< | sed 's/^unsigned/const unsigned/'; } > $@.tmp
	mv $@.tmp $@
$(WEB_DASH_OBJ): $(WEB_DASH_C) src/frontend/web.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS.$(VARIANT)) -c -o $@ $<

ifneq ($(FE_SRCS),)
DAEMON_LIBS   += $(LIBFE)
endif
# libsodium: the console's secret-box encryption; liburcu: RCU-published
# rules and ACL; readline: the interactive `dnsgate -c` console.
CONSOLE_LIBS := $(shell pkg-config --libs libsodium liburcu 2>/dev/null || echo -lsodium -lurcu -lurcu-common) -lreadline
DAEMON_LDLIBS += $(LUA_LIBS) $(CONSOLE_LIBS) $(WEB_LIBS) -lpthread -lm

$(LIBFE): $(FE_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# libvrrp.a is included after this file, so its name is spelt out here.
$(DNSGATE): $(B)/src/frontend/main.o $(LIBFE) $(B)/libvrrp.a $(LIBDG)
	$(CC) $(LDFLAGS.$(VARIANT)) -o $@ $< $(LIBFE) $(LIBVRRP) $(LIBDG) $(DAEMON_LDLIBS)
