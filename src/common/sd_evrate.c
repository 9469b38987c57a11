/*
 * sd_evrate.c: per-source summaries of repeated errors (see
 * sd_evrate.h).
 */
#include <stdio.h>
#include <string.h>

#include "sd_evrate.h"
#include "sd_util.h"

#define SD_EVRATE_WINDOW_NS	((int64_t)SD_EVRATE_WINDOW_S * 1000000000)

/* The slot of a limited kind, or -1. */
static int
evrate_slot(enum sd_ev_kind kind)
{
	switch (kind) {
	case SD_EV_BAD_FRAME:
		return 0;
	case SD_EV_ERROR:
		return 1;
	case SD_EV_DROP:
		return 2;
	default:
		return -1;
	}
}

static const enum sd_ev_kind evrate_kinds[SD_EVRATE_KINDS] = {
	SD_EV_BAD_FRAME, SD_EV_ERROR, SD_EV_DROP
};

void
sd_evrates_init(struct sd_evrates *set, struct sd_events *bus)
{
	TAILQ_INIT(&set->holding);
	set->bus = bus;
}

void
sd_evrate_init(struct sd_evrate *r, uint32_t id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
}

/* Say slot k's count ("41,745 more like this from #3 in 10 s"), and
 * start a new window. */
static void
evrate_say(struct sd_evrates *set, struct sd_evrate *r, int k, int64_t now)
{
	struct sd_event e = { .kind = SD_EV_SUPPRESSED };
	char n[32], why[128], from[24] = "";
	int64_t secs = (now - r->start[k] + 999999999) / 1000000000;

	if (secs > SD_EVRATE_WINDOW_S)
		secs = SD_EVRATE_WINDOW_S;
	if (r->held[k] > 0) {
		sd_fmt_thousands(r->held[k], n, sizeof(n));
		if (r->id != 0)
			snprintf(from, sizeof(from), " from #%u", r->id);
		snprintf(why, sizeof(why), "%s more like this%s in %lld s",
		    n, from, (long long)secs);
		e.id = r->id;
		e.name = sd_event_name(evrate_kinds[k]);
		e.count = r->held[k];
		e.window = (uint64_t)secs;
		e.reason = why;
		sd_events_fire(set->bus, &e);
	}
	r->start[k] = 0;
	r->passed[k] = 0;
	r->held[k] = 0;
}

/* Take r off the set when it holds nothing more. */
static void
evrate_settle(struct sd_evrates *set, struct sd_evrate *r)
{
	int k;

	for (k = 0; k < SD_EVRATE_KINDS; k++) {
		if (r->held[k] > 0)
			return;
	}
	if (r->held_any)
		TAILQ_REMOVE(&set->holding, r, entry);
	r->held_any = 0;
}

void
sd_evrate_fire(struct sd_evrates *set, struct sd_evrate *r,
    struct sd_event *ev)
{
	int k = evrate_slot(ev->kind);
	int64_t now = sd_mono_ns();

	if (k < 0) {
		sd_events_fire(set->bus, ev);
		return;
	}
	if (r->start[k] != 0 && now - r->start[k] >= SD_EVRATE_WINDOW_NS) {
		evrate_say(set, r, k, now);
		evrate_settle(set, r);
	}
	if (r->start[k] == 0)
		r->start[k] = now;
	if (r->passed[k] < SD_EVRATE_BURST) {
		r->passed[k]++;
		sd_events_fire(set->bus, ev);
		return;
	}
	r->held[k]++;
	if (!r->held_any) {
		TAILQ_INSERT_TAIL(&set->holding, r, entry);
		r->held_any = 1;
	}
}

void
sd_evrates_tick(struct sd_evrates *set)
{
	struct sd_evrate *r, *next;
	int64_t now = sd_mono_ns();
	int k;

	for (r = TAILQ_FIRST(&set->holding); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		for (k = 0; k < SD_EVRATE_KINDS; k++) {
			if (r->held[k] > 0 &&
			    now - r->start[k] >= SD_EVRATE_WINDOW_NS)
				evrate_say(set, r, k, now);
		}
		evrate_settle(set, r);
	}
}

void
sd_evrate_done(struct sd_evrates *set, struct sd_evrate *r)
{
	int64_t now = sd_mono_ns();
	int k;

	for (k = 0; k < SD_EVRATE_KINDS; k++)
		evrate_say(set, r, k, now);
	evrate_settle(set, r);
}
