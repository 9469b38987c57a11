/*
 * sd_server.c: the server core (see sd_server.h).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_admit.h"
#include "sd_block.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_files.h"
#include "sd_fleet.h"
#include "sd_fleet_file.h"
#include "sd_handle.h"
#include "sd_history.h"
#include "sd_listen.h"
#include "sd_pipeline.h"
#include "sd_prio.h"
#include "sd_registry.h"
#include "sd_proxy.h"
#include "sd_server.h"
#include "sd_sink_influx.h"
#include "sd_sink_kafka.h"
#include "sd_spool.h"
#include "sd_throttle.h"
#include "sd_tls.h"

#define SD_FLUSH_MS	20	/* legacy readings reach the disk within */

/* Once a second: reading counts, a failing store retried, stale
 * interrupted transfers dropped, stalled ones marked. */
/* Look for silent devices; write the devices file every
 * --device-save seconds, and say when a write failed. */
static void
server_fleet_tick(struct sd_server *srv)
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	char err[SD_ERR_LEN];
	int64_t now = sd_mono_ns();

	sd_fleet_tick(srv->fleet, srv->cfg->device_timeout, srv->registry);
	if (now - srv->fleet_saved >= (int64_t)srv->cfg->device_save *
	    1000000000) {
		srv->fleet_saved = now;
		sd_fleet_file_save(srv->fleet_file, srv->fleet);
	}
	if (sd_fleet_file_failed(srv->fleet_file, err)) {
		e.reason = err;
		sd_events_fire(srv->events, &e);
	}
}

static void
server_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_server *srv = arg;
	struct sd_event e = { .kind = SD_EV_READINGS };
	uint64_t n = sd_pipeline_take_count(srv->pipe);

	(void)fd;
	(void)what;
	if (n > 0) {
		e.count = n;
		e.total = sd_pipeline_total(srv->pipe);
		sd_events_fire(srv->events, &e);
	}
	sd_files_expire(srv->files);
	sd_files_tick(srv->files);
	sd_pipeline_tick(srv->pipe);
	sd_evrates_tick(&srv->evrates);
	sd_server_sweep_listeners(srv);
	server_fleet_tick(srv);
}

/* Say when the store starts failing and when it recovers. */
static void
server_store_event(struct sd_server *srv, const char *state,
    const char *reason)
{
	struct sd_event e = { .kind = SD_EV_STORE };

	e.state = state;
	e.reason = reason;
	e.bytes = sd_pipeline_pending(srv->pipe);
	sd_events_fire(srv->events, &e);
}

/* Write buffered readings; when the store works again, let the clients
 * it held back go on. */
static void
server_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_server *srv = arg;
	struct sd_conn *c, *next;
	char err[SD_ERR_LEN];

	(void)fd;
	(void)what;
	if (sd_pipeline_flush(srv->pipe, err) != SD_OK) {
		if (!srv->store_failing)
			server_store_event(srv, "failing", err);
		srv->store_failing = 1;
		return;
	}
	if (srv->store_failing)
		server_store_event(srv, "ok", NULL);
	srv->store_failing = 0;
	sd_pipeline_check(srv->pipe);
	if (sd_pipeline_full(srv->pipe))
		return;
	/* Only the held ones, not every connection on every flush. */
	for (c = TAILQ_FIRST(&srv->spool_held); c != NULL; c = next) {
		next = TAILQ_NEXT(c, spoolq);
		sd_handle_sensor_resume(c);
	}
}

/* The spool's writer finished writes: they count as stored now (sinks
 * kicked, batches acknowledged); a store that was failing works again.
 * The lines that piled up while every slot was in flight go to the
 * slots just freed, and the senders held for them go on now, not at
 * the next flush tick: till then the loop would sit idle. */
static void
server_spool_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_server *srv = arg;

	if (sd_pipeline_collect(srv->pipe) == 0)
		return;
	if (srv->store_failing && !sd_pipeline_failing(srv->pipe)) {
		server_store_event(srv, "ok", NULL);
		srv->store_failing = 0;
	}
	sd_handle_sensor_done(srv);
	server_flush_cb(fd, what, srv);
}

/* The connections closed during this turn of the loop are freed. */
static void
server_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sd_conn_free_dead(arg);
}

/* One directory of the data: created 0750 (whatever the umask) when
 * missing; it must be a directory of this user that no one else may
 * write to, or err says what is wrong and how to fix it. */
