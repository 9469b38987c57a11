/*
 * sd_prio.h: the loop's priorities, in one place. libevent runs, each
 * turn, only the most urgent queue that has active events; the less
 * urgent ones wait for a turn where it is empty. So:
 *
 *   SD_PRIO_CONTROL  timers (tick, flush, checks), signals, the control
 *                    socket's clients, the attach link, the screen
 *                    (tui/ sets its events to 0 itself: it cannot
 *                    include this header, and 0 is always the top)
 *   SD_PRIO_BACKEND  disk queue completions, the sinks' timers and
 *                    rdkafka's wake-ups, the log writer, the reaper;
 *                    libevent's default for an event nobody placed
 *                    (the listeners: 2.1 has no setter)
 *   SD_PRIO_CLIENT   client connections: their reads and writes,
 *                    their timers and the turn that goes on reading;
 *                    the sinks' curl sockets (bytes, like a client's);
 *                    a control client's next read (sd_ctl.c)
 *
 * Nothing above SD_PRIO_CLIENT is active on every turn, so the clients
 * always get turns: timers run at their cadence; a control client is
 * read again only after the clients' queue had a turn; disk completions
 * and sink wake-ups follow from what clients sent and sinks delivered.
 * And the base made here bounds a turn of the two lower queues
 * (SD_PRIO_TURN_US, SD_PRIO_TURN_CBS): after that, libevent polls again
 * and the timers and the control socket come first.
 */
#ifndef SD_PRIO_H
#define SD_PRIO_H

enum sd_prio {
	SD_PRIO_CONTROL = 0,
	SD_PRIO_BACKEND = 1,
	SD_PRIO_CLIENT = 2,
	SD_PRIO_N = 3
};

#define SD_PRIO_TURN_US		5000	/* callbacks below CONTROL a turn */
#define SD_PRIO_TURN_CBS	64

struct event;
struct event_base;
struct bufferevent;

/* A base with the priorities above and the bound on a turn; NULL when
 * out of memory. */
struct event_base *sd_prio_base_new(void);

/* Put ev (not active; NULL is ignored) in priority p. On a base without
 * the priorities it stays where it is. */
void sd_prio_event(struct event *ev, enum sd_prio p);

/* Put both of bev's events in priority p. */
void sd_prio_bev(struct bufferevent *bev, enum sd_prio p);

#endif
