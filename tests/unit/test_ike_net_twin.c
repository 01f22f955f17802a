// SPDX-License-Identifier: GPL-2.0-only
/*
 * net.c's send-only twins (issue #11, item 2) on loopback, with real
 * sockets: every datagram sent to the agent's port reaches the socket the
 * agent reads, never its twin, also after a rebind joined new sockets to
 * the same SO_REUSEPORT group; answers to IKE_SA_INIT leave through the
 * twin (same address and port), everything else through the first socket.
 * Links the whole agent (net.c hands input to the state machine), but
 * feeds it nothing: the test reads the sockets itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shell.h"
#include "wire.h"

#define DATAGRAMS 50

static struct ike_agent agent;
static struct ike_config cfg_v4, cfg_v46;

static const char conf_v4[] =
	"connections {\n"
	" site {\n"
	"  local_addrs = 127.0.0.1\n"
	"  remote_addrs = 127.0.0.2\n"
	"  local { auth = psk }\n"
	"  remote { auth = psk }\n"
	"  children { net { local_ts = 10.1.0.0/24 } }\n"
	" }\n"
	"}\n"
	"secrets { ike { secret = 0x0123456789abcdef0123456789abcdef } }\n";

/* the same, plus an IPv6 connection: a different plan, the same IPv4
 * address and port */
static const char conf_v46[] =
	"connections {\n"
	" site {\n"
	"  local_addrs = 127.0.0.1\n"
	"  remote_addrs = 127.0.0.2\n"
	"  local { auth = psk }\n"
	"  remote { auth = psk }\n"
	"  children { net { local_ts = 10.1.0.0/24 } }\n"
	" }\n"
	" six {\n"
	"  local_addrs = ::1\n"
	"  remote_addrs = ::2\n"
	"  local { auth = psk }\n"
	"  remote { auth = psk }\n"
	"  children { net { local_ts = fd00::/64 } }\n"
	" }\n"
	"}\n"
	"secrets { ike { secret = 0x0123456789abcdef0123456789abcdef } }\n";

static void load(struct ike_config *c, const char *text)
{
	char err[IKE_CONF_ERR_MAX];

	if (ike_config_load_buf("t", text, strlen(text), NULL, c, err, sizeof(err)))
		fail_msg("config: %s", err);
}

/* Datagrams waiting on fd, read and counted. */
static unsigned int drain(int fd)
{
	unsigned int n = 0;
	uint8_t buf[2048];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			return n;
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			return n;
		n++;
	}
}

/* DATAGRAMS from as many client sockets (each its own source port, as
 * many initiators would) to 127.0.0.1:port. */
static void flood(uint16_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (unsigned int i = 0; i < DATAGRAMS; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		assert_true(fd >= 0);
		assert_int_equal(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
		close(fd);
	}
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* In batches the first socket's buffer holds: were any datagram
 * steered to the twin, the first socket would miss it. */
static void assert_steered(uint16_t port)
{
	for (unsigned int i = 0; i < 6; i++) {
		flood(port);
		assert_int_equal(drain(agent.fd4_500), DATAGRAMS);
		assert_int_equal(drain(agent.ufd4_500), 0);
	}
}

static void test_steering(void **state)
{
	char err[256];
	uint16_t port;

	(void)state;
	/* a fixed port so that a rebind joins the same group */
	port = (uint16_t)(20000 + getpid() % 20000);
	ike_net_set_ports(port, (uint16_t)(port + 1));
	ike_net_init(&agent);
	load(&cfg_v4, conf_v4);
	load(&cfg_v46, conf_v46);
	assert_int_equal(ike_net_open(&agent, &cfg_v4, err, sizeof(err)), 0);
	assert_true(agent.ufd4_500 >= 0 && agent.ufd4_4500 >= 0);
	assert_int_equal(bound_port(agent.ufd4_500), port);
	assert_int_equal(bound_port(agent.fd4_500), port);
	assert_steered(port);

	/* a reload with a new plan: new sockets join the group of the old
	 * ones before those close; the new first socket gets everything */
	assert_int_equal(ike_net_open(&agent, &cfg_v46, err, sizeof(err)), 0);
	assert_true(agent.fd6_500 >= 0 && agent.ufd6_500 >= 0);
	assert_steered(port);
	assert_int_equal(ike_net_open(&agent, &cfg_v4, err, sizeof(err)), 0);
	assert_int_equal(agent.fd6_500, -1);
	assert_steered(port);
}

static void test_send_split(void **state)
{
	struct sockaddr_in peer = { .sin_family = AF_INET }, from;
	socklen_t flen = sizeof(from);
	uint8_t msg[IKE_HDR_LEN] = { 0 }, buf[64];
	struct ike_path path;
	uint16_t port = bound_port(agent.fd4_500);
	int pfd, out_before;

	(void)state;
	pfd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(pfd >= 0);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(pfd, (struct sockaddr *)&peer, sizeof(peer)), 0);
	flen = sizeof(peer);
	assert_int_equal(getsockname(pfd, (struct sockaddr *)&peer, &flen), 0);
	memset(&path, 0, sizeof(path));
	memcpy(&path.remote, &peer, sizeof(peer));

	/* an IKE_SA_INIT response: through the twin, from the agent's port */
	msg[IKE_HDR_OFF_EXCH] = IKE_EXCH_IKE_SA_INIT;
	msg[IKE_HDR_OFF_FLAGS] = IKE_FLAG_RESPONSE;
	out_before = (int)agent.counters[IKE_AC_TX_UNVERIFIED];
	assert_int_equal(ike_net_send(&agent, &path, msg, sizeof(msg)), 0);
	assert_int_equal(agent.counters[IKE_AC_TX_UNVERIFIED], out_before + 1);
	flen = sizeof(from);
	assert_int_equal(recvfrom(pfd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
				  &flen), IKE_HDR_LEN);
	assert_int_equal(ntohs(from.sin_port), port);
	/* a request, or any other exchange: the first socket */
	msg[IKE_HDR_OFF_FLAGS] = IKE_FLAG_INITIATOR;
	assert_int_equal(ike_net_send(&agent, &path, msg, sizeof(msg)), 0);
	msg[IKE_HDR_OFF_EXCH] = IKE_EXCH_INFORMATIONAL;
	msg[IKE_HDR_OFF_FLAGS] = IKE_FLAG_RESPONSE;
	assert_int_equal(ike_net_send(&agent, &path, msg, sizeof(msg)), 0);
	assert_int_equal(agent.counters[IKE_AC_TX_UNVERIFIED], out_before + 1);
	assert_int_equal(drain(pfd), 2);
	assert_int_equal(agent.counters[IKE_AC_TX_UNVERIFIED_DROP], 0);
	close(pfd);
	ike_net_close(&agent);
	assert_int_equal(agent.ufd4_500, -1);
	ike_config_free(&cfg_v4);
	ike_config_free(&cfg_v46);
	ike_net_set_ports(IKE_PORT, IKE_NATT_PORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steering),
		cmocka_unit_test(test_send_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
