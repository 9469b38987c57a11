/*
 * sd_evrate.h: repeated per-client errors, summarised where they are
 * produced. Of each kind (bad-frame, error, drop), a source (one
 * connection, or the accept path) passes SD_EVRATE_BURST events in a
 * window of SD_EVRATE_WINDOW_S seconds; the rest are counted and said in
 * one "suppressed" event when the window ends (or the source goes), so
 * every consumer (headless log, dashboard, ctl events) sees the same
 * few lines. Memory: a constant per source; the set lists only sources
 * holding a count.
 */
#ifndef SD_EVRATE_H
#define SD_EVRATE_H

#include <stdint.h>
#include <sys/queue.h>

#include "sd_events.h"

#define SD_EVRATE_BURST		10	/* events of a kind a window */
#define SD_EVRATE_WINDOW_S	10
#define SD_EVRATE_KINDS		3	/* bad-frame, error, drop */

struct sd_evrate {
	TAILQ_ENTRY(sd_evrate)	 entry;		/* on the set while holding */
	int			 held_any;
	uint32_t		 id;		/* client id, 0: accept path */
	int64_t			 start[SD_EVRATE_KINDS];	/* mono ns */
	uint32_t		 passed[SD_EVRATE_KINDS];
	uint64_t		 held[SD_EVRATE_KINDS];
};

struct sd_evrates {
	TAILQ_HEAD(, sd_evrate)	 holding;
	struct sd_events	*bus;
};

/* Start a set on bus, and a source with client id (0: none). */
void sd_evrates_init(struct sd_evrates *set, struct sd_events *bus);
void sd_evrate_init(struct sd_evrate *r, uint32_t id);

/* Fire ev for source r, or count it when r has had its share of ev's
 * kind in this window. Kinds that are not limited always pass. */
void sd_evrate_fire(struct sd_evrates *set, struct sd_evrate *r,
    struct sd_event *ev);

/* Say the counts of windows that have ended (once a second). */
void sd_evrates_tick(struct sd_evrates *set);

/* The source goes: say what it holds, and forget it. */
void sd_evrate_done(struct sd_evrates *set, struct sd_evrate *r);

#endif
