/*
 * sd_registry.c: the device registry (see sd_registry.h). The file is
 * parsed a line at a time into one array; two tables of bucket heads
 * chain indices into it by MAC and by certificate identity, sized once
 * to a power of two at least the number of devices, so a lookup costs
 * one hash and a short chain whatever a peer names.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "sd_err.h"
#include "sd_esc.h"
#include "sd_registry.h"

#define SD_REGISTRY_END		UINT32_MAX

/* A parse in progress: the file's name and line, for errors. */
struct reg_parse {
	const char		*name;
	unsigned		 line;
	struct sd_registry	*reg;
	size_t			 cap;
	char			*err;
};

/* Say why line p->line is wrong; always SD_ERR_INVAL. */
static int
reg_fail(struct reg_parse *p, const char *why)
{
	snprintf(p->err, SD_ERR_LEN, "%s:%u: %s", p->name, p->line, why);
	return SD_ERR_INVAL;
}

static uint32_t
reg_hash(const struct sd_registry *reg, const void *p, size_t len)
{
	return (uint32_t)XXH3_64bits_withSeed(p, len, reg->seed) & reg->mask;
}

int
sd_registry_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	/* A field that starts with '#' starts a comment: the line
	 * would lose its name and its three last fields. */
	if (n == 0 || n > SD_REGISTRY_NAME_MAX || name[0] == '#')
		return 0;
	for (i = 0; i < n; i++) {
		if (name[i] < '!' || name[i] > '~')
			return 0;
	}
	return 1;
}

/* A fingerprint as operators paste it, "sha256:" (any case) and 64 hex
 * digits in either case, with or without openssl's colons between the
 * pairs, becomes the server's own form (lower case, no colons) in place:
 * compared byte for byte, "AB:12:..." would never match a certificate.
 * Anything else is left alone (a CN, URI or DNS name). */
static void
reg_ident_fingerprint(struct sd_registry_dev *d)
{
	char hex[2 * SD_REGISTRY_SHA_LEN + 1];
	const char *s = d->ident + 7;
	size_t n = 0;

	if (d->ident_len < 7 || strncasecmp(d->ident, "sha256:", 7) != 0)
		return;
	for (; *s != '\0'; s++) {
		if (*s == ':' && n > 0 && n % 2 == 0 && s[-1] != ':' &&
		    s[1] != '\0')
			continue;
		if (sd_proto_hexval(*s) < 0 || n == sizeof(hex) - 1)
			return;
		hex[n++] = (char)tolower((unsigned char)*s);
	}
	if (n != sizeof(hex) - 1)
		return;
	hex[n] = '\0';
	memcpy(d->ident, "sha256:", 7);
	memcpy(d->ident + 7, hex, n + 1);
	d->ident_len = 7 + n;
}

/* "%XX" escapes of an identity undone into a new string. */
static int
reg_ident(struct reg_parse *p, struct sd_registry_dev *d, const char *s)
{
	size_t i, o = 0, n = strlen(s);
	int hi, lo;

	if (n == 0 || n > 3 * SD_REGISTRY_IDENT_MAX)
		return reg_fail(p, "a certificate identity of 1 to 255 "
		    "bytes, others than '!'..'~' and '%' as %XX");
	d->ident = malloc(n + 1);
	if (d->ident == NULL)
		return reg_fail(p, "out of memory");
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			d->ident[o++] = s[i];
			continue;
		}
		hi = i + 2 < n ? sd_proto_hexval(s[i + 1]) : -1;
		lo = i + 2 < n ? sd_proto_hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0)
			return reg_fail(p, "a '%' in an identity must be "
			    "%XX (two hex digits)");
		d->ident[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d->ident[o] = '\0';
	d->ident_len = o;
	if (o > SD_REGISTRY_IDENT_MAX || memchr(d->ident, '\0', o) != NULL)
		return reg_fail(p, "a certificate identity of 1 to 255 "
		    "bytes, no NUL");
	reg_ident_fingerprint(d);
	return SD_OK;
}

