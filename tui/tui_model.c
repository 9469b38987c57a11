/*
 * tui_model.c: the dashboard's model, filled from the server's JSON (see
 * tui_model.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_esc.h"
#include "tui_fmt.h"
#include "tui_model.h"

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* A peer's text under key, escaped by its length (sd_esc_text) into
 * buf: a NUL in it shows as \x00 rather than ending it there. */
static const char *
jtext(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return "";
	sd_esc_text(json_string_value(v), json_string_length(v), buf, len, 0,
	    NULL);
	return buf;
}

static long long
jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "2026-11-25T17:10:00.123Z" back to ns (UTC). */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000000 + (int64_t)ms * 1000000;
}

struct tui_model *
tui_model_new(void)
{
	struct tui_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->clients = calloc(TUI_WINDOW_MAX, sizeof(*m->clients));
	m->who = calloc(TUI_WHO_MAX, sizeof(*m->who));
	m->devices = calloc(TUI_DEVICES_MAX, sizeof(*m->devices));
	if (m->clients == NULL || m->who == NULL || m->devices == NULL) {
		free(m->clients);
		free(m->who);
		free(m->devices);
		free(m);
		return NULL;
	}
	return m;
}

void
tui_model_restart(struct tui_model *m)
{
	m->have_status = 0;
	m->version[0] = '\0';
	m->node_id[0] = '\0';
	m->uptime_ms = m->uptime_ns = m->uptime_shown = 0;
	m->ports[0] = '\0';
	m->nlistening = m->nports = m->nclients = 0;
	m->in_rate = m->out_rate = m->readings_rate = m->messages_rate = 0;
	m->naddrs = 0;
	m->failed[0] = m->sinks[0] = m->sinks_short[0] = '\0';
	m->messages = 0;
	m->sinks_bad = m->blocked = 0;
	m->store[0] = '\0';
	m->nclients_rows = m->clients_off = m->clients_total = 0;
	m->clients_stale = 1;
	m->nxfers = m->nxfers_live = m->xfers_active = 0;
	m->xfers_stale = 1;
	m->nsensors = 0;
	m->sensors_ns = 0;
	m->ndevices = m->devices_total = 0;
	m->devices_online = m->devices_offline = m->devices_silent = 0;
	m->devices_error[0] = '\0';
	m->devices_ns = 0;
}

void
tui_model_free(struct tui_model *m)
{
	if (m == NULL)
		return;
	free(m->clients);
	free(m->who);
	free(m->devices);
	free(m);
}

void
tui_model_log(struct tui_model *m, const char *fmt, ...)
{
	char *line;
	va_list ap;

	if (m->log_count == TUI_LOG_MAX) {
		m->log_head = (m->log_head + 1) % TUI_LOG_MAX;
		m->log_count--;
	}
	line = m->log[(m->log_head + m->log_count) % TUI_LOG_MAX];
	va_start(ap, fmt);
	vsnprintf(line, TUI_LOG_LEN, fmt, ap);
	va_end(ap);
	m->log_level[(m->log_head + m->log_count) % TUI_LOG_MAX] = TUI_LV_INFO;
	m->log_count++;
	m->log_seq++;
}

const char *
tui_model_log_line(const struct tui_model *m, size_t i)
{
	return m->log[(m->log_head + i) % TUI_LOG_MAX];
}

int
tui_model_log_level(const struct tui_model *m, size_t i)
{
	return m->log_level[(m->log_head + i) % TUI_LOG_MAX];
}

/* The newest line's level, when it came after line number seq. */
static void
log_mark(struct tui_model *m, uint64_t seq, int level)
{
	if (m->log_seq > seq && m->log_count > 0)
		m->log_level[(m->log_head + m->log_count - 1) %
		    TUI_LOG_MAX] = (unsigned char)level;
}

/* An event's "level" (sd_events.c); a server without one says info. */
static int
event_level(json_t *o)
{
	const char *lv = jstr(o, "level");

	if (strcmp(lv, "error") == 0)
		return TUI_LV_ERROR;
	return strcmp(lv, "warning") == 0 ? TUI_LV_WARNING : TUI_LV_INFO;
}

struct tui_client *
tui_model_client(struct tui_model *m, uint32_t id)
{
	size_t i;

	for (i = 0; i < m->nclients_rows; i++) {
		if (m->clients[i].id == id)
			return &m->clients[i];
	}
	return NULL;
}

/* What is known of client id, from its row (c, or NULL) and from the
 * event o, kept for the lines about it to come. A connect starts
 * afresh: a server that started again gives the ids out again. */
