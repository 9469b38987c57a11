/*
 * sd_config.c: sockdeckd's settings. The table sd_config_opts has one
 * row per option; the command line (getopt_long), the config file
 * (libinih), the range checks, the defaults and --help are made from it,
 * and every value goes through sd_config_set(), so the command line and
 * the file accept exactly the same things.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/util.h>

#include "sd_config.h"
#include "sd_esc.h"
#include "sd_err.h"
#include "sd_proto.h"
#include "sd_spool.h"

#define SD_CONFIG_MAX_FILE	(1u << 20)
#define SD_CONFIG_MAX_LINE	198	/* libinih's INI_MAX_LINE - 2 */
#define SD_CONFIG_MAX_LINE_STR	"198"
_Static_assert(SD_CONFIG_MAX_LINE == INI_MAX_LINE - 2, "a line and its "
    "newline fit libinih's buffer");
#define SD_CONFIG_MAX_NAME	100	/* an InfluxDB name or key */
#define SD_CONFIG_FD_RESERVE	32	/* descriptors besides listeners */
#define SD_CONFIG_HELP_COL	28	/* where --help's text starts */
#define SD_CONFIG_LONG_BASE	256	/* getopt's value of row 0 */

static int parse_extra_tags(struct sd_config *, const char *);
static int parse_rate(struct sd_config *, const char *);
static const char *check_addr(const char *);
static const char *check_hostport(const char *);
static const char *check_url(const char *);
static const char *check_kv(const char *);
static const char *check_measurement(const char *);
static const char *check_field(const char *);
static const char *check_tag(const char *);
static const char *check_node_id(const char *);
#define NODE_ID_WANT	"an id of 1 to 64 letters, digits, '.', '_' or '-'"

static const struct sd_config_name log_formats[] = {
	{ "text", 0 }, { "json", 1 }, { NULL, 0 }
};
static const struct sd_config_name spool_full_modes[] = {
	{ "block", 0 }, { "drop-oldest", 1 }, { NULL, 0 }
};
static const struct sd_config_name fsync_modes[] = {
	{ "always", SD_FSYNC_ALWAYS }, { "everysec", SD_FSYNC_EVERYSEC },
	{ "no", SD_FSYNC_NO }, { NULL, 0 }
};
static const struct sd_config_name tls_versions[] = {
	{ "1.2", 12 }, { "1.3", 13 }, { NULL, 0 }
};
static const struct sd_config_name tls_ids[] = {
	{ "fingerprint", SD_TLS_ID_FINGERPRINT }, { "cn", SD_TLS_ID_CN },
	{ "uri", SD_TLS_ID_URI }, { "dns", SD_TLS_ID_DNS }, { NULL, 0 }
};
static const struct sd_config_name kafka_formats[] = {
	{ "json", SD_KAFKA_JSON }, { "raw", SD_KAFKA_RAW },
	{ "influx", SD_KAFKA_INFLUX }, { NULL, 0 }
};

#define AT(f)	offsetof(struct sd_config, f)
#define ANY	UINT64_MAX
#define U32	UINT32_MAX
#define LP_NAME	"a name of 1 to 100 bytes, not starting with _"
#define HOSTPORT_WANT "an address and a port, e.g. 127.0.0.1:9464 or " \
	"[::1]:9464"
#define RULES_WANT "addresses or prefixes, each optionally @PORT or " \
	"@LO-HI, e.g. 10.0.0.0/8@5000-5003,::1 (at most 256)"

/*
 * Every option, in --help order: the name (--name, and "name =" in a
 * file), the short letter, the type, where it lands, its bounds (numbers:
 * the value; strings: the length), its default as a user would write it
 * (--help says the same in parentheses), the --help argument and line,
 * and what an error says the value must be. A help line that starts with
 * a space lines up with the row above; a HELP_ABOVE row is named in the
 * line of the row above.
 */