/* CREDENTIAL: token-sha256:HEX, cert:IDENTITY or "-". */
static int
reg_cred(struct reg_parse *p, struct sd_registry_dev *d, const char *s)
{
	size_t i;
	int hi, lo;

	if (strcmp(s, "-") == 0) {
		d->cred = SD_REGISTRY_NONE;
		return SD_OK;
	}
	if (strncmp(s, "cert:", 5) == 0) {
		d->cred = SD_REGISTRY_CERT;
		return reg_ident(p, d, s + 5);
	}
	if (strncmp(s, "token-sha256:", 13) != 0)
		return reg_fail(p, "a credential: token-sha256:HEX, "
		    "cert:IDENTITY or -");
	s += 13;
	if (strlen(s) != 2 * SD_REGISTRY_SHA_LEN)
		return reg_fail(p, "token-sha256: wants 64 hex digits");
	for (i = 0; i < SD_REGISTRY_SHA_LEN; i++) {
		hi = sd_proto_hexval(s[2 * i]);
		lo = sd_proto_hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return reg_fail(p, "token-sha256: wants 64 hex "
			    "digits");
		d->sha[i] = (uint8_t)(hi << 4 | lo);
	}
	d->cred = SD_REGISTRY_TOKEN;
	return SD_OK;
}

/* CIDRS: "any", or prefixes as --allow takes them, without ports. */
static int
reg_cidrs(struct reg_parse *p, struct sd_registry_dev *d, const char *s)
{
	d->cidrs = strdup(s);
	if (d->cidrs == NULL)
		return reg_fail(p, "out of memory");
	if (strcmp(s, "any") == 0)
		return SD_OK;
	if (strchr(s, '@') != NULL || sd_admit_parse(s, &d->rules,
	    &d->nrules) != SD_OK)
		return reg_fail(p, "addresses: any, or CIDR,... (at most "
		    "256, no ports)");
	return SD_OK;
}

/* Split line (NUL'd, no newline) into at most max fields in place;
 * returns how many there were (max + 1: too many). */
