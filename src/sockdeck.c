/*
 * sockdeck.c: the client program. "sockdeck send|send-file|sensor" are
 * the scriptable commands: one connection, one job, the server's answers
 * on stdout, progress on stderr when it is a terminal, and status 0 only
 * when the server confirmed. One event loop (sd_client on it).
 */
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_client.h"
#include "sd_err.h"
#include "sd_synth.h"
#include "sd_util.h"
#include "sockdeck_tui.h"

#define QUIET_MS	300	/* a legacy answer is over after this */

enum { CMD_SEND, CMD_FILE, CMD_SENSOR, CMD_TUI };

struct job {
	struct event_base	*base;
	struct sd_client	*cl;
	struct event		*quiet;		/* legacy answers */
	struct event		*tick;		/* --rate */
	struct event		*idle;		/* no answer in --timeout */
	unsigned		 timeout;
	int			 cmd;
	int			 legacy;
	int			 progress;	/* stderr is a terminal */
	int			 rc;		/* exit status so far */
	int			 done;
	char			**args;		/* texts, paths or values */
	int			 nargs;
	int			 next;		/* file being sent */
	uint32_t		 msg_id;
	const char		*channel;
	double			*values;
	long			 count;		/* rounds of values */
	long			 total;		/* readings: count x nargs */
	long			 sent;		/* readings sent */
	double			 rate;		/* readings/s, 0: at once */
	int64_t			 start_ns;	/* the first reading's time */
	uint64_t		 last_seq;
	uint64_t		 acked;
	char			 legacy_answer[4096];
	size_t			 legacy_len;
	char			**argv_keep;	/* the positionals */
	char			 target[300];	/* "host:port", for messages */
	int			 verbose;	/* the TLS session on stderr */
	int			 tls;		/* --tls */
	struct sd_ctls_opts	 tlso;		/* its other options */
};

static void job_start(struct job *j);

/* Something happened: the server is not silent. */
static void
alive(struct job *j)
{
	struct timeval tv = { (time_t)j->timeout, 0 };

	if (j->idle != NULL)
		evtimer_add(j->idle, &tv);
}

static void
usage(FILE *fp)
{
	fputs(
"usage: sockdeck [HOST:PORT]             the screen (connects at once)\n"
"       sockdeck send HOST:PORT TEXT...\n"
"       sockdeck send-file HOST:PORT PATH...\n"
"       sockdeck sensor HOST:PORT VALUE... [--count N] [--rate R]\n"
"                                          [--channel NAME]\n"
"\n"
"  --legacy            speak the original client's bytes (no HELLO)\n"
"  --reconnect         the screen: reconnect after a drop, with backoff\n"
"  --device MAC        the device id (the last interface's MAC)\n"
"  --token TOKEN       the server's --token (default: $SOCKDECK_TOKEN)\n"
"  --timeout SECS      connect and answer timeout (10)\n"
"  --tls               connect over TLS, checking the server's certificate\n"
"                      against the system's CAs and the host name\n"
"  --tls-ca FILE       trust only the CAs of FILE (PEM; needs --tls)\n"
"  --tls-cert FILE     a client certificate (PEM chain; needs --tls)\n"
"  --tls-key FILE      its key (PEM, unencrypted; with --tls-cert)\n"
"  --tls-insecure      check no certificate nor name (still encrypts)\n"
"  -v, --verbose       say the TLS version, cipher and server on stderr\n"
"  --count N           send the values N times (sensor; 1)\n"
"  --rate R            readings per second (sensor; 0: at once)\n"
"  --channel NAME      the readings' channel (sensor)\n"
"  -h, --help          this text\n"
"  -V, --version       the version\n"
"\n"
"The server's answers go to standard output; the status is 0 only when\n"
"the server confirmed: the reply came, the file's checksum verified, the\n"
"readings were acknowledged (legacy readings have no acknowledgement:\n"
"0 once they are sent). See sockdeck(1).\n", fp);
}

