/*
 * sockdeck_tui.h: the client's screen as a program of its own, called
 * by sockdeck's main when no command is given.
 */
#ifndef SOCKDECK_TUI_H
#define SOCKDECK_TUI_H

#include "sd_client.h"

/* Run the screen until the user quits; connect at once when host is
 * set, else show the newest recent server. tlso: the --tls options
 * o->tls was made from (NULL: no --tls), kept with the servers reached
 * so. The exit status. */
int sockdeck_tui_run(const struct sd_client_opts *o,
    const struct sd_ctls_opts *tlso, const char *host, int port);

#endif
