/*
 * sockdeckd_ctl.c: "sockdeckd ctl", a one-shot command that sends one
 * request to a running server's control socket and prints the answer,
 * for people (tables) or scripts (--json). It is a plain blocking
 * client: it runs no event loop and serves nobody while it waits.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "sd_ctlconn.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_util.h"
#include "sockdeckd_ctl.h"
#include "sockdeckd_proxy.h"

#define CTLCLI_LINE_MAX	(64u << 20)	/* longest answer read */

/* One connection to the control socket and the answer being read. */
struct ctlcli {
	const char	*path;
	int		 fd;
	unsigned	 timeout;	/* seconds per answer, 0 = none */
	char		*buf;		/* what was read, cap bytes */
	size_t		 len, cap, skip;
	char		*line;		/* the line just read, in buf */
	char		 err[SD_ERR_LEN];
};

static void
ctlcli_usage(FILE *fp)
{
	fputs(
"usage: sockdeckd ctl [--control PATH | --data-dir DIR] [--json] COMMAND\n"
"       (options go before COMMAND; --json may also follow status,\n"
"       clients, client, transfers, devices, kick, reload and events)\n"
"\n"
"  status              the server, its ports, addresses and totals\n"
"  clients             the connected clients\n"
"  client ID           every field of client ID\n"
"  transfers           files in flight and those that ended lately\n"
"  devices             every device seen, seen last first (1000 of them)\n"
"  broadcast TEXT...   send TEXT to every client\n"
"  send ID TEXT...     send TEXT to client ID\n"
"  kick ID             disconnect client ID\n"
"  block ID [SECS]     disconnect client ID and refuse its address and\n"
"                      device for SECS (600)\n"
"  unblock KEY         lift the block on an address or a device\n"
"  blocks              what is blocked, and for how long yet\n"
"  events              print events as they happen (JSON lines)\n"
"  reload              read the settings, the config file and the TLS\n"
"                      files again and apply them; print what changed\n"
"                      (exit 1, nothing changed, when one fails)\n"
"  proxy               relay the control protocol between stdin/stdout\n"
"                      and the socket until the socket ends (for\n"
"                      ssh HOST sockdeckd ctl proxy; see attach ssh://)\n"
"\n"
"  --control PATH      the control socket (DATA_DIR/control.sock)\n"
"  -d, --data-dir DIR  the server's data directory (./sockdeck-data)\n"
"  --json              print the server's answer as JSON (ASCII only)\n"
"  --timeout SECS      wait this long to connect and for each answer\n"
"                      (5; 0 = for ever); events wait for the connect\n"
"  --owner USER        trust a socket owned by USER (name or uid), not\n"
"                      by you: a socket of another user is refused\n", fp);
}

/* Read one line into c->line (NUL-terminated, without its newline),
 * waiting until deadline (monotonic ns, 0 = for ever): SD_OK, or
 * SD_ERR_TRUNCATED at the end, SD_ERR_NOSPACE (too long), SD_ERR_INVAL
 * (timed out or failed, with c->err). */
static int
ctlcli_readline(struct ctlcli *c, int64_t deadline)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	char *nl, *grown;
	int64_t left;
	ssize_t r;

	if (c->skip > 0) {
		memmove(c->buf, c->buf + c->skip, c->len - c->skip);
		c->len -= c->skip;
		c->skip = 0;
	}
	for (;;) {
		nl = c->len > 0 ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl != NULL)
			break;
		if (c->len == CTLCLI_LINE_MAX)
			return SD_ERR_NOSPACE;
		if (c->len == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			if (c->cap > CTLCLI_LINE_MAX)
				c->cap = CTLCLI_LINE_MAX;
			grown = realloc(c->buf, c->cap + 1);
			if (grown == NULL)
				return SD_ERR_NOSPACE;
			c->buf = grown;
		}
		left = deadline - sd_mono_ns();
		if (deadline != 0 && left <= 0) {
			snprintf(c->err, SD_ERR_LEN, "no answer in %u s (see "
			    "--timeout)", c->timeout);
			return SD_ERR_INVAL;
		}
		if (poll(&p, 1, deadline ? (int)(left / 1000000 + 1) : -1) <
		    0 && errno != EINTR) {
			snprintf(c->err, SD_ERR_LEN, "poll: %s",
			    strerror(errno));
			return SD_ERR_INVAL;
		}
		if (p.revents == 0)
			continue;
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return SD_ERR_TRUNCATED;
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			snprintf(c->err, SD_ERR_LEN, "read: %s",
			    strerror(errno));
			return SD_ERR_INVAL;
		}
		if (r > 0)
			c->len += (size_t)r;
	}
	*nl = '\0';
	c->line = c->buf;
	c->skip = (size_t)(nl - c->buf) + 1;
	return SD_OK;
}

