/*
 * sockdeckd_replay.c: "sockdeckd spool replay --sink influx|kafka
 * --since TIME [--until TIME]": the readings of a time range sent again
 * to one sink, for a database restored from a backup.
 *
 * The sink is the server's own, built from the same options and config
 * file (sd_server_sink_new), on a loop of its own, its reader in range
 * mode (sd_spool.h): it reads the segments through sd_spoolrange, keeps
 * no cursor and opens no struct sd_spool, so it runs beside a server
 * and leaves its segments, cursors and sinks as they were. Delivery is
 * the sink's: batches, retries with backoff, InfluxDB's refusals to
 * rejects.lp, Kafka's at least once.
 *
 * While the sink fails and delivers nothing, it retries for --give-up
 * seconds (REPLAY_GIVE_UP; 0: until interrupted), then stops. SIGINT
 * and SIGTERM stop it too, without waiting for what is in flight.
 * Progress goes to stderr once a second and a summary at the end, also
 * on stdout as JSON with --json. Every line is escaped: a refusal
 * quotes what InfluxDB said of a line, and a line holds a device's
 * bytes.
 */
#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_config.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_prio.h"
#include "sd_server.h"
#include "sd_sink.h"
#include "sd_spool.h"
#include "sd_spoolrange.h"
#include "sd_util.h"
#include "sockdeckd_replay.h"
#include "sockdeckd_spool.h"

#define REPLAY_GIVE_UP		60	/* seconds failing, by default */
#define REPLAY_GIVE_UP_MAX	(7 * 86400)
#define REPLAY_TICK_MS		100	/* how soon the end is seen */
#define REPLAY_SAY_TICKS	10	/* progress every this many ticks */
#define REPLAY_WHO		"sockdeckd spool replay"

/* replay's own options; the rest are the server's (sd_config). */
struct replay_opts {
	const char	*sink;		/* --sink */
	const char	*since;
	const char	*until;		/* NULL: no end */
	const char	*give_up;
	int		 json;
	int		 help;
};

struct replay {
	struct replay_opts	 o;
	struct sd_config	 cfg;
	int64_t			 since;
	int64_t			 until;
	uint64_t		 give_up;	/* seconds, 0: never */
	struct event_base	*base;
	struct sd_events	*events;
	struct sd_spoolrange	 range;
	int			 range_open;
	struct sd_sink		*sink;
	struct event		*tick;
	struct event		*sigint;
	struct event		*sigterm;
	unsigned		 ticks;
	int64_t			 start_mono;
	uint64_t		 rate_mark;	/* delivered a second ago */
	const char		*end;		/* how it ended */
	char			 reason[SD_ERR_LEN];
};

/* One line on stderr, "sockdeckd spool replay: " and the text escaped
 * (it may quote a line's bytes, a path, an answer). */
static void replay_say(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
replay_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_put_verr(REPLAY_WHO, fmt, ap);
	va_end(ap);
}

/* ----------------------------------------------------- command line */

/* Where the value of replay's own option a goes (and, for --name=V, V
 * in *val, else NULL); NULL when a is none of them. */
static const char **
replay_own(struct replay_opts *o, const char *a, const char **val)
{
	static const char *const names[] = { "sink", "since", "until",
	    "give-up" };
	const char **dsts[] = { &o->sink, &o->since, &o->until,
	    &o->give_up };
	size_t i, n;

	if (strncmp(a, "--", 2) != 0)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if (strncmp(a + 2, names[i], n) != 0 ||
		    (a[2 + n] != '\0' && a[2 + n] != '='))
			continue;
		*val = a[2 + n] == '=' ? a + 3 + n : NULL;
		return dsts[i];
	}
	return NULL;
}

/* Whether the word a is an option whose value is the next word: one of
 * replay's, or a server option (sd_config's table) that takes one. */
static int
replay_takes_value(const char *a)
{
	const struct sd_config_opt *row = NULL;
	struct replay_opts o;
	const char *v;
	size_t i;

	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] != '-') {
		for (i = 0; a[2] == '\0' && i < sd_config_nopts; i++) {
			if (sd_config_opts[i].letter == a[1])
				row = &sd_config_opts[i];
		}
	} else if (strchr(a, '=') != NULL)
		return 0;
	else if (replay_own(&o, a, &v) != NULL)
		return 1;
	else
		row = sd_config_find(a + 2);
	return row != NULL && row->type != SD_CONFIG_FLAG &&
	    row->type != SD_CONFIG_HELP && row->type != SD_CONFIG_VERSION;
}

