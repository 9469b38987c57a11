/*
 * sd_ctl.c: the control socket. A Unix stream socket (mode 0600) that
 * speaks JSON lines: one request object per line, one response per line,
 * and for subscribers every event as it happens. It is how a headless
 * server is operated and what an attached dashboard will speak.
 */
#define _GNU_SOURCE		/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_addrs.h"
#include "sd_block.h"
#include "sd_conn.h"
#include "sd_ctl.h"
#include "sd_ctl_xfers.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_files.h"
#include "sd_fleet.h"
#include "sd_history.h"
#include "sd_pipeline.h"
#include "sd_prio.h"
#include "sd_proto.h"
#include "sd_registry.h"
#include "sd_reload.h"
#include "sd_server.h"
#include "sd_sink.h"

#define CTL_LINE_MAX	(1u << 20)	/* longest request */
#define CTL_OUT_MAX	(8u << 20)	/* a subscriber may lag this much */
#define CTL_STREAM_HIGH	(64u << 10)	/* clients rows queued at most */
#define CTL_STREAM_LOW	(16u << 10)	/* more rows below this */
#define CTL_WINDOW_MAX	1000		/* rows in one windowed answer */

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct sd_ctl		*ctl;
	struct bufferevent	*bev;
	struct event		*turn;		/* reads again, see ctl_yield */
	int			 sub;		/* subscription, 0 if none */
	int			 dead;		/* freed from the loop soon */
	int			 streaming;	/* a clients answer going out */
	int			 paused;	/* answers unread: not read */
	size_t			 nrows;		/* its rows written so far */
	struct sd_conn_cursor	 cur;		/* its next connection */
	struct evbuffer		*held;		/* events meanwhile, or NULL */
	int			 reloading;	/* its reload's answer due */
	struct sd_reload_wait	 reload;
	json_t			*reload_seq;	/* that request's, or NULL */
};

struct sd_ctl {
	struct sd_server		*srv;
	struct evconnlistener		*lev;
	struct event			*retry;		/* re-enables lev */
	int				 spare;		/* reserve fd */
	char				*path;
	TAILQ_HEAD(, ctl_client)	 clients;
};

/* Hold a descriptor in reserve for the control socket: given up to
 * accept an operator when the process has no other left. */
static void
ctl_spare_open(struct sd_ctl *ctl)
{
	if (ctl->spare < 0)
		ctl->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Forget a clients answer under way (the client is going). */
static void
ctl_stream_stop(struct ctl_client *cc)
{
	if (cc->streaming)
		sd_conn_cursor_stop(cc->ctl->srv, &cc->cur);
	cc->streaming = 0;
}

static void
ctl_client_free(struct ctl_client *cc)
{
	ctl_stream_stop(cc);
	sd_reload_forget(cc->ctl->srv->reload, &cc->reload);
	json_decref(cc->reload_seq);
	if (cc->held != NULL)
		evbuffer_free(cc->held);
	TAILQ_REMOVE(&cc->ctl->clients, cc, entry);
	if (cc->sub > 0)
		sd_events_unsubscribe(cc->ctl->srv->events, cc->sub);
	bufferevent_free(cc->bev);
	if (cc->turn != NULL)
		event_free(cc->turn);
	ctl_spare_open(cc->ctl);	/* the reserve, if it was used */
	free(cc);
}

static void
ctl_client_free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ctl_client_free(arg);
}

/* Drop a client from inside a callback that may still hold it (an event
 * fired by its own request): stop it now, free it from the loop. */
static void
ctl_client_kill(struct ctl_client *cc)
{
	if (cc->dead)
		return;
	cc->dead = 1;
	ctl_stream_stop(cc);
	if (cc->sub > 0)
		sd_events_unsubscribe(cc->ctl->srv->events, cc->sub);
	cc->sub = 0;
	bufferevent_disable(cc->bev, EV_READ | EV_WRITE);
	if (event_base_once(cc->ctl->srv->base, -1, EV_TIMEOUT,
	    ctl_client_free_cb, cc, NULL) != 0)
		cc->dead = 2;		/* freed with the others at exit */
}

/* Send one JSON value as a line, and release it. A client whose
 * answers pile up unread past CTL_OUT_MAX is cut off (ctl_read_cb stops
 * reading its requests well before). */
static void
ctl_send(struct ctl_client *cc, json_t *v)
{
	char *s;

	if (evbuffer_get_length(bufferevent_get_output(cc->bev)) >
	    CTL_OUT_MAX) {
		json_decref(v);
		ctl_client_kill(cc);
		return;
	}
	s = sd_json_dumps(v);
	json_decref(v);
	if (s == NULL)
		return;
	bufferevent_write(cc->bev, s, strlen(s));
	bufferevent_write(cc->bev, "\n", 1);
	free(s);
}

static json_t *
ctl_error(const char *why)
{
	return json_pack("{s:b,s:s}", "ok", 0, "error", why);
}

static json_t *
ctl_time(int64_t ns)
{
	char buf[40];

	sd_fmt_rfc3339(ns, buf, sizeof(buf));
	return json_string(buf);
}

/* A rate as JSON, to a tenth. */
static json_t *
ctl_rate(const struct sd_rate *r, int64_t now)
{
	return json_real((double)(int64_t)(sd_rate_get(r, now) * 10 + 0.5) /
	    10);
}

/* The totals a second over the window (sd_rate): what the dashboard's
 * header shows. */
static json_t *
ctl_status_rates(struct sd_server *srv)
{
	const struct sd_rates *r = &srv->rates;
	int64_t now = sd_mono_ns();

	return json_pack("{s:i,s:o,s:o,s:o,s:o}", "window", SD_RATE_WINDOW,
	    "messages", ctl_rate(&r->messages, now),
	    "readings", ctl_rate(&r->readings, now),
	    "bytes_in", ctl_rate(&r->bytes_in, now),
	    "bytes_out", ctl_rate(&r->bytes_out, now));
}

static json_t *
ctl_status_ports(struct sd_server *srv)
{
	struct sd_port_status st;
	json_t *ports = json_array(), *p;
	size_t i;

	for (i = 0; i < sd_server_nports(srv); i++) {
		sd_server_port(srv, i, &st);
		p = json_pack("{s:i,s:s,s:s,s:i,s:b}", "port", st.port,
		    "addr", st.addr, "state", st.listening ? "listening" :
		    st.removed ? "removed" : "failed",
		    "clients", (json_int_t)st.clients, "tls",
		    st.tls);
		if (st.reason != NULL)
			json_object_set_new(p, "reason",
			    json_string(st.reason));
		json_array_append_new(ports, p);
	}
	return ports;
}