static void
finish(struct job *j, int rc)
{
	if (j->done)
		return;
	j->done = 1;
	j->rc = rc;
	sd_client_close(j->cl, 1);
	event_base_loopexit(j->base, NULL);
}

static void
fail(struct job *j, const char *what)
{
	/* what may carry the server's words: escaped like its text. */
	fputs("sockdeck: ", stderr);
	sd_put_text(stderr, what, strlen(what));
	fputs("\n", stderr);
	finish(j, 1);
}

/* A line of the server's text on stdout, escaped: its bytes never
 * reach the terminal raw. */
static void
print_text(const char *text, size_t len)
{
	sd_put_text(stdout, text, len);
	fputs("\n", stdout);
}

/* -v: what the TLS handshake agreed on (the server's words escaped). */
static void
say_tls(const struct sd_ctls_info *t)
{
	char line[512];

	if (t == NULL)
		return;
	snprintf(line, sizeof(line), "%s %s, server %s, certificate until "
	    "%s%s", t->version, t->cipher, t->subject, t->expires,
	    t->insecure ? " (INSECURE: not verified)" : "");
	fputs("sockdeck: TLS ", stderr);
	sd_put_text(stderr, line, strlen(line));
	fputs("\n", stderr);
}

/* Client events. */

static void
on_state(enum sd_client_state st, const char *reason, void *arg)
{
	struct job *j = arg;
	char why[SD_ERR_LEN + 300];

	if (st == SD_CLIENT_CONNECTED) {
		if (j->verbose)
			say_tls(sd_client_tls(j->cl));
		alive(j);
		job_start(j);
		return;
	}
	if (st == SD_CLIENT_UNCONNECTED && reason != NULL && !j->done) {
		snprintf(why, sizeof(why), "%s: %s", j->target, reason);
		fail(j, why);
	}
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char why[96];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no answer from the server in %u s",
	    j->timeout);
	fail(j, why);
}

static void
legacy_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	print_text(j->legacy_answer, j->legacy_len);
	fflush(stdout);
	if (j->cmd == CMD_FILE && strstr(j->legacy_answer,
	    "file upload successful") == NULL) {
		finish(j, 1);
		return;
	}
	j->legacy_len = 0;
	if (j->cmd == CMD_FILE && ++j->next < j->nargs) {
		job_start(j);
		return;
	}
	finish(j, 0);
}

static void
on_text(int kind, uint32_t ref, const char *text, size_t len, void *arg)
{
	struct job *j = arg;
	struct timeval q = { 0, QUIET_MS * 1000 };

	alive(j);
	if (j->legacy) {
		/* Raw text with no frame: gather until the server is quiet. */
		if (len > sizeof(j->legacy_answer) - j->legacy_len)
			len = sizeof(j->legacy_answer) - j->legacy_len;
		memcpy(j->legacy_answer + j->legacy_len, text, len);
		j->legacy_len += len;
		evtimer_add(j->quiet, &q);
		return;
	}
	if (kind == SD_TEXT_REPLY && j->cmd == CMD_SEND && ref == j->msg_id) {
		print_text(text, len);
		finish(j, 0);
		return;
	}
	/* Broadcasts and notices that arrive meanwhile are shown too. */
	print_text(text, len);
}

static void
on_progress(uint64_t done, uint64_t size, void *arg)
{
	struct job *j = arg;
	char a[32], b[32];

	alive(j);
	if (!j->progress)
		return;
	sd_fmt_bytes(done, a, sizeof(a));
	sd_fmt_bytes(size, b, sizeof(b));
	fprintf(stderr, "\r%s: %s / %s (%.0f%%)   ", j->args[j->next], a, b,
	    size ? (double)done * 100 / (double)size : 100.0);
}

