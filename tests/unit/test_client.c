/*
 * test_client.c: the client's pieces that need no socket: made-up
 * sensor streams, the recent servers' file, HOST:PORT parsing, and the
 * screen's line editor and history.
 */
#include <curses.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <locale.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_client.h"
#include "sd_err.h"
#include "sd_recent.h"
#include "sd_synth.h"
#include "sd_test.h"
#include "sd_util.h"
#include "tui_line.h"

#define SEC	1000000000LL

static void
test_stream_due(void)
{
	struct sd_synth s;
	uint64_t n;

	sd_synth_init(&s, SD_SYNTH_CONSTANT, 20, 10, 5 * SEC);
	/* The first reading is due at once, then one per 100 ms. */
	CHECK_EQ(sd_synth_due(&s, 5 * SEC, 1000), 1);
	sd_synth_next(&s);
	CHECK_EQ(sd_synth_due(&s, 5 * SEC + SEC / 25, 1000), 0);
	CHECK_EQ(sd_synth_due(&s, 6 * SEC, 1000), 10);
	/* A tick a little early still sends its reading (CI saw gaps of
	 * 0 and 100 ms at 20 a second from ticks 1 ms early). */
	CHECK_EQ(sd_synth_due_total(5 * SEC, 5 * SEC + SEC / 20 - 1000000,
	    20), 2);
	CHECK_EQ(sd_synth_due_total(5 * SEC, 5 * SEC + SEC / 10 - 4000000,
	    20), 3);
	for (n = 0; n < 10; n++)
		CHECK(sd_synth_next(&s) == 20);
	CHECK_EQ(sd_synth_due(&s, 6 * SEC, 1000), 0);
	/* A loop that stalled catches up in bounded steps. */
	CHECK_EQ(sd_synth_due(&s, 100 * SEC, 50), 50);
	/* A clock that went back owes nothing. */
	CHECK_EQ(sd_synth_due(&s, 0, 50), 0);
}

static void
test_stream_shapes(void)
{
	struct sd_synth s;
	double v, lo = INFINITY, hi = -INFINITY;
	int i;

	sd_synth_init(&s, SD_SYNTH_SINE, 100, 10, 0);
	for (i = 0; i < 100; i++) {	/* one period: 10 s at 10/s */
		v = sd_synth_next(&s);
		lo = fmin(lo, v);
		hi = fmax(hi, v);
	}
	CHECK(hi > 109.9 && hi <= 110.0 && lo < 90.1 && lo >= 90.0);
	sd_synth_init(&s, SD_SYNTH_WALK, 50, 10, 42);
	lo = INFINITY;
	hi = -INFINITY;
	for (i = 0; i < 1000; i++) {
		double prev = s.cur;

		v = sd_synth_next(&s);
		/* Steps of at most 1% of the base. */
		CHECK(fabs(v - prev) <= 0.5);
		lo = fmin(lo, v);
		hi = fmax(hi, v);
	}
	CHECK(hi > lo);
	CHECK_EQ(sd_synth_shape_parse("sine"), SD_SYNTH_SINE);
	CHECK_EQ(sd_synth_shape_parse("walk"), SD_SYNTH_WALK);
	CHECK(sd_synth_shape_parse("square") == -1);
	CHECK(strcmp(sd_synth_shape_name(SD_SYNTH_CONSTANT),
	    "constant") == 0);
}

