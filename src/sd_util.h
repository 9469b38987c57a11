/*
 * sd_util.h: small helpers every core module uses: clocks, number and
 * size parsing, time formatting.
 */
#ifndef SD_UTIL_H
#define SD_UTIL_H

#include <stddef.h>
#include <stdint.h>

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

/* Format ns since the epoch as RFC 3339 UTC with milliseconds
 * ("2026-11-25T17:10:00.123Z") into buf (at least 32 bytes). */
void sd_fmt_rfc3339(int64_t ns, char *buf, size_t len);

/* Format a byte count for people ("1.2 MB"). */
void sd_fmt_bytes(uint64_t n, char *buf, size_t len);

/* Format a count with thousands separators ("41,745"). */
void sd_fmt_thousands(uint64_t n, char *buf, size_t len);

/* The code point of the UTF-8 sequence at s (n > 0 bytes left), its
 * length in *k; -1 (and *k = 1) for a byte that starts no valid
 * sequence: stray, truncated, overlong, a surrogate or past Unicode. */
long sd_utf8_decode(const unsigned char *s, size_t n, size_t *k);

/* Whether code point cp should not reach a terminal as it is: C0,
 * DEL, C1, and the invisible ones that reorder or hide text (bidi
 * overrides and isolates, zero-width and line/paragraph separators,
 * BOM: "x\u202egnp.exe" reads "xexe.png"). */
int sd_utf8_unsafe(long cp);

/* Copy n bytes of s into out (len bytes, always NUL-terminated) fit
 * for a terminal or a log line: C0 controls, DEL and bytes that are
 * not UTF-8 become \xNN; C1 controls and the bidi and invisible
 * format characters (U+200B-U+200F, U+2028-U+202E, U+2060-U+2069,
 * U+FEFF) become \uNNNN; a backslash is doubled. Stops before a
 * character that would not fit. Returns the length written. */
size_t sd_fmt_escape(const char *s, size_t n, char *out, size_t len);

/* Read a small regular file whole (never a device, FIFO or directory,
 * never more than max bytes) into a malloc'd buffer with a NUL after
 * its n bytes. SD_OK, or an error with err saying why. */
int sd_read_file(const char *path, size_t max, char **out, size_t *n,
    char err[SD_ERR_LEN]);

/* "host:port" or "[v6 address]:port" into host and port; 0 or -1. */
int sd_parse_target(const char *s, char *host, size_t len, int *port);

#endif
