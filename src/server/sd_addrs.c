/* sd_addrs.c: the host's interface addresses (getifaddrs). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sd_addrs.h"

size_t
sd_addrs_list(struct sd_addr *out, size_t max)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;
	const void *a;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		out[n].v6 = i->ifa_addr->sa_family == AF_INET6;
		if (out[n].v6)
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if (inet_ntop(i->ifa_addr->sa_family, a, out[n].addr,
		    sizeof(out[n].addr)) == NULL)
			continue;
		snprintf(out[n].ifname, sizeof(out[n].ifname), "%s",
		    i->ifa_name);
		out[n].loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
		n++;
	}
	freeifaddrs(ifa);
	return n;
}
