/*
 * test_registry.c: the device registry (sd_registry): the file's
 * parser (valid, each malformed field, bounds), the lookups by MAC and
 * certificate identity, and every admission verdict.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_config.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_handle.h"
#include "sd_registry.h"
#include "sd_server.h"
#include "sd_test.h"

#define H64 "9f86d081884c7d659a2feaa0c55ad015" \
	"a3bf4f1b2b0b822cd15d6c15b0f00a08"	/* SHA-256 of "test" */

static const uint8_t MAC_A[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_B[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x56 };
static const uint8_t MAC_C[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x57 };
static const uint8_t MAC_D[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x58 };
static const uint8_t MAC_X[6] = { 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55 };

static const char sample[] =
    "# the registry\n"
    "\n"
    "00:11:22:33:44:55 pump-7 token-sha256:" H64
    " 10.0.0.0/8,192.168.1.0/24 enabled\n"
    "00:11:22:33:44:56\tpump-8\tcert:sha256:ab12 any revoked  # old\r\n"
    "  00-11-22-33-44-57 meter - 127.0.0.1 enabled\r\n"
    "00:11:22:33:44:58 cam cert:CN%20cam%25 any enabled";

static struct sd_registry *
parse(const char *text)
{
	struct sd_registry *reg = NULL;
	char err[SD_ERR_LEN];

	if (sd_registry_parse("t.reg", text, strlen(text), &reg, err) !=
	    SD_OK)
		fprintf(stderr, "parse: %s\n", err);
	return reg;
}

/* Comments, blank lines, tabs, CRLF, '-' MACs, a last line without a
 * newline; each field where it belongs. */
static void
test_parse_valid(void)
{
	struct sd_registry *reg = parse(sample);
	const struct sd_registry_dev *d;

	CHECK(reg != NULL);
	CHECK_EQ(reg->ndevs, 4);
	d = sd_registry_find_mac(reg, MAC_A);
	CHECK(d != NULL && strcmp(d->name, "pump-7") == 0);
	CHECK(d->cred == SD_REGISTRY_TOKEN && d->enabled && d->nrules == 2);
	CHECK(d->sha[0] == 0x9f && d->sha[31] == 0x08 && d->line == 3);
	d = sd_registry_find_mac(reg, MAC_B);
	CHECK(d != NULL && d->cred == SD_REGISTRY_CERT && !d->enabled);
	CHECK(strcmp(d->ident, "sha256:ab12") == 0 && d->nrules == 0);
	d = sd_registry_find_mac(reg, MAC_C);
	CHECK(d != NULL && d->cred == SD_REGISTRY_NONE && d->line == 5);
	d = sd_registry_find_mac(reg, MAC_D);
	CHECK(d != NULL && strcmp(d->ident, "CN cam%") == 0);
	CHECK(sd_registry_find_mac(reg, MAC_X) == NULL);
	CHECK(sd_registry_find_ident(reg, "CN cam%") == d);
	CHECK(sd_registry_find_ident(reg, "CN cam") == NULL);
	sd_registry_free(reg);
	/* Nothing at all is an empty registry. */
	reg = parse("# none yet\n\n");
	CHECK(reg != NULL && reg->ndevs == 0);
	CHECK(sd_registry_find_mac(reg, MAC_A) == NULL);
	sd_registry_free(reg);
}

/* Each malformed line is refused with the file, its line and why. */
static void
test_parse_errors(void)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "00:11:22:33:44 a - any enabled", "t.reg:1: a MAC" },
		{ "00:11:22:33:44:5g a - any enabled", "t.reg:1: a MAC" },
		{ "\n00:11:22:33:44:55 a\x1b[31m - any enabled",
		  "t.reg:2: a name" },
		{ "00:11:22:33:44:55 "
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa - any enabled",
		  "t.reg:1: a name" },
		{ "00:11:22:33:44:55 a token-sha256:abc any enabled",
		  "t.reg:1: token-sha256: wants 64" },
		{ "00:11:22:33:44:55 a token-sha256:" H64 "0 any enabled",
		  "t.reg:1: token-sha256: wants 64" },
		{ "00:11:22:33:44:55 a token-sha256:"
		  "gf86d081884c7d659a2feaa0c55ad015"
		  "a3bf4f1b2b0b822cd15d6c15b0f00a08 any enabled",
		  "t.reg:1: token-sha256: wants 64" },
		{ "00:11:22:33:44:55 a password:x any enabled",
		  "t.reg:1: a credential" },
		{ "00:11:22:33:44:55 a cert: any enabled",
		  "t.reg:1: a certificate identity" },
		{ "00:11:22:33:44:55 a cert:x%4 any enabled",
		  "t.reg:1: a '%' in an identity" },
		{ "00:11:22:33:44:55 a cert:x%00y any enabled",
		  "t.reg:1: a certificate identity of 1 to 255 bytes, "
		  "no NUL" },
		{ "00:11:22:33:44:55 a - 10.0.0.0/33 enabled",
		  "t.reg:1: addresses" },
		{ "00:11:22:33:44:55 a - 10.0.0.0/8@5000 enabled",
		  "t.reg:1: addresses" },
		{ "00:11:22:33:44:55 a - any on", "t.reg:1: a state" },
		{ "00:11:22:33:44:55 a - any", "t.reg:1: wants MAC NAME" },
		{ "00:11:22:33:44:55 a - any enabled x",
		  "t.reg:1: wants MAC NAME" },
		{ "00:11:22:33:44:55 a - any enabled\n"
		  "00:11:22:33:44:55 b - any enabled",
		  "t.reg:2: this MAC is on an earlier line" },
		{ "00:11:22:33:44:55 a cert:x any enabled\n"
		  "00:11:22:33:44:56 b cert:%78 any enabled",
		  "t.reg:2: this certificate identity" },
	};
	struct sd_registry *reg;
	char err[SD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		reg = (struct sd_registry *)1;
		CHECK_EQ(sd_registry_parse("t.reg", bad[i].text,
		    strlen(bad[i].text), &reg, err), SD_ERR_INVAL);
		CHECK(reg == NULL);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0) {
			fprintf(stderr, "case %zu: %s\n", i, err);
			CHECK(0);
		}
	}
	/* A NUL inside a line. */
	CHECK_EQ(sd_registry_parse("t.reg", "00:11\0", 6, &reg, err),
	    SD_ERR_INVAL);
	CHECK(strstr(err, "t.reg:1: a NUL") != NULL);
}