static struct tui_who *
who_learn(struct tui_model *m, const struct tui_client *c, json_t *o,
    uint32_t id, int fresh)
{
	struct tui_who *w = &m->who[id % TUI_WHO_MAX];

	if (w->id != id || fresh) {
		memset(w, 0, sizeof(*w));
		w->id = id;
	}
	if (c != NULL) {
		snprintf(w->peer, sizeof(w->peer), "%s", c->peer);
		w->peer_port = c->peer_port;
		if (c->port > 0)
			w->port = c->port;
		if (c->device[0] != '\0')
			snprintf(w->device, sizeof(w->device), "%s",
			    c->device);
	}
	if (o == NULL)
		return w;
	if (jstr(o, "peer")[0] != '\0') {
		snprintf(w->peer, sizeof(w->peer), "%s", jstr(o, "peer"));
		w->peer_port = (int)jint(o, "peer_port");
	}
	if (jint(o, "port") > 0)
		w->port = (int)jint(o, "port");
	if (jstr(o, "device")[0] != '\0')
		snprintf(w->device, sizeof(w->device), "%s",
		    jstr(o, "device"));
	return w;
}

/* The fields the detail view shows beyond the table's: name, auth
 * (and registry name), TLS (its session, a client certificate's
 * identity and subject), frames and the transfer x (or NULL). */
static void
client_more(struct tui_client *c, json_t *o, json_t *x)
{
	json_t *t = json_object_get(o, "tls");
	const char *s[] = { jstr(o, "name"), jstr(o, "auth"),
	    jstr(x, "name"), jstr(o, "device_name") };

	snprintf(c->name, sizeof(c->name), "%s", s[0]);
	snprintf(c->auth, sizeof(c->auth), "%s", s[1]);
	snprintf(c->xname, sizeof(c->xname), "%s", s[2]);
	snprintf(c->device_name, sizeof(c->device_name), "%s", s[3]);
	c->tls[0] = '\0';
	if (json_is_object(t))
		snprintf(c->tls, sizeof(c->tls), "%s %s", jstr(t, "version"),
		    jstr(t, "cipher"));
	snprintf(c->tls_identity, sizeof(c->tls_identity), "%s",
	    jstr(t, "identity"));
	snprintf(c->tls_subject, sizeof(c->tls_subject), "%s",
	    jstr(t, "subject"));
	c->frames_in = (uint64_t)jint(o, "frames_in");
	c->frames_out = (uint64_t)jint(o, "frames_out");
	c->xbytes = (uint64_t)jint(x, "bytes");
	c->xsize = (uint64_t)jint(x, "size");
}

static void
client_from_json(struct tui_client *c, json_t *o)
{
	json_t *x = json_object_get(o, "transfer");

	c->id = (uint32_t)jint(o, "id");
	c->fd = (int)jint(o, "fd");
	snprintf(c->peer, sizeof(c->peer), "%s", jstr(o, "peer"));
	c->peer_port = (int)jint(o, "peer_port");
	c->port = (int)jint(o, "port");
	snprintf(c->device, sizeof(c->device), "%s", jstr(o, "device"));
	snprintf(c->proto, sizeof(c->proto), "%s", jstr(o, "proto"));
	c->connected_ns = jint(o, "connected_ns");
	c->last_ns = parse_time(jstr(o, "last_active"));
	c->bytes_in = (uint64_t)jint(o, "bytes_in");
	c->bytes_out = (uint64_t)jint(o, "bytes_out");
	c->rate = json_number_value(json_object_get(o, "rate"));
	client_more(c, o, x);
	/* The server's word for what it does; an older server's rows
	 * say what the transfer and paused flag tell. */
	snprintf(c->state, sizeof(c->state), "%s", jstr(o, "state"));
	if (c->state[0] != '\0')
		return;
	if (json_is_object(x) && jint(x, "size") > 0)
		snprintf(c->state, sizeof(c->state), "file %lld%%",
		    jint(x, "bytes") * 100 / jint(x, "size"));
	else if (json_is_true(json_object_get(o, "paused")))
		snprintf(c->state, sizeof(c->state), "paused");
}

void
tui_model_detail(struct tui_model *m, uint32_t id)
{
	struct tui_client *c = id != 0 ? tui_model_client(m, id) : NULL;

	m->detail_id = id;
	m->detail_have = c != NULL;
	m->detail_gone[0] = '\0';
	m->detail_gone_ns = 0;
	if (c != NULL)
		m->detail = *c;
}

const char *const tui_model_sorts[TUI_SORTS] = {
	"connected", "id", "peer", "in", "out", "port", "device", "name",
	"last", "state"
};

struct tui_client *
tui_model_row(struct tui_model *m, size_t i)
{
	if (i < m->clients_off || i - m->clients_off >= m->nclients_rows)
		return NULL;
	return &m->clients[i - m->clients_off];
}

/* A clients answer: a window ("total", "offset", "sort"), or from a
 * server without windows every client (the first TUI_WINDOW_MAX). */
