// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MTU of the route to an IKE peer, for RFC 7383's fragment size: a
 * UDP socket connected to the peer (connecting sends nothing) is given
 * the route, and IP_MTU / IPV6_MTU report its MTU -- the outgoing
 * interface's, or the route's own mtu, or a learned path MTU.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "frag.h"

unsigned int ike_path_mtu(const struct ike_path *path)
{
	int fam = path->remote.ss_family, fd, mtu = 0;
	socklen_t alen = fam == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
	socklen_t olen = sizeof(mtu);

	if (fam != AF_INET && fam != AF_INET6)
		return 0;
	fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)&path->remote, alen) ||
	    getsockopt(fd, fam == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			fam == AF_INET6 ? IPV6_MTU : IP_MTU, &mtu, &olen) ||
	    mtu < 0)
		mtu = 0;
	close(fd);
	return (unsigned int)mtu;
}