static int
server_check_dir(const char *path, char err[SD_ERR_LEN])
{
	struct stat st;
	unsigned uid = (unsigned)geteuid();

	if (mkdir(path, 0750) == 0) {
		if (chmod(path, 0750) != 0)
			goto sys;
	} else if (errno != EEXIST)
		goto sys;
	if (stat(path, &st) != 0)
		goto sys;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "--data-dir: %.200s is not a "
		    "directory", path);
		return SD_ERR_INVAL;
	}
	if (st.st_uid != uid) {
		snprintf(err, SD_ERR_LEN, "--data-dir: %.64s is owned by uid "
		    "%u, not %u who runs sockdeckd: chown %u %.64s", path,
		    (unsigned)st.st_uid, uid, uid, path);
		return SD_ERR_INVAL;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, SD_ERR_LEN, "--data-dir: %.90s is writable by "
		    "%s (mode %04o): chmod go-w %.90s", path,
		    (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ?
		    "group and others" : (st.st_mode & S_IWGRP) ? "group" :
		    "others", (unsigned)(st.st_mode & 07777), path);
		return SD_ERR_INVAL;
	}
	return SD_OK;
sys:
	snprintf(err, SD_ERR_LEN, "--data-dir %.200s: %s", path,
	    strerror(errno));
	return SD_ERR_INVAL;
}

int
sd_server_check_dirs(const struct sd_config *cfg, char err[SD_ERR_LEN])
{
	static const char *const sub[] = { "", "/files", "/sensors" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%.4000s%s", cfg->data_dir,
		    sub[i]);
		if (server_check_dir(path, err) != SD_OK)
			return SD_ERR_INVAL;
	}
	return SD_OK;
}

int
sd_server_listen_one(struct sd_server *srv, uint16_t port, const char *addr,
    const char **reason)
{
	struct sd_listener *l, **grown;

	grown = realloc(srv->listeners, (srv->nlisteners + 1) *
	    sizeof(*grown));
	if (grown == NULL) {
		*reason = "out of memory";
		return SD_ERR_NOMEM;
	}
	srv->listeners = grown;
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		*reason = "out of memory";
		return SD_ERR_NOMEM;
	}
	srv->listeners[srv->nlisteners++] = l;
	l->port = port;
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	*reason = l->reason;
	return sd_listen_open(l, srv);
}

/* One listener per port and address; SD_OK when any opened. */
static int
server_listen(struct sd_server *srv, char err[SD_ERR_LEN])
{
	const struct sd_config *cfg = srv->cfg;
	const char *why = "no port";
	size_t i, j, ok = 0;

	for (i = 0; i < cfg->nports; i++) {
		for (j = 0; j < SD_NADDRS(cfg); j++) {
			if (sd_server_listen_one(srv, cfg->ports[i],
			    SD_ADDR(cfg, j), &why) == SD_OK)
				ok++;
		}
	}
	if (ok == 0) {
		snprintf(err, SD_ERR_LEN, "no port could be opened (%.200s)",
		    srv->nlisteners > 0 ? srv->listeners[0]->reason : why);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

void
sd_server_sweep_listeners(struct sd_server *srv)
{
	struct sd_listener *l;
	size_t i, n = 0;

	for (i = 0; i < srv->nlisteners; i++) {
		l = srv->listeners[i];
		if (l->removed && l->clients == 0 && l->handshakes == 0 &&
		    l->proxywaits == 0) {
			sd_listen_close(l);
			free(l);
		} else
			srv->listeners[n++] = l;
	}
	srv->nlisteners = n;
}

struct sd_sink *
sd_server_sink_new(const struct sd_config *cfg, struct event_base *base,
    const char *kind, struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN])
{
	if (strcmp(kind, "influx") == 0 && cfg->influx.url != NULL)
		return sd_sink_influx_new(base, &cfg->influx, cfg->data_dir,
		    sp, range, events, err);
	if (strcmp(kind, "kafka") == 0 && cfg->kafka.brokers != NULL)
		return sd_sink_kafka_new(base, &cfg->kafka,
		    cfg->pipe.device_tag, sp, range, events, err);
	snprintf(err, SD_ERR_LEN, "the %.20s sink is not configured (%s)",
	    kind, strcmp(kind, "kafka") == 0 ? "--kafka-brokers" :
	    "--influx-url");
	return NULL;
}

/* Start the sink kind on the pipeline's spool. */
static int
server_add_sink(struct sd_server *srv, const char *kind,
    char err[SD_ERR_LEN])
{
	struct sd_sink *s;

	s = sd_server_sink_new(srv->cfg, srv->base, kind,
	    sd_pipeline_spool(srv->pipe), NULL, srv->events, err);
	if (s == NULL || sd_pipeline_add_sink(srv->pipe, s) != SD_OK)
		return SD_ERR_INVAL;
	return SD_OK;
}

/* The sinks the configuration names. */
static int
server_sinks(struct sd_server *srv, char err[SD_ERR_LEN])
{
	const struct sd_config *cfg = srv->cfg;

	if (cfg->influx.url != NULL &&
	    server_add_sink(srv, "influx", err) != SD_OK)
		return SD_ERR_INVAL;
	if (cfg->kafka.brokers != NULL &&
	    server_add_sink(srv, "kafka", err) != SD_OK)
		return SD_ERR_INVAL;
	return SD_OK;
}

/* Say that a crash had torn the spool's last line, and that it went;
 * and what else opening the spool found (no segment under a segment's
 * name). */
static void
server_say_torn(struct sd_server *srv)
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	struct sd_spool *sp = sd_pipeline_spool(srv->pipe);
	uint64_t n = sd_spool_torn(sp);
	char why[160];
	size_t i;

	for (i = 0; i < sd_spool_nnotes(sp); i++) {
		e.reason = sd_spool_note_text(sp, i);
		sd_events_fire(srv->events, &e);
	}

	if (n == 0)
		return;
	snprintf(why, sizeof(why), "spool: removed %llu bytes of a reading "
	    "torn by a crash (never acknowledged)", (unsigned long long)n);
	e.reason = why;
	sd_events_fire(srv->events, &e);
}

