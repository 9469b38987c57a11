/*
 * sd_recent.h: the servers the client connected to last, newest first,
 * kept in a small state file ($XDG_STATE_HOME/sockdeck/recent, one
 * "host:port" a line) so the screen can offer them again.
 */
#ifndef SD_RECENT_H
#define SD_RECENT_H

#include <stddef.h>

#define SD_RECENT_MAX	8
#define SD_RECENT_LEN	272	/* "[v6 host]:port" and its NUL */

struct sd_recent {
	char	 item[SD_RECENT_MAX][SD_RECENT_LEN];
	size_t	 n;
};

/* The state file's path: $XDG_STATE_HOME/sockdeck/recent, or
 * $HOME/.local/state/sockdeck/recent. -1 when neither is set. */
int sd_recent_path(char *buf, size_t len);

/* Read the list; a missing or unreadable file is an empty list. */
void sd_recent_load(struct sd_recent *r, const char *path);

/* Put target first (once), keep SD_RECENT_MAX, and write the file
 * (its directory made as needed, replaced atomically). 0 or -1. */
int sd_recent_add(struct sd_recent *r, const char *path,
    const char *target);

#endif