/* Send a request line; read answer lines, handing each to print until
 * it returns non-zero (or for ever, for events). Each answer is waited
 * for --timeout seconds; the events that follow a subscription as long
 * as they come. */
static int print_events(json_t *r, int json);

static int
ctlcli_exchange(struct ctlcli *c, json_t *req, int (*print)(json_t *, int),
    int json)
{
	char *s = json_dumps(req, JSON_COMPACT);
	int rc = 1, acked = 0, st = SD_OK;
	json_t *resp;

	if (s == NULL)
		goto out;
	if (write(c->fd, s, strlen(s)) < 0 || write(c->fd, "\n", 1) < 0) {
		fprintf(stderr, "sockdeckd ctl: %s: %s\n", c->path,
		    errno == EAGAIN ? "no answer (see --timeout)" :
		    strerror(errno));
		goto out;
	}
	for (;;) {
		st = ctlcli_readline(c, acked || c->timeout == 0 ? 0 :
		    sd_mono_ns() + (int64_t)c->timeout * 1000000000);
		if (st != SD_OK)
			break;
		/* A peer's text may hold NUL (\u0000); printed, it is
		 * escaped by length (ctlcli_s), never cut there. */
		resp = json_loads(c->line, JSON_ALLOW_NUL, NULL);
		if (resp == NULL)
			continue;
		rc = print(resp, json);
		json_decref(resp);
		if (rc >= 0)
			break;
		acked = 1;
	}
	if (st == SD_ERR_INVAL)
		fprintf(stderr, "sockdeckd ctl: %s: %s\n", c->path, c->err);
	else if (st == SD_ERR_NOSPACE)
		fprintf(stderr, "sockdeckd ctl: %s: an answer longer than "
		    "%u MiB\n", c->path, CTLCLI_LINE_MAX >> 20);
	else if (st == SD_ERR_TRUNCATED && print == print_events && acked)
		rc = 0;		/* the stream ends when the server stops */
	else if (st == SD_ERR_TRUNCATED)
		fprintf(stderr, "sockdeckd ctl: %s: the server closed the "
		    "connection\n", c->path);
	if (st != SD_OK && rc != 0)
		rc = 1;
out:
	free(s);
	return rc < 0 ? 1 : rc;
}

/* A JSON value for a terminal: a string escaped (sd_esc_text) into
 * buf, "-" for anything else. */
static const char *
ctlcli_s(json_t *v, char *buf, size_t len)
{
	if (!json_is_string(v))
		return "-";
	sd_esc_text(json_string_value(v), json_string_length(v), buf, len, 0,
	    NULL);
	return buf;
}

/* An error answer becomes one line on stderr and status 1. */
static int
ctlcli_failed(json_t *r)
{
	char e[SD_ERR_LEN];

	if (json_is_true(json_object_get(r, "ok")))
		return 0;
	fprintf(stderr, "sockdeckd ctl: %s\n", json_is_string(json_object_get(
	    r, "error")) ? ctlcli_s(json_object_get(r, "error"), e,
	    sizeof(e)) : "failed");
	return 1;
}

/* The answer as one line of ASCII-only JSON. */
static void
ctlcli_put_json(json_t *r)
{
	char *s = sd_json_dumps(r);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

static int
print_json(json_t *r, int json)
{
	(void)json;
	ctlcli_put_json(r);
	return ctlcli_failed(r);
}

/* Whether r is printed already, as JSON (--json) or as its error:
 * then *rc is the status to exit with. */
static int
ctlcli_printed(json_t *r, int json, int *rc)
{
	if (json)
		*rc = print_json(r, json);
	else if (ctlcli_failed(r))
		*rc = 1;
	else
		return 0;
	return 1;
}

/* Field key of o as an escaped string (buf holds it). */
/* A certificate's subject escaped: each byte may become \\xNN. */
#define CTLCLI_CERT_LEN	(4 * 512 + 1)

#define CTLCLI_S(o, key, buf)	ctlcli_s(json_object_get(o, key), buf, \
	sizeof(buf))