static void
on_result(const struct sd_file_result *r, void *arg)
{
	struct job *j = arg;
	static const char *const why[] = { "stored", "checksum mismatch",
	    "size mismatch", "I/O error on the server", "cancelled",
	    "rejected" };

	if (j->progress)
		fputs("\n", stderr);
	printf("%s: %s as ", j->args[j->next],
	    r->status < 6 ? why[r->status] : "failed");
	sd_put_text(stdout, r->name, r->name_len);
	printf(" (%llu bytes, xxh3 %016llx)\n", (unsigned long long)r->size,
	    (unsigned long long)r->xxh3);
	fflush(stdout);
	if (r->status != SD_FILE_OK) {
		finish(j, 1);
		return;
	}
	if (++j->next < j->nargs) {
		job_start(j);
		return;
	}
	finish(j, 0);
}

static void
on_acked(uint64_t seq, void *arg)
{
	struct job *j = arg;

	alive(j);
	j->acked = seq;
	if (j->sent == j->total && seq >= j->last_seq) {
		printf("%ld readings acknowledged\n", j->total);
		finish(j, 0);
	}
}

static void
on_error(int code, const char *text, void *arg)
{
	struct job *j = arg;
	char why[SD_ERR_LEN];

	snprintf(why, sizeof(why), "server error %d: %.200s", code, text);
	fail(j, why);
}

/* Sensors: the readings due by now, the values in turn, as one batch
 * stamped when it is sent: at --rate, reading i is due i / rate s after
 * the first, so they come evenly spaced (a tick of 1/rate s, at least
 * 1 ms: past 1000 a second, a tick sends those due, 1 ns apart);
 * without, all at once. */
static void
send_due(struct job *j)
{
	double v[256];
	long due = j->total, n;
	uint64_t seq;

	if (j->rate > 0)
		due = (long)sd_synth_due_total(j->start_ns, sd_mono_ns(),
		    j->rate);
	if (due > j->total)
		due = j->total;
	while (j->sent < due) {
		for (n = 0; n < (long)(sizeof(v) / sizeof(v[0])) &&
		    j->sent + n < due; n++)
			v[n] = j->values[(j->sent + n) % j->nargs];
		sd_client_send_readings(j->cl, v, (size_t)n, j->channel,
		    &seq);
		j->sent += n;
		if (seq != 0)
			j->last_seq = seq;
	}
	if (j->progress)
		fprintf(stderr, "\rsent %ld readings, %llu batches acked   ",
		    j->sent, (unsigned long long)j->acked);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	struct timeval idle = { 0, 100000 };

	(void)fd;
	(void)what;
	if (j->sent < j->total) {
		alive(j);
		send_due(j);
		if (j->sent < j->total)
			return;
	}
	evtimer_del(j->tick);
	if (j->legacy) {
		/* No acknowledgement in the legacy format: done once the
		 * bytes are out. */
		if (sd_client_pending(j->cl) > 0) {
			evtimer_add(j->tick, &idle);
			return;
		}
		printf("%ld readings sent (legacy: no acknowledgement)\n",
		    j->total);
		finish(j, 0);
	} else if (j->acked >= j->last_seq)
		on_acked(j->acked, j);
}

static void
job_start(struct job *j)
{
	char err[SD_ERR_LEN], *text;
	struct timeval tv = { 0, 0 };

	switch (j->cmd) {
	case CMD_SEND:
		text = sd_join_words(j->args, j->nargs);
		if (text == NULL) {
			fail(j, "out of memory");
			return;
		}
		sd_client_send_text(j->cl, text, strlen(text), &j->msg_id);
		free(text);
		break;
	case CMD_FILE:
		if (sd_client_send_file(j->cl, j->args[j->next], err) !=
		    SD_OK)
			fail(j, err);
		break;
	default:
		if (j->rate > 0) {
			double per = 1.0 / j->rate;

			if (per < 0.001)
				per = 0.001;
			tv.tv_sec = (time_t)per;
			tv.tv_usec = (suseconds_t)((per - (double)tv.tv_sec) *
			    1e6);
		}
		j->tick = event_new(j->base, -1, EV_PERSIST, tick_cb, j);
		if (j->tick == NULL) {
			fail(j, "out of memory");
			return;
		}
		j->total = j->count * (long)j->nargs;
		j->start_ns = sd_mono_ns();
		send_due(j);
		if (j->rate > 0)
			event_add(j->tick, &tv);
		else
			event_active(j->tick, EV_TIMEOUT, 0);
		break;
	}
}

