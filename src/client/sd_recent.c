/*
 * sd_recent.c: the recent servers' state file (see sd_recent.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_recent.h"

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

void
sd_recent_load(struct sd_recent *r, const char *path)
{
	char line[SD_RECENT_LEN + 2];
	FILE *fp;
	size_t n;

	r->n = 0;
	fp = fopen(path, "r");
	if (fp == NULL)
		return;
	while (r->n < SD_RECENT_MAX && fgets(line, sizeof(line), fp)) {
		n = strcspn(line, "\r\n");
		if (n == 0 || n >= SD_RECENT_LEN)
			continue;
		memcpy(r->item[r->n], line, n);
		r->item[r->n++][n] = '\0';
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

static int
recent_write(const struct sd_recent *r, const char *path)
{
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
	for (i = 0; i < r->n; i++)
		fprintf(fp, "%s\n", r->item[i]);
	if (fclose(fp) == 0 && rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
	return rc;
}

int
sd_recent_add(struct sd_recent *r, const char *path, const char *target)
{
	char keep[SD_RECENT_LEN];
	size_t i, at = r->n;

	if (strlen(target) >= SD_RECENT_LEN)
		return -1;
	snprintf(keep, sizeof(keep), "%s", target);
	for (i = 0; i < r->n; i++)
		if (strcmp(r->item[i], keep) == 0)
			at = i;
	if (at == r->n && r->n < SD_RECENT_MAX)
		r->n++;
	if (at >= r->n)
		at = r->n - 1;		/* full: the oldest goes */
	memmove(r->item[1], r->item[0], at * sizeof(r->item[0]));
	memcpy(r->item[0], keep, sizeof(keep));
	return path != NULL ? recent_write(r, path) : 0;
}
