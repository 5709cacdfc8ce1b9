# libvrrp.a: the VRRP subsystem (packet codec, RFC 5798 state machine,
# netlink/raw-socket I/O, the instance the control thread drives). It uses
# libdnsgate and nothing of the frontend, so its tests run without the data
# plane. Unit tests and daemons link it through DAEMON_LIBS.
VRRP_SRCS := $(wildcard src/vrrp/*.c)
VRRP_OBJS := $(VRRP_SRCS:%.c=$(B)/%.o)
LIBVRRP   := $(B)/libvrrp.a
ALL_OBJS  += $(VRRP_OBJS)
DAEMON_LIBS += $(LIBVRRP)

$(LIBVRRP): $(VRRP_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