const struct sd_config_opt sd_config_opts[] = {
	{ "ports", 'p', SD_CONFIG_PORTS, .at = AT(ports), .cnt = AT(nports),
	  .def = "5000-5003", .arg = "LIST", .help = "ports and ranges to "
	  "listen on (5000-5003)", .want = "ports and ranges from 1 to "
	  "65535, e.g. 5000-5009,6000" },
	/* The flags replace the file's addresses. */
	{ "bind", 'b', SD_CONFIG_STRS, SD_CONFIG_CLI_REPLACES, AT(binds),
	  AT(nbinds), .max = ANY, .check = check_addr, .arg = "ADDR",
	  .help = "address to listen on; repeat for more\n"
	  "(default: every IPv4 and IPv6 address)" },
	{ "data-dir", 'd', SD_CONFIG_STR, .at = AT(data_dir), .max = ANY,
	  .def = "./sockdeck-data", .arg = "DIR",
	  .help = "files/, sensors/, control.sock (./sockdeck-data)" },
	{ "config", 'c', SD_CONFIG_FILE, .at = AT(config_file),
	  .arg = "FILE", .help = "key = value settings; flags win" },
	{ "headless", 0, SD_CONFIG_FLAG, .at = AT(headless),
	  .help = "no dashboard: log events to stdout" },
	{ "keep-on-hangup", 0, SD_CONFIG_FLAG, .at = AT(keep_on_hangup),
	  .help = "the dashboard's terminal going away (or SIGHUP)\n"
	  "leaves the server running headless, logging to\n"
	  "DATA_DIR/sockdeckd.log" },
	{ "refresh", 0, SD_CONFIG_U64, .at = AT(refresh), .min = 1,
	  .max = 3600, .def = "1", .arg = "SECS",
	  .help = "dashboard: counters and lists every SECS,\nevents at once "
	  "(1)" },
	{ "control", 0, SD_CONFIG_STR, .at = AT(control_path), .max = ANY,
	  .arg = "PATH", .help = "control socket (DATA_DIR/control.sock)" },
	{ "log-format", 0, SD_CONFIG_ENUM, .at = AT(log_json),
	  .names = log_formats, .def = "text", .arg = "FMT",
	  .help = "text or json (text)" },
	{ "reply-format", 0, SD_CONFIG_STR, .at = AT(reply_format),
	  .max = ANY, .def = "[{fd} socket] message return success",
	  .arg = "FMT", .help = "reply to a message; {fd} {id} {port} "
	  "{device}\n{text} ([{fd} socket] message return success)" },
	{ "file-reply-format", 0, SD_CONFIG_STR,
	  .at = AT(file_reply_format), .max = ANY,
	  .def = "file upload successful!!", .arg = "FMT",
	  .help = "reply to a legacy file stored; {fd}\n{id} {port} "
	  "{device} {name} {size}\n(file upload successful!!)" },
	/* Default: the host name (sd_config_init). */
	{ "server-name", 0, SD_CONFIG_STR, .at = AT(server_name), .min = 1,
	  .max = 255, .want = "a name of 1 to 255 bytes", .arg = "NAME",
	  .help = "name sent in WELCOME (host name)" },
	/* An empty token would let every HELLO in. */
	{ "token", 0, SD_CONFIG_STR, .at = AT(token), .min = 1, .max = 255,
	  .want = "a token of 1 to 255 bytes", .arg = "TOKEN",
	  .help = "extension clients must say it in HELLO" },
	{ "devices", 0, SD_CONFIG_STR, .at = AT(devices), .min = 1,
	  .max = 4095, .want = "a file name of 1 to 4095 bytes",
	  .arg = "FILE", .help = "the device registry: who may speak, with "
	  "what\ntoken or certificate, from where (not with\n--token)" },
	{ "max-clients", 0, SD_CONFIG_U64, .at = AT(max_clients), .min = 1,
	  .max = U32, .def = "10000", .arg = "N",
	  .help = "clients on all ports (10000)" },
	{ "max-clients-per-port", 0, SD_CONFIG_U64,
	  .at = AT(max_clients_per_port), .max = U32, .def = "0",
	  .arg = "N", .help = "clients on one port (0: no cap)" },
	{ "max-clients-per-ip", 0, SD_CONFIG_U64,
	  .at = AT(max_clients_per_ip), .max = U32, .def = "64",
	  .arg = "N", .help = "clients from one address (64; 0: no cap)" },
	{ "allow", 0, SD_CONFIG_RULES, .at = AT(allow), .cnt = AT(nallow),
	  .rules = sd_admit_parse, .want = RULES_WANT,
	  .arg = "CIDR[@PORTS],...", .help = "only these addresses (on "
	  "these ports)" },
	{ "deny", 0, SD_CONFIG_RULES, .at = AT(deny), .cnt = AT(ndeny),
	  .rules = sd_admit_parse, .want = RULES_WANT,
	  .arg = "CIDR[@PORTS],...", .help = " never these; deny wins "
	  "over allow" },
	{ "legacy", 0, SD_CONFIG_RULES, .at = AT(legacy), .cnt = AT(nlegacy),
	  .rules = sd_admit_parse_legacy, .want = "on or off, optionally "
	  "@PORT or @LO-HI", .arg = "on|off[@PORTS]",
	  .help = " legacy frames on these ports (on)" },
	{ "proxy-protocol", 0, SD_CONFIG_PORTS, .at = AT(proxy_ports),
	  .cnt = AT(nproxy_ports), .arg = "LIST", .help = "ports of --ports "
	  "where a PROXY header (v1 or\nv2) comes first (needs --proxy-from)",
	  .want = "ports and ranges from 1 to 65535, e.g. 5000,6000-6001" },
	{ "proxy-from", 0, SD_CONFIG_RULES, .at = AT(proxy_from),
	  .cnt = AT(nproxy_from), .rules = sd_admit_parse,
	  .want = RULES_WANT, .arg = "CIDR,...", .help = "the balancers "
	  "that may send it" },
	{ "max-msg", 0, SD_CONFIG_SIZE, .at = AT(max_msg), .min = 1,
	  .max = 64u << 20, .def = "1M", .arg = "SIZE",
	  .help = "largest message text (1M)" },
	{ "max-file", 0, SD_CONFIG_SIZE, .at = AT(max_file), .min = 1,
	  .max = ANY, .def = "64G", .arg = "SIZE",
	  .help = "largest file (64G)" },
	{ "out-buffer", 0, SD_CONFIG_SIZE, .at = AT(out_buffer),
	  .min = 4096, .max = 1u << 30, .def = "1M", .arg = "SIZE",
	  .help = "output a client may leave unread (1M)" },
	{ "idle-timeout", 0, SD_CONFIG_U64, .at = AT(idle_timeout),
	  .max = U32, .def = "900", .arg = "SECS",
	  .help = "drop a client sending no whole frame (900)" },
	{ "frame-timeout", 0, SD_CONFIG_U64, .at = AT(frame_timeout),
	  .max = 86400, .def = "30", .arg = "SECS",
	  .help = "drop a client whose frame lingers (30)" },
	{ "stall-seconds", 0, SD_CONFIG_U64, .at = AT(stall_seconds),
	  .min = 1, .max = 86400, .def = "10", .arg = "SECS",
	  .help = "a file with no bytes this long is stalled (10)" },
	{ "device-timeout", 0, SD_CONFIG_U64, .at = AT(device_timeout),
	  .max = U32, .def = "0", .arg = "SECS",
	  .help = "a device with no reading this long is silent\n(0: 5 "
	  "times its usual interval, at least 60)" },
	{ "device-save", 0, SD_CONFIG_U64, .at = AT(device_save),
	  .min = 1, .max = 86400, .def = "60", .arg = "SECS",
	  .help = "write DATA_DIR/fleet this often (60)" },
	/* Sets device_rate and device_rate_secs. */
	{ "device-rate", 0, SD_CONFIG_FUNC, .parse = parse_rate, .def = "0",
	  .at = AT(device_rate), .len = AT(device_rate_secs) +
	  sizeof(uint64_t) - AT(device_rate),
	  .want = "a size per minute, or SIZE/SECS (1 to 3600)",
	  .arg = "SIZE[/SECS]", .help = "bytes a device may send a minute "
	  "(or\nSECS) before it is read no more (0: any)" },
	{ "keepalive", 0, SD_CONFIG_U64, .at = AT(keepalive), .max = 32767,
	  .def = "60", .arg = "SECS",
	  .help = "TCP keep-alive idle time (60; 0: off)" },
	{ "shutdown-timeout", 0, SD_CONFIG_U64, .at = AT(shutdown_timeout),
	  .max = 3600, .def = "5", .arg = "SECS",
	  .help = "time transfers get to finish (5)" },
	{ "metrics-listen", 0, SD_CONFIG_STR, .at = AT(metrics_listen),
	  .min = 1, .max = 255, .check = check_hostport,
	  .want = HOSTPORT_WANT,
	  .arg = "ADDR:PORT",
	  .help = "serve /metrics, /healthz and /readyz over\nHTTP there "
	  "(off)" },
	{ "ready-sink-grace", 0, SD_CONFIG_U64, .at = AT(ready_sink_grace),
	  .max = 86400, .def = "60", .arg = "SECS",
	  .help = "/readyz fails once a sink fails this long (60)" },
	{ "tls-ports", 0, SD_CONFIG_PORTS, .at = AT(tls_ports),
	  .cnt = AT(ntls_ports), .arg = "LIST", .help = "ports of --ports "
	  "that speak only TLS", .want = "ports and ranges from 1 "
	  "to 65535, e.g. 5443,6000-6001" },
	{ "tls-cert", 0, SD_CONFIG_STR, .at = AT(tls_cert), .min = 1,
	  .max = 4095, .want = "a file name of 1 to 4095 bytes",
	  .arg = "FILE", .help = "PEM: the certificate, then its chain" },
	{ "tls-key", 0, SD_CONFIG_STR, .at = AT(tls_key), .min = 1,
	  .max = 4095, .want = "a file name of 1 to 4095 bytes",
	  .arg = "FILE", .help = "PEM: its private key, no passphrase" },
	{ "tls-min-version", 0, SD_CONFIG_ENUM, .at = AT(tls_min_version),
	  .names = tls_versions, .def = "1.2", .arg = "VER",
	  .help = " the oldest TLS taken: 1.2 or 1.3 (1.2)" },
	{ "tls-ciphers", 0, SD_CONFIG_STR, .at = AT(tls_ciphers), .min = 1,
	  .max = 1024, .want = "an OpenSSL cipher list of 1 to 1024 bytes",
	  .arg = "LIST", .help = "TLS 1.2 ciphers, as openssl-ciphers(1) "
	  "takes" },
	{ "tls-ciphersuites", 0, SD_CONFIG_STR, .at = AT(tls_ciphersuites),
	  .min = 1, .max = 1024, .want = "OpenSSL cipher suites of 1 to "
	  "1024 bytes", .arg = "LIST", .help = "TLS 1.3 suites, "
	  "colon-separated" },
	{ "tls-handshake-timeout", 0, SD_CONFIG_U64,
	  .at = AT(tls_handshake_timeout), .min = 1, .max = 600, .def = "10",
	  .arg = "SECS", .help = "close a handshake not done by then (10)" },
	{ "tls-client-ca", 0, SD_CONFIG_STR, .at = AT(tls_client_ca),
	  .min = 1, .max = 4095, .want = "a file name of 1 to 4095 bytes",
	  .arg = "FILE", .help = "PEM CAs: ask clients for a certificate "
	  "they\nsigned, refuse one they did not" },
	{ "tls-require-client-cert", 0, SD_CONFIG_FLAG,
	  .at = AT(tls_require_client_cert),
	  .help = "refuse a client without such a certificate" },
	{ "tls-identity", 0, SD_CONFIG_ENUM, .at = AT(tls_identity),
	  .names = tls_ids, .def = "fingerprint", .arg = "FIELD",
	  .help = "a certificate's identity: cn, uri, dns or\nfingerprint "
	  "(fingerprint)" },
	{ "measurement", 0, SD_CONFIG_STR, .at = AT(pipe.measurement),
	  .min = 1, .max = SD_CONFIG_MAX_NAME, .want = LP_NAME,
	  .check = check_measurement, .def = "sensor", .arg = "NAME",
	  .help = "InfluxDB measurement (sensor)" },
	{ "field", 0, SD_CONFIG_STR, .at = AT(pipe.field), .min = 1,
	  .max = SD_CONFIG_MAX_NAME, .want = LP_NAME, .check = check_field,
	  .def = "value", .arg = "NAME", .help = "InfluxDB field (value)" },
	{ "device-tag", 0, SD_CONFIG_STR, .at = AT(pipe.device_tag),
	  .min = 1, .max = SD_CONFIG_MAX_NAME, .want = LP_NAME,
	  .check = check_tag, .def = "Mac-Address", .arg = "NAME",
	  .help = "InfluxDB tag of the device (Mac-Address)" },
	/* Sets pipe.tag_port and pipe.tag_peer. */
	{ "extra-tags", 0, SD_CONFIG_FUNC, .parse = parse_extra_tags,
	  .at = AT(pipe.tag_port), .len = AT(pipe.tag_peer) + sizeof(int) -
	  AT(pipe.tag_port),
	  .want = "port, peer or port,peer", .arg = "LIST",
	  .help = "add port and/or peer tags to each reading" },
	{ "spool-max", 0, SD_CONFIG_SIZE, .at = AT(pipe.spool_max),
	  .min = 4096, .max = ANY, .def = "1G", .arg = "SIZE",
	  .help = "largest undelivered backlog (1G)" },
	{ "spool-full", 0, SD_CONFIG_ENUM, .at = AT(pipe.spool_drop),
	  .names = spool_full_modes, .def = "block", .arg = "MODE",
	  .help = "block or drop-oldest, at --spool-max (block)" },
	{ "spool-retain", 0, SD_CONFIG_SIZE, .at = AT(pipe.spool_retain),
	  .max = ANY, .def = "1G", .arg = "SIZE",
	  .help = "delivered readings kept for replay (1G)" },
	{ "spool-retain-age", 0, SD_CONFIG_AGE,
	  .at = AT(pipe.spool_retain_age), .def = "0", .want = "an age: "
	  "seconds, or a number with s, m, h or d", .arg = "AGE",
	  .help = "and for at most AGE: 30m, 12h, 7d (0: any)" },
	{ "fsync", 0, SD_CONFIG_ENUM, .at = AT(pipe.fsync),
	  .names = fsync_modes, .def = "everysec", .arg = "MODE",
	  .help = "always, everysec or no (everysec)" },
	{ "influx-url", 0, SD_CONFIG_STR, .at = AT(influx.url), .max = ANY,
	  .check = check_url, .arg = "URL",
	  .help = "send readings to InfluxDB at URL" },
	{ "influx-db", 0, SD_CONFIG_STR, .at = AT(influx.db), .max = ANY,
	  .arg = "NAME", .help = "1.x database" },
	{ "influx-user", 0, SD_CONFIG_STR, .at = AT(influx.user), .max = ANY,
	  .arg = "USER", .help = "1.x user, with --influx-password PASSWORD" },
	{ "influx-password", 0, SD_CONFIG_STR, SD_CONFIG_HELP_ABOVE,
	  AT(influx.password), .max = ANY, .arg = "PASSWORD" },
	{ "influx-org", 0, SD_CONFIG_STR, .at = AT(influx.org), .max = ANY,
	  .arg = "ORG", .help = "2.x/3.x organisation, with --influx-bucket" },
	{ "influx-bucket", 0, SD_CONFIG_STR, .at = AT(influx.bucket),
	  .max = ANY, .arg = "NAME", .help = "and --influx-token TOKEN" },
	{ "influx-token", 0, SD_CONFIG_STR, SD_CONFIG_HELP_ABOVE,
	  AT(influx.token), .max = ANY, .arg = "TOKEN" },
	{ "influx-batch", 0, SD_CONFIG_U64, .at = AT(influx.batch), .min = 1,
	  .max = 1000000, .def = "5000", .arg = "N",
	  .help = "lines per request (5000)" },
	{ "influx-flush-ms", 0, SD_CONFIG_U64, .at = AT(influx.flush_ms),
	  .min = 1, .max = 3600000, .def = "1000", .arg = "MS",
	  .help = "send a partial batch after MS (1000)" },
	{ "influx-timeout", 0, SD_CONFIG_U64, .at = AT(influx.timeout),
	  .min = 1, .max = 3600, .def = "10", .arg = "SECS",
	  .help = "request timeout (10)" },
	{ "influx-gzip", 0, SD_CONFIG_FLAG, .at = AT(influx.gzip),
	  .help = "compress request bodies" },
	{ "influx-parallel", 0, SD_CONFIG_U64, .at = AT(influx.parallel),
	  .min = 1, .max = 8, .def = "2", .arg = "N",
	  .help = "requests in flight, 1 to 8 (2)" },
	{ "kafka-brokers", 0, SD_CONFIG_STR, .at = AT(kafka.brokers),
	  .max = ANY, .arg = "LIST", .help = "send readings to Kafka" },
	{ "kafka-topic", 0, SD_CONFIG_STR, .at = AT(kafka.topic), .max = ANY,
	  .def = "sensors", .arg = "NAME", .help = "topic (sensors)" },
	{ "kafka-format", 0, SD_CONFIG_ENUM, .at = AT(kafka.format),
	  .names = kafka_formats, .def = "json", .arg = "FMT",
	  .help = "json, raw or influx (json)" },
	{ "kafka-opt", 0, SD_CONFIG_STRS, .at = AT(kafka.opts),
	  .cnt = AT(kafka.nopts), .max = ANY, .check = check_kv,
	  .arg = "KEY=VALUE",
	  .help = "librdkafka setting; repeat for more" },
	/* Default: the host name (sd_config_init). */
	{ "node-id", 0, SD_CONFIG_STR, .at = AT(kafka.node_id), .min = 1,
	  .max = SD_KAFKA_NODE_MAX, .want = NODE_ID_WANT,
	  .check = check_node_id, .arg = "ID",
	  .help = "this node in each Kafka record (host name)" },
	{ "help", 'h', SD_CONFIG_HELP, .help = "this text" },
	{ "version", 'V', SD_CONFIG_VERSION, .help = "the version" },
};
const size_t sd_config_nopts = sizeof(sd_config_opts) /
    sizeof(sd_config_opts[0]);
