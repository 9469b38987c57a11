/*
 * sd_reload.c: live reload (see sd_reload.h).
 *
 * Who points into which settings (every "cfg->" was looked at):
 * - read at each use through srv->cfg, so they follow a reload: the
 *   limits (sd_conn, sd_listen, sd_handle*), allow/deny/legacy
 *   (sd_admit_check at accept, and here for the open connections;
 *   sd_admit_legacy, set on each listener here), the reply formats,
 *   --server-name, --token, the timeouts, --device-rate,
 *   --device-timeout and --device-save (the fleet's tick),
 *   --shutdown-timeout, --tls-handshake-timeout, --proxy-protocol and
 *   --proxy-from (at accept; a header awaited on a TLS port that the
 *   reload made plain is refused in sd_listen_admit);
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
 * - nothing keeps a pointer into a replaced settings struct, context or
 *   registry: they go to the helper to be freed.
 *
 * The loading runs on a helper thread: the config file (at most
 * SD_CONFIG_MAX_FILE bytes), the TLS files (at most 4 MiB each, sd_tls)
 * and the registry (SD_REGISTRY_MAX_FILE, 65536 devices: the longest
 * part) are read and parsed there, the context built and checked, the
 * digests a reload compares taken. The helper and the loop share only
 * the fields marked "under lock" below: the loop puts a job there (a
 * load to run, what a reload retired to free) and the helper the load's
 * result, then writes a byte to a pipe whose read event brings the loop
 * to it (as sd_diskq.c does). The helper reads argc and argv (not
 * changed after start) and files, nothing of the loop's; what it built
 * is the loop's once taken from there, and what the loop retired is the
 * helper's once put there. The apply step, the answers and the event
 * are the loop's.
 */
#define _GNU_SOURCE		/* pipe2() */
#include <arpa/inet.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_admit.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_hlog.h"
#include "sd_listen.h"
#include "sd_prio.h"
#include "sd_registry.h"
#include "sd_reload.h"
#include "sd_server.h"
#include "sd_throttle.h"
#include "sd_tls.h"

/* The longest summary a reload event carries. */
#define RELOAD_SUMMARY_LEN	1024

/* The digests of a context's certificate and client CAs: a file that
 * changed under the same name counts as a changed option. */
struct reload_sums {
	unsigned char	 cert[32];
	unsigned char	 ca[32];
	int		 has_cert;
	int		 has_ca;
};

/* What a load built, or why it failed (cfg NULL). Settings retired by a
 * reload travel the other way in the same shape. */
struct reload_load {
	struct sd_config	*cfg;
	struct sd_tls		*tls;
	struct sd_registry	*reg;
	struct reload_sums	 sums;
	int			 devices_changed; /* reg admits otherwise */
	char			 err[SD_ERR_LEN];
};

struct sd_reload {
	/* The loop's. */
	struct sd_server	*srv;
	const struct sd_config	*start;	/* main's: never freed here */
	struct sd_config	*live;	/* after a reload; NULL: start */
	struct sd_tls		*tls;	/* in force (srv->tls) */
	struct reload_sums	 sums;	/* tls's */
	struct sd_hlog		*hlog;
	struct event		*ev;	/* the helper is done */
	TAILQ_HEAD(, sd_reload_wait) waits;	/* in order of gen */
	uint64_t		 gen;	/* reloads started */
	int			 busy;	/* one is loading */
	int			 again;	/* asked meanwhile: one more */
	/* Set before the helper starts; only it reads them after. */
	int			 argc;
	char			**argv;
	/* Shared, under lock. */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 quit;
	int			 joined;	/* the loop's: helper gone */
	int			 job;	/* a load asked for */
	/* The registry in force when the job was asked for: read by the
	 * helper, which may, since nothing changes or frees it until this
	 * reload is applied (one at a time). */
	const struct sd_registry *job_reg;
	int			 loaded;	/* res holds its result */
	struct reload_load	 res;
	struct reload_load	 old;	/* retired, to free */
	int			 pipefd[2];
};

/* The options a module took at start (see the top of this file): a new
 * value needs a restart. Rows not named here apply live; a new row is
 * live unless it is added here. */