static void
test_recent(void)
{
	char dir[] = "/tmp/sd-recent-XXXXXX", path[256], item[32];
	struct sd_recent r = { .n = 0 }, back;
	int i;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a/b/recent", dir);
	sd_recent_load(&r, path);		/* missing: empty */
	CHECK_EQ(r.n, 0);
	CHECK(sd_recent_add(&r, path, "h1:1", NULL) == 0);
	CHECK(sd_recent_add(&r, path, "h2:2", NULL) == 0);
	CHECK(sd_recent_add(&r, path, "h1:1", NULL) == 0);	/* moves up */
	sd_recent_load(&back, path);
	CHECK_EQ(back.n, 2);
	CHECK(strcmp(back.item[0], "h1:1") == 0);
	CHECK(strcmp(back.item[1], "h2:2") == 0);
	for (i = 0; i < 20; i++) {
		snprintf(item, sizeof(item), "[::1]:%d", 1000 + i);
		CHECK(sd_recent_add(&r, path, item, NULL) == 0);
	}
	sd_recent_load(&back, path);
	CHECK_EQ(back.n, SD_RECENT_MAX);
	CHECK(strcmp(back.item[0], "[::1]:1019") == 0);
	CHECK(strcmp(back.item[SD_RECENT_MAX - 1], "[::1]:1012") == 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
}

/* TLS entries: their files kept by path (escaped in the file), read
 * back; an old file's "host:port" lines are plain; unknown fields are
 * skipped; a line with a bad escape or too long is left out. */
static void
test_recent_tls(void)
{
	static struct sd_recent r, back;
	static struct sd_recent_tls t;
	char dir[] = "/tmp/sd-recent-XXXXXX", path[256], big[12000];
	FILE *fp;
	size_t i;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/recent", dir);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	/* A line too long for the reader, whose rest would read as lines
	 * of their own ("1\tab:1\t...") if it were not skipped. */
	for (i = 0; i + 1 < sizeof(big); i++)
		big[i] = "ab:1\t"[i % 5];
	big[sizeof(big) - 1] = '\0';
	fprintf(fp, "old:1\nnew:2\ttls\tca=/a%%20b/c%%25.pem\tzz=1\n"
	    "bad:3\ttls\tca=/x%%2\nlong:4\ttls\tca=/%s\nins:5\ttls\t"
	    "insecure\nnotls:6\tca=/y\n", big);
	fclose(fp);
	sd_recent_load(&back, path);
	CHECK_EQ(back.n, 4);
	CHECK(strcmp(back.item[0], "old:1") == 0 && !back.tls[0].on);
	CHECK(strcmp(back.item[1], "new:2") == 0 && back.tls[1].on &&
	    !back.tls[1].insecure);
	CHECK(strcmp(back.tls[1].ca, "/a b/c%.pem") == 0);
	CHECK(back.tls[1].cert[0] == '\0' && back.tls[1].key[0] == '\0');
	CHECK(strcmp(back.item[2], "ins:5") == 0 && back.tls[2].on &&
	    back.tls[2].insecure);
	CHECK(strcmp(back.item[3], "notls:6") == 0 && !back.tls[3].on &&
	    back.tls[3].ca[0] == '\0');
	CHECK_EQ(sd_recent_find(&back, "ins:5"), 2);
	CHECK_EQ(sd_recent_find(&back, "ins:6"), -1);

	r = back;
	t.on = 1;
	snprintf(t.ca, sizeof(t.ca), "/p q/%%\t\xc3\xa9.pem");
	snprintf(t.cert, sizeof(t.cert), "/c.pem");
	snprintf(t.key, sizeof(t.key), "/k.pem");
	CHECK(sd_recent_add(&r, path, "old:1", &t) == 0);	/* replaced */
	CHECK(sd_recent_add(&r, path, "new:2", NULL) == 0);	/* now plain */
	sd_recent_load(&back, path);
	CHECK_EQ(back.n, 4);
	CHECK(strcmp(back.item[0], "new:2") == 0 && !back.tls[0].on);
	CHECK(strcmp(back.item[1], "old:1") == 0 && back.tls[1].on);
	CHECK(strcmp(back.tls[1].ca, t.ca) == 0);
	CHECK(strcmp(back.tls[1].cert, "/c.pem") == 0);
	CHECK(strcmp(back.tls[1].key, "/k.pem") == 0);
	fp = fopen(path, "r");
	CHECK(fp != NULL && fgets(big, sizeof(big), fp) != NULL &&
	    fgets(big, sizeof(big), fp) != NULL);
	fclose(fp);
	CHECK(strcmp(big, "old:1\ttls\tca=/p%20q/%25%09%C3%A9.pem\t"
	    "cert=/c.pem\tkey=/k.pem\n") == 0);
	/* A path too long to keep: nothing changes. */
	memset(t.key, 'k', sizeof(t.key));
	CHECK(sd_recent_add(&r, path, "k:1", &t) == -1);
	CHECK_EQ(r.n, 4);
	unlink(path);
	rmdir(dir);
}

static void
test_recent_path(void)
{
	char p[256];

	setenv("XDG_STATE_HOME", "/x/state", 1);
	CHECK(sd_recent_path(p, sizeof(p)) == 0);
	CHECK(strcmp(p, "/x/state/sockdeck/recent") == 0);
	setenv("XDG_STATE_HOME", "relative", 1);	/* ignored */
	setenv("HOME", "/home/u", 1);
	CHECK(sd_recent_path(p, sizeof(p)) == 0);
	CHECK(strcmp(p, "/home/u/.local/state/sockdeck/recent") == 0);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	CHECK(sd_recent_path(p, sizeof(p)) == -1);
}

static void
test_parse_target(void)
{
	char host[64];
	int port = 0;

	CHECK(sd_parse_target("127.0.0.1:5000", host, sizeof(host),
	    &port) == 0);
	CHECK(strcmp(host, "127.0.0.1") == 0 && port == 5000);
	CHECK(sd_parse_target("[::1]:6000", host, sizeof(host), &port) == 0);
	CHECK(strcmp(host, "::1") == 0 && port == 6000);
	CHECK(sd_parse_target("example.org:1", host, sizeof(host),
	    &port) == 0);
	CHECK(sd_parse_target("host", host, sizeof(host), &port) == -1);
	CHECK(sd_parse_target(":5000", host, sizeof(host), &port) == -1);
	CHECK(sd_parse_target("h:0", host, sizeof(host), &port) == -1);
	CHECK(sd_parse_target("h:65536", host, sizeof(host), &port) == -1);
	CHECK(sd_parse_target("[::1:5", host, sizeof(host), &port) == -1);
}

/* The texts of ctl and `sockdeck send`: words, one space between. */
static void
test_join_words(void)
{
	char *w[] = { "door", "", "3  open", "\xc3\xa9" }, *s;

	s = sd_join_words(w, 4);
	CHECK(s != NULL && strcmp(s, "door  3  open \xc3\xa9") == 0);
	free(s);
	s = sd_join_words(w, 1);
	CHECK(s != NULL && strcmp(s, "door") == 0);
	free(s);
	s = sd_join_words(w, 0);
	CHECK(s != NULL && strcmp(s, "") == 0);
	free(s);
}

static void
type(struct tui_line *l, const wchar_t *s)
{
	for (; *s != L'\0'; s++)
		CHECK(tui_line_key(l, 0, (wint_t)*s) == 1);
}

static void
test_line_edit(void)
{
	struct tui_line l;
	char out[256];

	tui_line_clear(&l);
	type(&l, L"door open");
	tui_line_key(&l, 1, KEY_HOME);
	type(&l, L"> ");
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "> door open") == 0);
	tui_line_key(&l, 0, 5);			/* ^E */
	tui_line_key(&l, 0, 23);		/* ^W: "open" */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "> door ") == 0);
	tui_line_key(&l, 1, KEY_LEFT);
	tui_line_key(&l, 1, KEY_LEFT);
	tui_line_key(&l, 1, KEY_BACKSPACE);	/* the o before "r " */
	tui_line_key(&l, 1, KEY_DC);		/* the r */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "> do ") == 0);
	tui_line_key(&l, 0, 1);			/* ^A */
	tui_line_key(&l, 1, KEY_RIGHT);
	tui_line_key(&l, 0, 11);		/* ^K */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, ">") == 0);
	tui_line_key(&l, 0, 21);		/* ^U */
	CHECK_EQ(l.len, 0);
	/* Control characters are keys for the caller, not text. */
	CHECK(tui_line_key(&l, 0, 15) == 0);
	CHECK(tui_line_key(&l, 0, 27) == 0);
	CHECK(tui_line_key(&l, 1, KEY_F(10)) == 0);
	CHECK_EQ(l.len, 0);
}

