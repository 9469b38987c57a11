/*
 * sd_ctlcli.c: "sockdeckd ctl", a one-shot command that sends one request
 * to a running server's control socket and prints the answer, for people
 * (tables) or scripts (--json). It is a plain blocking client: it runs
 * no event loop and serves nobody while it waits.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_ctl.h"
#include "sd_util.h"

static void
ctlcli_usage(FILE *fp)
{
	fputs(
"usage: sockdeckd ctl [--control PATH | --data-dir DIR] [--json] COMMAND\n"
"       (options go before COMMAND; --json may also follow status,\n"
"       clients, kick and events)\n"
"\n"
"  status              the server, its ports, addresses and totals\n"
"  clients             the connected clients\n"
"  broadcast TEXT...   send TEXT to every client\n"
"  send ID TEXT...     send TEXT to client ID\n"
"  kick ID             disconnect client ID\n"
"  events              print events as they happen (JSON lines)\n"
"\n"
"  --control PATH      the control socket (DATA_DIR/control.sock)\n"
"  -d, --data-dir DIR  the server's data directory (./sockdeck-data)\n"
"  --json              print the server's JSON answer as it is\n", fp);
}

static int
ctlcli_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sockdeckd ctl: %s: path too long\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "sockdeckd ctl: %s: %s (is sockdeckd "
		    "running?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send a request line; read answer lines, handing each to print until
 * it returns non-zero (or for ever, for events). */
static int print_events(json_t *r, int json);

static int
ctlcli_exchange(int fd, json_t *req, int (*print)(json_t *, int), int json)
{
	char *s = json_dumps(req, JSON_COMPACT);
	FILE *in = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = 1;
	json_t *resp;

	if (s == NULL || in == NULL)
		goto out;
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0)
		goto out;
	while (getline(&line, &cap, in) > 0) {
		resp = json_loads(line, 0, NULL);
		if (resp == NULL)
			continue;
		rc = print(resp, json);
		json_decref(resp);
		if (rc >= 0)
			break;
	}
	/* An event stream ends when the server stops: that is no error. */
	if (rc < 0 && print == print_events)
		rc = 0;
out:
	free(line);
	free(s);
	if (in != NULL)
		fclose(in);
	else
		close(fd);
	return rc < 0 ? 1 : rc;
}

