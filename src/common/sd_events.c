/*
 * sd_events.c: the event bus and the two ways events are written, text
 * and JSON, both driven by one table of which fields each kind carries.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "sd_esc.h"
#include "sd_events.h"
#include "sd_util.h"

struct ev_sub {
	TAILQ_ENTRY(ev_sub)	 entry;
	int			 handle;
	int			 dead;
	sd_event_cb		 cb;
	void			*arg;
};

struct sd_events {
	TAILQ_HEAD(, ev_sub)	 subs;
	int			 next_handle;
	int			 dispatching;
};

enum {
	F_ID = 1 << 0, F_FD = 1 << 1, F_PEER = 1 << 2, F_PORT = 1 << 3,
	F_ADDR = 1 << 4, F_DEVICE = 1 << 5, F_NAME = 1 << 6, F_TEXT = 1 << 7,
	F_REASON = 1 << 8, F_BYTES = 1 << 9, F_SIZE = 1 << 10,
	F_OFFSET = 1 << 11, F_COUNT = 1 << 12, F_TOTAL = 1 << 13,
	F_XXH3 = 1 << 14, F_ODD = 1 << 15, F_VERSION = 1 << 16,
	F_CLIENTS = 1 << 17, F_STATE = 1 << 18, F_WINDOW = 1 << 19,
	F_TLS = 1 << 20, F_AUTH = 1 << 21, F_FLEET = 1 << 22,
	F_INTERVAL = 1 << 23,
};

static const struct {
	const char	*name;
	unsigned	 fields;
} sd_ev_info[SD_EV_COUNT] = {
	[SD_EV_LISTEN] = { "listen", F_PORT | F_ADDR },
	[SD_EV_LISTEN_FAILED] = { "listen-failed", F_PORT | F_ADDR | F_REASON },
	[SD_EV_CONNECT] = { "connect", F_ID | F_FD | F_PEER | F_PORT | F_TLS },
	[SD_EV_DISCONNECT] = { "disconnect", F_ID | F_PEER | F_PORT |
	    F_DEVICE | F_REASON },
	[SD_EV_HELLO] = { "hello", F_ID | F_NAME | F_DEVICE | F_VERSION |
	    F_AUTH },
	[SD_EV_MESSAGE] = { "message", F_ID | F_DEVICE | F_TEXT | F_ODD },
	[SD_EV_FILE_START] = { "file-start", F_ID | F_NAME | F_SIZE |
	    F_OFFSET },
	[SD_EV_FILE_PROGRESS] = { "file-progress", F_ID | F_NAME | F_BYTES |
	    F_SIZE },
	[SD_EV_FILE_DONE] = { "file-done", F_ID | F_NAME | F_BYTES | F_SIZE |
	    F_XXH3 },
	[SD_EV_FILE_FAILED] = { "file-failed", F_ID | F_NAME | F_BYTES |
	    F_SIZE | F_STATE | F_REASON },
	[SD_EV_READINGS] = { "readings", F_COUNT | F_TOTAL },
	[SD_EV_BROADCAST] = { "broadcast", F_TEXT | F_CLIENTS },
	[SD_EV_KICK] = { "kick", F_ID | F_REASON },
	[SD_EV_BAD_FRAME] = { "bad-frame", F_ID | F_REASON },
	[SD_EV_DROP] = { "drop", F_ID | F_PEER | F_PORT | F_REASON },
	[SD_EV_ERROR] = { "error", F_ID | F_REASON },
	[SD_EV_SHUTDOWN] = { "shutdown", F_REASON },
	[SD_EV_STORE] = { "store", F_STATE | F_BYTES | F_REASON },
	[SD_EV_SINK] = { "sink", F_NAME | F_STATE | F_REASON },
	[SD_EV_REJECT] = { "reject", F_NAME | F_COUNT | F_REASON },
	[SD_EV_SUPPRESSED] = { "suppressed", F_ID | F_NAME | F_COUNT |
	    F_WINDOW | F_REASON },
	[SD_EV_SEND] = { "send", F_ID | F_DEVICE | F_TEXT },
	[SD_EV_FILE_STALL] = { "file-stall", F_ID | F_NAME | F_BYTES | F_SIZE |
	    F_STATE | F_WINDOW },
	[SD_EV_RELOAD] = { "reload", F_STATE | F_TEXT | F_COUNT | F_REASON },
	[SD_EV_IDENTIFIED] = { "identified", F_ID | F_DEVICE | F_AUTH },
	/* mac, name (the registry's, or null) and silent_s. */
	[SD_EV_DEVICE_SILENT] = { "device-silent", F_FLEET | F_INTERVAL },
	[SD_EV_DEVICE_BACK] = { "device-back", F_FLEET },
};

