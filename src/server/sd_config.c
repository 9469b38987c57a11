/*
 * sd_config.c: sockdeckd's settings. One table names every setting; the
 * command line (getopt_long) and the config file (libinih) both go
 * through sd_config_set(), so they accept exactly the same things.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

enum opt_id {
	O_PORTS = 'p', O_BIND = 'b', O_DATA = 'd', O_CONFIG = 'c',
	O_HELP = 'h', O_VERSION = 'V',
	O_HEADLESS = 256, O_CONTROL, O_LOG_FORMAT, O_REPLY_FORMAT,
	O_SERVER_NAME, O_TOKEN, O_MAX_CLIENTS, O_MAX_PER_PORT, O_MAX_MSG,
	O_MAX_FILE, O_OUT_BUFFER, O_IDLE, O_KEEPALIVE, O_SHUTDOWN,
	O_FRAME_TIMEOUT, O_DEVICE_RATE, O_MEASUREMENT, O_FIELD, O_DEVICE_TAG,
	O_EXTRA_TAGS,
	O_SPOOL_MAX, O_SPOOL_FULL, O_FSYNC,
	O_SPOOL_RETAIN, O_SPOOL_RETAIN_AGE,
	O_INFLUX_URL, O_INFLUX_DB, O_INFLUX_USER, O_INFLUX_PASSWORD,
	O_INFLUX_ORG, O_INFLUX_BUCKET, O_INFLUX_TOKEN, O_INFLUX_BATCH,
	O_INFLUX_FLUSH_MS, O_INFLUX_TIMEOUT, O_INFLUX_GZIP, O_INFLUX_PARALLEL,
	O_KAFKA_BROKERS, O_KAFKA_TOPIC, O_KAFKA_FORMAT, O_KAFKA_OPT,
	O_ALLOW, O_DENY, O_LEGACY, O_MAX_PER_IP, O_REFRESH,
};

static const struct option sd_long_opts[] = {
	{ "ports", required_argument, NULL, O_PORTS },
	{ "bind", required_argument, NULL, O_BIND },
	{ "data-dir", required_argument, NULL, O_DATA },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "headless", no_argument, NULL, O_HEADLESS },
	{ "refresh", required_argument, NULL, O_REFRESH },
	{ "control", required_argument, NULL, O_CONTROL },
	{ "log-format", required_argument, NULL, O_LOG_FORMAT },
	{ "reply-format", required_argument, NULL, O_REPLY_FORMAT },
	{ "server-name", required_argument, NULL, O_SERVER_NAME },
	{ "token", required_argument, NULL, O_TOKEN },
	{ "max-clients", required_argument, NULL, O_MAX_CLIENTS },
	{ "max-clients-per-port", required_argument, NULL, O_MAX_PER_PORT },
	{ "max-msg", required_argument, NULL, O_MAX_MSG },
	{ "max-file", required_argument, NULL, O_MAX_FILE },
	{ "out-buffer", required_argument, NULL, O_OUT_BUFFER },
	{ "idle-timeout", required_argument, NULL, O_IDLE },
	{ "frame-timeout", required_argument, NULL, O_FRAME_TIMEOUT },
	{ "device-rate", required_argument, NULL, O_DEVICE_RATE },
	{ "keepalive", required_argument, NULL, O_KEEPALIVE },
	{ "shutdown-timeout", required_argument, NULL, O_SHUTDOWN },
	{ "measurement", required_argument, NULL, O_MEASUREMENT },
	{ "field", required_argument, NULL, O_FIELD },
	{ "device-tag", required_argument, NULL, O_DEVICE_TAG },
	{ "extra-tags", required_argument, NULL, O_EXTRA_TAGS },
	{ "spool-max", required_argument, NULL, O_SPOOL_MAX },
	{ "spool-full", required_argument, NULL, O_SPOOL_FULL },
	{ "spool-retain", required_argument, NULL, O_SPOOL_RETAIN },
	{ "spool-retain-age", required_argument, NULL, O_SPOOL_RETAIN_AGE },
	{ "fsync", required_argument, NULL, O_FSYNC },
	{ "influx-url", required_argument, NULL, O_INFLUX_URL },
	{ "influx-db", required_argument, NULL, O_INFLUX_DB },
	{ "influx-user", required_argument, NULL, O_INFLUX_USER },
	{ "influx-password", required_argument, NULL, O_INFLUX_PASSWORD },
	{ "influx-org", required_argument, NULL, O_INFLUX_ORG },
	{ "influx-bucket", required_argument, NULL, O_INFLUX_BUCKET },
	{ "influx-token", required_argument, NULL, O_INFLUX_TOKEN },
	{ "influx-batch", required_argument, NULL, O_INFLUX_BATCH },
	{ "influx-flush-ms", required_argument, NULL, O_INFLUX_FLUSH_MS },
	{ "influx-timeout", required_argument, NULL, O_INFLUX_TIMEOUT },
	{ "influx-gzip", no_argument, NULL, O_INFLUX_GZIP },
	{ "influx-parallel", required_argument, NULL, O_INFLUX_PARALLEL },
	{ "kafka-brokers", required_argument, NULL, O_KAFKA_BROKERS },
	{ "kafka-topic", required_argument, NULL, O_KAFKA_TOPIC },
	{ "kafka-format", required_argument, NULL, O_KAFKA_FORMAT },
	{ "kafka-opt", required_argument, NULL, O_KAFKA_OPT },
	{ "allow", required_argument, NULL, O_ALLOW },
	{ "deny", required_argument, NULL, O_DENY },
	{ "legacy", required_argument, NULL, O_LEGACY },
	{ "max-clients-per-ip", required_argument, NULL, O_MAX_PER_IP },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

void
sd_config_usage(FILE *fp)
{
	fputs(
"usage: sockdeckd [options]\n"
"       sockdeckd ctl [--control PATH] [--json] COMMAND [ARGS]\n"
"\n"
"  -p, --ports LIST          ports and ranges to listen on (5000-5003)\n"
"  -b, --bind ADDR           address to listen on; repeat for more\n"
"                            (default: every IPv4 and IPv6 address)\n"
"  -d, --data-dir DIR        files/, sensors/, control.sock (./sockdeck-data)\n"
"  -c, --config FILE         key = value settings; flags win\n"
"      --headless            no dashboard: log events to stdout\n"
"      --refresh SECS        dashboard: counters and lists every SECS,\n"
"                            events at once (1)\n"
"      --control PATH        control socket (DATA_DIR/control.sock)\n"
"      --log-format FMT      text or json (text)\n"
"      --reply-format FMT    legacy reply; {fd} {id} {port} {text} {device}\n"
"                            ([{fd} socket] return data => {text})\n"
"      --server-name NAME    name sent in WELCOME (host name)\n"
"      --token TOKEN         extension clients must say it in HELLO\n"
"      --max-clients N       clients on all ports (10000)\n"
"      --max-clients-per-port N  clients on one port (0: no cap)\n"
"      --max-clients-per-ip N  clients from one address (64; 0: no cap)\n"
"      --allow CIDR[@PORTS],...  only these addresses (on these ports)\n"
"      --deny CIDR[@PORTS],...   never these; deny wins over allow\n"
"      --legacy on|off[@PORTS]   legacy frames on these ports (on)\n"
"      --max-msg SIZE        largest message text (1M)\n"
"      --max-file SIZE       largest file (64G)\n"
"      --out-buffer SIZE     output a client may leave unread (1M)\n"
"      --idle-timeout SECS   drop a client sending no whole frame (900)\n"
"      --frame-timeout SECS  drop a client whose frame lingers (30)\n"
"      --device-rate SIZE[/SECS]  bytes a device may send a minute (or\n"
"                            SECS) before it is read no more (0: any)\n"
"      --keepalive SECS      TCP keep-alive idle time (60; 0: off)\n"
"      --shutdown-timeout SECS  time transfers get to finish (5)\n"
"      --measurement NAME    InfluxDB measurement (sensor)\n"
"      --field NAME          InfluxDB field (value)\n"
"      --device-tag NAME     InfluxDB tag of the device (Mac-Address)\n"
"      --extra-tags LIST     add port and/or peer tags to each reading\n"
"      --spool-max SIZE      largest undelivered backlog (1G)\n"
"      --spool-full MODE     block or drop-oldest, at --spool-max (block)\n"
"      --spool-retain SIZE   delivered readings kept for replay (1G)\n"
"      --spool-retain-age AGE  and for at most AGE: 30m, 12h, 7d (0: any)\n"
"      --fsync MODE          always, everysec or no (everysec)\n"
"      --influx-url URL      send readings to InfluxDB at URL\n"
"      --influx-db NAME      1.x database\n"
"      --influx-user USER    1.x user, with --influx-password PASSWORD\n"
"      --influx-org ORG      2.x/3.x organisation, with --influx-bucket\n"
"      --influx-bucket NAME  and --influx-token TOKEN\n"
"      --influx-batch N      lines per request (5000)\n"
"      --influx-flush-ms MS  send a partial batch after MS (1000)\n"
"      --influx-timeout SECS request timeout (10)\n"
"      --influx-gzip         compress request bodies\n"
"      --influx-parallel N   requests in flight, 1 to 8 (2)\n"
"      --kafka-brokers LIST  send readings to Kafka\n"
"      --kafka-topic NAME    topic (sensors)\n"
"      --kafka-format FMT    json, raw or influx (json)\n"
"      --kafka-opt KEY=VALUE librdkafka setting; repeat for more\n"
"  -h, --help                this text\n"
"  -V, --version             the version\n"
"\n"
"SIZE takes k, M or G (powers of 1024). See sockdeckd(1).\n", fp);
}

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

static int
add_bind(struct sd_config *cfg, const char *v)
{
	return add_str(&cfg->binds, &cfg->nbinds, v);
}

static void
clear_binds(struct sd_config *cfg)
{
	clear_strs(&cfg->binds, &cfg->nbinds);
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

static int
parse_fsync(struct sd_config *cfg, const char *v)
{
	if (strcmp(v, "always") == 0)
		cfg->pipe.fsync = SD_FSYNC_ALWAYS;
	else if (strcmp(v, "everysec") == 0)
		cfg->pipe.fsync = SD_FSYNC_EVERYSEC;
	else if (strcmp(v, "no") == 0)
		cfg->pipe.fsync = SD_FSYNC_NO;
	else
		return SD_ERR_INVAL;
	return SD_OK;
}

static int
parse_kafka_format(struct sd_config *cfg, const char *v)
{
	if (strcmp(v, "json") == 0)
		cfg->kafka.format = SD_KAFKA_JSON;
	else if (strcmp(v, "raw") == 0)
		cfg->kafka.format = SD_KAFKA_RAW;
	else if (strcmp(v, "influx") == 0)
		cfg->kafka.format = SD_KAFKA_INFLUX;
	else
		return SD_ERR_INVAL;
	return SD_OK;
}

/* What a line-protocol name must be (NULL: v is one). InfluxDB refuses
 * names that start with '_' (its own namespace) and a field or tag key
 * "time"; a tag key must not be one that readings add themselves
 * (channel, --extra-tags port and peer). what: 0 measurement, 1 field
 * key, 2 tag key. */
