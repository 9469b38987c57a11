/*
 * sd_ctl_xfers.h: the control socket's {"cmd":"transfers"}: the file
 * store's account of transfers (sd_files_list, sd_xferlog) as JSON.
 */
#ifndef SD_CTL_XFERS_H
#define SD_CTL_XFERS_H

struct json_t;
struct sd_server;

/* Rows in flight one answer carries at most (the "limit" asked for). */
#define SD_CTL_XFERS_MAX	1000

/* The answer to req ({"cmd":"transfers","limit":K}); the caller
 * releases it. */
struct json_t *sd_ctl_xfers(struct sd_server *srv, struct json_t *req);

#endif
