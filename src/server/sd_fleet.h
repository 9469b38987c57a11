/*
 * sd_fleet.h: every device the server has seen (by MAC), remembered
 * across restarts: when it was first and last seen, from which address
 * and by which protocol, what it sent (readings, files, messages), its
 * usual reading interval, and whether it is online, offline or silent.
 *
 * The table holds SD_FLEET_MAX devices; when it is full a new device
 * takes the place of the one seen longest ago, and sd_fleet_forgotten()
 * counts those. A frame costs no hash lookup once its connection knows
 * its device (struct sd_fleet_ref: a slot and the slot's generation),
 * a hash lookup otherwise, whatever the table holds.
 *
 * The usual interval is an exponentially weighted mean (1/8) of the
 * gaps between a device's reading frames on one connection, timed by
 * the read that brought them (frames of one read are no gap): a gap
 * that spans a disconnection or a silence is not counted. A device that has
 * sent readings is silent once it sends none for its timeout (a fixed
 * --device-timeout, or 5 times its interval and at least 60 s): the
 * server's tick looks at SD_FLEET_SLICE devices a second, so the whole
 * table in SD_FLEET_MAX / SD_FLEET_SLICE seconds, and fires
 * device-silent; its next reading fires device-back.
 *
 * The table is kept on disk by sd_fleet_file.c, from copies
 * (sd_fleet_snapshot) and back (sd_fleet_restore).
 */
#ifndef SD_FLEET_H
#define SD_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

#define SD_FLEET_MAX		65536	/* devices remembered */
#define SD_FLEET_SLICE		8192	/* looked at for silence a tick */
#define SD_FLEET_ADDR_LEN	56	/* "[v6]:port" and its NUL */
#define SD_FLEET_RATE_SLOTS	7	/* ten-second counts: a minute */
#define SD_FLEET_MIN_TIMEOUT	60	/* seconds, the default's floor */
#define SD_FLEET_LIST_MAX	2000	/* rows of one answer: built on
					   the loop, one object a row */
#define SD_FLEET_LIST_DEF	1000	/* ... when no limit is asked */

struct json_t;
struct sd_events;
struct sd_registry;

/* What a frame brought. */
enum sd_fleet_what {
	SD_FLEET_SEEN,		/* a HELLO: seen, nothing counted */
	SD_FLEET_READINGS,
	SD_FLEET_MESSAGE
};

/* One device as the file keeps it (times are wall-clock ns). */
struct sd_fleet_rec {
	uint8_t		 mac[6];
	uint8_t		 ext;		/* extension protocol, else legacy */
	uint8_t		 tls;
	uint8_t		 silent;
	int64_t		 first_ns;
	int64_t		 last_ns;	/* last frame */
	int64_t		 read_ns;	/* last reading, 0: none */
	int64_t		 interval_ns;	/* usual, 0: not known */
	uint64_t	 readings;
	uint64_t	 files;
	uint64_t	 messages;
	char		 addr[SD_FLEET_ADDR_LEN];
	/* Not in the file: the larger, the later seen (the file's order).
	 * Not last_ns, which follows the wall clock back and forth. */
	uint64_t	 order;
};

/* A connection's device: the slot and its generation when it was
 * counted as one of the device's connections (gen 0: none). */
struct sd_fleet_ref {
	uint32_t	 slot;
	uint32_t	 gen;
};

/* The connection a frame came on. */
struct sd_fleet_via {
	const char	*addr;		/* "ip:port", "[v6]:port" */
	int		 ext;
	int		 tls;
	const struct sd_registry *reg;	/* names for events, or NULL */
	int64_t		 now;		/* mono: when its read began */
};

struct sd_fleet_counts {
	uint64_t	 total, online, offline, silent;
};

struct sd_fleet;

/* A new, empty table firing its events on bus. NULL out of memory. */
struct sd_fleet *sd_fleet_new(struct sd_events *bus);

/* Stop the writer (its last job done), free the table. */
void sd_fleet_free(struct sd_fleet *f);

/* A frame of mac on a connection (ref, via) brought what (n readings,
 * or one message). */
void sd_fleet_note(struct sd_fleet *f, struct sd_fleet_ref *ref,
    const uint8_t mac[6], const struct sd_fleet_via *via,
    enum sd_fleet_what what, uint64_t n);

/* A file of mac was stored (it may come after its connection ended). */
void sd_fleet_stored(struct sd_fleet *f, const uint8_t mac[6]);

/* The connection holding ref ended. */
void sd_fleet_leave(struct sd_fleet *f, struct sd_fleet_ref *ref);

/* Once a second: look at the next SD_FLEET_SLICE devices for silence
 * (timeout_s: --device-timeout, 0 for the default), names from reg (or
 * NULL) in the events. */
void sd_fleet_tick(struct sd_fleet *f, uint64_t timeout_s,
    const struct sd_registry *reg);

void sd_fleet_counts(const struct sd_fleet *f, struct sd_fleet_counts *c);

/* Devices forgotten to make room, since the start. */
uint64_t sd_fleet_forgotten(const struct sd_fleet *f);

/* The answer to {"cmd":"devices","offset":N,"limit":K}: K devices from
 * the N-th seen last, newest first, with registry names from reg (or
 * NULL). */
struct json_t *sd_fleet_json(const struct sd_fleet *f, struct json_t *req,
    const struct sd_registry *reg);

/* The devices, in no order (sort them by order for the order last
 * seen), into out (room for SD_FLEET_MAX); how many. */
size_t sd_fleet_snapshot(const struct sd_fleet *f,
    struct sd_fleet_rec *out);

/* Put rec (as read from the file) in the table as the newest seen;
 * silent ones stay silent, without a new event, the others are
 * watched from now on. */
void sd_fleet_restore(struct sd_fleet *f, const struct sd_fleet_rec *rec);

#endif
