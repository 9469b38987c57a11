/*
 * sd_metrics.c: /metrics, /healthz and /readyz over libevent's HTTP
 * server (see sd_metrics.h).
 *
 * libevent 2.1 cannot cap an evhttp's connections, nor tell when it
 * frees one. So each connection's bufferevent is made here
 * (evhttp_set_bevcb) and a slot of a fixed table holds a reference to
 * it: when evhttp frees it, bufferevent_free clears its callbacks and
 * the reference keeps the rest, socket open, until a sweep (every
 * METRICS_SWEEP_MS while a slot is used) sees the callbacks gone and
 * drops it. At the cap the listener is disabled, and enabled again when
 * a slot frees. The slot also holds the connection's deadline, which
 * shuts its socket down (evhttp then sees the end and frees it):
 * libevent's own timeout is per read, so a byte now and then would
 * hold a connection for ever.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "sd_block.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_fleet.h"
#include "sd_metrics.h"
#include "sd_pipeline.h"
#include "sd_prio.h"
#include "sd_prom.h"
#include "sd_registry.h"
#include "sd_server.h"
#include "sd_sink.h"
#include "sd_spool.h"

#define METRICS_BACKLOG		16	/* listen(2)'s */
#define METRICS_READY_PORTS	16	/* ports /readyz names, at most */
#define METRICS_NS		1000000000.0
#define METRICS_SWEEP_MS	100	/* a closed connection's slot */

/* One HTTP connection's slot. */
struct metrics_conn {
	struct bufferevent	*bev;	/* evhttp's, referenced; NULL: free */
	struct event		*deadline;
};

struct sd_metrics {
	struct sd_server	*srv;
	struct evhttp		*http;
	struct evconnlistener	*lst;	/* evhttp's; off at the cap */
	struct metrics_conn	 conns[SD_METRICS_CONNS];
	size_t			 nconns;
	struct event		*sweep;	/* frees slots, while any is used */
	struct event		*retry;	/* the listener again, after an
					   accept failed */
	const uint64_t		*log_dropped;	/* NULL: no headless log */
	/* Clients by port: [legacy, extension], zero between scrapes. */
	uint64_t		(*byport)[2];
	LIST_ENTRY(sd_metrics)	 entry;	/* in metrics_live */
};

/* The endpoints listening. evhttp makes itself the listener's
 * callback argument, so an accept error (metrics_accept_error_cb)
 * finds its endpoint here by its evhttp. */
static LIST_HEAD(, sd_metrics) metrics_live =
    LIST_HEAD_INITIALIZER(metrics_live);

/* A total of struct sd_totals as a counter. */
struct metrics_total {
	const char	*name;
	const char	*help;
	size_t		 at;
};

#define TOTAL(f)	offsetof(struct sd_totals, f)

static const struct metrics_total metrics_totals[] = {
	{ "sockdeck_connections_total", "Client connections accepted.",
	  TOTAL(connections) },
	{ "sockdeck_messages_total", "Messages received.",
	  TOTAL(messages) },
	{ "sockdeck_files_total", "Files received and stored whole.",
	  TOTAL(files) },
	{ "sockdeck_readings_total", "Sensor readings received and taken "
	  "into the spool.", TOTAL(readings) },
	{ "sockdeck_received_bytes_total", "Bytes read from clients.",
	  TOTAL(bytes_in) },
	{ "sockdeck_sent_bytes_total", "Bytes written to clients.",
	  TOTAL(bytes_out) },
	{ "sockdeck_tls_handshakes_total", "TLS handshakes done (the "
	  "connection became a client).", TOTAL(tls_handshakes) },
	{ "sockdeck_tls_handshake_failures_total", "TLS handshakes that "
	  "failed: refused, cut, timed out or closed.", TOTAL(tls_failed) },
	{ "sockdeck_tls_handshake_timeouts_total", "Of the failed TLS "
	  "handshakes, those out of time.", TOTAL(tls_timeouts) },
	{ "sockdeck_tls_client_cert_failures_total", "Of the failed TLS "
	  "handshakes, those failed for the client's certificate.",
	  TOTAL(tls_cert_failed) },
	{ "sockdeck_tls_throttled_total", "TLS connections refused at "
	  "accept for their address's failed handshakes.",
	  TOTAL(tls_throttled) },
	{ "sockdeck_auth_failures_total", "HELLOs refused for their token "
	  "(--token), or unheard after too many from the address.",
	  TOTAL(auth_refused) },
	{ "sockdeck_registry_refused_total", "Frames the device registry "
	  "refused.", TOTAL(reg_refused) },
	{ "sockdeck_registry_mismatch_total", "Frames naming another "
	  "device than the connection's.", TOTAL(reg_mismatch) },
};

