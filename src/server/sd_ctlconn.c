/*
 * sd_ctlconn.c: the client end of the control socket, shared by
 * "sockdeckd ctl" and "sockdeckd attach": open the socket only when it
 * and the process serving it belong to the expected user, and parse the
 * --timeout and --owner options both take.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_ctlconn.h"
#include "sd_err.h"
#include "sd_util.h"

/* Whether the socket at path may be trusted: a socket, owned by uid
 * (the caller's, or --owner's). SD_OK, or SD_ERR_INVAL with err. */
static int
ctlconn_check_path(const char *path, uid_t uid, char err[SD_ERR_LEN])
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, SD_ERR_LEN, "%s: %s (is sockdeckd running?)",
		    path, strerror(errno));
		return SD_ERR_INVAL;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "%s: not a socket", path);
		return SD_ERR_INVAL;
	}
	if (st.st_uid != uid) {
		snprintf(err, SD_ERR_LEN, "%s: owned by uid %lu, not uid %lu: "
		    "refused (--owner names the user a server runs as)",
		    path, (unsigned long)st.st_uid, (unsigned long)uid);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

static int
ctlconn_open(const char *path, uid_t uid, unsigned timeout, int nonblock,
    char err[SD_ERR_LEN])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { (time_t)timeout, 0 };
	struct ucred cred = { 0, 0, 0 };
	socklen_t clen = sizeof(cred);
	int fd = -1;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, SD_ERR_LEN, "%s: path too long", path);
		goto fail;
	}
	if (ctlconn_check_path(path, uid, err) != SD_OK)
		goto fail;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "socket: %s", strerror(errno));
		goto fail;
	}
	/* A Unix connect waits while the server's backlog is full, for
	 * as long as the send timeout says (and writes do too). */
	if (timeout > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno == EAGAIN || errno == EINPROGRESS)
			snprintf(err, SD_ERR_LEN, "%s: no answer in %u s "
			    "(connect; see --timeout)", path, timeout);
		else
			snprintf(err, SD_ERR_LEN, "%s: %s (is sockdeckd "
			    "running?)", path, strerror(errno));
		goto fail_close;
	}
	/* The file was ours; the process behind it must be too (the path
	 * may have been swapped since the stat). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    cred.uid != uid) {
		snprintf(err, SD_ERR_LEN, "%s: served by uid %lu, not uid "
		    "%lu: refused", path, (unsigned long)cred.uid,
		    (unsigned long)uid);
		goto fail_close;
	}
	return fd;
fail_close:
	close(fd);
fail:
	return -1;
}

int
sd_ctlconn_open(const char *path, uid_t uid, unsigned timeout,
    char err[SD_ERR_LEN])
{
	return ctlconn_open(path, uid, timeout, 0, err);
}

int
sd_ctlconn_open_nb(const char *path, uid_t uid, char err[SD_ERR_LEN])
{
	return ctlconn_open(path, uid, 0, 1, err);
}

/* Seconds from lo to hi, for option name. */
static int
ctlconn_secs(const char *arg, uint64_t lo, uint64_t hi, const char *name,
    unsigned *out, char err[SD_ERR_LEN])
{
	uint64_t v;

	if (sd_parse_u64(arg, lo, hi, &v) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "--%s: seconds, %llu to %llu", name,
		    (unsigned long long)lo, (unsigned long long)hi);
		return SD_ERR_INVAL;
	}
	*out = (unsigned)v;
	return SD_OK;
}

/* --timeout SECS (0 to 86400), for ctl and attach. */
int
sd_ctlconn_timeout(const char *arg, unsigned *out, char err[SD_ERR_LEN])
{
	return ctlconn_secs(arg, 0, 86400, "timeout", out, err);
}

/* --owner USER (a name or a uid), for ctl and attach. */
int
sd_ctlconn_owner(const char *arg, uid_t *out, char err[SD_ERR_LEN])
{
	struct passwd *pw = getpwnam(arg);
	uint64_t v;

	if (pw != NULL)
		*out = pw->pw_uid;
	else if (sd_parse_u64(arg, 0, UINT32_MAX - 1, &v) == SD_OK)
		*out = (uid_t)v;
	else {
		snprintf(err, SD_ERR_LEN, "--owner: %.200s: no such user",
		    arg);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

int
sd_ctlconn_refresh(const char *arg, unsigned *out, char err[SD_ERR_LEN])
{
	return ctlconn_secs(arg, 1, 3600, "refresh", out, err);
}
