/*
 * sd_reload.c: live reload (see sd_reload.h).
 *
 * Who points into which settings (every "cfg->" was looked at):
 * - read at each use through srv->cfg, so they follow a reload: the
 *   limits (sd_conn, sd_listen, sd_handle*), allow/deny/legacy
 *   (sd_admit_check at accept, and here for the open connections;
 *   sd_admit_legacy, set on each listener here), the reply formats,
 *   --server-name, --token, the timeouts, --device-rate,
 *   --shutdown-timeout, --tls-handshake-timeout;
 * - taken once at start, from main's start settings, which stay alive
 *   and unchanged until the server is freed: the pipeline (&cfg->pipe),
 *   the sinks (&cfg->influx, &cfg->kafka, data_dir), the file store
 *   (data_dir, stall_seconds), the control socket's path, the front
 *   end's --headless, --keep-on-hangup, --refresh and data_dir (the
 *   sockdeckd.log of a lost terminal). Those are the restart settings
 *   below: a new settings struct gets copies of the running values, so
 *   srv->cfg never says what is not in force;
 * - the id table is sized from --max-clients at start: a larger value
 *   after a reload works, with longer chains; the per-address table
 *   (--max-clients-per-ip) keeps its start size too, and refuses the
 *   addresses it has no room for ("too many client addresses") until
 *   a restart (sockdeckd(1) says so);
 * - the TLS context: connections hold their SSL (which holds its
 *   SSL_CTX), not struct sd_tls; a handshake that ends after a reload
 *   is checked against srv->tls, the new one, and when a reload leaves
 *   none the handshakes under way are closed;
 * - nothing keeps a pointer into a replaced settings struct: it is freed
 *   at once.
 *
 * A reload reads the config file (at most SD_CONFIG_MAX_FILE bytes) and
 * the TLS files (at most 4 MiB each, sd_tls) on the event loop: small,
 * bounded reads of local files, as at start. It runs to the end within
 * one callback, so there is one at a time.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sd_admit.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_hlog.h"
#include "sd_listen.h"
#include "sd_registry.h"
#include "sd_reload.h"
#include "sd_server.h"
#include "sd_throttle.h"
#include "sd_tls.h"

/* The longest summary a reload event carries. */
#define RELOAD_SUMMARY_LEN	1024

struct sd_reload {
	struct sd_server	*srv;
	int			 argc;
	char			**argv;
	const struct sd_config	*start;	/* main's: never freed here */
	struct sd_config	*live;	/* after a reload; NULL: start */
	struct sd_tls		*tls;	/* in force (srv->tls) */
	struct sd_hlog		*hlog;
};

/* The options a module took at start (see the top of this file): a new
 * value needs a restart. Rows not named here apply live; a new row is
 * live unless it is added here. */
static const char *const reload_restart[] = {
	"bind", "data-dir", "headless", "keep-on-hangup", "refresh",
	"control", "stall-seconds", "measurement", "field", "device-tag",
	"extra-tags", "spool-max", "spool-full", "spool-retain",
	"spool-retain-age", "fsync", "influx-url", "influx-db",
	"influx-user", "influx-password", "influx-org", "influx-bucket",
	"influx-token", "influx-batch", "influx-flush-ms",
	"influx-timeout", "influx-gzip", "influx-parallel",
	"kafka-brokers", "kafka-topic", "kafka-format", "kafka-opt",
};

static int
reload_is_restart(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reload_restart) / sizeof(*reload_restart);
	    i++) {
		if (strcmp(reload_restart[i], name) == 0)
			return 1;
	}
	return 0;
}

struct sd_reload *
sd_reload_new(struct sd_server *srv, int argc, char **argv,
    const struct sd_config *start, struct sd_tls *tls, struct sd_hlog *hlog)
{
	struct sd_reload *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->srv = srv;
	r->argc = argc;
	r->argv = argv;
	r->start = start;
	r->tls = tls;
	r->hlog = hlog;
	return r;
}

void
sd_reload_free(struct sd_reload *r)
{
	if (r == NULL)
		return;
	if (r->live != NULL) {
		sd_config_done(r->live);
		free(r->live);
	}
	sd_tls_free(r->tls);
	free(r);
}

