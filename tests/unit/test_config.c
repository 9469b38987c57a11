/*
 * test_config.c: the option table of sd_config.c, row by row: every row
 * is whole (a unique name, help text, bounds, a default within them that
 * --help states), the generated checks refuse one past each bound, and
 * every option the command line takes a config file takes too, landing
 * in the same place with the same value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_config.h"
#include "sd_err.h"
#include "sd_proto.h"
#include "sd_spool.h"
#include "sd_test.h"

#define MAX_CTX	5

/* A value for each option, and what it needs beside it to be valid. */
struct sample {
	const char	*name;
	const char	*value;
	const char	*ctx[MAX_CTX];
};

#define URL	"--influx-url=http://h"
#define TLS	"--ports=6000-6001", "--tls-ports=6001", "--tls-cert=/c.pem", \
	"--tls-key=/k.pem"
static const struct sample samples[] = {
	{ "ports", "6000-6001", { NULL } },
	{ "bind", "127.0.0.1", { NULL } },
	{ "data-dir", "/tmp/sd-x", { NULL } },
	{ "headless", "true", { NULL } },
	{ "keep-on-hangup", "true", { NULL } },
	{ "control", "/tmp/sd-c.sock", { NULL } },
	{ "refresh", "30", { NULL } },
	{ "log-format", "json", { NULL } },
	{ "reply-format", "R {text}", { NULL } },
	{ "file-reply-format", "F {name} {size}", { NULL } },
	{ "server-name", "srv", { NULL } },
	{ "token", "tok", { NULL } },
	{ "devices", "/tmp/sd-devices", { NULL } },
	{ "max-clients", "7", { NULL } },
	{ "max-clients-per-port", "3", { NULL } },
	{ "max-clients-per-ip", "5", { NULL } },
	{ "allow", "10.0.0.0/8", { NULL } },
	{ "deny", "10.1.0.0/16@5000", { NULL } },
	{ "legacy", "off@5001", { NULL } },
	{ "max-msg", "4k", { NULL } },
	{ "max-file", "1G", { NULL } },
	{ "out-buffer", "8k", { NULL } },
	{ "idle-timeout", "61", { NULL } },
	{ "frame-timeout", "10", { NULL } },
	{ "stall-seconds", "3", { NULL } },
	{ "device-timeout", "120", { NULL } },
	{ "device-save", "5", { NULL } },
	{ "device-rate", "1k/30", { NULL } },
	{ "keepalive", "0", { NULL } },
	{ "shutdown-timeout", "9", { NULL } },
	{ "metrics-listen", "[::1]:9464", { NULL } },
	{ "ready-sink-grace", "5", { NULL } },
	{ "tls-ports", "6001", { "--ports=6000-6001", "--tls-cert=/c.pem",
	    "--tls-key=/k.pem" } },
	{ "tls-cert", "/tmp/c.pem", { NULL } },
	{ "tls-key", "/tmp/k.pem", { NULL } },
	{ "tls-min-version", "1.3", { NULL } },
	{ "tls-ciphers", "ECDHE+AESGCM", { NULL } },
	{ "tls-ciphersuites", "TLS_AES_128_GCM_SHA256", { NULL } },
	{ "tls-handshake-timeout", "3", { NULL } },
	{ "tls-client-ca", "/tmp/ca.pem", { TLS } },
	{ "tls-require-client-cert", "true", { TLS, "--tls-client-ca=/a" } },
	{ "tls-identity", "uri", { TLS, "--tls-client-ca=/a" } },
	{ "measurement", "m", { NULL } },
	{ "field", "f", { NULL } },
	{ "device-tag", "mac", { NULL } },
	{ "extra-tags", "port,peer", { NULL } },
	{ "spool-max", "8k", { NULL } },
	{ "spool-full", "drop-oldest", { NULL } },
	{ "spool-retain", "0", { NULL } },
	{ "spool-retain-age", "7d", { NULL } },
	{ "fsync", "always", { NULL } },
	{ "influx-url", "https://h", { "--influx-db=d" } },
	{ "influx-db", "d2", { URL } },
	{ "influx-user", "u", { URL, "--influx-db=d" } },
	{ "influx-password", "p", { URL, "--influx-db=d" } },
	{ "influx-org", "o", { URL, "--influx-bucket=b", "--influx-token=t" } },
	{ "influx-bucket", "b", { URL, "--influx-org=o", "--influx-token=t" } },
	{ "influx-token", "t", { URL, "--influx-org=o", "--influx-bucket=b" } },
	{ "influx-batch", "9", { URL, "--influx-db=d" } },
	{ "influx-flush-ms", "5", { URL, "--influx-db=d" } },
	{ "influx-timeout", "3", { URL, "--influx-db=d" } },
	{ "influx-gzip", "true", { URL, "--influx-db=d" } },
	{ "influx-parallel", "8", { URL, "--influx-db=d" } },
	{ "kafka-brokers", "k:9092", { NULL } },
	{ "kafka-topic", "t", { NULL } },
	{ "kafka-format", "raw", { NULL } },
	{ "kafka-opt", "acks=1", { NULL } },
	{ "node-id", "n-1.a_b", { NULL } },
	{ "proxy-protocol", "6001", { "--ports=6000-6001",
	    "--proxy-from=10.0.0.0/8" } },
	{ "proxy-from", "10.0.0.0/8,::1/128", { NULL } },
};
#define NSAMPLES	(sizeof(samples) / sizeof(samples[0]))

