/*
 * sd_history.c: the recent events (see sd_history.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_events.h"
#include "sd_history.h"

/* An event with its strings copied in (cut to fit): the bus lends them
 * only during dispatch. Made into JSON only when someone attaches, so
 * keeping it costs a copy, not a serialisation, per event. */
struct hist_event {
	struct sd_event	 ev;
	char		 peer[48];
	char		 addr[64];
	char		 device[18];
	char		 name[128];
	char		 text[SD_HISTORY_TEXT];
	char		 reason[128];
	char		 state[24];
	char		 tls_version[16];
	char		 tls_cipher[64];
	char		 tls_identity[96];	/* a fingerprint is 71 */
	char		 tls_subject[256];
};

struct sd_history {
	struct sd_events	*bus;
	int			 sub;
	struct hist_event	 ring[SD_HISTORY_MAX];
	size_t			 head;			/* the oldest */
	size_t			 n;
};

/* Copy src (may be NULL) into buf; *dst points at the copy. */
static void
hist_str(const char **dst, const char *src, char *buf, size_t len)
{
	if (src == NULL)
		return;
	snprintf(buf, len, "%s", src);
	*dst = buf;
}

static void
history_cb(const struct sd_event *ev, void *arg)
{
	struct sd_history *h = arg;
	struct hist_event *e;

	if (ev->kind == SD_EV_FILE_PROGRESS || ev->kind == SD_EV_READINGS)
		return;
	if (h->n == SD_HISTORY_MAX) {
		e = &h->ring[h->head];
		h->head = (h->head + 1) % SD_HISTORY_MAX;
	} else
		e = &h->ring[(h->head + h->n++) % SD_HISTORY_MAX];
	e->ev = *ev;
	hist_str(&e->ev.peer, ev->peer, e->peer, sizeof(e->peer));
	hist_str(&e->ev.addr, ev->addr, e->addr, sizeof(e->addr));
	hist_str(&e->ev.device, ev->device, e->device, sizeof(e->device));
	hist_str(&e->ev.name, ev->name, e->name, sizeof(e->name));
	hist_str(&e->ev.reason, ev->reason, e->reason, sizeof(e->reason));
	hist_str(&e->ev.state, ev->state, e->state, sizeof(e->state));
	hist_str(&e->ev.tls_version, ev->tls_version, e->tls_version,
	    sizeof(e->tls_version));
	hist_str(&e->ev.tls_cipher, ev->tls_cipher, e->tls_cipher,
	    sizeof(e->tls_cipher));
	hist_str(&e->ev.tls_identity, ev->tls_identity, e->tls_identity,
	    sizeof(e->tls_identity));
	hist_str(&e->ev.tls_subject, ev->tls_subject, e->tls_subject,
	    sizeof(e->tls_subject));
	/* A text is bytes, not a C string: copied by its length. */
	if (ev->text != NULL) {
		e->ev.text_len = ev->text_len < sizeof(e->text) ?
		    ev->text_len : sizeof(e->text);
		memcpy(e->text, ev->text, e->ev.text_len);
		e->ev.text = e->text;
	}
}

struct sd_history *
sd_history_new(struct sd_events *bus)
{
	struct sd_history *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->bus = bus;
	h->sub = sd_events_subscribe(bus, history_cb, h);
	if (h->sub < 0) {
		free(h);
		return NULL;
	}
	return h;
}

void
sd_history_free(struct sd_history *h)
{
	if (h == NULL)
		return;
	sd_events_unsubscribe(h->bus, h->sub);
	free(h);
}

json_t *
sd_history_json(const struct sd_history *h, size_t max)
{
	json_t *a = json_array(), *o;
	size_t i, skip = h->n > max ? h->n - max : 0;

	if (a == NULL)
		return NULL;
	for (i = skip; i < h->n; i++) {
		o = sd_event_obj(&h->ring[(h->head + i) % SD_HISTORY_MAX].ev);
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return a;
}