int
sockdeckd_replay_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			return strcmp(argv[i], "replay") == 0;
		if (replay_takes_value(argv[i]))
			i++;
	}
	return 0;
}

/* Take replay's own options out of argv; the rest, after "sockdeckd",
 * into sargv (room for argc + 1) for sd_config_parse. */
static int
replay_args(struct replay *r, int argc, char **argv, char **sargv,
    int *sargc)
{
	const char **dst, *val, *a;
	int i, word = 0;

	sargv[0] = "sockdeckd";
	*sargc = 1;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		dst = replay_own(&r->o, a, &val);
		if (strcmp(a, "--json") == 0)
			r->o.json = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			r->o.help = 1;
		else if (!word && strcmp(a, "replay") == 0)
			word = 1;
		else if (dst != NULL && val == NULL && i + 1 == argc) {
			replay_say("%.40s: needs a value", a);
			return SD_ERR_INVAL;
		} else if (dst != NULL)
			*dst = val != NULL ? val : argv[++i];
		else {
			sargv[(*sargc)++] = argv[i];
			if (replay_takes_value(a) && i + 1 < argc)
				sargv[(*sargc)++] = argv[++i];
		}
	}
	sargv[*sargc] = NULL;
	return SD_OK;
}

/* The value v of --since or --until (opt) as ns since the epoch; an
 * error said. */
static int
replay_time(const char *opt, const char *v, int64_t now, int64_t *out)
{
	if (sd_parse_time(v, now, out) == SD_OK)
		return SD_OK;
	replay_say("%s: %.100s: not a time (RFC 3339 as "
	    "2026-12-05T08:00:00Z, Unix seconds, or -30s, -30m, -2h, -7d)",
	    opt, v);
	return SD_ERR_INVAL;
}

/* The server's settings (its config file, its flags), then replay's:
 * SD_OK, 1 for --version (printed), or an error said. */