/* A label's value and the slot of a counter array it names. */
struct metrics_slot {
	const char	*value;
	size_t		 i;
};

/* sockdeck_bad_frames_total's reasons (SD_ERR_*); the rest are other. */
static const struct metrics_slot metrics_bad_reasons[] = {
	{ "unknown_type", SD_ERR_TYPE }, { "unknown_sid", SD_ERR_SID },
	{ "bad_length", SD_ERR_LENGTH }, { "over_cap", SD_ERR_CAP },
	{ "malformed", SD_ERR_MALFORMED }, { "truncated", SD_ERR_TRUNCATED },
	{ "too_big", SD_ERR_TOOBIG }, { "other", SD_OK },
};

/* sockdeck_proxy_refused_total's reasons (enum sd_proxy_refusal). */
static const struct metrics_slot metrics_proxy_reasons[] = {
	{ "not_from_proxy_from", SD_PROXY_NOT_FROM },
	{ "missing", SD_PROXY_MISSING }, { "invalid", SD_PROXY_INVALID },
	{ "timeout", SD_PROXY_TIMEOUT }, { "closed", SD_PROXY_CLOSED },
};

/* sockdeck_file_results_total's results (SD_FILE_*). */
static const struct metrics_slot metrics_file_results[] = {
	{ "ok", SD_FILE_OK }, { "checksum", SD_FILE_CHECKSUM },
	{ "size", SD_FILE_SIZE }, { "io", SD_FILE_IO },
	{ "cancelled", SD_FILE_CANCELLED }, { "rejected", SD_FILE_REJECTED },
	{ "other", SD_FILE_REJECTED + 1 },
};

/* A per-sink figure: a counter of struct sd_sink at at, or one of
 * the figures computed (SINK_BACKLOG, SINK_SINCE_OK). */
enum metrics_sink_kind { SINK_FIELD, SINK_BACKLOG, SINK_SINCE_OK,
	SINK_READINGS, SINK_EXACT, SINK_OLDEST };

struct metrics_sink_fam {
	const char		*name;
	const char		*type;
	const char		*help;
	enum metrics_sink_kind	 kind;
	size_t			 at;
};

#define SINK(f)	SINK_FIELD, offsetof(struct sd_sink, f)

static const struct metrics_sink_fam metrics_sink_fams[] = {
	{ "sockdeck_sink_delivered_total", "counter", "Readings the sink "
	  "delivered (confirmed by the destination).", SINK(delivered) },
	{ "sockdeck_sink_retries_total", "counter", "Failed delivery "
	  "attempts, tried again.", SINK(retries) },
	{ "sockdeck_sink_rejected_total", "counter", "Readings the "
	  "destination refused for good.", SINK(rejects) },
	{ "sockdeck_sink_dropped_total", "counter", "Readings dropped "
	  "undelivered (--spool-full drop-oldest).", SINK(dropped) },
	{ "sockdeck_sink_backlog_bytes", "gauge", "Spool bytes the sink "
	  "has not delivered.", SINK_BACKLOG, 0 },
	{ "sockdeck_sink_since_success_seconds", "gauge", "Seconds since "
	  "the sink last delivered (or since it started).", SINK_SINCE_OK,
	  0 },
	{ "sockdeck_sink_backlog_readings", "gauge", "Readings the sink "
	  "has not delivered: exact, but estimated from the bytes (see "
	  "sockdeck_sink_backlog_readings_exact) while an earlier run's "
	  "segments are being counted at start, or after drop-oldest.",
	  SINK_READINGS, 0 },
	{ "sockdeck_sink_backlog_readings_exact", "gauge", "1 when "
	  "sockdeck_sink_backlog_readings is a count, 0 while it is an "
	  "estimate.", SINK_EXACT, 0 },
	{ "sockdeck_sink_oldest_age_seconds", "gauge", "Age of the oldest "
	  "reading the sink has not delivered (its timestamp against the "
	  "clock; 0 when it has none in hand).", SINK_OLDEST, 0 },
};

/* sockdeck_sink_delivery_age_seconds. */
#define METRICS_AGE	"sockdeck_sink_delivery_age_seconds"

/* The figure f of sink s. */
static double
metrics_sink_value(struct sd_metrics *m, const struct metrics_sink_fam *f,
    struct sd_sink *s)
{
	int exact;

