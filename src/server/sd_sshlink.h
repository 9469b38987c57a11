/*
 * sd_sshlink.h: a control socket on another machine, reached through
 * ssh(1) running "sockdeckd ctl --data-dir DIR proxy" there, for
 * "sockdeckd attach ssh://[USER@]HOST[:PORT][/DATA_DIR]". It owns the
 * URL's parsing, the ssh command line and the ssh child.
 */
#ifndef SD_SSHLINK_H
#define SD_SSHLINK_H

#include <sys/types.h>

#include "sd_util.h"

#define SD_SSHLINK_PREFIX	"ssh://"

/* How to run ssh: the config file (-F, or NULL), the remote
 * sockdeckd's path ("sockdeckd": found on the remote PATH) and the
 * remote ctl's --owner (or NULL). */
struct sd_sshlink_opts {
	const char	*config;
	const char	*remote;
	const char	*owner;
};

/* Whether s is an ssh:// target. */
int sd_sshlink_is(const char *s);

/* Check url (user, host, port and directory must not be able to pass
 * for an option or shell syntax): SD_OK, or SD_ERR_INVAL with err. */
int sd_sshlink_check(const char *url, char err[SD_ERR_LEN]);

/* Start ssh for url: our end of a stream socket pair on its stdin and
 * stdout (returned, blocking), *pid the child, *errfd the read end of
 * its stderr (non-blocking); -1 with err. The child has a session of
 * its own: it never has the terminal, nor its signals. */
int sd_sshlink_open(const char *url, const struct sd_sshlink_opts *o,
    pid_t *pid, int *errfd, char err[SD_ERR_LEN]);

/* The last line ssh wrote on errfd (read now, without waiting), escaped
 * for a terminal, into out; "" when none. */
void sd_sshlink_last_err(int errfd, char *out, size_t len);

/* Kill (if still running) and reap the child. */
void sd_sshlink_end(pid_t pid);

#endif