#define NOPTS	(sizeof(sd_config_opts) / sizeof(sd_config_opts[0]))

/* Print one row of --help: the flag, its value's name, the text. */
static void
config_usage_row(FILE *fp, const struct sd_config_opt *o)
{
	char left[64];
	const char *h = o->help, *nl;
	int n;

	n = snprintf(left, sizeof(left), "  %c%c%c --%s%s%s",
	    o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
	    o->letter ? ',' : ' ', o->name, o->arg ? " " : "",
	    o->arg ? o->arg : "");
	n = n < SD_CONFIG_HELP_COL ? SD_CONFIG_HELP_COL : n + 2;
	nl = strchr(h, '\n');
	fprintf(fp, "%-*s%.*s\n", n, left,
	    (int)(nl ? (size_t)(nl - h) : strlen(h)), h);
	while (nl != NULL) {
		h = nl + 1;
		nl = strchr(h, '\n');
		fprintf(fp, "%*s%.*s\n", SD_CONFIG_HELP_COL, "",
		    (int)(nl ? (size_t)(nl - h) : strlen(h)), h);
	}
}

/* Print --help: a line (or more) per row. */
void
sd_config_usage(FILE *fp)
{
	size_t i;

	fputs("usage: sockdeckd [options]\n"
	    "       sockdeckd ctl [--control PATH | --data-dir DIR] [--json] "
	    "COMMAND [ARGS]\n"
	    "       sockdeckd attach [--control PATH | --data-dir DIR] "
	    "[--timeout SECS]\n"
	    "                        [--owner USER] [--refresh SECS]\n"
	    "       sockdeckd fleet [--timeout SECS] [--refresh SECS] "
	    "TARGET...\n"
	    "       sockdeckd device [--devices FILE | --config FILE]\n"
	    "                        add|list|revoke|enable ...\n"
	    "       sockdeckd spool [--data-dir DIR | --config FILE] [--json]\n"
	    "                       stat|verify|repair\n"
	    "       sockdeckd spool [--data-dir DIR | --config FILE] [--json]\n"
	    "                       replay --sink influx|kafka --since TIME\n"
	    "                       [--until TIME] [--give-up SECS] [options]\n"
	    "\n", fp);
	for (i = 0; i < NOPTS; i++) {
		if (!(sd_config_opts[i].flags & SD_CONFIG_HELP_ABOVE))
			config_usage_row(fp, &sd_config_opts[i]);
	}
	fputs("\nSIZE takes k, M or G (powers of 1024). See sockdeckd(1).\n",
	    fp);
}

