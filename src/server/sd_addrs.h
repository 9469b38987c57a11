/*
 * sd_addrs.h: the server's own addresses, every interface, IPv4 and IPv6,
 * for the status the dashboard and the control socket show.
 */
#ifndef SD_ADDRS_H
#define SD_ADDRS_H

#include <stddef.h>

struct sd_addr {
	char	 ifname[32];
	char	 addr[64];
	int	 v6;
	int	 loopback;
};

/* Fill up to max entries; returns how many (0 when none could be read). */
size_t sd_addrs_list(struct sd_addr *out, size_t max);

#endif
