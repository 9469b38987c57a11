/*
 * sd_recent.h: the servers the client connected to last, newest first,
 * kept in a small state file ($XDG_STATE_HOME/sockdeck/recent) so the
 * screen can offer them again, each with how it was reached: plain, or
 * TLS with which --tls-ca, --tls-cert and --tls-key (their paths, never
 * what they hold) and whether --tls-insecure.
 *
 * One server a line: "host:port", then for TLS tab-separated fields:
 * "tls", "insecure", "ca=PATH", "cert=PATH", "key=PATH", a path's bytes
 * %XX-escaped where they are '%', a space, a control or not ASCII. A
 * line of "host:port" alone (all the file held before TLS) is plain;
 * fields not known are skipped.
 */
#ifndef SD_RECENT_H
#define SD_RECENT_H

#include <stddef.h>

#define SD_RECENT_MAX	8
#define SD_RECENT_LEN	272	/* "[v6 host]:port" and its NUL */
#define SD_RECENT_PATH	1024	/* a --tls-* file's path and its NUL */

/* How a recent server was reached. */
struct sd_recent_tls {
	int	 on;			/* 0: plain TCP; the rest unused */
	int	 insecure;
	char	 ca[SD_RECENT_PATH];	/* "": the system's CAs */
	char	 cert[SD_RECENT_PATH];	/* "": none */
	char	 key[SD_RECENT_PATH];
};

struct sd_recent {
	char			 item[SD_RECENT_MAX][SD_RECENT_LEN];
	struct sd_recent_tls	 tls[SD_RECENT_MAX];
	size_t			 n;
};

/* The state file's path: $XDG_STATE_HOME/sockdeck/recent, or
 * $HOME/.local/state/sockdeck/recent. -1 when neither is set. */
int sd_recent_path(char *buf, size_t len);

/* Read the list; a missing or unreadable file is an empty list, a line
 * that cannot be read (too long, a bad escape) is left out. */
void sd_recent_load(struct sd_recent *r, const char *path);

/* Put target first (once: an entry for it before is replaced), reached
 * as tls says (NULL: plain), keep SD_RECENT_MAX, and write the file
 * (its directory made as needed, replaced atomically). 0, or -1 (a
 * target or a path too long: the list is left as it was). */
int sd_recent_add(struct sd_recent *r, const char *path,
    const char *target, const struct sd_recent_tls *tls);

/* The entry for target, or -1. */
int sd_recent_find(const struct sd_recent *r, const char *target);

#endif
