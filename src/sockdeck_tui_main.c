/*
 * sockdeck_tui_main.c: "sockdeck [HOST:PORT]", the client's screen wired
 * to the client core. The screen (tui/tui_client) asks for things
 * through its link; the core (sd_client) reports through its callbacks;
 * this file turns one into the other, keeps the recent servers and runs
 * the sensor streams. One event loop for all of it.
 */
#include <event2/dns.h>
#include <event2/event.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_client.h"
#include "sd_err.h"
#include "sd_recent.h"
#include "sd_synth.h"
#include "sd_util.h"
#include "sockdeck_tui.h"
#include "tui_client.h"
#include "tui_term.h"

#define TICK_MS		100	/* the stream's timer */
#define TICK_MAX	100000	/* readings sent per tick at most */
#define PENDING_MAX	1024	/* batches awaiting their ack */

/* Readings sent in a call and the last batch number it used. */
struct pending {
	uint64_t	 seq;
	uint64_t	 count;
};

struct ui {
	struct event_base	*base;
	struct sd_client	*cl;
	struct tui_client	*tui;
	int			 legacy;
	char			 host[256];
	int			 port;
	struct sd_recent	 recent;
	char			 recent_path[4096];
	/* How a connection goes: the command line's way (cli, its
	 * context made by main), or a recent server's (own_ctx, built
	 * for it here); cur is the one in use, remembered on connect. */
	struct sd_recent_tls	 cli, cur;
	int			 cli_long;	/* a path too long to keep */
	struct sd_ctls		*cli_ctx;
	struct sd_ctls		*own_ctx;
	int			 file_on;	/* a transfer is shown */
	uint64_t		 file_size;
	uint64_t		 rd_sent, rd_acked;
	struct pending		 pending[PENDING_MAX];
	size_t			 npending;
	struct event		*tick;
	struct sd_synth	 stream;
	int			 streaming;
	char			 channel[256];
};

static int
connected(const struct ui *u)
{
	return sd_client_state(u->cl) == SD_CLIENT_CONNECTED;
}

static void
say(struct ui *u, enum tui_say kind, const char *text)
{
	tui_client_say(u->tui, kind, text, strlen(text));
}

static void
show_recent(struct ui *u)
{
	struct tui_recent items[SD_RECENT_MAX];
	size_t i;

	for (i = 0; i < u->recent.n; i++) {
		items[i].target = u->recent.item[i];
		items[i].tls = u->recent.tls[i].on;
		items[i].insecure = u->recent.tls[i].insecure;
	}
	tui_client_recent(u->tui, items, u->recent.n);
}

/* Readings: sent, and credited once the server acknowledged them. */

static void
readings_sent(struct ui *u, uint64_t seq, uint64_t n)
{
	u->rd_sent += n;
	if (u->legacy || seq == 0) {
		tui_client_readings(u->tui, u->rd_sent, u->rd_acked);
		return;
	}
	if (u->npending == PENDING_MAX) {
		/* Acks are cumulative: fold into the newest. */
		u->pending[u->npending - 1].seq = seq;
		u->pending[u->npending - 1].count += n;
	} else {
		u->pending[u->npending].seq = seq;
		u->pending[u->npending++].count = n;
	}
	tui_client_readings(u->tui, u->rd_sent, u->rd_acked);
}

static void
send_readings(struct ui *u, const double *v, size_t n)
{
	uint64_t seq = 0;

	if (sd_client_send_readings(u->cl, v, n, u->channel[0] ? u->channel :
	    NULL, &seq) == SD_OK)
		readings_sent(u, seq, n);
}

