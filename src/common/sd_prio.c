/*
 * sd_prio.c: the loop's priorities (see sd_prio.h).
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stddef.h>

#include "sd_prio.h"

struct event_base *
sd_prio_base_new(void)
{
	struct timeval turn = { 0, SD_PRIO_TURN_US };
	struct event_config *cfg;
	struct event_base *base = NULL;

	cfg = event_config_new();
	if (cfg == NULL)
		goto out;
	/* The pass's bound is read off libevent's clock, which is
	 * CLOCK_MONOTONIC_COARSE unless asked otherwise: a jiffy (4 ms at
	 * HZ=250) a tick, so a 1 ms bound ran 4 ms passes. */
	if (event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0 ||
	    event_config_set_max_dispatch_interval(cfg, &turn,
	    SD_PRIO_TURN_CBS, SD_PRIO_BACKEND) != 0)
		goto out_cfg;
	base = event_base_new_with_config(cfg);
	if (base != NULL && event_base_priority_init(base, SD_PRIO_N) != 0) {
		event_base_free(base);
		base = NULL;
	}
out_cfg:
	event_config_free(cfg);
out:
	return base;
}

void
sd_prio_event(struct event *ev, enum sd_prio p)
{
	if (ev != NULL)
		event_priority_set(ev, (int)p);
}

void
sd_prio_bev(struct bufferevent *bev, enum sd_prio p)
{
	if (bev != NULL)
		bufferevent_priority_set(bev, (int)p);
}
