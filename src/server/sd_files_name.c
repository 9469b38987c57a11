/*
 * sd_files_name.c: stored names (see sd_files_name.h). The rules, in
 * sockdeckd(1) FILES: the last path component, unsafe characters
 * dropped, Unicode NFC (libunistring), no hidden or Windows device
 * names, no trailing dots or spaces, no ".part" ending, cut to fit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "sd_esc.h"
#include "sd_files_name.h"

#define NAME_IN		1024	/* bytes of a sent name looked at */
/* NFC makes a name at most 3 times longer. */
#define NAME_NFC	(NAME_IN * 3 + 16)

/* Characters a stored name never has: C0 and C1 controls, DEL, ':',
 * and the invisible ones that make a name read other than it is
 * (bidi overrides turn "x\u202egnp.exe" into "xexe.png"). */
static int
name_char_ok(long cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    cp == ':')
		return 0;
	if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 &&
	    cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return 1;
}

/* The last path component of in (n bytes) into name (cap bytes, at
 * least 6), each character checked: bytes that are not UTF-8 become
 * '_', characters name_char_ok refuses are dropped, and a leading '.'
 * becomes '_' (no hidden files, no "." or ".."). Returns its length. */
static size_t
name_clean(const char *in, size_t n, char *name, size_t cap)
{
	size_t i, start = 0, o = 0, k;
	long cp;

	/* Only the last path component, whichever separator was used. */
	for (i = 0; i < n; i++) {
		if (in[i] == '/' || in[i] == '\\')
			start = i + 1;
	}
	for (i = start; i < n && o + 5 < cap; i += k) {
		cp = sd_esc_utf8(in + i, n - i, &k);
		if (cp >= 0 && !name_char_ok(cp))
			continue;
		if (cp < 0)
			name[o++] = '_';	/* not UTF-8: said as '_' */
		else if (o == 0 && cp == '.')
			name[o++] = '_';
		else {
			memcpy(name + o, in + i, k);
			o += k;
		}
	}
	name[o] = '\0';
	return o;
}

/* Put name (o bytes of UTF-8) in Unicode NFC into out (NAME_NFC
 * bytes), so a name sent decomposed (as macOS writes "\u00e9": e and
 * U+0301) is the same name as its composed twin. Returns its length;
 * should NFC fail (out of memory), the name is kept as it came. */
static size_t
name_nfc(const char *name, size_t o, char *out)
{
	size_t rn = NAME_NFC - 1;
	uint8_t *r;

	r = u8_normalize(UNINORM_NFC, (const uint8_t *)name, o,
	    (uint8_t *)out, &rn);
	if (r != (uint8_t *)out) {	/* failed, or did not fit */
		free(r);
		memcpy(out, name, o);
		rn = o;
	}
	out[rn] = '\0';
	return rn;
}

/* Drop the dots and spaces name (o bytes) ends with: Windows drops them
 * itself, so "a." and "a" would be one file on a share. */
static size_t
name_trim(char *name, size_t o)
{
	while (o > 0 && (name[o - 1] == '.' || name[o - 1] == ' '))
		o--;
	name[o] = '\0';
	return o;
}

/* Whether name is a Windows device name, with or without an extension:
 * the part before the first '.', without its trailing spaces, is CON,
 * PRN, AUX, NUL, CONIN$, CONOUT$, COM1-9 or LPT1-9 (also with a
 * superscript digit) in any case (the list of CPython's ntpath). */
static int
name_reserved(const char *name)
{
	static const char *const dev[] = { "CON", "PRN", "AUX", "NUL",
	    "CONIN$", "CONOUT$" };
	char up[16];
	size_t n = strcspn(name, "."), i;
	const char *d;

	while (n > 0 && name[n - 1] == ' ')
		n--;
	if (n < 3 || n >= sizeof(up))
		return 0;
	for (i = 0; i < n; i++)
		up[i] = name[i] >= 'a' && name[i] <= 'z' ?
		    (char)(name[i] - 'a' + 'A') : name[i];
	up[n] = '\0';
	for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		if (strcmp(up, dev[i]) == 0)
			return 1;
	}
	if (strncmp(up, "COM", 3) != 0 && strncmp(up, "LPT", 3) != 0)
		return 0;
	d = up + 3;
	return (n == 4 && d[0] >= '1' && d[0] <= '9') ||
	    (n == 5 && (strcmp(d, "\xc2\xb9") == 0 ||
	    strcmp(d, "\xc2\xb2") == 0 || strcmp(d, "\xc2\xb3") == 0));
}

/* Cut name (o bytes) to fit len, keeping a short extension and never
 * cutting a character in half. Returns the new length. */
static size_t
name_fit(char *name, size_t o, size_t len)
{
	char *dot = strrchr(name, '.');
	size_t ext = dot != NULL && dot != name && o - (size_t)(dot - name) <=
	    16 ? o - (size_t)(dot - name) : 0;
	size_t keep;

	if (o < len)
		return o;
	if (ext + 1 >= len)
		ext = 0;
	keep = len - 1 - ext;
	while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80)
		keep--;
	memmove(name + keep, name + o - ext, ext + 1);
	return keep + ext;
}

/* Cut name (o bytes) to len, then the last fixes, each of which keeps
 * those before it true: no trailing dot or space, a device name gets a
 * leading '_', and a name ending in ".part" (what a file in flight is
 * called, and what a restart removes) a trailing '_'. Returns the new
 * length, or 0 when nothing is left. */
static size_t
name_finish(char *name, size_t o, size_t len)
{
	o = name_trim(name, name_fit(name, o, len));
	if (o > 0 && name_reserved(name)) {
		memmove(name + 1, name, o + 1);
		name[0] = '_';
		o++;
	}
	if (o >= 5 && strcmp(name + o - 5, ".part") == 0) {
		name[o++] = '_';
		name[o] = '\0';
	}
	return o;
}

void
sd_files_name_clean(const char *in, size_t n, char *out, size_t len)
{
	char clean[NAME_IN], nfc[NAME_NFC], name[NAME_NFC];
	size_t o = 0, cut, c;

	c = name_clean(in, n, clean, sizeof(clean));
	c = name_trim(nfc, name_nfc(clean, c, nfc));
	/* Each fix adds at most a byte: cut one byte shorter each time
	 * the fixes took the name past len (at most twice). */
	for (cut = len; cut > len - 3; cut--) {
		memcpy(name, nfc, c + 1);
		o = name_finish(name, c, cut);
		if (o < len)
			break;
	}
	snprintf(out, len, "%s", o > 0 ? name : "file");
}