/* Replace the string at *dst with a copy of v. */
static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return SD_ERR_NOMEM;
	free(*dst);
	*dst = s;
	return SD_OK;
}

/* Append a copy of v to a list of strings. */
static int
add_str(char ***list, size_t *n, const char *v)
{
	char **nl = realloc(*list, (*n + 1) * sizeof(*nl));

	if (nl == NULL)
		return SD_ERR_NOMEM;
	*list = nl;
	nl[*n] = strdup(v);
	if (nl[*n] == NULL)
		return SD_ERR_NOMEM;
	(*n)++;
	return SD_OK;
}

/* Free a list of strings and empty it. */
static void
clear_strs(char ***list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

/* "port", "peer" or both, comma-separated. */
static int
parse_extra_tags(struct sd_config *cfg, const char *v)
{
	int port = 0, peer = 0;

	if (strcmp(v, "port") == 0)
		port = 1;
	else if (strcmp(v, "peer") == 0)
		peer = 1;
	else if (strcmp(v, "port,peer") == 0 || strcmp(v, "peer,port") == 0)
		port = peer = 1;
	else if (strcmp(v, "none") != 0)
		return SD_ERR_INVAL;
	cfg->pipe.tag_port = port;
	cfg->pipe.tag_peer = peer;
	return SD_OK;
}

/* "SIZE" (a minute) or "SIZE/SECS": what one device may send. */
static int
parse_rate(struct sd_config *cfg, const char *v)
{
	char size[64];
	const char *slash = strchr(v, '/');
	size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
	uint64_t bytes, secs = 60;

	if (n >= sizeof(size))
		return SD_ERR_INVAL;
	memcpy(size, v, n);
	size[n] = '\0';
	if (sd_parse_size(size, &bytes) != SD_OK ||
	    (slash != NULL &&
	    sd_parse_u64(slash + 1, 1, 3600, &secs) != SD_OK))
		return SD_ERR_INVAL;
	cfg->device_rate = bytes;
	cfg->device_rate_secs = secs;
	return SD_OK;
}

/* An age: a number of seconds, or of minutes, hours or days with an
 * m, h or d suffix (s is seconds too). */
static int
parse_age(const char *v, uint64_t *secs)
{
	static const char units[] = "smhd";
	static const uint64_t mult[] = { 1, 60, 3600, 86400 };
	char num[24];
	size_t n = strspn(v, "0123456789");
	const char *u = v[n] != '\0' ? strchr(units, v[n]) : NULL;
	uint64_t k = 1;

	if (n == 0 || n >= sizeof(num) || (v[n] != '\0' &&
	    (u == NULL || v[n + 1] != '\0')))
		return SD_ERR_INVAL;
	if (u != NULL)
		k = mult[u - units];
	memcpy(num, v, n);
	num[n] = '\0';
	if (sd_parse_u64(num, 0, UINT64_MAX / 86400, secs) != SD_OK)
		return SD_ERR_INVAL;
	*secs *= k;
	return SD_OK;
}

/* An address, numeric: a name would need a blocking lookup, and a typo
 * would only show as every port failing. */
static const char *
check_addr(const char *v)
{
	struct in6_addr a6;

	if (inet_pton(AF_INET, v, &a6) == 1 ||
	    inet_pton(AF_INET6, v, &a6) == 1)
		return NULL;
	return "an IPv4 or IPv6 address, e.g. 127.0.0.1 or ::";
}

/* Where --metrics-listen listens: an address and a port, the IPv6 one
 * in brackets. */
static const char *
check_hostport(const char *v)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof(ss);

	if (evutil_parse_sockaddr_port(v, (struct sockaddr *)&ss, &len) ==
	    0 && (ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->
	    sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port) != 0)
		return NULL;
	return HOSTPORT_WANT;
}