static const char *
config_lp_name(const char *v, int what)
{
	static const char *const taken[] = { "channel", "port", "peer" };
	size_t i, n = strlen(v);

	if (n == 0 || n > SD_CONFIG_MAX_NAME || v[0] == '_')
		return "a name of 1 to 100 bytes, not starting with _";
	for (i = 0; i < n; i++) {
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

/* Set one option by id; on a bad value, say what is accepted. */
static int
sd_config_set(struct sd_config *cfg, int id, const char *v,
    char err[SD_ERR_LEN])
{
	uint64_t *num = NULL, min = 0, max = UINT32_MAX;
	const char *want = NULL;
	struct in6_addr a6;
	int size = 0;

	switch (id) {
	case O_PORTS:
		free(cfg->ports);
		cfg->ports = NULL;
		if (sd_config_parse_ports(v, &cfg->ports, &cfg->nports) == 0)
			return SD_OK;
		want = "ports and ranges from 1 to 65535, e.g. 5000-5009,6000";
		break;
	case O_BIND:
		/* An address, numeric: a name would need a blocking lookup,
		 * and a typo would only show as every port failing. */
		if (inet_pton(AF_INET, v, &a6) == 1 ||
		    inet_pton(AF_INET6, v, &a6) == 1)
			return add_bind(cfg, v);
		want = "an IPv4 or IPv6 address, e.g. 127.0.0.1 or ::";
		break;
	case O_DATA:
		return set_str(&cfg->data_dir, v);
	case O_CONTROL:
		return set_str(&cfg->control_path, v);
	case O_HEADLESS:
		cfg->headless = 1;
		return SD_OK;
	case O_LOG_FORMAT:
		if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0) {
			cfg->log_json = strcmp(v, "json") == 0;
			return SD_OK;
		}
		want = "text or json";
		break;
	case O_REPLY_FORMAT:
		return set_str(&cfg->reply_format, v);
	case O_SERVER_NAME:
		if (strlen(v) > 0 && strlen(v) <= 255)
			return set_str(&cfg->server_name, v);
		want = "a name of 1 to 255 bytes";
		break;
	case O_TOKEN:
		/* An empty token would let every HELLO in. */
		if (strlen(v) > 0 && strlen(v) <= 255)
			return set_str(&cfg->token, v);
		want = "a token of 1 to 255 bytes";
		break;
	case O_MEASUREMENT:
		want = config_lp_name(v, 0);
		if (want == NULL)
			return set_str(&cfg->pipe.measurement, v);
		break;
	case O_FIELD:
		want = config_lp_name(v, 1);
		if (want == NULL)
			return set_str(&cfg->pipe.field, v);
		break;
	case O_DEVICE_TAG:
		want = config_lp_name(v, 2);
		if (want == NULL)
			return set_str(&cfg->pipe.device_tag, v);
		break;
	case O_EXTRA_TAGS:
		if (parse_extra_tags(cfg, v) == SD_OK)
			return SD_OK;
		want = "port, peer or port,peer";
		break;
	case O_DEVICE_RATE:
		if (parse_rate(cfg, v) == SD_OK)
			return SD_OK;
		want = "a size per minute, or SIZE/SECS (1 to 3600)";
		break;
	case O_SPOOL_FULL:
		if (strcmp(v, "block") == 0 || strcmp(v, "drop-oldest") == 0) {
			cfg->pipe.spool_drop = strcmp(v, "drop-oldest") == 0;
			return SD_OK;
		}
		want = "block or drop-oldest";
		break;
	case O_FSYNC:
		if (parse_fsync(cfg, v) == SD_OK)
			return SD_OK;
		want = "always, everysec or no";
		break;
	case O_SPOOL_RETAIN_AGE:
		if (parse_age(v, &cfg->pipe.spool_retain_age) == SD_OK)
			return SD_OK;
		want = "an age: seconds, or a number with s, m, h or d";
		break;
	case O_KAFKA_FORMAT:
		if (parse_kafka_format(cfg, v) == SD_OK)
			return SD_OK;
		want = "json, raw or influx";
		break;
	case O_ALLOW:
	case O_DENY:
		if (sd_admit_parse(v, id == O_ALLOW ? &cfg->allow : &cfg->deny,
		    id == O_ALLOW ? &cfg->nallow : &cfg->ndeny) == SD_OK)
			return SD_OK;
		want = "addresses or prefixes, each optionally @PORT or "
		    "@LO-HI, e.g. 10.0.0.0/8@5000-5003,::1 (at most 256)";
		break;
	case O_LEGACY:
		if (sd_admit_parse_legacy(v, &cfg->legacy, &cfg->nlegacy) ==
		    SD_OK)
			return SD_OK;
		want = "on or off, optionally @PORT or @LO-HI";
		break;
	case O_KAFKA_OPT:
		if (strchr(v, '=') != NULL && v[0] != '=')
			return add_str(&cfg->kafka.opts, &cfg->kafka.nopts, v);
		want = "KEY=VALUE";
		break;
	case O_INFLUX_URL:
		if (strncmp(v, "http://", 7) == 0 ||
		    strncmp(v, "https://", 8) == 0)
			return set_str(&cfg->influx.url, v);
		want = "an http:// or https:// URL";
		break;
	case O_INFLUX_DB:
		return set_str(&cfg->influx.db, v);
	case O_INFLUX_USER:
		return set_str(&cfg->influx.user, v);
	case O_INFLUX_PASSWORD:
		return set_str(&cfg->influx.password, v);
	case O_INFLUX_ORG:
		return set_str(&cfg->influx.org, v);
	case O_INFLUX_BUCKET:
		return set_str(&cfg->influx.bucket, v);
	case O_INFLUX_TOKEN:
		return set_str(&cfg->influx.token, v);
	case O_INFLUX_GZIP:
		cfg->influx.gzip = 1;
		return SD_OK;
	case O_KAFKA_BROKERS:
		return set_str(&cfg->kafka.brokers, v);
	case O_KAFKA_TOPIC:
		return set_str(&cfg->kafka.topic, v);
	case O_INFLUX_BATCH:
		num = &cfg->influx.batch;
		min = 1;
		max = 1000000;
		break;
	case O_INFLUX_FLUSH_MS:
		num = &cfg->influx.flush_ms;
		min = 1;
		max = 3600000;
		break;
	case O_INFLUX_TIMEOUT:
		num = &cfg->influx.timeout;
		min = 1;
		max = 3600;
		break;
	case O_INFLUX_PARALLEL:
		num = &cfg->influx.parallel;
		min = 1;
		max = 8;
		break;
	case O_SPOOL_MAX:
		num = &cfg->pipe.spool_max;
		min = 4096;
		max = UINT64_MAX;
		size = 1;
		break;
	case O_SPOOL_RETAIN:
		num = &cfg->pipe.spool_retain;
		max = UINT64_MAX;
		size = 1;
		break;
	case O_MAX_CLIENTS:
		num = &cfg->max_clients;
		min = 1;
		break;
	case O_MAX_PER_PORT:
		num = &cfg->max_clients_per_port;
		break;
	case O_MAX_PER_IP:
		num = &cfg->max_clients_per_ip;
		break;
	case O_IDLE:
		num = &cfg->idle_timeout;
		break;
	case O_FRAME_TIMEOUT:
		num = &cfg->frame_timeout;
		max = 86400;
		break;
	case O_KEEPALIVE:
		num = &cfg->keepalive;
		max = 32767;
		break;
	case O_SHUTDOWN:
		num = &cfg->shutdown_timeout;
		max = 3600;
		break;
	case O_REFRESH:
		num = &cfg->refresh;
		min = 1;
		max = 3600;
		break;
	case O_MAX_MSG:
		num = &cfg->max_msg;
		min = 1;
		max = 64u << 20;
		size = 1;
		break;
	case O_MAX_FILE:
		num = &cfg->max_file;
		min = 1;
		max = UINT64_MAX;
		size = 1;
		break;
	case O_OUT_BUFFER:
		num = &cfg->out_buffer;
		min = 4096;
		max = 1u << 30;
		size = 1;
		break;
	default:
		snprintf(err, SD_ERR_LEN, "unknown option");
		return SD_ERR_INVAL;
	}
	if (num != NULL) {
		uint64_t n;
		int rc = size ? sd_parse_size(v, &n) :
		    sd_parse_u64(v, min, max, &n);

		if (rc == SD_OK && n >= min && n <= max) {
			*num = n;
			return SD_OK;
		}
		snprintf(err, SD_ERR_LEN,
		    "\"%.64s\" is not %s from %llu to %llu", v,
		    size ? "a size (k, M, G suffixes)" : "a number",
		    (unsigned long long)min, (unsigned long long)max);
		return SD_ERR_INVAL;
	}
	snprintf(err, SD_ERR_LEN, "\"%.64s\": expected %s", v, want);
	return SD_ERR_INVAL;
}

static int
cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

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

int
sd_config_init(struct sd_config *cfg)
{
	char host[256];

	memset(cfg, 0, sizeof(*cfg));
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "sockdeckd");
	host[sizeof(host) - 1] = '\0';
	cfg->max_clients = 10000;
	cfg->max_clients_per_ip = 64;
	cfg->max_msg = SD_PROTO_MAX_MSG;
	cfg->max_file = 64ULL << 30;
	cfg->out_buffer = 1u << 20;
	cfg->idle_timeout = 900;
	cfg->frame_timeout = 30;
	cfg->device_rate_secs = 60;
	cfg->keepalive = 60;
	cfg->shutdown_timeout = 5;
	cfg->refresh = 1;
	cfg->pipe.spool_max = 1ULL << 30;
	cfg->pipe.spool_retain = SD_SPOOL_RETAIN;
	cfg->pipe.fsync = SD_FSYNC_EVERYSEC;
	cfg->influx.batch = 5000;
	cfg->influx.flush_ms = 1000;
	cfg->influx.timeout = 10;
	cfg->influx.parallel = 2;
	if (sd_config_parse_ports("5000-5003", &cfg->ports, &cfg->nports) ||
	    set_str(&cfg->data_dir, "./sockdeck-data") ||
	    set_str(&cfg->reply_format,
	    "[{fd} socket] return data => {text}") ||
	    set_str(&cfg->server_name, host) ||
	    set_str(&cfg->pipe.measurement, "sensor") ||
	    set_str(&cfg->pipe.field, "value") ||
	    set_str(&cfg->pipe.device_tag, "Mac-Address") ||
	    set_str(&cfg->kafka.topic, "sensors"))
		return SD_ERR_NOMEM;
	return SD_OK;
}

