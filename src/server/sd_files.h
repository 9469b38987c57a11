/*
 * sd_files.h: the file store. Received files stream to DIR/files/ as
 * NAME.part, one write per piece as it arrives (never held whole in
 * memory), and are linked to NAME when the last byte (and, for
 * extension transfers, a matching XXH3-64) is in. The writes, closes and
 * links run on the disk queue's helper thread (sd_diskq), never on the
 * loop: a sender whose bytes wait for the disk is paused
 * (sd_files_backlogged), and failures and results come back through
 * struct sd_files_cbs. An extension transfer
 * cut short stays resumable for an hour: an offer of the same device,
 * key and size picks it up at the byte the store holds.
 *
 * Transfer state lives in memory: NAME.part files left by an earlier run
 * cannot be resumed and are removed at start.
 *
 * The store owns every struct sd_xfer; a connection only borrows the one
 * it is feeding. Start, progress, stalls, done and failure go out as
 * events, with the bytes that really came.
 *
 * It keeps the transfer account too (sd_xferlog.h): each file in
 * flight with its bytes, rate and state, a transfer that brings no
 * byte for the stall time (while the server does not hold its sender
 * back) marked stalled, and the ones that ended lately.
 */
#ifndef SD_FILES_H
#define SD_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"
#include "sd_util.h"
#include "sd_xferlog.h"

struct sd_events;
struct sd_files;

#define SD_FILES_PARKED_DEV	8
#define SD_FILES_PARKED_PEER	32
#define SD_FILES_PARKED_ALL	1024
/* Free space an accepted file must leave on the files filesystem. */
#define SD_FILES_ROOM_MARGIN	(16u << 20)

struct sd_xfer {
	int		 legacy;
	uint32_t	 client;	/* owner's id, 0 when detached */
	uint32_t	 xfer_id;	/* the client's transfer id */
	uint8_t		 dev[SD_MAC_LEN];
	uint64_t	 key;
	uint64_t	 size;
	uint64_t	 done;		/* bytes received (queued to write) */
	char		*name;		/* final name, no directory */
	int		 stalled;	/* no byte for the stall time */
	int64_t		 last_ns;	/* its last byte (or start), mono */
};

/* How a transfer ended (sd_files_finish). */
struct sd_files_result {
	uint32_t	 client;
	uint32_t	 xfer_id;
	int		 legacy;
	int		 status;	/* SD_FILE_OK, _SIZE, _CHECKSUM, _IO */
	uint64_t	 size;		/* bytes received */
	uint64_t	 hash;		/* XXH3-64 the store computed */
	const char	*name;		/* the stored name */
	const uint8_t	*dev;		/* its device's MAC (zeros: none) */
};

/* What the store tells the connections, by client id, on the loop. */
struct sd_files_cbs {
	/* The sender paused by sd_files_backlogged() may go on. */
	void	(*drained)(uint32_t client, void *arg);
	/* Writing x failed: x is aborted once this returns, so the
	 * connection must forget it (and tell its sender why). */
	void	(*failed)(uint32_t client, struct sd_xfer *x,
		    const char *why, void *arg);
	/* The answer to sd_files_finish(). */
	void	(*finished)(const struct sd_files_result *r, void *arg);
	/* Why the server does not read client now ("disk", "spool",
	 * "rate"), or NULL: its silence is then not a stall. */
	const char *(*held)(uint32_t client, void *arg);
	void	*arg;
};

struct event_base;

/* The store of files in dir; a transfer with no byte for stall_secs is
 * stalled. */
struct sd_files *sd_files_new(const char *dir, struct event_base *base,
    struct sd_events *events, const struct sd_files_cbs *cbs,
    uint64_t stall_secs, char err[SD_ERR_LEN]);
void sd_files_free(struct sd_files *fs);

/* A legacy upload from client id (device dev) of size bytes with
 * extension code ext; SD_ERR_INVAL with err when it cannot be stored (as
 * for an offer). */
int sd_files_begin_legacy(struct sd_files *fs, uint32_t client,
    const uint8_t *dev, uint8_t ext, uint64_t size, struct sd_xfer **out,
    char err[SD_ERR_LEN]);

/* Who offers a file. */
struct sd_files_peer {
	uint32_t	 client;
	const uint8_t	*dev;		/* SD_MAC_LEN bytes */
	const char	*addr;		/* the peer's address, as text */
	int		 authed;	/* it presented the server's --token */
};

/*
 * An extension offer: a new transfer, or the interrupted one of the same
 * device, key and size (then (*out)->done is the resume point) when the
 * offer comes from the address that owned it or from a client that
 * presented --token (anyone else gets a fresh transfer, never another's
 * bytes). SD_ERR_INVAL with err when it cannot be stored (no room on the
 * disk: the claimed size and a margin must fit in the free space),
 * SD_ERR_TOOBIG when another live client is sending that very file.
 */
int sd_files_offer(struct sd_files *fs, const struct sd_files_peer *who,
    const struct sd_file_offer *o, struct sd_xfer **out,
    char err[SD_ERR_LEN]);

/* Append n bytes at the transfer's end (queued: the bytes are copied). */
int sd_files_write(struct sd_files *fs, struct sd_xfer *x, const void *p,
    size_t n, char err[SD_ERR_LEN]);

/* Whether x's sender should pause: too many of its bytes, or of all
 * senders', wait for the disk. cbs.drained says when to go on. */
int sd_files_backlogged(struct sd_files *fs, struct sd_xfer *x);

/*
 * The sender says it is done. For extension transfers, size and xxh3 are
 * what it sent. The answer comes through cbs.finished, at once for a size
 * or checksum mismatch, or once the file is in place: status SD_FILE_OK
 * (linked to its name), or SD_FILE_SIZE / SD_FILE_CHECKSUM / SD_FILE_IO
 * (the .part removed). x is the store's from here on.
 */
void sd_files_finish(struct sd_files *fs, struct sd_xfer *x, uint64_t size,
    uint64_t xxh3);

/* The sender went away mid-file: a legacy upload is removed, an extension
 * transfer parked for resuming: its descriptor closed (after the writes
 * queued), at most SD_FILES_PARKED_DEV of one device (counting those
 * its owner could resume: from its address, or all with the token),
 * _PEER of one address and _ALL in all (the oldest evicted, its .part
 * removed). */
void sd_files_detach(struct sd_files *fs, struct sd_xfer *x,
    const char *reason);

/* Give up on x: remove its .part and free it; the account says it ended
 * end (SD_XS_CANCELLED, _FAILED, _DISCONNECTED) for reason. */
void sd_files_abort(struct sd_files *fs, struct sd_xfer *x,
    enum sd_xfer_state end, const char *reason);

/* Drop interrupted transfers nobody resumed for an hour. */
void sd_files_expire(struct sd_files *fs);

/* Once a second: mark the transfers in flight that brought no byte for
 * the stall time, and are not held back, stalled (an event each). */
void sd_files_tick(struct sd_files *fs);

/* The account: each transfer in flight, oldest first, at most limit of
 * them, through cb (t lives for the call); returns how many are in
 * flight. The ended ones: sd_files_ended(). */
typedef void (*sd_files_info_cb)(const struct sd_xfer_info *t, void *arg);
size_t sd_files_list(struct sd_files *fs, size_t limit, sd_files_info_cb cb,
    void *arg);
const struct sd_xferlog *sd_files_ended(const struct sd_files *fs);


/* The transfer a client is feeding, for the registry; 0 when none. */
size_t sd_files_active(const struct sd_files *fs);

#endif
