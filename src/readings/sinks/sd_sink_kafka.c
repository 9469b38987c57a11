/*
 * sd_sink_kafka.c: the Kafka sink (see sd_sink_kafka.h).
 *
 * Records in flight sit in a ring of slots, in spool order; each slot
 * holds the spool position just past its line. A delivery report marks
 * its slot; the cursor moves over the run of delivered slots at the
 * ring's head.
 */
#include <event2/event.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_kafka_record.h"
#include "sd_lineproto.h"
#include "sd_prio.h"
#include "sd_sink.h"
#include "sd_sink_kafka.h"
#include "sd_spool.h"

#define KF_WINDOW	65536		/* records in flight at most */
#define KF_READ		(1u << 20)
#define KF_BATCH	1024		/* records per produce call */
#define KF_RECORD_MAX	2048		/* key and value of one record */
#define KF_ARENA	(KF_BATCH * 256)

enum { SLOT_PENDING, SLOT_DONE, SLOT_FAILED };

struct kf_slot {
	struct sd_spool_pos	 end;
	int64_t			 ts;	/* its line's timestamp, 0: none */
	uint8_t			 state;
};

struct kafka {
	struct sd_sink		 base;		/* first */
	const struct sd_sink_kafka_opts *o;
	const char		*device_tag;
	struct event_base	*evb;
	rd_kafka_t		*rk;
	rd_kafka_topic_t	*rkt;
	int			 pipefd[2];
	struct event		*pipe_ev;
	struct event		*poll_ev;	/* a slow safety poll */
	struct kf_slot		*win;
	size_t			 head;
	size_t			 count;
	size_t			 pending;	/* slots not yet reported */
	int			 failed;	/* rewind once all reported */
	char			*buf;
	rd_kafka_message_t	*msgs;		/* a batch being gathered */
	size_t			 nmsgs;
	char			*arena;		/* its keys and values */
	struct sd_kafka_record_head *lines; /* the last line's head */
	size_t			 arena_used;
	int			 freeing;
	int			 fatal;		/* rebuild the producer */
};

static void kf_kick(struct sd_sink *s);
static void kf_rebuild(struct kafka *kf);

/* Move the cursor over delivered slots at the head of the ring. */
static void
kf_advance(struct kafka *kf)
{
	struct sd_spool_pos end;
	uint64_t moved = 0;

	while (kf->count > 0 && kf->win[kf->head].state == SLOT_DONE) {
		end = kf->win[kf->head].end;
		kf->head = (kf->head + 1) % KF_WINDOW;
		kf->count--;
		moved++;
	}
	if (moved > 0)
		sd_spool_reader_ack(&kf->base.rd, &end, moved, 0);
}

static void
kf_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka *kf = opaque;
	struct kf_slot *slot = m->_private;
	char why[SD_ERR_LEN];

	(void)rk;
	if (kf->freeing || slot == NULL)
		return;
	kf->pending--;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		slot->state = SLOT_FAILED;
		kf->failed = 1;
		kf->base.retries++;
		snprintf(why, sizeof(why), "delivery failed: %s",
		    rd_kafka_err2str(m->err));
		sd_sink_set_state(&kf->base, SD_SINK_FAILING, why);
		return;
	}
	slot->state = SLOT_DONE;
	if (slot->ts != 0)
		sd_sink_observe_ts(&kf->base, slot->ts, sd_now_ns());
	sd_sink_delivered(&kf->base, 1);
}

static void
kf_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka *kf = opaque;
	char why[SD_ERR_LEN];

	(void)rk;
	if (kf->freeing)
		return;
	snprintf(why, sizeof(why), "%s: %.200s",
	    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		kf->fatal = 1;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
	    err == RD_KAFKA_RESP_ERR__FATAL ||
	    err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
		sd_sink_set_state(&kf->base, SD_SINK_FAILING, why);
}

/* librdkafka's own log lines, served on the loop (log.queue): errors
 * become events; the rest is left out of the log. */
static void
kf_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct kafka *kf = rd_kafka_opaque(rk);
	struct sd_event e = { .kind = SD_EV_ERROR };
	char why[SD_ERR_LEN];

	if (kf == NULL || kf->freeing || level > 3)
		return;
	snprintf(why, sizeof(why), "kafka %s: %.200s", fac, buf);
	e.reason = why;
	sd_events_fire(kf->base.events, &e);
}