static int
replay_settings(struct replay *r, int sargc, char **sargv)
{
	char err[SD_ERR_LEN];
	int64_t now = sd_now_ns();
	int rc;

	rc = sd_config_parse(&r->cfg, sargc, sargv, err);
	if (rc == 1)
		return 1;
	if (rc != SD_OK) {
		replay_say("%s", err);
		return SD_ERR_INVAL;
	}
	if (r->o.sink == NULL || r->o.since == NULL) {
		replay_say("--sink and --since are needed (see --help)");
		return SD_ERR_INVAL;
	}
	if (strcmp(r->o.sink, "influx") != 0 &&
	    strcmp(r->o.sink, "kafka") != 0) {
		replay_say("--sink: %.100s: unknown (influx or kafka)",
		    r->o.sink);
		return SD_ERR_INVAL;
	}
	r->until = INT64_MAX;
	if (replay_time("--since", r->o.since, now, &r->since) != SD_OK ||
	    (r->o.until != NULL &&
	    replay_time("--until", r->o.until, now, &r->until) != SD_OK))
		return SD_ERR_INVAL;
	if (r->until <= r->since) {
		replay_say("--until must come after --since");
		return SD_ERR_INVAL;
	}
	r->give_up = REPLAY_GIVE_UP;
	if (r->o.give_up != NULL && sd_parse_u64(r->o.give_up, 0,
	    REPLAY_GIVE_UP_MAX, &r->give_up) != SD_OK) {
		replay_say("--give-up: %.100s: seconds, 0 to %u (0: never)",
		    r->o.give_up, REPLAY_GIVE_UP_MAX);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* -------------------------------------------------------- the loop */

/* Stop the loop: it ended as end says, for reason. */
static void
replay_stop(struct replay *r, const char *end, const char *reason)
{
	if (r->end != NULL)
		return;
	r->end = end;
	snprintf(r->reason, sizeof(r->reason), "%s",
	    reason != NULL ? reason : "");
	event_base_loopbreak(r->base);
}

/* What the sink says of itself (failing, back, refused lines, the
 * library's errors): one escaped line each, as the server logs it. */
static void
replay_event(const struct sd_event *ev, void *arg)
{
	char line[1024];

	(void)arg;
	if (ev->kind != SD_EV_SINK && ev->kind != SD_EV_REJECT &&
	    ev->kind != SD_EV_ERROR)
		return;
	sd_event_text(ev, line, sizeof(line));
	replay_say("%s", line);
}

/* Once a second: readings sent, segments read of those listed, rate. */
static void
replay_progress(struct replay *r)
{
	struct sd_sink *s = r->sink;
	char n[32], rate[32];

	sd_fmt_thousands(s->delivered, n, sizeof(n));
	sd_fmt_thousands(s->delivered - r->rate_mark, rate, sizeof(rate));
	r->rate_mark = s->delivered;
	replay_say("%s: %s readings sent, segment %zu of %zu, %s/s%s",
	    s->ops->name, n, r->range.next, r->range.nsegs, rate,
	    s->state == SD_SINK_FAILING ? ", failing, retrying" : "");
}

static void
replay_tick_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct replay *r = arg;
	struct sd_sink *s = r->sink;
	int64_t quiet = (sd_mono_ns() - s->ok_mono) / 1000000000;
	char why[SD_ERR_LEN];

	(void)fd;
	(void)kind;
	if (s->rd.range_failed) {
		replay_stop(r, "unreadable", s->error);
		return;
	}
	if (sd_spool_reader_range_done(&s->rd)) {
		replay_stop(r, "done", NULL);
		return;
	}
	if (r->give_up > 0 && s->state == SD_SINK_FAILING &&
	    quiet >= (int64_t)r->give_up) {
		snprintf(why, sizeof(why), "nothing delivered for %lld s "
		    "(--give-up), failing: %.160s", (long long)quiet,
		    s->error);
		replay_stop(r, "gave-up", why);
		return;
	}
	if (++r->ticks % REPLAY_SAY_TICKS == 0) {
		replay_progress(r);
		/* As the pipeline does when lines come: a sink that went
		 * idle after a failure reads again. */
		s->ops->kick(s);
	}
}

static void
replay_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	(void)kind;
	replay_stop(arg, "interrupted", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* The loop, the range, the sink and the timers. */
static int
replay_start(struct replay *r)
{
	struct timeval tv = { 0, REPLAY_TICK_MS * 1000 };
	char err[SD_ERR_LEN], dir[4200];

	snprintf(dir, sizeof(dir), "%.4000s/sensors", r->cfg.data_dir);
	if (sd_spoolrange_open(&r->range, dir, r->since, r->until, err) !=
	    SD_OK) {
		replay_say("%s", err);
		return SD_ERR_INVAL;
	}
	r->range_open = 1;
	r->base = sd_prio_base_new();
	r->events = sd_events_new();
	if (r->base == NULL || r->events == NULL ||
	    sd_events_subscribe(r->events, replay_event, r) < 0) {
		replay_say("out of memory");
		return SD_ERR_NOMEM;
	}
	r->sink = sd_server_sink_new(&r->cfg, r->base, r->o.sink, NULL,
	    &r->range, r->events, err);
	if (r->sink == NULL) {
		replay_say("%s", err);
		return SD_ERR_INVAL;
	}
	r->tick = event_new(r->base, -1, EV_PERSIST, replay_tick_cb, r);
	r->sigint = evsignal_new(r->base, SIGINT, replay_signal_cb, r);
	r->sigterm = evsignal_new(r->base, SIGTERM, replay_signal_cb, r);
	if (r->tick == NULL || r->sigint == NULL || r->sigterm == NULL) {
		replay_say("out of memory");
		return SD_ERR_NOMEM;
	}
	sd_prio_event(r->tick, SD_PRIO_CONTROL);
	event_add(r->tick, &tv);
	event_add(r->sigint, NULL);
	event_add(r->sigterm, NULL);
	signal(SIGPIPE, SIG_IGN);
	r->start_mono = sd_mono_ns();
	replay_say("%s: %zu segment%s of %.200s to read", r->o.sink,
	    r->range.nsegs, r->range.nsegs == 1 ? "" : "s", dir);
	r->sink->ops->kick(r->sink);
	return SD_OK;
}

static void
replay_free(struct replay *r)
{
	if (r->sink != NULL)
		r->sink->ops->free(r->sink);
	if (r->tick != NULL)
		event_free(r->tick);
	if (r->sigint != NULL)
		event_free(r->sigint);
	if (r->sigterm != NULL)
		event_free(r->sigterm);
	if (r->range_open)
		sd_spoolrange_close(&r->range);
	if (r->events != NULL)
		sd_events_free(r->events);
	if (r->base != NULL)
		event_base_free(r->base);
}

/* ----------------------------------------------------- the summary */

/* The summary as one JSON object on stdout. */
static void
replay_json(const struct replay *r, double secs)
{
	const struct sd_sink *s = r->sink;
	char since[40], until[40], *text;
	json_t *o;

	sd_fmt_rfc3339(r->since, since, sizeof(since));
	sd_fmt_rfc3339(r->until, until, sizeof(until));
	o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:f}",
	    "sink", s->ops->name, "status", r->end, "reason", r->reason,
	    "since", since, "until", r->o.until != NULL ?
	    json_string(until) : json_null(),
	    "delivered", (json_int_t)s->delivered,
	    "rejected", (json_int_t)s->rejects,
	    "retries", (json_int_t)s->retries,
	    "segments", (json_int_t)(r->range.nsegs + r->range.gone),
	    "segments_gone", (json_int_t)r->range.gone,
	    "bad_lines", (json_int_t)r->range.bad, "seconds", secs);
	text = o != NULL ? sd_json_dumps(o) : NULL;
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* Say how it ended; the exit status. */
static int
replay_summary(struct replay *r)
{
	const struct sd_sink *s = r->sink;
	double secs = (double)(sd_mono_ns() - r->start_mono) / 1e9;
	char n[32], since[40], until[40];

	if (r->end == NULL)
		replay_stop(r, "interrupted", "the loop stopped");
	if (strcmp(r->end, "done") == 0 && s->rejects > 0) {
		r->end = "refused";
		snprintf(r->reason, sizeof(r->reason), "%llu reading%s "
		    "refused by the sink (InfluxDB's are in "
		    "sensors/rejects.lp)", (unsigned long long)s->rejects,
		    s->rejects == 1 ? "" : "s");
	}
	sd_fmt_thousands(s->delivered, n, sizeof(n));
	sd_fmt_rfc3339(r->since, since, sizeof(since));
	sd_fmt_rfc3339(r->until, until, sizeof(until));
	replay_say("%s: %s: %s reading%s delivered from %s to %s (%zu "
	    "segment%s, %zu removed meanwhile, %llu lines not line "
	    "protocol, %llu retries) in %.1f s%s%s", s->ops->name, r->end, n,
	    s->delivered == 1 ? "" : "s", since,
	    r->o.until != NULL ? until : "the end", r->range.nsegs,
	    r->range.nsegs == 1 ? "" : "s", (size_t)r->range.gone,
	    (unsigned long long)r->range.bad,
	    (unsigned long long)s->retries, secs,
	    r->reason[0] != '\0' ? ": " : "", r->reason);
	if (r->o.json)
		replay_json(r, secs);
	return strcmp(r->end, "done") == 0 ? 0 : 1;
}

int
sockdeckd_replay_main(int argc, char **argv)
{
	struct replay *r = calloc(1, sizeof(*r));
	char **sargv = calloc((size_t)argc + 2, sizeof(*sargv));
	int sargc, rc = 2;

	if (r == NULL || sargv == NULL || sd_config_init(&r->cfg) != SD_OK) {
		replay_say("out of memory");
		free(r);
		free(sargv);
		return 2;
	}
	if (replay_args(r, argc, argv, sargv, &sargc) != SD_OK)
		goto out;
	if (r->o.help) {
		sockdeckd_spool_usage(stdout);
		rc = 0;
		goto out;
	}
	rc = replay_settings(r, sargc, sargv);
	if (rc != SD_OK) {
		rc = rc == 1 ? 0 : 2;
		goto out;
	}
	rc = 2;
	if (replay_start(r) != SD_OK)
		goto out;
	event_base_dispatch(r->base);
	rc = replay_summary(r);
out:
	replay_free(r);
	sd_config_done(&r->cfg);
	free(sargv);
	free(r);
	return rc;
}
