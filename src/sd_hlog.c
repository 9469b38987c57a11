/* sd_hlog.c: the headless logger (see sd_hlog.h). */
#include <stdlib.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_hlog.h"

static void
hlog_cb(const struct sd_event *ev, void *arg)
{
	struct sd_hlog *h = arg;
	char line[4096], *s;

	if (h->json) {
		s = sd_event_json(ev);
		if (s == NULL)
			return;
		fprintf(h->fp, "%s\n", s);
		free(s);
	} else {
		sd_event_text(ev, line, sizeof(line));
		fprintf(h->fp, "%s\n", line);
	}
	fflush(h->fp);
}

int
sd_hlog_start(struct sd_hlog *h, struct sd_events *bus, FILE *fp, int json)
{
	h->fp = fp;
	h->json = json;
	h->handle = sd_events_add_sink(bus, hlog_cb, h);
	return h->handle > 0 ? SD_OK : SD_ERR_NOMEM;
}

void
sd_hlog_stop(struct sd_hlog *h, struct sd_events *bus)
{
	if (h->handle > 0)
		sd_events_remove_sink(bus, h->handle);
	h->handle = 0;
}
