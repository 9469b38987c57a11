/*
 * sockdeckd_device.c: "sockdeckd device add|list|revoke|enable", the
 * editor of the registry file (--devices, sd_registry).
 *
 * Every change is made under an exclusive flock on FILE.lock (not on
 * FILE, which a change replaces), to the whole file read again under
 * it, so two commands at once keep both their edits; the new text is
 * parsed as the server would before it is written to a temporary file
 * in the same directory (fsync'd) and renamed over FILE, so a reader
 * sees the old file or the new one, never half of one. The new file
 * keeps the mode, owner and group of the one it replaces (a registry
 * made readable to the service's user stays so after a root edit); a
 * first one is 0600. add
 * appends a line; revoke and enable change one STATE word in place:
 * every other byte, comments included, stays as it was.
 * "add" makes a token of 32 random bytes, stores only its SHA-256, and
 * prints it once.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_config.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_events.h"
#include "sd_registry.h"
#include "sd_util.h"
#include "sockdeckd_device.h"

#define DEV_TOKEN_BYTES	32

/* What the command line asks. */
struct dev_opts {
	const char	*file;		/* --devices */
	const char	*config;	/* --config */
	const char	*cidr;		/* add --cidr */
	const char	*cert;		/* add --cert */
	const char	*cert_file;	/* add --cert-file */
	int		 legacy;	/* add --legacy */
	int		 json;		/* list --json */
};

static void
dev_usage(FILE *fp)
{
	fputs(
"usage: sockdeckd device [--devices FILE | --config FILE] COMMAND\n"
"\n"
"  add MAC NAME [--cidr LIST] [--cert IDENTITY | --cert-file PEM |\n"
"               --legacy]\n"
"                      register a device, enabled; without --cert* or\n"
"                      --legacy, make its token and print it (once:\n"
"                      only its SHA-256 is kept)\n"
"  list [--json]       the registered devices\n"
"  revoke MAC          mark it revoked: a running server refuses it\n"
"                      from its next reload (and disconnects it)\n"
"  enable MAC          admit it again\n"
"\n"
"  --devices FILE      the registry (else the config file's devices)\n"
"  -c, --config FILE   sockdeckd's config file, for its devices\n"
"  --cidr LIST         addresses it may come from: any (default) or\n"
"                      CIDR,...\n"
"  --cert IDENTITY     admit it by its client certificate instead:\n"
"                      the identity --tls-identity takes from it\n"
"  --cert-file PEM     the same, by the certificate's SHA-256\n"
"                      fingerprint (--tls-identity fingerprint)\n"
"  --legacy            no credential: a legacy device, admitted by its\n"
"                      MAC and its --cidr addresses\n"
"  --json              list as JSON (ASCII only)\n"
"\n"
"Exit status: 0 done, 1 not done (no such device, already there, a\n"
"file that cannot be written), 2 wrong arguments or a bad file.\n", fp);
}

/* One error line, escaped (it may quote a path). */
static void dev_err(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
dev_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_put_verr("sockdeckd device", fmt, ap);
	va_end(ap);
}

