/*
 * sd_handle_sensor.c: sensor readings, legacy (one float32) and batches
 * (acknowledged once the spool's writer says their last byte is on
 * disk). When the store cannot keep up, the connection waits:
 * backpressure, never a dropped reading, never a stalled loop.
 */
#include <stdio.h>
#include <string.h>

#include "sd_conn.h"
#include "sd_err.h"
#include "sd_handle.h"
#include "sd_pipeline.h"
#include "sd_proto_enc.h"
#include "sd_server.h"

static void
sensor_error(struct sd_conn *c, const char *why)
{
	struct sd_event e = { .kind = SD_EV_ERROR };

	e.id = c->id;
	e.reason = why;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
}

static void
sensor_ack(struct sd_conn *c, uint64_t seq)
{
	struct sd_sensor_ack a = { seq };
	uint8_t buf[16];
	size_t n;

	if (sd_proto_enc_sensor_ack(buf, sizeof(buf), &a, &n) == SD_OK)
		sd_conn_write(c, buf, n);
}

/* Store one reading; a value that cannot be stored is reported. */
static void
sensor_submit(struct sd_conn *c, const struct sd_reading_in *r)
{
	char err[SD_ERR_LEN];

	if (sd_pipeline_submit(c->srv->pipe, r, err) == SD_OK)
		c->srv->totals.readings++;
	else
		sensor_error(c, err);
}

static void
sensor_batch(struct sd_conn *c, const struct sd_sensor_batch *b)
{
	struct sd_reading_in r = { .dev = b->dev, .port = c->port,
	    .peer = c->peer, .batched = 1, .bseq = b->seq };
	struct sd_reading rd;
	char err[SD_ERR_LEN];
	size_t pos = 0;
	uint64_t n = 0;

	while (sd_proto_batch_next(b, &pos, &rd)) {
		r.ts_ns = rd.ts_ns;
		r.value = rd.value;
		r.chan = rd.chan;
		r.chan_len = rd.chan_len;
		/* (device, sequence, index) names the reading wherever the
		 * batch is sent again: to this node or, after a failover,
		 * another (see sockdeck-protocol(7), Duplicates). */
		r.bidx = (uint32_t)n;
		sensor_submit(c, &r);
		n++;
	}
	if (n > 0)
		sd_handle_fleet(c, b->dev, SD_FLEET_READINGS, n);
	/* On disk before it is acknowledged: the connection waits (is
	 * not read) until the write covering the batch's last byte is
	 * done; srv->acks is in the order of those bytes. */
	if (sd_pipeline_flush(c->srv->pipe, err) != SD_OK)
		sensor_error(c, err);
	c->ack_seq = b->seq;
	c->ack_need = sd_pipeline_mark(c->srv->pipe);
	if (sd_pipeline_done(c->srv->pipe) >= c->ack_need) {
		sensor_ack(c, b->seq);
		return;
	}
	c->ack_pending = 1;
	TAILQ_INSERT_TAIL(&c->srv->acks, c, ackq);
	sd_conn_hold(c, SD_HOLD_SPOOL);
}

/* A reading that cannot be stored is an event, not an answer: the
 * device cannot do better by hearing it. */
enum sd_hres
sd_handle_sensor(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	struct sd_reading_in r = { 0 };

	(void)out;
	if (f->kind == SD_K_SENSOR_BATCH)
		sensor_batch(c, &f->u.batch);
	else {
		if (!c->ext) {
			memcpy(c->dev, f->u.lsensor.dev, SD_MAC_LEN);
			c->has_dev = 1;
		}
		r.dev = f->u.lsensor.dev;
		r.value = f->u.lsensor.value;
		r.single = 1;
		r.port = c->port;
		r.peer = c->peer;
		sensor_submit(c, &r);
		sd_handle_fleet(c, r.dev, SD_FLEET_READINGS, 1);
	}
	if (sd_pipeline_full(c->srv->pipe))
		sd_conn_hold(c, SD_HOLD_SPOOL);
	return SD_H_OK;
}

void
sd_handle_sensor_resume(struct sd_conn *c)
{
	if (!c->ack_pending)	/* else its write's completion releases it */
		sd_conn_release(c, SD_HOLD_SPOOL);
}

void
sd_handle_sensor_done(struct sd_server *srv)
{
	uint64_t done = sd_pipeline_done(srv->pipe);
	int full = sd_pipeline_full(srv->pipe);
	struct sd_conn *c;

	while ((c = TAILQ_FIRST(&srv->acks)) != NULL &&
	    c->ack_need <= done) {
		TAILQ_REMOVE(&srv->acks, c, ackq);
		c->ack_pending = 0;
		sensor_ack(c, c->ack_seq);
		if (!full)
			sd_conn_release(c, SD_HOLD_SPOOL);
	}
}