void
sd_server_say_tls_dates(struct sd_server *srv)
{
	struct sd_event e = { .kind = SD_EV_ERROR, .level = SD_LV_WARNING };
	char why[SD_ERR_LEN];

	if (!sd_tls_dates(srv->tls, time(NULL), why))
		return;
	e.reason = why;
	sd_events_fire(srv->events, &e);
}

/* Say, once at start, which cursor files of sinks not configured now
 * hold readings back from retention, and how to release them. */
static void
server_say_holds(struct sd_server *srv)
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	struct sd_spool *sp = sd_pipeline_spool(srv->pipe);
	char text[SD_SPOOL_WARN_LEN];
	size_t i;

	for (i = 0; i < sd_spool_nholds(sp); i++) {
		sd_spool_hold_text(sp, i, text);
		e.reason = text;
		sd_events_fire(srv->events, &e);
	}
}

/* The fleet, with the devices remembered (a file that cannot be read is
 * set aside and said, never a reason not to start), and its writer. */
static int
server_fleet(struct sd_server *srv, char err[SD_ERR_LEN])
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	char path[4096], why[SD_ERR_LEN];

	/* Not "devices": a registry (--devices) is often given that name, in
	 * the data directory too. */
	snprintf(path, sizeof(path), "%s/fleet", srv->cfg->data_dir);
	srv->fleet = sd_fleet_new(srv->events);
	if (srv->fleet == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	if (sd_fleet_file_load(srv->fleet, path, why) != SD_OK) {
		e.reason = why;
		sd_events_fire(srv->events, &e);
	}
	srv->fleet_saved = sd_mono_ns();
	srv->fleet_file = sd_fleet_file_new(path, err);
	return srv->fleet_file != NULL ? SD_OK : SD_ERR_NOMEM;
}