/* "rates over 5s: messages 40.0/s  readings 0.0/s  in ... out ...". */
static void
print_rates(json_t *v)
{
	static const char *const f[][3] = {
		{ "messages", "messages", "/s" },
		{ "readings", "  readings", "/s" },
		{ "bytes_in", "  in", " B/s" },
		{ "bytes_out", "  out", " B/s" },
	};
	size_t i;

	if (!json_is_object(v))
		return;		/* an older server */
	printf("rates over %llds: ",
	    json_integer_value(json_object_get(v, "window")));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		printf("%s %.1f%s", f[i][1],
		    json_number_value(json_object_get(v, f[i][0])), f[i][2]);
	printf("\n");
}

/* The TLS handshakes, when the server has TLS ports. */
static void
print_tls(json_t *v)
{
	if (!json_is_object(v))
		return;
	printf("tls handshakes %lld  failed %lld (timed out %lld)  "
	    "under way %lld\n",
	    json_integer_value(json_object_get(v, "handshakes")),
	    json_integer_value(json_object_get(v, "failed")),
	    json_integer_value(json_object_get(v, "timeouts")),
	    json_integer_value(json_object_get(v, "handshaking")));
	printf("tls client certificates refused %lld  refused at accept "
	    "(failed handshakes) %lld\n",
	    json_integer_value(json_object_get(v, "client_cert_failed")),
	    json_integer_value(json_object_get(v, "throttled")));
}

/* The device registry, when the server has one. */
static void
print_registry(json_t *v)
{
	if (!json_is_object(v))
		return;
	printf("registry devices %lld  refused %lld  mac mismatch %lld\n",
	    json_integer_value(json_object_get(v, "devices")),
	    json_integer_value(json_object_get(v, "refused")),
	    json_integer_value(json_object_get(v, "mac_mismatch")));
}

/* "devices 12  online 10  offline 1  silent 1". */
static void
print_device_counts(json_t *v)
{
	printf("devices %lld  online %lld  offline %lld  silent %lld\n",
	    json_integer_value(json_object_get(v, "total")),
	    json_integer_value(json_object_get(v, "online")),
	    json_integer_value(json_object_get(v, "offline")),
	    json_integer_value(json_object_get(v, "silent")));
}

static int
print_status(json_t *r, int json)
{
	json_t *st = json_object_get(r, "status"), *v;
	char a[256], b[256], c[256];
	size_t i;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	printf("sockdeckd %s  pid %lld  up %llds  clients %lld\n",
	    CTLCLI_S(st, "version", a),
	    json_integer_value(json_object_get(st, "pid")),
	    json_integer_value(json_object_get(st, "uptime")),
	    json_integer_value(json_object_get(st, "clients")));
	json_array_foreach(json_object_get(st, "ports"), i, v)
		printf("port %5lld  %-16s %s%s%s%s\n",
		    json_integer_value(json_object_get(v, "port")),
		    CTLCLI_S(v, "addr", a), CTLCLI_S(v, "state", b),
		    json_is_true(json_object_get(v, "tls")) ? " tls" : "",
		    json_object_get(v, "reason") ? ": " : "",
		    json_object_get(v, "reason") ? CTLCLI_S(v, "reason", c) :
		    "");
	json_array_foreach(json_object_get(st, "addresses"), i, v)
		printf("addr %-40s %s%s\n", CTLCLI_S(v, "addr", a),
		    CTLCLI_S(v, "if", b),
		    json_is_true(json_object_get(v, "loopback")) ?
		    " (loopback)" : "");
	v = json_object_get(st, "totals");
	printf("messages %lld  files %lld  readings %lld  in %lld B  "
	    "out %lld B\n",
	    json_integer_value(json_object_get(v, "messages")),
	    json_integer_value(json_object_get(v, "files")),
	    json_integer_value(json_object_get(v, "readings")),
	    json_integer_value(json_object_get(v, "bytes_in")),
	    json_integer_value(json_object_get(v, "bytes_out")));
	print_rates(json_object_get(st, "rates"));
	print_tls(json_object_get(st, "tls"));
	print_registry(json_object_get(st, "registry"));
	v = json_object_get(st, "devices");
	if (json_is_object(v))
		print_device_counts(v);
	return 0;
}

/* A client's TLS column: "-" on a plain port, else its version and,
 * with a client certificate, its identity and subject (escaped). */
