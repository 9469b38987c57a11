/*
 * sockdeckd_proxy.h: "sockdeckd ctl proxy", the control socket relayed
 * over stdin and stdout, so that "ssh HOST sockdeckd ctl proxy" is a
 * control socket on another machine behind ssh's authentication.
 */
#ifndef SOCKDECKD_PROXY_H
#define SOCKDECKD_PROXY_H

/* Relay bytes between stdin/stdout and the connected socket fd (taken,
 * closed) until the socket ends or stdout's reader goes away; the exit
 * status (0: a clean end, 1: an error, said on stderr). */
int sockdeckd_proxy_run(int fd, const char *path);

#endif