	switch (f->kind) {
	case SINK_BACKLOG:
		return (double)sd_pipeline_backlog(m->srv->pipe, s);
	case SINK_SINCE_OK:
		return (double)(sd_mono_ns() - s->ok_mono) / METRICS_NS;
	case SINK_READINGS:
		return (double)sd_pipeline_backlog_lines(m->srv->pipe, s,
		    &exact);
	case SINK_EXACT:
		sd_pipeline_backlog_lines(m->srv->pipe, s, &exact);
		return exact;
	case SINK_OLDEST:
		return sd_sink_oldest_age(s, sd_now_ns());
	case SINK_FIELD:
	default:
		return (double)*(const uint64_t *)((const char *)s + f->at);
	}
}

/* The sink states, as sockdeck_sink_state's label. */
static const enum sd_sink_state metrics_states[] = {
	SD_SINK_OK, SD_SINK_FAILING, SD_SINK_BLOCKED
};

/* Add a family with one sample and no label. */
static void
metrics_one(struct sd_prom *w, const char *name, const char *type,
    const char *help, double v)
{
	sd_prom_family(w, name, type, help);
	sd_prom_double(w, name, NULL, 0, v);
}

/* The counters of struct sd_totals. */
static void
metrics_write_totals(struct sd_metrics *m, struct sd_prom *w)
{
	const char *t = (const char *)&m->srv->totals;
	const struct metrics_total *mt;
	size_t i;

	for (i = 0; i < sizeof(metrics_totals) / sizeof(*mt); i++) {
		mt = &metrics_totals[i];
		sd_prom_family(w, mt->name, "counter", mt->help);
		sd_prom_u64(w, mt->name, NULL, 0,
		    *(const uint64_t *)(t + mt->at));
	}
}

/* A counter family with one label, a sample per slot of v. */
static void
metrics_by(struct sd_prom *w, const char *name, const char *help,
    const char *label, const struct metrics_slot *t, size_t n,
    const uint64_t *v)
{
	struct sd_prom_label l;
	size_t i;

	sd_prom_family(w, name, "counter", help);
	for (i = 0; i < n; i++) {
		l = (struct sd_prom_label){ label, t[i].value };
		sd_prom_u64(w, name, &l, 1, v[t[i].i]);
	}
}

/* Bad frames by reason, files by result. */
static void
metrics_write_results(struct sd_metrics *m, struct sd_prom *w)
{
	const struct sd_totals *t = &m->srv->totals;
	uint64_t bad[SD_ERR_COUNT];
	size_t i;

	/* The codes without a name of their own count as other. */
	memset(bad, 0, sizeof(bad));
	for (i = 0; i < SD_ERR_COUNT; i++)
		bad[SD_OK] += t->bad_by[i];
	for (i = 0; i + 1 < sizeof(metrics_bad_reasons) /
	    sizeof(*metrics_bad_reasons); i++) {
		bad[metrics_bad_reasons[i].i] = t->bad_by[metrics_bad_reasons[
		    i].i];
		bad[SD_OK] -= t->bad_by[metrics_bad_reasons[i].i];
	}
	metrics_by(w, "sockdeck_bad_frames_total", "Frames that could not "
	    "be decoded, by the decoder's reason.", "reason",
	    metrics_bad_reasons, sizeof(metrics_bad_reasons) /
	    sizeof(*metrics_bad_reasons), bad);
	metrics_by(w, "sockdeck_file_results_total", "Files the store "
	    "finished, by result (ok: stored whole).", "result",
	    metrics_file_results, sizeof(metrics_file_results) /
	    sizeof(*metrics_file_results), t->file_results);
	metrics_by(w, "sockdeck_proxy_refused_total", "Connections to "
	    "--proxy-protocol ports refused for their PROXY header, by "
	    "reason.", "reason", metrics_proxy_reasons,
	    sizeof(metrics_proxy_reasons) / sizeof(*metrics_proxy_reasons),
	    t->proxy_refused);
}

/* One family by port and protocol: the clients now (ended clear) or
 * the clients gone (ended set), summed over each port's addresses in
 * m->byport, left zero again. */
