/*
 * sd_xferlog.h: the transfer account's words: what it says of one
 * transfer (struct sd_xfer_info: in flight or ended, with the bytes
 * that really came), and the transfers that ended lately, kept in a
 * fixed ring of copies (the newest SD_XFERLOG_MAX; one more pushes the
 * oldest out).
 *
 * The file store (sd_files) fills both; the control socket reads them
 * ({"cmd":"transfers"}). Nothing here points into the store: an ended
 * entry holds its own name and reason, cut to fit.
 */
#ifndef SD_XFERLOG_H
#define SD_XFERLOG_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"

#define SD_XFERLOG_MAX	64	/* ended transfers kept */
#define SD_XFERLOG_NAME	264	/* a stored name and a suffix */
#define SD_XFERLOG_WHY	160

/* In flight: receiving, stalled (no byte for --stall-seconds), waiting
 * (the server holds its sender back: disk, spool, rate) or storing
 * (the last byte is in, the file is being put in place). Ended: stored,
 * failed (why says), cancelled (by its sender) or disconnected (its
 * sender went; an extension transfer may resume, as a new one). */
enum sd_xfer_state {
	SD_XS_RECEIVING,
	SD_XS_STALLED,
	SD_XS_WAITING,
	SD_XS_STORING,
	SD_XS_STORED,
	SD_XS_FAILED,
	SD_XS_CANCELLED,
	SD_XS_DISCONNECTED,
	SD_XS_COUNT
};

/* One transfer as the account says it. Times are wall-clock ns. */
struct sd_xfer_info {
	uint64_t		 id;		/* the server's, from 1 */
	uint32_t		 client;
	uint8_t			 dev[SD_MAC_LEN];
	int			 has_dev;
	int			 legacy;
	const char		*name;		/* the stored name */
	uint64_t		 size;		/* as offered */
	uint64_t		 bytes;		/* received, offset included */
	uint64_t		 offset;	/* where it resumed (0: new) */
	uint64_t		 written;	/* of bytes, in the .part */
	double			 rate;		/* bytes a second (sd_rate) */
	int64_t			 started_ns;
	int64_t			 last_ns;	/* the last byte, or start */
	int64_t			 ended_ns;	/* 0 while in flight */
	enum sd_xfer_state	 state;
	const char		*why;		/* waiting for, failed why */
};

struct sd_xferlog_entry {
	struct sd_xfer_info	 info;
	char			 name[SD_XFERLOG_NAME];
	char			 why[SD_XFERLOG_WHY];
};

struct sd_xferlog {
	struct sd_xferlog_entry	 e[SD_XFERLOG_MAX];
	size_t			 next;		/* where the next one goes */
	size_t			 n;
};

/* A state's word ("receiving", "stalled", ...). */
const char *sd_xfer_state_name(enum sd_xfer_state st);

/* Keep a copy of t (its name and why copied, cut to fit). */
void sd_xferlog_add(struct sd_xferlog *l, const struct sd_xfer_info *t);

/* How many are kept, and the i-th, newest first (NULL past the end). */
size_t sd_xferlog_count(const struct sd_xferlog *l);
const struct sd_xfer_info *sd_xferlog_get(const struct sd_xferlog *l,
    size_t i);

#endif