void
sd_reload_set_hlog(struct sd_reload *r, struct sd_hlog *hlog)
{
	if (r != NULL)
		r->hlog = hlog;
}

/* The settings parsed again, as at start: SD_OK with *out, or err. */
static int
reload_parse(struct sd_reload *r, struct sd_config **out,
    char err[SD_ERR_LEN])
{
	struct sd_config *n = malloc(sizeof(*n));
	int rc;

	if (n == NULL || sd_config_init(n) != SD_OK) {
		free(n);
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	rc = sd_config_parse(n, r->argc, r->argv, err);
	if (rc != SD_OK) {
		if (rc == 1)
			snprintf(err, SD_ERR_LEN, "the command line asks for "
			    "--help or --version");
		sd_config_done(n);
		free(n);
		return SD_ERR_INVAL;
	}
	*out = n;
	return SD_OK;
}

/* Name each option whose value n changes, in changed or in restart;
 * a restart option gets the running value back. */
static int
reload_diff(const struct sd_config *cur, struct sd_config *n,
    json_t *changed, json_t *restart, char err[SD_ERR_LEN])
{
	const struct sd_config_opt *o;
	size_t i;

	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		/* devices: what was loaded says it (reload_registry). */
		if (!sd_config_in_file(o) || sd_config_same(cur, n, o) ||
		    strcmp(o->name, "devices") == 0)
			continue;
		if (!reload_is_restart(o->name)) {
			json_array_append_new(changed, json_string(o->name));
			continue;
		}
		json_array_append_new(restart, json_string(o->name));
		if (sd_config_copy(n, cur, o) != SD_OK) {
			snprintf(err, SD_ERR_LEN, "out of memory");
			return SD_ERR_NOMEM;
		}
	}
	return SD_OK;
}

/* Whether name is in the array a. */
static int
reload_named(json_t *a, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), name) == 0)
			return 1;
	}
	return 0;
}

/* Name opt in changed when digest says the old and the new contexts'
 * files differ (and both have one: else another option says it). */
static void
reload_digests(json_t *changed, const char *opt, const struct sd_tls *old,
    const struct sd_tls *new, int (*digest)(const struct sd_tls *,
    unsigned char[32]))
{
	unsigned char was[32], now[32];

	if (digest(old, was) == SD_OK && digest(new, now) == SD_OK &&
	    memcmp(was, now, sizeof(was)) != 0 && !reload_named(changed, opt))
		json_array_append_new(changed, json_string(opt));
}

/* The new TLS context, built and checked; a certificate or client CA
 * whose bytes changed under the same name counts as changed. */
static int
reload_tls(struct sd_reload *r, const struct sd_config *n, json_t *changed,
    struct sd_tls **out, char err[SD_ERR_LEN])
{
	if (sd_tls_new(n, out, err) != SD_OK)
		return SD_ERR_INVAL;
	reload_digests(changed, "tls-cert", r->tls, *out, sd_tls_cert_digest);
	reload_digests(changed, "tls-client-ca", r->tls, *out,
	    sd_tls_ca_digest);
	return SD_OK;
}

/* The registry read afresh (bounded: SD_REGISTRY_MAX_FILE) even when
 * its path is the same, since revoking is editing it; named in
 * changed when the devices it admits, and how, are not those in force
 * (a file rewritten the same, or moved, changes nothing). */
static int
reload_registry(struct sd_reload *r, const struct sd_config *n,
    json_t *changed, struct sd_registry **out, char err[SD_ERR_LEN])
{
	*out = NULL;
	if (n->devices != NULL &&
	    sd_registry_load(n->devices, out, err) != SD_OK)
		return SD_ERR_INVAL;
	if (!sd_registry_same(r->srv->registry, *out))
		json_array_append_new(changed, json_string("devices"));
	return SD_OK;
}

static int
reload_cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Whether listener l serves as n says: its port is one of n's, with
 * TLS as n says. */
static int
reload_keeps(const struct sd_listener *l, const struct sd_config *n,
    const struct sd_tls *t)
{
	int tls = t != NULL && sd_config_tls_port(n, l->port);

	return l->listening && !l->removed && tls == l->tls &&
	    bsearch(&l->port, n->ports, n->nports, sizeof(*n->ports),
	    reload_cmp_port) != NULL;
}

