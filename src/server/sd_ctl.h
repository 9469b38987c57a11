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
 * way an attached one does. The caller releases the answer. A reload
 * is started and answered NULL: its event says how it went. */
struct json_t;
struct json_t *sd_ctl_answer(struct sd_server *srv, struct json_t *req);

#endif