static void
stream_stop(struct ui *u, const char *why)
{
	char line[160];

	if (!u->streaming)
		return;
	u->streaming = 0;
	evtimer_del(u->tick);
	snprintf(line, sizeof(line), "stream stopped after %llu readings%s%s",
	    (unsigned long long)u->stream.n, why ? ": " : "", why ? why : "");
	say(u, TUI_SAY_INFO, line);
	tui_client_stream(u->tui, NULL);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	static double v[4096];
	struct ui *u = arg;
	uint64_t due = sd_synth_due(&u->stream, sd_mono_ns(), TICK_MAX);
	size_t i, n;

	(void)fd;
	(void)what;
	/* Not connected: the readings due now are not made up later in a
	 * burst; the stream goes on at its rate once connected again. */
	while (due > 0) {
		n = due > 4096 ? 4096 : (size_t)due;
		for (i = 0; i < n; i++)
			v[i] = sd_synth_next(&u->stream);
		if (connected(u))
			send_readings(u, v, n);
		due -= n;
	}
}

/* Whether a and b connect the same way. */
static int
same_way(const struct sd_recent_tls *a, const struct sd_recent_tls *b)
{
	if (!a->on || !b->on)
		return a->on == b->on;
	return a->insecure == b->insecure && strcmp(a->ca, b->ca) == 0 &&
	    strcmp(a->cert, b->cert) == 0 && strcmp(a->key, b->key) == 0;
}

/* Client core events. */

static void
on_state(enum sd_client_state st, const char *reason, void *arg)
{
	struct ui *u = arg;
	const char *file = sd_client_file_name(u->cl);
	const struct sd_ctls_info *tls = sd_client_tls(u->cl);
	char target[SD_RECENT_LEN];

	tui_client_tls(u->tui, tls != NULL ? tls->version : NULL,
	    tls != NULL ? tls->subject : NULL, tls != NULL ? tls->expires :
	    NULL, tls != NULL && tls->insecure);
	tui_client_state(u->tui, sd_client_state_name(st), reason,
	    u->legacy ? "legacy" : "ext/1");
	if (st == SD_CLIENT_CONNECTED) {
		snprintf(target, sizeof(target), strchr(u->host, ':') ?
		    "[%s]:%d" : "%s:%d", u->host, u->port);
		if (!u->cli_long || !same_way(&u->cur, &u->cli))
			sd_recent_add(&u->recent, u->recent_path[0] ?
			    u->recent_path : NULL, target, &u->cur);
		show_recent(u);
		/* The core offers a pending file again on WELCOME. */
		if (file != NULL && !u->file_on) {
			tui_client_file_start(u->tui, file, u->file_size);
			u->file_on = 1;
		}
		return;
	}
	if (st != SD_CLIENT_UNCONNECTED)
		return;
	u->npending = 0;	/* unacknowledged: not durable */
	if (!u->file_on)
		return;
	u->file_on = 0;
	tui_client_file_end(u->tui, TUI_FILE_FAILED, file != NULL ?
	    "interrupted: resumes when connected again" : "failed: the "
	    "connection closed (a legacy transfer cannot resume)");
}

static void
on_text(int kind, uint32_t ref, const char *text, size_t len, void *arg)
{
	struct ui *u = arg;
	char line[600];

	(void)ref;
	if (kind == SD_TEXT_BROADCAST) {
		snprintf(line, sizeof(line), "broadcast: %.*s",
		    (int)(len > 500 ? 500 : len), text);
		say(u, TUI_SAY_NOTICE, line);
		return;
	}
	tui_client_say(u->tui, kind == SD_TEXT_NOTICE ? TUI_SAY_NOTICE :
	    TUI_SAY_SERVER, text, len);
	/* The original server's answer to a file is plain text. */
	if (u->legacy && u->file_on && sd_client_file_name(u->cl) == NULL &&
	    memmem(text, len, "file upload successful", 22) != NULL) {
		u->file_on = 0;
		tui_client_file_end(u->tui, TUI_FILE_STORED, "stored (the "
		    "server's answer is above)");
	}
}

static void
on_progress(uint64_t done, uint64_t size, void *arg)
{
	struct ui *u = arg;

	tui_client_file_progress(u->tui, done, size);
}