static void
test_line_utf8(void)
{
	struct tui_line l;
	char out[256];

	tui_line_set(&l, "w\xc3\xb6rld \xe2\x82\xac");	/* wörld € */
	CHECK_EQ(l.len, 7);
	tui_line_key(&l, 1, KEY_BACKSPACE);		/* the whole € */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "w\xc3\xb6rld ") == 0);
	tui_line_key(&l, 1, KEY_HOME);
	tui_line_key(&l, 1, KEY_RIGHT);
	tui_line_key(&l, 1, KEY_DC);			/* the whole ö */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "wrld ") == 0);
	/* Bounded: a long paste stops at the line's size. */
	tui_line_clear(&l);
	while (tui_line_key(&l, 0, L'x') && l.len < TUI_LINE_MAX + 10)
		if (l.len == TUI_LINE_MAX)
			break;
	CHECK(tui_line_key(&l, 0, L'y') == 1);
	CHECK_EQ(l.len, TUI_LINE_MAX);
	/* A short buffer gets whole characters only. */
	tui_line_set(&l, "\xc3\xb6\xc3\xb6");
	CHECK_EQ(tui_line_get(&l, out, 4), 2);
}

static void
test_history(void)
{
	struct tui_hist h = { .n = 0 };
	struct tui_line l;
	char out[64];

	tui_hist_add(&h, "one");
	tui_hist_add(&h, "two");
	tui_hist_add(&h, "two");		/* no repeats */
	tui_hist_add(&h, "");			/* nor empty lines */
	CHECK_EQ(h.n, 2);
	tui_line_set(&l, "draft");
	tui_hist_move(&h, &l, -1);
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "two") == 0);
	tui_hist_move(&h, &l, -1);
	tui_hist_move(&h, &l, -1);		/* stays at the oldest */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "one") == 0);
	tui_hist_move(&h, &l, 1);
	tui_hist_move(&h, &l, 1);		/* back to the draft */
	tui_line_get(&l, out, sizeof(out));
	CHECK(strcmp(out, "draft") == 0);
	tui_hist_free(&h);
}