/* A name is what "device add" may write and the parser read back: a
 * leading '#' would start a comment and cut the line to one field. */
static void
test_name_ok(void)
{
	struct sd_registry *reg;

	CHECK(sd_registry_name_ok("pump-7"));
	CHECK(sd_registry_name_ok("a#b"));
	CHECK(!sd_registry_name_ok("#b"));
	CHECK(!sd_registry_name_ok(""));
	CHECK(!sd_registry_name_ok("a b"));
	reg = parse("00:11:22:33:44:55 a#b - any enabled\n");
	CHECK(reg != NULL && strcmp(reg->devs[0].name, "a#b") == 0);
	sd_registry_free(reg);
}

/* A line, a file and a count over their caps are refused. */
static void
test_parse_bounds(void)
{
	size_t n = SD_REGISTRY_MAX_DEVICES + 1, i, at = 0, len = n * 40;
	struct sd_registry *reg;
	char err[SD_ERR_LEN], *big = malloc(len);

	CHECK(big != NULL);
	memset(big, '#', SD_REGISTRY_MAX_LINE);
	CHECK_EQ(sd_registry_parse("t.reg", big, SD_REGISTRY_MAX_LINE, &reg,
	    err), SD_ERR_INVAL);
	CHECK(strstr(err, "t.reg:1: line longer") != NULL);
	/* One byte less is a (comment) line. */
	CHECK_EQ(sd_registry_parse("t.reg", big, SD_REGISTRY_MAX_LINE - 1,
	    &reg, err), SD_OK);
	sd_registry_free(reg);
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(big + at, len - at,
		    "%02x:%02x:%02x:00:00:01 d - any enabled\n",
		    (unsigned)(i >> 16), (unsigned)(i >> 8 & 0xff),
		    (unsigned)(i & 0xff));
	CHECK_EQ(sd_registry_parse("t.reg", big, at, &reg, err),
	    SD_ERR_INVAL);
	CHECK(strstr(err, ":65537: more than 65536 devices") != NULL);
	/* The last line gone, the rest fits, and each is found. */
	at -= strlen("01:00:00:00:00:01 d - any enabled\n");
	CHECK_EQ(sd_registry_parse("t.reg", big, at, &reg, err), SD_OK);
	CHECK_EQ(reg->ndevs, SD_REGISTRY_MAX_DEVICES);
	for (i = 0; i < reg->ndevs; i++)
		CHECK(sd_registry_find_mac(reg, reg->devs[i].mac) ==
		    &reg->devs[i]);
	sd_registry_free(reg);
	CHECK_EQ(sd_registry_parse("t.reg", big, SD_REGISTRY_MAX_FILE + 1,
	    &reg, err), SD_ERR_INVAL);
	CHECK(strstr(err, "t.reg: larger than") != NULL);
	/* An identity as long as the server takes from a certificate
	 * (sd_tls: 255 bytes), and one byte more, which no certificate
	 * could ever match. */
	for (i = 255; i <= 256; i++) {
		at = (size_t)snprintf(big, len, "00:11:22:33:44:55 d cert:");
		memset(big + at, 'x', i);
		at += i;
		at += (size_t)snprintf(big + at, len - at, " any enabled\n");
		CHECK_EQ(sd_registry_parse("t.reg", big, at, &reg, err),
		    i == 255 ? SD_OK : SD_ERR_INVAL);
		sd_registry_free(reg);
	}
	CHECK(strstr(err, "t.reg:1: a certificate identity of 1 to 255") !=
	    NULL);
	free(big);
}