/* Serve delivery reports and errors, then produce more. */
static void
kf_serve(struct kafka *kf)
{
	if (kf->rk == NULL || kf->fatal)
		return;		/* the poll timer rebuilds */
	rd_kafka_poll(kf->rk, 0);
	if (kf->fatal)
		return;
	kf_advance(kf);		/* once per poll, not per report */
	if (kf->failed && kf->pending == 0) {
		/* Everything in flight is settled: produce again from the
		 * cursor (records after the failed one may arrive twice:
		 * at least once). */
		kf->failed = 0;
		kf->count = 0;
		sd_spool_reader_rewind(&kf->base.rd);
	}
	kf_kick(&kf->base);
}

static void
kf_pipe_cb(evutil_socket_t fd, short kind, void *arg)
{
	char drain[64];

	(void)kind;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	kf_serve(arg);
}

static void
kf_poll_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kafka *kf = arg;

	(void)fd;
	(void)kind;
	if (kf->rk == NULL || kf->fatal)
		kf_rebuild(kf);
	kf_serve(kf);
}

/* Hand the gathered records to librdkafka in one call (one lock, not
 * one per record). A record it refuses fails its slot: the sink then
 * produces again from the cursor once everything in flight is settled.
 * The window is smaller than librdkafka's queue, so that is rare. */
