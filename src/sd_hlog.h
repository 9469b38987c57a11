/*
 * sd_hlog.h: the headless logger, an event sink that writes one line per
 * event to a stream, as text or JSON lines.
 */
#ifndef SD_HLOG_H
#define SD_HLOG_H

#include <stdio.h>

struct sd_events;

struct sd_hlog {
	FILE	*fp;
	int	 json;
	int	 handle;
};

/* Start logging bus's events to fp. */
int sd_hlog_start(struct sd_hlog *h, struct sd_events *bus, FILE *fp,
    int json);
void sd_hlog_stop(struct sd_hlog *h, struct sd_events *bus);

#endif
