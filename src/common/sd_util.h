/*
 * sd_util.h: small helpers every core module uses: clocks, number and
 * size parsing, time formatting.
 */
#ifndef SD_UTIL_H
#define SD_UTIL_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define SD_ERR_LEN	256	/* room for an error message */

/* Nanoseconds since the Unix epoch (wall clock). */
int64_t sd_now_ns(void);

/* Nanoseconds of a monotonic clock, for durations and rates. */
int64_t sd_mono_ns(void);

/* Parse a whole decimal number in [min, max]; SD_OK or SD_ERR_INVAL. */
int sd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parse a port "lo" or a range "lo-hi" (1 to 65535, lo <= hi). */
int sd_parse_ports(const char *item, uint64_t *lo, uint64_t *hi);

/* Parse a size: a number with an optional k, M or G suffix (powers of
 * 1024); SD_OK or SD_ERR_INVAL. */
int sd_parse_size(const char *s, uint64_t *out);

/* Parse a point in time into ns since the epoch: RFC 3339
 * ("2026-12-05T08:00:00Z", "…08:00:00.5+01:00"; T and Z in either
 * case), Unix seconds ("1796457600"), or now_ns less a duration
 * ("-30s", "-30m", "-2h", "-7d"). From the epoch to INT64_MAX ns
 * (2262-04-11T23:47:16.854775807Z); SD_OK or SD_ERR_INVAL. */
int sd_parse_time(const char *s, int64_t now_ns, int64_t *out);

/* Format ns since the epoch as RFC 3339 UTC with milliseconds
 * ("2026-11-25T17:10:00.123Z") into buf (at least 32 bytes). */
void sd_fmt_rfc3339(int64_t ns, char *buf, size_t len);

/* Format a byte count for people ("1.2 MB"). */
void sd_fmt_bytes(uint64_t n, char *buf, size_t len);

/* Descriptors that peers' sockets and files never take: kept for the
 * spool's next segment, the sinks and the control socket. */
#define SD_FD_SPARE	16

/* Whether fd, just opened for a peer (it is the lowest free number),
 * leaves fewer than SD_FD_SPARE under the soft limit. */
int sd_fd_spare_low(int fd);

/* Whether the peer's bytes u equal the secret s, in a time that depends
 * on the secret's length only. */
/* Write all n bytes of buf to fd (again after EINTR and short
 * writes): 0, or the errno of the write that failed. */
int sd_write_all(int fd, const void *buf, size_t n);

int sd_secret_equal(const void *u, size_t ulen, const void *s, size_t slen);

/* Format a count with thousands separators ("41,745"). */
void sd_fmt_thousands(uint64_t n, char *buf, size_t len);

/* Read a small regular file whole (never a device, FIFO or directory,
 * never more than max bytes) into a malloc'd buffer with a NUL after
 * its n bytes. SD_OK, or an error with err saying why. */
int sd_read_file(const char *path, size_t max, char **out, size_t *n,
    char err[SD_ERR_LEN]);

/* "host:port" or "[v6 address]:port" into host and port; 0 or -1. */
int sd_parse_target(const char *s, char *host, size_t len, int *port);

/* The n words joined with single spaces, in a malloc'd string ("" for
 * none); NULL when out of memory. */
char *sd_join_words(char *const *words, int n);

/* v as one line of ASCII-only JSON (every non-ASCII character, and
 * DEL, as \uNNNN): what a terminal may show. Free it; NULL on error. */
struct json_t;
char *sd_json_dumps(const struct json_t *v);

/* Write s (n bytes) to fp with sd_esc_text: what a peer sent, made
 * safe for a terminal. */
void sd_put_text(FILE *fp, const char *s, size_t n);

/* One error line on stderr, "WHO: " and the message escaped (it may
 * quote a path or a peer's text), for the commands' error helpers. */
void sd_put_verr(const char *who, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
