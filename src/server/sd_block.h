/*
 * sd_block.h: addresses and devices the operator blocked for a while
 * (kick-and-block): a connection from a blocked address is refused at
 * accept, and one that names a blocked device in its frames is closed.
 *
 * A table of at most SD_BLOCK_MAX entries, each until a deadline on the
 * monotonic clock; a new entry past the cap replaces the one that ends
 * first. Frames ask only while some device is blocked, and a connection
 * asks again only when its device or the table changed.
 */
#ifndef SD_BLOCK_H
#define SD_BLOCK_H

#include <jansson.h>
#include <stdint.h>

#include "sd_proto.h"

#define SD_BLOCK_MAX	256

enum sd_block_kind { SD_BLOCK_ADDR, SD_BLOCK_DEVICE };

struct sd_block_entry {
	enum sd_block_kind	 kind;
	char			 key[64];	/* address key, or MAC text */
	uint8_t			 dev[SD_MAC_LEN];
	int64_t			 until;		/* sd_mono_ns() */
};

struct sd_blocks {
	struct sd_block_entry	 e[SD_BLOCK_MAX];
	size_t			 n;
	size_t			 ndev;		/* device entries */
	uint32_t		 gen;		/* changes with the table */
};

/* Block an address (its key: sd_admit_peer_key) or a device until
 * now + secs; again extends it. */
void sd_block_addr(struct sd_blocks *b, const char *key, int64_t now,
    int64_t secs);
void sd_block_device(struct sd_blocks *b, const uint8_t dev[SD_MAC_LEN],
    int64_t now, int64_t secs);

/* Remove the entry with key (an address key or a MAC text): 1 when there
 * was one. */
int sd_block_remove(struct sd_blocks *b, const char *key);

/* Whether an address key or a device is blocked now. */
int sd_block_has_addr(struct sd_blocks *b, const char *key, int64_t now);
int sd_block_has_device(struct sd_blocks *b, const uint8_t dev[SD_MAC_LEN],
    int64_t now);

/* The entries in force, as a JSON array of {kind, key, left} (seconds
 * left). */
json_t *sd_block_json(struct sd_blocks *b, int64_t now);

#endif