/* InfluxDB's address. */
static const char *
check_url(const char *v)
{
	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return NULL;
	return "an http:// or https:// URL";
}

/* A librdkafka setting. */
static const char *
check_kv(const char *v)
{
	if (strchr(v, '=') != NULL && v[0] != '=')
		return NULL;
	return "KEY=VALUE";
}

/* What a line-protocol name of 1 to 100 bytes must be besides (NULL: v
 * is one). InfluxDB refuses names that start with '_' (its own
 * namespace) and a field or tag key "time"; a tag key must not be one
 * that readings add themselves (channel, --extra-tags port and peer).
 * what: 0 measurement, 1 field key, 2 tag key. */
static const char *
config_lp_name(const char *v, int what)
{
	static const char *const taken[] = { "channel", "port", "peer" };
	size_t i;

	if (v[0] == '_')
		return LP_NAME;
	for (i = 0; v[i] != '\0'; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return "a name without control characters";
	}
	if (what != 0 && strcmp(v, "time") == 0)
		return "a key other than time";
	for (i = 0; what == 2 && i < sizeof(taken) / sizeof(*taken); i++) {
		if (strcmp(v, taken[i]) == 0)
			return "a tag key other than channel, port and peer";
	}
	return NULL;
}

/* --measurement */
static const char *
check_measurement(const char *v)
{
	return config_lp_name(v, 0);
}

/* --field: not one of the fields an extension reading's line adds. */
static const char *
check_field(const char *v)
{
	if (strcmp(v, SD_LP_BSEQ) == 0 || strcmp(v, SD_LP_BIDX) == 0)
		return "a field key other than " SD_LP_BSEQ " and " SD_LP_BIDX;
	return config_lp_name(v, 1);
}

/* --device-tag */
static const char *
check_tag(const char *v)
{
	return config_lp_name(v, 2);
}

/* A node id goes into JSON and Kafka headers as it is, and consumers
 * compare it: letters, digits, '.', '_' and '-' need no escape
 * anywhere (a host name is made of them). */
static const char *
check_node_id(const char *v)
{
	if (v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-")] == '\0')
		return NULL;
	return NODE_ID_WANT;
}

/* Say "a, b or c" of an ENUM row's names into buf. */
static void
config_enum_want(const struct sd_config_opt *o, char *buf, size_t len)
{
	const struct sd_config_name *nm;
	size_t at = 0;

	buf[0] = '\0';
	for (nm = o->names; nm->name != NULL && at < len; nm++) {
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    nm == o->names ? "" : nm[1].name ? ", " : " or ",
		    nm->name);
	}
}

/* A number or a size within the row's bounds. */
static int
config_set_num(void *dst, const struct sd_config_opt *o, const char *v,
    char err[SD_ERR_LEN])
{
	int size = o->type == SD_CONFIG_SIZE;
	uint64_t n;
	int rc = size ? sd_parse_size(v, &n) :
	    sd_parse_u64(v, o->min, o->max, &n);

	if (rc == SD_OK && n >= o->min && n <= o->max) {
		memcpy(dst, &n, sizeof(n));
		return SD_OK;
	}
	snprintf(err, SD_ERR_LEN, "\"%.64s\" is not %s from %llu to %llu", v,
	    size ? "a size (k, M, G suffixes)" : "a number",
	    (unsigned long long)o->min, (unsigned long long)o->max);
	return SD_ERR_INVAL;
}

/* A string of the row's length that passes its check. */
static const char *
config_set_str(char *base, const struct sd_config_opt *o, const char *v,
    int *rc)
{
	size_t len = strlen(v);
	const char *want = NULL;

	if (len < o->min || len > o->max)
		return o->want;
	if (o->check != NULL)
		want = o->check(v);
	if (want != NULL)
		return want;
	if (o->type == SD_CONFIG_STRS)
		*rc = add_str((char ***)(base + o->at),
		    (size_t *)(base + o->cnt), v);
	else
		*rc = set_str((char **)(base + o->at), v);
	return NULL;
}

/* A port list, replacing the one there. */
static int
config_set_ports(char *base, const struct sd_config_opt *o, const char *v)
{
	uint16_t *ports;
	size_t n;
	int rc = sd_config_parse_ports(v, &ports, &n);

	if (rc != SD_OK)
		return rc;
	free(*(uint16_t **)(base + o->at));
	*(uint16_t **)(base + o->at) = ports;
	*(size_t *)(base + o->cnt) = n;
	return SD_OK;
}

/* true or false, in a file; the command line says true. */
static int
config_set_flag(int *dst, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0)
		*dst = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "0") == 0)
		*dst = 0;
	else
		return SD_ERR_INVAL;
	return SD_OK;
}

/* One of an ENUM row's names. */
static int
config_set_enum(int *dst, const struct sd_config_opt *o, const char *v)
{
	const struct sd_config_name *nm;

	for (nm = o->names; nm->name != NULL; nm++) {
		if (strcmp(nm->name, v) == 0) {
			*dst = nm->value;
			return SD_OK;
		}
	}
	return SD_ERR_INVAL;
}

/* Set the value of o (but a number or a string) from v. */
static int
config_set_other(struct sd_config *cfg, const struct sd_config_opt *o,
    const char *v)
{
	char *base = (char *)cfg;

	switch (o->type) {
	case SD_CONFIG_FLAG:
		return config_set_flag((int *)(base + o->at), v);
	case SD_CONFIG_AGE:
		return parse_age(v, (uint64_t *)(base + o->at));
	case SD_CONFIG_PORTS:
		return config_set_ports(base, o, v);
	case SD_CONFIG_ENUM:
		return config_set_enum((int *)(base + o->at), o, v);
	case SD_CONFIG_RULES:
		return o->rules(v, (struct sd_admit_rule **)(base + o->at),
		    (size_t *)(base + o->cnt));
	case SD_CONFIG_FUNC:
		return o->parse(cfg, v);
	default:
		return SD_ERR_INVAL;
	}
}

/* Set one option from v: the command line's and the file's setter. */
int
sd_config_set(struct sd_config *cfg, const struct sd_config_opt *o,
    const char *v, char err[SD_ERR_LEN])
{
	char names[SD_ERR_LEN];
	const char *want = NULL;
	int rc = SD_OK;

	switch (o->type) {
	case SD_CONFIG_U64:
	case SD_CONFIG_SIZE:
		return config_set_num((char *)cfg + o->at, o, v, err);
	case SD_CONFIG_STR:
	case SD_CONFIG_STRS:
		want = config_set_str((char *)cfg, o, v, &rc);
		break;
	default:
		rc = config_set_other(cfg, o, v);
		break;
	}
	if (rc == SD_OK && want == NULL)
		return SD_OK;
	if (rc == SD_ERR_NOMEM) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return rc;
	}
	if (want == NULL)
		want = o->want != NULL ? o->want : "no value";
	if (o->type == SD_CONFIG_ENUM) {
		config_enum_want(o, names, sizeof(names));
		want = names;
	}
	if (o->type == SD_CONFIG_FLAG)
		snprintf(err, SD_ERR_LEN, "expected true or false");
	else
		snprintf(err, SD_ERR_LEN, "\"%.64s\": expected %.160s", v,
		    want);
	return SD_ERR_INVAL;
}