int
sd_server_new(struct event_base *base, const struct sd_config *cfg,
    struct sd_tls *tls, struct sd_events *events, struct sd_server **out,
    char err[SD_ERR_LEN])
{
	struct timeval sec = { 1, 0 }, flush = { 0, SD_FLUSH_MS * 1000 };
	struct sd_files_cbs fcbs;
	struct sd_server *srv;
	char dir[4096];

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	srv->base = base;
	srv->cfg = cfg;
	srv->tls = tls;
	srv->events = events;
	srv->started_ns = sd_now_ns();
	srv->started_mono = sd_mono_ns();
	sd_rate_init(&srv->rates.messages, srv->started_mono);
	sd_rate_init(&srv->rates.readings, srv->started_mono);
	sd_rate_init(&srv->rates.bytes_in, srv->started_mono);
	sd_rate_init(&srv->rates.bytes_out, srv->started_mono);
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->handshakes);
	TAILQ_INIT(&srv->proxywaits);
	TAILQ_INIT(&srv->dead);
	TAILQ_INIT(&srv->acks);
	TAILQ_INIT(&srv->spool_held);
	TAILQ_INIT(&srv->cursors);
	/* First, so that the ports opening are in it. */
	srv->history = sd_history_new(events);
	if (srv->history == NULL || sd_conn_table_init(srv) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	srv->hello_fails = malloc(sizeof(*srv->hello_fails));
	srv->tls_fails = malloc(sizeof(*srv->tls_fails));
	srv->dev_bytes = malloc(sizeof(*srv->dev_bytes));
	if (srv->hello_fails == NULL || srv->tls_fails == NULL ||
	    srv->dev_bytes == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	sd_throttle_init(srv->hello_fails, SD_HELLO_FAIL_WINDOW);
	sd_throttle_init(srv->tls_fails, SD_TLS_FAIL_WINDOW);
	sd_throttle_init(srv->dev_bytes,
	    (int64_t)cfg->device_rate_secs * 1000000000);
	srv->reap = event_new(base, -1, 0, server_reap_cb, srv);
	sd_prio_event(srv->reap, SD_PRIO_CLIENT);	/* as hlog's turn */
	sd_evrates_init(&srv->evrates, events);
	sd_evrate_init(&srv->accept_rate, 0);
	sd_evrate_init(&srv->tls_rate, 0);
	srv->admit = sd_admit_new(cfg->max_clients);
	srv->blocks = calloc(1, sizeof(*srv->blocks));
	if (srv->reap == NULL || srv->admit == NULL || srv->blocks == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	if (sd_server_check_dirs(cfg, err) != SD_OK)
		goto fail;
	if (server_fleet(srv, err) != SD_OK)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/files", cfg->data_dir);
	fcbs = sd_handle_file_cbs;
	fcbs.arg = srv;
	srv->files = sd_files_new(dir, base, events, &fcbs,
	    cfg->stall_seconds, err);
	if (srv->files == NULL)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/sensors", cfg->data_dir);
	srv->pipe = sd_pipeline_new(dir, cfg->pipe.measurement, cfg->pipe.field,
	    cfg->pipe.device_tag, err);
	if (srv->pipe == NULL)
		goto fail;
	sd_pipeline_configure(srv->pipe, &cfg->pipe);
	server_say_torn(srv);
	sd_server_say_tls_dates(srv);
	if (server_sinks(srv, err) != SD_OK)
		goto fail;
	server_say_holds(srv);
	srv->tick = event_new(base, -1, EV_PERSIST, server_tick_cb, srv);
	srv->flush = event_new(base, -1, EV_PERSIST, server_flush_cb, srv);
	srv->spool_ev = event_new(base, sd_pipeline_wake_fd(srv->pipe),
	    EV_READ | EV_PERSIST, server_spool_cb, srv);
	if (srv->tick == NULL || srv->flush == NULL || srv->spool_ev == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	sd_prio_event(srv->tick, SD_PRIO_CONTROL);
	sd_prio_event(srv->flush, SD_PRIO_CONTROL);
	event_add(srv->tick, &sec);
	event_add(srv->flush, &flush);
	event_add(srv->spool_ev, NULL);
	if (server_listen(srv, err) != SD_OK)
		goto fail;
	*out = srv;
	return SD_OK;
fail:
	sd_server_free(srv);
	return SD_ERR_INVAL;
}

/* Close the TLS handshakes under way (stopping: none is waited for). */
static void
server_close_handshakes(struct sd_server *srv)
{
	struct sd_conn *c;

	while ((c = TAILQ_FIRST(&srv->handshakes)) != NULL)
		sd_conn_close(c, "server shutting down");
	sd_proxy_close_all(srv);
}

void
sd_server_free(struct sd_server *srv)
{
	struct sd_conn *c;
	size_t i;

	if (srv == NULL)
		return;
	server_close_handshakes(srv);
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		sd_conn_close(c, "server stopped");
	sd_conn_free_dead(srv);
	/* The last write, waited for: a clean stop loses no device. */
	sd_fleet_file_free(srv->fleet_file, srv->fleet);
	sd_fleet_free(srv->fleet);
	sd_conn_table_free(srv);
	if (srv->reap != NULL)
		event_free(srv->reap);
	for (i = 0; i < srv->nlisteners; i++) {
		sd_listen_close(srv->listeners[i]);
		free(srv->listeners[i]);
	}
	free(srv->listeners);
	sd_evrate_done(&srv->evrates, &srv->accept_rate);
	sd_evrate_done(&srv->evrates, &srv->tls_rate);
	sd_admit_free(srv->admit);
	free(srv->blocks);
	if (srv->tick != NULL)
		event_free(srv->tick);
	if (srv->flush != NULL)
		event_free(srv->flush);
	if (srv->spool_ev != NULL)
		event_free(srv->spool_ev);
	if (srv->stop_timer != NULL)
		event_free(srv->stop_timer);
	sd_pipeline_free(srv->pipe);
	sd_history_free(srv->history);
	sd_files_free(srv->files);
	free(srv->hello_fails);
	free(srv->tls_fails);
	free(srv->dev_bytes);
	sd_registry_free(srv->registry);
	free(srv);
}

size_t
sd_server_set_registry(struct sd_server *srv, struct sd_registry *reg,
    struct sd_registry **old)
{
	struct sd_conn *c, *next;
	char why[SD_ERR_LEN];
	const char *what;
	size_t closed = 0;

	if (old != NULL)
		*old = srv->registry;
	else
		sd_registry_free(srv->registry);
	srv->registry = reg;
	srv->reg_gen++;
	/* Closing takes c out of the list: walk with its successor. */
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == SD_CONN_DEAD ||
		    sd_handle_registry_recheck(c, &what) == SD_OK)
			continue;
		snprintf(why, sizeof(why), "revoked at reload: %s", what);
		c->close_level = SD_LV_ERROR;
		sd_conn_close(c, why);
		closed++;
	}
	return closed;
}

int
sd_server_broadcast(struct sd_server *srv, const char *text, size_t len)
{
	struct sd_event e = { .kind = SD_EV_BROADCAST };
	struct sd_conn *c, *next;
	int n = 0;

	/* Sending may drop a client that does not read: walk safely. */
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != SD_CONN_OPEN)
			continue;
		if (sd_conn_send_text(c, SD_TEXT_BROADCAST, 0, text, len) ==
		    SD_OK)
			n++;
	}
	e.text = text;
	e.text_len = len;
	e.clients = n;
	sd_events_fire(srv->events, &e);
	return n;
}