static json_t *
ctl_status_sinks(struct sd_server *srv)
{
	json_t *a = json_array();
	struct sd_sink *s;
	int64_t now = sd_now_ns();
	uint64_t lines;
	size_t i;
	int exact;

	for (i = 0; i < sd_pipeline_nsinks(srv->pipe); i++) {
		s = sd_pipeline_sink(srv->pipe, i);
		lines = sd_pipeline_backlog_lines(srv->pipe, s, &exact);
		json_array_append_new(a, json_pack(
		    "{s:s,s:s,s:s,s:I,s:I,s:b,s:f,s:I,s:I,s:I,s:I,s:I}",
		    "name", s->ops->name,
		    "state", sd_sink_state_name(s->state),
		    "error", s->error,
		    "backlog_bytes", (json_int_t)sd_pipeline_backlog(srv->pipe,
		    s),
		    "backlog_readings", (json_int_t)lines,
		    "backlog_exact", exact,
		    "oldest_age_s", sd_sink_oldest_age(s, now),
		    "delivered", (json_int_t)s->delivered,
		    "rate", (json_int_t)s->rate,
		    "retries", (json_int_t)s->retries,
		    "rejects", (json_int_t)s->rejects,
		    "dropped", (json_int_t)s->dropped));
	}
	return a;
}

/* Whether a listening socket takes connections to a: bound to it, or
 * to its family's wildcard. */
static int
ctl_addr_listened(struct sd_server *srv, const struct sd_addr *a)
{
	struct sd_port_status st;
	size_t i;

	for (i = 0; i < sd_server_nports(srv); i++) {
		sd_server_port(srv, i, &st);
		if (!st.listening)
			continue;
		if (strcmp(st.addr, a->addr) == 0 ||
		    strcmp(st.addr, a->v6 ? "::" : "0.0.0.0") == 0)
			return 1;
	}
	return 0;
}

/* The host's addresses that reach a listening port: with --bind
 * 127.0.0.1, only that one. */
static json_t *
ctl_status_addrs(struct sd_server *srv)
{
	struct sd_addr addrs[64];
	size_t n = sd_addrs_list(addrs, 64), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		if (!ctl_addr_listened(srv, &addrs[i]))
			continue;
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b}", "if",
		    addrs[i].ifname, "addr", addrs[i].addr, "family",
		    addrs[i].v6 ? "inet6" : "inet", "loopback",
		    addrs[i].loopback));
	}
	return a;
}

/* The registry's devices and what it refused; null without one. */
static json_t *
ctl_status_registry(struct sd_server *srv)
{
	if (srv->registry == NULL)
		return json_null();
	return json_pack("{s:I,s:I,s:I}",
	    "devices", (json_int_t)srv->registry->ndevs,
	    "refused", (json_int_t)srv->totals.reg_refused,
	    "mac_mismatch", (json_int_t)srv->totals.reg_mismatch);
}

/* The TLS handshakes: under way, done, failed (of which timed out, of
 * which the client's certificate was why), and connections refused at
 * accept for their address's failed handshakes; null without a TLS
 * port. */
static json_t *
ctl_status_tls(struct sd_server *srv)
{
	const struct sd_totals *t = &srv->totals;

	if (srv->tls == NULL)
		return json_null();
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
	    "handshaking", (json_int_t)srv->nhandshakes,
	    "handshakes", (json_int_t)t->tls_handshakes,
	    "failed", (json_int_t)t->tls_failed,
	    "timeouts", (json_int_t)t->tls_timeouts,
	    "client_cert_failed", (json_int_t)t->tls_cert_failed,
	    "throttled", (json_int_t)t->tls_throttled);
}

/* The devices remembered, by state (sd_fleet). */
static json_t *
ctl_status_devices(struct sd_server *srv)
{
	struct sd_fleet_counts n;

	sd_fleet_counts(srv->fleet, &n);
	return json_pack("{s:I,s:I,s:I,s:I}", "total", (json_int_t)n.total,
	    "online", (json_int_t)n.online, "offline", (json_int_t)n.offline,
	    "silent", (json_int_t)n.silent);
}

static json_t *
ctl_status(struct sd_server *srv)
{
	json_t *a = ctl_status_addrs(srv), *st;
	const struct sd_totals *t = &srv->totals;

	st = json_pack("{s:s,s:I,s:I,s:s,s:I,s:o,s:o}",
	    "version", SD_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime", (json_int_t)((sd_mono_ns() - srv->started_mono) /
	    1000000000),
	    "server_name", srv->cfg->server_name,
	    "clients", (json_int_t)srv->nconns,
	    "addresses", a,
	    "ports", ctl_status_ports(srv));
	json_object_set_new(st, "started", ctl_time(srv->started_ns));
	/* Which node this is (--node-id, the host name by default): what
	 * "sockdeckd fleet" calls it. */
	json_object_set_new(st, "node_id", json_string(
	    srv->cfg->kafka.node_id != NULL ? srv->cfg->kafka.node_id : ""));
	/* The same to the millisecond, so a dashboard's clock turns its
	 * seconds when the server's do (tui_model_uptime). */
	json_object_set_new(st, "uptime_ms", json_integer((json_int_t)
	    ((sd_mono_ns() - srv->started_mono) / 1000000)));
	json_object_set_new(st, "totals", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "messages", (json_int_t)t->messages,
	    "files", (json_int_t)t->files,
	    "readings", (json_int_t)t->readings,
	    "bytes_in", (json_int_t)t->bytes_in,
	    "bytes_out", (json_int_t)t->bytes_out,
	    "bad_frames", (json_int_t)t->bad_frames,
	    "connections", (json_int_t)t->connections));
	json_object_set_new(st, "rates", ctl_status_rates(srv));
	json_object_set_new(st, "store", json_pack("{s:s,s:I,s:b}", "state",
	    sd_pipeline_failing(srv->pipe) ? "failing" :
	    sd_pipeline_behind(srv->pipe) ? "behind" : "ok", "pending",
	    (json_int_t)sd_pipeline_pending(srv->pipe), "backpressure",
	    sd_pipeline_full(srv->pipe)));
	json_object_set_new(st, "stopping", json_boolean(srv->stopping));
	json_object_set_new(st, "blocked", sd_block_json(srv->blocks,
	    sd_mono_ns()));
	json_object_set_new(st, "sinks", ctl_status_sinks(srv));
	json_object_set_new(st, "tls", ctl_status_tls(srv));
	json_object_set_new(st, "registry", ctl_status_registry(srv));
	json_object_set_new(st, "devices", ctl_status_devices(srv));
	return json_pack("{s:b,s:o}", "ok", 1, "status", st);
}

