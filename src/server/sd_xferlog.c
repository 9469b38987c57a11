/*
 * sd_xferlog.c: the transfers that ended lately (see sd_xferlog.h).
 */
#include <stdio.h>

#include "sd_xferlog.h"

const char *
sd_xfer_state_name(enum sd_xfer_state st)
{
	static const char *const names[SD_XS_COUNT] = {
		[SD_XS_RECEIVING] = "receiving",
		[SD_XS_STALLED] = "stalled",
		[SD_XS_WAITING] = "waiting",
		[SD_XS_STORING] = "storing",
		[SD_XS_STORED] = "stored",
		[SD_XS_FAILED] = "failed",
		[SD_XS_CANCELLED] = "cancelled",
		[SD_XS_DISCONNECTED] = "disconnected",
	};

	return (unsigned)st < SD_XS_COUNT ? names[st] : "unknown";
}

void
sd_xferlog_add(struct sd_xferlog *l, const struct sd_xfer_info *t)
{
	struct sd_xferlog_entry *e = &l->e[l->next];

	e->info = *t;
	snprintf(e->name, sizeof(e->name), "%s", t->name ? t->name : "");
	snprintf(e->why, sizeof(e->why), "%s", t->why ? t->why : "");
	e->info.name = e->name;
	e->info.why = t->why ? e->why : NULL;
	l->next = (l->next + 1) % SD_XFERLOG_MAX;
	if (l->n < SD_XFERLOG_MAX)
		l->n++;
}

size_t
sd_xferlog_count(const struct sd_xferlog *l)
{
	return l->n;
}

const struct sd_xfer_info *
sd_xferlog_get(const struct sd_xferlog *l, size_t i)
{
	if (i >= l->n)
		return NULL;
	return &l->e[(l->next + SD_XFERLOG_MAX - 1 - i) % SD_XFERLOG_MAX].info;
}
