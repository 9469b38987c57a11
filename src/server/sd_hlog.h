/*
 * sd_hlog.h: the headless logger, an event sink that writes one line per
 * event to a file descriptor (stdout), as text or JSON lines.
 *
 * The loop never waits for the log's reader: the lines of one turn of
 * the loop gather in a buffer written once at its end, without
 * blocking where the output is a pipe or a socket (journald). A reader
 * that falls SD_HLOG_MAX bytes behind loses lines, counted and said in
 * the log once it catches up.
 */
#ifndef SD_HLOG_H
#define SD_HLOG_H

#include <stdint.h>

#define SD_HLOG_MAX		(4u << 20)

struct event;
struct event_base;
struct evbuffer;
struct sd_events;

struct sd_hlog {
	int		 fd;
	int		 json;
	int		 handle;
	int		 sock;		/* send(MSG_DONTWAIT), not write */
	struct evbuffer	*buf;
	struct event	*turn;		/* the write at the turn's end */
	int		 flushing;	/* turn is active */
	struct event	*writable;	/* the reader took less than all */
	uint64_t	 dropped;	/* lines lost since the last said */
	uint64_t	 dropped_total;	/* lines lost this run */
};

/* Start logging bus's events to fd on base's loop. */
int sd_hlog_start(struct sd_hlog *h, struct event_base *base,
    struct sd_events *bus, int fd, int json);

/* Stop, and write what is left (waiting for the reader up to a second:
 * the loop has stopped). */
void sd_hlog_stop(struct sd_hlog *h, struct sd_events *bus);

#endif
