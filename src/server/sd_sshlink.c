/*
 * sd_sshlink.c: the ssh child of "attach ssh://" (see sd_sshlink.h).
 * ssh runs with -T (no terminal on the remote) and BatchMode=yes: it
 * never asks for a password, since the dashboard owns the terminal;
 * keys or an agent authenticate. Its stderr is a pipe whose last line
 * says, escaped, why a link ended.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_esc.h"
#include "sd_sshlink.h"

#define SSHLINK_CMD_MAX	8192

/* The parts of ssh://[USER@]HOST[:PORT][/DATA_DIR]. */
struct sshlink_url {
	char	user[256];
	char	host[256];
	char	port[8];
	char	dir[4096];
};

int
sd_sshlink_is(const char *s)
{
	return strncmp(s, SD_SSHLINK_PREFIX, strlen(SD_SSHLINK_PREFIX)) == 0;
}

/* A user or host name: letters, digits, '.', '_', '-', not first '-'
 * (it would be an option to ssh), not empty. */
static int
sshlink_name_ok(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

/* Copy n bytes of s into out (len): 0, or -1 when too long. */
static int
sshlink_copy(char *out, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
sshlink_parse(const char *url, struct sshlink_url *u, char err[SD_ERR_LEN])
{
	const char *s = url + strlen(SD_SSHLINK_PREFIX), *end, *at, *colon;
	uint64_t port;

	memset(u, 0, sizeof(*u));
	end = s + strcspn(s, "/");
	at = memchr(s, '@', (size_t)(end - s));
	if (at != NULL) {
		if (sshlink_copy(u->user, sizeof(u->user), s,
		    (size_t)(at - s)) || !sshlink_name_ok(u->user))
			goto bad;
		s = at + 1;
	}
	colon = memchr(s, ':', (size_t)(end - s));
	if (sshlink_copy(u->host, sizeof(u->host), s,
	    (size_t)((colon ? colon : end) - s)) || !sshlink_name_ok(u->host))
		goto bad;
	if (colon != NULL && (sshlink_copy(u->port, sizeof(u->port),
	    colon + 1, (size_t)(end - colon - 1)) ||
	    sd_parse_u64(u->port, 1, 65535, &port) != SD_OK))
		goto bad;
	if (*end == '/' && sshlink_copy(u->dir, sizeof(u->dir), end,
	    strlen(end)))
		goto bad;
	for (s = u->dir; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			goto bad;
	return SD_OK;
bad:
	snprintf(err, SD_ERR_LEN, "%.100s: not ssh://[USER@]HOST[:PORT]"
	    "[/DATA_DIR] (names of letters, digits, '.', '_', '-')", url);
	return SD_ERR_INVAL;
}

int
sd_sshlink_check(const char *url, char err[SD_ERR_LEN])
{
	struct sshlink_url u;

	return sshlink_parse(url, &u, err);
}

/* Append s to the shell command in cmd, in single quotes (a quote in s
 * as '\''): 0, or -1 when it does not fit. */
static int
sshlink_quote(char *cmd, size_t len, const char *s)
{
	size_t n = strlen(cmd);

	if (n + 3 >= len)
		return -1;
	cmd[n++] = '\'';
	for (; *s != '\0'; s++) {
		if (n + 6 >= len)
			return -1;
		if (*s == '\'') {
			memcpy(cmd + n, "'\\''", 4);
			n += 4;
		} else
			cmd[n++] = *s;
	}
	cmd[n++] = '\'';
	cmd[n] = '\0';
	return 0;
}

/* Append the words w to cmd: 0, or -1 when they do not fit. */
static int
sshlink_words(char *cmd, size_t len, const char *w)
{
	size_t n = strlen(cmd), wl = strlen(w);

	if (n + wl + 1 > len)
		return -1;
	memcpy(cmd + n, w, wl + 1);
	return 0;
}

/* The remote command: 'REMOTE' ctl [--owner 'USER'] [--data-dir 'DIR']
 * proxy. */
static int
sshlink_command(const struct sshlink_url *u, const struct sd_sshlink_opts *o,
    char *cmd, size_t len)
{
	cmd[0] = '\0';
	if (sshlink_quote(cmd, len, o->remote) ||
	    sshlink_words(cmd, len, " ctl"))
		return -1;
	if (o->owner != NULL && (sshlink_words(cmd, len, " --owner ") ||
	    sshlink_quote(cmd, len, o->owner)))
		return -1;
	if (u->dir[0] != '\0' && (sshlink_words(cmd, len, " --data-dir ") ||
	    sshlink_quote(cmd, len, u->dir)))
		return -1;
	return sshlink_words(cmd, len, " proxy");
}

/* In the child: become ssh, never to return. */
static void
sshlink_exec(const struct sshlink_url *u, const struct sd_sshlink_opts *o,
    const char *cmd, int sock, int errw)
{
	const char *argv[16];
	int i = 0;

	if (dup2(sock, STDIN_FILENO) < 0 || dup2(sock, STDOUT_FILENO) < 0 ||
	    dup2(errw, STDERR_FILENO) < 0)
		_exit(127);
	setsid();
	signal(SIGPIPE, SIG_DFL);
	argv[i++] = "ssh";
	argv[i++] = "-T";
	argv[i++] = "-o";
	argv[i++] = "BatchMode=yes";
	if (o->config != NULL) {
		argv[i++] = "-F";
		argv[i++] = o->config;
	}
	if (u->port[0] != '\0') {
		argv[i++] = "-p";
		argv[i++] = u->port;
	}
	if (u->user[0] != '\0') {
		argv[i++] = "-l";
		argv[i++] = u->user;
	}
	argv[i++] = "--";
	argv[i++] = u->host;
	argv[i++] = cmd;
	argv[i] = NULL;
	execvp("ssh", (char *const *)argv);
	dprintf(STDERR_FILENO, "ssh: %s\n", strerror(errno));
	_exit(127);
}

int
sd_sshlink_open(const char *url, const struct sd_sshlink_opts *o,
    pid_t *pid, int *errfd, char err[SD_ERR_LEN])
{
	static char cmd[SSHLINK_CMD_MAX];
	struct sshlink_url u;
	int sv[2], ep[2];

	if (sshlink_parse(url, &u, err) != SD_OK)
		return -1;
	if (sshlink_command(&u, o, cmd, sizeof(cmd))) {
		snprintf(err, SD_ERR_LEN, "%.100s: too long", url);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, SD_ERR_LEN, "socketpair: %s", strerror(errno));
		return -1;
	}
	if (pipe(ep) < 0) {
		snprintf(err, SD_ERR_LEN, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* Not into a later ssh: each link's child holds only its own. */
	fcntl(ep[0], F_SETFD, FD_CLOEXEC);
	fcntl(ep[1], F_SETFD, FD_CLOEXEC);
	*pid = fork();
	if (*pid == 0)
		sshlink_exec(&u, o, cmd, sv[1], ep[1]);
	close(ep[1]);
	close(sv[1]);
	if (*pid < 0) {
		snprintf(err, SD_ERR_LEN, "fork: %s", strerror(errno));
		close(ep[0]);
		close(sv[0]);
		return -1;
	}
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	*errfd = ep[0];
	return sv[0];
fail:
	close(sv[0]);
	close(sv[1]);
	return -1;
}

void
sd_sshlink_last_err(int errfd, char *out, size_t len)
{
	char buf[4096], last[512];
	size_t n = 0, i, start;
	ssize_t r;

	last[0] = '\0';
	/* At most the pipe's worth, in pieces; the last line kept. */
	while (errfd >= 0 && n < 16 &&
	    (r = read(errfd, buf, sizeof(buf))) > 0) {
		n++;
		while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == '\r'))
			r--;
		for (start = 0, i = 0; i < (size_t)r; i++)
			if (buf[i] == '\n')
				start = i + 1;
		if (r > 0)
			snprintf(last, sizeof(last), "%.*s",
			    (int)((size_t)r - start), buf + start);
	}
	sd_esc_text(last, strlen(last), out, len, 0, NULL);
}

void
sd_sshlink_end(pid_t pid)
{
	if (pid <= 0)
		return;
	/* SIGKILL: the reaping that follows cannot wait on ssh. */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