static size_t
reg_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			return n;
		if (n == max)
			return n + 1;
		f[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

/* A new device at the end of the array (capped). */
static struct sd_registry_dev *
reg_add(struct reg_parse *p)
{
	struct sd_registry *reg = p->reg;
	struct sd_registry_dev *nd;
	size_t cap;

	if (reg->ndevs == SD_REGISTRY_MAX_DEVICES) {
		reg_fail(p, "more than 65536 devices");
		return NULL;
	}
	if (reg->ndevs == p->cap) {
		cap = p->cap ? p->cap * 2 : 16;
		nd = realloc(reg->devs, cap * sizeof(*nd));
		if (nd == NULL) {
			reg_fail(p, "out of memory");
			return NULL;
		}
		reg->devs = nd;
		p->cap = cap;
	}
	nd = &reg->devs[reg->ndevs++];
	memset(nd, 0, sizeof(*nd));
	nd->line = p->line;
	return nd;
}

/* One line of the file (NUL'd, no newline). */
static int
reg_line(struct reg_parse *p, char *line)
{
	struct sd_registry_dev *d;
	char *f[5];
	size_t n = reg_fields(line, f, 5);

	if (n == 0)
		return SD_OK;
	if (n != 5)
		return reg_fail(p, "wants MAC NAME CREDENTIAL CIDRS STATE");
	d = reg_add(p);
	if (d == NULL)
		return SD_ERR_INVAL;
	if (sd_proto_mac_parse(f[0], d->mac) != SD_OK)
		return reg_fail(p, "a MAC as aa:bb:cc:dd:ee:ff");
	if (!sd_registry_name_ok(f[1]))
		return reg_fail(p, "a name of 1 to 63 printable ASCII "
		    "bytes, no spaces, not starting with '#'");
	memcpy(d->name, f[1], strlen(f[1]) + 1);
	if (reg_cred(p, d, f[2]) != SD_OK || reg_cidrs(p, d, f[3]) != SD_OK)
		return SD_ERR_INVAL;
	if (strcmp(f[4], "enabled") == 0)
		d->enabled = 1;
	else if (strcmp(f[4], "revoked") != 0)
		return reg_fail(p, "a state: enabled or revoked");
	return SD_OK;
}

/* Chain every device into both tables; a MAC or an identity twice is
 * an error at the second's line. */
static int
reg_index(struct reg_parse *p)
{
	struct sd_registry *reg = p->reg;
	struct sd_registry_dev *d;
	uint32_t b, i, nb = 16;

	while (nb < reg->ndevs * 2)
		nb *= 2;
	reg->mask = nb - 1;
	reg->by_mac = malloc(nb * sizeof(uint32_t));
	reg->by_ident = malloc(nb * sizeof(uint32_t));
	if (reg->by_mac == NULL || reg->by_ident == NULL)
		return reg_fail(p, "out of memory");
	memset(reg->by_mac, 0xff, nb * sizeof(uint32_t));
	memset(reg->by_ident, 0xff, nb * sizeof(uint32_t));
	for (i = 0; i < reg->ndevs; i++) {
		d = &reg->devs[i];
		p->line = d->line;
		if (sd_registry_find_mac(reg, d->mac) != NULL)
			return reg_fail(p, "this MAC is on an earlier line");
		if (d->ident != NULL &&
		    sd_registry_find_ident(reg, d->ident) != NULL)
			return reg_fail(p, "this certificate identity is on "
			    "an earlier line");
		b = reg_hash(reg, d->mac, SD_MAC_LEN);
		d->next_mac = reg->by_mac[b];
		reg->by_mac[b] = i;
		d->next_ident = SD_REGISTRY_END;
		if (d->ident == NULL)
			continue;
		b = reg_hash(reg, d->ident, d->ident_len);
		d->next_ident = reg->by_ident[b];
		reg->by_ident[b] = i;
	}
	return SD_OK;
}

/* Parse every line of text into p->reg. */
static int
reg_lines(struct reg_parse *p, const char *text, size_t len)
{
	char line[SD_REGISTRY_MAX_LINE];
	const char *s = text, *end = text + len, *nl;
	size_t raw, n;

	while (s < end) {
		p->line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		raw = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
		if (raw >= sizeof(line))
			return reg_fail(p, "line longer than 4095 bytes");
		if (memchr(s, '\0', raw) != NULL)
			return reg_fail(p, "a NUL byte");
		n = raw;
		if (n > 0 && s[n - 1] == '\r')
			n--;	/* a file written on Windows */
		memcpy(line, s, n);
		line[n] = '\0';
		if (reg_line(p, line) != SD_OK)
			return SD_ERR_INVAL;
		s += raw + (nl != NULL ? 1 : 0);
	}
	return SD_OK;
}

/* path as errors quote it: escaped, as a file name may hold any byte
 * (and err goes to terminals, logs and ctl's JSON, which wants UTF-8). */
static void
reg_shown(const char *path, char out[SD_ERR_LEN])
{
	sd_esc_text(path, strlen(path), out, SD_ERR_LEN, 0, NULL);
}

int
sd_registry_parse(const char *name, const char *text, size_t len,
    struct sd_registry **out, char err[SD_ERR_LEN])
{
	char shown[SD_ERR_LEN];
	struct reg_parse p = { shown, 0, NULL, 0, err };
	int rc;

	*out = NULL;
	reg_shown(name, shown);
	if (len > SD_REGISTRY_MAX_FILE) {
		snprintf(err, SD_ERR_LEN, "%.200s: larger than %u bytes", shown,
		    SD_REGISTRY_MAX_FILE);
		return SD_ERR_INVAL;
	}
	p.reg = calloc(1, sizeof(*p.reg));
	if (p.reg == NULL) {
		snprintf(err, SD_ERR_LEN, "%.200s: out of memory", shown);
		return SD_ERR_NOMEM;
	}
	if (getrandom(&p.reg->seed, sizeof(p.reg->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p.reg->seed))
		p.reg->seed = (uint64_t)sd_mono_ns();
	rc = reg_lines(&p, text, len);
	if (rc == SD_OK)
		rc = reg_index(&p);
	if (rc != SD_OK) {
		sd_registry_free(p.reg);
		return rc;
	}
	*out = p.reg;
	return SD_OK;
}

/* Read at most SD_REGISTRY_MAX_FILE bytes of fd into *text (path: as
 * errors show it). */
static int
reg_read(int fd, const char *path, char **text, size_t *len,
    char err[SD_ERR_LEN])
{
	struct stat st;
	size_t got = 0;
	ssize_t r;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "%.200s: not a regular file", path);
		return SD_ERR_INVAL;
	}
	if ((uint64_t)st.st_size > SD_REGISTRY_MAX_FILE) {
		snprintf(err, SD_ERR_LEN, "%.200s: larger than %u bytes", path,
		    SD_REGISTRY_MAX_FILE);
		return SD_ERR_INVAL;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (*text == NULL) {
		snprintf(err, SD_ERR_LEN, "%.200s: out of memory", path);
		return SD_ERR_NOMEM;
	}
	/* Up to the size seen: a file growing meanwhile is cut there. A
	 * read error is the file's error, never a registry cut short at
	 * it: its last devices would be refused, or on reload revoked. */
	while (got < (size_t)st.st_size) {
		r = read(fd, *text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, SD_ERR_LEN, "%.200s: %s", path,
			    strerror(errno));
			free(*text);
			*text = NULL;
			return SD_ERR_INVAL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return SD_OK;
}

int
sd_registry_load(const char *path, struct sd_registry **out,
    char err[SD_ERR_LEN])
{
	char *text = NULL, shown[SD_ERR_LEN];
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	reg_shown(path, shown);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", shown,
		    strerror(errno));
		return SD_ERR_INVAL;
	}
	rc = reg_read(fd, shown, &text, &len, err);
	close(fd);
	if (rc == SD_OK)
		rc = sd_registry_parse(path, text, len, out, err);
	free(text);
	return rc;
}