static void
on_result(const struct sd_file_result *r, void *arg)
{
	static const char *const why[] = { "stored", "checksum mismatch",
	    "size mismatch", "I/O error on the server", "cancelled",
	    "rejected" };
	struct ui *u = arg;
	char line[400], size[32];

	if (!u->file_on)
		return;		/* cancelled here, said already */
	u->file_on = 0;
	sd_fmt_bytes(r->size, size, sizeof(size));
	if (r->status == SD_FILE_OK)
		snprintf(line, sizeof(line), "stored as %.*s (%s, xxh3 "
		    "%016llx verified)", (int)r->name_len, r->name, size,
		    (unsigned long long)r->xxh3);
	else
		snprintf(line, sizeof(line), "failed: %s", r->status < 6 ?
		    why[r->status] : "refused by the server");
	tui_client_file_end(u->tui, r->status == SD_FILE_OK ?
	    TUI_FILE_STORED : TUI_FILE_FAILED, line);
}

static void
on_acked(uint64_t seq, void *arg)
{
	struct ui *u = arg;
	size_t i = 0;

	while (i < u->npending && u->pending[i].seq <= seq)
		u->rd_acked += u->pending[i++].count;
	memmove(u->pending, u->pending + i, (u->npending - i) *
	    sizeof(u->pending[0]));
	u->npending -= i;
	tui_client_readings(u->tui, u->rd_sent, u->rd_acked);
}

static void
on_error(int code, const char *text, void *arg)
{
	struct ui *u = arg;
	char line[600];

	if (code != 0)
		snprintf(line, sizeof(line), "server error %d: %s", code,
		    text);
	else
		snprintf(line, sizeof(line), "%s", text);
	say(u, TUI_SAY_ERROR, line);
}

/* What the screen asks for. */

/* Connect the way way says (u->cli: the command line's context). 0,
 * or -1 with the reason said (a file of a recent server's that cannot
 * be used any more). */
static int
use_tls(struct ui *u, const struct sd_recent_tls *way)
{
	struct sd_ctls_opts o = { NULL, NULL, NULL, 0 };
	struct sd_ctls *t = NULL;
	char err[SD_ERR_LEN];

	if (way->on && !same_way(way, &u->cli)) {
		o.ca = way->ca[0] ? way->ca : NULL;
		o.cert = way->cert[0] ? way->cert : NULL;
		o.key = way->key[0] ? way->key : NULL;
		o.insecure = way->insecure;
		if (sd_ctls_new(&o, &t, err) != SD_OK) {
			say(u, TUI_SAY_ERROR, err);
			return -1;
		}
	}
	sd_client_set_tls(u->cl, !way->on ? NULL : t != NULL ? t :
	    u->cli_ctx);
	sd_ctls_free(u->own_ctx);
	u->own_ctx = t;
	if (way != &u->cur)
		u->cur = *way;
	return 0;
}

/* Connect to host:port the command line's way (from_bar 0), or, asked
 * from the connection bar, the way it was reached last when it is a
 * recent server: TLS with its files, or plain unless the command line
 * said --tls (a plain entry never takes TLS away). */
static void
connect_to(struct ui *u, const char *host, int port, int from_bar)
{
	const struct sd_recent_tls *way = &u->cli;
	char target[SD_RECENT_LEN];
	int i;

	if (sd_client_state(u->cl) != SD_CLIENT_UNCONNECTED)
		sd_client_close(u->cl, 0);
	snprintf(target, sizeof(target), strchr(host, ':') ? "[%s]:%d" :
	    "%s:%d", host, port);
	i = from_bar ? sd_recent_find(&u->recent, target) : -1;
	if (i >= 0 && u->recent.tls[i].on)
		way = &u->recent.tls[i];
	if (host != u->host)
		snprintf(u->host, sizeof(u->host), "%s", host);
	u->port = port;
	tui_client_target(u->tui, host, port);
	if (use_tls(u, way) != 0)
		return;
	if (sd_client_connect(u->cl, host, port) != SD_OK)
		say(u, TUI_SAY_ERROR, "cannot start connecting");
}

static void
ui_connect(void *ctx, const char *host, int port)
{
	connect_to(ctx, host, port, 1);
}