/* Every verdict, in the order the rules are applied. */
static void
test_admit(void)
{
	struct sd_registry *reg = parse(sample);
	const struct sd_registry_dev *d;
	struct sd_registry_claim cl = { MAC_A, "10.1.2.3", NULL, NULL };
	uint8_t good[32], wrong[32];

	CHECK(reg != NULL);
	CHECK_EQ(sd_registry_sha256("test", 4, good), SD_OK);
	CHECK_EQ(sd_registry_sha256("tesu", 4, wrong), SD_OK);
	/* A token device: HELLO with its token, from its networks. */
	cl.sha = good;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_OK);
	CHECK(d != NULL && strcmp(d->name, "pump-7") == 0);
	cl.peer = "::ffff:192.168.1.77";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_OK);
	cl.peer = "127.0.0.1";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_ADDRESS);
	cl.peer = "10.1.2.3";
	cl.sha = wrong;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_TOKEN);
	cl.sha = NULL;		/* its legacy frames */
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_NEEDS_HELLO);
	/* Unknown, revoked. */
	cl.mac = MAC_X;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_UNKNOWN);
	CHECK(d == NULL);
	cl.mac = MAC_B;
	cl.ident = "sha256:ab12";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_REVOKED);
	/* A legacy device: MAC and address. */
	cl.mac = MAC_C;
	cl.ident = NULL;
	cl.peer = "127.0.0.1";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_OK);
	cl.peer = "127.0.0.2";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_ADDRESS);
	sd_registry_free(reg);
}

/* cert: devices: the identity equal byte for byte, and a certificate
 * that is one device's names no other. */
static void
test_admit_cert(void)
{
	struct sd_registry *reg = parse(sample);
	const struct sd_registry_dev *d;
	struct sd_registry_claim cl = { MAC_D, "10.1.2.3", "CN cam%", NULL };

	CHECK(reg != NULL);
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_OK);
	cl.ident = "CN cam";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_CERT);
	cl.ident = "CN cam%%";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_CERT);
	cl.ident = NULL;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_CERT);
	/* The camera's certificate claiming the legacy meter (MAC C, which
	 * needs no credential) or an unknown MAC. */
	cl.ident = "CN cam%";
	cl.mac = MAC_C;
	cl.peer = "127.0.0.1";
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_CERT);
	cl.mac = MAC_X;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_BAD_CERT);
	/* A certificate that is nobody's may claim a device without one. */
	cl.ident = "CN stranger";
	cl.mac = MAC_C;
	CHECK_EQ(sd_registry_admit(reg, &cl, &d), SD_REGISTRY_OK);
	sd_registry_free(reg);
}

