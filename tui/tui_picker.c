/*
 * tui_picker.c: the file picker (see tui_picker.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui_picker.h"

static void
picker_free_ents(struct tui_picker *p)
{
	size_t i;

	for (i = 0; i < p->nents; i++)
		free(p->ents[i].name);
	free(p->ents);
	p->ents = NULL;
	p->nents = 0;
}

/* End the path s (a buffer of cap bytes) with a '/' unless it has one;
 * the caller leaves room for it. */
static void
picker_add_slash(char *s, size_t cap)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '/')
		return;
	if (n + 1 < cap) {
		s[n] = '/';
		s[n + 1] = '\0';
	}
}

void
tui_picker_open(struct tui_picker *p)
{
	char cwd[PATH_MAX];

	memset(p, 0, sizeof(*p));
	if (getcwd(cwd, sizeof(cwd) - 1) == NULL)
		snprintf(cwd, sizeof(cwd), ".");
	picker_add_slash(cwd, sizeof(cwd));
	tui_line_set(&p->path, cwd);
}

void
tui_picker_done(struct tui_picker *p)
{
	picker_free_ents(p);
}

/* The path typed, with ~/ expanded, split at its last '/'. */
static void
picker_split(const struct tui_picker *p, char *full, size_t cap,
    char *dir, const char **prefix)
{
	char typed[PATH_MAX];
	const char *home = getenv("HOME"), *slash;

	tui_line_get(&p->path, typed, sizeof(typed));
	if (typed[0] == '~' && (typed[1] == '/' || typed[1] == '\0') &&
	    home != NULL)
		snprintf(full, cap, "%s%s", home, typed + 1);
	else
		snprintf(full, cap, "%s", typed);
	slash = strrchr(full, '/');
	if (slash == NULL) {
		snprintf(dir, PATH_MAX, "./");
		*prefix = full;
	} else {
		snprintf(dir, PATH_MAX, "%.*s", (int)(slash - full + 1), full);
		*prefix = slash + 1;
	}
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct tui_pick_ent *x = a, *y = b;

	if (x->dir != y->dir)
		return y->dir - x->dir;
	return strcmp(x->name, y->name);
}

/* List dir, unless it is the one listed already. */
static void
picker_list(struct tui_picker *p, const char *dir)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (strcmp(dir, p->dir) == 0 && p->ents != NULL)
		return;
	picker_free_ents(p);
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->ents = calloc(TUI_PICKER_MAX, sizeof(*p->ents));
	d = opendir(dir);
	if (p->ents == NULL || d == NULL) {
		if (d != NULL)
			closedir(d);
		return;
	}
	while (p->nents < TUI_PICKER_MAX && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		p->ents[p->nents].name = strdup(de->d_name);
		if (p->ents[p->nents].name == NULL)
			break;
		p->ents[p->nents].dir = S_ISDIR(st.st_mode);
		p->ents[p->nents].size = (uint64_t)st.st_size;
		p->nents++;
	}
	closedir(d);
	qsort(p->ents, p->nents, sizeof(*p->ents), ent_cmp);
}

/* Entry i matches prefix (dot files only when asked for). */
static int
picker_matches(const struct tui_pick_ent *e, const char *prefix)
{
	if (e->name[0] == '.' && prefix[0] != '.')
		return 0;
	return strncmp(e->name, prefix, strlen(prefix)) == 0;
}

/* The k-th match, or NULL; *count gets how many there are. */
static const struct tui_pick_ent *
picker_match(const struct tui_picker *p, const char *prefix, size_t k,
    size_t *count)
{
	const struct tui_pick_ent *found = NULL;
	size_t i, n = 0;

	for (i = 0; i < p->nents; i++) {
		if (!picker_matches(&p->ents[i], prefix))
			continue;
		if (n == k)
			found = &p->ents[i];
		n++;
	}
	if (count != NULL)
		*count = n;
	return found;
}

/* Tab: extend the name to what every match shares. */
static void
picker_complete(struct tui_picker *p, const char *dir, const char *prefix)
{
	const struct tui_pick_ent *first = NULL;
	char out[PATH_MAX * 2];
	size_t i, n = 0, common = 0;

	for (i = 0; i < p->nents; i++) {
		if (!picker_matches(&p->ents[i], prefix))
			continue;
		if (first == NULL) {
			first = &p->ents[i];
			common = strlen(first->name);
		} else {
			size_t k = 0;

			while (k < common && p->ents[i].name[k] ==
			    first->name[k])
				k++;
			common = k;
		}
		n++;
	}
	if (first == NULL) {
		snprintf(p->msg, sizeof(p->msg), "nothing starts with that");
		return;
	}
	snprintf(out, sizeof(out), "%s%.*s%s", dir, (int)common, first->name,
	    n == 1 && first->dir ? "/" : "");
	tui_line_set(&p->path, out);
	p->sel = p->top = 0;
}