void
sd_config_done(struct sd_config *cfg)
{
	clear_binds(cfg);
	free(cfg->ports);
	free(cfg->data_dir);
	free(cfg->control_path);
	free(cfg->config_file);
	free(cfg->reply_format);
	free(cfg->server_name);
	free(cfg->token);
	free(cfg->pipe.measurement);
	free(cfg->pipe.field);
	free(cfg->pipe.device_tag);
	free(cfg->influx.url);
	free(cfg->influx.db);
	free(cfg->influx.user);
	free(cfg->influx.password);
	free(cfg->influx.org);
	free(cfg->influx.bucket);
	free(cfg->influx.token);
	free(cfg->kafka.brokers);
	free(cfg->kafka.topic);
	clear_strs(&cfg->kafka.opts, &cfg->kafka.nopts);
	free(cfg->allow);
	free(cfg->deny);
	free(cfg->legacy);
	memset(cfg, 0, sizeof(*cfg));
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
	const struct option *o;
	char why[SD_ERR_LEN];

	(void)section;
	for (o = sd_long_opts; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0 && o->val != O_CONFIG &&
		    o->val != O_HELP && o->val != O_VERSION)
			break;
	}
	if (o->name == NULL) {
		snprintf(ctx->why, sizeof(ctx->why),
		    "unknown setting \"%.64s\"", name);
		return 0;
	}
	if (o->has_arg == no_argument) {
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			return sd_config_set(ctx->cfg, o->val, "", why) ==
			    SD_OK;
		if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "0") == 0) {
			if (o->val == O_HEADLESS)
				ctx->cfg->headless = 0;
			else
				ctx->cfg->influx.gzip = 0;
			return 1;
		}
		snprintf(ctx->why, sizeof(ctx->why),
		    "%s: expected true or false", name);
		return 0;
	}
	if (sd_config_set(ctx->cfg, o->val, value, why) != SD_OK) {
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

/* Find --config in argv and load the file before the flags apply. */
static int
sd_config_load_file(struct sd_config *cfg, int argc, char **argv,
    char err[SD_ERR_LEN])
{
	struct ini_ctx ctx = { cfg, "" };
	const char *path = NULL;
	char *text = NULL;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "--config") == 0 ||
		    strcmp(argv[i], "-c") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0')
			path = argv[i] + 2;
	}
	if (path == NULL)
		return SD_OK;
	if (set_str(&cfg->config_file, path) != SD_OK)
		return SD_ERR_NOMEM;
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
	return SD_OK;
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