static const char *
print_client_tls(json_t *t, char *buf, size_t len)
{
	char v[64], id[CTLCLI_CERT_LEN], sub[CTLCLI_CERT_LEN];

	if (!json_is_object(t))
		return "-";
	CTLCLI_S(t, "version", v);
	if (!json_is_string(json_object_get(t, "subject")))
		snprintf(buf, len, "%s", v);
	else
		snprintf(buf, len, "%s %s \"%s\"", v,
		    CTLCLI_S(t, "identity", id), CTLCLI_S(t, "subject", sub));
	return buf;
}

/* How client v is identified, in a word (the dashboard's): its
 * registry name (escaped into buf), cert, token, or "-" for none. */
static const char *
print_client_ident(json_t *v, char *buf, size_t len)
{
	const char *auth = json_string_value(json_object_get(v, "auth"));
	json_t *name = json_object_get(v, "device_name");

	if (json_is_string(name))
		return ctlcli_s(name, buf, len);
	if (auth != NULL && strncmp(auth, "certificate", 11) == 0)
		return "cert";
	if (auth != NULL && strcmp(auth, "token") == 0)
		return "token";
	return "-";
}

static int
print_clients(json_t *r, int json)
{
	char ip[128], dev[128], proto[64], when[64], peer[160], id[256];
	char tls[3 * CTLCLI_CERT_LEN];
	json_t *v;
	size_t i;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	printf("%-6s %-5s %-39s %-5s %-17s %-6s %-24s %10s %10s %8s %-16s "
	    "%s\n", "ID", "FD", "PEER", "PORT", "DEVICE", "PROTO",
	    "CONNECTED", "IN", "OUT", "RATE", "IDENT", "TLS");
	json_array_foreach(json_object_get(r, "clients"), i, v) {
		CTLCLI_S(v, "peer", ip);
		/* One column "ip:port" ("[v6]:port"), as people read it. */
		snprintf(peer, sizeof(peer), strchr(ip, ':') ?
		    "[%s]:%lld" : "%s:%lld", ip,
		    json_integer_value(json_object_get(v, "peer_port")));
		printf("%-6lld %-5lld %-39s %-5lld %-17s %-6s %-24s "
		    "%10lld %10lld %6.1f/s %-16s %s\n",
		    json_integer_value(json_object_get(v, "id")),
		    json_integer_value(json_object_get(v, "fd")), peer,
		    json_integer_value(json_object_get(v, "port")),
		    CTLCLI_S(v, "device", dev), CTLCLI_S(v, "proto", proto),
		    CTLCLI_S(v, "connected", when),
		    json_integer_value(json_object_get(v, "bytes_in")),
		    json_integer_value(json_object_get(v, "bytes_out")),
		    json_number_value(json_object_get(v, "rate")),
		    print_client_ident(v, id, sizeof(id)),
		    print_client_tls(json_object_get(v, "tls"), tls,
		    sizeof(tls)));
	}
	return 0;
}

/* One client, a field a line: scalars as they are, the transfer as
 * name, bytes and size, TLS as version and cipher, then a client
 * certificate's subject and identity a line each (escaped). */