/* Where o's value is in cfg. */
static const void *
row_value(const struct sd_config *cfg, const struct sd_config_opt *o)
{
	return (const char *)cfg + o->at;
}

/* The count of o's list in cfg. */
static size_t
row_count(const struct sd_config *cfg, const struct sd_config_opt *o)
{
	return *(const size_t *)((const char *)cfg + o->cnt);
}

/* Whether a and b hold the same value for o. */
static int
row_same(const struct sd_config *a, const struct sd_config *b,
    const struct sd_config_opt *o)
{
	const void *va = row_value(a, o), *vb = row_value(b, o);
	const char *sa, *sb;

	switch (o->type) {
	case SD_CONFIG_STR:
		sa = *(char *const *)va;
		sb = *(char *const *)vb;
		return sa == sb || (sa && sb && strcmp(sa, sb) == 0);
	case SD_CONFIG_STRS:
		return row_count(a, o) == row_count(b, o) && (!row_count(a, o)
		    || strcmp((*(char **const *)va)[0],
		    (*(char **const *)vb)[0]) == 0);
	case SD_CONFIG_PORTS:
		return row_count(a, o) == row_count(b, o) && (!row_count(a, o)
		    || memcmp(*(uint16_t *const *)va, *(uint16_t *const *)vb,
		    row_count(a, o) * sizeof(uint16_t)) == 0);
	case SD_CONFIG_RULES:
		return row_count(a, o) == row_count(b, o);
	case SD_CONFIG_U64:
	case SD_CONFIG_SIZE:
	case SD_CONFIG_AGE:
		return memcmp(va, vb, sizeof(uint64_t)) == 0;
	case SD_CONFIG_FLAG:
	case SD_CONFIG_ENUM:
		return memcmp(va, vb, sizeof(int)) == 0;
	default:	/* FUNC: the two there are */
		if (strcmp(o->name, "device-rate") == 0)
			return a->device_rate == b->device_rate &&
			    a->device_rate_secs == b->device_rate_secs;
		return a->pipe.tag_port == b->pipe.tag_port &&
		    a->pipe.tag_peer == b->pipe.tag_peer;
	}
}