/* A device's line written back reads back the same; identities keep
 * their bytes through %XX. */
static void
test_format(void)
{
	struct sd_registry *reg = parse(sample), *again;
	char line[SD_REGISTRY_MAX_LINE], err[SD_ERR_LEN];
	const struct sd_registry_dev *d;
	size_t i;

	CHECK(reg != NULL);
	for (i = 0; i < reg->ndevs; i++) {
		CHECK_EQ(sd_registry_format(&reg->devs[i], line,
		    sizeof(line)), SD_OK);
		CHECK_EQ(sd_registry_parse("f", line, strlen(line), &again,
		    err), SD_OK);
		d = &again->devs[0];
		CHECK(memcmp(d->mac, reg->devs[i].mac, 6) == 0);
		CHECK(strcmp(d->name, reg->devs[i].name) == 0);
		CHECK(d->cred == reg->devs[i].cred && d->enabled ==
		    reg->devs[i].enabled);
		CHECK(memcmp(d->sha, reg->devs[i].sha, 32) == 0);
		CHECK((d->ident == NULL) == (reg->devs[i].ident == NULL));
		CHECK(d->ident == NULL || strcmp(d->ident,
		    reg->devs[i].ident) == 0);
		sd_registry_free(again);
	}
	d = sd_registry_find_mac(reg, MAC_D);
	CHECK_EQ(sd_registry_format(d, line, sizeof(line)), SD_OK);
	CHECK(strcmp(line, "00:11:22:33:44:58 cam cert:CN%20cam%25 any "
	    "enabled") == 0);
	sd_registry_free(reg);
}

/* A file from disk; one that is missing says its name. */
/* The registry's reads go through here (-Wl,--wrap=read): after
 * fail_after bytes of a file, one read fails with EIO. */
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
static long fail_after = -1;

ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	if (fail_after == 0) {
		fail_after = -1;
		errno = EIO;
		return -1;
	}
	if (fail_after > 0 && n > (size_t)fail_after)
		n = (size_t)fail_after;
	if (fail_after > 0)
		fail_after -= (long)n;
	return __real_read(fd, buf, n);
}

static void
test_load(void)
{
	char path[] = "/tmp/test_registry.XXXXXX", err[SD_ERR_LEN];
	struct sd_registry *reg;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, sample, strlen(sample)) == (ssize_t)strlen(sample));
	close(fd);
	CHECK_EQ(sd_registry_load(path, &reg, err), SD_OK);
	CHECK(reg != NULL && reg->ndevs == 4);
	sd_registry_free(reg);
	/* A read error half way is the file's error, not a registry of
	 * its first devices. */
	fail_after = 100;
	CHECK_EQ(sd_registry_load(path, &reg, err), SD_ERR_INVAL);
	CHECK(reg == NULL && strstr(err, "Input/output error") != NULL);
	CHECK(fail_after == -1);
	unlink(path);
	CHECK_EQ(sd_registry_load(path, &reg, err), SD_ERR_INVAL);
	CHECK(reg == NULL && strstr(err, path) != NULL);
	CHECK_EQ(sd_registry_load("/tmp", &reg, err), SD_ERR_INVAL);
}

/* c, admitted under sample, under reg (NULL: sample's): SD_OK, or the
 * verdict's words in why. */
static int
recheck(struct sd_conn *c, const char *text, const char **why)
{
	static struct sd_config cfg;
	static struct sd_server srv;
	int rc;

	srv.cfg = &cfg;
	srv.registry = parse(text != NULL ? text : sample);
	c->srv = &srv;
	*why = "";
	rc = sd_handle_registry_recheck(c, why);
	sd_registry_free(srv.registry);
	srv.registry = NULL;
	return rc;
}

/* What a reload does to each client (sd_server_set_registry): kept
 * while its device, address and credential still hold, else closed
 * with the reason. */