static void
feed_clients(struct tui_model *m, json_t *msg, json_t *a)
{
	const char *sort = jstr(msg, "sort");
	struct tui_client *c;
	json_t *o;
	size_t i;
	int k;

	m->nclients_rows = 0;
	json_array_foreach(a, i, o) {
		if (m->nclients_rows == TUI_WINDOW_MAX)
			break;
		c = &m->clients[m->nclients_rows++];
		client_from_json(c, o);
		who_learn(m, c, NULL, c->id, 0);
	}
	m->clients_off = (size_t)jint(msg, "offset");
	m->clients_total = json_is_integer(json_object_get(msg, "total")) ?
	    (size_t)jint(msg, "total") : json_array_size(a);
	m->clients_sort = 0;
	for (k = 0; k < TUI_SORTS; k++)
		if (strcmp(sort, tui_model_sorts[k]) == 0)
			m->clients_sort = k;
	m->clients_rev = json_is_true(json_object_get(msg, "reverse"));
	snprintf(m->clients_filter, sizeof(m->clients_filter), "%s",
	    jstr(msg, "filter"));
	m->clients_match = json_is_integer(json_object_get(msg, "matched")) ?
	    (size_t)jint(msg, "matched") : m->clients_total;
	m->clients_stale = 0;
}

/* A client connected: counted at once, and shown at once when the
 * window ends at the end of connection order; the window is stale. */