/* Where a connection's state goes in the "state" sort: held back and
 * busy ones first (see ctl_client_state). */
enum {
	CTL_ST_PAUSED, CTL_ST_STALLED, CTL_ST_RECEIVING, CTL_ST_READING,
	CTL_ST_SENDING, CTL_ST_CLOSING, CTL_ST_IDLE, CTL_ST_NEW
};

static int
ctl_state_rank(const struct sd_conn *c)
{
	if ((c->holds & SD_HOLD_PAUSED) != 0)
		return CTL_ST_PAUSED;
	if (c->state != SD_CONN_OPEN)
		return CTL_ST_CLOSING;
	if ((c->xfer != NULL && c->xfer->stalled) ||
	    (c->lxfer != NULL && c->lxfer->stalled))
		return CTL_ST_STALLED;
	if (c->xfer != NULL || c->lxfer != NULL)
		return CTL_ST_RECEIVING;
	/* Held until it reads its answers: a frame half in is not why. */
	if (c->holds & SD_HOLD_OUT)
		return CTL_ST_SENDING;
	if (c->frame_start_ns != 0)
		return CTL_ST_READING;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return CTL_ST_SENDING;
	return c->frames_in == 0 ? CTL_ST_NEW : CTL_ST_IDLE;
}

/* An age in at most 3 characters ("12s", "5m", "2h", "3d"): a stalled
 * client's state stays whole in the table's narrowest column. */
static void
ctl_age(int64_t ns, char *buf, size_t len)
{
	long long s = ns > 0 ? (long long)(ns / 1000000000) : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh", s / 3600);
	else
		snprintf(buf, len, "%lldd", s / 86400 > 99 ? 99 : s / 86400);
}

/* What a connection is doing, in a few words, for the dashboard's state
 * column and the filter: never empty. A stalled file says since when
 * ("stalled 41% 12s"). */
static void
ctl_client_state(const struct sd_conn *c, char *buf, size_t len)
{
	static const char *const names[] = { "paused", "stalled",
	    "receiving", "reading", "sending", "closing", "idle", "new" };
	const struct sd_xfer *x = c->xfer != NULL ? c->xfer : c->lxfer;
	unsigned held = c->holds & SD_HOLD_PAUSED;
	int rank = ctl_state_rank(c);
	char pct[16] = "", age[8];

	if (x != NULL && x->size > 0)
		snprintf(pct, sizeof(pct), " %u%%", (unsigned)(x->done >=
		    x->size ? 100 : x->done * 100 / x->size));
	if (rank == CTL_ST_PAUSED)
		snprintf(buf, len, "paused (%s)%s", held & SD_HOLD_DISK ?
		    "disk" : held & SD_HOLD_SPOOL ? "spool" : "rate", pct);
	else if (rank == CTL_ST_STALLED) {
		ctl_age(sd_mono_ns() - x->last_ns, age, sizeof(age));
		snprintf(buf, len, "stalled%s %s", pct, age);
	} else
		snprintf(buf, len, "%s%s", names[rank],
		    rank == CTL_ST_RECEIVING ? pct : "");
}

/* A peer's bytes as JSON text (at most CTL_BYTES_MAX of them): bytes
 * that are not UTF-8 read '?' (a channel is stored as it came; a
 * certificate's subject is shown, not compared). */
#define CTL_BYTES_MAX	SD_TLS_SUBJECT_LEN
_Static_assert(SD_SENSOR_CHAN_MAX <= CTL_BYTES_MAX, "a channel fits");
static json_t *
ctl_bytes(const char *p, size_t n)
{
	char clean[CTL_BYTES_MAX];
	json_t *v;
	size_t i, k;

	if (n > sizeof(clean))
		n = sizeof(clean);
	v = json_stringn(p, n);
	if (v != NULL)
		return v;
	for (i = 0; i < n; i += k) {
		if (sd_esc_utf8(p + i, n - i, &k) < 0) {
			k = 1;
			clean[i] = '?';
		} else
			memcpy(clean + i, p + i, k);
	}
	return json_stringn_nocheck(clean, n);
}

/* false on a plain port; else the session, and a client certificate's
 * subject and identity (absent without one, as in its events). */
static json_t *
ctl_client_tls(const struct sd_conn *c)
{
	json_t *t;

	if (!c->tls)
		return json_false();
	t = json_pack("{s:s,s:s}", "version", c->tls_version, "cipher",
	    c->tls_cipher);
	if (t == NULL)
		return NULL;
	if (c->tls_subject != NULL)
		json_object_set_new(t, "subject", ctl_bytes(c->tls_subject,
		    strlen(c->tls_subject)));
	if (c->tls_identity != NULL)
		json_object_set_new(t, "identity", ctl_bytes(c->tls_identity,
		    strlen(c->tls_identity)));
	return t;
}

static json_t *
ctl_client_json(const struct sd_conn *c)
{
	const struct sd_xfer *x = c->xfer != NULL ? c->xfer : c->lxfer;
	char dev[18], state[48];
	json_t *o;

	sd_conn_device(c, dev);
	o = json_pack("{s:I,s:i,s:s,s:i,s:i,s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
	    "id", (json_int_t)c->id, "fd", c->fd, "peer", c->peer,
	    "peer_port", c->peer_port, "port", c->port, "device", dev,
	    "proto", c->ext ? "ext" : "legacy", "name", c->name,
	    "bytes_in", (json_int_t)c->bytes_in,
	    "bytes_out", (json_int_t)c->bytes_out,
	    "frames_in", (json_int_t)c->frames_in,
	    "frames_out", (json_int_t)c->frames_out);
	json_object_set_new(o, "connected", ctl_time(c->connected_ns));
	json_object_set_new(o, "connected_ns",
	    json_integer(c->connected_ns));
	json_object_set_new(o, "last_active", ctl_time(c->last_active_ns));
	json_object_set_new(o, "paused",
	    json_boolean((c->holds & SD_HOLD_PAUSED) != 0));
	json_object_set_new(o, "rate", ctl_rate(&c->rate, sd_mono_ns()));
	json_object_set_new(o, "transfer", x == NULL ? json_null() :
	    json_pack("{s:s,s:I,s:I}", "name", x->name,
	    "bytes", (json_int_t)x->done, "size", (json_int_t)x->size));
	ctl_client_state(c, state, sizeof(state));
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "auth", json_string(sd_conn_auth(c)));
	json_object_set_new(o, "device_name", c->reg_seen ?
	    json_string(c->reg_name) : json_null());
	json_object_set_new(o, "tls", ctl_client_tls(c));
	return o;
}

