/*
 * sd_recent.c: the recent servers' state file (see sd_recent.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_proto.h"
#include "sd_recent.h"

/* A line at most: the target and three paths escaped, with names. */
#define RECENT_LINE	(SD_RECENT_LEN + 3 * (3 * SD_RECENT_PATH + 8) + 32)

int
sd_recent_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	/* The spec: a relative XDG_STATE_HOME is invalid and ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/sockdeck/recent", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, len, "%s/.local/state/sockdeck/recent",
		    home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* s (n bytes, %XX-escaped) into out[SD_RECENT_PATH]: 0, or -1 for a
 * bad escape, a NUL or a path too long. */
static int
recent_unescape(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= SD_RECENT_PATH)
			return -1;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		hi = sd_proto_hexval(s[i + 1]);
		lo = sd_proto_hexval(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

/* One field of a TLS entry; unknown ones are skipped. 0 or -1. */
static int
recent_field(struct sd_recent_tls *t, const char *f, size_t n)
{
	static const char *const names[] = { "ca=", "cert=", "key=" };
	char *to[] = { t->ca, t->cert, t->key };
	size_t k, l;

	if (n == 3 && memcmp(f, "tls", 3) == 0) {
		t->on = 1;
		return 0;
	}
	if (n == 8 && memcmp(f, "insecure", 8) == 0) {
		t->insecure = 1;
		return 0;
	}
	for (k = 0; k < 3; k++) {
		l = strlen(names[k]);
		if (n >= l && memcmp(f, names[k], l) == 0)
			return recent_unescape(f + l, n - l, to[k]);
	}
	return 0;
}

/* A line (no newline) into entry i: 0, or -1 to leave it out. */
static int
recent_parse(struct sd_recent *r, size_t i, const char *line)
{
	struct sd_recent_tls *t = &r->tls[i];
	size_t n = strcspn(line, "\t");

	memset(t, 0, sizeof(*t));
	if (n == 0 || n >= SD_RECENT_LEN)
		return -1;
	memcpy(r->item[i], line, n);
	r->item[i][n] = '\0';
	while (line[n] == '\t') {
		line += n + 1;
		n = strcspn(line, "\t");
		if (recent_field(t, line, n) != 0)
			return -1;
	}
	if (!t->on)
		memset(t, 0, sizeof(*t));	/* fields without "tls" */
	return 0;
}

void
sd_recent_load(struct sd_recent *r, const char *path)
{
	char line[RECENT_LINE];
	FILE *fp;
	size_t n;
	int c, whole;

	r->n = 0;
	fp = fopen(path, "r");
	if (fp == NULL)
		return;
	while (r->n < SD_RECENT_MAX && fgets(line, sizeof(line), fp)) {
		n = strcspn(line, "\r\n");
		whole = line[n] != '\0' || feof(fp);
		if (!whole) {
			/* Too long: the rest of it is no line of its own. */
			do
				c = fgetc(fp);
			while (c != EOF && c != '\n');
			continue;
		}
		line[n] = '\0';
		if (recent_parse(r, r->n, line) == 0)
			r->n++;
	}
	fclose(fp);
}

/* mkdir -p of path's directory. */
static int
recent_mkdirs(const char *path)
{
	char dir[4096];
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	p = strrchr(dir, '/');
	if (p == NULL)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* "\tname=PATH", the path's '%', spaces, controls and bytes past ASCII
 * as %XX; nothing for an empty path. */
static void
recent_put_path(FILE *fp, const char *name, const char *path)
{
	const unsigned char *p;

	if (path[0] == '\0')
		return;
	fprintf(fp, "\t%s=", name);
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p == '%' || *p <= ' ' || *p >= 0x7f)
			fprintf(fp, "%%%02X", *p);
		else
			fputc(*p, fp);
}

static int
recent_write(const struct sd_recent *r, const char *path)
{
	const struct sd_recent_tls *t;
	char tmp[4200];
	FILE *fp;
	size_t i;
	int rc = -1;

	if (recent_mkdirs(path) != 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	fp = fopen(tmp, "w");
	if (fp == NULL)
		return -1;
	for (i = 0; i < r->n; i++) {
		t = &r->tls[i];
		fputs(r->item[i], fp);
		if (t->on) {
			fputs(t->insecure ? "\ttls\tinsecure" : "\ttls", fp);
			recent_put_path(fp, "ca", t->ca);
			recent_put_path(fp, "cert", t->cert);
			recent_put_path(fp, "key", t->key);
		}
		fputc('\n', fp);
	}
	if (fclose(fp) == 0 && rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
	return rc;
}

int
sd_recent_find(const struct sd_recent *r, const char *target)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->item[i], target) == 0)
			return (int)i;
	return -1;
}

int
sd_recent_add(struct sd_recent *r, const char *path, const char *target,
    const struct sd_recent_tls *tls)
{
	static const struct sd_recent_tls plain;
	int found = sd_recent_find(r, target);
	size_t at = found >= 0 ? (size_t)found : r->n;

	if (tls == NULL || !tls->on)
		tls = &plain;
	if (strlen(target) >= SD_RECENT_LEN ||
	    strnlen(tls->ca, SD_RECENT_PATH) >= SD_RECENT_PATH ||
	    strnlen(tls->cert, SD_RECENT_PATH) >= SD_RECENT_PATH ||
	    strnlen(tls->key, SD_RECENT_PATH) >= SD_RECENT_PATH)
		return -1;
	if (at == r->n && r->n < SD_RECENT_MAX)
		r->n++;
	if (at >= r->n)
		at = r->n - 1;		/* full: the oldest goes */
	memmove(r->item[1], r->item[0], at * sizeof(r->item[0]));
	memmove(&r->tls[1], &r->tls[0], at * sizeof(r->tls[0]));
	snprintf(r->item[0], sizeof(r->item[0]), "%s", target);
	r->tls[0] = *tls;
	return path != NULL ? recent_write(r, path) : 0;
}
