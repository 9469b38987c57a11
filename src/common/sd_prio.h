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
 *                    rdkafka's wake-ups; libevent's default for an
 *                    event nobody placed (the listeners: 2.1 has no
 *                    setter)
 *   SD_PRIO_CLIENT   client connections: their reads and writes,
 *                    their timers; the sinks' curl sockets (bytes,
 *                    like a client's); what a client's callback
 *                    activates for later in the turn (the log writer,
 *                    the reaper): libevent 2.1 ends a queue's pass as
 *                    soon as an event above it is activated, so one
 *                    above would cost a poll of every socket a message
 *   SD_PRIO_BULK     the turn that goes on reading a connection that
 *                    used up its last one (sd_conn.c): it had more
 *                    waiting than a turn takes, a flood; a control
 *                    client's next read (sd_ctl.c)
 *
 * Nothing above SD_PRIO_BULK is active on every turn, so the clients
 * always get turns: timers run at their cadence; disk completions and
 * sink wake-ups follow from what clients sent and sinks delivered. A
 * quiet client's message is fresh input, read in SD_PRIO_CLIENT before
 * the floods go on, so it waits for at most one pass of them, not for
 * a turn of every flooding connection. A control client is read again
 * only after the floods had a pass. And the base made here bounds a
 * pass over the three lower queues (SD_PRIO_TURN_US, SD_PRIO_TURN_CBS):
 * after that, libevent polls again and what is more urgent comes first.
 */
#ifndef SD_PRIO_H
#define SD_PRIO_H

enum sd_prio {
	SD_PRIO_CONTROL = 0,
	SD_PRIO_BACKEND = 1,
	SD_PRIO_CLIENT = 2,
	SD_PRIO_BULK = 3,
	SD_PRIO_N = 4
};

#define SD_PRIO_TURN_US		1000	/* callbacks below CONTROL a pass */
#define SD_PRIO_TURN_CBS	256

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