struct sd_events *
sd_events_new(void)
{
	struct sd_events *bus = calloc(1, sizeof(*bus));

	if (bus == NULL)
		return NULL;
	TAILQ_INIT(&bus->subs);
	bus->next_handle = 1;
	return bus;
}

void
sd_events_free(struct sd_events *bus)
{
	struct ev_sub *s;

	if (bus == NULL)
		return;
	while ((s = TAILQ_FIRST(&bus->subs)) != NULL) {
		TAILQ_REMOVE(&bus->subs, s, entry);
		free(s);
	}
	free(bus);
}

int
sd_events_subscribe(struct sd_events *bus, sd_event_cb cb, void *arg)
{
	struct ev_sub *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	s->handle = bus->next_handle++;
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&bus->subs, s, entry);
	return s->handle;
}

void
sd_events_unsubscribe(struct sd_events *bus, int handle)
{
	struct ev_sub *s;

	TAILQ_FOREACH(s, &bus->subs, entry) {
		if (s->handle != handle)
			continue;
		if (bus->dispatching)
			s->dead = 1;
		else {
			TAILQ_REMOVE(&bus->subs, s, entry);
			free(s);
		}
		return;
	}
}

void
sd_events_fire(struct sd_events *bus, struct sd_event *ev)
{
	struct ev_sub *s, *next;

	ev->time_ns = sd_now_ns();
	bus->dispatching++;
	TAILQ_FOREACH(s, &bus->subs, entry) {
		if (!s->dead)
			s->cb(ev, s->arg);
	}
	if (--bus->dispatching > 0)
		return;
	for (s = TAILQ_FIRST(&bus->subs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->dead) {
			TAILQ_REMOVE(&bus->subs, s, entry);
			free(s);
		}
	}
}

const char *
sd_event_name(enum sd_ev_kind kind)
{
	if ((unsigned)kind >= SD_EV_COUNT)
		return "unknown";
	return sd_ev_info[kind].name;
}

/* An event's level when its site left it to the kind: failures are
 * errors, what the server refused or held back a warning, the rest
 * (and a sink or the store working again) news. */
static enum sd_ev_level
ev_kind_level(const struct sd_event *ev)
{
	switch (ev->kind) {
	case SD_EV_LISTEN_FAILED:
	case SD_EV_BAD_FRAME:
	case SD_EV_ERROR:
	case SD_EV_FILE_FAILED:
	case SD_EV_REJECT:
		return SD_LV_ERROR;
	case SD_EV_DROP:
	case SD_EV_SUPPRESSED:
	case SD_EV_DEVICE_SILENT:
		return SD_LV_WARNING;
	case SD_EV_FILE_STALL:
		return ev->state != NULL && strcmp(ev->state, "stalled") == 0 ?
		    SD_LV_WARNING : SD_LV_INFO;
	case SD_EV_SINK:
	case SD_EV_STORE:
		if (ev->state == NULL || strcmp(ev->state, "ok") == 0)
			return SD_LV_INFO;
		return strcmp(ev->state, "failing") == 0 ? SD_LV_ERROR :
		    SD_LV_WARNING;
	default:
		return SD_LV_INFO;
	}
}

const char *
sd_event_level(const struct sd_event *ev)
{
	enum sd_ev_level lv = ev->level;

	if (lv == SD_LV_KIND)
		lv = ev_kind_level(ev);
	return lv == SD_LV_ERROR ? "error" : lv == SD_LV_WARNING ?
	    "warning" : "info";
}