static json_t *
ctl_clients(struct sd_server *srv)
{
	json_t *a = json_array();
	struct sd_conn *c;

	TAILQ_FOREACH(c, &srv->conns, entry)
		json_array_append_new(a, ctl_client_json(c));
	return json_pack("{s:b,s:o}", "ok", 1, "clients", a);
}

/* The dashboard's sort keys, in its order; connected and id are the
 * registry's own order (ids grow, new connections go last). */
static const char *const ctl_sort_names[] = {
	"connected", "id", "peer", "in", "out", "port", "device", "name",
	"last", "state"
};
#define CTL_SORTS	(sizeof(ctl_sort_names) / sizeof(ctl_sort_names[0]))
#define CTL_FILTER_MAX	64		/* bytes of a window's filter */

/* How a windowed clients request orders, which way, and which rows. */
struct ctl_order {
	int		 key;		/* index in ctl_sort_names */
	int		 dir;		/* 1 as the key says, -1 reversed */
	const char	*filter;	/* only the rows it matches, or NULL */
};

/* Whether c is a row of filter f: a part, in any case, of its address
 * and port, device, name, state or client certificate's identity (a
 * few short strings: bounded). */
static int
ctl_match(const struct sd_conn *c, const char *f)
{
	char peer[64], dev[18], state[48];

	if (f == NULL)
		return 1;
	snprintf(peer, sizeof(peer), strchr(c->peer, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", c->peer, (unsigned)c->peer_port);
	sd_conn_device(c, dev);
	ctl_client_state(c, state, sizeof(state));
	return strcasestr(peer, f) != NULL || strcasestr(dev, f) != NULL ||
	    strcasestr(c->name, f) != NULL || strcasestr(state, f) != NULL ||
	    (c->tls_identity != NULL && strcasestr(c->tls_identity, f) != NULL);
}

#define CTL_CMP(a, b)	(((a) > (b)) - ((a) < (b)))

/* Compare by the key alone (0 for a tie): bytes and last activity put
 * the most (the latest) first, devices and names the unknown last. */
static int
ctl_cmp_key(const struct sd_conn *x, const struct sd_conn *y, int key)
{
	int r;

	switch (key) {
	case 2:
		r = strcmp(x->peer, y->peer);
		return r != 0 ? r : CTL_CMP(x->peer_port, y->peer_port);
	case 3:
		return CTL_CMP(y->bytes_in, x->bytes_in);
	case 4:
		return CTL_CMP(y->bytes_out, x->bytes_out);
	case 5:
		return CTL_CMP(x->port, y->port);
	case 6:
		if (x->has_dev != y->has_dev)
			return x->has_dev ? -1 : 1;
		return x->has_dev ? memcmp(x->dev, y->dev, SD_MAC_LEN) : 0;
	case 7:
		if ((x->name[0] == '\0') != (y->name[0] == '\0'))
			return x->name[0] != '\0' ? -1 : 1;
		return strcasecmp(x->name, y->name);
	case 8:
		return CTL_CMP(y->last_active_ns, x->last_active_ns);
	case 9:
		return CTL_CMP(ctl_state_rank(x), ctl_state_rank(y));
	default:
		return 0;
	}
}

/* Compare two connections by key (ties by id: a total order). */
static int
ctl_cmp(const void *a, const void *b, void *arg)
{
	const struct sd_conn *x = *(struct sd_conn *const *)a;
	const struct sd_conn *y = *(struct sd_conn *const *)b;
	const struct ctl_order *o = arg;
	int r = ctl_cmp_key(x, y, o->key);

	r = CTL_CMP(r, 0);
	if (r == 0)
		r = CTL_CMP(x->id, y->id);
	return r * o->dir;
}

/* Sift heap[i] down in a heap of n whose root is the largest by o. */
static void
ctl_heap_down(struct sd_conn **heap, size_t n, size_t i, struct ctl_order *o)
{
	struct sd_conn *t;
	size_t k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= n)
			break;
		if (k + 1 < n && ctl_cmp(&heap[k + 1], &heap[k], o) > 0)
			k++;
		if (ctl_cmp(&heap[k], &heap[i], o) <= 0)
			break;
		t = heap[k];
		heap[k] = heap[i];
		heap[i] = t;
		i = k;
	}
}

/* The m first connections by o (of its filter), in heap (unsorted):
 * one pass over the registry, m pointers, O(n log m). Returns how many
 * (at most m). */
static size_t
ctl_select(struct sd_server *srv, struct sd_conn **heap, size_t m,
    struct ctl_order *o)
{
	struct sd_conn *c;
	size_t n = 0, i;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		if (!ctl_match(c, o->filter))
			continue;
		if (n < m) {
			heap[n++] = c;
			if (n == m)
				for (i = m / 2 + 1; i-- > 0;)
					ctl_heap_down(heap, n, i, o);
		} else if (m > 0 && ctl_cmp(&c, &heap[0], o) < 0) {
			heap[0] = c;
			ctl_heap_down(heap, n, 0, o);
		}
	}
	return n;
}

/* The connection after c in the registry's order (dir 1) or before. */
static struct sd_conn *
ctl_step(struct sd_conn *c, int dir)
{
	return dir > 0 ? TAILQ_NEXT(c, entry) :
	    TAILQ_PREV(c, sd_conn_list, entry);
}

/* Rows off .. off + lim of the registry in its own order (or reversed),
 * walked from the nearer end: no sort at all. With a filter, the rows
 * it matches up to the window's end: one pass at most. */