static int
print_client(json_t *r, int json)
{
	json_t *c = json_object_get(r, "client"), *v, *x;
	const char *k;
	char buf[CTLCLI_CERT_LEN], buf2[256];
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	json_object_foreach(c, k, v) {
		x = json_object_get(v, "name");
		if (json_is_object(v) && json_object_get(v, "version")) {
			printf("%-13s %s %s\n", k, CTLCLI_S(v, "version", buf),
			    CTLCLI_S(v, "cipher", buf2));
			printf("%-13s %s\n", "tls subject",
			    CTLCLI_S(v, "subject", buf));
			printf("%-13s %s\n", "tls identity",
			    CTLCLI_S(v, "identity", buf));
		} else if (json_is_object(v))
			printf("%-13s %s %lld/%lld\n", k, ctlcli_s(x, buf,
			    sizeof(buf)), json_integer_value(json_object_get(v,
			    "bytes")), json_integer_value(json_object_get(v,
			    "size")));
		else if (json_is_integer(v))
			printf("%-13s %lld\n", k, json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%-13s %s\n", k, json_is_true(v) ? "yes" : "no");
		else
			printf("%-13s %s\n", k, json_is_null(v) ? "-" :
			    ctlcli_s(v, buf, sizeof(buf)));
	}
	return 0;
}

/* A transfer's row: id, client, state, percent, bytes, size, rate (in
 * flight) or when it ended, seconds since its last byte, name; an
 * ended one's reason after its name. */
static void
print_xfer(json_t *v, int ended)
{
	char st[64], name[1024], why[640], when[64];

	CTLCLI_S(v, "state", st);
	CTLCLI_S(v, "name", name);
	printf("%-6lld %-6lld %-12s %3lld%% %12lld %12lld ",
	    json_integer_value(json_object_get(v, "id")),
	    json_integer_value(json_object_get(v, "client")), st,
	    json_integer_value(json_object_get(v, "percent")),
	    json_integer_value(json_object_get(v, "bytes")),
	    json_integer_value(json_object_get(v, "size")));
	if (ended)
		printf("%-24s ", CTLCLI_S(v, "ended", when));
	else
		printf("%10.1f ", json_number_value(json_object_get(v,
		    "rate")));
	printf("%6llds %s", json_integer_value(json_object_get(v, "idle_ms")) /
	    1000, name);
	if (json_object_get(v, "reason") != NULL)
		printf("%s%s", ended ? ": " : " (for ", CTLCLI_S(v, "reason",
		    why));
	printf("%s\n", !ended && json_object_get(v, "reason") ? ")" : "");
}

/* A number of seconds, or "-" for null. */
static const char *
print_secs(json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%.1fs", json_number_value(v));
	return buf;
}

/* The devices, seen last first: their counts, then a row each (every
 * string escaped: a name is the registry's, the rest the server's). */
static int
print_devices(json_t *r, int json)
{
	char mac[64], name[256], st[32], addr[128], proto[32], iv[32];
	json_t *v;
	size_t i;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	print_device_counts(r);
	printf("%-17s %-16s %-7s %9s %-24s %-10s %10s %6s %8s %9s %8s\n",
	    "MAC", "NAME", "STATE", "SEEN", "ADDRESS", "PROTOCOL",
	    "READINGS", "FILES", "MESSAGES", "INTERVAL", "RATE/s");
	json_array_foreach(json_object_get(r, "devices"), i, v) {
		snprintf(proto, sizeof(proto), "%.26s%s",
		    CTLCLI_S(v, "protocol", st),
		    json_is_true(json_object_get(v, "tls")) ? "+tls" : "");
		printf("%-17s %-16s %-7s %8llds %-24s %-10s %10lld %6lld "
		    "%8lld %9s %8.1f\n", CTLCLI_S(v, "mac", mac),
		    CTLCLI_S(v, "name", name), CTLCLI_S(v, "state", st),
		    json_integer_value(json_object_get(v, "last_seen_ms")) /
		    1000, CTLCLI_S(v, "address", addr), proto,
		    json_integer_value(json_object_get(v, "readings")),
		    json_integer_value(json_object_get(v, "files")),
		    json_integer_value(json_object_get(v, "messages")),
		    print_secs(json_object_get(v, "interval_s"), iv,
		    sizeof(iv)),
		    json_number_value(json_object_get(v, "rate")));
	}
	return 0;
}

/* The files in flight, then those that ended lately, newest first. */
static int
print_transfers(json_t *r, int json)
{
	json_t *v;
	size_t i;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	printf("in flight: %lld (rates over %llds, stalled after %llds "
	    "without a byte)\n", json_integer_value(json_object_get(r,
	    "active")), json_integer_value(json_object_get(r, "window")),
	    json_integer_value(json_object_get(r, "stall_seconds")));
	printf("%-6s %-6s %-12s %4s %12s %12s %10s %7s %s\n", "ID", "CLIENT",
	    "STATE", "DONE", "BYTES", "SIZE", "RATE B/s", "IDLE", "NAME");
	json_array_foreach(json_object_get(r, "transfers"), i, v)
		print_xfer(v, 0);
	printf("ended lately: %zu\n", json_array_size(json_object_get(r,
	    "ended")));
	printf("%-6s %-6s %-12s %4s %12s %12s %-24s %7s %s\n", "ID",
	    "CLIENT", "STATE", "DONE", "BYTES", "SIZE", "ENDED", "IDLE",
	    "NAME");
	json_array_foreach(json_object_get(r, "ended"), i, v)
		print_xfer(v, 1);
	return 0;
}

static int
print_done(json_t *r, int json)
{
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	if (json_object_get(r, "clients") != NULL)
		printf("sent to %lld clients\n",
		    json_integer_value(json_object_get(r, "clients")));
	return 0;
}

static int
print_blocks(json_t *r, int json)
{
	char kind[64], key[160];
	json_t *v;
	size_t i;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	printf("%-8s %-40s %s\n", "KIND", "KEY", "LEFT");
	json_array_foreach(json_object_get(r, "blocks"), i, v)
		printf("%-8s %-40s %llds\n", CTLCLI_S(v, "kind", kind),
		    CTLCLI_S(v, "key", key),
		    json_integer_value(json_object_get(v, "left")));
	return 0;
}

/* block ID [SECS], unblock KEY, blocks; NULL when the arguments are
 * wrong. */
static json_t *
ctlcli_block_request(int argc, char **argv, int (**print)(json_t *, int))
{
	const char *cmd = argv[0];
	uint64_t id, secs = 600;
	json_t *req;

	*print = print_done;
	if (strcmp(cmd, "blocks") == 0 && argc == 1) {
		*print = print_blocks;
		return json_pack("{s:s}", "cmd", cmd);
	}
	if (strcmp(cmd, "unblock") == 0 && argc == 2)
		return json_pack("{s:s,s:s}", "cmd", cmd, "key", argv[1]);
	if (strcmp(cmd, "block") != 0 || argc < 2 || argc > 3 ||
	    sd_parse_u64(argv[1], 1, UINT32_MAX, &id) != SD_OK ||
	    (argc == 3 && sd_parse_u64(argv[2], 1, 604800, &secs) != SD_OK))
		return NULL;
	req = json_pack("{s:s,s:I,s:I}", "cmd", cmd, "id", (json_int_t)id,
	    "secs", (json_int_t)secs);
	return req;
}

/* The items of r's array key, one line each: "LABEL: ITEM". */
static void
print_reload_list(json_t *r, const char *key, const char *label)
{
	char s[SD_ERR_LEN], why[SD_ERR_LEN];
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r, key), i, v) {
		if (json_is_string(v))
			printf("%s: %s\n", label, ctlcli_s(v, s, sizeof(s)));
		else if (json_is_integer(v))
			printf("%s: %lld\n", label, json_integer_value(v));
		else
			printf("%s: %lld %s (%s)\n", label,
			    json_integer_value(json_object_get(v, "port")),
			    CTLCLI_S(v, "addr", s), CTLCLI_S(v, "reason", why));
	}
}

