/*
 * fuzz_esc.c: libFuzzer target for the escaper every byte of peer text
 * passes through on its way to a terminal (proto/sd_esc.c).
 *
 * The first input byte picks the flags, the second the size of the
 * output buffer; the rest is the text, escaped piece by piece as a
 * caller with a small buffer would. What comes out must be safe and
 * lose nothing: no C0, DEL or (in ASCII mode) non-ASCII byte, valid
 * UTF-8 with no character that needs escaping, NUL-terminated, progress
 * on every call whose buffer holds one escape, and, in text mode,
 * escaping the output again changes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What must never reach a terminal, written out here rather than
 * taken from sd_esc_needed(), so the target is a second opinion. */
static int
esc_forbidden(long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/* Check out[0..n) for what must never reach a terminal. */
static void
esc_check_safe(const char *out, size_t n, unsigned flags)
{
	size_t i = 0, k;
	long cp;

	while (i < n) {
		cp = sd_esc_utf8(out + i, n - i, &k);
		if (cp < 0 || esc_forbidden(cp) ||
		    ((flags & SD_ESC_ASCII) && cp >= 0x80))
			abort();
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[SD_ESC_MAX * 22 + 1], *all, *again;
	size_t len, used, o, total = 0, cap;
	const char *s;
	unsigned flags;

	if (size < 2)
		return 0;
	flags = data[0] & (SD_ESC_QUOTE | SD_ESC_JSON | SD_ESC_ASCII);
	len = SD_ESC_MAX + 1 + data[1] % (sizeof(small) - SD_ESC_MAX);
	s = (const char *)data + 2;
	size -= 2;
	cap = size * SD_ESC_MAX + 1;
	all = malloc(cap);
	again = malloc(cap * SD_ESC_MAX);
	if (all == NULL || again == NULL)
		goto out;
	while (size > 0) {
		o = sd_esc_text(s, size, small, len, flags, &used);
		if (used == 0 || used > size || o >= len ||
		    small[o] != '\0' || strlen(small) != o)
			abort();
		memcpy(all + total, small, o);
		total += o;
		s += used;
		size -= used;
	}
	all[total] = '\0';
	esc_check_safe(all, total, flags);
	/* Text already escaped passes as it is (without QUOTE, which
	 * escapes the backslashes of the escapes themselves). */
	if (!(flags & (SD_ESC_QUOTE | SD_ESC_JSON))) {
		o = sd_esc_text(all, total, again, cap * SD_ESC_MAX, flags,
		    &used);
		if (used != total || o != total || memcmp(all, again, o) != 0)
			abort();
	}
out:
	free(all);
	free(again);
	return 0;
}