/* Append port to a, once. */
static void
reload_port_once(json_t *a, uint16_t port)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (json_integer_value(v) == port)
			return;
	}
	json_array_append_new(a, json_integer(port));
}

/* Stop the listeners the new settings do not keep (before any opens:
 * a port that changes between plain and TLS is the same port). */
static void
reload_close_ports(struct sd_server *srv, json_t *ans)
{
	const struct sd_config *n = srv->cfg;
	struct sd_listener *l;
	size_t i;

	for (i = 0; i < srv->nlisteners; i++) {
		l = srv->listeners[i];
		if (l->removed || reload_keeps(l, n, srv->tls))
			continue;
		if (l->listening)
			reload_port_once(json_object_get(ans, "closed"),
			    l->port);
		sd_listen_close(l);
		l->removed = 1;
		snprintf(l->reason, sizeof(l->reason), "removed by a reload");
	}
}

/* Whether port listens at addr already. */
static int
reload_listening(const struct sd_server *srv, uint16_t port, const char *addr)
{
	const struct sd_listener *l;
	size_t i;

	for (i = 0; i < srv->nlisteners; i++) {
		l = srv->listeners[i];
		if (!l->removed && l->port == port &&
		    strcmp(l->addr, addr) == 0)
			return 1;
	}
	return 0;
}

/* Open the ports the new settings add; one that fails is reported and
 * the rest goes on. */
static void
reload_open_ports(struct sd_server *srv, json_t *ans)
{
	const struct sd_config *n = srv->cfg;
	const char *why;
	size_t i, j;

	for (i = 0; i < n->nports; i++) {
		for (j = 0; j < SD_NADDRS(n); j++) {
			if (reload_listening(srv, n->ports[i], SD_ADDR(n, j)))
				continue;
			if (sd_server_listen_one(srv, n->ports[i],
			    SD_ADDR(n, j), &why) == SD_OK)
				reload_port_once(json_object_get(ans,
				    "opened"), n->ports[i]);
			else
				json_array_append_new(json_object_get(ans,
				    "failed"), json_pack("{s:i,s:s,s:s}",
				    "port", n->ports[i], "addr",
				    SD_ADDR(n, j), "reason", why));
		}
	}
	for (i = 0; i < srv->nlisteners; i++)
		srv->listeners[i]->legacy = sd_admit_legacy(n,
		    srv->listeners[i]->port);
}

/* Whether the allow/deny rules in force refuse c's address. */
static int
reload_refused(const struct sd_conn *c, const struct sd_config *n)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, c->peer, &s4.sin_addr) == 1)
		return sd_admit_check(n, (struct sockaddr *)&s4,
		    c->port) != NULL;
	if (inet_pton(AF_INET6, c->peer, &s6.sin6_addr) == 1)
		return sd_admit_check(n, (struct sockaddr *)&s6,
		    c->port) != NULL;
	return 0;
}

/* Close the connections (and handshakes) the new rules refuse; each
 * closing is its own disconnect event. Bounded by --max-clients. */
static int
reload_disconnect(struct sd_server *srv)
{
	struct sd_conn_list *lists[] = { &srv->handshakes, &srv->conns };
	struct sd_conn *c, *next;
	int n = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		for (c = TAILQ_FIRST(lists[i]); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (c->state == SD_CONN_DEAD ||
			    !reload_refused(c, srv->cfg))
				continue;
			sd_conn_close(c, "no longer allowed (reload)");
			n++;
		}
	}
	return n;
}

/* Put n and t in force; nothing here can fail but a port opening. */
static void
reload_apply(struct sd_reload *r, struct sd_config *n, struct sd_tls *t,
    struct sd_registry *reg, json_t *ans)
{
	struct sd_server *srv = r->srv;
	struct sd_config *old = r->live;
	size_t revoked;