/* Every row is whole: name, help, bounds, what an error says. */
static void
test_rows(void)
{
	const struct sd_config_opt *o, *p;
	size_t i, j;

	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		CHECK(o->name != NULL && o->name[0] != '\0');
		for (j = 0; j < i; j++) {
			p = &sd_config_opts[j];
			CHECK(strcmp(p->name, o->name) != 0);
			CHECK(o->letter == 0 || p->letter != o->letter);
		}
		if (o->flags & SD_CONFIG_HELP_ABOVE) {
			/* The row above's line names it: "--name ARG". */
			char want[128];

			CHECK(i > 0 && o->arg != NULL && o->help == NULL);
			snprintf(want, sizeof(want), "--%s %s", o->name,
			    o->arg ? o->arg : "");
			CHECK(i > 0 && strstr(sd_config_opts[i - 1].help,
			    want) != NULL);
		} else if (o->help == NULL || o->help[0] == '\0') {
			fprintf(stderr, "--%s has no help text\n", o->name);
			CHECK(0);
		}
		if (o->type == SD_CONFIG_U64 || o->type == SD_CONFIG_SIZE ||
		    o->type == SD_CONFIG_STR || o->type == SD_CONFIG_STRS) {
			if (o->max <= o->min)
				fprintf(stderr, "--%s has no bounds\n",
				    o->name);
			CHECK(o->max > o->min);
		}
		if ((o->type == SD_CONFIG_STR || o->type == SD_CONFIG_STRS) &&
		    (o->min > 0 || o->max < UINT64_MAX))
			CHECK(o->want != NULL);
		if (o->type == SD_CONFIG_PORTS || o->type == SD_CONFIG_AGE ||
		    o->type == SD_CONFIG_RULES || o->type == SD_CONFIG_FUNC)
			CHECK(o->want != NULL);
		if (o->type == SD_CONFIG_ENUM)
			CHECK(o->names != NULL && o->names[0].name != NULL);
		CHECK(o->type != SD_CONFIG_RULES || o->rules != NULL);
		CHECK(o->type != SD_CONFIG_FUNC || o->parse != NULL);
		CHECK(sd_config_find(o->name) == o);
	}
	CHECK(sd_config_find("no-such-option") == NULL);
}

/* Whether o's help says its default: "(DEF)", "(DEF; ...)" or
 * "(DEF: what it means)". */
static int
says_default(const struct sd_config_opt *o)
{
	const char *p = o->help;
	size_t n = strlen(o->def);

	for (p = strchr(p, '('); p != NULL; p = strchr(p + 1, '(')) {
		if (strncmp(p + 1, o->def, n) == 0 && p[1 + n] != '\0' &&
		    strchr(");:", p[1 + n]) != NULL)
			return 1;
	}
	return 0;
}

/* Each default is accepted by its own row, lies within the bounds, and
 * is the one --help states; the modules' own constants agree. */
static void
test_defaults(void)
{
	struct sd_config cfg;
	const struct sd_config_opt *o;
	char err[SD_ERR_LEN];
	uint64_t v;
	size_t i;

	CHECK_EQ(sd_config_init(&cfg), SD_OK);
	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		if (o->def == NULL)
			continue;
		CHECK_EQ(sd_config_set(&cfg, o, o->def, err), SD_OK);
		if (o->type == SD_CONFIG_U64 || o->type == SD_CONFIG_SIZE) {
			memcpy(&v, row_value(&cfg, o), sizeof(v));
			CHECK(v >= o->min && v <= o->max);
		}
		if (!says_default(o))
			fprintf(stderr, "--%s: help does not say (%s)\n",
			    o->name, o->def);
		CHECK(says_default(o));
	}
	CHECK_EQ(cfg.max_msg, SD_PROTO_MAX_MSG);
	CHECK_EQ(cfg.pipe.spool_retain, SD_SPOOL_RETAIN);
	CHECK_EQ(cfg.pipe.fsync, SD_FSYNC_EVERYSEC);
	CHECK_EQ(cfg.device_rate_secs, 60);
	CHECK(cfg.server_name != NULL && cfg.server_name[0] != '\0');
	sd_config_done(&cfg);
}