/* What a reload changed, a line an item; "nothing changed". */
static int
print_reload(json_t *r, int json)
{
	static const char *const keys[][2] = {
		{ "changed", "changed" }, { "restart", "needs a restart" },
		{ "opened", "opened" }, { "closed", "closed" },
		{ "failed", "failed to open" },
	};
	json_int_t gone;
	size_t i, n = 0;
	int rc;

	if (ctlcli_printed(r, json, &rc))
		return rc;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		print_reload_list(r, keys[i][0], keys[i][1]);
		n += json_array_size(json_object_get(r, keys[i][0]));
	}
	gone = json_integer_value(json_object_get(r, "disconnected"));
	if (gone > 0)
		printf("disconnected: %lld\n", (long long)gone);
	if (n == 0 && gone == 0)
		printf("nothing changed\n");
	return 0;
}

/* Events: the first answer acknowledges; then one line per event, until
 * the server goes away. */
static int
print_events(json_t *r, int json)
{
	(void)json;
	if (json_object_get(r, "event") == NULL)
		return ctlcli_failed(r) ? 1 : -1;
	ctlcli_put_json(r);
	fflush(stdout);
	return -1;
}

/* An error about the socket, on one line (it may quote a path). */
static void
ctlcli_put_err(const char *err)
{
	fputs("sockdeckd ctl: ", stderr);
	sd_put_text(stderr, err, strlen(err));
	fputs("\n", stderr);
}