/* qsort's order of ports. */
static int
cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* "5000-5009,6000" into a sorted list without repeats. */
int
sd_config_parse_ports(const char *s, uint16_t **ports, size_t *n)
{
	char *copy, *item, *save = NULL;
	uint16_t *list = NULL, *nl;
	uint64_t lo, hi, p;
	size_t count = 0, i, j;
	int rc = SD_ERR_INVAL;

	copy = strdup(s);
	if (copy == NULL)
		return SD_ERR_NOMEM;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (sd_parse_ports(item, &lo, &hi) != SD_OK)
			goto out;
		nl = realloc(list, (count + hi - lo + 1) * sizeof(*nl));
		if (nl == NULL)
			goto out;
		list = nl;
		for (p = lo; p <= hi; p++)
			list[count++] = (uint16_t)p;
	}
	if (count == 0)
		goto out;
	qsort(list, count, sizeof(*list), cmp_port);
	for (i = 1, j = 1; i < count; i++) {
		if (list[i] != list[j - 1])
			list[j++] = list[i];
	}
	*ports = list;
	*n = j;
	list = NULL;
	rc = SD_OK;
out:
	free(list);
	free(copy);
	return rc;
}

/* The row named name, or NULL. */
const struct sd_config_opt *
sd_config_find(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		if (strcmp(sd_config_opts[i].name, name) == 0)
			return &sd_config_opts[i];
	}
	return NULL;
}

/* Whether a config file may set o. */
int
sd_config_in_file(const struct sd_config_opt *o)
{
	return o->type != SD_CONFIG_FILE && o->type != SD_CONFIG_HELP &&
	    o->type != SD_CONFIG_VERSION;
}

/* Every row's default, and the host name as the server name. */
int
sd_config_init(struct sd_config *cfg)
{
	char host[256], why[SD_ERR_LEN];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NOPTS; i++) {
		if (sd_config_opts[i].def != NULL && sd_config_set(cfg,
		    &sd_config_opts[i], sd_config_opts[i].def, why) != SD_OK)
			return SD_ERR_NOMEM;
	}
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "sockdeckd");
	host[sizeof(host) - 1] = '\0';
	if (set_str(&cfg->server_name, host) != SD_OK)
		return SD_ERR_NOMEM;
	if (strlen(host) > SD_KAFKA_NODE_MAX || check_node_id(host) != NULL)
		snprintf(host, sizeof(host), "sockdeckd");
	return set_str(&cfg->kafka.node_id, host);
}

/* Free what o's value holds. */
static void
config_free_value(struct sd_config *cfg, const struct sd_config_opt *o)
{
	char *base = (char *)cfg;

	switch (o->type) {
	case SD_CONFIG_STR:
	case SD_CONFIG_FILE:
	case SD_CONFIG_PORTS:
	case SD_CONFIG_RULES:
		free(*(void **)(base + o->at));
		*(void **)(base + o->at) = NULL;
		break;
	case SD_CONFIG_STRS:
		clear_strs((char ***)(base + o->at), (size_t *)(base + o->cnt));
		break;
	default:
		break;
	}
}

/* Free what every row holds. */
void
sd_config_done(struct sd_config *cfg)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		config_free_value(cfg, &sd_config_opts[i]);
	memset(cfg, 0, sizeof(*cfg));
}

/* The size of one element of a list row, and 0 for other rows. */
static size_t
config_elem_size(const struct sd_config_opt *o)
{
	if (o->type == SD_CONFIG_PORTS)
		return sizeof(uint16_t);
	if (o->type == SD_CONFIG_RULES)
		return sizeof(struct sd_admit_rule);
	return 0;
}

/* Two rules alike, field by field (their padding is not set). */
static int
config_same_rule(const struct sd_admit_rule *a, const struct sd_admit_rule *b)
{
	return memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	    a->bits == b->bits && a->lo == b->lo && a->hi == b->hi &&
	    a->on == b->on;
}

/* Lists of strings, ports or rules alike. */
static int
config_same_list(const char *a, const char *b, const struct sd_config_opt *o)
{
	size_t n = *(const size_t *)(a + o->cnt), i;
	const void *x = *(void *const *)(a + o->at);
	const void *y = *(void *const *)(b + o->at);

	if (n != *(const size_t *)(b + o->cnt))
		return 0;
	for (i = 0; i < n; i++) {
		if (o->type == SD_CONFIG_STRS ? strcmp(((char *const *)x)[i],
		    ((char *const *)y)[i]) != 0 : o->type == SD_CONFIG_RULES ?
		    !config_same_rule((const struct sd_admit_rule *)x + i,
		    (const struct sd_admit_rule *)y + i) :
		    ((const uint16_t *)x)[i] != ((const uint16_t *)y)[i])
			return 0;
	}
	return 1;
}

int
sd_config_same(const struct sd_config *a, const struct sd_config *b,
    const struct sd_config_opt *o)
{
	const char *x = (const char *)a, *y = (const char *)b;
	const char *s, *t;

	switch (o->type) {
	case SD_CONFIG_FLAG:
	case SD_CONFIG_ENUM:
		return *(const int *)(x + o->at) == *(const int *)(y + o->at);
	case SD_CONFIG_U64:
	case SD_CONFIG_SIZE:
	case SD_CONFIG_AGE:
		return *(const uint64_t *)(x + o->at) ==
		    *(const uint64_t *)(y + o->at);
	case SD_CONFIG_STR:
		s = *(char *const *)(x + o->at);
		t = *(char *const *)(y + o->at);
		return s == t || (s != NULL && t != NULL && strcmp(s, t) == 0);
	case SD_CONFIG_STRS:
	case SD_CONFIG_PORTS:
	case SD_CONFIG_RULES:
		return config_same_list(x, y, o);
	case SD_CONFIG_FUNC:
		return memcmp(x + o->at, y + o->at, o->len) == 0;
	default:
		return 1;
	}
}

/* A copy of src's list for o into dst (its own freed first). */
static int
config_copy_list(char *dst, const char *src, const struct sd_config_opt *o)
{
	size_t n = *(const size_t *)(src + o->cnt), i;
	const void *from = *(void *const *)(src + o->at);
	void *to;

	config_free_value((struct sd_config *)dst, o);
	*(size_t *)(dst + o->cnt) = 0;
	if (n == 0)
		return SD_OK;
	if (o->type != SD_CONFIG_STRS) {
		to = malloc(n * config_elem_size(o));
		if (to == NULL)
			return SD_ERR_NOMEM;
		memcpy(to, from, n * config_elem_size(o));
		*(void **)(dst + o->at) = to;
		*(size_t *)(dst + o->cnt) = n;
		return SD_OK;
	}
	for (i = 0; i < n; i++) {
		if (add_str((char ***)(dst + o->at), (size_t *)(dst + o->cnt),
		    ((char *const *)from)[i]) != SD_OK)
			return SD_ERR_NOMEM;
	}
	return SD_OK;
}