void
sd_registry_free(struct sd_registry *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->ndevs; i++) {
		free(reg->devs[i].ident);
		free(reg->devs[i].cidrs);
		free(reg->devs[i].rules);
	}
	free(reg->devs);
	free(reg->by_mac);
	free(reg->by_ident);
	free(reg);
}

/* Whether d and e are written the same (their MACs aside). */
static int
reg_dev_same(const struct sd_registry_dev *d, const struct sd_registry_dev *e)
{
	const char *dc = d->cidrs != NULL ? d->cidrs : "any";
	const char *ec = e->cidrs != NULL ? e->cidrs : "any";

	if (strcmp(d->name, e->name) != 0 || d->cred != e->cred ||
	    d->enabled != e->enabled || strcmp(dc, ec) != 0)
		return 0;
	if (d->cred == SD_REGISTRY_TOKEN)
		return memcmp(d->sha, e->sha, sizeof(d->sha)) == 0;
	if (d->cred == SD_REGISTRY_CERT)
		return d->ident_len == e->ident_len &&
		    memcmp(d->ident, e->ident, d->ident_len) == 0;
	return 1;
}

int
sd_registry_same(const struct sd_registry *a, const struct sd_registry *b)
{
	const struct sd_registry_dev *e;
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->ndevs != b->ndevs)
		return 0;
	/* A MAC is once in a file: as many devices, each found in b and
	 * the same, is the same set. */
	for (i = 0; i < a->ndevs; i++) {
		e = sd_registry_find_mac(b, a->devs[i].mac);
		if (e == NULL || !reg_dev_same(&a->devs[i], e))
			return 0;
	}
	return 1;
}

const struct sd_registry_dev *
sd_registry_find_mac(const struct sd_registry *reg,
    const uint8_t mac[SD_MAC_LEN])
{
	uint32_t i = reg->by_mac[reg_hash(reg, mac, SD_MAC_LEN)];

	while (i != SD_REGISTRY_END) {
		if (memcmp(reg->devs[i].mac, mac, SD_MAC_LEN) == 0)
			return &reg->devs[i];
		i = reg->devs[i].next_mac;
	}
	return NULL;
}

const struct sd_registry_dev *
sd_registry_find_ident(const struct sd_registry *reg, const char *ident)
{
	size_t n = strlen(ident);
	uint32_t i = reg->by_ident[reg_hash(reg, ident, n)];
	const struct sd_registry_dev *d;

	while (i != SD_REGISTRY_END) {
		d = &reg->devs[i];
		if (d->ident_len == n && memcmp(d->ident, ident, n) == 0)
			return d;
		i = d->next_ident;
	}
	return NULL;
}

/* Whether cl's certificate (if any) may name d: a certificate that is
 * one device's names that device only. */