static void
feed_connect(struct tui_model *m, json_t *o, uint32_t id, int64_t ns)
{
	struct tui_client *c;

	m->clients_stale = 1;
	if (tui_model_client(m, id) != NULL)
		return;
	m->clients_total++;
	if (m->clients_filter[0] == '\0')
		m->clients_match++;
	if (m->clients_filter[0] != '\0' || m->clients_rev)
		return;		/* its place is the server's to say */
	if (m->clients_sort > 1 || m->nclients_rows == TUI_WINDOW_MAX ||
	    m->clients_off + m->nclients_rows + 1 != m->clients_total)
		return;
	c = &m->clients[m->nclients_rows++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->fd = (int)jint(o, "fd");
	snprintf(c->peer, sizeof(c->peer), "%s", jstr(o, "peer"));
	c->peer_port = (int)jint(o, "peer_port");
	c->port = (int)jint(o, "port");
	snprintf(c->proto, sizeof(c->proto), "legacy");
	snprintf(c->state, sizeof(c->state), "new");	/* no frame yet */
	c->connected_ns = c->last_ns = ns;
}

/* A client went: its row goes at once (the rest keep their order). */
static void
feed_disconnect(struct tui_model *m, struct tui_client *c)
{
	size_t i;

	m->clients_stale = 1;
	if (m->clients_total > 0)
		m->clients_total--;
	if (m->clients_match > 0 &&
	    (c != NULL || m->clients_filter[0] == '\0'))
		m->clients_match--;
	if (c == NULL)
		return;
	i = (size_t)(c - m->clients);
	memmove(c, c + 1, (m->nclients_rows - i - 1) * sizeof(*c));
	m->nclients_rows--;
}

/* "5000-5003" from a status port list (contiguous runs merged). */
static void
ports_text(struct tui_model *m, json_t *ports)
{
	long long prev = -2, start = -1, p;
	size_t i, o = 0;
	json_t *v;

	m->ports[0] = '\0';
	m->nports = 0;
	m->nlistening = 0;
	json_array_foreach(ports, i, v) {
		p = jint(v, "port");
		if (strcmp(jstr(v, "state"), "listening") == 0)
			m->nlistening++;
		m->nports++;
		if (p == prev)
			continue;
		if (p != prev + 1) {
			if (start >= 0 && o < sizeof(m->ports))
				o += (size_t)snprintf(m->ports + o,
				    sizeof(m->ports) - o, prev != start ?
				    "%s%lld-%lld" : "%s%lld", o ? "," : "",
				    start, prev);
			start = p;
		}
		prev = p;
	}
	if (start >= 0 && o < sizeof(m->ports))
		snprintf(m->ports + o, sizeof(m->ports) - o, prev != start ?
		    "%s%lld-%lld" : "%s%lld", o ? "," : "", start, prev);
}

/* Each sink in a few words: state (and why, when it is not ok),
 * delivered per second, backlog. */
static void
feed_sinks(struct tui_model *m, json_t *sinks)
{
	char backlog[16];
	size_t i, o = 0, k = 0;
	json_t *v;
	int ok;

	m->sinks[0] = '\0';
	m->sinks_short[0] = '\0';
	m->sinks_bad = 0;
	json_array_foreach(sinks, i, v) {
		if (o >= sizeof(m->sinks) || k >= sizeof(m->sinks_short))
			break;
		ok = strcmp(jstr(v, "state"), "ok") == 0;
		m->sinks_bad |= !ok;
		tui_fmt_bytes((double)jint(v, "backlog_bytes"), backlog,
		    sizeof(backlog));
		o += (size_t)snprintf(m->sinks + o, sizeof(m->sinks) - o,
		    "%s%s %s%s%.48s%s %lld/s backlog %s", o ? "  " : "",
		    jstr(v, "name"), jstr(v, "state"), ok ? "" : " (",
		    ok ? "" : jstr(v, "error"), ok ? "" : ")",
		    jint(v, "rate"), backlog);
		/* Where the line is short, the reasons give way first. */
		k += (size_t)snprintf(m->sinks_short + k,
		    sizeof(m->sinks_short) - k, "%s%.12s %.12s %lld/s %s",
		    k ? "  " : "", jstr(v, "name"), jstr(v, "state"),
		    jint(v, "rate"), backlog);
	}
}

int64_t
tui_model_uptime(struct tui_model *m, int64_t now_ns)
{
	int64_t up = m->uptime_ms;

	if (m->uptime_ns != 0 && now_ns > m->uptime_ns)
		up += (now_ns - m->uptime_ns) / 1000000;
	/* A later snapshot can put it a few milliseconds back (it spent
	 * longer on the way): a second shown is not shown again. */
	if (up / 1000 > m->uptime_shown)
		m->uptime_shown = up / 1000;
	return m->uptime_shown;
}

/* The listened addresses, the first TUI_ADDRS_MAX (the header says how
 * many more). */
static void
feed_addrs(struct tui_model *m, json_t *a)
{
	size_t i;
	json_t *v;

	m->naddrs = 0;
	json_array_foreach(a, i, v) {
		if (m->naddrs < TUI_ADDRS_MAX)
			snprintf(m->addrs[m->naddrs], sizeof(m->addrs[0]),
			    "%.63s %.15s%s", jstr(v, "addr"), jstr(v, "if"),
			    json_is_true(json_object_get(v, "loopback")) ?
			    " (loopback)" : "");
		m->naddrs++;
	}
}

/* The server's rates over its window, as they are: a figure worked out
 * here from two snapshots would be as good as their timing (a steady
 * 40/s read 80/s and 0/s by turns). */
static void
feed_rates(struct tui_model *m, json_t *r)
{
	m->in_rate = json_number_value(json_object_get(r, "bytes_in"));
	m->out_rate = json_number_value(json_object_get(r, "bytes_out"));
	m->readings_rate = json_number_value(json_object_get(r, "readings"));
	m->messages_rate = json_number_value(json_object_get(r, "messages"));
	m->rate_window = (int)jint(r, "window");
}

static void
feed_status(struct tui_model *m, json_t *st)
{
	json_t *t = json_object_get(st, "totals"), *v;
	int64_t now = tui_now_ns();
	size_t i, o = 0;

	feed_rates(m, json_object_get(st, "rates"));
	snprintf(m->version, sizeof(m->version), "%s", jstr(st, "version"));
	snprintf(m->node_id, sizeof(m->node_id), "%s", jstr(st, "node_id"));
	/* Whole seconds from a server without uptime_ms: the clock turns
	 * up to a second late, but still every second. */
	m->uptime_ms = json_object_get(st, "uptime_ms") != NULL ?
	    jint(st, "uptime_ms") : jint(st, "uptime") * 1000;
	m->uptime_ns = now;
	m->nclients = (int)jint(st, "clients");
	ports_text(m, json_object_get(st, "ports"));
	m->messages = (uint64_t)jint(t, "messages");
	feed_addrs(m, json_object_get(st, "addresses"));
	m->nblocked = json_array_size(json_object_get(st, "blocked"));
	m->failed[0] = '\0';
	json_array_foreach(json_object_get(st, "ports"), i, v) {
		/* A port a reload removed is not a failure. */
		if (strcmp(jstr(v, "state"), "listening") == 0 ||
		    strcmp(jstr(v, "state"), "removed") == 0 ||
		    o >= sizeof(m->failed))
			continue;
		o += (size_t)snprintf(m->failed + o, sizeof(m->failed) - o,
		    "%s%lld %s: %s", o ? ", " : "", jint(v, "port"),
		    jstr(v, "addr"), jstr(v, "reason"));
	}
	feed_sinks(m, json_object_get(st, "sinks"));
	m->blocked = json_is_true(json_object_get(json_object_get(st,
	    "store"), "backpressure"));
	snprintf(m->store, sizeof(m->store), "%s",
	    jstr(json_object_get(st, "store"), "state"));
	m->have_status = 1;
}

int64_t
tui_sensor_age(const struct tui_sensor *s, int64_t now_ns)
{
	int64_t ms = s->age_ms + (now_ns - s->seen_ns) / 1000000;

	return ms < 0 ? 0 : ms / 1000;
}

int
tui_sensor_silent(const struct tui_sensor *s, int64_t now_ns)
{
	int64_t ms = s->age_ms + (now_ns - s->seen_ns) / 1000000;
	int64_t lim = 3 * s->interval_ms;

	return s->interval_ms > 0 && ms > (lim > 2000 ? lim : 2000);
}

/* A bucket of the history: [min, max, last], or null for none. */
static void
feed_spoint(struct tui_spoint *p, json_t *v)
{
	memset(p, 0, sizeof(*p));
	if (!json_is_array(v) || json_array_size(v) != 3)
		return;
	p->lo = json_number_value(json_array_get(v, 0));
	p->hi = json_number_value(json_array_get(v, 1));
	p->last = json_number_value(json_array_get(v, 2));
	p->has = 1;
}

static void
feed_sensor(struct tui_sensor *s, json_t *o, int64_t now)
{
	json_t *h = json_object_get(o, "history");
	size_t i, n = json_array_size(h);

	memset(s, 0, sizeof(*s));
	snprintf(s->device, sizeof(s->device), "%s", jstr(o, "device"));
	snprintf(s->channel, sizeof(s->channel), "%s", jstr(o, "channel"));
	s->value = json_number_value(json_object_get(o, "value"));
	s->have = json_is_number(json_object_get(o, "min"));
	s->min = json_number_value(json_object_get(o, "min"));
	s->max = json_number_value(json_object_get(o, "max"));
	s->count = (uint64_t)jint(o, "count");
	s->rate = json_number_value(json_object_get(o, "rate"));
	s->age_ms = jint(o, "age_ms");
	s->interval_ms = jint(o, "interval_ms");
	s->seen_ns = now;
	/* The newest buckets, right-aligned: a shorter history is older
	 * gaps. */
	if (n > TUI_HIST)
		n = TUI_HIST;
	for (i = 0; i < n; i++)
		feed_spoint(&s->hist[TUI_HIST - n + i],
		    json_array_get(h, json_array_size(h) - n + i));
}

/* The server's sensors replace the model's: it keeps them, bounded. */
static void
feed_sensors(struct tui_model *m, json_t *msg, json_t *a)
{
	size_t i, k;
	int64_t now = tui_now_ns();
	json_t *w = json_object_get(msg, "window");

	m->sensors_ns = now;
	m->sensors_window = json_is_integer(w) ? (int)json_integer_value(w) :
	    60;
	m->nsensors = 0;
	m->nsensor_devs = 0;
	for (i = 0; i < json_array_size(a) && i < TUI_SENSORS_MAX; i++) {
		feed_sensor(&m->sensors[i], json_array_get(a, i), now);
		m->nsensors++;
		for (k = 0; k < i; k++) {
			if (strcmp(m->sensors[k].device,
			    m->sensors[i].device) == 0)
				break;
		}
		if (k == i)
			m->nsensor_devs++;
	}
}

int64_t
tui_device_age(const struct tui_device *v, int64_t now_ns)
{
	int64_t ms = v->last_ms + (now_ns - v->seen_ns) / 1000000;

	return ms < 0 ? 0 : ms / 1000;
}

static void
feed_device(struct tui_device *v, json_t *o, int64_t now)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->mac, sizeof(v->mac), "%s", jstr(o, "mac"));
	/* As the server has them: the pane fits them to their columns,
	 * '?' for every byte that is not printable ASCII (as Clients). */
	snprintf(v->name, sizeof(v->name), "%s", jstr(o, "name"));
	snprintf(v->state, sizeof(v->state), "%s", jstr(o, "state"));
	snprintf(v->address, sizeof(v->address), "%s", jstr(o, "address"));
	snprintf(v->protocol, sizeof(v->protocol), "%s", jstr(o, "protocol"));
	v->tls = json_is_true(json_object_get(o, "tls"));
	v->last_ms = jint(o, "last_seen_ms");
	v->first_ns = parse_time(jstr(o, "first_seen"));
	v->seen_ns = now;
	v->readings = (uint64_t)jint(o, "readings");
	v->files = (uint64_t)jint(o, "files");
	v->messages = (uint64_t)jint(o, "messages");
	v->interval_s = json_number_value(json_object_get(o, "interval_s"));
	v->rate = json_number_value(json_object_get(o, "rate"));
}

