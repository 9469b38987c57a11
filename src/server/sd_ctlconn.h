/*
 * sd_ctlconn.h: the client end of the control socket ("sockdeckd ctl"
 * and "sockdeckd attach"): opening it safely, and the options both take.
 */
#ifndef SD_CTLCONN_H
#define SD_CTLCONN_H

#include <sys/types.h>

#include "sd_util.h"

/* Connect to the control socket at path, refusing anything but a socket
 * owned by uid and served by a process of uid; connecting waits at most
 * timeout seconds (0: for ever), and so do writes. The descriptor, or
 * -1 with err. */
int sd_ctlconn_open(const char *path, uid_t uid, unsigned timeout,
    char err[SD_ERR_LEN]);

/* The same without waiting: a server whose backlog is full is an error
 * (EAGAIN), and the descriptor is non-blocking. For a loop that tries
 * again later (attach, re-attaching). */
int sd_ctlconn_open_nb(const char *path, uid_t uid, char err[SD_ERR_LEN]);

/* The value of --timeout SECS (0 to 86400) and of --owner USER (a name
 * or a uid), as ctl and attach take them: SD_OK, or SD_ERR_INVAL with
 * err naming the option. */
int sd_ctlconn_timeout(const char *arg, unsigned *out,
    char err[SD_ERR_LEN]);
int sd_ctlconn_owner(const char *arg, uid_t *out, char err[SD_ERR_LEN]);

/* The value of --refresh SECS (1 to 3600), as attach and fleet take it:
 * the seconds between a dashboard's snapshots. */
int sd_ctlconn_refresh(const char *arg, unsigned *out,
    char err[SD_ERR_LEN]);

#endif
