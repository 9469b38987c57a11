/*
 * tui_picker.h: the client's file picker: an editable path with Tab
 * completion over a list of the directory it names (directories first,
 * files with their sizes), browsed with the arrows.
 *
 * It reads directory listings (bounded in count) and nothing else; the
 * file chosen is the caller's to open.
 */
#ifndef TUI_PICKER_H
#define TUI_PICKER_H

#include <limits.h>
#include <stdint.h>

#include "tui_line.h"
#include "tui_term.h"

#define TUI_PICKER_MAX	4096	/* entries listed from one directory */

struct tui_pick_ent {
	char		*name;
	int		 dir;
	uint64_t	 size;
};

struct tui_picker {
	struct tui_line		 path;
	char			 dir[PATH_MAX];		/* listed */
	struct tui_pick_ent	*ents;
	size_t			 nents;
	size_t			 sel;		/* among the matches */
	size_t			 top;		/* first match shown */
	char			 msg[160];
};

enum tui_pick_rc {
	TUI_PICK_MORE,		/* still picking */
	TUI_PICK_CHOSEN,	/* out holds a file's path */
	TUI_PICK_CLOSED		/* Esc */
};

/* Start in the working directory. */
void tui_picker_open(struct tui_picker *p);
void tui_picker_done(struct tui_picker *p);

/* A key (code as for tui_line_key). */
enum tui_pick_rc tui_picker_key(struct tui_picker *p, int code,
    unsigned ch, char *out, size_t cap);

/* Draw in the box at (y, x, h, w). */
void tui_picker_draw(struct tui_picker *p, const struct tui_term *t,
    int y, int x, int h, int w);

#endif
