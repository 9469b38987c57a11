/*
 * sd_fleet_file.h: the fleet's table on disk, DATA_DIR/fleet: written
 * by a helper thread from a copy the loop hands it, to a temporary file
 * renamed into place (a crash leaves the last whole file), and read
 * back at start, before the loop runs.
 *
 * The text: a first line "sockdeck-devices 1", one line a device, oldest
 * seen first:
 *   MAC FIRST LAST READ INTERVAL READINGS FILES MESSAGES PROTO TLS
 *   SILENT ADDR
 * (times in ns since the epoch, 0 for none, at most 2^62; INTERVAL at
 * most 2^56; PROTO legacy or ext; TLS and SILENT 0 or 1; ADDR ip:port or
 * -, printable ASCII), then "end COUNT": a file without it was cut
 * short.
 */
#ifndef SD_FLEET_FILE_H
#define SD_FLEET_FILE_H

#include <stddef.h>

#include "sd_fleet.h"
#include "sd_util.h"

#define SD_FLEET_FILE_MAX	(32u << 20)	/* bytes read at most */

struct sd_fleet_file;

/* Read path into f. A file that cannot be read whole and right is
 * renamed to path.bad (replacing one there) and err says so:
 * SD_ERR_INVAL, f then empty. No file: SD_OK, nothing read. */
int sd_fleet_file_load(struct sd_fleet *f, const char *path,
    char err[SD_ERR_LEN]);

/* A writer for path (its helper thread started); NULL with err. */
struct sd_fleet_file *sd_fleet_file_new(const char *path,
    char err[SD_ERR_LEN]);

/* Write f's devices: a copy goes to the helper, unless it is still
 * writing the last one (then nothing: a later call will). */
void sd_fleet_file_save(struct sd_fleet_file *w, const struct sd_fleet *f);

/* When a write failed after one that worked (or the first) and that
 * was not said yet: 1 and err says why; else 0. */
int sd_fleet_file_failed(struct sd_fleet_file *w, char err[SD_ERR_LEN]);

/* Write f's devices one last time (f may be NULL: not), wait for it,
 * stop the helper and free w. */
void sd_fleet_file_free(struct sd_fleet_file *w, const struct sd_fleet *f);

/* recs[0..n) as the file's text, in a malloc'd buffer of *len bytes;
 * NULL out of memory. */
char *sd_fleet_file_format(const struct sd_fleet_rec *recs, size_t n,
    size_t *len);

/* The file's text into recs (room for SD_FLEET_MAX): SD_OK with *n, or
 * SD_ERR_INVAL with err naming the line. */
int sd_fleet_file_parse(const char *text, size_t len,
    struct sd_fleet_rec *recs, size_t *n, char err[SD_ERR_LEN]);

#endif
