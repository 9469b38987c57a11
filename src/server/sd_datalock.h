/*
 * sd_datalock.h: the data directory's lock, DATA_DIR/lock: an
 * open-file-description lock (fcntl F_OFD_SETLK, write) that a server
 * holds for its life and "sockdeckd spool repair" while it rewrites the
 * spool, so neither runs beside the other, nor two servers on one
 * directory. The kernel drops it when the holder exits, however it
 * dies (kill -9 too): nothing stale to clean up. The file says who
 * holds it ("PID WHO\n") for the refusal's message. Readers that only
 * look (spool stat, verify) ask whether it is held (F_OFD_GETLK)
 * without taking it, so they never make a server's start fail.
 */
#ifndef SD_DATALOCK_H
#define SD_DATALOCK_H

#include "sd_util.h"

#define SD_DATALOCK_NAME	"lock"

/* Take dir's lock for who ("sockdeckd", "spool repair"): its
 * descriptor (close it to let go), or -1 with err saying who holds it
 * or what failed. */
int sd_datalock_take(const char *dir, const char *who, char err[SD_ERR_LEN]);

/* Whether dir's lock is held: 1 (holder says who, e.g. "sockdeckd
 * (pid 1234)"), 0 when not (or no lock file), -1 with holder saying
 * why it could not be asked. */
int sd_datalock_held(const char *dir, char holder[SD_ERR_LEN]);

#endif
