/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loopback.c - bring "lo" up in a container's new network namespace, from inside: the child
 * holds CAP_NET_ADMIN over the namespace it created (rootless too, through its user
 * namespace), so no helper process has to fork and join it from outside.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "util/macro.h"

int rt_loopback_up(berth_error *err)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (sk < 0)
		return berr_errno(err, errno, "create a socket to set up the loopback interface");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return berr_errno(err, errno, "read the loopback interface's flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		return berr_errno(err, errno, "bring up the loopback interface");
	return 0;
}
