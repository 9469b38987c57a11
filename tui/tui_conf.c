/*
 * tui_conf.c: the dashboard's persisted settings (see tui_conf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui_conf.h"

#define CONF_STR(f)	{ #f, offsetof(struct tui_conf, f), \
	sizeof(((struct tui_conf *)0)->f), 0 }
#define CONF_INT(f)	{ #f, offsetof(struct tui_conf, f), 0, 1 }

static const struct conf_key {
	const char	*name;
	size_t		 off;
	size_t		 len;		/* a string's buffer */
	int		 num;
} conf_keys[] = {
	CONF_STR(theme), CONF_STR(sort), CONF_INT(reverse),
	CONF_STR(sensors_sort), CONF_INT(sensors_reverse), CONF_INT(window),
	CONF_STR(pane), CONF_STR(filter_log), CONF_STR(filter_clients),
	CONF_STR(filter_sensors), CONF_STR(devices_sort),
	CONF_INT(devices_reverse), CONF_STR(filter_devices),
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

int
tui_conf_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	/* XDG says a relative value is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/sockdeck/dashboard.conf", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/sockdeck/dashboard.conf",
		    home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* " key = value " into c, when key is one of ours and value fits. */
static void
conf_line(struct tui_conf *c, char *line)
{
	char *eq = strchr(line, '='), *k = line, *v, *end;
	size_t i;
	long n;

	if (eq == NULL || line[strspn(line, " \t")] == '#')
		return;
	*eq = '\0';
	v = eq + 1;
	k += strspn(k, " \t");
	for (end = eq; end > k && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	v += strspn(v, " \t");
	for (end = v + strlen(v); end > v && (end[-1] == ' ' ||
	    end[-1] == '\t' || end[-1] == '\r');)
		*--end = '\0';
	for (i = 0; i < NKEYS && strcmp(conf_keys[i].name, k) != 0; i++)
		;
	if (i == NKEYS)
		return;
	if (conf_keys[i].num) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno == 0 && *end == '\0' && end != v && n >= 0 &&
		    n <= 1000000)
			*(int *)((char *)c + conf_keys[i].off) = (int)n;
	} else if (strlen(v) < conf_keys[i].len)
		memcpy((char *)c + conf_keys[i].off, v, strlen(v) + 1);
}

int
tui_conf_load(struct tui_conf *c, const char *path)
{
	char *buf, *line, *save = NULL;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	buf = malloc(TUI_CONF_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	/* One read of at most TUI_CONF_MAX: the rest of a bigger file is
	 * not ours to wait for. */
	n = read(fd, buf, TUI_CONF_MAX);
	close(fd);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		conf_line(c, line);
	free(buf);
	return 0;
}

/* mkdir -p of path's directory (0700 for what it makes). */
static int
conf_mkdirs(const char *path)
{
	char dir[4096], *p;

	if (strlen(path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, strlen(path) + 1);
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int
tui_conf_save(const struct tui_conf *c, const char *path)
{
	char tmp[4200];
	const char *v;
	size_t i;
	FILE *fp;
	int fd;

	if (conf_mkdirs(path) != 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fputs("# sockdeckd dashboard settings, written on quit\n", fp);
	for (i = 0; i < NKEYS; i++) {
		v = (const char *)c + conf_keys[i].off;
		if (conf_keys[i].num)
			fprintf(fp, "%s = %d\n", conf_keys[i].name,
			    *(const int *)v);
		else
			fprintf(fp, "%s = %s\n", conf_keys[i].name, v);
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