static void
test_recheck(void)
{
	static const char revoked[] = "00-11-22-33-44-57 meter - 127.0.0.1 "
	    "revoked\n";
	static const char moved[] = "00-11-22-33-44-57 meter2 - 10.0.0.0/8 "
	    "enabled\n";
	static const char renamed[] = "00-11-22-33-44-57 meter2 - any "
	    "enabled\n";
	static const char rotated[] = "00:11:22:33:44:55 pump-7 token-sha256:"
	    "0f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	    " any enabled\n";
	static const char recert[] = "00:11:22:33:44:58 cam cert:CN%20cam2 "
	    "any enabled\n";
	struct sd_conn c;
	const char *why;

	/* A legacy meter on its address. */
	memset(&c, 0, sizeof(c));
	snprintf(c.peer, sizeof(c.peer), "127.0.0.1");
	c.reg_seen = 1;
	memcpy(c.reg_mac, MAC_C, 6);
	CHECK_EQ(recheck(&c, NULL, &why), SD_OK);
	CHECK_EQ(recheck(&c, revoked, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "device revoked") == 0);
	CHECK_EQ(recheck(&c, moved, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "address not allowed for this device") == 0);
	CHECK_EQ(recheck(&c, "# nobody\n", &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "unknown device") == 0);
	CHECK_EQ(recheck(&c, renamed, &why), SD_OK);
	CHECK(strcmp(c.reg_name, "meter2") == 0);
	/* A token device bound by its HELLO: its token must still be. */
	memset(&c, 0, sizeof(c));
	snprintf(c.peer, sizeof(c.peer), "10.1.2.3");
	c.reg_seen = c.reg_bound = c.has_reg_sha = 1;
	memcpy(c.reg_mac, MAC_A, 6);
	CHECK_EQ(sd_registry_sha256("test", 4, c.reg_sha), SD_OK);
	CHECK_EQ(recheck(&c, NULL, &why), SD_OK);
	CHECK_EQ(recheck(&c, rotated, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "token refused") == 0);
	/* A certificate device: its certificate must still be. */
	memset(&c, 0, sizeof(c));
	snprintf(c.peer, sizeof(c.peer), "10.1.2.3");
	c.reg_seen = c.reg_bound = 1;
	c.tls_identity = (char *)"CN cam%";
	memcpy(c.reg_mac, MAC_D, 6);
	CHECK_EQ(recheck(&c, NULL, &why), SD_OK);
	CHECK_EQ(recheck(&c, recert, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "certificate not the device's") == 0);
	/* From before any registry: no device yet stays; a device is held
	 * to its legacy admission (a token device must HELLO again). */
	memset(&c, 0, sizeof(c));
	snprintf(c.peer, sizeof(c.peer), "127.0.0.1");
	CHECK_EQ(recheck(&c, NULL, &why), SD_OK);
	c.has_dev = 1;
	memcpy(c.dev, MAC_A, 6);
	CHECK_EQ(recheck(&c, NULL, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "address not allowed for this device") == 0);
	snprintf(c.peer, sizeof(c.peer), "10.9.9.9");
	CHECK_EQ(recheck(&c, NULL, &why), SD_ERR_INVAL);
	CHECK(strcmp(why, "device has a token: HELLO with it") == 0);
	memcpy(c.dev, MAC_C, 6);
	snprintf(c.peer, sizeof(c.peer), "127.0.0.1");
	CHECK_EQ(recheck(&c, NULL, &why), SD_OK);
	CHECK(c.reg_seen && strcmp(c.reg_name, "meter") == 0);
}

/* Whether two registries admit the same (what ctl reload names
 * "devices" by): order, comments and spacing aside, each field counts. */
