/*
 * sd_config.h: sockdeckd's settings, from the command line and from a
 * key = value file (libinih). One table (sd_config_opts) has a row per
 * option; the long options, the file's keys, the checks, the defaults
 * and --help all come from it, through one setter, so the command line
 * and the file accept the same names and values. Command-line flags win
 * over the file.
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
	int		 keep_on_hangup;	/* terminal lost: go headless */
	uint64_t	 refresh;	/* dashboard snapshots, seconds */
	int		 log_json;
	char		*reply_format;
	char		*file_reply_format;
	char		*server_name;
	char		*token;		/* HELLO must carry it, when set */
	char		*devices;	/* the registry's file (sd_registry) */
	uint64_t	 max_clients;
	uint64_t	 max_clients_per_port;	/* 0: no per-port cap */
	uint64_t	 max_clients_per_ip;	/* 0: no per-address cap */
	struct sd_admit_rule *allow;	/* --allow, --deny, --legacy */
	size_t		 nallow;
	struct sd_admit_rule *deny;
	size_t		 ndeny;
	struct sd_admit_rule *legacy;
	size_t		 nlegacy;
	uint16_t	*proxy_ports;	/* --proxy-protocol: sorted,
					   unique, each in ports */
	size_t		 nproxy_ports;
	struct sd_admit_rule *proxy_from;	/* who may send PROXY */
	size_t		 nproxy_from;
	uint64_t	 max_msg;
	uint64_t	 max_file;
	uint64_t	 out_buffer;
	uint64_t	 idle_timeout;	/* seconds, 0: never */
	uint64_t	 frame_timeout;	/* seconds, 0: never */
	uint64_t	 stall_seconds;	/* no byte this long: stalled */
	uint64_t	 device_timeout;	/* 0: by its interval */
	uint64_t	 device_save;	/* seconds between devices writes */
	uint64_t	 device_rate;	/* bytes a device may send, 0: any */
	uint64_t	 device_rate_secs;	/* ... in this many seconds */
	uint64_t	 keepalive;	/* seconds, 0: off */
	uint64_t	 shutdown_timeout;
	char		*metrics_listen;	/* ADDR:PORT, NULL: off */
	uint64_t	 ready_sink_grace;	/* seconds (sd_metrics) */
	/* TLS on some of the ports (sd_tls) */
	uint16_t	*tls_ports;	/* sorted, unique, each in ports */
	size_t		 ntls_ports;
	char		*tls_cert;	/* PEM: the certificate, then chain */
	char		*tls_key;	/* PEM private key, no passphrase */
	int		 tls_min_version;	/* 12 or 13: TLS 1.2, 1.3 */
	char		*tls_ciphers;	/* TLS <= 1.2, OpenSSL's syntax */
	char		*tls_ciphersuites;	/* TLS 1.3 */
	uint64_t	 tls_handshake_timeout;	/* seconds */
	char		*tls_client_ca;	/* PEM CAs: ask for client certs */
	int		 tls_require_client_cert;
	int		 tls_identity;	/* SD_TLS_ID_*: a cert's identity */
	/* What the readings take: names, tags, the spool and its sinks. */
	struct sd_pipeline_opts		pipe;
	struct sd_sink_influx_opts	influx;
	struct sd_sink_kafka_opts	kafka;
};

/* What of a client certificate is its identity (--tls-identity). */
enum sd_tls_id {
	SD_TLS_ID_FINGERPRINT,	/* "sha256:" and the DER's digest in hex */
	SD_TLS_ID_CN,		/* the subject's commonName */
	SD_TLS_ID_URI,		/* the first subjectAltName URI */
	SD_TLS_ID_DNS		/* the first subjectAltName DNS name */
};

