/*
 * sd_throttle.h: counters per key (a peer address, a device id) over a
 * fixed window, in a table of constant size. A key hashes to one slot;
 * a different key that lands there takes the slot over. So memory and
 * time per call are constant whatever peers do, and a peer with many
 * addresses can at worst reset counters it could have reset anyway by
 * using a fresh address.
 *
 * Used for failed HELLOs per address and for the bytes a device may
 * send per minute (--device-rate).
 */
#ifndef SD_THROTTLE_H
#define SD_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define SD_THROTTLE_SLOTS	1024
#define SD_THROTTLE_KEY		64	/* a device and an IPv6 address */

struct sd_throttle_slot {
	char		 key[SD_THROTTLE_KEY];
	int64_t		 start;		/* the window began, monotonic ns */
	uint64_t	 count;
};

struct sd_throttle {
	int64_t			 window;	/* ns */
	struct sd_throttle_slot	 slot[SD_THROTTLE_SLOTS];
};

/* An empty table whose windows last window_ns. */
void sd_throttle_init(struct sd_throttle *t, int64_t window_ns);

/* Add n to key's count in the current window and return the count. */
uint64_t sd_throttle_add(struct sd_throttle *t, const char *key,
    uint64_t n, int64_t now);

/* key's count in the current window (0 when it has none). */
uint64_t sd_throttle_count(const struct sd_throttle *t, const char *key,
    int64_t now);

/* Nanoseconds until key's current window ends (0 when it has none). */
int64_t sd_throttle_left(const struct sd_throttle *t, const char *key,
    int64_t now);

#endif