static void
ctl_window_plain(struct sd_server *srv, const struct ctl_order *o,
    size_t off, size_t lim, json_t *a)
{
	struct sd_conn *c;
	size_t i = 0, n = srv->nconns, at;

	c = o->dir > 0 ? TAILQ_FIRST(&srv->conns) :
	    TAILQ_LAST(&srv->conns, sd_conn_list);
	if (o->filter != NULL) {
		for (; c != NULL && i < off + lim; c = ctl_step(c, o->dir)) {
			if (ctl_match(c, o->filter) && i++ >= off)
				json_array_append_new(a, ctl_client_json(c));
		}
		return;
	}
	if (off >= n)
		return;
	at = o->dir > 0 ? off : n - 1 - off;	/* its registry place */
	if (at <= n - 1 - at) {
		c = TAILQ_FIRST(&srv->conns);
		for (; c != NULL && i < at; i++)
			c = TAILQ_NEXT(c, entry);
	} else {
		c = TAILQ_LAST(&srv->conns, sd_conn_list);
		for (i = n - 1; c != NULL && i > at; i--)
			c = TAILQ_PREV(c, sd_conn_list, entry);
	}
	for (i = 0; c != NULL && i < lim; i++, c = ctl_step(c, o->dir))
		json_array_append_new(a, ctl_client_json(c));
}

/*
 * Rows off .. off + lim of the n (those of the filter) by a sort key.
 * The rows before the window (or, when it is nearer the end, those from
 * it on) are selected with a bounded heap: never a copy of the table,
 * at most min(off + lim, n - off) pointers, and only the selected ones
 * are sorted.
 */
static int
ctl_window_sorted(struct sd_server *srv, struct ctl_order *o, size_t n,
    size_t off, size_t lim, json_t *a)
{
	struct sd_conn **heap;
	size_t m, got, first, i;
	int dir = o->dir;

	if (off >= n || lim == 0)
		return SD_OK;
	if (off + lim <= n - off) {
		m = off + lim;
		first = off;
	} else {
		m = n - off;		/* the last m, found reversed */
		first = 0;
		o->dir = -dir;
	}
	heap = malloc(m * sizeof(*heap));
	if (heap == NULL)
		return SD_ERR_NOMEM;
	got = ctl_select(srv, heap, m, o);
	o->dir = dir;
	qsort_r(heap, got, sizeof(*heap), ctl_cmp, o);
	for (i = first; i < got && i < first + lim; i++)
		json_array_append_new(a, ctl_client_json(heap[i]));
	free(heap);
	return SD_OK;
}

/* The connections filter f matches (one pass). */
static size_t
ctl_count(struct sd_server *srv, const char *f)
{
	struct sd_conn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry)
		n += ctl_match(c, f);
	return n;
}

/* A window request's "sort", "reverse" and "filter" into o; NULL, or
 * the refusal. */
static json_t *
ctl_window_order(json_t *req, struct ctl_order *o)
{
	const char *sort = json_string_value(json_object_get(req, "sort"));
	json_t *rev = json_object_get(req, "reverse");
	json_t *f = json_object_get(req, "filter");
	size_t key = 0;

	if (sort != NULL) {
		for (key = 0; key < CTL_SORTS; key++)
			if (strcmp(sort, ctl_sort_names[key]) == 0)
				break;
		if (key == CTL_SORTS)
			return ctl_error("\"sort\": connected, id, peer, in, "
			    "out, port, device, name, last or state");
	}
	if (rev != NULL && !json_is_boolean(rev))
		return ctl_error("\"reverse\" must be true or false");
	if (f != NULL && (!json_is_string(f) ||
	    json_string_length(f) > CTL_FILTER_MAX))
		return ctl_error("\"filter\" must be a string of at most 64 "
		    "bytes");
	o->key = (int)key;
	o->dir = json_is_true(rev) ? -1 : 1;
	o->filter = f != NULL && json_string_value(f)[0] != '\0' ?
	    json_string_value(f) : NULL;
	return NULL;
}

/* {"cmd":"clients","sort":KEY,"reverse":B,"filter":F,"offset":N,
 * "limit":K}: the total, the rows F matches, and K of them from the
 * N-th in that order (the dashboard's window). */
static json_t *
ctl_clients_window(struct sd_server *srv, json_t *req)
{
	json_t *joff = json_object_get(req, "offset");
	json_t *jlim = json_object_get(req, "limit");
	json_int_t off = json_integer_value(joff);
	json_int_t lim = json_integer_value(jlim);
	struct ctl_order o;
	json_t *a, *r;
	size_t n;

	if ((r = ctl_window_order(req, &o)) != NULL)
		return r;
	if ((joff != NULL && (!json_is_integer(joff) || off < 0)) ||
	    (jlim != NULL && (!json_is_integer(jlim) || lim < 0)))
		return ctl_error("\"offset\" and \"limit\" must be whole "
		    "numbers, 0 or more");
	if (jlim == NULL || lim > CTL_WINDOW_MAX)
		lim = CTL_WINDOW_MAX;
	n = o.filter != NULL ? ctl_count(srv, o.filter) : srv->nconns;
	if ((size_t)off > n)
		off = (json_int_t)n;
	a = json_array();
	if (o.key < 2)
		ctl_window_plain(srv, &o, (size_t)off, (size_t)lim, a);
	else if (ctl_window_sorted(srv, &o, n, (size_t)off, (size_t)lim,
	    a) != SD_OK) {
		json_decref(a);
		return ctl_error("out of memory");
	}
	r = json_pack("{s:b,s:I,s:I,s:I,s:s,s:b,s:o}", "ok", 1,
	    "total", (json_int_t)srv->nconns, "matched", (json_int_t)n,
	    "offset", off, "sort", ctl_sort_names[o.key], "reverse",
	    o.dir < 0, "clients", a);
	if (o.filter != NULL)
		json_object_set_new(r, "filter", json_string(o.filter));
	return r;
}

/* A request's client "id": 0 (no client has it) unless an integer a
 * client id can be, so that 2^32 + 1 does not name client 1. */
static uint32_t
ctl_id(json_t *req)
{
	json_t *jid = json_object_get(req, "id");

	if (!json_is_integer(jid) || json_integer_value(jid) < 1 ||
	    json_integer_value(jid) > UINT32_MAX)
		return 0;
	return (uint32_t)json_integer_value(jid);
}

/* {"cmd":"client","id":N}: every field of one client, or an error
 * that names the id (the dashboard's detail view learns it is gone). */
static json_t *
ctl_client_one(struct sd_server *srv, json_t *req)
{
	json_t *jid = json_object_get(req, "id");
	struct sd_conn *c = NULL;
	json_t *r;

	if (ctl_id(req) != 0)
		c = sd_conn_find(srv, ctl_id(req));
	if (c != NULL)
		return json_pack("{s:b,s:o}", "ok", 1, "client",
		    ctl_client_json(c));
	r = ctl_error("no such client");
	if (json_is_integer(jid))
		json_object_set(r, "id", jid);
	return r;
}