static void
test_same(void)
{
	static const char reordered[] =
	    "# the same, another order\n"
	    "00:11:22:33:44:58 cam cert:CN%20cam%25 any enabled\n"
	    "00:11:22:33:44:57   meter - 127.0.0.1 enabled\n"
	    "00:11:22:33:44:56 pump-8 cert:sha256:ab12 any revoked\n"
	    "00:11:22:33:44:55 pump-7 token-sha256:" H64
	    " 10.0.0.0/8,192.168.1.0/24 enabled\n";
	static const char *const other[] = {
		"pump-8 cert:sha256:ab12 any enabled",	/* state */
		"pump-9 cert:sha256:ab12 any revoked",	/* name */
		"pump-8 cert:sha256:ab13 any revoked",	/* identity */
		"pump-8 cert:sha256:ab12 10.0.0.0/8 revoked",	/* CIDRs */
		"pump-8 token-sha256:" H64 " any revoked",	/* credential */
	};
	struct sd_registry *a = parse(sample), *b = parse(reordered), *c;
	char text[1024];
	size_t i;

	CHECK(a != NULL && b != NULL);
	CHECK(sd_registry_same(a, b) && sd_registry_same(b, a));
	CHECK(sd_registry_same(NULL, NULL));
	CHECK(!sd_registry_same(a, NULL) && !sd_registry_same(NULL, a));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		/* reordered with pump-8's line (MAC_B) replaced. */
		snprintf(text, sizeof(text), "%.*s00:11:22:33:44:56 %s\n%s",
		    (int)(strstr(reordered, "00:11:22:33:44:56") - reordered),
		    reordered, other[i],
		    strstr(reordered, "00:11:22:33:44:55"));
		c = parse(text);
		CHECK(c != NULL && c->ndevs == 4);
		CHECK(!sd_registry_same(a, c));
		sd_registry_free(c);
	}
	/* One device fewer, or another MAC in its place. */
	c = parse("00:11:22:33:44:58 cam cert:CN%20cam%25 any enabled\n");
	CHECK(!sd_registry_same(a, c));
	sd_registry_free(c);
	snprintf(text, sizeof(text), "%s", reordered);
	memcpy(strstr(text, "00:11:22:33:44:57"), "00:11:22:33:44:59", 17);
	c = parse(text);
	CHECK(c != NULL && !sd_registry_same(a, c));
	sd_registry_free(c);
	/* A token rotated. */
	snprintf(text, sizeof(text), "%s", reordered);
	strstr(text, "token-sha256:")[13] = '0';
	c = parse(text);
	CHECK(c != NULL && !sd_registry_same(a, c));
	sd_registry_free(c);
	sd_registry_free(a);
	sd_registry_free(b);
}

/* A fingerprint pasted from `openssl x509 -fingerprint -sha256`
 * (upper case, colons) or in upper case is the server's own lower-case
 * form; what is not exactly 64 hex digits is an identity kept as
 * written. */
static void
test_ident_fingerprint(void)
{
	static const char *fp[] = {
		"SHA256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:"
		"A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015"
		"A3BF4F1B2B0B822CD15D6C15B0F00A08",
		"sha256:" H64,
	};
	static const char *kept[] = {
		"sha256:AB12",
		"sha256:9F::86D081884C7D659A2FEAA0C55AD015"
		"A3BF4F1B2B0B822CD15D6C15B0F00A08",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015"
		"A3BF4F1B2B0B822CD15D6C15B0F00A08:",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015"
		"A3BF4F1B2B0B822CD15D6C15B0F00A0800",
		"CN=SHA256:9F86",
	};
	const struct sd_registry_dev *d;
	struct sd_registry *reg;
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(fp) / sizeof(fp[0]); i++) {
		snprintf(line, sizeof(line), "00:11:22:33:44:55 a cert:%s "
		    "any enabled\n", fp[i]);
		reg = parse(line);
		CHECK(reg != NULL);
		d = sd_registry_find_ident(reg, "sha256:" H64);
		CHECK(d != NULL && strcmp(d->ident, "sha256:" H64) == 0);
		sd_registry_free(reg);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(line, sizeof(line), "00:11:22:33:44:55 a cert:%s "
		    "any enabled\n", kept[i]);
		reg = parse(line);
		CHECK(reg != NULL);
		d = sd_registry_find_ident(reg, kept[i]);
		CHECK(d != NULL && strcmp(d->ident, kept[i]) == 0);
		sd_registry_free(reg);
	}
}

static const struct sd_test_case cases[] = {
	{ "parse_valid", test_parse_valid },
	{ "parse_errors", test_parse_errors },
	{ "parse_bounds", test_parse_bounds },
	{ "name_ok", test_name_ok },
	{ "admit", test_admit },
	{ "admit_cert", test_admit_cert },
	{ "format", test_format },
	{ "load", test_load },
	{ "recheck", test_recheck },
	{ "same", test_same },
	{ "ident_fingerprint", test_ident_fingerprint },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