static void
metrics_by_port(struct sd_metrics *m, struct sd_prom *w, int ended,
    const char *name, const char *type, const char *help)
{
	static const char *proto[2] = { "legacy", "extension" };
	struct sd_server *srv = m->srv;
	struct sd_port_status st;
	struct sd_conn *c;
	struct sd_prom_label l[2];
	char port[8];
	size_t i, n = sd_server_nports(srv);
	int p;

	if (!ended) {
		TAILQ_FOREACH(c, &srv->conns, entry)
			m->byport[c->port][c->ext ? 1 : 0]++;
	}
	for (i = 0; i < n && ended; i++) {
		sd_server_port(srv, i, &st);
		m->byport[st.port][0] += st.ended[0];
		m->byport[st.port][1] += st.ended[1];
	}
	sd_prom_family(w, name, type, help);
	for (i = 0; i < n; i++) {
		sd_server_port(srv, i, &st);
		if (m->byport[st.port][0] == UINT64_MAX)
			continue;	/* another address's: said */
		snprintf(port, sizeof(port), "%u", (unsigned)st.port);
		for (p = 0; p < 2; p++) {
			l[0] = (struct sd_prom_label){ "port", port };
			l[1] = (struct sd_prom_label){ "protocol", proto[p] };
			sd_prom_u64(w, name, l, 2, m->byport[st.port][p]);
		}
		m->byport[st.port][0] = UINT64_MAX;
	}
	for (i = 0; i < n; i++) {
		sd_server_port(srv, i, &st);
		m->byport[st.port][0] = m->byport[st.port][1] = 0;
	}
}

/* Clients by port and protocol, and whether each port listens. */
static void
metrics_write_ports(struct sd_metrics *m, struct sd_prom *w)
{
	struct sd_server *srv = m->srv;
	struct sd_port_status st;
	struct sd_prom_label l[2];
	char port[8];
	size_t i, n = sd_server_nports(srv);

	metrics_by_port(m, w, 0, "sockdeck_connections", "gauge", "Clients "
	    "connected, by port and protocol (legacy until an extension "
	    "frame).");
	metrics_by_port(m, w, 1, "sockdeck_connections_ended_total",
	    "counter", "Clients gone, by port and protocol (a port removed "
	    "by a reload takes its counts with it).");
	sd_prom_family(w, "sockdeck_port_listening", "gauge", "1 while the "
	    "port listens on the address, 0 when it could not be opened.");
	for (i = 0; i < n; i++) {
		sd_server_port(srv, i, &st);
		if (st.removed)
			continue;
		snprintf(port, sizeof(port), "%u", (unsigned)st.port);
		l[0] = (struct sd_prom_label){ "addr", st.addr };
		l[1] = (struct sd_prom_label){ "port", port };
		sd_prom_u64(w, "sockdeck_port_listening", l, 2,
		    st.listening ? 1 : 0);
	}
}

/* Each sink's figures, and its state as one gauge per state. */
static void
metrics_write_sinks(struct sd_metrics *m, struct sd_prom *w)
{
	struct sd_pipeline *pipe = m->srv->pipe;
	const struct metrics_sink_fam *f;
	struct sd_prom_label l[2];
	struct sd_sink *s;
	size_t i, j, n = sd_pipeline_nsinks(pipe);

	for (j = 0; j < sizeof(metrics_sink_fams) / sizeof(*f); j++) {
		f = &metrics_sink_fams[j];
		sd_prom_family(w, f->name, f->type, f->help);
		for (i = 0; i < n; i++) {
			s = sd_pipeline_sink(pipe, i);
			l[0] = (struct sd_prom_label){ "sink", s->ops->name };
			sd_prom_double(w, f->name, l, 1,
			    metrics_sink_value(m, f, s));
		}
	}
	sd_prom_family(w, "sockdeck_sink_state", "gauge", "1 for the state "
	    "the sink is in (ok, failing, blocked), 0 for the others.");
	for (i = 0; i < n; i++) {
		s = sd_pipeline_sink(pipe, i);
		for (j = 0; j < sizeof(metrics_states) /
		    sizeof(*metrics_states); j++) {
			l[0] = (struct sd_prom_label){ "sink", s->ops->name };
			l[1] = (struct sd_prom_label){ "state",
			    sd_sink_state_name(metrics_states[j]) };
			sd_prom_u64(w, "sockdeck_sink_state", l, 2,
			    s->state == metrics_states[j]);
		}
	}
	sd_prom_family(w, METRICS_AGE, "histogram", "Age of each reading "
	    "when the sink's delivery of it was confirmed: its timestamp "
	    "against the clock (a time ahead of it counts as 0).");
	for (i = 0; i < n; i++) {
		s = sd_pipeline_sink(pipe, i);
		l[0] = (struct sd_prom_label){ "sink", s->ops->name };
		sd_prom_histogram(w, METRICS_AGE, l, 1, sd_sink_age_le,
		    SD_SINK_AGE_BUCKETS - 1, s->age_n, s->age_sum);
	}
}

