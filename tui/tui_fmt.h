/*
 * tui_fmt.h: numbers and times as the front ends show them, and the
 * clock they read. No curses: the models use them too.
 */
#ifndef TUI_FMT_H
#define TUI_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "12.3 kB", "0:01:02" (or "3d 04:12"), "10:02:11". */
void tui_fmt_bytes(double n, char *buf, size_t len);
void tui_fmt_dur(int64_t s, char *buf, size_t len);
void tui_fmt_clock(int64_t ns, char *buf, size_t len);

/* An age in at most 5 characters (the client table's column): "9s",
 * "8m57s", "42m", "2h05m", "17h", "3d04h", "12d": two units while
 * the larger is one digit, else the larger alone. */
void tui_fmt_age(int64_t s, char *buf, size_t len);

/* A count a second as the header and the client table show it: "40/s",
 * "0.2/s" (a tenth below 10), "120k/s" (in thousands from 100000). */
void tui_fmt_rate(double r, char *buf, size_t len);

/* Where needle is in hay, smart case (as vim's and less's): all lower
 * case it matches any case, with a capital only its own case; NULL
 * when it is not there. */
const char *tui_fmt_find(const char *hay, const char *needle);

/* Wall-clock time in ns. */
int64_t tui_now_ns(void);

#endif