/* Enter: open the directory or choose the file under the highlight, or
 * the path as typed. */
static enum tui_pick_rc
picker_enter(struct tui_picker *p, const char *full, const char *dir,
    const char *prefix, char *out, size_t cap)
{
	const struct tui_pick_ent *e = picker_match(p, prefix, p->sel, NULL);
	char path[PATH_MAX * 2];
	struct stat st;
	int n;

	if (e != NULL)
		n = snprintf(path, sizeof(path), "%s%s", dir, e->name);
	else
		n = snprintf(path, sizeof(path), "%s", full);
	/* Room for the '/' of a directory, or it is not that path. */
	if (n < 0 || (size_t)n + 1 >= sizeof(path)) {
		snprintf(p->msg, sizeof(p->msg), "path too long");
		return TUI_PICK_MORE;
	}
	if (stat(path, &st) != 0) {
		snprintf(p->msg, sizeof(p->msg), "no such file or directory");
		return TUI_PICK_MORE;
	}
	if (S_ISDIR(st.st_mode)) {
		picker_add_slash(path, sizeof(path));
		tui_line_set(&p->path, path);
		p->sel = p->top = 0;
		return TUI_PICK_MORE;
	}
	snprintf(out, cap, "%s", path);
	return TUI_PICK_CHOSEN;
}

enum tui_pick_rc
tui_picker_key(struct tui_picker *p, int code, unsigned ch, char *out,
    size_t cap)
{
	char full[PATH_MAX], dir[PATH_MAX];
	const char *prefix;
	size_t n;

	p->msg[0] = '\0';
	picker_split(p, full, sizeof(full), dir, &prefix);
	picker_list(p, dir);
	picker_match(p, prefix, 0, &n);
	if (!code && ch == 27)
		return TUI_PICK_CLOSED;
	if (!code && (ch == '\r' || ch == '\n'))
		return picker_enter(p, full, dir, prefix, out, cap);
	if ((code && ch == KEY_ENTER))
		return picker_enter(p, full, dir, prefix, out, cap);
	if (!code && ch == '\t') {
		picker_complete(p, dir, prefix);
		return TUI_PICK_MORE;
	}
	if (code && (ch == KEY_UP || ch == KEY_PPAGE)) {
		size_t step = ch == KEY_UP ? 1 : 10;

		p->sel = p->sel > step ? p->sel - step : 0;
		return TUI_PICK_MORE;
	}
	if (code && (ch == KEY_DOWN || ch == KEY_NPAGE)) {
		p->sel += ch == KEY_DOWN ? 1 : 10;
		if (p->sel >= n)
			p->sel = n > 0 ? n - 1 : 0;
		return TUI_PICK_MORE;
	}
	if (tui_line_key(&p->path, code, ch))
		p->sel = p->top = 0;
	return TUI_PICK_MORE;
}

void
tui_picker_draw(struct tui_picker *p, const struct tui_term *t, int y,
    int x, int h, int w)
{
	char full[PATH_MAX], dir[PATH_MAX], line[PATH_MAX + 64], size[16];
	const struct tui_pick_ent *e;
	const char *prefix;
	size_t n, i, rows = h > 5 ? (size_t)h - 5 : 0;

	picker_split(p, full, sizeof(full), dir, &prefix);
	picker_list(p, dir);
	picker_match(p, prefix, 0, &n);
	for (i = 0; i < (size_t)h; i++)
		tui_fill(y + (int)i, x, w);
	tui_box(t, y, x, h, w, "Send file", 1);
	tui_put(y + 1, x + 2, 6, "Path: ");
	if (p->msg[0] != '\0') {
		tui_attr_on(t, TUI_C_BAD, A_BOLD);
		tui_put(y + 2, x + 2, w - 4, p->msg);
		tui_attr_off(t, TUI_C_BAD, A_BOLD);
	} else {
		snprintf(line, sizeof(line), "%zu match%s in %s", n,
		    n == 1 ? "" : "es", dir);
		tui_put(y + 2, x + 2, w - 4, line);
	}
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	for (i = 0; i < rows; i++) {
		e = picker_match(p, prefix, p->top + i, NULL);
		if (e == NULL)
			break;
		tui_fmt_bytes((double)e->size, size, sizeof(size));
		snprintf(line, sizeof(line), e->dir ? " %s/" : " %-40s %10s",
		    e->name, size);
		if (p->top + i == p->sel)
			attron(A_REVERSE);
		tui_fill(y + 4 + (int)i, x + 1, w - 2);
		tui_put(y + 4 + (int)i, x + 1, w - 2, line);
		if (p->top + i == p->sel)
			attroff(A_REVERSE);
	}
	/* Last, so the terminal's cursor stays in the path. */
	tui_line_draw(&p->path, y + 1, x + 8, w - 10, 1);
}