/* Parse the flags over what the file set. */
static int
config_parse_flags(struct sd_config *cfg, int argc, char **argv,
    char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN];
	const struct option *o;
	int c, idx, cli_bind = 0;

	optind = 0;
	opterr = 0;
	for (;;) {
		idx = -1;
		c = getopt_long(argc, argv, ":p:b:d:c:hV", sd_long_opts,
		    &idx);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			snprintf(err, SD_ERR_LEN, c == '?' ?
			    "%s: unknown option (see --help)" :
			    "%s: needs a value", argv[optind - 1]);
			return SD_ERR_INVAL;
		}
		if (c == O_HELP) {
			sd_config_usage(stdout);
			return 1;
		}
		if (c == O_VERSION) {
			printf("sockdeckd %s\n", SD_VERSION);
			return 1;
		}
		if (c == O_CONFIG)
			continue;
		if (c == O_BIND && !cli_bind) {
			/* The flags replace the file's addresses. */
			clear_binds(cfg);
			cli_bind = 1;
		}
		if (sd_config_set(cfg, c, optarg ? optarg : "", why) != SD_OK) {
			for (o = sd_long_opts; o->val != c; o++)
				;
			snprintf(err, SD_ERR_LEN, "--%s: %.200s", o->name, why);
			return SD_ERR_INVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, SD_ERR_LEN,
		    "%s: unexpected argument (see --help)", argv[optind]);
		return SD_ERR_INVAL;
	}
	return sd_config_check(cfg, err);
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

int
sd_config_parse(struct sd_config *cfg, int argc, char **argv,
    char err[SD_ERR_LEN])
{
	int rc;

	if (sd_config_load_file(cfg, argc, argv, err) != SD_OK)
		return config_fail(err);
	rc = config_parse_flags(cfg, argc, argv, err);
	if (rc == SD_OK)
		rc = config_check_fds(cfg, err);
	if (rc != SD_OK && rc != 1)
		return config_fail(err);
	return rc;
}

const char *
sd_config_control_path(const struct sd_config *cfg, char *buf, size_t len)
{
	if (cfg->control_path != NULL)
		return cfg->control_path;
	snprintf(buf, len, "%s/control.sock", cfg->data_dir);
	return buf;
}
