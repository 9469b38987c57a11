/*
 * sd_proxyhdr.h: the PROXY protocol header a load balancer puts before a
 * connection's bytes (haproxy's proxy-protocol.txt), version 1 (a text
 * line) and version 2 (binary), told apart by their first bytes.
 *
 * The parser keeps no state: it is given every byte that has arrived,
 * from the connection's first, and says whether they hold a whole
 * header (and how many bytes it took), need more, or are no header.
 * While it needs more, every byte given is the header's: a caller may
 * take them off the socket. Bounded: a v1 line is at most
 * SD_PROXYHDR_V1_MAX bytes, a v2 header at most SD_PROXYHDR_MAX.
 */
#ifndef SD_PROXYHDR_H
#define SD_PROXYHDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SD_PROXYHDR_V1_MAX	107	/* with its CRLF (the spec's) */
#define SD_PROXYHDR_TLV_MAX	512	/* TLVs after the addresses */
/* 16 bytes, then at most a UNIX address pair (216) and the TLVs. */
#define SD_PROXYHDR_MAX		(16 + 216 + SD_PROXYHDR_TLV_MAX)

enum sd_proxyhdr_rc {
	SD_PROXYHDR_NEED,	/* a header so far: more bytes needed */
	SD_PROXYHDR_DONE,	/* a whole header in the first used bytes */
	SD_PROXYHDR_INVALID	/* not a header, or a broken one: why */
};

struct sd_proxyhdr {
	size_t			 used;		/* DONE: header's bytes */
	int			 version;	/* 1 or 2, once known */
	int			 local;		/* keep the connection's
						   own addresses (v2
						   LOCAL, v1 UNKNOWN,
						   unsupported families) */
	struct sockaddr_storage	 src;		/* the client, unless
						   local */
	struct sockaddr_storage	 dst;
	const char		*why;		/* INVALID: a static
						   string */
};

/* Parse buf (len bytes: all that arrived, from the first) into *h. */
enum sd_proxyhdr_rc sd_proxyhdr_parse(const uint8_t *buf, size_t len,
    struct sd_proxyhdr *h);

#endif
