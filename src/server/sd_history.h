/*
 * sd_history.h: the server's recent events, kept so that a dashboard
 * that attaches later starts with the log it would have seen. A ring of
 * SD_HISTORY_MAX events with their strings copied in, each bounded (a
 * long text is cut to SD_HISTORY_TEXT bytes: the dashboard shows less
 * than that); per file progress and readings are left out, the
 * snapshots carry them.
 */
#ifndef SD_HISTORY_H
#define SD_HISTORY_H

#include <jansson.h>

#define SD_HISTORY_MAX	500
#define SD_HISTORY_TEXT	256

struct sd_events;
struct sd_history;

/* Subscribe to bus; NULL when out of memory. */
struct sd_history *sd_history_new(struct sd_events *bus);
void sd_history_free(struct sd_history *h);

/* The newest max events, oldest first, as a new JSON array (NULL when
 * out of memory). */
json_t *sd_history_json(const struct sd_history *h, size_t max);

#endif