static void
kf_flush_batch(struct kafka *kf)
{
	struct kf_slot *slot;
	size_t i;

	if (kf->nmsgs == 0)
		return;
	rd_kafka_produce_batch(kf->rkt, RD_KAFKA_PARTITION_UA,
	    RD_KAFKA_MSG_F_COPY, kf->msgs, (int)kf->nmsgs);
	for (i = 0; i < kf->nmsgs; i++) {
		slot = kf->msgs[i]._private;
		if (kf->msgs[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			slot->state = SLOT_PENDING;
			kf->pending++;
			continue;
		}
		slot->state = SLOT_FAILED;
		if (!kf->failed)
			sd_sink_set_state(&kf->base, SD_SINK_FAILING,
			    rd_kafka_err2str(kf->msgs[i].err));
		kf->failed = 1;
	}
	kf->nmsgs = 0;
	kf->arena_used = 0;
}

/* Gather one line as the record of the next slot. */
static void
kf_gather(struct kafka *kf, const char *line, size_t len,
    struct sd_spool_pos end)
{
	struct kf_slot *slot = &kf->win[(kf->head + kf->count) % KF_WINDOW];
	rd_kafka_message_t *m;
	const char *hkey;
	char *value, *key;
	size_t n, key_len;

	if (kf->nmsgs == KF_BATCH ||
	    kf->arena_used + KF_RECORD_MAX > KF_ARENA)
		kf_flush_batch(kf);
	slot->end = end;
	if (sd_lp_line_ts(line, len, &slot->ts) != SD_OK)
		slot->ts = 0;
	kf->count++;
	key = kf->arena + kf->arena_used;
	value = key + SD_LP_NAME_MAX;
	n = sd_kafka_record_make(kf->lines, kf->o->format,
	    kf->device_tag, line, len, value,
	    KF_RECORD_MAX - SD_LP_NAME_MAX);
	if (n == 0) {
		sd_sink_rejected(&kf->base, 1, "line does not parse");
		slot->state = SLOT_DONE;
		return;
	}
	hkey = sd_kafka_record_head_key(kf->lines, &key_len);
	memcpy(key, hkey, key_len);
	m = &kf->msgs[kf->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->payload = value;
	m->len = n;
	m->key = key;
	m->key_len = key_len;
	m->_private = slot;
	kf->arena_used += SD_LP_NAME_MAX + n;
}

/* Produce the lines of one read, as far as the window lets; gives the
 * rest back to the reader. */
static int
kf_produce_chunk(struct kafka *kf, size_t len, struct sd_spool_pos start)
{
	struct sd_spool_reader *r = &kf->base.rd;
	struct sd_spool_pos end = start;
	size_t a = 0, b;
	char *nl;

	while (a < len && kf->count < KF_WINDOW) {
		nl = memchr(kf->buf + a, '\n', len - a);
		b = (size_t)(nl - kf->buf) + 1;
		end.off = start.off + b;
		kf_gather(kf, kf->buf + a, b - a - 1, end);
		a = b;
	}
	kf_flush_batch(kf);
	if (a < len) {
		r->pos.seq = start.seq;
		r->pos.off = start.off + a;
		return -1;
	}
	return 0;
}

/* Produce what the window has room for. */
static void
kf_kick_produce(struct kafka *kf)
{
	struct sd_sink *s = &kf->base;
	struct sd_spool_pos start;
	char err[SD_ERR_LEN];
	size_t len;

	if (kf->rk == NULL || kf->fatal)
		return;
	while (!kf->failed && kf->count < KF_WINDOW) {
		if (sd_spool_reader_read(&s->rd, kf->buf, KF_READ, &len,
		    &start, err) != SD_OK) {
			sd_sink_set_state(s, SD_SINK_FAILING, err);
			return;
		}
		if (len == 0 || kf_produce_chunk(kf, len, start) != 0)
			return;
	}
}

static void
kf_kick(struct sd_sink *s)
{
	struct kafka *kf = (struct kafka *)s;

	kf_kick_produce(kf);
	/* The first reading not delivered is the ring's head. */
	s->oldest_ts = kf->count > 0 ? kf->win[kf->head].ts : 0;
}

/* Stop the producer without a blocking flush: what it did not confirm
 * is produced again from the cursor (by the next producer, or after a
 * restart). Its threads have nothing left to send once purged, so
 * rd_kafka_destroy() returns at once. */
static void
kf_producer_free(struct kafka *kf)
{
	kf->freeing = 1;
	if (kf->rk != NULL) {
		rd_kafka_purge(kf->rk, RD_KAFKA_PURGE_F_QUEUE |
		    RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(kf->rk, 0);
		if (kf->rkt != NULL)
			rd_kafka_topic_destroy(kf->rkt);
		rd_kafka_destroy(kf->rk);
	}
	kf->rk = NULL;
	kf->rkt = NULL;
	kf->freeing = 0;
}

static void
kf_free(struct sd_sink *s)
{
	struct kafka *kf = (struct kafka *)s;

	kf_producer_free(kf);
	kf->freeing = 1;
	if (kf->pipe_ev != NULL)
		event_free(kf->pipe_ev);
	if (kf->poll_ev != NULL)
		event_free(kf->poll_ev);
	if (kf->pipefd[0] >= 0)
		close(kf->pipefd[0]);
	if (kf->pipefd[1] >= 0)
		close(kf->pipefd[1]);
	sd_sink_done(&kf->base);
	free(kf->win);
	free(kf->buf);
	free(kf->msgs);
	free(kf->arena);
	free(kf->lines);
	free(kf);
}

static const struct sd_sink_ops kf_ops = {
	.name = "kafka",
	.kick = kf_kick,
	.free = kf_free,
};

/* Producer settings: ours first, the user's --kafka-opt after (they win). */
static rd_kafka_conf_t *
kf_conf(struct kafka *kf, char err[SD_ERR_LEN])
{
	const struct sd_sink_kafka_opts *o = kf->o;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char key[256], why[256];
	const char *eq;
	size_t i;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers,
	    why, sizeof(why)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "acks", "all", why, sizeof(why)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.idempotence", "true", why,
	    sizeof(why)) != RD_KAFKA_CONF_OK ||
	    /* A device's key on the partition Java's producer (and Kafka
	     * Streams, Connect...) would pick: murmur2, not librdkafka's
	     * default crc32; keyless records spread at random. */
	    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", why,
	    sizeof(why)) != RD_KAFKA_CONF_OK)
		goto fail;
	for (i = 0; i < o->nopts; i++) {
		eq = strchr(o->opts[i], '=');
		snprintf(key, sizeof(key), "%.*s",
		    (int)(eq - o->opts[i]), o->opts[i]);
		if (rd_kafka_conf_set(conf, key, eq + 1, why, sizeof(why)) !=
		    RD_KAFKA_CONF_OK)
			goto fail;
	}
	rd_kafka_conf_set_opaque(conf, kf);
	rd_kafka_conf_set_dr_msg_cb(conf, kf_dr_cb);
	rd_kafka_conf_set_error_cb(conf, kf_error_cb);
	rd_kafka_conf_set_log_cb(conf, kf_log_cb);
	/* Logs wait in a queue for our poll: callbacks stay on the loop. */
	if (rd_kafka_conf_set(conf, "log.queue", "true", why,
	    sizeof(why)) != RD_KAFKA_CONF_OK)
		goto fail;
	return conf;
fail:
	snprintf(err, SD_ERR_LEN, "--kafka-opt: %.200s", why);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* librdkafka writes to a pipe when its queue gets work: one more event
 * on the loop, for this producer and the ones after it. */
static int
kf_wire_loop(struct kafka *kf)
{
	struct timeval sec = { 1, 0 };

	if (pipe2(kf->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		return SD_ERR_INVAL;
	kf->pipe_ev = event_new(kf->evb, kf->pipefd[0], EV_READ | EV_PERSIST,
	    kf_pipe_cb, kf);
	kf->poll_ev = event_new(kf->evb, -1, EV_PERSIST, kf_poll_cb, kf);
	if (kf->pipe_ev == NULL || kf->poll_ev == NULL)
		return SD_ERR_NOMEM;
	sd_prio_event(kf->pipe_ev, SD_PRIO_BACKEND);
	sd_prio_event(kf->poll_ev, SD_PRIO_BACKEND);
	event_add(kf->pipe_ev, NULL);
	event_add(kf->poll_ev, &sec);
	return SD_OK;
}

/* A producer for the topic, its queue wired to the loop's pipe. */
static int
kf_producer_new(struct kafka *kf, char err[SD_ERR_LEN])
{
	rd_kafka_conf_t *conf = kf_conf(kf, err);
	rd_kafka_queue_t *q;
	char why[256];

	if (conf == NULL)
		return SD_ERR_INVAL;
	kf->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (kf->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, SD_ERR_LEN, "--kafka-brokers: %.200s", why);
		return SD_ERR_INVAL;
	}
	rd_kafka_set_log_queue(kf->rk, NULL);
	kf->rkt = rd_kafka_topic_new(kf->rk, kf->o->topic, NULL);
	if (kf->rkt == NULL) {
		snprintf(err, SD_ERR_LEN, "--kafka-topic: cannot set up");
		return SD_ERR_INVAL;
	}
	q = rd_kafka_queue_get_main(kf->rk);
	rd_kafka_queue_io_event_enable(q, kf->pipefd[1], "1", 1);
	rd_kafka_queue_destroy(q);
	return SD_OK;
}

/* After a fatal error librdkafka produces nothing more (an idempotent
 * producer whose id was refused or fenced): a new producer takes over
 * from the cursor. Called by the one-second poll, so a cluster that
 * keeps refusing costs one producer a second, not a spin. */
static void
kf_rebuild(struct kafka *kf)
{
	char why[SD_ERR_LEN], err[SD_ERR_LEN], fatal[256] = "";

	if (kf->rk != NULL && kf->fatal)
		rd_kafka_fatal_error(kf->rk, fatal, sizeof(fatal));
	kf_producer_free(kf);
	kf->fatal = 0;
	kf->failed = 0;
	kf->count = 0;
	kf->pending = 0;
	sd_spool_reader_rewind(&kf->base.rd);
	if (kf_producer_new(kf, err) != SD_OK) {
		kf_producer_free(kf);
		sd_sink_set_state(&kf->base, SD_SINK_FAILING, err);
		return;
	}
	if (fatal[0] != '\0') {
		snprintf(why, sizeof(why), "fatal error: %.200s; a new "
		    "producer goes on from the cursor", fatal);
		sd_sink_set_state(&kf->base, SD_SINK_FAILING, why);
	}
}

struct sd_sink *
sd_sink_kafka_new(struct event_base *base,
    const struct sd_sink_kafka_opts *o, const char *device_tag,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN])
{
	struct kafka *kf = calloc(1, sizeof(*kf));

	err[0] = '\0';
	if (kf == NULL ||
	    sd_sink_init(&kf->base, &kf_ops, sp, range, events, err)) {
		free(kf);
		return NULL;
	}
	kf->o = o;
	kf->device_tag = device_tag;
	kf->evb = base;
	kf->pipefd[0] = kf->pipefd[1] = -1;
	kf->win = calloc(KF_WINDOW, sizeof(*kf->win));
	kf->buf = malloc(KF_READ);
	kf->msgs = calloc(KF_BATCH, sizeof(*kf->msgs));
	kf->arena = malloc(KF_ARENA);
	kf->lines = sd_kafka_record_head_new();
	if (kf->lines != NULL)
		sd_kafka_record_head_node(kf->lines, o->node_id);
	if (kf->win == NULL || kf->buf == NULL || kf->msgs == NULL ||
	    kf->arena == NULL || kf->lines == NULL ||
	    kf_wire_loop(kf) != SD_OK || kf_producer_new(kf, err) != SD_OK)
		goto fail;
	return &kf->base;
fail:
	if (err[0] == '\0')
		snprintf(err, SD_ERR_LEN, "kafka: out of memory");
	kf_free(&kf->base);
	return NULL;
}