/* Append "key=value" with the value quoted when it needs to be, and
 * escaped (sd_esc_text) so no peer's byte reaches a terminal raw. */
static size_t
text_str(char *buf, size_t len, size_t at, const char *key, const char *v,
    size_t vlen)
{
	size_t i;
	int quote = vlen == 0;

	for (i = 0; i < vlen; i++) {
		if (v[i] == ' ' || v[i] == '"' || v[i] == '\\' ||
		    (unsigned char)v[i] < 0x20 || v[i] == '=' || v[i] == 0x7f)
			quote = 1;
	}
	if (at < len)
		at += (size_t)snprintf(buf + at, len - at, " %s=%s", key,
		    quote ? "\"" : "");
	/* One byte kept for the closing quote. */
	if (at + 1 < len)
		at += sd_esc_text(v, vlen, buf + at, len - at - 1,
		    SD_ESC_QUOTE, NULL);
	if (quote && at + 1 < len)
		buf[at++] = '"';
	if (at < len)
		buf[at] = '\0';
	return at;
}

static size_t
text_num(char *buf, size_t len, size_t at, const char *key, uint64_t v)
{
	if (at < len)
		at += (size_t)snprintf(buf + at, len - at, " %s=%llu", key,
		    (unsigned long long)v);
	return at;
}

/* A device's mac, name, silent_s and (F_INTERVAL) interval_s. */
static size_t
text_fleet(char *buf, size_t len, size_t at, const struct sd_event *ev,
    unsigned f)
{
	if (ev->device != NULL)
		at = text_str(buf, len, at, "mac", ev->device,
		    strlen(ev->device));
	if (ev->device_name != NULL)
		at = text_str(buf, len, at, "name", ev->device_name,
		    strlen(ev->device_name));
	if (at < len)
		at += (size_t)snprintf(buf + at, len - at, " silent_s=%.1f",
		    ev->silent_s);
	if ((f & F_INTERVAL) && at < len)
		at += (size_t)snprintf(buf + at, len - at, " interval_s=%.3f",
		    ev->interval_s);
	return at;
}

