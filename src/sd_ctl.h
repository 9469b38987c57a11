/*
 * sd_ctl.h: the control socket server (JSON lines over a Unix socket;
 * the requests and answers are in sockdeckd(1)).
 */
#ifndef SD_CTL_H
#define SD_CTL_H

#include <sys/types.h>

#include "sd_util.h"

struct sd_server;
struct sd_ctl;

/* Listen on path (mode 0600); NULL with err when it cannot. */
struct sd_ctl *sd_ctl_new(struct sd_server *srv, const char *path,
    char err[SD_ERR_LEN]);

/* Whether path may become the control socket: nothing there, or a
 * socket no server answers on (stale). SD_OK, or SD_ERR_INVAL with err
 * for anything else (a file, a directory, a live socket). */
int sd_ctl_check_path(const char *path, char err[SD_ERR_LEN]);

/* Close every control client and remove the socket file. */
void sd_ctl_free(struct sd_ctl *ctl);

/* Answer one request (status, clients, sensors, broadcast, send, kick)
 * as the control socket would: the in-process dashboard asks the same
 * way an attached one does. The caller releases the answer. */
struct json_t;
struct json_t *sd_ctl_answer(struct sd_server *srv, struct json_t *req);

/* sd_ctlcli.c: "sockdeckd ctl …", the command-line side. */
int sd_ctlcli_main(int argc, char **argv);

/* Connect to the control socket at path, refusing anything but a socket
 * owned by uid and served by a process of uid; connecting waits at most
 * timeout seconds (0: for ever), and so do writes. The descriptor, or
 * -1 with err. */
int sd_ctlcli_connect(const char *path, uid_t uid, unsigned timeout,
    char err[SD_ERR_LEN]);

/* The value of --timeout SECS (0 to 86400) and of --owner USER (a name
 * or a uid), as ctl and attach take them: SD_OK, or SD_ERR_INVAL with
 * err naming the option. */
int sd_ctlcli_timeout(const char *arg, unsigned *out, char err[SD_ERR_LEN]);
int sd_ctlcli_owner(const char *arg, uid_t *out, char err[SD_ERR_LEN]);

#endif