static int parse_values(struct job *j);
static int parse_tls_file(int argc, char **argv, int *i, struct job *j);

/* The command, HOST:PORT and its arguments. */
static int
parse_positionals(int n, char **pos, struct job *j, char *host, size_t hlen,
    int *port)
{
	/* No command: the screen, connected at once to HOST:PORT. */
	if (n == 0 || (n == 1 && sd_parse_target(pos[0], host, hlen,
	    port) == 0)) {
		j->cmd = CMD_TUI;
		return 0;
	}
	if (strcmp(pos[0], "send") == 0)
		j->cmd = CMD_SEND;
	else if (strcmp(pos[0], "send-file") == 0)
		j->cmd = CMD_FILE;
	else if (strcmp(pos[0], "sensor") == 0)
		j->cmd = CMD_SENSOR;
	else {
		/* One line naming the argument, as for any other mistake. */
		fprintf(stderr, "sockdeck: %s: not a command (send, "
		    "send-file, sensor)%s\n", pos[0], n == 1 ?
		    " nor HOST:PORT" : "");
		return 2;
	}
	if (n < 3) {
		fprintf(stderr, "sockdeck: %s: needs HOST:PORT and %s\n",
		    pos[0], j->cmd == CMD_SEND ? "TEXT" : j->cmd == CMD_FILE ?
		    "PATH" : "VALUE");
		return 2;
	}
	if (sd_parse_target(pos[1], host, hlen, port) != 0) {
		fprintf(stderr, "sockdeck: %s: expected HOST:PORT\n", pos[1]);
		return 2;
	}
	j->args = pos + 2;
	j->nargs = n - 2;
	if (j->cmd == CMD_SENSOR && parse_values(j) != 0)
		return 2;
	return 0;
}

/* The values of "sensor", all numbers. */
static int
parse_values(struct job *j)
{
	char *end;
	int i;

	j->values = calloc((size_t)j->nargs, sizeof(*j->values));
	if (j->values == NULL)
		return -1;
	for (i = 0; i < j->nargs; i++) {
		errno = 0;
		j->values[i] = strtod(j->args[i], &end);
		if (*end != '\0' || end == j->args[i] || errno != 0 ||
		    !isfinite(j->values[i])) {
			fprintf(stderr, "sockdeck: sensor: \"%s\" is not a "
			    "finite number\n", j->args[i]);
			return -1;
		}
	}
	return 0;
}

/* The value of option opt at argv[*i] ("--opt=v" or "--opt v"). */
static const char *
opt_value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* The token HELLO carries: 0, or 2 when it cannot be one. */
static int
opt_token(const char *what, const char *v, struct sd_client_opts *o)
{
	if (v[0] != '\0' && strlen(v) <= 255) {
		o->token = v;
		return 0;
	}
	fprintf(stderr, "sockdeck: %s: 1 to 255 bytes\n", what);
	return 2;
}

/* One option; 0 when taken, 1 when the program is done (help), 2 on a
 * bad value, -1 when argv[*i] is no option of ours. */
static int
parse_opt(int argc, char **argv, int *i, struct job *j,
    struct sd_client_opts *o)
{
	const char *a = argv[*i], *v;
	uint64_t n;
	char *end;

