/*
 * sd_events.h: the one bus on which the server core reports what an
 * operator may want to see.
 *
 * The core fires events; subscribers take them: the headless log, the
 * control socket's clients (an attached dashboard or `ctl events`) and
 * the in-process dashboard through the control answers. An event holds
 * copies and borrowed strings valid only during dispatch, never pointers
 * to core structures. A subscriber removed during dispatch is only
 * marked dead and freed after it.
 */
#ifndef SD_EVENTS_H
#define SD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

enum sd_ev_kind {
	SD_EV_LISTEN,
	SD_EV_LISTEN_FAILED,
	SD_EV_CONNECT,
	SD_EV_DISCONNECT,
	SD_EV_HELLO,
	SD_EV_MESSAGE,
	SD_EV_FILE_START,
	SD_EV_FILE_PROGRESS,
	SD_EV_FILE_DONE,
	SD_EV_FILE_FAILED,
	SD_EV_READINGS,
	SD_EV_BROADCAST,
	SD_EV_KICK,
	SD_EV_BAD_FRAME,
	SD_EV_DROP,
	SD_EV_ERROR,
	SD_EV_SHUTDOWN,
	SD_EV_STORE,		/* the readings store fails or recovers */
	SD_EV_SINK,		/* a sink changes state */
	SD_EV_REJECT,		/* a sink's destination refused lines */
	SD_EV_SUPPRESSED,	/* repeats of an event not shown (sd_evrate) */
	SD_EV_SEND,		/* the operator sent a text to one client */
	SD_EV_FILE_STALL,	/* a file stalls, or its bytes come again */
	SD_EV_RELOAD,		/* settings reloaded, or the reload failed */
	SD_EV_IDENTIFIED,	/* the registry admitted a legacy device */
	SD_EV_DEVICE_SILENT,	/* a device sent no reading for its timeout */
	SD_EV_DEVICE_BACK,	/* and sent one again */
	SD_EV_COUNT
};

/* How much an event matters to an operator (the "level" of its JSON,
 * the dashboard's colours): SD_LV_KIND leaves it to the kind and its
 * state (sd_event_level); a site that knows better sets it. */
enum sd_ev_level {
	SD_LV_KIND,
	SD_LV_INFO,
	SD_LV_WARNING,
	SD_LV_ERROR
};

/* Fields; each kind uses the ones its row of sd_ev_info (sd_events.c)
 * names. */
struct sd_event {
	enum sd_ev_kind	 kind;
	int64_t		 time_ns;	/* set by sd_events_fire() */
	uint32_t	 id;		/* client id */
	int		 fd;
	const char	*peer;
	uint16_t	 peer_port;
	uint16_t	 port;		/* local (server) port */
	const char	*addr;		/* listening address */
	const char	*device;	/* "aa:bb:cc:dd:ee:ff" */
	const char	*name;		/* file or client name */
	const char	*text;
	size_t		 text_len;
	const char	*reason;
	const char	*state;
	uint64_t	 bytes;
	uint64_t	 size;
	uint64_t	 offset;
	uint64_t	 count;
	uint64_t	 total;
	uint64_t	 xxh3;
	int		 has_xxh3;
	int		 odd;		/* odd sid/evt on a legacy message */
	int		 version;
	int		 clients;
	uint64_t	 window;	/* seconds (suppressed) */
	const char	*tls_version;	/* "TLSv1.3"; NULL: not TLS */
	const char	*tls_cipher;
	const char	*auth;		/* how the client is identified */
	const char	*device_name;	/* its registry name, or NULL */
	const char	*tls_identity;	/* a client certificate's, or NULL */
	const char	*tls_subject;	/* its subject, or NULL */
	double		 silent_s;	/* since a device's last reading */
	double		 interval_s;	/* its usual interval, 0: none */
	enum sd_ev_level level;		/* SD_LV_KIND: by kind and state */
};

typedef void (*sd_event_cb)(const struct sd_event *ev, void *arg);

struct sd_events;

struct sd_events *sd_events_new(void);
void sd_events_free(struct sd_events *bus);

/* Subscribe cb; returns its handle (> 0), or -1 when out of memory. */
int sd_events_subscribe(struct sd_events *bus, sd_event_cb cb, void *arg);

/* Unsubscribe by handle; safe from inside a callback. */
void sd_events_unsubscribe(struct sd_events *bus, int handle);

/* Stamp ev with the time and hand it to every live subscriber. */
void sd_events_fire(struct sd_events *bus, struct sd_event *ev);

/* The event's name as logs show it ("connect", "file-done"). */
const char *sd_event_name(enum sd_ev_kind kind);

/* ev's level as its JSON says it: "info", "warning" or "error". */
const char *sd_event_level(const struct sd_event *ev);

/* One log line for ev, without newline: "TIME NAME key=value …". */
void sd_event_text(const struct sd_event *ev, char *buf, size_t len);

/* One JSON object for ev, without newline, as a malloc'd string the
 * caller frees; NULL when out of memory. */
char *sd_event_json(const struct sd_event *ev);

/* The same as a jansson object the caller releases. */
struct json_t;
struct json_t *sd_event_obj(const struct sd_event *ev);

/* Set key of o to a string that may hold any bytes: each byte that is
 * not UTF-8 reads U+FFFD there, and key_hex keeps every byte as it
 * came, so no byte is lost and no object is dropped. */
void sd_event_json_bytes(struct json_t *o, const char *key, const char *s,
    size_t n);

#endif