	srv->cfg = n;
	r->live = n;
	if (old != NULL) {
		sd_config_done(old);
		free(old);
	}
	srv->tls = t;
	sd_tls_free(r->tls);
	r->tls = t;
	if (r->hlog != NULL)
		r->hlog->json = n->log_json;
	srv->dev_bytes->window = (int64_t)n->device_rate_secs * 1000000000;
	/* No TLS port any more: a handshake still under way would end
	 * with no context to check its peer against. */
	while (t == NULL && !TAILQ_EMPTY(&srv->handshakes))
		sd_conn_close(TAILQ_FIRST(&srv->handshakes),
		    "TLS turned off (reload)");
	reload_close_ports(srv, ans);
	reload_open_ports(srv, ans);
	/* The registry loaded in sd_reload_run (one that failed to load
	 * changed nothing); its clients now unknown, revoked or not
	 * allowed are closed. */
	revoked = sd_server_set_registry(srv, reg);
	json_object_set_new(ans, "disconnected",
	    json_integer((json_int_t)(reload_disconnect(srv) + revoked)));
	sd_server_sweep_listeners(srv);
}

/* The items of a's array key, after "key: ", in buf. */
static size_t
reload_say_list(char *buf, size_t at, const char *key, json_t *a)
{
	json_t *v;
	size_t i;

	if (json_array_size(a) == 0 || at >= RELOAD_SUMMARY_LEN)
		return at;
	at += (size_t)snprintf(buf + at, RELOAD_SUMMARY_LEN - at, "%s%s:",
	    at > 0 ? "; " : "", key);
	json_array_foreach(a, i, v) {
		if (at >= RELOAD_SUMMARY_LEN)
			break;
		if (json_is_object(v))
			v = json_object_get(v, "port");
		if (json_is_string(v))
			at += (size_t)snprintf(buf + at, RELOAD_SUMMARY_LEN -
			    at, " %s", json_string_value(v));
		else
			at += (size_t)snprintf(buf + at, RELOAD_SUMMARY_LEN -
			    at, " %lld", (long long)json_integer_value(v));
	}
	return at;
}

/* One reload event: what ans says, or why it failed. */
static void
reload_event(struct sd_reload *r, json_t *ans, const char *why)
{
	static const char *const keys[][2] = {
		{ "changed", "changed" }, { "restart", "needs a restart" },
		{ "opened", "opened" }, { "closed", "closed" },
		{ "failed", "failed to open" },
	};
	struct sd_event e = { .kind = SD_EV_RELOAD };
	char text[RELOAD_SUMMARY_LEN] = "";
	size_t at = 0, i;

	e.state = why == NULL ? "ok" : "failed";
	e.reason = why;
	e.level = why == NULL ? SD_LV_INFO : SD_LV_WARNING;
	if (ans != NULL) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			at = reload_say_list(text, at, keys[i][1],
			    json_object_get(ans, keys[i][0]));
		e.count = (uint64_t)json_integer_value(json_object_get(ans,
		    "disconnected"));
		if (at == 0)
			snprintf(text, sizeof(text), "nothing changed");
		e.text = text;
		e.text_len = strlen(text);
	}
	sd_events_fire(r->srv->events, &e);
}

json_t *
sd_reload_run(struct sd_reload *r)
{
	const struct sd_config *cur = r->srv->cfg;
	struct sd_config *n = NULL;
	struct sd_tls *t = NULL;
	struct sd_registry *reg = NULL;
	char err[SD_ERR_LEN];
	json_t *ans;

	ans = json_pack("{s:b,s:[],s:[],s:[],s:[],s:[]}", "ok", 1, "changed",
	    "restart", "opened", "closed", "failed");
	if (ans == NULL)
		return NULL;
	if (r->srv->stopping) {
		snprintf(err, sizeof(err), "the server is shutting down");
		goto fail;
	}
	if (reload_parse(r, &n, err) != SD_OK ||
	    reload_diff(cur, n, json_object_get(ans, "changed"),
	    json_object_get(ans, "restart"), err) != SD_OK ||
	    reload_tls(r, n, json_object_get(ans, "changed"), &t,
	    err) != SD_OK)
		goto fail;
	if (reload_registry(r, n, json_object_get(ans, "changed"), &reg,
	    err) != SD_OK) {
		sd_tls_free(t);
		goto fail;
	}
	reload_apply(r, n, t, reg, ans);
	reload_event(r, ans, NULL);
	return ans;
fail:
	if (n != NULL) {
		sd_config_done(n);
		free(n);
	}
	reload_event(r, NULL, err);
	json_decref(ans);
	return json_pack("{s:b,s:s}", "ok", 0, "error", err);
}
