/*
 * test_names.c: the stored name of each hostile file name, exactly:
 * directory parts, leading dots, controls, bytes that are not UTF-8,
 * NFD and NFC twins, Windows device names, trailing dots and spaces,
 * ".part", and long names cut after normalising (sd_files_name_clean).
 */
#include <string.h>

#include "sd_files_name.h"
#include "sd_test.h"

#define NAME_LEN	201	/* what sd_files_offer passes */

struct name_case {
	const char	*in;
	const char	*want;
};

/* Whether in (n bytes) is stored as want with a buffer of len. */
static int
name_is(const char *in, size_t n, size_t len, const char *want)
{
	char out[512];

	memset(out, 'Z', sizeof(out));
	sd_files_name_clean(in, n, out, len);
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "  \"%s\" stored as \"%s\", want \"%s\"\n",
		    in, out, want);
		return 0;
	}
	return 1;
}

/* Check each row of t (n rows) with the server's length. */
static void
names_table(const struct name_case *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(name_is(t[i].in, strlen(t[i].in), NAME_LEN,
		    t[i].want));
}

#define TABLE(t) names_table(t, sizeof(t) / sizeof(t[0]))

static void
test_paths(void)
{
	static const struct name_case t[] = {
		{ "../../etc/passwd", "passwd" },
		{ "/abs/path/x.txt", "x.txt" },
		{ "dir\\win.txt", "win.txt" },
		{ "", "file" },
		{ "/", "file" },
		{ "a/", "file" },
		{ "a:b.txt", "ab.txt" },
		{ "ev\x01il\x1b[31m\nname\x7f.txt", "evil[31mname.txt" },
		{ "caf\xe9.txt", "caf_.txt" },
		{ "\xc2\x9b" "evil.txt", "evil.txt" },
		{ "x\xe2\x80\xaegnp.exe", "xgnp.exe" },
		{ " x", " x" },
	};

	TABLE(t);
}

static void
test_dots(void)
{
	static const struct name_case t[] = {
		{ ".bashrc", "_bashrc" },
		{ "..", "_" },
		{ ".", "_" },
		{ "../..", "_" },
		{ "...x", "_..x" },
		{ "...", "_" },
		{ "\x01.hidden", "_hidden" },
		{ "report.", "report" },
		{ "report. . .", "report" },
		{ "a b ", "a b" },
		{ "x.txt ", "x.txt" },
		{ " ", "file" },
		{ ". .", "_" },
		{ "notes.part", "notes.part_" },
		{ "notes.part.", "notes.part_" },
		{ "notes.part ", "notes.part_" },
		{ "notes.parts", "notes.parts" },
	};

	TABLE(t);
}

static void
test_nfc(void)
{
	static const struct name_case t[] = {
		/* é as e + U+0301 (macOS), and composed */
		{ "e\xcc\x81t\xc3\xa9.txt", "\xc3\xa9t\xc3\xa9.txt" },
		{ "\xc3\xa9t\xc3\xa9.txt", "\xc3\xa9t\xc3\xa9.txt" },
		/* A + ring, and the angstrom sign U+212B: both U+00C5 */
		{ "A\xcc\x8a", "\xc3\x85" },
		{ "\xe2\x84\xab", "\xc3\x85" },
		/* Hangul jamo G + A + G: U+AC01 */
		{ "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81" },
		/* acute (230) before ogonek (202): reordered, a + ogonek
		 * composed, the acute kept */
		{ "a\xcc\x81\xcc\xa8", "\xc4\x85\xcc\x81" },
		/* no composed form: kept */
		{ "q\xcc\x81", "q\xcc\x81" },
		/* an invisible U+200B between e and U+0301 is dropped
		 * first, then the two compose */
		{ "e\xe2\x80\x8b\xcc\x81.txt", "\xc3\xa9.txt" },
		/* a byte that is not UTF-8 ('_') composes with nothing */
		{ "e\xff\xcc\x81", "e_\xcc\x81" },
		/* a dotted name decomposed: the leading dot rule still */
		{ ".e\xcc\x81", "_\xc3\xa9" },
	};

	TABLE(t);
}

