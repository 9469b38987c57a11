/*
 * sockdeckd.c: the server program. Wires the core to a front end: the
 * headless logger and the control socket (the dashboard comes later),
 * runs the one event loop, and turns SIGINT/SIGTERM into a shutdown.
 * "sockdeckd ctl …" is the control socket's command-line client.
 */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_config.h"
#include "sd_ctl.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_hlog.h"
#include "sd_server.h"

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sd_server *srv = arg;

	(void)what;
	sd_server_shutdown(srv, sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Run the server until it is told to stop; the exit status. */
static int
run(const struct sd_config *cfg)
{
	struct event_base *base = event_base_new();
	struct sd_events *bus = sd_events_new();
	struct sd_hlog hlog = { 0 };
	struct sd_server *srv = NULL;
	struct sd_ctl *ctl = NULL;
	struct event *sigint = NULL, *sigterm = NULL;
	char err[SD_ERR_LEN], path[4096];
	int rc = 1;

	if (base == NULL || bus == NULL) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		goto out;
	}
	sd_hlog_start(&hlog, bus, stdout, cfg->log_json);
	if (sd_server_new(base, cfg, bus, &srv, err) != SD_OK) {
		fprintf(stderr, "sockdeckd: %s\n", err);
		goto out;
	}
	ctl = sd_ctl_new(srv, sd_config_control_path(cfg, path, sizeof(path)),
	    err);
	if (ctl == NULL) {
		fprintf(stderr, "sockdeckd: %s\n", err);
		goto out;
	}
	sigint = evsignal_new(base, SIGINT, signal_cb, srv);
	sigterm = evsignal_new(base, SIGTERM, signal_cb, srv);
	if (sigint == NULL || sigterm == NULL) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		goto out;
	}
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	event_base_dispatch(base);
	rc = 0;
out:
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	sd_ctl_free(ctl);
	sd_server_free(srv);
	sd_hlog_stop(&hlog, bus);
	sd_events_free(bus);
	if (base != NULL)
		event_base_free(base);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sd_config cfg;
	char err[SD_ERR_LEN];
	int rc;

	/* A write past a file size limit must fail with EFBIG and be
	 * reported like a full disk, not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return sd_ctlcli_main(argc - 1, argv + 1);
	if (sd_config_init(&cfg) != SD_OK) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		return 1;
	}
	rc = sd_config_parse(&cfg, argc, argv, err);
	if (rc != SD_OK) {
		if (rc != 1)
			fprintf(stderr, "sockdeckd: %s\n", err);
		sd_config_done(&cfg);
		return rc == 1 ? 0 : 2;
	}
	if (!cfg.headless && isatty(STDOUT_FILENO))
		fprintf(stderr, "sockdeckd: no dashboard in this build yet; "
		    "running headless\n");
	rc = run(&cfg);
	sd_config_done(&cfg);
	return rc;
}
