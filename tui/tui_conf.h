/*
 * tui_conf.h: the dashboard's settings that outlive it, in
 * $XDG_CONFIG_HOME/sockdeck/dashboard.conf (~/.config when unset): the
 * theme, each table's sort (clients, devices, sensors), each pane's
 * filter, the pane shown under the clients on small screens, the
 * sensors' window.
 *
 * "key = value" lines, '#' comments; unknown keys and bad values are
 * skipped (a file from a newer version still loads). Read once at the
 * start (at most TUI_CONF_MAX bytes) and written whole on quit, through
 * a temporary file and a rename: a crash never leaves half a file.
 */
#ifndef TUI_CONF_H
#define TUI_CONF_H

#include <stddef.h>

#define TUI_CONF_MAX	(64u << 10)

struct tui_conf {
	char	 theme[16];		/* default, mono, light */
	char	 sort[24];		/* clients: a tui_model_sorts key */
	int	 reverse;		/* clients: descending */
	char	 sensors_sort[24];
	int	 sensors_reverse;
	int	 window;		/* sensors: seconds */
	char	 pane[16];		/* log, transfers, sensors */
	char	 filter_log[64];
	char	 filter_clients[64];
	char	 filter_sensors[64];
	char	 devices_sort[24];
	int	 devices_reverse;
	char	 filter_devices[64];
};

/* The file's path into buf; -1 when neither XDG_CONFIG_HOME nor HOME
 * says where. */
int tui_conf_path(char *buf, size_t len);

/* Fill c from path; a missing file leaves c as it was (the defaults the
 * caller set). 0, or -1 when it exists and cannot be read. */
int tui_conf_load(struct tui_conf *c, const char *path);

/* Write c to path (its directory made 0700 when missing): 0 or -1. */
int tui_conf_save(const struct tui_conf *c, const char *path);

#endif
