/*
 * sd_pipeline.c: readings to line protocol to the spool.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_pipeline.h"
#include "sd_spool.h"

#define SD_LINE_MAX	1024

struct sd_pipeline {
	struct sd_spool	*spool;
	char		*prefix;	/* "sensor,Mac-Address=" escaped */
	char		*field;		/* " value=" escaped */
	int64_t		 last_ts;
	uint64_t	 count;
	uint64_t	 total;
	int		 failing;
};

struct sd_pipeline *
sd_pipeline_new(const char *dir, const char *measurement, const char *field,
    const char *device_tag, char err[SD_ERR_LEN])
{
	struct sd_pipeline *p = calloc(1, sizeof(*p));
	char m[256], t[256], f[256];
	size_t n;

	if (p == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return NULL;
	}
	sd_lp_escape(measurement, strlen(measurement), 0, m, sizeof(m));
	sd_lp_escape(device_tag, strlen(device_tag), 1, t, sizeof(t));
	sd_lp_escape(field, strlen(field), 1, f, sizeof(f));
	n = strlen(m) + strlen(t) + 3;
	p->prefix = malloc(n);
	p->field = malloc(strlen(f) + 3);
	if (p->prefix == NULL || p->field == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	snprintf(p->prefix, n, "%s,%s=", m, t);
	snprintf(p->field, strlen(f) + 3, " %s=", f);
	p->spool = sd_spool_new(dir, err);
	if (p->spool == NULL)
		goto fail;
	return p;
fail:
	free(p->prefix);
	free(p->field);
	free(p);
	return NULL;
}

void
sd_pipeline_free(struct sd_pipeline *p)
{
	if (p == NULL)
		return;
	sd_spool_free(p->spool);
	free(p->prefix);
	free(p->field);
	free(p);
}

size_t
sd_pipeline_line(const struct sd_pipeline *p, const struct sd_reading_in *r,
    int64_t ts, char *buf, size_t len)
{
	char mac[18], chan[300], num[40];
	int n;

	if (!isfinite(r->value))
		return 0;
	sd_proto_mac_str(r->dev, mac);
	chan[0] = '\0';
	if (r->chan != NULL && r->chan_len > 0) {
		memcpy(chan, ",channel=", 9);
		sd_lp_escape(r->chan, r->chan_len, 1, chan + 9,
		    sizeof(chan) - 9);
	}
	sd_lp_number(r->value, r->single, num, sizeof(num));
	n = snprintf(buf, len, "%s%s%s%s%s %lld\n", p->prefix, mac, chan,
	    p->field, num, (long long)ts);
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

int
sd_pipeline_submit(struct sd_pipeline *p, const struct sd_reading_in *r,
    char err[SD_ERR_LEN])
{
	char line[SD_LINE_MAX];
	int64_t ts = r->ts_ns;
	size_t n;

	if (ts == 0) {
		ts = sd_now_ns();
		if (ts <= p->last_ts)
			ts = p->last_ts + 1;
		p->last_ts = ts;
	}
	n = sd_pipeline_line(p, r, ts, line, sizeof(line));
	if (n == 0) {
		snprintf(err, SD_ERR_LEN, "value %g cannot be stored",
		    r->value);
		return SD_ERR_INVAL;
	}
	/* Over the soft cap the buffer is written out first; if the disk
	 * fails, the line is kept all the same and the caller pauses its
	 * connection (sd_pipeline_full()) after this frame. */
	if (sd_spool_pending(p->spool) + n > SD_SPOOL_SOFT)
		sd_pipeline_flush(p, err);
	if (sd_spool_append(p->spool, line, n) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory for readings");
		return SD_ERR_NOMEM;
	}
	p->count++;
	p->total++;
	return SD_OK;
}

int
sd_pipeline_flush(struct sd_pipeline *p, char err[SD_ERR_LEN])
{
	int rc = sd_spool_flush(p->spool, err);

	p->failing = rc != SD_OK;
	return rc;
}

int
sd_pipeline_full(const struct sd_pipeline *p)
{
	return p->failing && sd_spool_pending(p->spool) > SD_SPOOL_SOFT;
}

int
sd_pipeline_failing(const struct sd_pipeline *p)
{
	return p->failing;
}

size_t
sd_pipeline_pending(const struct sd_pipeline *p)
{
	return sd_spool_pending(p->spool);
}

uint64_t
sd_pipeline_take_count(struct sd_pipeline *p)
{
	uint64_t n = p->count;

	p->count = 0;
	return n;
}

uint64_t
sd_pipeline_total(const struct sd_pipeline *p)
{
	return p->total;
}
