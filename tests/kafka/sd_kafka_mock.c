/*
 * sd_kafka_mock: a librdkafka mock cluster for the sink tests.
 *
 *   sd_kafka_mock [TOPIC:PARTITIONS ...]
 *
 * Starts a mock cluster of three brokers (ids 1..3), creates the topics
 * given as arguments, prints `bootstrap <host:port,...>` on stdout, then
 * reads commands on stdin, one a line:
 *
 *   down N   broker N refuses connections (N = -1 or `all`: every broker)
 *   up N     broker N accepts connections again
 *   fail API ERR N
 *            the next N requests of API key API (0 Produce, 22
 *            InitProducerId, ...) fail with Kafka error code ERR
 *   quit     exit (so does end of input)
 *
 * `down`, `up` and `fail` answer `ok` (or `error <reason>`); unknown commands
 * answer `error unknown command`. The exit status is 0 after `quit` or
 * EOF, 1 when the cluster cannot be set up, 2 on bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

enum { BROKERS = 3, LINE_MAX_LEN = 256 };

/* Parse a decimal int in [lo, hi]; 0 on success, -1 otherwise. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* `TOPIC:PARTITIONS` -> the topic created on the mock cluster. */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *arg)
{
	char name[LINE_MAX_LEN];
	const char *colon = strrchr(arg, ':');
	size_t len;
	int parts = 1;
	rd_kafka_resp_err_t err;

	if (colon == NULL) {
		len = strlen(arg);
	} else {
		len = (size_t)(colon - arg);
		if (parse_int(colon + 1, 1, 10000, &parts) != 0) {
			fprintf(stderr, "sd_kafka_mock: bad partition count "
				"in %s\n", arg);
			return -1;
		}
	}
	if (len == 0 || len >= sizeof(name)) {
		fprintf(stderr, "sd_kafka_mock: bad topic name in %s\n", arg);
		return -1;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	err = rd_kafka_mock_topic_create(mc, name, parts, 1);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		fprintf(stderr, "sd_kafka_mock: creating topic %s: %s\n",
			name, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

static int say(const char *text)
{
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "sd_kafka_mock: stdout: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* `fail API ERR N`: the next N requests of API fail with ERR. */
static int fail_requests(rd_kafka_mock_cluster_t *mc, const char *api,
			 char **save)
{
	rd_kafka_resp_err_t errs[64];
	int key, code, n, i;

	if (parse_int(api, 0, 100, &key) != 0 ||
	    parse_int(strtok_r(NULL, " \t\r", save), -200, 200, &code) != 0 ||
	    parse_int(strtok_r(NULL, " \t\r", save), 1, 64, &n) != 0)
		return say("error usage: fail API ERR N (N 1 to 64)");
	for (i = 0; i < n; i++)
		errs[i] = (rd_kafka_resp_err_t)code;
	rd_kafka_mock_push_request_errors_array(mc, (int16_t)key, (size_t)n,
						errs);
	return say("ok");
}

/* One command line (without its newline); 1 to quit, -1 on an output
 * error, 0 otherwise. */
static int command(rd_kafka_mock_cluster_t *mc, char *line)
{
	char *save = NULL;
	char *verb = strtok_r(line, " \t\r", &save);
	char *arg = strtok_r(NULL, " \t\r", &save);
	char msg[LINE_MAX_LEN];
	rd_kafka_resp_err_t err;
	int id;

	if (verb == NULL)
		return 0;
	if (strcmp(verb, "quit") == 0)
		return 1;
	if (strcmp(verb, "fail") == 0)
		return fail_requests(mc, arg, &save);
	if (strcmp(verb, "down") != 0 && strcmp(verb, "up") != 0)
		return say("error unknown command");
	if (arg != NULL && strcmp(arg, "all") == 0)
		id = -1;
	else if (parse_int(arg, -1, INT_MAX, &id) != 0)
		return say("error bad broker id");
	if (strcmp(verb, "down") == 0)
		err = rd_kafka_mock_broker_set_down(mc, id);
	else
		err = rd_kafka_mock_broker_set_up(mc, id);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (snprintf(msg, sizeof(msg), "error %s",
			     rd_kafka_err2str(err)) < 0)
			return -1;
		return say(msg);
	}
	return say("ok");
}

int main(int argc, char **argv)
{
	char errstr[512];
	char line[LINE_MAX_LEN];
	char out[LINE_MAX_LEN * 4];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	const char *boot;
	int rc = 0;
	int r;

	conf = rd_kafka_conf_new();
	if (conf == NULL) {
		fprintf(stderr, "sd_kafka_mock: rd_kafka_conf_new failed\n");
		return 1;
	}
	/* The producer only owns the cluster; keep it from talking. */
	if (rd_kafka_conf_set(conf, "log_level", "3", errstr,
			      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "sd_kafka_mock: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		fprintf(stderr, "sd_kafka_mock: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, BROKERS);
	if (mc == NULL) {
		fprintf(stderr, "sd_kafka_mock: cannot create the cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (create_topic(mc, argv[i]) != 0) {
			rc = 2;
			goto done;
		}
	}
	boot = rd_kafka_mock_cluster_bootstraps(mc);
	if (boot == NULL) {
		fprintf(stderr, "sd_kafka_mock: no bootstrap servers\n");
		rc = 1;
		goto done;
	}
	r = snprintf(out, sizeof(out), "bootstrap %s", boot);
	if (r < 0 || (size_t)r >= sizeof(out)) {
		fprintf(stderr, "sd_kafka_mock: bootstrap list too long\n");
		rc = 1;
		goto done;
	}
	if (say(out) != 0) {
		rc = 1;
		goto done;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		r = command(mc, line);
		if (r < 0) {
			rc = 1;
			break;
		}
		if (r > 0)
			break;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "sd_kafka_mock: stdin: %s\n", strerror(errno));
		rc = 1;
	}
done:
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
}
