/*
 * sd_esc.h: the one escaper for text a peer controls, before it reaches
 * a terminal (screens, logs, ctl output, the client's output).
 *
 * Escaped: C0 controls, DEL, C1 controls (U+0080..U+009F), the bidi
 * controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and
 * every byte that is not part of valid UTF-8. Text form: a byte as
 * \xNN, a character as \u{NNNN}. JSON form (for JSON text that is
 * already valid, such as jansson's output): \uNNNN. Everything else
 * passes as it is, so valid UTF-8 stays readable.
 */
#ifndef SD_ESC_H
#define SD_ESC_H

#include <stddef.h>

enum {
	SD_ESC_QUOTE = 1 << 0,	/* '"' and '\\' get a backslash too */
	SD_ESC_JSON = 1 << 1,	/* \uNNNN forms: s is JSON text */
	SD_ESC_ASCII = 1 << 2,	/* every non-ASCII character escaped */
};

/* Longest escape of one input character (\u{NNNN}, a surrogate pair). */
#define SD_ESC_MAX	12

/* The character at s (n bytes) and its length in *k; -1 (and *k = 1)
 * when s does not start with valid UTF-8 (overlong, surrogate, cut). */
long sd_esc_utf8(const char *s, size_t n, size_t *k);

/* Whether character cp must be escaped before a terminal shows it. */
int sd_esc_needed(long cp);

/*
 * Escape s (n bytes) into out (len bytes, always NUL-terminated when
 * len > 0) by flags. Stops before a character whose escape would not
 * fit, never cutting one. Returns the bytes written (without the NUL);
 * *used (may be NULL) says how many bytes of s went in, so a caller
 * can go on from there with another buffer.
 */
size_t sd_esc_text(const char *s, size_t n, char *out, size_t len,
    unsigned flags, size_t *used);

#endif