static void
ui_disconnect(void *ctx)
{
	struct ui *u = ctx;

	sd_client_close(u->cl, 1);
}

static void
ui_send_text(void *ctx, const char *text)
{
	struct ui *u = ctx;
	uint32_t id;

	if (!connected(u)) {
		say(u, TUI_SAY_ERROR, "not connected: ^O to connect");
		return;
	}
	if (sd_client_send_text(u->cl, text, strlen(text), &id) == SD_OK)
		say(u, TUI_SAY_YOU, text);
	else
		say(u, TUI_SAY_ERROR, "the message is too long to send");
}

static void
ui_send_file(void *ctx, const char *path)
{
	struct ui *u = ctx;
	char err[SD_ERR_LEN];
	const char *name;
	struct stat st;

	if (!connected(u)) {
		say(u, TUI_SAY_ERROR, "not connected: ^O to connect");
		return;
	}
	if (sd_client_send_file(u->cl, path, err) != SD_OK) {
		say(u, TUI_SAY_ERROR, err);
		return;
	}
	u->file_size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	name = sd_client_file_name(u->cl);
	if (name == NULL)	/* an empty legacy file: all sent at once */
		name = path;
	tui_client_file_start(u->tui, name, u->file_size);
	u->file_on = 1;
}

static void
ui_cancel(void *ctx)
{
	struct ui *u = ctx;

	if (sd_client_file_name(u->cl) != NULL) {
		if (u->file_on)
			tui_client_file_end(u->tui, TUI_FILE_CANCELLED,
			    "cancelled");
		u->file_on = 0;
		sd_client_cancel_file(u->cl);
		return;
	}
	stream_stop(u, NULL);
}

static void
ui_sensor(void *ctx, const struct tui_sensor_req *r)
{
	struct timeval tv = { 0, TICK_MS * 1000 };
	struct ui *u = ctx;
	char desc[160];

	snprintf(u->channel, sizeof(u->channel), "%s", r->channel);
	if (r->shape < 0) {
		if (!connected(u)) {
			say(u, TUI_SAY_ERROR, "not connected: ^O to connect");
			return;
		}
		send_readings(u, &r->value, 1);
		return;
	}
	stream_stop(u, NULL);
	sd_synth_init(&u->stream, (enum sd_synth_shape)r->shape, r->value,
	    r->rate, sd_mono_ns());
	u->streaming = 1;
	snprintf(desc, sizeof(desc), "%s %g/s%s%.60s",
	    sd_synth_shape_name(u->stream.shape), r->rate,
	    u->channel[0] ? " on " : "", u->channel);
	tui_client_stream(u->tui, desc);
	event_add(u->tick, &tv);
	tick_cb(-1, 0, u);
}

static void
ui_set_reconnect(void *ctx, int on)
{
	struct ui *u = ctx;

	sd_client_set_reconnect(u->cl, on);
	say(u, TUI_SAY_INFO, on ? "auto-reconnect on" : "auto-reconnect off");
}