/* Whether a clients request asks for a window rather than all. */
static int
ctl_is_window(json_t *req)
{
	return json_object_get(req, "sort") != NULL ||
	    json_object_get(req, "reverse") != NULL ||
	    json_object_get(req, "filter") != NULL ||
	    json_object_get(req, "offset") != NULL ||
	    json_object_get(req, "limit") != NULL;
}

static void ctl_yield(struct ctl_client *cc);

/* Queue rows of a clients answer while the output is short; the
 * closing (and the events held meanwhile) once the last is out. */
static void
ctl_stream_more(struct ctl_client *cc)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	struct sd_conn *c;
	json_t *o;
	char *s;

	while (cc->streaming && evbuffer_get_length(out) < CTL_STREAM_HIGH) {
		c = sd_conn_cursor_next(&cc->cur);
		if (c == NULL) {
			ctl_stream_stop(cc);
			evbuffer_add(out, "]}\n", 3);
			if (cc->held != NULL)
				evbuffer_add_buffer(out, cc->held);
			ctl_yield(cc);	/* its next requests */
			break;
		}
		o = ctl_client_json(c);
		s = sd_json_dumps(o);
		json_decref(o);
		if (s == NULL)
			continue;
		if (cc->nrows++ > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, s, strlen(s));
		free(s);
	}
}

/* The control client took some output: more rows, or its next
 * requests once its answers are read. */
static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client *cc = arg;

	if (!cc->dead && cc->streaming)
		ctl_stream_more(cc);
	else if (!cc->dead && cc->paused) {
		cc->paused = 0;
		bufferevent_setwatermark(bev, EV_WRITE, CTL_STREAM_LOW, 0);
		ctl_yield(cc);
	}
}

/*
 * {"cmd":"clients"} on the socket: one answer line, written a piece at
 * a time as the client reads it (its memory here stays under
 * CTL_STREAM_HIGH whatever the number of clients), from a cursor that
 * connections closing meanwhile move on. Its requests are not read, and
 * its events wait, until the line is complete.
 */
static void
ctl_stream_start(struct ctl_client *cc, json_t *req)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	json_t *seq = json_object_get(req, "seq");
	char *s = seq != NULL ? json_dumps(seq, JSON_COMPACT |
	    JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

	evbuffer_add_printf(out, "{\"ok\":true,%s%s%s\"clients\":[",
	    s != NULL ? "\"seq\":" : "", s != NULL ? s : "",
	    s != NULL ? "," : "");
	free(s);
	cc->nrows = 0;
	cc->streaming = 1;
	sd_conn_cursor_start(cc->ctl->srv, &cc->cur);
	bufferevent_disable(cc->bev, EV_READ);
	ctl_stream_more(cc);
}

static void
ctl_event_cb(const struct sd_event *ev, void *arg)
{
	struct ctl_client *cc = arg;
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	char *s;

	if (cc->dead)
		return;
	/* Never inside the lines of a clients answer: after it. */
	if (cc->streaming) {
		if (cc->held == NULL)
			cc->held = evbuffer_new();
		if (cc->held == NULL) {
			ctl_client_kill(cc);
			return;
		}
		out = cc->held;
	}
	if (evbuffer_get_length(out) > CTL_OUT_MAX) {
		/* A subscriber that does not read is cut off, not buffered
		 * without end. */
		ctl_client_kill(cc);
		return;
	}
	s = sd_event_json(ev);
	if (s == NULL)
		return;
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
}

/* Events from now on; with "history": N, the answer carries the last
 * N events before them (at most SD_HISTORY_MAX), in the same turn of
 * the loop, so none is lost or seen twice between the two. */
static json_t *
ctl_subscribe(struct ctl_client *cc, json_t *req)
{
	struct sd_server *srv = cc->ctl->srv;
	json_int_t n = json_integer_value(json_object_get(req, "history"));
	json_t *answer = json_pack("{s:b}", "ok", 1);

	/* The history comes with the first subscription only: asked
	 * again, the events since are on the stream already. */
	if (cc->sub > 0)
		n = 0;
	else
		cc->sub = sd_events_subscribe(srv->events, ctl_event_cb, cc);
	if (n > 0 && answer != NULL)
		json_object_set_new(answer, "history",
		    sd_history_json(srv->history, n > SD_HISTORY_MAX ?
		    SD_HISTORY_MAX : (size_t)n));
	return answer;
}

/* A reload's answer for cc (sd_reload calls): its requests are read
 * again once it is out. */
static void
ctl_reload_cb(json_t *answer, void *arg)
{
	struct ctl_client *cc = arg;

	cc->reloading = 0;
	if (answer != NULL && cc->reload_seq != NULL)
		json_object_set(answer, "seq", cc->reload_seq);
	json_decref(cc->reload_seq);
	cc->reload_seq = NULL;
	if (cc->dead) {
		json_decref(answer);
		return;
	}
	if (answer != NULL)
		ctl_send(cc, answer);
	if (!cc->dead)
		ctl_yield(cc);
}

/*
 * {"cmd":"reload"} on the socket: the answer comes when the reload is
 * done (the loading runs off the loop, sd_reload.h). Meanwhile cc's
 * next requests are not read, so its answers keep their order; its
 * events go on.
 */
static void
ctl_reload_start(struct ctl_client *cc, json_t *req)
{
	cc->reloading = 1;
	cc->reload_seq = json_incref(json_object_get(req, "seq"));
	bufferevent_disable(cc->bev, EV_READ);
	sd_reload_ask(cc->ctl->srv->reload, &cc->reload, ctl_reload_cb, cc);
}

/* Answer one request of a control client (subscribe needs one). */
static json_t *
ctl_request(struct ctl_client *cc, json_t *req)
{
	struct sd_server *srv = cc->ctl->srv;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	if (cmd != NULL && strcmp(cmd, "subscribe") == 0)
		return ctl_subscribe(cc, req);
	if (cmd != NULL && strcmp(cmd, "reload") == 0 && srv->reload != NULL) {
		ctl_reload_start(cc, req);
		return NULL;
	}
	if (cmd != NULL && strcmp(cmd, "clients") == 0 && !ctl_is_window(req)) {
		ctl_stream_start(cc, req);
		return NULL;
	}
	return sd_ctl_answer(srv, req);
}

/* The window's buckets, oldest first: [min, max, last], or null for
 * one with no data. */