/* Seconds clients were paused for the spool: the ended pauses and
 * those under way. */
static double
metrics_paused(struct sd_server *srv)
{
	int64_t ns = srv->totals.spool_paused_ns, now = sd_mono_ns();
	struct sd_conn *c;

	TAILQ_FOREACH(c, &srv->spool_held, spoolq)
		ns += now - c->spool_held_ns;
	return (double)ns / METRICS_NS;
}

/* The spool, the pipeline and what is paused for them. */
static void
metrics_write_spool(struct sd_metrics *m, struct sd_prom *w)
{
	struct sd_pipeline *pipe = m->srv->pipe;
	uint64_t bytes, segs;

	sd_spool_usage(sd_pipeline_spool(pipe), &bytes, &segs);
	metrics_one(w, "sockdeck_spool_bytes", "gauge", "Bytes in the "
	    "spool's segments on disk.", (double)bytes);
	metrics_one(w, "sockdeck_spool_segments", "gauge", "Spool segments "
	    "on disk.", (double)segs);
	metrics_one(w, "sockdeck_spool_written_bytes_total", "counter",
	    "Spool bytes written to disk since start.",
	    (double)sd_pipeline_done(pipe));
	metrics_one(w, "sockdeck_spool_pending_bytes", "gauge", "Readings' "
	    "bytes waiting to be written to the spool.",
	    (double)sd_pipeline_pending(pipe));
	metrics_one(w, "sockdeck_spool_failing", "gauge", "1 while writes "
	    "to the spool fail.", sd_pipeline_failing(pipe) ? 1 : 0);
	metrics_one(w, "sockdeck_spool_behind", "gauge", "1 while the disk "
	    "is behind: every write in flight and more waiting.",
	    sd_pipeline_behind(pipe) ? 1 : 0);
	metrics_one(w, "sockdeck_backpressure_pauses_total", "counter",
	    "Times a client sending readings was paused for the spool.",
	    (double)m->srv->totals.spool_pauses);
	metrics_one(w, "sockdeck_backpressure_paused_seconds_total",
	    "counter", "Seconds clients spent paused for the spool, added "
	    "up (pauses under way included).", metrics_paused(m->srv));
	metrics_one(w, "sockdeck_backpressure", "gauge", "1 while clients "
	    "sending readings are paused (disk behind or failing, or a "
	    "sink's backlog at --spool-max).", sd_pipeline_full(pipe) ? 1 :
	    0);
}

/* The devices remembered (sd_fleet), by state; counted, never listed:
 * a MAC is no label. */
static void
metrics_write_devices(struct sd_metrics *m, struct sd_prom *w)
{
	struct sd_fleet_counts n;
	const struct { const char *state; const uint64_t *v; } t[] = {
		{ "online", &n.online }, { "offline", &n.offline },
		{ "silent", &n.silent },
	};
	struct sd_prom_label l;
	size_t i;

	sd_fleet_counts(m->srv->fleet, &n);
	sd_prom_family(w, "sockdeck_devices", "gauge", "Devices remembered, "
	    "by state (a silent one is counted there, not as online or "
	    "offline).");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		l = (struct sd_prom_label){ "state", t[i].state };
		sd_prom_u64(w, "sockdeck_devices", &l, 1, *t[i].v);
	}
	metrics_one(w, "sockdeck_devices_forgotten_total", "counter",
	    "Devices forgotten to keep the table bounded.",
	    (double)sd_fleet_forgotten(m->srv->fleet));
}

/* The server itself: start, version, clients, handshakes, blocks. */
static void
metrics_write_server(struct sd_metrics *m, struct sd_prom *w)
{
	struct sd_server *srv = m->srv;
	struct sd_prom_label l[] = { { "version", SD_VERSION } };
	json_t *blocked = sd_block_json(srv->blocks, sd_mono_ns());

	sd_prom_family(w, "sockdeck_build_info", "gauge", "1, with the "
	    "version as a label.");
	sd_prom_u64(w, "sockdeck_build_info", l, 1, 1);
	metrics_one(w, "sockdeck_start_time_seconds", "gauge", "When the "
	    "server started, seconds since the Unix epoch.",
	    (double)(srv->started_ns / 1000000000));
	metrics_one(w, "sockdeck_uptime_seconds", "gauge", "Seconds since "
	    "the server started.", (double)(sd_mono_ns() -
	    srv->started_mono) / METRICS_NS);
	metrics_one(w, "sockdeck_clients", "gauge", "Clients connected.",
	    (double)srv->nconns);
	metrics_one(w, "sockdeck_tls_handshaking", "gauge", "TLS "
	    "handshakes under way.", (double)srv->nhandshakes);
	metrics_one(w, "sockdeck_registry_devices", "gauge", "Devices in "
	    "the registry (--devices), 0 without one.",
	    srv->registry != NULL ? (double)srv->registry->ndevs : 0);
	metrics_one(w, "sockdeck_blocked", "gauge", "Addresses and devices "
	    "blocked (ctl block).", blocked != NULL ?
	    (double)json_array_size(blocked) : 0);
	json_decref(blocked);
	metrics_one(w, "sockdeck_stopping", "gauge", "1 while the server "
	    "shuts down.", srv->stopping ? 1 : 0);
	metrics_one(w, "sockdeck_log_dropped_lines_total", "counter", "Log "
	    "lines lost because the log's reader fell behind.",
	    m->log_dropped != NULL ? (double)*m->log_dropped : 0);
	metrics_one(w, "sockdeck_metrics_http_connections", "gauge", "HTTP "
	    "connections to this endpoint.", (double)m->nconns);
}