/* F10, a signal, or the terminal gone (why): the same way out. */
static void
ui_quit(void *ctx, const char *why)
{
	struct ui *u = ctx;

	(void)why;
	event_base_loopexit(u->base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	ui_quit(arg, NULL);
}

/* Split the newest recent server into host and port. */
static void
recent_target(const struct sd_recent *r, char *host, size_t len, int *port)
{
	if (r->n == 0 || sd_parse_target(r->item[0], host, len, port) != 0) {
		host[0] = '\0';
		*port = 0;
	}
}

static int
ui_loop(struct ui *u, struct evdns_base *dns, const struct sd_client_opts *o,
    int connect_now)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sd_client_cbs cbs = { u, on_state, on_text, on_progress,
	    on_result, on_acked, on_error };
	struct tui_client_link link = { u, ui_connect, ui_disconnect,
	    ui_send_text, ui_send_file, ui_cancel, ui_sensor,
	    ui_set_reconnect, ui_quit };
	struct tui_client_info info = { NULL, u->host, u->port, o->legacy,
	    o->reconnect, NULL, 0 };
	struct event *sev[3] = { NULL, NULL, NULL };
	char dev[32];
	size_t i;
	int rc = 1;

	sd_proto_mac_str(o->dev, dev);
	info.device = dev;
	u->cl = sd_client_new(u->base, dns, o, &cbs);
	u->tick = event_new(u->base, -1, EV_PERSIST, tick_cb, u);
	for (i = 0; i < 3; i++)
		sev[i] = evsignal_new(u->base, sigs[i], signal_cb, u);
	if (u->cl == NULL || u->tick == NULL || sev[0] == NULL ||
	    sev[1] == NULL || sev[2] == NULL) {
		fprintf(stderr, "sockdeck: out of memory\n");
		goto out;
	}
	u->tui = tui_client_new(u->base, &link, &info);
	if (u->tui == NULL) {
		fprintf(stderr, "sockdeck: this terminal (TERM=%s) cannot be "
		    "used\n", getenv("TERM") ? getenv("TERM") : "");
		goto out;
	}
	tui_term_catch_fatal_signals();
	for (i = 0; i < 3; i++)
		event_add(sev[i], NULL);
	show_recent(u);
	if (connect_now)
		connect_to(u, u->host, u->port, 0);
	event_base_dispatch(u->base);
	rc = 0;
out:
	tui_client_free(u->tui);
	sd_client_free(u->cl);
	sd_ctls_free(u->own_ctx);
	if (u->tick != NULL)
		event_free(u->tick);
	for (i = 0; i < 3; i++)
		if (sev[i] != NULL)
			event_free(sev[i]);
	return rc;
}

/* path made absolute into out[SD_RECENT_PATH] (a recent server is
 * reconnected from anywhere); "" for NULL. 0, or -1 when too long. */
static int
abs_path(const char *path, char *out)
{
	char real[PATH_MAX];

	out[0] = '\0';
	if (path == NULL)
		return 0;
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	return snprintf(out, SD_RECENT_PATH, "%s", real) < SD_RECENT_PATH ?
	    0 : -1;
}

/* The command line's TLS as a recent server's would be kept. */
static void
cli_tls(struct ui *u, const struct sd_client_opts *o,
    const struct sd_ctls_opts *tlso)
{
	u->cli_ctx = o->tls;
	if (o->tls == NULL || tlso == NULL)
		return;
	u->cli.on = 1;
	u->cli.insecure = tlso->insecure;
	/* A path past SD_RECENT_PATH: the server is not remembered. */
	u->cli_long = abs_path(tlso->ca, u->cli.ca) != 0 ||
	    abs_path(tlso->cert, u->cli.cert) != 0 ||
	    abs_path(tlso->key, u->cli.key) != 0;
	u->cur = u->cli;
}

int
sockdeck_tui_run(const struct sd_client_opts *o,
    const struct sd_ctls_opts *tlso, const char *host, int port)
{
	struct ui *u;
	struct evdns_base *dns = NULL;
	int rc = 1;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sockdeck: the screen needs a terminal; "
		    "without one use send, send-file or sensor (see "
		    "--help)\n");
		return 2;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return 1;
	u->legacy = o->legacy;
	cli_tls(u, o, tlso);
	if (sd_recent_path(u->recent_path, sizeof(u->recent_path)) == 0)
		sd_recent_load(&u->recent, u->recent_path);
	else
		u->recent_path[0] = '\0';
	if (host != NULL) {
		snprintf(u->host, sizeof(u->host), "%s", host);
		u->port = port;
	} else
		recent_target(&u->recent, u->host, sizeof(u->host), &u->port);
	u->base = event_base_new();
	if (u->base != NULL)
		dns = evdns_base_new(u->base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (u->base != NULL)
		rc = ui_loop(u, dns, o, host != NULL);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	if (u->base != NULL)
		event_base_free(u->base);
	free(u);
	return rc;
}
