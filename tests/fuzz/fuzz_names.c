/*
 * fuzz_names.c: libFuzzer target for the cleaner of the names senders
 * give their files (sd_files_name_clean in src/server/sd_files_name.c).
 *
 * The first input byte picks the size of the output buffer (32 to 201
 * bytes, 201 being the server's); the rest is the name. What comes out
 * must be safe to store and to share: non-empty, shorter than the
 * buffer, valid UTF-8 in Unicode NFC, no '/', '\', ':', control or
 * invisible character, no leading '.', no trailing '.' or ' ', no
 * Windows device name, no ".part" ending; and cleaning it again changes
 * nothing. The checks are written out here, not taken from the cleaner.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uninorm.h>

#include "sd_esc.h"
#include "sd_files_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Characters no stored name has. */
static int
names_forbidden(long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == '/' ||
	    cp == '\\' || cp == ':' || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/* Whether s is a DOS device name, with or without an extension. */
static int
names_device(const char *s)
{
	static const char *const dev[] = {
		"con", "prn", "aux", "nul", "conin$", "conout$",
		"com1", "com2", "com3", "com4", "com5", "com6", "com7",
		"com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5",
		"lpt6", "lpt7", "lpt8", "lpt9", "com\xc2\xb9",
		"com\xc2\xb2", "com\xc2\xb3", "lpt\xc2\xb9", "lpt\xc2\xb2",
		"lpt\xc2\xb3",
	};
	size_t n = strcspn(s, "."), i, k;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		k = strlen(dev[i]);
		if (k == n && strncasecmp(s, dev[i], n) == 0)
			return 1;
	}
	return 0;
}

/* Abort unless out (for a buffer of len) is a safe stored name. */
static void
names_check(const char *out, size_t len)
{
	size_t n = strlen(out), i, k, rn;
	uint8_t *nfc;
	long cp;

	if (n == 0 || n >= len || out[0] == '.' || out[n - 1] == '.' ||
	    out[n - 1] == ' ' || names_device(out) ||
	    (n >= 5 && strcmp(out + n - 5, ".part") == 0))
		abort();
	for (i = 0; i < n; i += k) {
		cp = sd_esc_utf8(out + i, n - i, &k);
		if (cp < 0 || names_forbidden(cp))
			abort();
	}
	nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)out, n, NULL, &rn);
	if (nfc == NULL || rn != n || memcmp(nfc, out, n) != 0)
		abort();
	free(nfc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256], again[256];
	size_t len;

	if (size < 1)
		return 0;
	len = 32 + data[0] % 170;
	memset(out, 'Z', sizeof(out));
	sd_files_name_clean((const char *)data + 1, size - 1, out, len);
	names_check(out, len);
	sd_files_name_clean(out, strlen(out), again, len);
	if (strcmp(out, again) != 0)
		abort();
	return 0;
}
