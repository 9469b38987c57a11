/*
 * sd_config.h: sockdeckd's settings, from the command line and from a
 * key = value file (libinih), through one setter so both accept the same
 * names and values. Command-line flags win over the file.
 */
#ifndef SD_CONFIG_H
#define SD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sd_admit.h"
#include "sd_pipeline.h"
#include "sd_sink_influx.h"
#include "sd_sink_kafka.h"
#include "sd_util.h"

struct sd_config {
	uint16_t	*ports;		/* sorted, unique */
	size_t		 nports;
	char		**binds;	/* NULL: every IPv4 and IPv6 address */
	size_t		 nbinds;
	char		*data_dir;
	char		*control_path;	/* NULL: DATA_DIR/control.sock */
	char		*config_file;
	int		 headless;
	uint64_t	 refresh;	/* dashboard snapshots, seconds */
	int		 log_json;
	char		*reply_format;
	char		*server_name;
	char		*token;		/* HELLO must carry it, when set */
	uint64_t	 max_clients;
	uint64_t	 max_clients_per_port;	/* 0: no per-port cap */
	uint64_t	 max_clients_per_ip;	/* 0: no per-address cap */
	struct sd_admit_rule *allow;	/* --allow, --deny, --legacy */
	size_t		 nallow;
	struct sd_admit_rule *deny;
	size_t		 ndeny;
	struct sd_admit_rule *legacy;
	size_t		 nlegacy;
	uint64_t	 max_msg;
	uint64_t	 max_file;
	uint64_t	 out_buffer;
	uint64_t	 idle_timeout;	/* seconds, 0: never */
	uint64_t	 frame_timeout;	/* seconds, 0: never */
	uint64_t	 device_rate;	/* bytes a device may send, 0: any */
	uint64_t	 device_rate_secs;	/* ... in this many seconds */
	uint64_t	 keepalive;	/* seconds, 0: off */
	uint64_t	 shutdown_timeout;
	/* What the readings take: names, tags, the spool and its sinks. */
	struct sd_pipeline_opts		pipe;
	struct sd_sink_influx_opts	influx;
	struct sd_sink_kafka_opts	kafka;
};

/* Fill in the defaults. */
int sd_config_init(struct sd_config *cfg);
void sd_config_done(struct sd_config *cfg);

/*
 * Parse sockdeckd's arguments (argv[0] is the program), reading the
 * --config file first. Returns SD_OK; SD_ERR_INVAL with a one-line
 * message in err (naming the flag and what it accepts); or 1 when the
 * caller should just exit 0 (--help, --version printed).
 */
int sd_config_parse(struct sd_config *cfg, int argc, char **argv,
    char err[SD_ERR_LEN]);

/* Parse "5000-5009,6000" into a sorted unique list. */
int sd_config_parse_ports(const char *s, uint16_t **ports, size_t *n);

/* The control socket's path (cfg->control_path or the default). */
const char *sd_config_control_path(const struct sd_config *cfg,
    char *buf, size_t len);

/* Print --help. */
void sd_config_usage(FILE *fp);

#endif