/* Numbers: each bound is taken, one past it refused, saying the range. */
static void
test_bounds(void)
{
	struct sd_config cfg;
	const struct sd_config_opt *o;
	char err[SD_ERR_LEN], v[32], range[64];
	size_t i;

	CHECK_EQ(sd_config_init(&cfg), SD_OK);
	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		if (o->type != SD_CONFIG_U64 && o->type != SD_CONFIG_SIZE)
			continue;
		snprintf(range, sizeof(range), "from %llu to %llu",
		    (unsigned long long)o->min, (unsigned long long)o->max);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)o->min);
		CHECK_EQ(sd_config_set(&cfg, o, v, err), SD_OK);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)o->max);
		CHECK_EQ(sd_config_set(&cfg, o, v, err), SD_OK);
		if (o->max < UINT64_MAX) {
			snprintf(v, sizeof(v), "%llu",
			    (unsigned long long)o->max + 1);
			CHECK_EQ(sd_config_set(&cfg, o, v, err),
			    SD_ERR_INVAL);
			CHECK(strstr(err, range) != NULL);
		}
		if (o->min > 0) {
			snprintf(v, sizeof(v), "%llu",
			    (unsigned long long)o->min - 1);
			CHECK_EQ(sd_config_set(&cfg, o, v, err),
			    SD_ERR_INVAL);
			CHECK(strstr(err, range) != NULL);
		}
	}
	sd_config_done(&cfg);
}

/* Write "name = value\n" to a new file; its path into path. */
static int
write_conf(char *path, size_t len, const char *name, const char *value)
{
	FILE *fp;
	int fd;

	snprintf(path, len, "/tmp/sd-test-config-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		close(fd);
		return -1;
	}
	fprintf(fp, "%s = %s\n", name, value);
	return fclose(fp) == 0 ? 0 : -1;
}

/* Parse ctx plus one more argument (or two) into cfg. */
static int
parse_with(struct sd_config *cfg, const struct sample *s, const char *a1,
    const char *a2, char err[SD_ERR_LEN])
{
	char *argv[2 + MAX_CTX + 2];
	int argc = 0, i;

	argv[argc++] = (char *)"sockdeckd";
	for (i = 0; i < MAX_CTX && s->ctx[i] != NULL; i++)
		argv[argc++] = (char *)s->ctx[i];
	argv[argc++] = (char *)a1;
	if (a2 != NULL)
		argv[argc++] = (char *)a2;
	argv[argc] = NULL;
	if (sd_config_init(cfg) != SD_OK)
		return SD_ERR_NOMEM;
	return sd_config_parse(cfg, argc, argv, err);
}

/* Whether p is one of the options s needs beside it. */
static int
in_ctx(const struct sample *s, const struct sd_config_opt *p)
{
	size_t i, n = strlen(p->name);

	for (i = 0; i < MAX_CTX && s->ctx[i] != NULL; i++) {
		if (strncmp(s->ctx[i] + 2, p->name, n) == 0 &&
		    s->ctx[i][2 + n] == '=')
			return 1;
	}
	return 0;
}

/* Whether o, set as s says in cfg, left every other option alone. */
static int
only_its_own(const struct sd_config *cfg, const struct sd_config *def,
    const struct sd_config_opt *o, const struct sample *s)
{
	const struct sd_config_opt *p;
	size_t i;
	int ok = 1;

	for (i = 0; i < sd_config_nopts; i++) {
		p = &sd_config_opts[i];
		if (p == o || !sd_config_in_file(p) || in_ctx(s, p) ||
		    row_same(cfg, def, p))
			continue;
		fprintf(stderr, "--%s %s changed --%s too\n", o->name,
		    s->value, p->name);
		ok = 0;
	}
	return ok;
}

/* One option on the command line and in a file: both accepted, the same
 * value, not the default, and no other option touched. */