void
sd_event_text(const struct sd_event *ev, char *buf, size_t len)
{
	unsigned f = sd_ev_info[ev->kind].fields;
	char when[40], hex[20];
	size_t at;

	sd_fmt_rfc3339(ev->time_ns, when, sizeof(when));
	at = (size_t)snprintf(buf, len, "%s %s", when, sd_event_name(ev->kind));
	if ((f & F_ID) && ev->id)
		at = text_num(buf, len, at, "id", ev->id);
	if (f & F_FD)
		at = text_num(buf, len, at, "fd", (uint64_t)ev->fd);
	if ((f & F_PEER) && ev->peer) {
		char peer[80];

		snprintf(peer, sizeof(peer), strchr(ev->peer, ':') ?
		    "[%s]:%u" : "%s:%u", ev->peer, ev->peer_port);
		at = text_str(buf, len, at, "peer", peer, strlen(peer));
	}
	if ((f & F_PORT) && ev->port)
		at = text_num(buf, len, at, "port", ev->port);
	if ((f & F_ADDR) && ev->addr)
		at = text_str(buf, len, at, "addr", ev->addr, strlen(ev->addr));
	if ((f & F_DEVICE) && ev->device)
		at = text_str(buf, len, at, "device", ev->device,
		    strlen(ev->device));
	if ((f & F_NAME) && ev->name)
		at = text_str(buf, len, at, "name", ev->name, strlen(ev->name));
	if ((f & F_VERSION) && ev->version)
		at = text_num(buf, len, at, "version", (uint64_t)ev->version);
	if ((f & F_AUTH) && ev->auth)
		at = text_str(buf, len, at, "auth", ev->auth, strlen(ev->auth));
	if ((f & F_AUTH) && ev->device_name)
		at = text_str(buf, len, at, "device_name", ev->device_name,
		    strlen(ev->device_name));
	if (f & F_FLEET)
		at = text_fleet(buf, len, at, ev, f);
	if ((f & F_OFFSET) && ev->offset)
		at = text_num(buf, len, at, "offset", ev->offset);
	if (f & F_BYTES)
		at = text_num(buf, len, at, "bytes", ev->bytes);
	if (f & F_SIZE)
		at = text_num(buf, len, at, "size", ev->size);
	if ((f & F_XXH3) && ev->has_xxh3) {
		snprintf(hex, sizeof(hex), "%016llx",
		    (unsigned long long)ev->xxh3);
		at = text_str(buf, len, at, "xxh3", hex, strlen(hex));
	}
	if (f & F_COUNT)
		at = text_num(buf, len, at, "count", ev->count);
	if (f & F_TOTAL)
		at = text_num(buf, len, at, "total", ev->total);
	if (f & F_CLIENTS)
		at = text_num(buf, len, at, "clients", (uint64_t)ev->clients);
	if (f & F_WINDOW)
		at = text_num(buf, len, at, "window", ev->window);
	if ((f & F_ODD) && ev->odd)
		at = text_str(buf, len, at, "odd", "true", 4);
	if ((f & F_TLS) && ev->tls_version && ev->tls_cipher) {
		at = text_str(buf, len, at, "tls", ev->tls_version,
		    strlen(ev->tls_version));
		at = text_str(buf, len, at, "cipher", ev->tls_cipher,
		    strlen(ev->tls_cipher));
	}
	if ((f & F_TLS) && ev->tls_subject)
		at = text_str(buf, len, at, "subject", ev->tls_subject,
		    strlen(ev->tls_subject));
	if ((f & F_TLS) && ev->tls_identity)
		at = text_str(buf, len, at, "identity", ev->tls_identity,
		    strlen(ev->tls_identity));
	if ((f & F_STATE) && ev->state)
		at = text_str(buf, len, at, "state", ev->state,
		    strlen(ev->state));
	if ((f & F_TEXT) && ev->text)
		at = text_str(buf, len, at, "text", ev->text, ev->text_len);
	if ((f & F_REASON) && ev->reason)
		text_str(buf, len, at, "reason", ev->reason,
		    strlen(ev->reason));
}

void
sd_event_json_bytes(json_t *o, const char *key, const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	char *clean, hkey[32];
	size_t i, o8 = 0, k;

	if (v != NULL) {
		json_object_set_new(o, key, v);
		return;
	}
	clean = malloc(3 * n + 1);
	if (clean == NULL)
		return;
	for (i = 0; i < n; i += k) {
		if (sd_esc_utf8(s + i, n - i, &k) >= 0) {
			memcpy(clean + o8, s + i, k);
			o8 += k;
		} else {
			memcpy(clean + o8, "\xef\xbf\xbd", 3);
			o8 += 3;
		}
	}
	json_object_set_new(o, key, json_stringn_nocheck(clean, o8));
	for (i = 0; i < n; i++)
		snprintf(clean + 2 * i, 3, "%02x", (unsigned char)s[i]);
	snprintf(hkey, sizeof(hkey), "%s_hex", key);
	json_object_set_new(o, hkey, json_stringn_nocheck(clean, 2 * n));
	free(clean);
}

/* sd_event_json_bytes for a NUL-terminated string. */
static void
json_str(json_t *o, const char *key, const char *s)
{
	sd_event_json_bytes(o, key, s, strlen(s));
}

/* A TLS client's session, and its certificate's subject and identity
 * when it gave one (a peer's bytes: json_str keeps any of them). */
static json_t *
event_tls_obj(const struct sd_event *ev)
{
	json_t *t = json_pack("{s:s,s:s}", "version", ev->tls_version,
	    "cipher", ev->tls_cipher);

	if (t != NULL && ev->tls_subject != NULL)
		json_str(t, "subject", ev->tls_subject);
	if (t != NULL && ev->tls_identity != NULL)
		json_str(t, "identity", ev->tls_identity);
	return t;
}

/* A device's event: "mac", "name" (null without one), "silent_s", and
 * (F_INTERVAL) "interval_s" (null when not known), to a tenth. */