	if (strcmp(a, "--legacy") == 0) {
		j->legacy = o->legacy = 1;
		return 0;
	}
	if (strcmp(a, "--reconnect") == 0) {
		o->reconnect = 1;
		return 0;
	}
	if (strcmp(a, "--tls") == 0) {
		j->tls = 1;
		return 0;
	}
	if (strcmp(a, "--tls-insecure") == 0) {
		j->tlso.insecure = 1;
		return 0;
	}
	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		j->verbose = 1;
		return 0;
	}
	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		usage(stdout);
		return 1;
	}
	if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
		printf("sockdeck %s\n", SD_VERSION);
		return 1;
	}
	v = opt_value(argc, argv, i, "--device");
	if (v != NULL) {
		if (sd_proto_mac_parse(v, o->dev) == SD_OK)
			return 0;
		fprintf(stderr, "sockdeck: --device: \"%s\" is not a MAC "
		    "address (aa:bb:cc:dd:ee:ff)\n", v);
		return 2;
	}
	v = opt_value(argc, argv, i, "--token");
	if (v != NULL)
		return opt_token("--token", v, o);
	v = opt_value(argc, argv, i, "--timeout");
	if (v != NULL) {
		if (sd_parse_u64(v, 1, 3600, &n) == SD_OK) {
			o->timeout = (unsigned)n;
			return 0;
		}
		fprintf(stderr, "sockdeck: --timeout: seconds, 1 to 3600\n");
		return 2;
	}
	v = opt_value(argc, argv, i, "--count");
	if (v != NULL) {
		if (sd_parse_u64(v, 1, 1000000000, &n) == SD_OK) {
			j->count = (long)n;
			return 0;
		}
		fprintf(stderr, "sockdeck: --count: 1 to 1000000000\n");
		return 2;
	}
	v = opt_value(argc, argv, i, "--rate");
	if (v != NULL) {
		j->rate = strtod(v, &end);
		if (*end == '\0' && j->rate > 0 && j->rate < 1e7)
			return 0;
		fprintf(stderr, "sockdeck: --rate: readings per second, "
		    "above 0\n");
		return 2;
	}
	v = opt_value(argc, argv, i, "--channel");
	if (v != NULL) {
		j->channel = v;
		return 0;
	}
	return parse_tls_file(argc, argv, i, j);
}

/* --tls-ca, --tls-cert, --tls-key; else as parse_opt. */
static int
parse_tls_file(int argc, char **argv, int *i, struct job *j)
{
	static const char *const names[] = { "--tls-ca", "--tls-cert",
	    "--tls-key" };
	const char **to[] = { &j->tlso.ca, &j->tlso.cert, &j->tlso.key };
	const char *a = argv[*i], *v;
	size_t k;

	for (k = 0; k < 3; k++) {
		v = opt_value(argc, argv, i, names[k]);
		if (v == NULL)
			continue;
		if (v[0] == '\0') {
			fprintf(stderr, "sockdeck: %s: a file\n", names[k]);
			return 2;
		}
		*to[k] = v;
		return 0;
	}
	if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0 &&
	    !(a[1] >= '0' && a[1] <= '9') && a[1] != '.') {
		fprintf(stderr, "sockdeck: %s: unknown option (see --help)\n",
		    a);
		return 2;
	}
	return -1;
}

/* Options anywhere; everything else (negative numbers too, and all
 * after "--") is the command, the target and its arguments. */
static int
parse_args(int argc, char **argv, struct job *j,
    struct sd_client_opts *o, char *host, size_t hlen, int *port)
{
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int i, npos = 0, rc, dashdash = 0;

	if (pos == NULL)
		return 2;
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		rc = dashdash ? -1 : parse_opt(argc, argv, &i, j, o);
		if (rc >= 0 && rc != 0) {
			free(pos);
			return rc;
		}
		if (rc < 0)
			pos[npos++] = argv[i];
	}
	rc = parse_positionals(npos, pos, j, host, hlen, port);
	if (rc != 0)
		free(pos);
	else
		j->argv_keep = pos;
	return rc;
}