/* The server's devices replace the model's (the first TUI_DEVICES_MAX;
 * the counts are the server's, of all of them). */
static void
feed_devices(struct tui_model *m, json_t *msg, json_t *a)
{
	int64_t now = tui_now_ns();
	size_t i;

	m->ndevices = 0;
	for (i = 0; i < json_array_size(a) && i < TUI_DEVICES_MAX; i++)
		feed_device(&m->devices[m->ndevices++], json_array_get(a, i),
		    now);
	m->devices_total = json_is_integer(json_object_get(msg, "total")) ?
	    (size_t)jint(msg, "total") : m->ndevices;
	m->devices_online = (size_t)jint(msg, "online");
	m->devices_offline = (size_t)jint(msg, "offline");
	m->devices_silent = (size_t)jint(msg, "silent");
	m->devices_error[0] = '\0';
	m->devices_ns = now;
}

void
tui_model_devices_refused(struct tui_model *m, const char *why)
{
	/* Info: an older server is no fault (n/N do not stop on it). */
	if (m->devices_error[0] == '\0')
		tui_model_log(m, "the server does not list devices: %.120s",
		    why);
	snprintf(m->devices_error, sizeof(m->devices_error), "%s",
	    why[0] != '\0' ? why : "refused");
	m->ndevices = 0;
	m->devices_ns = tui_now_ns();
}

/* The count of devices in state st, or NULL for a state not counted. */
static size_t *
device_count(struct tui_model *m, const char *st)
{
	if (strcmp(st, "online") == 0)
		return &m->devices_online;
	if (strcmp(st, "offline") == 0)
		return &m->devices_offline;
	return strcmp(st, "silent") == 0 ? &m->devices_silent : NULL;
}