static const char *const reload_restart[] = {
	"bind", "data-dir", "headless", "keep-on-hangup", "refresh",
	"control", "stall-seconds", "measurement", "field", "device-tag",
	"metrics-listen",
	"extra-tags", "spool-max", "spool-full", "spool-retain",
	"spool-retain-age", "fsync", "influx-url", "influx-db",
	"influx-user", "influx-password", "influx-org", "influx-bucket",
	"influx-token", "influx-batch", "influx-flush-ms",
	"influx-timeout", "influx-gzip", "influx-parallel",
	"kafka-brokers", "kafka-topic", "kafka-format", "kafka-opt",
	"node-id",
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

/* Free what l holds (either thread: whoever holds it). */
static void
reload_load_free(struct reload_load *l)
{
	if (l->cfg != NULL) {
		sd_config_done(l->cfg);
		free(l->cfg);
	}
	sd_tls_free(l->tls);
	sd_registry_free(l->reg);
	l->cfg = NULL;
	l->tls = NULL;
	l->reg = NULL;
}

/* The digests of t (NULL: none). */
static void
reload_sums(const struct sd_tls *t, struct reload_sums *s)
{
	s->has_cert = sd_tls_cert_digest(t, s->cert) == SD_OK;
	s->has_ca = sd_tls_ca_digest(t, s->ca) == SD_OK;
}

/* The settings parsed again, as at start: SD_OK with *out, or err. */
static int
reload_parse(int argc, char **argv, struct sd_config **out,
    char err[SD_ERR_LEN])
{
	struct sd_config *n = malloc(sizeof(*n));
	int rc;

	if (n == NULL || sd_config_init(n) != SD_OK) {
		free(n);
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	rc = sd_config_parse(n, argc, argv, err);
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

/* The load, on the helper: the settings, the TLS context built and
 * checked, the registry read afresh (bounded: SD_REGISTRY_MAX_FILE)
 * even when its path is the same, since revoking is editing it, and
 * compared with cur, the one in force: devices is named changed when
 * what it admits differs (a file rewritten the same, or moved, changes
 * nothing). All or nothing: l->cfg is NULL and l->err says why when a
 * part failed. */
static void
reload_load_run(int argc, char **argv, const struct sd_registry *cur,
    struct reload_load *l)
{
	memset(l, 0, sizeof(*l));
	if (reload_parse(argc, argv, &l->cfg, l->err) != SD_OK)
		return;
	if (sd_tls_new(l->cfg, &l->tls, l->err) != SD_OK)
		goto fail;
	reload_sums(l->tls, &l->sums);
	if (l->cfg->devices != NULL &&
	    sd_registry_load(l->cfg->devices, &l->reg, l->err) != SD_OK)
		goto fail;
	l->devices_changed = !sd_registry_same(cur, l->reg);
	return;
fail:
	reload_load_free(l);
}

/* Whether l holds nothing. */
static int
reload_load_empty(const struct reload_load *l)
{
	return l->cfg == NULL && l->tls == NULL && l->reg == NULL;
}

/* The helper thread: frees what reloads retired, runs the loads asked
 * for and wakes the loop with each result, until told to quit (a load
 * under way ends first; one asked for and not begun is dropped). */
static void *
reload_main(void *arg)
{
	struct sd_reload *r = arg;
	struct reload_load old, l;
	const struct sd_registry *cur;
	int job;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->quit && !r->job && reload_load_empty(&r->old))
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->quit)
			break;
		old = r->old;
		memset(&r->old, 0, sizeof(r->old));
		job = r->job;
		cur = r->job_reg;
		r->job = 0;
		pthread_mutex_unlock(&r->lock);
		reload_load_free(&old);
		if (job)
			reload_load_run(r->argc, r->argv, cur, &l);
		pthread_mutex_lock(&r->lock);
		if (!job)
			continue;
		r->res = l;
		r->loaded = 1;
		if (write(r->pipefd[1], "", 1) < 0) {
			/* A full pipe already holds a wake-up. */
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Hand what a reload took out of force (or a load not put in force)
 * to the helper to free. */
static void
reload_retire(struct sd_reload *r, struct sd_config *cfg, struct sd_tls *tls,
    struct sd_registry *reg)
{
	struct reload_load l = { .cfg = cfg, .tls = tls, .reg = reg };
	int queued;

	pthread_mutex_lock(&r->lock);
	/* Empty: the helper takes what was retired with each job, and a
	 * reload ends only after its job was taken. Freed here should
	 * that ever not hold. */
	queued = reload_load_empty(&r->old);
	if (queued) {
		r->old = l;
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	if (!queued)
		reload_load_free(&l);
}

/* Start a load on the helper. */
static void
reload_start(struct sd_reload *r)
{
	r->gen++;
	r->busy = 1;
	r->again = 0;
	pthread_mutex_lock(&r->lock);
	r->job = 1;
	r->job_reg = r->srv->registry;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void reload_done_cb(evutil_socket_t fd, short what, void *arg);

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
	reload_sums(tls, &r->sums);
	TAILQ_INIT(&r->waits);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pipe2(r->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		goto out_sync;
	r->ev = event_new(srv->base, r->pipefd[0], EV_READ | EV_PERSIST,
	    reload_done_cb, r);
	sd_prio_event(r->ev, SD_PRIO_CONTROL);
	if (r->ev == NULL || event_add(r->ev, NULL) != 0)
		goto out_pipe;
	if (pthread_create(&r->thread, NULL, reload_main, r) != 0)
		goto out_pipe;
	return r;
out_pipe:
	if (r->ev != NULL)
		event_free(r->ev);
	close(r->pipefd[0]);
	close(r->pipefd[1]);
out_sync:
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
	return NULL;
}

void
sd_reload_stop(struct sd_reload *r)
{
	if (r == NULL || r->joined)
		return;
	pthread_mutex_lock(&r->lock);
	r->quit = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->joined = 1;
}

void
sd_reload_free(struct sd_reload *r)
{
	if (r == NULL)
		return;
	sd_reload_stop(r);
	reload_load_free(&r->old);
	reload_load_free(&r->res);
	event_free(r->ev);
	close(r->pipefd[0]);
	close(r->pipefd[1]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
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
		/* devices: what was loaded says it (reload_load_run). */
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

/* Name opt in changed when the digests of the file it names differ
 * (and both contexts have one: else another option says it). */
static void
reload_digest(json_t *changed, const char *opt, int had,
    const unsigned char was[32], int has, const unsigned char now[32])
{
	if (had && has && memcmp(was, now, 32) != 0 &&
	    !reload_named(changed, opt))
		json_array_append_new(changed, json_string(opt));
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

/* Put what l loaded in force (l is emptied); nothing here can fail but
 * a port opening. What it replaces goes to the helper to be freed. */
static void
reload_apply(struct sd_reload *r, struct reload_load *l, json_t *ans)
{
	struct sd_server *srv = r->srv;
	struct sd_config *old = r->live;
	struct sd_tls *old_tls = r->tls, *t = l->tls;
	struct sd_registry *old_reg = NULL;
	size_t revoked;

	srv->cfg = l->cfg;
	r->live = l->cfg;
	srv->tls = t;
	r->tls = t;
	r->sums = l->sums;
	sd_server_say_tls_dates(srv);
	if (r->hlog != NULL)
		r->hlog->json = l->cfg->log_json;
	srv->dev_bytes->window = (int64_t)l->cfg->device_rate_secs *
	    1000000000;
	/* No TLS port any more: a handshake still under way would end
	 * with no context to check its peer against. */
	while (t == NULL && !TAILQ_EMPTY(&srv->handshakes))
		sd_conn_close(TAILQ_FIRST(&srv->handshakes),
		    "TLS turned off (reload)");
	reload_close_ports(srv, ans);
	reload_open_ports(srv, ans);
	/* The registry loaded (one that failed to load changed nothing);
	 * its clients now unknown, revoked or not allowed are closed. */
	revoked = sd_server_set_registry(srv, l->reg, &old_reg);
	json_object_set_new(ans, "disconnected",
	    json_integer((json_int_t)(reload_disconnect(srv) + revoked)));
	sd_server_sweep_listeners(srv);
	memset(l, 0, sizeof(*l));
	reload_retire(r, old, old_tls, old_reg);
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

/* Whether a registry that listed devices now lists none: most likely
 * a file an editor was still writing in place, and putting it in force
 * would disconnect every device at once. (Revoking them all is
 * revoking each; dropping the registry is removing --devices.) */
static int
reload_emptied(const struct sd_registry *cur, const struct sd_registry *n)
{
	return cur != NULL && cur->ndevs > 0 && n != NULL && n->ndevs == 0;
}

/* The answer to a load: what it changed, once in force, or why it
 * was not put in force (then it goes to the helper to be freed). One
 * reload event either way. NULL out of memory. */
static json_t *
reload_use(struct sd_reload *r, struct reload_load *l)
{
	char err[SD_ERR_LEN];
	json_t *ans;

	ans = json_pack("{s:b,s:[],s:[],s:[],s:[],s:[]}", "ok", 1, "changed",
	    "restart", "opened", "closed", "failed");
	if (ans == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (l->cfg == NULL)
		snprintf(err, sizeof(err), "%s", l->err);
	else if (r->srv->stopping)
		snprintf(err, sizeof(err), "the server is shutting down");
	else if (reload_emptied(r->srv->registry, l->reg))
		snprintf(err, sizeof(err), "%s lists no device now: not put "
		    "in force, as it would disconnect every device (a file "
		    "caught half written? write it whole, then reload)",
		    l->cfg->devices);
	else if (reload_diff(r->srv->cfg, l->cfg, json_object_get(ans,
	    "changed"), json_object_get(ans, "restart"), err) == SD_OK) {
		reload_digest(json_object_get(ans, "changed"), "tls-cert",
		    r->sums.has_cert, r->sums.cert, l->sums.has_cert,
		    l->sums.cert);
		reload_digest(json_object_get(ans, "changed"),
		    "tls-client-ca", r->sums.has_ca, r->sums.ca,
		    l->sums.has_ca, l->sums.ca);
		if (l->devices_changed)
			json_array_append_new(json_object_get(ans, "changed"),
			    json_string("devices"));
		reload_apply(r, l, ans);
		reload_event(r, ans, NULL);
		return ans;
	}
	reload_retire(r, l->cfg, l->tls, l->reg);
	reload_event(r, NULL, err);
	json_decref(ans);
	/* err may quote a file's name: any bytes, and json_pack would
	 * refuse what is not UTF-8, leaving ctl unanswered. */
	ans = json_pack("{s:b}", "ok", 0);
	if (ans != NULL)
		sd_event_json_bytes(ans, "error", err, strlen(err));
	return ans;
}

/* Answer those waiting for reload gen (they come first: the list is
 * in order of gen), each with a copy of ans of its own. */
static void
reload_answer(struct sd_reload *r, uint64_t gen, json_t *ans)
{
	struct sd_reload_wait *w;

	for (;;) {
		w = TAILQ_FIRST(&r->waits);
		if (w == NULL || w->gen > gen)
			break;
		TAILQ_REMOVE(&r->waits, w, entry);
		w->queued = 0;
		w->cb(ans != NULL ? json_deep_copy(ans) : NULL, w->arg);
	}
}

/* The helper is done with a load: the apply step, the answers, and the
 * next reload when one was asked for meanwhile. */
static void
reload_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_reload *r = arg;
	struct reload_load l;
	char drain[64];
	int loaded;
	json_t *ans;

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&r->lock);
	loaded = r->loaded;
	l = r->res;
	r->loaded = 0;
	memset(&r->res, 0, sizeof(r->res));
	pthread_mutex_unlock(&r->lock);
	if (!loaded)
		return;
	r->busy = 0;
	ans = reload_use(r, &l);
	reload_answer(r, r->gen, ans);
	json_decref(ans);
	if (r->again && !r->busy)
		reload_start(r);
}

void
sd_reload_ask(struct sd_reload *r, struct sd_reload_wait *w,
    void (*cb)(json_t *answer, void *arg), void *arg)
{
	if (r->busy)
		r->again = 1;
	else
		reload_start(r);
	if (w == NULL)
		return;
	w->cb = cb;
	w->arg = arg;
	w->gen = r->gen + (uint64_t)r->again;
	w->queued = 1;
	TAILQ_INSERT_TAIL(&r->waits, w, entry);
}

void
sd_reload_forget(struct sd_reload *r, struct sd_reload_wait *w)
{
	if (r == NULL || !w->queued)
		return;
	TAILQ_REMOVE(&r->waits, w, entry);
	w->queued = 0;
}