static void
check_both_ways(const struct sd_config_opt *o, const struct sample *s)
{
	struct sd_config def, cli, file;
	char err[SD_ERR_LEN], arg[128], path[64];
	int rc;

	snprintf(arg, sizeof(arg), "--%s=%s", o->name, s->value);
	if (o->type == SD_CONFIG_FLAG)
		snprintf(arg, sizeof(arg), "--%s", o->name);
	rc = parse_with(&cli, s, arg, NULL, err);
	if (rc != SD_OK)
		fprintf(stderr, "%s: %s\n", arg, err);
	CHECK_EQ(rc, SD_OK);
	CHECK_EQ(write_conf(path, sizeof(path), o->name, s->value), 0);
	rc = parse_with(&file, s, "--config", path, err);
	if (rc != SD_OK)
		fprintf(stderr, "%s = %s: %s\n", o->name, s->value, err);
	CHECK_EQ(rc, SD_OK);
	unlink(path);
	CHECK_EQ(sd_config_init(&def), SD_OK);
	if (!row_same(&cli, &file, o) || row_same(&cli, &def, o))
		fprintf(stderr, "--%s %s: lands differently\n", o->name,
		    s->value);
	CHECK(row_same(&cli, &file, o));
	CHECK(!row_same(&cli, &def, o));
	CHECK(only_its_own(&cli, &def, o, s));
	sd_config_done(&def);
	sd_config_done(&file);
	sd_config_done(&cli);
}

/* Every option the command line takes, a file takes, and vice versa;
 * --config, --help and --version are the command line's alone. */
static void
test_cli_and_file(void)
{
	const struct sd_config_opt *o;
	char err[SD_ERR_LEN], path[64];
	struct sd_config cfg;
	const struct sample *s;
	size_t i, j;

	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		for (j = 0; j < NSAMPLES; j++) {
			if (strcmp(samples[j].name, o->name) == 0)
				break;
		}
		if (!sd_config_in_file(o)) {
			CHECK_EQ(write_conf(path, sizeof(path), o->name, "x"),
			    0);
			CHECK_EQ(parse_with(&cfg, &samples[0], "--config",
			    path, err), SD_ERR_INVAL);
			CHECK(strstr(err, "unknown setting") != NULL);
			unlink(path);
			sd_config_done(&cfg);
			continue;
		}
		if (j == NSAMPLES)
			fprintf(stderr, "--%s: no sample value\n", o->name);
		CHECK(j < NSAMPLES);
		s = j < NSAMPLES ? &samples[j] : NULL;
		if (s != NULL)
			check_both_ways(o, s);
	}
}

/* --help names the subcommands (ctl, attach, device) in its usage
 * lines and has a line for each row (but those named above), in the
 * table's order, within 80 columns. */
static void
test_help(void)
{
	char *text = NULL, *line, *save = NULL, want[64];
	size_t len = 0, i = 0;
	const struct sd_config_opt *o;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	sd_config_usage(fp);
	fclose(fp);
	CHECK(strstr(text, "\n       sockdeckd ctl [") != NULL);
	CHECK(strstr(text, "\n       sockdeckd attach [") != NULL);
	CHECK(strstr(text, "\n       sockdeckd device [") != NULL);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		CHECK(strlen(line) <= 80);
		while (i < sd_config_nopts &&
		    (sd_config_opts[i].flags & SD_CONFIG_HELP_ABOVE))
			i++;
		if (i == sd_config_nopts)
			continue;
		o = &sd_config_opts[i];
		snprintf(want, sizeof(want), "--%s", o->name);
		if (strlen(line) > 6 &&
		    strncmp(line + 6, want, strlen(want)) == 0)
			i++;
	}
	CHECK_EQ(i, sd_config_nopts);
	free(text);
}

/* Parse argv (after "sockdeckd"); the max-clients it leaves, or 0. */
static uint64_t
max_clients_after(const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)"sockdeckd", (char *)a1, (char *)a2,
	    (char *)a3, NULL };
	int argc = a3 ? 4 : a2 ? 3 : 2;
	char err[SD_ERR_LEN];
	struct sd_config cfg;
	uint64_t n = 0;

	if (sd_config_init(&cfg) == SD_OK &&
	    sd_config_parse(&cfg, argc, argv, err) == SD_OK)
		n = cfg.max_clients;
	sd_config_done(&cfg);
	return n;
}