/* A device-silent or device-back event: its line in the log, and its
 * row (when the model holds it) in its new state at once. */
static void
feed_device_event(struct tui_model *m, json_t *o, const char *ev,
    const char *when)
{
	int silent = strcmp(ev, "device-silent") == 0;
	double every = json_number_value(json_object_get(o, "interval_s"));
	char mbuf[80], nbuf[160], gap[16], usual[40] = "";
	const char *mac, *name;
	size_t i, *was, *now;

	/* A name null (none in the registry) is "": jtext leaves the
	 * buffer alone then. */
	mac = jtext(o, "mac", mbuf, sizeof(mbuf));
	name = jtext(o, "name", nbuf, sizeof(nbuf));
	tui_fmt_age((int64_t)json_number_value(json_object_get(o,
	    "silent_s")), gap, sizeof(gap));
	if (silent && every > 0)
		snprintf(usual, sizeof(usual), " (usually every %.3gs)",
		    every);
	tui_model_log(m, "%s  device %s%s%s %s %s%s", when, mac,
	    name[0] != '\0' ? " " : "", name, silent ? "silent for" :
	    "back after", gap, usual);
	for (i = 0; i < m->ndevices; i++) {
		if (strcmp(m->devices[i].mac, jstr(o, "mac")) != 0)
			continue;
		was = device_count(m, m->devices[i].state);
		now = device_count(m, silent ? "silent" : "online");
		if (was != NULL && *was > 0 && was != now) {
			(*was)--;
			(*now)++;
		}
		snprintf(m->devices[i].state, sizeof(m->devices[i].state),
		    "%s", silent ? "silent" : "online");
		if (!silent) {
			m->devices[i].last_ms = 0;
			m->devices[i].seen_ns = tui_now_ns();
		}
		break;
	}
}

/* One transfer of the account; ended says which list it came in. */
static void
feed_xfer(struct tui_xfer *x, json_t *o, int ended, int64_t now)
{
	memset(x, 0, sizeof(*x));
	x->id = (uint64_t)jint(o, "id");
	x->client = (uint32_t)jint(o, "client");
	/* Escaped straight into the field: sd_esc_text never cuts an escape. */
	jtext(o, "name", x->name, sizeof(x->name));
	x->bytes = (uint64_t)jint(o, "bytes");
	x->size = (uint64_t)jint(o, "size");
	x->offset = (uint64_t)jint(o, "offset");
	x->rate = json_number_value(json_object_get(o, "rate"));
	snprintf(x->state, sizeof(x->state), "%s", jstr(o, "state"));
	jtext(o, "reason", x->reason, sizeof(x->reason));
	x->idle_ms = jint(o, "idle_ms");
	x->seen_ns = now;
	x->ended = ended;
}

/* The server's transfers replace the model's: those in flight first
 * (TUI_XFERS_LIVE at most), the ended ones, newest first, after. */
static void
feed_xfers(struct tui_model *m, json_t *msg)
{
	json_t *live = json_object_get(msg, "transfers");
	json_t *ended = json_object_get(msg, "ended");
	int64_t now = tui_now_ns();
	size_t i;

	m->nxfers = 0;
	for (i = 0; i < json_array_size(live) && i < TUI_XFERS_LIVE; i++)
		feed_xfer(&m->xfers[m->nxfers++], json_array_get(live, i), 0,
		    now);
	m->nxfers_live = m->nxfers;
	for (i = 0; i < json_array_size(ended) &&
	    m->nxfers < TUI_XFERS_MAX; i++)
		feed_xfer(&m->xfers[m->nxfers++], json_array_get(ended, i), 1,
		    now);
	m->xfers_active = (size_t)jint(msg, "active");
	m->stall_seconds = (int)jint(msg, "stall_seconds");
	m->xfers_stale = 0;
}

/* The start of a log line about a client: its id (aligned), address,
 * server port and device, as far as they are known, so filtering on a
 * MAC or a port finds its lines. */
static void
log_who(const struct tui_who *w, char *who, size_t len)
{
	char peer[64] = "", port[16] = "";

	if (w->peer[0] != '\0')
		snprintf(peer, sizeof(peer), strchr(w->peer, ':') ?
		    " [%s]:%d" : " %s:%d", w->peer, w->peer_port);
	if (w->port > 0)
		snprintf(port, sizeof(port), " on %d", w->port);
	snprintf(who, len, "#%-4u%s%s%s%s  ", w->id, peer, port,
	    w->device[0] != '\0' ? " " : "", w->device);
}