static int
reg_cert_names(const struct sd_registry *reg,
    const struct sd_registry_claim *cl, const struct sd_registry_dev *d)
{
	const struct sd_registry_dev *owner;

	if (cl->ident == NULL)
		return 1;
	owner = sd_registry_find_ident(reg, cl->ident);
	return owner == NULL || owner == d;
}

enum sd_registry_verdict
sd_registry_admit(const struct sd_registry *reg,
    const struct sd_registry_claim *cl, const struct sd_registry_dev **dev)
{
	const struct sd_registry_dev *d = sd_registry_find_mac(reg, cl->mac);

	*dev = d;
	if (!reg_cert_names(reg, cl, d))
		return SD_REGISTRY_BAD_CERT;
	if (d == NULL)
		return SD_REGISTRY_UNKNOWN;
	if (!d->enabled)
		return SD_REGISTRY_REVOKED;
	if (d->nrules > 0 && !sd_admit_rules_match(d->rules, d->nrules,
	    cl->peer))
		return SD_REGISTRY_ADDRESS;
	switch (d->cred) {
	case SD_REGISTRY_CERT:
		if (cl->ident == NULL || strcmp(cl->ident, d->ident) != 0)
			return SD_REGISTRY_BAD_CERT;
		return SD_REGISTRY_OK;
	case SD_REGISTRY_TOKEN:
		if (cl->sha == NULL)
			return SD_REGISTRY_NEEDS_HELLO;
		if (!sd_secret_equal(cl->sha, SD_REGISTRY_SHA_LEN, d->sha,
		    SD_REGISTRY_SHA_LEN))
			return SD_REGISTRY_BAD_TOKEN;
		return SD_REGISTRY_OK;
	default:
		return SD_REGISTRY_OK;
	}
}

const char *
sd_registry_why(enum sd_registry_verdict v)
{
	static const char *const why[] = {
		[SD_REGISTRY_OK] = "admitted",
		[SD_REGISTRY_UNKNOWN] = "unknown device",
		[SD_REGISTRY_REVOKED] = "device revoked",
		[SD_REGISTRY_ADDRESS] = "address not allowed for this device",
		[SD_REGISTRY_BAD_TOKEN] = "token refused",
		[SD_REGISTRY_NEEDS_HELLO] = "device has a token: HELLO "
		    "with it",
		[SD_REGISTRY_BAD_CERT] = "certificate not the device's",
	};

	return (size_t)v < sizeof(why) / sizeof(why[0]) ? why[v] : "refused";
}

int
sd_registry_sha256(const void *p, size_t len,
    uint8_t sha[SD_REGISTRY_SHA_LEN])
{
	unsigned n = 0;

	if (EVP_Digest(p, len, sha, &n, EVP_sha256(), NULL) != 1 ||
	    n != SD_REGISTRY_SHA_LEN)
		return SD_ERR_NOMEM;
	return SD_OK;
}

void
sd_registry_cred_text(const struct sd_registry_dev *d, char *buf,
    size_t len)
{
	size_t i, o;
	unsigned char ch;

	if (d->cred == SD_REGISTRY_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	if (d->cred == SD_REGISTRY_TOKEN) {
		o = (size_t)snprintf(buf, len, "token-sha256:");
		for (i = 0; i < SD_REGISTRY_SHA_LEN && o + 3 <= len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%02x",
			    d->sha[i]);
		return;
	}
	o = (size_t)snprintf(buf, len, "cert:");
	for (i = 0; i < d->ident_len && o + 4 <= len; i++) {
		ch = (unsigned char)d->ident[i];
		if (ch < '!' || ch > '~' || ch == '%')
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o < len ? o : len - 1] = '\0';
}

int
sd_registry_format(const struct sd_registry_dev *d, char *buf, size_t len)
{
	char mac[18], cred[SD_REGISTRY_MAX_LINE];
	int n;

	sd_proto_mac_str(d->mac, mac);
	sd_registry_cred_text(d, cred, sizeof(cred));
	n = snprintf(buf, len, "%s %s %s %s %s", mac, d->name, cred,
	    d->cidrs != NULL ? d->cidrs : "any",
	    d->enabled ? "enabled" : "revoked");
	return n < 0 || (size_t)n >= len ? SD_ERR_NOSPACE : SD_OK;
}