/* One link of a made-up interface list: its name, flags and hardware
 * address (halen bytes of mac). */
struct fake_if {
	struct ifaddrs		ifa;
	struct sockaddr_ll	sll;
	struct sockaddr_in	sin;
};

static void
fake_link(struct fake_if *f, const char *name, unsigned flags,
    const char *mac, int halen, struct fake_if *next)
{
	memset(f, 0, sizeof(*f));
	f->ifa.ifa_name = (char *)name;
	f->ifa.ifa_flags = flags;
	f->ifa.ifa_addr = (struct sockaddr *)&f->sll;
	f->sll.sll_family = AF_PACKET;
	f->sll.sll_halen = (unsigned char)halen;
	if (mac != NULL)
		CHECK_EQ(sd_proto_mac_parse(mac, f->sll.sll_addr), SD_OK);
	f->ifa.ifa_next = next != NULL ? &next->ifa : NULL;
}

/* The original client kept the last interface that had a hardware
 * address: on a host with ifb0 then eth0, eth0's. The loopback, links
 * with an all-zero or no 6-byte address (a tunnel) and entries that are
 * not links (an IPv4 address) never count. */
static void
test_default_device(void)
{
	struct fake_if l[7];
	uint8_t dev[6], want[6];

	fake_link(&l[6], "tun0", IFF_UP, NULL, 0, NULL);
	fake_link(&l[5], "eth1", 0, "00:00:00:00:00:00", 6, &l[6]);
	fake_link(&l[4], "eth0", IFF_UP, "02:fc:00:00:00:02", 6, &l[5]);
	fake_link(&l[3], "eth0", IFF_UP, NULL, 0, &l[4]);
	l[3].ifa.ifa_addr = (struct sockaddr *)&l[3].sin;	/* IPv4 */
	l[3].sin.sin_family = AF_INET;
	fake_link(&l[2], "ifb0", 0, "76:d1:1b:39:5c:80", 6, &l[3]);
	fake_link(&l[1], "lo", IFF_UP | IFF_LOOPBACK, "00:00:00:00:00:00", 6,
	    &l[2]);
	fake_link(&l[0], "lo2", IFF_LOOPBACK, "02:00:00:00:00:09", 6, &l[1]);
	CHECK_EQ(sd_client_pick_device(&l[0].ifa, dev), SD_OK);
	sd_proto_mac_parse("02:fc:00:00:00:02", want);
	CHECK(memcmp(dev, want, 6) == 0);
	/* Only ifb0 left: ifb0's. */
	l[2].ifa.ifa_next = NULL;
	CHECK_EQ(sd_client_pick_device(&l[0].ifa, dev), SD_OK);
	sd_proto_mac_parse("76:d1:1b:39:5c:80", want);
	CHECK(memcmp(dev, want, 6) == 0);
	/* Only loopbacks: none. */
	l[1].ifa.ifa_next = NULL;
	CHECK_EQ(sd_client_pick_device(&l[0].ifa, dev), SD_ERR_INVAL);
	CHECK_EQ(sd_client_pick_device(NULL, dev), SD_ERR_INVAL);
}

static const struct sd_test_case cases[] = {
	{ "default_device", test_default_device },
	{ "stream_due", test_stream_due },
	{ "stream_shapes", test_stream_shapes },
	{ "recent", test_recent },
	{ "recent_tls", test_recent_tls },
	{ "recent_path", test_recent_path },
	{ "parse_target", test_parse_target },
	{ "join_words", test_join_words },
	{ "line_edit", test_line_edit },
	{ "line_utf8", test_line_utf8 },
	{ "history", test_history },
};

int
main(int argc, char **argv)
{
	/* The line editor counts characters in the user's locale. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