/* A file event's log line, with the bytes the server says came. */
static void
feed_file_log(struct tui_model *m, const char *ev, json_t *o,
    const char *when, const char *who)
{
	char name[512], why[512], got[16], size[16];
	const char *st = jstr(o, "state");

	jtext(o, "name", name, sizeof(name));
	jtext(o, "reason", why, sizeof(why));
	tui_fmt_bytes((double)jint(o, "bytes"), got, sizeof(got));
	tui_fmt_bytes((double)jint(o, "size"), size, sizeof(size));
	if (strcmp(ev, "file-start") == 0)
		tui_model_log(m, "%s  %sfile %s started (%lld bytes)", when,
		    who, name, jint(o, "size"));
	else if (strcmp(ev, "file-done") == 0)
		tui_model_log(m, "%s  %sfile %s stored (%lld bytes)", when,
		    who, name, jint(o, "size"));
	else if (strcmp(ev, "file-failed") == 0)
		tui_model_log(m, "%s  %sfile %s %s at %s of %s: %s", when, who,
		    name, st[0] != '\0' ? st : "failed", got, size, why);
	else if (strcmp(ev, "file-stall") == 0 && strcmp(st, "stalled") == 0)
		tui_model_log(m, "%s  %sfile %s stalled at %s of %s: no byte "
		    "for %llds", when, who, name, got, size, jint(o, "window"));
	else if (strcmp(ev, "file-stall") == 0)
		tui_model_log(m, "%s  %sfile %s receiving again at %s of %s, "
		    "after %llds", when, who, name, got, size, jint(o,
		    "window"));
}

/* A hello (an extension client) or identified (the registry admitted a
 * legacy device) event: its row learns how the client is identified,
 * and the log says it: `hello "NAME" as pump-7 (registry)`,
 * `hello "NAME" (token)`, `identified as meter-1 (registry)`; `hello
 * "NAME"` alone when nothing identified it (auth none). */
static void
feed_ident(struct tui_model *m, struct tui_client *c, json_t *o,
    const char *ev, const char *when, const char *who)
{
	const char *auth = jstr(o, "auth"), *name = jstr(o, "device_name");
	char hello[96] = "", as[96] = "";

	if (c != NULL) {
		if (ev[0] == 'h')
			snprintf(c->proto, sizeof(c->proto), "ext");
		snprintf(c->device, sizeof(c->device), "%s",
		    jstr(o, "device"));
		snprintf(c->auth, sizeof(c->auth), "%s", auth);
		snprintf(c->device_name, sizeof(c->device_name), "%s", name);
	}
	if (ev[0] == 'h')
		snprintf(hello, sizeof(hello), "hello \"%.64s\"",
		    jstr(o, "name"));
	else
		snprintf(hello, sizeof(hello), "identified");
	if (name[0] != '\0')
		snprintf(as, sizeof(as), " as %.63s", name);
	if (strcmp(auth, "none") == 0)
		auth = "";	/* the common case, said by nothing */
	tui_model_log(m, "%s  %s%s%s%s%.24s%s", when, who, hello, as,
	    auth[0] ? " (" : "", auth, auth[0] ? ")" : "");
}

/* Turn an event into its log line, and into rows where it adds some. */
/* "connected", and on a TLS port "over TLSv1.3", with a client
 * certificate "as IDENTITY" (its subject without one): how the client
 * is identified, as the log says it. */
static void
log_connect(struct tui_model *m, json_t *o, const char *when,
    const char *who)
{
	json_t *t = json_object_get(o, "tls");
	char id[160];

	if (!json_is_object(t))
		tui_model_log(m, "%s  %sconnected", when, who);
	else if (json_object_get(t, "identity") != NULL)
		tui_model_log(m, "%s  %sconnected over %.16s as %s", when, who,
		    jstr(t, "version"), jtext(t, "identity", id, sizeof(id)));
	else if (json_object_get(t, "subject") != NULL)
		tui_model_log(m, "%s  %sconnected over %.16s as \"%s\"", when,
		    who, jstr(t, "version"), jtext(t, "subject", id,
		    sizeof(id)));
	else
		tui_model_log(m, "%s  %sconnected over %.16s", when, who,
		    jstr(t, "version"));
}