/* Answer req with code and body; to HEAD, the same headers and no
 * body (libevent 2.1 would send it). */
static void
metrics_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char len[24];

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_reply(req, code, reason, body);
		return;
	}
	snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
	evhttp_add_header(h, "Content-Length", len);
	evhttp_send_reply(req, code, reason, NULL);
}

static void
metrics_reply_text(struct evhttp_request *req, int code,
    const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, text, strlen(text));
	metrics_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

#ifdef SD_FAULT_INJECTION
/* Tests lower the body's maximum (SD_FAULT_METRICS_BODY=BYTES) to see
 * the answer past it (integration test 180). */
static size_t
metrics_body_max(void)
{
	const char *v = getenv("SD_FAULT_METRICS_BODY");

	return v != NULL ? (size_t)strtoul(v, NULL, 10) : SD_METRICS_BODY_MAX;
}
#else
#define metrics_body_max()	SD_METRICS_BODY_MAX
#endif

/* GET /metrics. */
static void
metrics_serve(struct sd_metrics *m, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	sd_prom_init(&w, b, metrics_body_max());
	metrics_write_server(m, &w);
	metrics_write_totals(m, &w);
	metrics_write_results(m, &w);
	metrics_write_ports(m, &w);
	metrics_write_spool(m, &w);
	metrics_write_devices(m, &w);
	metrics_write_sinks(m, &w);
	if (w.over)
		metrics_reply_text(req, HTTP_INTERNAL, "Internal Server "
		    "Error", "metrics: the body is over its maximum\n");
	else
		metrics_reply(req, HTTP_OK, "OK",
		    "text/plain; version=0.0.4; charset=utf-8", b);
	evbuffer_free(b);
}

/* The ports that should listen and do not, into b; how many. */
static size_t
metrics_ready_ports(struct sd_server *srv, struct evbuffer *b)
{
	struct sd_port_status st;
	size_t i, bad = 0;

	for (i = 0; i < sd_server_nports(srv); i++) {
		sd_server_port(srv, i, &st);
		if (st.listening || st.removed)
			continue;
		if (bad++ < METRICS_READY_PORTS)
			evbuffer_add_printf(b, "port %u on %s: not "
			    "listening\n", (unsigned)st.port, st.addr);
	}
	if (bad > METRICS_READY_PORTS)
		evbuffer_add_printf(b, "and %zu more ports not listening\n",
		    bad - METRICS_READY_PORTS);
	return bad;
}

/* GET /readyz: each failing check a line, or "ready". */
static void
metrics_ready(struct sd_metrics *m, struct evhttp_request *req)
{
	struct sd_server *srv = m->srv;
	struct evbuffer *b = evbuffer_new();
	struct sd_sink *s;
	int64_t now = sd_mono_ns(), grace;
	size_t i, bad;

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	grace = (int64_t)srv->cfg->ready_sink_grace * 1000000000;
	bad = metrics_ready_ports(srv, b);
	if (sd_pipeline_failing(srv->pipe)) {
		bad++;
		evbuffer_add_printf(b, "spool: writes failing\n");
	}
	for (i = 0; i < sd_pipeline_nsinks(srv->pipe); i++) {
		s = sd_pipeline_sink(srv->pipe, i);
		if (s->state != SD_SINK_FAILING || now - s->failing_mono <=
		    grace)
			continue;
		bad++;
		evbuffer_add_printf(b, "sink %s: failing for %lld s\n",
		    s->ops->name, (long long)((now - s->failing_mono) /
		    1000000000));
	}
	if (srv->stopping) {
		bad++;
		evbuffer_add_printf(b, "server: stopping\n");
	}
	if (bad == 0) {
		evbuffer_add_printf(b, "ready\n");
		metrics_reply(req, HTTP_OK, "OK", "text/plain; "
		    "charset=utf-8", b);
	} else {
		metrics_reply(req, HTTP_SERVUNAVAIL, "Service Unavailable",
		    "text/plain; charset=utf-8", b);
	}
	evbuffer_free(b);
}

