/* sd_esc.c: escaping peer text for terminals (see sd_esc.h). */
#include <stdio.h>
#include <string.h>

#include "sd_esc.h"

long
sd_esc_utf8(const char *str, size_t n, size_t *k)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i;
	long cp;

	*k = 1;
	if (n == 0)
		return -1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return -1;
	if (len > n)
		return -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*k = len;
	return cp;
}

int
sd_esc_needed(long cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1;
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The escape of one character (cp, or the byte b when cp < 0) into e;
 * its length, 0 when it passes as it is. */
static int
esc_one(long cp, unsigned char b, unsigned flags, char e[SD_ESC_MAX + 1])
{
	long hi, lo;

	if (cp >= 0 && (flags & SD_ESC_QUOTE) && (cp == '"' || cp == '\\'))
		return snprintf(e, SD_ESC_MAX + 1, "\\%c", (char)cp);
	if (cp >= 0 && !sd_esc_needed(cp) &&
	    !((flags & SD_ESC_ASCII) && cp >= 0x80))
		return 0;
	if (!(flags & SD_ESC_JSON)) {
		if (cp < 0 || cp < 0x80)
			return snprintf(e, SD_ESC_MAX + 1, "\\x%02x",
			    cp < 0 ? b : (unsigned)cp);
		return snprintf(e, SD_ESC_MAX + 1, "\\u{%04lx}", cp);
	}
	if (cp < 0)
		cp = 0xfffd;		/* JSON text is UTF-8: never here */
	if (cp < 0x10000)
		return snprintf(e, SD_ESC_MAX + 1, "\\u%04lx", cp);
	hi = 0xd800 + ((cp - 0x10000) >> 10);
	lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
	return snprintf(e, SD_ESC_MAX + 1, "\\u%04lx\\u%04lx", hi, lo);
}

size_t
sd_esc_text(const char *s, size_t n, char *out, size_t len, unsigned flags,
    size_t *used)
{
	char e[SD_ESC_MAX + 1];
	size_t i = 0, o = 0, k;
	long cp;
	int el;

	while (i < n && len > 0) {
		cp = sd_esc_utf8(s + i, n - i, &k);
		el = esc_one(cp, (unsigned char)s[i], flags, e);
		if (o + (el > 0 ? (size_t)el : k) >= len)
			break;
		if (el > 0) {
			memcpy(out + o, e, (size_t)el);
			o += (size_t)el;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	if (len > 0)
		out[o] = '\0';
	if (used != NULL)
		*used = i;
	return o;
}
