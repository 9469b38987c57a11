/*
 * sd_ctl_xfers.c: {"cmd":"transfers"} (see sd_ctl_xfers.h): the files
 * in flight and the ones that ended lately, each with the bytes that
 * really came, its rate and its state, from the store's account.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "sd_ctl_xfers.h"
#include "sd_esc.h"
#include "sd_files.h"
#include "sd_proto.h"
#include "sd_rate.h"
#include "sd_server.h"

/* A stored name as JSON: as it is when it is UTF-8 (the store's names
 * are), else escaped, so no answer is lost to it. */
static json_t *
xfers_text(const char *s)
{
	char buf[4 * SD_XFERLOG_NAME];
	json_t *v = json_string(s);

	if (v != NULL)
		return v;
	sd_esc_text(s, strlen(s), buf, sizeof(buf), 0, NULL);
	return json_string(buf);
}

static void
xfers_time(json_t *o, const char *key, int64_t ns)
{
	char buf[40], nskey[32];

	sd_fmt_rfc3339(ns, buf, sizeof(buf));
	json_object_set_new(o, key, json_string(buf));
	snprintf(nskey, sizeof(nskey), "%s_ns", key);
	json_object_set_new(o, nskey, json_integer(ns));
}

/* One transfer; idle_ms is how long its last byte is past (at the
 * end, for an ended one). */
static json_t *
xfers_json(const struct sd_xfer_info *t, int64_t now)
{
	char dev[18] = "";
	json_t *o;

	if (t->has_dev)
		sd_proto_mac_str(t->dev, dev);
	o = json_pack("{s:I,s:I,s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:f,s:s}",
	    "id", (json_int_t)t->id, "client", (json_int_t)t->client,
	    "device", dev, "proto", t->legacy ? "legacy" : "ext",
	    "name", xfers_text(t->name), "size", (json_int_t)t->size,
	    "bytes", (json_int_t)t->bytes, "offset", (json_int_t)t->offset,
	    "written", (json_int_t)t->written,
	    "percent", (json_int_t)(t->size == 0 ? 100 : t->bytes >= t->size ?
	    100 : t->bytes * 100 / t->size),
	    "rate", (double)(int64_t)(t->rate * 10 + 0.5) / 10,
	    "state", sd_xfer_state_name(t->state));
	if (o == NULL)
		return NULL;
	xfers_time(o, "started", t->started_ns);
	xfers_time(o, "last_byte", t->last_ns);
	json_object_set_new(o, "idle_ms", json_integer(((t->ended_ns != 0 ?
	    t->ended_ns : now) - t->last_ns) / 1000000));
	if (t->ended_ns != 0)
		xfers_time(o, "ended", t->ended_ns);
	if (t->why != NULL)
		json_object_set_new(o, "reason", xfers_text(t->why));
	return o;
}

struct xfers_list {
	json_t	*a;
	int64_t	 now;
};

static void
xfers_add(const struct sd_xfer_info *t, void *arg)
{
	struct xfers_list *l = arg;

	json_array_append_new(l->a, xfers_json(t, l->now));
}

json_t *
sd_ctl_xfers(struct sd_server *srv, json_t *req)
{
	json_t *jlim = json_object_get(req, "limit"), *ended;
	json_int_t lim = json_integer_value(jlim);
	const struct sd_xferlog *log = sd_files_ended(srv->files);
	struct xfers_list l = { json_array(), sd_now_ns() };
	size_t active, i;

	if (jlim != NULL && (!json_is_integer(jlim) || lim < 0)) {
		json_decref(l.a);
		return json_pack("{s:b,s:s}", "ok", 0, "error",
		    "\"limit\" must be a whole number, 0 or more");
	}
	if (jlim == NULL || lim > SD_CTL_XFERS_MAX)
		lim = SD_CTL_XFERS_MAX;
	active = sd_files_list(srv->files, (size_t)lim, xfers_add, &l);
	ended = json_array();
	for (i = 0; i < sd_xferlog_count(log); i++)
		json_array_append_new(ended, xfers_json(sd_xferlog_get(log, i),
		    l.now));
	return json_pack("{s:b,s:I,s:i,s:I,s:o,s:o}", "ok", 1,
	    "stall_seconds", (json_int_t)srv->cfg->stall_seconds,
	    "window", SD_RATE_WINDOW, "active", (json_int_t)active,
	    "transfers", l.a, "ended", ended);
}