/* A text to one client (the dashboard's m, ctl send): an event, as a
 * broadcast is, once it is queued. */
int
sd_server_send(struct sd_server *srv, uint32_t id, const char *text,
    size_t len)
{
	struct sd_event e = { .kind = SD_EV_SEND };
	struct sd_conn *c = sd_conn_find(srv, id);
	char dev[18];
	int rc;

	if (c == NULL || c->state != SD_CONN_OPEN)
		return SD_ERR_INVAL;
	sd_conn_device(c, dev);
	e.id = id;
	e.device = c->has_dev ? dev : NULL;
	e.text = text;
	e.text_len = len;
	rc = sd_conn_send_text(c, SD_TEXT_NOTICE, 0, text, len);
	if (rc == SD_OK)
		sd_events_fire(srv->events, &e);
	return rc;
}

int
sd_server_kick(struct sd_server *srv, uint32_t id)
{
	struct sd_event e = { .kind = SD_EV_KICK };
	struct sd_conn *c = sd_conn_find(srv, id);

	if (c == NULL)
		return SD_ERR_INVAL;
	e.id = id;
	sd_events_fire(srv->events, &e);
	sd_conn_close(c, "kicked by the operator");
	return SD_OK;
}

/*
 * A block takes effect at once: the other connections from the blocked
 * address, and those whose frames named a blocked device, close as a new
 * one would be closed. Operator-driven and bounded by --max-clients.
 */
static void
server_close_blocked(struct sd_server *srv, const char *key)
{
	struct sd_conn *c, *next;
	char k[64];
	int64_t now = sd_mono_ns();

	/* A handshake from the address would become a client of it. */
	for (c = TAILQ_FIRST(&srv->handshakes); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (sd_admit_peer_key(c->peer, k, sizeof(k)) != SD_OK)
			snprintf(k, sizeof(k), "%s", c->peer);
		if (strcmp(k, key) == 0)
			sd_conn_close(c, "address blocked");
	}
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == SD_CONN_DEAD)
			continue;
		if (sd_admit_peer_key(c->peer, k, sizeof(k)) != SD_OK)
			snprintf(k, sizeof(k), "%s", c->peer);
		if (strcmp(k, key) == 0)
			sd_conn_close(c, "address blocked");
		else if (c->has_dev &&
		    sd_block_has_device(srv->blocks, c->dev, now))
			sd_conn_close(c, "device blocked");
	}
}