static json_t *
ctl_history(const struct sd_sensor_point *pt)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < SD_SENSOR_BUCKETS; i++)
		json_array_append_new(a, pt[i].n == 0 ? json_null() :
		    json_pack("[f,f,f]", pt[i].min, pt[i].max, pt[i].last));
	return a;
}

/* One sensor: its last reading, min and max over the window (null
 * without data in it), its interval, and the window's history when
 * one was asked for. */
static json_t *
ctl_sensor(const struct sd_sensor *s, int w, int hist, int64_t now)
{
	struct sd_sensor_point pt[SD_SENSOR_BUCKETS];
	double lo = 0, hi = 0;
	int have = sd_sensor_history(s, w, now, pt, &lo, &hi) > 0;
	char mac[18];
	json_t *o;

	sd_proto_mac_str(s->dev, mac);
	o = json_pack("{s:s,s:o,s:f,s:I,s:I,s:o,s:o,s:I,s:I,s:f}",
	    "device", mac, "channel", ctl_bytes(s->chan, s->chan_len),
	    "value", s->value,
	    "count", (json_int_t)s->count, "last", (json_int_t)s->last_ns,
	    "min", have ? json_real(lo) : json_null(),
	    "max", have ? json_real(hi) : json_null(),
	    "interval_ms", (json_int_t)(s->interval_ns / 1000000),
	    "age_ms", (json_int_t)((now - s->recv_ns) / 1000000),
	    "rate", sd_sensor_rate(s, now));
	if (o != NULL && hist)
		json_object_set_new(o, "history", ctl_history(pt));
	return o;
}

/* Every sensor (device, channel); with "window" (60, 600 or 3600 s)
 * the history over it, SD_SENSOR_BUCKETS buckets of "step" s. */
static json_t *
ctl_sensors(struct sd_server *srv, json_t *req)
{
	const struct sd_sensors *t = sd_pipeline_sensors(srv->pipe);
	json_t *win = json_object_get(req, "window");
	json_t *a = json_array();
	int w = sd_sensor_window(json_is_integer(win) ?
	    (long)json_integer_value(win) : 60);
	int64_t now = sd_now_ns();
	size_t i;

	for (i = 0; i < sd_sensors_count(t); i++)
		json_array_append_new(a, ctl_sensor(sd_sensors_get(t, i), w,
		    win != NULL, now));
	return json_pack("{s:b,s:o,s:i,s:i,s:i,s:I}", "ok", 1, "sensors", a,
	    "window", sd_sensor_step(w) * SD_SENSOR_BUCKETS,
	    "step", sd_sensor_step(w), "max", SD_SENSORS_MAX,
	    "forgotten", (json_int_t)sd_sensors_forgotten(t));
}

/* block {id, secs (600)}: kick the client and refuse its address and
 * device for secs; unblock {key}: lift one; blocks: the list. */
static json_t *
ctl_block(struct sd_server *srv, const char *cmd, json_t *req)
{
	json_t *v = json_object_get(req, "secs");
	json_int_t secs = v != NULL ? json_integer_value(v) : 600;
	const char *key;

	if (strcmp(cmd, "blocks") == 0)
		return json_pack("{s:b,s:o}", "ok", 1, "blocks",
		    sd_block_json(srv->blocks, sd_mono_ns()));
	if (strcmp(cmd, "unblock") == 0) {
		key = json_string_value(json_object_get(req, "key"));
		if (key == NULL || !sd_block_remove(srv->blocks, key))
			return ctl_error("no such block");
		return json_pack("{s:b}", "ok", 1);
	}
	if (!json_is_integer(v) && v != NULL)
		return ctl_error("\"secs\" must be a number");
	if (secs < 1 || secs > 7 * 86400)
		return ctl_error("\"secs\": 1 to 604800");
	if (sd_server_block(srv, ctl_id(req), secs) != SD_OK)
		return ctl_error("no such client");
	return json_pack("{s:b}", "ok", 1);
}

json_t *
sd_ctl_answer(struct sd_server *srv, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *text = json_object_get(req, "text");

	if (cmd == NULL)
		return ctl_error("request has no \"cmd\"");
	if (strcmp(cmd, "status") == 0)
		return ctl_status(srv);
	if (strcmp(cmd, "clients") == 0)
		return ctl_is_window(req) ? ctl_clients_window(srv, req) :
		    ctl_clients(srv);
	if (strcmp(cmd, "sensors") == 0)
		return ctl_sensors(srv, req);
	if (strcmp(cmd, "transfers") == 0)
		return sd_ctl_xfers(srv, req);
	if (strcmp(cmd, "devices") == 0)
		return sd_fleet_json(srv->fleet, req, srv->registry);
	if (strcmp(cmd, "client") == 0)
		return ctl_client_one(srv, req);
	if (strcmp(cmd, "kick") == 0) {
		if (sd_server_kick(srv, ctl_id(req)) != SD_OK)
			return ctl_error("no such client");
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(cmd, "reload") == 0 && srv->reload == NULL)
		return ctl_error("this server cannot reload");
	if (strcmp(cmd, "reload") == 0) {
		/* No answer here: the reload event says how it went. */
		sd_reload_ask(srv->reload, NULL, NULL, NULL);
		return NULL;
	}
	if (strcmp(cmd, "block") == 0 || strcmp(cmd, "unblock") == 0 ||
	    strcmp(cmd, "blocks") == 0)
		return ctl_block(srv, cmd, req);
	if (strcmp(cmd, "broadcast") != 0 && strcmp(cmd, "send") != 0)
		return ctl_error("unknown command");
	if (!json_is_string(text))
		return ctl_error("\"text\" must be a string");
	if (strcmp(cmd, "broadcast") == 0)
		return json_pack("{s:b,s:i}", "ok", 1, "clients",
		    sd_server_broadcast(srv, json_string_value(text),
		    json_string_length(text)));
	if (sd_server_send(srv, ctl_id(req), json_string_value(text),
	    json_string_length(text)) != SD_OK)
		return ctl_error("no such client");
	return json_pack("{s:b}", "ok", 1);
}

static void ctl_read_cb(struct bufferevent *bev, void *arg);

/* The clients have had their turn: cc's next requests are read. */
static void
ctl_turn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *cc = arg;

	(void)fd;
	(void)what;
	if (cc->dead || cc->streaming || cc->paused || cc->reloading)
		return;
	bufferevent_enable(cc->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(cc->bev)) > 0)
		ctl_read_cb(cc->bev, cc);
}