/* The TLS context, built before anything connects: 0, or 2 with one
 * line naming the option. Like curl, the other --tls-* options do not
 * turn TLS on; unlike curl, which ignores them then, they are refused
 * without --tls: a connection thought encrypted would go in clear. */
static int
tls_setup(struct job *j, struct sd_client_opts *o)
{
	char err[SD_ERR_LEN];

	if (!j->tls) {
		if (j->tlso.ca == NULL && j->tlso.cert == NULL &&
		    j->tlso.key == NULL && !j->tlso.insecure)
			return 0;
		fprintf(stderr, "sockdeck: --tls-ca, --tls-cert, --tls-key "
		    "and --tls-insecure need --tls\n");
		return 2;
	}
	if (sd_ctls_new(&j->tlso, &o->tls, err) == SD_OK)
		return 0;
	fprintf(stderr, "sockdeck: %s\n", err);
	return 2;
}

int
main(int argc, char **argv)
{
	struct job j = { 0 };
	struct sd_client_opts o = { 0 };
	struct sd_client_cbs cbs = { &j, on_state, on_text, on_progress,
	    on_result, on_acked, on_error };
	struct evdns_base *dns = NULL;
	const char *env;
	char host[256] = "";
	int port = 0, rc;

	signal(SIGPIPE, SIG_IGN);
	j.count = 1;
	j.rc = 1;
	if (sd_client_default_device(o.dev) != SD_OK)
		sd_proto_mac_parse("02:00:00:00:00:01", o.dev);
	/* In the environment, a token stays out of ps (empty: none). */
	env = getenv("SOCKDECK_TOKEN");
	rc = env != NULL && env[0] != '\0' ?
	    opt_token("SOCKDECK_TOKEN", env, &o) : 0;
	if (rc == 0)
		rc = parse_args(argc, argv, &j, &o, host, sizeof(host), &port);
	if (rc == 0)
		rc = tls_setup(&j, &o);
	if (rc != 0) {
		free(j.values);
		free(j.argv_keep);
		return rc == 1 ? 0 : 2;
	}
	snprintf(j.target, sizeof(j.target), strchr(host, ':') ? "[%s]:%d" :
	    "%s:%d", host, port);
	if (j.cmd == CMD_TUI) {
		free(j.argv_keep);
		rc = sockdeck_tui_run(&o, j.tls ? &j.tlso : NULL,
		    host[0] ? host : NULL, port);
		sd_ctls_free(o.tls);
		return rc;
	}
	j.progress = isatty(STDERR_FILENO);
	o.name = "sockdeck";
	j.base = event_base_new();
	if (j.base != NULL)
		dns = evdns_base_new(j.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (j.base != NULL)
		j.quiet = evtimer_new(j.base, legacy_done_cb, &j);
	if (j.base != NULL)
		j.idle = evtimer_new(j.base, idle_cb, &j);
	j.timeout = o.timeout ? o.timeout : 10;
	if (j.base != NULL)
		j.cl = sd_client_new(j.base, dns, &o, &cbs);
	if (j.cl == NULL || j.quiet == NULL || j.idle == NULL) {
		fprintf(stderr, "sockdeck: out of memory\n");
		goto out;
	}
	if (sd_client_connect(j.cl, host, port) == SD_OK)
		event_base_dispatch(j.base);
out:
	if (j.progress && j.cmd != CMD_SEND)
		fputs("\n", stderr);
	sd_client_free(j.cl);
	if (j.tick != NULL)
		event_free(j.tick);
	if (j.quiet != NULL)
		event_free(j.quiet);
	if (j.idle != NULL)
		event_free(j.idle);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	if (j.base != NULL)
		event_base_free(j.base);
	free(j.values);
	free(j.argv_keep);
	sd_ctls_free(o.tls);
	return j.rc;
}