/* --config is found as getopt finds every flag: in each form getopt
 * takes (an abbreviation too), and not where it is another's value. */
static void
test_config_forms(void)
{
	char path[64], eq[80], glued[80];

	CHECK_EQ(write_conf(path, sizeof(path), "max-clients", "77"), 0);
	snprintf(eq, sizeof(eq), "--config=%s", path);
	snprintf(glued, sizeof(glued), "-c%s", path);
	CHECK_EQ(max_clients_after("--config", path, NULL), 77);
	CHECK_EQ(max_clients_after(eq, NULL, NULL), 77);
	CHECK_EQ(max_clients_after("-c", path, NULL), 77);
	CHECK_EQ(max_clients_after(glued, NULL, NULL), 77);
	/* getopt_long takes a unique prefix: so must the file's search. */
	CHECK_EQ(max_clients_after("--conf", path, NULL), 77);
	/* Here -c is the token, not a flag: no file is read. */
	CHECK_EQ(max_clients_after("--token", "-c", "--max-clients=5"), 5);
	/* The search leaves argv as it was: a flag that lacks its value
	 * does not take a word before it. */
	CHECK_EQ(max_clients_after("7", "--max-clients", NULL), 0);
	unlink(path);
}

/* A reload's view of a row: sd_config_same tells a sample's value from
 * the default as the test's own comparison does, and sd_config_copy
 * gives the default the sample's value, a copy that outlives the
 * sample's settings. */
static void
check_same_copy(const struct sd_config_opt *o, const struct sample *s)
{
	struct sd_config def, cli;
	char err[SD_ERR_LEN], arg[128];

	snprintf(arg, sizeof(arg), "--%s=%s", o->name, s->value);
	if (o->type == SD_CONFIG_FLAG)
		snprintf(arg, sizeof(arg), "--%s", o->name);
	CHECK_EQ(parse_with(&cli, s, arg, NULL, err), SD_OK);
	CHECK_EQ(sd_config_init(&def), SD_OK);
	if (sd_config_same(&cli, &def, o))
		fprintf(stderr, "--%s %s: the same as the default\n",
		    o->name, s->value);
	CHECK(!sd_config_same(&cli, &def, o));
	CHECK(sd_config_same(&cli, &cli, o));
	CHECK_EQ(sd_config_copy(&def, &cli, o), SD_OK);
	CHECK(sd_config_same(&cli, &def, o));
	CHECK(row_same(&cli, &def, o));
	sd_config_done(&cli);
	sd_config_done(&def);	/* freed once: the copy is its own */
}

static void
test_same_copy(void)
{
	const struct sd_config_opt *o;
	struct sd_config a, b;
	char err[SD_ERR_LEN];
	size_t i, j;

	for (i = 0; i < sd_config_nopts; i++) {
		o = &sd_config_opts[i];
		for (j = 0; j < NSAMPLES; j++) {
			if (strcmp(samples[j].name, o->name) == 0)
				check_same_copy(o, &samples[j]);
		}
	}
	/* Lists of the same length differ by their items. */
	CHECK_EQ(parse_with(&a, &samples[0], "--allow=10.0.0.0/8", NULL,
	    err), SD_OK);
	CHECK_EQ(parse_with(&b, &samples[0], "--allow=10.0.0.0/9", NULL,
	    err), SD_OK);
	CHECK(!sd_config_same(&a, &b, sd_config_find("allow")));
	sd_config_done(&b);
	CHECK_EQ(parse_with(&b, &samples[0], "--allow=10.0.0.0/8@5000", NULL,
	    err), SD_OK);
	CHECK(!sd_config_same(&a, &b, sd_config_find("allow")));
	sd_config_done(&b);
	sd_config_done(&a);
}

static const struct sd_test_case cases[] = {
	{ "rows", test_rows },
	{ "defaults", test_defaults },
	{ "bounds", test_bounds },
	{ "cli_and_file", test_cli_and_file },
	{ "help", test_help },
	{ "config_forms", test_config_forms },
	{ "same_copy", test_same_copy },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