/* Give the connection of req another SD_METRICS_DEADLINE for its next
 * request. */
static void
metrics_rearm(struct sd_metrics *m, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct timeval tv = { SD_METRICS_DEADLINE, 0 };
	size_t i;

	if (evcon == NULL)
		return;
	bev = evhttp_connection_get_bufferevent(evcon);
	for (i = 0; i < SD_METRICS_CONNS; i++) {
		if (m->conns[i].bev == bev) {
			evtimer_add(m->conns[i].deadline, &tv);
			return;
		}
	}
}

/* Every request: one of the three paths, GET or HEAD (evhttp refuses
 * the other methods). */
static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct sd_metrics *m = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u != NULL ? evhttp_uri_get_path(u) : NULL;

	metrics_rearm(m, req);
	if (path == NULL)
		metrics_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
	else if (strcmp(path, "/metrics") == 0)
		metrics_serve(m, req);
	else if (strcmp(path, "/healthz") == 0)
		metrics_reply_text(req, HTTP_OK, "OK", "ok\n");
	else if (strcmp(path, "/readyz") == 0)
		metrics_ready(m, req);
	else
		metrics_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
}

/* The deadline passed: end the connection (evhttp sees the end of
 * input and frees it). The socket is still ours to shut: the slot
 * holds a reference. */
static void
metrics_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn *mc = arg;
	evutil_socket_t s;

	(void)fd;
	(void)what;
	if (mc->bev == NULL)
		return;
	s = bufferevent_getfd(mc->bev);
	if (s >= 0)
		shutdown(s, SHUT_RDWR);
}

/* Free the slots whose connection evhttp let go of: bufferevent_free
 * clears the callbacks, and the slot's reference kept the rest. */
static void
metrics_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_metrics *m = arg;
	struct metrics_conn *mc;
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < SD_METRICS_CONNS; i++) {
		mc = &m->conns[i];
		if (mc->bev == NULL)
			continue;
		bufferevent_getcb(mc->bev, &rd, &wr, &ev, NULL);
		if (rd != NULL || wr != NULL || ev != NULL)
			continue;
		evtimer_del(mc->deadline);
		bufferevent_decref(mc->bev);
		mc->bev = NULL;
		if (m->nconns-- == SD_METRICS_CONNS)
			evconnlistener_enable(m->lst);
	}
	if (m->nconns == 0)
		evtimer_del(m->sweep);
}

/* evhttp takes a connection: its bufferevent, counted in a slot that
 * holds a reference to it. At the cap the listener is off, so there is
 * always a slot; were there none, evhttp would make its own. */
static struct bufferevent *
metrics_bev_cb(struct event_base *base, void *arg)
{
	struct sd_metrics *m = arg;
	struct timeval tv = { SD_METRICS_DEADLINE, 0 };
	struct timeval sweep = { 0, METRICS_SWEEP_MS * 1000 };
	struct metrics_conn *mc = NULL;
	size_t i;

	for (i = 0; i < SD_METRICS_CONNS && mc == NULL; i++)
		if (m->conns[i].bev == NULL)
			mc = &m->conns[i];
	if (mc == NULL)
		return NULL;
	mc->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (mc->bev == NULL)
		return NULL;
	/* Reading stops at twice the headers' room: evhttp drains what
	 * it parses, and a connection it let go of reads until the sweep
	 * finds it. */
	bufferevent_setwatermark(mc->bev, EV_READ, 0,
	    2 * SD_METRICS_HEADERS);
	bufferevent_incref(mc->bev);
	if (++m->nconns == SD_METRICS_CONNS)
		evconnlistener_disable(m->lst);
	evtimer_add(mc->deadline, &tv);
	if (!event_pending(m->sweep, EV_TIMEOUT, NULL))
		event_add(m->sweep, &sweep);
	return mc->bev;
}

/* A second after accept() failed: listen again, unless at the cap (a
 * slot freed meanwhile did it already, or will). */
static void
metrics_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_metrics *m = arg;

	(void)fd;
	(void)what;
	if (m->nconns < SD_METRICS_CONNS)
		evconnlistener_enable(m->lst);
}