int
sd_server_block(struct sd_server *srv, uint32_t id, int64_t secs)
{
	struct sd_event e = { .kind = SD_EV_KICK };
	struct sd_conn *c = sd_conn_find(srv, id);
	int64_t now = sd_mono_ns();
	char key[64], dev[18], why[160];

	if (c == NULL)
		return SD_ERR_INVAL;
	if (sd_admit_peer_key(c->peer, key, sizeof(key)) != SD_OK)
		snprintf(key, sizeof(key), "%s", c->peer);
	sd_block_addr(srv->blocks, key, now, secs);
	sd_conn_device(c, dev);
	if (c->has_dev)
		sd_block_device(srv->blocks, c->dev, now, secs);
	snprintf(why, sizeof(why), "blocked %s%s%s for %llds", key,
	    dev[0] ? " and " : "", dev, (long long)secs);
	e.id = id;
	e.reason = why;
	sd_events_fire(srv->events, &e);
	sd_conn_close(c, "kicked and blocked by the operator");
	server_close_blocked(srv, key);
	return SD_OK;
}

/* The shutdown deadline, or the last transfer done: close and stop. */
static void
server_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_server *srv = arg;
	struct sd_conn *c, *next;
	char err[SD_ERR_LEN];

	(void)fd;
	(void)what;
	if (what != EV_TIMEOUT && sd_files_active(srv->files) > 0)
		return;
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		sd_conn_close(c, "server shutting down");
	}
	sd_pipeline_flush(srv->pipe, err);
	event_base_loopexit(srv->base, NULL);
}

/* While stopping: every 100 ms, see whether transfers are done. */
static void
server_stop_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_server *srv = arg;

	(void)fd;
	(void)what;
	if (sd_files_active(srv->files) == 0)
		server_stop_cb(-1, EV_READ, srv);
}

void
sd_server_shutdown(struct sd_server *srv, const char *reason)
{
	struct sd_event e = { .kind = SD_EV_SHUTDOWN };
	struct timeval tv = { (time_t)srv->cfg->shutdown_timeout, 0 };
	struct timeval poll = { 0, 100000 };
	struct sd_conn *c, *next;
	size_t i;

	if (srv->stopping)
		return;
	srv->stopping = 1;
	e.reason = reason;
	sd_events_fire(srv->events, &e);
	for (i = 0; i < srv->nlisteners; i++)
		sd_listen_stop(srv->listeners[i]);
	server_close_handshakes(srv);
	/* Clients with nothing in flight go now, after their output. */
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->xfer == NULL && c->lxfer == NULL &&
		    c->answers_owed == 0)
			sd_conn_drain(c, "server shutting down");
	}
	srv->stop_timer = evtimer_new(srv->base, server_stop_cb, srv);
	sd_prio_event(srv->stop_timer, SD_PRIO_CONTROL);
	if (srv->stop_timer != NULL)
		evtimer_add(srv->stop_timer, &tv);
	event_del(srv->tick);
	event_free(srv->tick);
	srv->tick = event_new(srv->base, -1, EV_PERSIST, server_stop_poll_cb,
	    srv);
	sd_prio_event(srv->tick, SD_PRIO_CONTROL);
	if (srv->tick != NULL)
		event_add(srv->tick, &poll);
	if (srv->stop_timer == NULL || srv->tick == NULL)
		server_stop_cb(-1, EV_TIMEOUT, srv);
}

size_t
sd_server_nports(const struct sd_server *srv)
{
	return srv->nlisteners;
}

void
sd_server_port(const struct sd_server *srv, size_t i,
    struct sd_port_status *st)
{
	const struct sd_listener *l = srv->listeners[i];

	st->port = l->port;
	st->addr = l->addr;
	st->listening = l->listening;
	st->reason = l->listening ? NULL : l->reason;
	st->clients = l->clients;
	st->tls = l->tls;
	st->removed = l->removed;
	st->ended[0] = l->ended[0];
	st->ended[1] = l->ended[1];
}