int
sd_config_copy(struct sd_config *dst, const struct sd_config *src,
    const struct sd_config_opt *o)
{
	char *x = (char *)dst;
	const char *y = (const char *)src;

	switch (o->type) {
	case SD_CONFIG_FLAG:
	case SD_CONFIG_ENUM:
		*(int *)(x + o->at) = *(const int *)(y + o->at);
		return SD_OK;
	case SD_CONFIG_U64:
	case SD_CONFIG_SIZE:
	case SD_CONFIG_AGE:
		*(uint64_t *)(x + o->at) = *(const uint64_t *)(y + o->at);
		return SD_OK;
	case SD_CONFIG_STR:
		config_free_value(dst, o);
		return *(char *const *)(y + o->at) == NULL ? SD_OK :
		    set_str((char **)(x + o->at), *(char *const *)(y + o->at));
	case SD_CONFIG_STRS:
	case SD_CONFIG_PORTS:
	case SD_CONFIG_RULES:
		return config_copy_list(x, y, o);
	case SD_CONFIG_FUNC:
		memcpy(x + o->at, y + o->at, o->len);
		return SD_OK;
	default:
		return SD_OK;
	}
}

struct ini_ctx {
	struct sd_config	*cfg;
	char			 why[SD_ERR_LEN];
};

/* One "name = value" line of the config file. */
static int
config_ini_line(void *user, const char *section, const char *name,
    const char *value)
{
	struct ini_ctx *ctx = user;
	const struct sd_config_opt *o = sd_config_find(name);
	char why[SD_ERR_LEN];

	(void)section;
	if (o == NULL || !sd_config_in_file(o)) {
		snprintf(ctx->why, sizeof(ctx->why),
		    "unknown setting \"%.64s\"", name);
		return 0;
	}
	if (sd_config_set(ctx->cfg, o, value, why) != SD_OK) {
		snprintf(ctx->why, sizeof(ctx->why), "%s: %.200s", name, why);
		return 0;
	}
	return 1;
}

/* Read a whole config file into a NUL-terminated buffer: a regular
 * file, at most SD_CONFIG_MAX_FILE bytes, no NUL byte, no line longer
 * than libinih takes whole (it would cut it in two silently). */
static int
config_read(const char *path, char **out, char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN], *buf;
	size_t n, line = 1, col = 0, i;

	if (sd_read_file(path, SD_CONFIG_MAX_FILE, &buf, &n, why) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "--config %.150s: %.90s", path, why);
		return SD_ERR_INVAL;
	}
	for (i = 0; i < n; i++, col++) {
		if (buf[i] == '\0' || (buf[i] != '\n' &&
		    col >= SD_CONFIG_MAX_LINE)) {
			snprintf(err, SD_ERR_LEN, "%.200s:%zu: %s", path,
			    line, buf[i] == '\0' ? "a NUL byte" :
			    "longer than " SD_CONFIG_MAX_LINE_STR " bytes");
			free(buf);
			return SD_ERR_INVAL;
		}
		if (buf[i] == '\n') {
			line++;
			col = (size_t)-1;
		}
	}
	*out = buf;
	return SD_OK;
}

/* Load the --config file, before the flags apply over it. */
static int
sd_config_load_file(struct sd_config *cfg, const char *path,
    char err[SD_ERR_LEN])
{
	struct ini_ctx ctx = { cfg, "" };
	char *text = NULL;
	int rc;

	if (set_str(&cfg->config_file, path) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	if (config_read(path, &text, err) != SD_OK)
		return SD_ERR_INVAL;
	rc = ini_parse_string(text, config_ini_line, &ctx);
	free(text);
	if (rc != 0) {
		snprintf(err, SD_ERR_LEN, "%.120s:%d: %.120s", path, rc,
		    ctx.why[0] ? ctx.why : "not a key = value line");
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* Each of the n ports of option opt is one of --ports. */
static int
config_ports_listened(const struct sd_config *cfg, const char *opt,
    const uint16_t *ports, size_t n, char err[SD_ERR_LEN])
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bsearch(&ports[i], cfg->ports, cfg->nports,
		    sizeof(*cfg->ports), cmp_port) == NULL) {
			snprintf(err, SD_ERR_LEN, "%s: %u is not one of "
			    "--ports", opt, (unsigned)ports[i]);
			return SD_ERR_INVAL;
		}
	}
	return SD_OK;
}

/* TLS ports are ports the server listens on, with a certificate. */
static int
config_check_tls(const struct sd_config *cfg, char err[SD_ERR_LEN])
{
	if (cfg->ntls_ports > 0 && (cfg->tls_cert == NULL ||
	    cfg->tls_key == NULL)) {
		snprintf(err, SD_ERR_LEN, "--tls-ports needs --tls-cert and "
		    "--tls-key");
		return SD_ERR_INVAL;
	}
	if (cfg->tls_client_ca == NULL && (cfg->tls_require_client_cert ||
	    cfg->tls_identity != SD_TLS_ID_FINGERPRINT)) {
		snprintf(err, SD_ERR_LEN, "--tls-require-client-cert and "
		    "--tls-identity need --tls-client-ca");
		return SD_ERR_INVAL;
	}
	if (cfg->tls_client_ca != NULL && cfg->ntls_ports == 0) {
		snprintf(err, SD_ERR_LEN, "--tls-client-ca needs --tls-ports");
		return SD_ERR_INVAL;
	}
	return config_ports_listened(cfg, "--tls-ports", cfg->tls_ports,
	    cfg->ntls_ports, err);
}

int
sd_config_tls_port(const struct sd_config *cfg, uint16_t port)
{
	return cfg->ntls_ports > 0 && bsearch(&port, cfg->tls_ports,
	    cfg->ntls_ports, sizeof(port), cmp_port) != NULL;
}

/* Proxied ports are ports the server listens on, and only balancers
 * named by --proxy-from may use them. */
static int
config_check_proxy(const struct sd_config *cfg, char err[SD_ERR_LEN])
{
	if (cfg->nproxy_ports > 0 && cfg->nproxy_from == 0) {
		snprintf(err, SD_ERR_LEN, "--proxy-protocol needs --proxy-from "
		    "(the balancers' addresses)");
		return SD_ERR_INVAL;
	}
	return config_ports_listened(cfg, "--proxy-protocol",
	    cfg->proxy_ports, cfg->nproxy_ports, err);
}

int
sd_config_proxy_port(const struct sd_config *cfg, uint16_t port)
{
	return cfg->nproxy_ports > 0 && bsearch(&port, cfg->proxy_ports,
	    cfg->nproxy_ports, sizeof(port), cmp_port) != NULL;
}

/* Settings that only make sense together. */
static int
sd_config_check(const struct sd_config *cfg, char err[SD_ERR_LEN])
{
	int v1 = cfg->influx.db != NULL;
	int v2 = cfg->influx.org != NULL || cfg->influx.bucket != NULL ||
	    cfg->influx.token != NULL;

	if (cfg->influx.url == NULL && (v1 || v2)) {
		snprintf(err, SD_ERR_LEN, "--influx-db, --influx-org, "
		    "--influx-bucket and --influx-token need --influx-url");
		return SD_ERR_INVAL;
	}
	if (cfg->influx.url != NULL && v1 == v2) {
		snprintf(err, SD_ERR_LEN, "--influx-url: give --influx-db "
		    "(1.x) or --influx-org, --influx-bucket and "
		    "--influx-token (2.x), not both");
		return SD_ERR_INVAL;
	}
	if (v2 && (cfg->influx.org == NULL || cfg->influx.bucket == NULL ||
	    cfg->influx.token == NULL)) {
		snprintf(err, SD_ERR_LEN, "--influx-org, --influx-bucket and "
		    "--influx-token go together");
		return SD_ERR_INVAL;
	}
	/* One way to admit devices: a shared token beside a registry
	 * would let any holder of the token be every device. */
	if (cfg->token != NULL && cfg->devices != NULL) {
		snprintf(err, SD_ERR_LEN, "--token and --devices do not go "
		    "together: the registry gives each device its token");
		return SD_ERR_INVAL;
	}
	if (config_check_proxy(cfg, err) != SD_OK)
		return SD_ERR_INVAL;
	return config_check_tls(cfg, err);
}

