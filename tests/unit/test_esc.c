/*
 * test_esc.c: the escaper for peer text: each class of control, valid
 * UTF-8 passing, cut and invalid sequences, the JSON and ASCII forms,
 * and output buffers too small for an escape.
 */
#include <string.h>

#include "sd_esc.h"
#include "sd_test.h"

/* Whether escaping in (n bytes) with flags gives want. */
static int
esc_is(const char *in, size_t n, unsigned flags, const char *want)
{
	char out[256];
	size_t used, o;

	o = sd_esc_text(in, n, out, sizeof(out), flags, &used);
	if (o != strlen(want) || strcmp(out, want) != 0 || used != n) {
		fprintf(stderr, "  got \"%s\" for \"%s\"\n", out, want);
		return 0;
	}
	return 1;
}

#define ESC(in, flags, want) esc_is(in, sizeof(in) - 1, flags, want)

static void
test_classes(void)
{
	static const struct {
		const char	*in;
		const char	*text;
		const char	*json;
	} t[] = {
		/* C0, ESC, DEL */
		{ "a\x01z", "a\\x01z", "a\\u0001z" },
		{ "\x1b]52;c;AAAA\x07", "\\x1b]52;c;AAAA\\x07",
		    "\\u001b]52;c;AAAA\\u0007" },
		{ "\x1b[2J", "\\x1b[2J", "\\u001b[2J" },
		{ "x\x7fy", "x\\x7fy", "x\\u007fy" },
		{ "\n\t\r", "\\x0a\\x09\\x0d", "\\u000a\\u0009\\u000d" },
		/* C1 as UTF-8 (U+009B CSI, U+0085, U+0080) */
		{ "\xc2\x9b" "2J", "\\u{009b}2J", "\\u009b2J" },
		{ "\xc2\x80\xc2\x85\xc2\x9f", "\\u{0080}\\u{0085}\\u{009f}",
		    "\\u0080\\u0085\\u009f" },
		/* raw C1 bytes are not UTF-8 */
		{ "\x9b" "2J", "\\x9b2J", "\\ufffd2J" },
		/* bidi controls */
		{ "\xd8\x9c", "\\u{061c}", "\\u061c" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "\\u{200e}\\u{200f}",
		    "\\u200e\\u200f" },
		{ "x\xe2\x80\xaagnp.exe", "x\\u{202a}gnp.exe",
		    "x\\u202agnp.exe" },
		{ "\xe2\x80\xae", "\\u{202e}", "\\u202e" },
		{ "\xe2\x81\xa6\xe2\x81\xa9", "\\u{2066}\\u{2069}",
		    "\\u2066\\u2069" },
		/* valid UTF-8 passes: é, €, 😀, U+00A0, U+202F, U+2065 */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xc2\xa0\xe2\x80\xaf\xe2\x81\xa5",
		    "\xc2\xa0\xe2\x80\xaf\xe2\x81\xa5",
		    "\xc2\xa0\xe2\x80\xaf\xe2\x81\xa5" },
		{ "plain \"q\" \\", "plain \"q\" \\", "plain \"q\" \\" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(esc_is(t[i].in, strlen(t[i].in), 0, t[i].text));
		CHECK(esc_is(t[i].in, strlen(t[i].in), SD_ESC_JSON,
		    t[i].json));
	}
	CHECK(ESC("a\0b", 0, "a\\x00b"));
}

static void
test_invalid(void)
{
	/* Cut sequences: each byte escaped, what follows kept. */
	CHECK(ESC("\xc3", 0, "\\xc3"));
	CHECK(ESC("\xe2\x82", 0, "\\xe2\\x82"));
	CHECK(ESC("\xf0\x9f\x98", 0, "\\xf0\\x9f\\x98"));
	CHECK(ESC("\xe2\x82z", 0, "\\xe2\\x82z"));
	/* Overlong, surrogate, beyond U+10FFFF, stray continuation. */
	CHECK(ESC("\xc0\xaf", 0, "\\xc0\\xaf"));
	CHECK(ESC("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf"));
	CHECK(ESC("\xed\xa0\x80", 0, "\\xed\\xa0\\x80"));
	CHECK(ESC("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"));
	CHECK(ESC("\x80", 0, "\\x80"));
	CHECK(ESC("\xff\xfe", 0, "\\xff\\xfe"));
}

static void
test_flags(void)
{
	CHECK(ESC("a \"b\" \\c", SD_ESC_QUOTE, "a \\\"b\\\" \\\\c"));
	CHECK(ESC("caf\xc3\xa9", SD_ESC_ASCII, "caf\\u{00e9}"));
	CHECK(ESC("caf\xc3\xa9", SD_ESC_JSON | SD_ESC_ASCII, "caf\\u00e9"));
	CHECK(ESC("\xf0\x9f\x98\x80", SD_ESC_JSON | SD_ESC_ASCII,
	    "\\ud83d\\ude00"));
	CHECK(sd_esc_needed(0x1b) && sd_esc_needed(0x9b) &&
	    sd_esc_needed(0x202e) && !sd_esc_needed('a') &&
	    !sd_esc_needed(0xa0) && !sd_esc_needed(0x2065));
}

static void
test_small_buffer(void)
{
	char out[8];
	size_t used, o;

	/* An escape that does not fit is left for the next buffer. */
	o = sd_esc_text("abcd\x1b", 5, out, sizeof(out), 0, &used);
	CHECK_EQ(o, 4);
	CHECK_EQ(used, 4);
	CHECK(strcmp(out, "abcd") == 0);
	o = sd_esc_text("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, out,
	    sizeof(out), 0, &used);
	CHECK_EQ(o, 6);
	CHECK_EQ(used, 6);
	o = sd_esc_text("abc", 3, out, 1, 0, &used);
	CHECK_EQ(o, 0);
	CHECK_EQ(used, 0);
	CHECK(out[0] == '\0');
	o = sd_esc_text("abc", 3, out, 0, 0, &used);
	CHECK_EQ(o, 0);
}

static const struct sd_test_case cases[] = {
	{ "classes", test_classes },
	{ "invalid", test_invalid },
	{ "flags", test_flags },
	{ "small_buffer", test_small_buffer },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