/*
 * The control socket runs before the clients (sd_prio.h), so one that
 * sends requests back to back would keep them from ever running: their
 * output, a broadcast's say, would pile up and drop them. After the
 * requests it has, cc is read again only once the clients' lowest
 * priority has had a pass (a timer due at once in it), which costs an
 * operator's single request nothing.
 */
static void
ctl_yield(struct ctl_client *cc)
{
	struct timeval now = { 0, 0 };

	if (cc->turn == NULL) {
		bufferevent_enable(cc->bev, EV_READ);
		return;
	}
	bufferevent_disable(cc->bev, EV_READ);
	evtimer_add(cc->turn, &now);
}

static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_error_t jerr;
	json_t *req, *resp, *seq;
	size_t n;
	char *line;
	int served = 0;

	for (;;) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL)
			break;
		served++;
		req = json_loadb(line, n, 0, &jerr);
		free(line);
		if (!json_is_object(req))
			resp = ctl_error("not a JSON object");
		else
			resp = ctl_request(cc, req);
		seq = json_object_get(req, "seq");
		if (seq != NULL && resp != NULL)
			json_object_set(resp, "seq", seq);
		json_decref(req);
		if (cc->dead) {
			json_decref(resp);
			return;
		}
		/* An error answers like any other: it too can be left
		 * unread, and pause the client or cut it off. */
		if (resp != NULL)
			ctl_send(cc, resp);
		if (cc->dead || cc->streaming || cc->reloading)
			return;		/* the rest once it is out */
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    CTL_STREAM_HIGH) {
			/* Requests that cost more to answer than the client
			 * reads (a history each, say) wait until it has read
			 * most of it: its output stays bounded, the loop
			 * free. */
			cc->paused = 1;
			bufferevent_disable(bev, EV_READ);
			/* Read again once it is under half the bound, not
			 * only at CTL_STREAM_LOW: events keep coming to a
			 * subscriber, and its output might never get so
			 * low. */
			bufferevent_setwatermark(bev, EV_WRITE,
			    CTL_STREAM_HIGH / 2, 0);
			return;
		}
	}
	if (evbuffer_get_length(in) > CTL_LINE_MAX)
		ctl_client_kill(cc);
	else if (served > 0)
		ctl_yield(cc);
}

static void
ctl_event_bev_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_client_kill(arg);
}

static void
ctl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sd_ctl *ctl = arg;
	struct ctl_client *cc = calloc(1, sizeof(*cc));

	(void)lev;
	(void)sa;
	(void)salen;
	if (cc != NULL)
		cc->bev = bufferevent_socket_new(ctl->srv->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (cc == NULL || cc->bev == NULL) {
		free(cc);
		close(fd);
		return;
	}
	cc->ctl = ctl;
	sd_prio_bev(cc->bev, SD_PRIO_CONTROL);
	cc->turn = evtimer_new(ctl->srv->base, ctl_turn_cb, cc);
	sd_prio_event(cc->turn, SD_PRIO_BULK);
	TAILQ_INSERT_TAIL(&ctl->clients, cc, entry);
	bufferevent_setcb(cc->bev, ctl_read_cb, ctl_write_cb,
	    ctl_event_bev_cb, cc);
	bufferevent_setwatermark(cc->bev, EV_WRITE, CTL_STREAM_LOW, 0);
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
}

int
sd_ctl_check_path(const char *path, char err[SD_ERR_LEN])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, live;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, SD_ERR_LEN, "--control %s: path too long", path);
		return SD_ERR_INVAL;
	}
	if (lstat(path, &st) != 0)
		return SD_OK;		/* nothing there yet */
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "--control %s: exists and is not a "
		    "socket (refused: remove it or choose another path)",
		    path);
		return SD_ERR_INVAL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "socket: %s", strerror(errno));
		return SD_ERR_INVAL;
	}
	live = connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN;
	close(fd);
	if (live) {
		snprintf(err, SD_ERR_LEN, "--control %s: another server is "
		    "using it", path);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

static void
ctl_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_ctl *ctl = arg;

	(void)fd;
	(void)what;
	ctl_spare_open(ctl);
	evconnlistener_enable(ctl->lev);
}

/* accept() failed. Out of descriptors: the reserve one makes room for
 * this operator; without it, wait a little rather than spin. */
static void
ctl_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct sd_ctl *ctl = arg;
	struct timeval tv = { 0, 100000 };
	int fd;

	if ((errno == EMFILE || errno == ENFILE) && ctl->spare >= 0) {
		close(ctl->spare);
		ctl->spare = -1;
		fd = accept4(evconnlistener_get_fd(lev), NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			ctl_accept_cb(lev, fd, NULL, 0, ctl);
			return;
		}
	}
	evconnlistener_disable(lev);
	evtimer_add(ctl->retry, &tv);
}

struct sd_ctl *
sd_ctl_new(struct sd_server *srv, const char *path, char err[SD_ERR_LEN])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sd_ctl *ctl;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, SD_ERR_LEN, "--control %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A stale socket is replaced; anything else is left alone. */
	if (sd_ctl_check_path(path, err) != SD_OK)
		return NULL;
	unlink(path);
	ctl = calloc(1, sizeof(*ctl));
	if (ctl != NULL)
		ctl->path = strdup(path);
	if (ctl == NULL || ctl->path == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		free(ctl);
		return NULL;
	}
	ctl->srv = srv;
	ctl->spare = -1;
	TAILQ_INIT(&ctl->clients);
	old = umask(0177);	/* the socket is born 0600 */
	ctl->lev = evconnlistener_new_bind(srv->base, ctl_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ctl->lev == NULL) {
		snprintf(err, SD_ERR_LEN, "--control %s: %s", path,
		    strerror(errno));
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	chmod(path, 0600);
	ctl->retry = evtimer_new(srv->base, ctl_retry_cb, ctl);
	sd_prio_event(ctl->retry, SD_PRIO_CONTROL);
	evconnlistener_set_error_cb(ctl->lev, ctl_accept_error_cb);
	ctl_spare_open(ctl);
	return ctl;
}

void
sd_ctl_free(struct sd_ctl *ctl)
{
	struct ctl_client *cc;

	if (ctl == NULL)
		return;
	while ((cc = TAILQ_FIRST(&ctl->clients)) != NULL)
		ctl_client_free(cc);
	evconnlistener_free(ctl->lev);
	if (ctl->retry != NULL)
		event_free(ctl->retry);
	if (ctl->spare >= 0)
		close(ctl->spare);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