/* Make err safe for a terminal: it quotes bytes of the file and the
 * command line, which may hold anything. */
static int
config_fail(char err[SD_ERR_LEN])
{
	char raw[SD_ERR_LEN];

	memcpy(raw, err, SD_ERR_LEN);
	raw[SD_ERR_LEN - 1] = '\0';
	sd_esc_text(raw, strlen(raw), err, SD_ERR_LEN, 0, NULL);
	return SD_ERR_INVAL;
}

/* getopt_long's tables from the rows: each row's value is
 * SD_CONFIG_LONG_BASE + its index; a letter stands for its row. */
static void
config_getopt_tables(struct option *lo, char *shorts, size_t len)
{
	const struct sd_config_opt *o;
	size_t i, at = 0;
	int arg;

	shorts[at++] = ':';
	for (i = 0; i < NOPTS; i++) {
		o = &sd_config_opts[i];
		arg = o->type != SD_CONFIG_FLAG && o->type != SD_CONFIG_HELP &&
		    o->type != SD_CONFIG_VERSION;
		lo[i] = (struct option){ o->name, arg ? required_argument :
		    no_argument, NULL, SD_CONFIG_LONG_BASE + (int)i };
		if (o->letter != 0 && at + 3 < len) {
			shorts[at++] = o->letter;
			if (arg)
				shorts[at++] = ':';
		}
	}
	lo[NOPTS] = (struct option){ NULL, 0, NULL, 0 };
	shorts[at] = '\0';
}

/* The row getopt_long's c stands for. */
static const struct sd_config_opt *
config_getopt_row(int c)
{
	size_t i;

	if (c >= SD_CONFIG_LONG_BASE)
		return &sd_config_opts[c - SD_CONFIG_LONG_BASE];
	for (i = 0; sd_config_opts[i].letter != c; i++)
		;
	return &sd_config_opts[i];
}

/* Apply one flag over what the file set: 1 when the caller should exit
 * 0 (--help, --version), else SD_OK or an error in err. */
static int
config_apply_flag(struct sd_config *cfg, const struct sd_config_opt *o,
    const char *v, unsigned char *replaced, char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN];

	if (o->type == SD_CONFIG_HELP) {
		sd_config_usage(stdout);
		return 1;
	}
	if (o->type == SD_CONFIG_VERSION) {
		printf("sockdeckd %s\n", SD_VERSION);
		return 1;
	}
	if (o->type == SD_CONFIG_FILE)
		return SD_OK;
	if ((o->flags & SD_CONFIG_CLI_REPLACES) && !*replaced) {
		config_free_value(cfg, o);
		*replaced = 1;
	}
	if (sd_config_set(cfg, o, o->type == SD_CONFIG_FLAG ? "true" : v,
	    why) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "--%s: %.200s", o->name, why);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/*
 * Walk the flags with getopt_long. With file set, only find the --config
 * file's path (in every form getopt takes, the last one winning) and
 * leave errors to the second walk; without, apply each flag over what
 * the file set.
 */
static int
config_walk_flags(struct sd_config *cfg, int argc, char **argv,
    const struct option *lo, const char *shorts, const char **file,
    char err[SD_ERR_LEN])
{
	unsigned char replaced[NOPTS] = { 0 };
	const struct sd_config_opt *o;
	int c, rc;

	optind = 0;
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shorts, lo, NULL);
		if (c == -1)
			break;
		o = c == '?' || c == ':' ? NULL : config_getopt_row(c);
		if (file != NULL) {
			if (o != NULL && o->type == SD_CONFIG_FILE)
				*file = optarg;
			continue;
		}
		if (o == NULL) {
			snprintf(err, SD_ERR_LEN, c == '?' ?
			    "%s: unknown option (see --help)" :
			    "%s: needs a value", argv[optind - 1]);
			return SD_ERR_INVAL;
		}
		rc = config_apply_flag(cfg, o, optarg,
		    &replaced[o - sd_config_opts], err);
		if (rc != SD_OK)
			return rc;
	}
	if (file == NULL && optind < argc) {
		snprintf(err, SD_ERR_LEN,
		    "%s: unexpected argument (see --help)", argv[optind]);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* Raise the soft descriptor limit to the hard one, and check that
 * every listener fits with room to spare: opening them would otherwise
 * fail half-way, one listen-failed after another. */
static int
config_check_fds(const struct sd_config *cfg, char err[SD_ERR_LEN])
{
	uint64_t naddrs = cfg->nbinds ? cfg->nbinds : 2;
	uint64_t need = cfg->nports * naddrs + SD_CONFIG_FD_RESERVE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return SD_OK;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || need <= rl.rlim_cur)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "--ports: %llu ports on %llu addresses "
	    "need %llu descriptors, the limit is %llu (ulimit -n, or "
	    "LimitNOFILE= in the unit)", (unsigned long long)cfg->nports,
	    (unsigned long long)naddrs, (unsigned long long)need,
	    (unsigned long long)rl.rlim_cur);
	return SD_ERR_INVAL;
}

/* The file, then the flags over it, then what must hold together. */
int
sd_config_parse(struct sd_config *cfg, int argc, char **argv,
    char err[SD_ERR_LEN])
{
	struct option lo[NOPTS + 1];
	char shorts[2 + 2 * NOPTS], **copy;
	const char *path = NULL;
	int rc;

	/* getopt_long reorders what it walks: the search walks a copy. */
	copy = calloc((size_t)argc + 1, sizeof(*copy));
	if (copy == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	config_getopt_tables(lo, shorts, sizeof(shorts));
	config_walk_flags(cfg, argc, copy, lo, shorts, &path, err);
	rc = path != NULL ? sd_config_load_file(cfg, path, err) : SD_OK;
	free(copy);
	if (rc != SD_OK)
		return config_fail(err);
	rc = config_walk_flags(cfg, argc, argv, lo, shorts, NULL, err);
	if (rc == SD_OK)
		rc = sd_config_check(cfg, err);
	if (rc == SD_OK)
		rc = config_check_fds(cfg, err);
	if (rc != SD_OK && rc != 1)
		return config_fail(err);
	return rc;
}

/* --control, or DATA_DIR/control.sock. */
const char *
sd_config_control_path(const struct sd_config *cfg, char *buf, size_t len)
{
	if (cfg->control_path != NULL)
		return cfg->control_path;
	snprintf(buf, len, "%s/control.sock", cfg->data_dir);
	return buf;
}