static void
feed_event(struct tui_model *m, json_t *o)
{
	const char *ev = jstr(o, "event"), *t = jstr(o, "time");
	struct tui_client *c;
	char who[128] = "", when[16] = "", text[512];
	uint32_t id = (uint32_t)jint(o, "id");
	int64_t ns = parse_time(t);
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	localtime_r(&sec, &tm);
	snprintf(when, sizeof(when), "%02d:%02d:%02d.%03d", tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ns / 1000000 % 1000));
	if (strcmp(ev, "connect") == 0)
		feed_connect(m, o, id, ns);
	c = id != 0 ? tui_model_client(m, id) : NULL;
	if (id != 0)
		log_who(who_learn(m, c, o, id, strcmp(ev, "connect") == 0),
		    who, sizeof(who));
	if (strcmp(ev, "connect") == 0)
		log_connect(m, o, when, who);
	else if (strcmp(ev, "disconnect") == 0) {
		tui_model_log(m, "%s  %sdisconnected (%s)", when, who,
		    jstr(o, "reason"));
		if (id != 0 && id == m->detail_id) {
			snprintf(m->detail_gone, sizeof(m->detail_gone),
			    "disconnected at %s (%.100s)", when,
			    jstr(o, "reason"));
			m->detail_gone_ns = ns;
		}
		feed_disconnect(m, c);
	} else if (strcmp(ev, "message") == 0) {
		if (c != NULL) {
			snprintf(c->device, sizeof(c->device), "%s",
			    jstr(o, "device"));
			c->last_ns = ns;
		}
		tui_model_log(m, "%s  %smessage  \"%.100s\"", when, who,
		    jtext(o, "text", text, sizeof(text)));
	} else if (strcmp(ev, "hello") == 0 ||
	    strcmp(ev, "identified") == 0)
		feed_ident(m, c, o, ev, when, who);
	else if (strncmp(ev, "file-", 5) == 0) {
		m->xfers_stale = 1;	/* the account says the rest */
		feed_file_log(m, ev, o, when, who);
	} else if (strcmp(ev, "listen") == 0 ||
	    strcmp(ev, "listen-failed") == 0) {
		tui_model_log(m, "%s  %s %s port %lld %s", when, ev,
		    jstr(o, "addr"), jint(o, "port"), jstr(o, "reason"));
	} else if (strcmp(ev, "device-silent") == 0 ||
	    strcmp(ev, "device-back") == 0)
		feed_device_event(m, o, ev, when);
	else if (strcmp(ev, "broadcast") == 0)
		tui_model_log(m, "%s  broadcast \"%.100s\" to %lld clients",
		    when, jtext(o, "text", text, sizeof(text)),
		    jint(o, "clients"));
	else if (strcmp(ev, "send") == 0)
		tui_model_log(m, "%s  %ssent \"%.100s\"", when, who,
		    jtext(o, "text", text, sizeof(text)));
	else if (strcmp(ev, "reload") == 0)	/* what changed, or why not */
		tui_model_log(m, "%s  reload %s: %.400s", when,
		    jstr(o, "state"), jtext(o, json_object_get(o, "reason") ?
		    "reason" : "text", text, sizeof(text)));
	else if (strcmp(ev, "readings") != 0)
		tui_model_log(m, "%s  %s%s  %s%s%s %s", when, who, ev,
		    jstr(o, "name"), json_object_get(o, "state") ? " " : "",
		    jstr(o, "state"), jstr(o, "reason"));
}

/* One event into the log, its lines marked with its level. */
static void
feed_leveled(struct tui_model *m, json_t *o)
{
	uint64_t seq = m->log_seq;
	int lv = event_level(o);

	/* A device gone silent is news however the server rates it. */
	if (lv == TUI_LV_INFO && strcmp(jstr(o, "event"),
	    "device-silent") == 0)
		lv = TUI_LV_WARNING;
	feed_event(m, o);
	log_mark(m, seq, lv);
}

/* The server's recent events, when attaching: the log starts where an
 * in-process dashboard's would be. Those already seen (the link broke,
 * the server did not restart) are not shown twice. */
static void
feed_history(struct tui_model *m, json_t *a)
{
	int64_t seen = m->event_ns, ns;
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		ns = parse_time(jstr(v, "time"));
		if (!json_is_object(v) || ns <= seen)
			continue;
		if (ns > m->event_ns)
			m->event_ns = ns;
		feed_leveled(m, v);
	}
}

int
tui_model_feed(struct tui_model *m, json_t *msg)
{
	uint64_t seq;
	int64_t ns;
	json_t *v;

	if (!json_is_object(msg))
		return 0;
	if (json_object_get(msg, "event") != NULL) {
		ns = parse_time(jstr(msg, "time"));
		if (ns > m->event_ns)
			m->event_ns = ns;
		feed_leveled(m, msg);
		return 1;
	}
	v = json_object_get(msg, "history");
	if (json_is_array(v))
		feed_history(m, v);
	v = json_object_get(msg, "status");
	if (json_is_object(v))
		feed_status(m, v);
	v = json_object_get(msg, "clients");
	if (json_is_array(v))
		feed_clients(m, msg, v);
	v = json_object_get(msg, "sensors");
	if (json_is_array(v))
		feed_sensors(m, msg, v);
	if (json_is_array(json_object_get(msg, "transfers")))
		feed_xfers(m, msg);
	v = json_object_get(msg, "devices");
	if (json_is_array(v))
		feed_devices(m, msg, v);
	v = json_object_get(msg, "client");
	if (json_is_object(v) && m->detail_id != 0 &&
	    (uint32_t)jint(v, "id") == m->detail_id) {
		client_from_json(&m->detail, v);
		m->detail_have = 1;
	}
	v = json_object_get(msg, "error");
	if (json_is_string(v) && m->detail_id != 0 &&
	    jint(msg, "id") == (long long)m->detail_id) {
		/* The client the detail view asked about is gone (it went
		 * before the view opened, or its event was missed). */
		if (m->detail_gone[0] == '\0')
			snprintf(m->detail_gone, sizeof(m->detail_gone),
			    "disconnected");
	} else if (json_is_string(v)) {
		seq = m->log_seq;
		tui_model_log(m, "error: %s", json_string_value(v));
		log_mark(m, seq, TUI_LV_ERROR);
	}
	return 1;
}