/* Build the request for argv; NULL (after a usage line) when wrong. */
static json_t *
ctlcli_request(int argc, char **argv, int (**print)(json_t *, int))
{
	const char *cmd = argv[0];
	char *text = NULL;
	uint64_t id = 0;
	json_t *req = NULL;
	int want = 1, first = 1;

	*print = print_done;
	if (strncmp(cmd, "block", 5) == 0 || strcmp(cmd, "unblock") == 0) {
		req = ctlcli_block_request(argc, argv, print);
		if (req == NULL)
			goto usage;
		return req;
	}
	if (strcmp(cmd, "send") == 0 || strcmp(cmd, "kick") == 0 ||
	    strcmp(cmd, "client") == 0) {
		want = strcmp(cmd, "send") == 0 ? 3 : 2;
		first = 2;
		if (argc < 2 || sd_parse_u64(argv[1], 1, UINT32_MAX, &id))
			goto usage;
	}
	if (strcmp(cmd, "broadcast") == 0)
		want = 2;
	if (argc < want || (want == 1 && argc != 1) ||
	    ((strcmp(cmd, "kick") == 0 || strcmp(cmd, "client") == 0) &&
	    argc != 2))
		goto usage;
	if (strcmp(cmd, "broadcast") == 0 || strcmp(cmd, "send") == 0) {
		text = sd_join_words(argv + first, argc - first);
		if (text == NULL)
			return NULL;
	}
	if (strcmp(cmd, "status") == 0)
		*print = print_status;
	else if (strcmp(cmd, "clients") == 0)
		*print = print_clients;
	else if (strcmp(cmd, "client") == 0)
		*print = print_client;
	else if (strcmp(cmd, "transfers") == 0)
		*print = print_transfers;
	else if (strcmp(cmd, "devices") == 0)
		*print = print_devices;
	else if (strcmp(cmd, "reload") == 0)
		*print = print_reload;
	else if (strcmp(cmd, "events") == 0) {
		*print = print_events;
		cmd = "subscribe";
	} else if (strcmp(cmd, "broadcast") && strcmp(cmd, "send") &&
	    strcmp(cmd, "kick") && strcmp(cmd, "client"))
		goto usage;
	req = json_pack("{s:s}", "cmd", cmd);
	if (id != 0)
		json_object_set_new(req, "id", json_integer((json_int_t)id));
	if (text != NULL)
		json_object_set_new(req, "text", json_string(text));
	free(text);
	return req;
usage:
	fprintf(stderr, "sockdeckd ctl: %s: wrong arguments (see "
	    "sockdeckd ctl --help)\n", cmd);
	free(text);
	return NULL;
}

int
sockdeckd_ctl_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "owner", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *control = NULL, *dir = "./sockdeck-data";
	struct ctlcli cc = { .fd = -1, .timeout = 5 };
	int (*print)(json_t *, int) = NULL;
	char path[4096];
	uid_t uid = getuid();
	json_t *req;
	int c, json = 0, proxy, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			control = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			if (sd_ctlconn_timeout(optarg, &cc.timeout,
			    cc.err) != SD_OK)
				goto bad_option;
			break;
		case 'o':
			if (sd_ctlconn_owner(optarg, &uid, cc.err) != SD_OK)
				goto bad_option;
			break;
		case 'h':
			ctlcli_usage(stdout);
			return 0;
		default:
			ctlcli_usage(stderr);
			return 2;
		}
	}
	/* Commands without text take --json after them too. */
	while (argc - optind > 1 && strcmp(argv[argc - 1], "--json") == 0 &&
	    strcmp(argv[optind], "broadcast") != 0 &&
	    strcmp(argv[optind], "send") != 0) {
		json = 1;
		argc--;
	}
	if (optind >= argc) {
		ctlcli_usage(stderr);
		return 2;
	}
	proxy = strcmp(argv[optind], "proxy") == 0;
	if (proxy && argc - optind != 1) {
		fprintf(stderr, "sockdeckd ctl: proxy: wrong arguments (see "
		    "sockdeckd ctl --help)\n");
		return 2;
	}
	req = proxy ? NULL : ctlcli_request(argc - optind, argv + optind,
	    &print);
	if (req == NULL && !proxy)
		return 2;
	if (control == NULL) {
		snprintf(path, sizeof(path), "%s/control.sock", dir);
		control = path;
	}
	cc.path = control;
	cc.fd = sd_ctlconn_open(control, uid, cc.timeout, cc.err);
	if (cc.fd >= 0 && proxy)
		return sockdeckd_proxy_run(cc.fd, control);
	if (cc.fd < 0) {
		ctlcli_put_err(cc.err);
		rc = 1;
		goto out;
	}
	rc = ctlcli_exchange(&cc, req, print, json);
	close(cc.fd);
out:
	free(cc.buf);
	json_decref(req);
	return rc;
bad_option:
	ctlcli_put_err(cc.err);
	return 2;
}