/* What an option takes, and how it lands in struct sd_config. */
enum sd_config_type {
	SD_CONFIG_FLAG,		/* int set to 1; a file says true or false */
	SD_CONFIG_STR,		/* char *, of min to max bytes */
	SD_CONFIG_STRS,		/* char **, one more each time: count at cnt */
	SD_CONFIG_U64,		/* uint64_t, a number from min to max */
	SD_CONFIG_SIZE,		/* uint64_t, k, M or G suffix, min to max */
	SD_CONFIG_AGE,		/* uint64_t seconds; s, m, h or d suffix */
	SD_CONFIG_PORTS,	/* uint16_t *, sorted, unique: count at cnt */
	SD_CONFIG_ENUM,		/* int: the value of one of names */
	SD_CONFIG_RULES,	/* struct sd_admit_rule *, added by rules() */
	SD_CONFIG_FUNC,		/* parse() sets what it sets */
	SD_CONFIG_FILE,		/* --config: the command line only, */
	SD_CONFIG_HELP,		/* like --help */
	SD_CONFIG_VERSION,	/* and --version */
};

/* flags of a row */
#define SD_CONFIG_CLI_REPLACES	0x1	/* the flags replace the file's list */
#define SD_CONFIG_HELP_ABOVE	0x2	/* --help names it in the row above */

/* An ENUM option's words and the values they set. */
struct sd_config_name {
	const char	*name;
	int		 value;
};

/* One option: both --name and the file's "name = value". */
struct sd_config_opt {
	const char	*name;
	char		 letter;	/* -l as well, or 0 */
	enum sd_config_type type;
	int		 flags;		/* SD_CONFIG_CLI_REPLACES, ... */
	size_t		 at;		/* offsetof(struct sd_config, ...) */
	size_t		 cnt;		/* lists: offsetof their count */
	uint64_t	 min, max;	/* numbers; strings: their length */
	const char	*def;		/* the default, as a user writes it */
	const char	*arg;		/* --help: the value's name */
	const char	*help;		/* --help: one line ('\n': and more) */
	const char	*want;		/* error: what the value must be */
	const struct sd_config_name *names;	/* ENUM: NULL-terminated */
	/* STR, STRS: NULL when v will do, else what it must be */
	const char	*(*check)(const char *v);
	int		(*rules)(const char *v, struct sd_admit_rule **r,
			    size_t *n);	/* RULES: append v's rules */
	int		(*parse)(struct sd_config *cfg, const char *v);
	size_t		 len;		/* FUNC: the bytes at at it sets */
};

/* The table, in --help order. */
extern const struct sd_config_opt sd_config_opts[];
extern const size_t sd_config_nopts;

/* The row of --name (NULL: none). */
const struct sd_config_opt *sd_config_find(const char *name);

/* Whether a config file may set o (--config, --help and --version not). */
int sd_config_in_file(const struct sd_config_opt *o);

/*
 * Set o from v, as the command line or a file line would (a FLAG takes
 * true, yes, 1, false, no or 0). SD_OK, or SD_ERR_INVAL / SD_ERR_NOMEM
 * with what the value must be in err (the caller adds the option's name).
 */
int sd_config_set(struct sd_config *cfg, const struct sd_config_opt *o,
    const char *v, char err[SD_ERR_LEN]);

/* Whether a and b hold the same value of o (a reload's "changed"). */
int sd_config_same(const struct sd_config *a, const struct sd_config *b,
    const struct sd_config_opt *o);

/* Give dst a copy of src's value of o, freeing dst's: SD_OK or
 * SD_ERR_NOMEM (dst's value is then the empty one). */
int sd_config_copy(struct sd_config *dst, const struct sd_config *src,
    const struct sd_config_opt *o);

/* Fill in the defaults (every row's def, and the host name). */
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

/* The addresses to listen on: --bind's, or every IPv4 and IPv6 one. */
#define SD_NADDRS(cfg)	((cfg)->nbinds ? (cfg)->nbinds : 2)
#define SD_ADDR(cfg, j)	((cfg)->nbinds ? (cfg)->binds[j] : \
	(j) == 0 ? "0.0.0.0" : "::")

/* Whether port is one of --tls-ports. */
int sd_config_tls_port(const struct sd_config *cfg, uint16_t port);

/* Whether port is one of --proxy-protocol. */
int sd_config_proxy_port(const struct sd_config *cfg, uint16_t port);

/* Parse "5000-5009,6000" into a sorted unique list. */
int sd_config_parse_ports(const char *s, uint16_t **ports, size_t *n);

/* The control socket's path (cfg->control_path or the default). */
const char *sd_config_control_path(const struct sd_config *cfg,
    char *buf, size_t len);

/* Print --help: the table's rows. */
void sd_config_usage(FILE *fp);

#endif