static void
test_reserved(void)
{
	static const struct name_case t[] = {
		{ "CON", "_CON" },
		{ "con", "_con" },
		{ "con.txt", "_con.txt" },
		{ "NUL", "_NUL" },
		{ "nUl.tar.gz", "_nUl.tar.gz" },
		{ "Com1.log", "_Com1.log" },
		{ "lpt9", "_lpt9" },
		{ "AUX.", "_AUX" },
		{ "prn ", "_prn" },
		{ "nul .txt", "_nul .txt" },
		{ "CONIN$", "_CONIN$" },
		{ "conout$.x", "_conout$.x" },
		{ "COM\xc2\xb9", "_COM\xc2\xb9" },
		{ "lpt\xc2\xb3.txt", "_lpt\xc2\xb3.txt" },
		{ "dir/aux", "_aux" },
		{ ".con", "_con" },
		{ "con.part", "_con.part_" },
		/* not device names */
		{ "COM0", "COM0" },
		{ "COM10", "COM10" },
		{ "LPT", "LPT" },
		{ "console.txt", "console.txt" },
		{ "xcon", "xcon" },
		{ "con_x.txt", "con_x.txt" },
		{ "COM\xc2\xb4", "COM\xc2\xb4" },
		{ "a.con", "a.con" },
	};

	TABLE(t);
}

/* Fill buf with n copies of s; returns the bytes written. */
static size_t
names_rep(char *buf, const char *s, size_t n)
{
	size_t i, k = strlen(s);

	for (i = 0; i < n; i++)
		memcpy(buf + i * k, s, k);
	buf[n * k] = '\0';
	return n * k;
}

static void
test_long(void)
{
	char in[1024], want[512];
	size_t n, w;

	/* 300 bytes and .txt: 196 + .txt */
	n = names_rep(in, "a", 300);
	memcpy(in + n, ".txt", 5);
	w = names_rep(want, "a", 196);
	memcpy(want + w, ".txt", 5);
	CHECK(name_is(in, n + 4, NAME_LEN, want));

	/* 150 NFD e-acutes (450 bytes): normalised to 300, then cut to 98
	 * whole characters and .txt (cut first, it would be 65) */
	n = names_rep(in, "e\xcc\x81", 150);
	memcpy(in + n, ".txt", 5);
	w = names_rep(want, "\xc3\xa9", 98);
	memcpy(want + w, ".txt", 5);
	CHECK(name_is(in, n + 4, NAME_LEN, want));
	/* an odd budget: never half a character */
	w = names_rep(want, "\xc3\xa9", 13);
	memcpy(want + w, ".txt", 5);
	CHECK(name_is(in, n + 4, 32, want));

	/* a cut that would end in ".part": one byte shorter instead */
	n = names_rep(in, "x", 195);
	memcpy(in + n, ".partyyyyyyyyyyyyyyyyyyyy", 26);
	w = names_rep(want, "x", 195);
	memcpy(want + w, ".par", 5);
	CHECK(name_is(in, n + 25, NAME_LEN, want));

	/* a device name with a long tail: '_' and still 200 bytes */
	memcpy(in, "con.", 4);
	n = 4 + names_rep(in + 4, "z", 300);
	memcpy(want, "_con.", 5);
	names_rep(want + 5, "z", 195);
	CHECK(name_is(in, n, NAME_LEN, want));

	/* a cut that leaves "CON" and spaces before .txt */
	memcpy(in, "CON", 3);
	n = 3 + names_rep(in + 3, " ", 250);
	memcpy(in + n, ".txt", 5);
	memcpy(want, "_CON", 4);
	w = 4 + names_rep(want + 4, " ", 192);
	memcpy(want + w, ".txt", 5);
	CHECK(name_is(in, n + 4, NAME_LEN, want));

	/* a cut that ends in a space: dropped */
	n = names_rep(in, "a", 199);
	memcpy(in + n, " b", 3);
	names_rep(want, "a", 199);
	CHECK(name_is(in, n + 2, NAME_LEN, want));
}

static const struct sd_test_case cases[] = {
	{ "paths", test_paths },
	{ "dots", test_dots },
	{ "nfc", test_nfc },
	{ "reserved", test_reserved },
	{ "long", test_long },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