/* A JSON string's value, or dflt when it is not a string. */
static const char *
str_or(json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* An error answer becomes one line on stderr and status 1. */
static int
ctlcli_failed(json_t *r)
{
	if (json_is_true(json_object_get(r, "ok")))
		return 0;
	fprintf(stderr, "sockdeckd ctl: %s\n",
	    str_or(json_object_get(r, "error"), "failed"));
	return 1;
}

static int
print_json(json_t *r, int json)
{
	char *s = json_dumps(r, JSON_COMPACT);

	(void)json;
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	return ctlcli_failed(r);
}

static int
print_status(json_t *r, int json)
{
	json_t *st = json_object_get(r, "status"), *v;
	size_t i;

	if (json)
		return print_json(r, json);
	if (ctlcli_failed(r))
		return 1;
	printf("sockdeckd %s  pid %lld  up %llds  clients %lld\n",
	    json_string_value(json_object_get(st, "version")),
	    json_integer_value(json_object_get(st, "pid")),
	    json_integer_value(json_object_get(st, "uptime")),
	    json_integer_value(json_object_get(st, "clients")));
	json_array_foreach(json_object_get(st, "ports"), i, v)
		printf("port %5lld  %-16s %s%s%s\n",
		    json_integer_value(json_object_get(v, "port")),
		    json_string_value(json_object_get(v, "addr")),
		    json_string_value(json_object_get(v, "state")),
		    json_object_get(v, "reason") ? ": " : "",
		    str_or(json_object_get(v, "reason"), ""));
	json_array_foreach(json_object_get(st, "addresses"), i, v)
		printf("addr %-40s %s%s\n",
		    json_string_value(json_object_get(v, "addr")),
		    json_string_value(json_object_get(v, "if")),
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
	return 0;
}

static int
print_clients(json_t *r, int json)
{
	json_t *v;
	size_t i;

	if (json)
		return print_json(r, json);
	if (ctlcli_failed(r))
		return 1;
	printf("%-6s %-5s %-39s %-5s %-17s %-6s %-24s %10s %10s\n", "ID",
	    "FD", "PEER", "PORT", "DEVICE", "PROTO", "CONNECTED", "IN", "OUT");
	json_array_foreach(json_object_get(r, "clients"), i, v) {
		const char *ip = json_string_value(json_object_get(v, "peer"));
		char peer[64];

		/* One column "ip:port" ("[v6]:port"), as people read it. */
		snprintf(peer, sizeof(peer), strchr(ip ? ip : "", ':') ?
		    "[%s]:%lld" : "%s:%lld", ip ? ip : "?",
		    json_integer_value(json_object_get(v, "peer_port")));
		printf("%-6lld %-5lld %-39s %-5lld %-17s %-6s %-24s "
		    "%10lld %10lld\n",
		    json_integer_value(json_object_get(v, "id")),
		    json_integer_value(json_object_get(v, "fd")), peer,
		    json_integer_value(json_object_get(v, "port")),
		    json_string_value(json_object_get(v, "device")),
		    json_string_value(json_object_get(v, "proto")),
		    json_string_value(json_object_get(v, "connected")),
		    json_integer_value(json_object_get(v, "bytes_in")),
		    json_integer_value(json_object_get(v, "bytes_out")));
	}
	return 0;
}

static int
print_done(json_t *r, int json)
{
	if (json)
		return print_json(r, json);
	if (ctlcli_failed(r))
		return 1;
	if (json_object_get(r, "clients") != NULL)
		printf("sent to %lld clients\n",
		    json_integer_value(json_object_get(r, "clients")));
	return 0;
}

/* Events: the first answer acknowledges; then one line per event, until
 * the server goes away. */
static int
print_events(json_t *r, int json)
{
	char *s;

	(void)json;
	if (json_object_get(r, "event") == NULL)
		return ctlcli_failed(r) ? 1 : -1;
	s = json_dumps(r, JSON_COMPACT);
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	fflush(stdout);
	return -1;
}

/* Join argv[from..] with spaces. */
static char *
ctlcli_join(int argc, char **argv, int from)
{
	size_t n = 1;
	char *s;
	int i;

	for (i = from; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = calloc(1, n);
	for (i = from; s != NULL && i < argc; i++) {
		if (i > from)
			strncat(s, " ", n - strlen(s) - 1);
		strncat(s, argv[i], n - strlen(s) - 1);
	}
	return s;
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
	if (strcmp(cmd, "send") == 0 || strcmp(cmd, "kick") == 0) {
		want = strcmp(cmd, "send") == 0 ? 3 : 2;
		first = 2;
		if (argc < 2 || sd_parse_u64(argv[1], 1, UINT32_MAX, &id))
			goto usage;
	}
	if (strcmp(cmd, "broadcast") == 0)
		want = 2;
	if (argc < want || (want == 1 && argc != 1) ||
	    (strcmp(cmd, "kick") == 0 && argc != 2))
		goto usage;
	if (strcmp(cmd, "broadcast") == 0 || strcmp(cmd, "send") == 0) {
		text = ctlcli_join(argc, argv, first);
		if (text == NULL)
			return NULL;
	}
	if (strcmp(cmd, "status") == 0)
		*print = print_status;
	else if (strcmp(cmd, "clients") == 0)
		*print = print_clients;
	else if (strcmp(cmd, "events") == 0) {
		*print = print_events;
		cmd = "subscribe";
	} else if (strcmp(cmd, "broadcast") && strcmp(cmd, "send") &&
	    strcmp(cmd, "kick"))
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
sd_ctlcli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *control = NULL, *dir = "./sockdeck-data";
	int (*print)(json_t *, int);
	char path[4096];
	json_t *req;
	int c, json = 0, fd, rc;

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
	req = ctlcli_request(argc - optind, argv + optind, &print);
	if (req == NULL)
		return 2;
	if (control == NULL) {
		snprintf(path, sizeof(path), "%s/control.sock", dir);
		control = path;
	}
	fd = ctlcli_connect(control);
	if (fd < 0) {
		json_decref(req);
		return 1;
	}
	rc = ctlcli_exchange(fd, req, print, json);
	json_decref(req);
	return rc;
}