/* The file: --devices, or the config file's devices. */
static int
dev_file(struct dev_opts *o, struct sd_config *cfg)
{
	char *argv[] = { "sockdeckd", "--config", (char *)o->config, NULL };
	char err[SD_ERR_LEN];

	if (o->file != NULL)
		return SD_OK;
	if (o->config != NULL) {
		if (sd_config_parse(cfg, 3, argv, err) != SD_OK) {
			dev_err("%s", err);
			return SD_ERR_INVAL;
		}
		o->file = cfg->devices;
	}
	if (o->file == NULL) {
		dev_err("%s", "no registry: give --devices FILE (or a "
		    "--config file with devices = FILE)");
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* Read the whole file (none yet: empty when missing is fine). A
 * directory would read as empty, and what a read error leaves out would
 * be lost by the rewrite: both are errors. */
static int
dev_read(const char *path, int missing_ok, char **text, size_t *len)
{
	const char *why = NULL;
	struct stat st;
	FILE *fp;

	*text = NULL;
	*len = 0;
	fp = fopen(path, "re");
	if (fp == NULL && errno == ENOENT && missing_ok) {
		*text = strdup("");
		return *text != NULL ? SD_OK : SD_ERR_NOMEM;
	}
	if (fp == NULL || fstat(fileno(fp), &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((uint64_t)st.st_size > SD_REGISTRY_MAX_FILE)
		why = "larger than 16 MiB";
	else {
		*text = malloc((size_t)st.st_size + 1);
		if (*text == NULL)
			why = strerror(ENOMEM);
		else
			*len = fread(*text, 1, (size_t)st.st_size, fp);
		if (*text != NULL && ferror(fp))
			why = strerror(errno);
	}
	if (fp != NULL)
		fclose(fp);
	if (why == NULL)
		return SD_OK;
	dev_err("%s: %s", path, why);
	free(*text);
	*text = NULL;
	return SD_ERR_INVAL;
}

/* Give fd the mode, owner and group of path when it exists (0600
 * when not). An owner we may not give (not root) is kept ours, and
 * said. */
static int
dev_keep_mode(int fd, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? fchmod(fd, 0600) : -1;
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) != 0) {
		if (errno != EPERM)
			return -1;
		dev_err("%s: now owned by this user, not uid %lu gid %lu "
		    "(%s)", path, (unsigned long)st.st_uid,
		    (unsigned long)st.st_gid, strerror(EPERM));
	}
	return fchmod(fd, st.st_mode & 07777);
}

/* Write text over path: a temporary file beside it, with path's mode
 * and owner, synced, renamed, and the directory synced. */
static int
dev_write(const char *path, const char *text, size_t len)
{
	char tmp[4096 + 16], dir[4096];
	int fd, dfd, rc = SD_ERR_INVAL;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		dev_err("%s: %s", tmp, strerror(errno));
		return SD_ERR_INVAL;
	}
	if (dev_keep_mode(fd, path) != 0 || sd_write_all(fd, text, len) != 0 ||
	    fsync(fd) != 0) {
		dev_err("%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		dev_err("%s: %s", path, strerror(errno));
		goto out_unlink;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	close(fd);
	return SD_OK;
out_unlink:
	close(fd);
	unlink(tmp);
	return rc;
}

/* Hold FILE.lock exclusively: its fd, or -1. */
static int
dev_lock(const char *path)
{
	char lock[4096 + 8];
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		dev_err("%s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The certificate's SHA-256 fingerprint, "sha256:HEX", into out. */
static int
dev_fingerprint(const char *pem, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	X509 *x = NULL;
	FILE *fp;

	fp = fopen(pem, "re");
	if (fp != NULL) {
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1) {
		dev_err("%s: %s", pem, "not a PEM certificate");
		X509_free(x);
		return SD_ERR_INVAL;
	}
	X509_free(x);
	snprintf(out, len, "cert:sha256:");
	for (i = 0; i < n && strlen(out) + 3 <= len; i++)
		snprintf(out + strlen(out), len - strlen(out), "%02x", md[i]);
	return SD_OK;
}

/* A fresh token as hex into tok, and its SHA-256 credential. */
static int
dev_token(char tok[2 * DEV_TOKEN_BYTES + 1], char *cred, size_t len)
{
	uint8_t raw[DEV_TOKEN_BYTES], sha[SD_REGISTRY_SHA_LEN];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		dev_err("getrandom: %s", strerror(errno));
		return SD_ERR_INVAL;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
	if (sd_registry_sha256(tok, strlen(tok), sha) != SD_OK)
		return SD_ERR_NOMEM;
	snprintf(cred, len, "token-sha256:");
	for (i = 0; i < sizeof(sha); i++)
		snprintf(cred + strlen(cred), len - strlen(cred), "%02x",
		    sha[i]);
	return SD_OK;
}

/* Percent-encode an identity for the file (as sd_registry reads it). */
static void
dev_ident(const char *id, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "cert:");
	unsigned char ch;

	for (; *id != '\0' && o + 4 <= len; id++) {
		ch = (unsigned char)*id;
		if (ch < '!' || ch > '~' || ch == '%')
			o += (size_t)snprintf(out + o, len - o, "%%%02X", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* text with line (MAC NAME CRED CIDRS STATE) appended: a new string. */
static char *
dev_append(const char *text, size_t len, const char *line)
{
	size_t n = strlen(line);
	char *out = malloc(len + n + 3);
	size_t o = len;

	if (out == NULL)
		return NULL;
	memcpy(out, text, len);
	if (len > 0 && text[len - 1] != '\n')
		out[o++] = '\n';
	memcpy(out + o, line, n);
	o += n;
	out[o++] = '\n';
	out[o] = '\0';
	return out;
}

/* text with the STATE field of its line at set to state: a new string,
 * or NULL. The rest stays byte for byte (spacing, the MAC as written,
 * a comment after it, CRLF), and the line cannot grow past its cap:
 * the text parsed, so that field is "enabled" or "revoked", and both
 * are 7 bytes. */
static char *
dev_replace(const char *text, size_t len, unsigned at, const char *state)
{
	const char *s = text, *end = text + len, *nl;
	char *out, *f;
	unsigned no, field;

	for (no = 1; no < at && s < end; no++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		s = nl != NULL ? nl + 1 : end;
	}
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, text, len);
	out[len] = '\0';
	f = out + (s - text);
	for (field = 0;; field++) {
		while (*f == ' ' || *f == '\t')
			f++;
		if (field == 4)
			break;
		while (*f != '\0' && *f != ' ' && *f != '\t' && *f != '\n')
			f++;
	}
	if (strncmp(f, "enabled", 7) != 0 && strncmp(f, "revoked", 7) != 0) {
		free(out);
		return NULL;
	}
	memcpy(f, state, 7);
	return out;
}

/* Check the new text as the server will read it: 0, or 2 said. */
static int
dev_check(const char *path, const char *text)
{
	struct sd_registry *reg;
	char err[SD_ERR_LEN];

	if (sd_registry_parse(path, text, strlen(text), &reg, err) !=
	    SD_OK) {
		dev_err("%s", err);
		return 2;
	}
	sd_registry_free(reg);
	return 0;
}

/* Check the new text, and write it. */
static int
dev_commit(const char *path, const char *text)
{
	int rc = dev_check(path, text);

	if (rc != 0)
		return rc;
	return dev_write(path, text, strlen(text)) == SD_OK ? 0 : 1;
}

/* Print the new token (none: nothing): 0, or 1 when it could not be
 * written out (stdout closed, a full disk): then the device must not
 * be added, as nobody would have its token. */
static int
dev_token_out(const char *tok)
{
	if (tok[0] == '\0')
		return 0;
	printf("token: %s\nThe token is not stored and will not be shown "
	    "again: give it to the device now.\n", tok);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		dev_err("add: the token could not be printed (%s): nothing "
		    "added", strerror(errno));
		return 1;
	}
	return 0;
}

/* The credential add gives: a certificate's, or a new token's. */
static int
dev_add_cred(const struct dev_opts *o, char *cred, size_t len,
    char tok[2 * DEV_TOKEN_BYTES + 1])
{
	if ((o->cert != NULL) + (o->cert_file != NULL) + o->legacy > 1) {
		dev_err("add: %s", "one of --cert, --cert-file and --legacy");
		return 2;
	}
	if (o->legacy) {
		snprintf(cred, len, "-");
		return 0;
	}
	if (o->cert != NULL) {
		if (*o->cert == '\0' || strlen(o->cert) >
		    SD_REGISTRY_IDENT_MAX) {
			dev_err("add: %s", "--cert: an identity of 1 to "
			    "255 bytes");
			return 2;
		}
		dev_ident(o->cert, cred, len);
		return 0;
	}
	if (o->cert_file != NULL)
		return dev_fingerprint(o->cert_file, cred, len) == SD_OK ? 0 :
		    2;
	return dev_token(tok, cred, len) == SD_OK ? 0 : 1;
}

/* Whether --cidr is one field of printable ASCII (the file's parse
 * then checks what it says). */
static int
dev_cidr_ok(const char *s)
{
	if (*s == '\0' || *s == '#')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '!' || *s > '~')
			return 0;
	}
	return 1;
}

/* "add MAC NAME": under the lock, a new line; the token, once. */
static int
dev_add(const struct dev_opts *o, char **argv)
{
	char cred[4 * SD_REGISTRY_IDENT_MAX], tok[2 * DEV_TOKEN_BYTES + 1];
	char line[2 * SD_REGISTRY_MAX_LINE], *text = NULL, *next = NULL;
	struct sd_registry *reg = NULL;
	uint8_t mac[SD_MAC_LEN];
	char err[SD_ERR_LEN];
	size_t len;
	int rc = 2, n;

	tok[0] = '\0';
	if (sd_proto_mac_parse(argv[1], mac) != SD_OK ||
	    !sd_registry_name_ok(argv[2])) {
		dev_err("add: %s", "wants a MAC (aa:bb:cc:dd:ee:ff) and a "
		    "name of 1 to 63 printable ASCII bytes, no spaces");
		return 2;
	}
	/* The list is written as it is: a space or a newline in it would
	 * make other fields, or another device's line. */
	if (o->cidr != NULL && !dev_cidr_ok(o->cidr)) {
		dev_err("add: %s", "--cidr: any, or CIDR,... (no spaces)");
		return 2;
	}
	rc = dev_add_cred(o, cred, sizeof(cred), tok);
	if (rc != 0)
		return rc;
	if (dev_read(o->file, 1, &text, &len) != SD_OK)
		return 1;
	rc = 2;
	if (sd_registry_parse(o->file, text, len, &reg, err) != SD_OK) {
		dev_err("%s", err);
		goto out;
	}
	rc = 1;
	if (sd_registry_find_mac(reg, mac) != NULL) {
		dev_err("add: %s is in %s already", argv[1], o->file);
		goto out;
	}
	n = snprintf(line, sizeof(line), "%s %s %s %s enabled", argv[1],
	    argv[2], cred, o->cidr != NULL ? o->cidr : "any");
	if (n < 0 || (size_t)n >= SD_REGISTRY_MAX_LINE) {
		dev_err("add: %s", "the line would be over 4095 bytes");
		rc = 2;
		goto out;
	}
	next = dev_append(text, len, line);
	if (next == NULL)
		goto out;
	/* The token is out before the file changes: a device nobody has
	 * the token of is never added. */
	rc = dev_check(o->file, next);
	if (rc == 0)
		rc = dev_token_out(tok);
	if (rc == 0 && dev_write(o->file, next, strlen(next)) != SD_OK) {
		if (tok[0] != '\0')
			dev_err("add: %s", "not added: the token above is "
			    "void");
		rc = 1;
	}
	if (rc == 0) {
		printf("added %s %s to ", argv[1], argv[2]);
		sd_put_text(stdout, o->file, strlen(o->file));
		printf("\n");
	}
out:
	sd_registry_free(reg);
	free(text);
	free(next);
	return rc;
}

/* "revoke MAC" / "enable MAC": that device's line, its state set. */
static int
dev_state(const struct dev_opts *o, char **argv, int enable)
{
	const char *state = enable ? "enabled" : "revoked";
	const struct sd_registry_dev *d;
	struct sd_registry *reg = NULL;
	char err[SD_ERR_LEN], *text, *next = NULL;
	uint8_t mac[SD_MAC_LEN];
	size_t len;
	int rc = 2;

	if (sd_proto_mac_parse(argv[1], mac) != SD_OK) {
		dev_err("%s: wants a MAC (aa:bb:cc:dd:ee:ff)", argv[0]);
		return 2;
	}
	if (dev_read(o->file, 0, &text, &len) != SD_OK)
		return 1;
	if (sd_registry_parse(o->file, text, len, &reg, err) != SD_OK) {
		dev_err("%s", err);
		goto out;
	}
	rc = 1;
	d = sd_registry_find_mac(reg, mac);
	if (d == NULL) {
		dev_err("%s: no such device in %s", argv[1], o->file);
		goto out;
	}
	next = dev_replace(text, len, d->line, state);
	if (next == NULL)
		dev_err("%s: its line could not be rewritten", argv[1]);
	else
		rc = dev_commit(o->file, next);
	if (rc == 0)
		printf("%s %s %s\n", state, argv[1], d->name);
out:
	sd_registry_free(reg);
	free(text);
	free(next);
	return rc;
}

/* One device as JSON (its identity decoded: JSON escapes it; one that
 * is not UTF-8, which jansson refuses, as sd_event_json_bytes says). */
static json_t *
dev_json(const struct sd_registry_dev *d)
{
	static const char *const cred[] = { "none", "token", "certificate" };
	char mac[18];
	json_t *o;

	sd_proto_mac_str(d->mac, mac);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "mac", mac, "name",
	    d->name, "credential", cred[d->cred], "addresses", d->cidrs,
	    "state", d->enabled ? "enabled" : "revoked", "line",
	    (int)d->line);
	if (o != NULL)
		sd_event_json_bytes(o, "identity", d->ident != NULL ?
		    d->ident : "", d->ident_len);
	return o;
}

/* "list": a table, or JSON. Names are printable ASCII and identities
 * percent-encoded (sd_registry), so nothing raw reaches a terminal. */
static int
dev_list(const struct dev_opts *o)
{
	struct sd_registry *reg = NULL;
	char err[SD_ERR_LEN], mac[18], cred[SD_REGISTRY_MAX_LINE], *text, *s;
	const struct sd_registry_dev *d;
	json_t *a = json_array();
	size_t len, i;
	int rc = 2;

	if (dev_read(o->file, 0, &text, &len) != SD_OK) {
		json_decref(a);
		return 1;
	}
	if (sd_registry_parse(o->file, text, len, &reg, err) != SD_OK) {
		dev_err("%s", err);
		goto out;
	}
	if (!o->json)
		printf("%-17s %-24s %-12s %-9s %s\n", "MAC", "NAME", "STATE",
		    "ADDRESSES", "CREDENTIAL");
	for (i = 0; i < reg->ndevs; i++) {
		d = &reg->devs[i];
		json_array_append_new(a, dev_json(d));
		if (o->json)
			continue;
		sd_proto_mac_str(d->mac, mac);
		sd_registry_cred_text(d, cred, sizeof(cred));
		printf("%-17s %-24s %-12s %-9s %s\n", mac, d->name,
		    d->enabled ? "enabled" : "revoked", d->cidrs,
		    d->cred == SD_REGISTRY_TOKEN ? "token" : cred);
	}
	rc = 0;
	if (o->json) {
		s = sd_json_dumps(a);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	}
out:
	json_decref(a);
	sd_registry_free(reg);
	free(text);
	return rc;
}

/* The options, anywhere on the line: -1 to go on, else the status. */
static int
dev_options(int argc, char **argv, struct dev_opts *o)
{
	static const struct option opts[] = {
		{ "devices", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'c' },
		{ "cidr", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'x' },
		{ "cert-file", required_argument, NULL, 'f' },
		{ "legacy", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'D')
			o->file = optarg;
		else if (c == 'c')
			o->config = optarg;
		else if (c == 'a')
			o->cidr = optarg;
		else if (c == 'x')
			o->cert = optarg;
		else if (c == 'f')
			o->cert_file = optarg;
		else if (c == 'l')
			o->legacy = 1;
		else if (c == 'j')
			o->json = 1;
		else {
			dev_usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	return -1;
}

/* Whether the words after the options fit a command. */
static int
dev_words_ok(const struct dev_opts *o, int n, char **w)
{
	if (n < 1)
		return 0;
	if (strcmp(w[0], "add") == 0)
		return n == 3 && !o->json;
	if (strcmp(w[0], "list") == 0)
		return n == 1 && !o->cidr && !o->cert && !o->cert_file &&
		    !o->legacy;
	if (strcmp(w[0], "revoke") == 0 || strcmp(w[0], "enable") == 0)
		return n == 2 && !o->json && !o->cidr && !o->cert &&
		    !o->cert_file && !o->legacy;
	return 0;
}

int
sockdeckd_device_main(int argc, char **argv)
{
	struct dev_opts o = { 0 };
	struct sd_config cfg;
	char **w;
	int rc, n, lockfd;

	rc = dev_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	w = argv + optind;
	n = argc - optind;
	if (!dev_words_ok(&o, n, w)) {
		dev_usage(stderr);
		return 2;
	}
	if (sd_config_init(&cfg) != SD_OK)
		return 1;
	rc = 2;
	if (dev_file(&o, &cfg) != SD_OK)
		goto out;
	if (strcmp(w[0], "list") == 0) {
		rc = dev_list(&o);
		goto out;
	}
	rc = 1;
	lockfd = dev_lock(o.file);
	if (lockfd < 0)
		goto out;
	if (strcmp(w[0], "add") == 0)
		rc = dev_add(&o, w);
	else
		rc = dev_state(&o, w, strcmp(w[0], "enable") == 0);
	close(lockfd);
out:
	sd_config_done(&cfg);
	return rc;
}