static void
event_fleet_obj(json_t *o, const struct sd_event *ev, unsigned f)
{
	if (ev->device != NULL)
		json_str(o, "mac", ev->device);
	if (ev->device_name != NULL)
		json_str(o, "name", ev->device_name);
	else
		json_object_set_new(o, "name", json_null());
	json_object_set_new(o, "silent_s",
	    json_real((double)(int64_t)(ev->silent_s * 10 + 0.5) / 10));
	if (f & F_INTERVAL)
		json_object_set_new(o, "interval_s", ev->interval_s > 0 ?
		    json_real((double)(int64_t)(ev->interval_s * 1000 + 0.5) /
		    1000) : json_null());
}

char *
sd_event_json(const struct sd_event *ev)
{
	json_t *o = sd_event_obj(ev);
	char *out;

	if (o == NULL)
		return NULL;
	out = sd_json_dumps(o);
	json_decref(o);
	return out;
}

json_t *
sd_event_obj(const struct sd_event *ev)
{
	unsigned f = sd_ev_info[ev->kind].fields;
	char when[40], hex[20];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	sd_fmt_rfc3339(ev->time_ns, when, sizeof(when));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "event", json_string(sd_event_name(ev->kind)));
	json_object_set_new(o, "level", json_string(sd_event_level(ev)));
	if ((f & F_ID) && ev->id)
		json_object_set_new(o, "id", json_integer(ev->id));
	if (f & F_FD)
		json_object_set_new(o, "fd", json_integer(ev->fd));
	if ((f & F_PEER) && ev->peer) {
		json_object_set_new(o, "peer", json_string(ev->peer));
		json_object_set_new(o, "peer_port",
		    json_integer(ev->peer_port));
	}
	if ((f & F_PORT) && ev->port)
		json_object_set_new(o, "port", json_integer(ev->port));
	if ((f & F_ADDR) && ev->addr)
		json_str(o, "addr", ev->addr);
	if ((f & F_DEVICE) && ev->device)
		json_str(o, "device", ev->device);
	if ((f & F_NAME) && ev->name)
		json_str(o, "name", ev->name);
	if ((f & F_VERSION) && ev->version)
		json_object_set_new(o, "version", json_integer(ev->version));
	if ((f & F_AUTH) && ev->auth)
		json_str(o, "auth", ev->auth);
	if ((f & F_AUTH) && ev->device_name)
		json_str(o, "device_name", ev->device_name);
	if (f & F_FLEET)
		event_fleet_obj(o, ev, f);
	if ((f & F_OFFSET) && ev->offset)
		json_object_set_new(o, "offset",
		    json_integer((json_int_t)ev->offset));
	if (f & F_BYTES)
		json_object_set_new(o, "bytes",
		    json_integer((json_int_t)ev->bytes));
	if (f & F_SIZE)
		json_object_set_new(o, "size",
		    json_integer((json_int_t)ev->size));
	if ((f & F_XXH3) && ev->has_xxh3) {
		snprintf(hex, sizeof(hex), "%016llx",
		    (unsigned long long)ev->xxh3);
		json_object_set_new(o, "xxh3", json_string(hex));
	}
	if (f & F_COUNT)
		json_object_set_new(o, "count",
		    json_integer((json_int_t)ev->count));
	if (f & F_TOTAL)
		json_object_set_new(o, "total",
		    json_integer((json_int_t)ev->total));
	if (f & F_CLIENTS)
		json_object_set_new(o, "clients", json_integer(ev->clients));
	if (f & F_WINDOW)
		json_object_set_new(o, "window",
		    json_integer((json_int_t)ev->window));
	if ((f & F_ODD) && ev->odd)
		json_object_set_new(o, "odd", json_true());
	if ((f & F_TLS) && ev->tls_version && ev->tls_cipher)
		json_object_set_new(o, "tls", event_tls_obj(ev));
	if ((f & F_STATE) && ev->state)
		json_str(o, "state", ev->state);
	if ((f & F_TEXT) && ev->text)
		sd_event_json_bytes(o, "text", ev->text, ev->text_len);
	if ((f & F_REASON) && ev->reason)
		json_str(o, "reason", ev->reason);
	return o;
}