/* accept() failed (out of descriptors, most likely): said, and the
 * listener paused for a second. Without this libevent leaves it on, a
 * level-triggered socket with a connection waiting: the loop would
 * spin on the error and libevent print a warning each time. */
static void
metrics_accept_error_cb(struct evconnlistener *lst, void *arg)
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	struct timeval tv = { 1, 0 };
	struct sd_metrics *m;
	char why[SD_ERR_LEN];

	snprintf(why, sizeof(why), "metrics: accept: %s", strerror(errno));
	evconnlistener_disable(lst);
	LIST_FOREACH(m, &metrics_live, entry) {
		if ((void *)m->http != arg)
			continue;
		evtimer_add(m->retry, &tv);
		e.reason = why;
		sd_events_fire(m->srv->events, &e);
	}
}

/* Open the listening socket for addr. */
static struct evconnlistener *
metrics_listen(struct event_base *base, const char *addr,
    char err[SD_ERR_LEN])
{
	struct sockaddr_storage ss;
	struct evconnlistener *l;
	int len = (int)sizeof(ss);

	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &len) != 0) {
		snprintf(err, SD_ERR_LEN, "--metrics-listen %s: not an "
		    "address and a port", addr);
		return NULL;
	}
	l = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, METRICS_BACKLOG,
	    (struct sockaddr *)&ss, len);
	if (l == NULL)
		snprintf(err, SD_ERR_LEN, "--metrics-listen %s: %s", addr,
		    evutil_socket_error_to_string(
		    evutil_socket_geterror(-1)));
	return l;
}

struct sd_metrics *
sd_metrics_new(struct sd_server *srv, const char *addr,
    const uint64_t *log_dropped, char err[SD_ERR_LEN])
{
	struct sd_metrics *m = calloc(1, sizeof(*m));
	struct evconnlistener *l = NULL;
	size_t i;

	if (m == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return NULL;
	}
	m->byport = calloc(65536, sizeof(*m->byport));
	m->http = evhttp_new(srv->base);
	if (m->byport == NULL || m->http == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto out_free;
	}
	m->srv = srv;
	m->log_dropped = log_dropped;
	m->sweep = event_new(srv->base, -1, EV_PERSIST, metrics_sweep_cb, m);
	m->retry = evtimer_new(srv->base, metrics_retry_cb, m);
	if (m->sweep == NULL || m->retry == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto out_free;
	}
	for (i = 0; i < SD_METRICS_CONNS; i++) {
		m->conns[i].deadline = evtimer_new(srv->base,
		    metrics_deadline_cb, &m->conns[i]);
		if (m->conns[i].deadline == NULL) {
			snprintf(err, SD_ERR_LEN, "out of memory");
			goto out_free;
		}
		sd_prio_event(m->conns[i].deadline, SD_PRIO_CONTROL);
	}
	sd_prio_event(m->sweep, SD_PRIO_CONTROL);
	sd_prio_event(m->retry, SD_PRIO_CONTROL);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->http, SD_METRICS_HEADERS);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_timeout(m->http, SD_METRICS_IDLE);
	evhttp_set_default_content_type(m->http, NULL);
	evhttp_set_gencb(m->http, metrics_request_cb, m);
	evhttp_set_bevcb(m->http, metrics_bev_cb, m);
	l = metrics_listen(srv->base, addr, err);
	if (l == NULL)
		goto out_free;
	if (evhttp_bind_listener(m->http, l) == NULL) {
		evconnlistener_free(l);
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto out_free;
	}
	m->lst = l;
	LIST_INSERT_HEAD(&metrics_live, m, entry);
	evconnlistener_set_error_cb(l, metrics_accept_error_cb);
	return m;
out_free:
	sd_metrics_free(m);
	return NULL;
}

void
sd_metrics_free(struct sd_metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	if (m->lst != NULL)
		LIST_REMOVE(m, entry);
	/* evhttp lets go of every connection; the slots' references go
	 * after it, which closes the sockets. */
	if (m->http != NULL)
		evhttp_free(m->http);
	for (i = 0; i < SD_METRICS_CONNS; i++) {
		if (m->conns[i].bev != NULL)
			bufferevent_decref(m->conns[i].bev);
		if (m->conns[i].deadline != NULL)
			event_free(m->conns[i].deadline);
	}
	if (m->sweep != NULL)
		event_free(m->sweep);
	if (m->retry != NULL)
		event_free(m->retry);
	free(m->byport);
	free(m);
}
