/*
 * sd_proto_dec.c: the incremental frame decoder (see sd_proto_dec.h).
 *
 * States: HEAD gathers and validates a header (in place when the slice
 * holds it, else in the inline buffer), FRAME assembles a small frame that
 * arrived split, BODY hands out a streamed body, SKIP drops a frame that
 * could not be assembled.
 */
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_proto_dec.h"
#include "sd_proto_rw.h"

enum { ST_HEAD, ST_FRAME, ST_BODY, ST_SKIP };

/* Internal result of a state step: keep looping. */
#define DEC_AGAIN	(-1)

/* Which cap bounds an extension frame's length. */
enum { CAP_FIXED, CAP_CTRL, CAP_MSG, CAP_BATCH, CAP_CHUNK };

struct sd_dec_spec {
	enum sd_kind	 kind;
	uint8_t		 min;		/* payload bytes at least */
	uint8_t		 cap;		/* CAP_* */
	uint8_t		 prefix;	/* payload bytes before a body */
};

/* Extension frames, indexed by the type's low byte (high byte 0x53). */
static const struct sd_dec_spec sd_dec_ext[0x22] = {
	[0x01] = { SD_K_HELLO, 13, CAP_CTRL, 0 },
	[0x02] = { SD_K_WELCOME, 26, CAP_CTRL, 0 },
	[0x03] = { SD_K_MSG, 4, CAP_MSG, 0 },
	[0x04] = { SD_K_TEXT, 5, CAP_MSG, 0 },
	[0x05] = { SD_K_ERROR, 8, CAP_CTRL, 0 },
	[0x06] = { SD_K_PING, 8, CAP_FIXED, 0 },
	[0x07] = { SD_K_PONG, 8, CAP_FIXED, 0 },
	[0x10] = { SD_K_FILE_OFFER, 22, CAP_CTRL, 0 },
	[0x11] = { SD_K_FILE_ACCEPT, 12, CAP_FIXED, 0 },
	[0x12] = { SD_K_FILE_CHUNK, 12, CAP_CHUNK, 12 },
	[0x13] = { SD_K_FILE_END, 20, CAP_FIXED, 0 },
	[0x14] = { SD_K_FILE_RESULT, 23, CAP_CTRL, 0 },
	[0x15] = { SD_K_FILE_CANCEL, 4, CAP_FIXED, 0 },
	[0x20] = { SD_K_SENSOR_BATCH, SD_BATCH_HDR_LEN, CAP_BATCH, 0 },
	[0x21] = { SD_K_SENSOR_ACK, 8, CAP_FIXED, 0 },
};

enum { CHK_OK, CHK_NEED, CHK_BAD };

/* Largest payload an extension frame of this spec may claim. */
static uint64_t
dec_ext_max(const struct sd_proto_dec *d, const struct sd_dec_spec *s)
{
	switch (s->cap) {
	case CAP_CTRL:
		return d->lim.max_ctrl;
	case CAP_MSG:
		return (uint64_t)s->min + d->lim.max_msg;
	case CAP_BATCH:
		return d->lim.max_batch;
	case CAP_CHUNK:
		return (uint64_t)s->min + d->lim.max_chunk;
	default:
		return s->min;
	}
}

/* Validate a legacy header (type 0x0000 or 0xFFFF) in p[0..n). */
static int
dec_check_legacy(const struct sd_proto_dec *d, const uint8_t *p, size_t n,
    struct sd_dec_cur *c, uint64_t *need, int *err)
{
	uint32_t body;

	if (c->type == SD_T_LEGACY_DATA) {
		if (n < 7)
			goto need7;
		if (p[6] == SD_SID_SENSOR) {
			c->kind = SD_K_LEGACY_SENSOR;
			*err = SD_ERR_LENGTH;
			return c->length == SD_LEGACY_SENSOR_LEN ?
			    CHK_OK : CHK_BAD;
		}
		if (p[6] != SD_SID_MSG) {
			*err = SD_ERR_SID;
			return CHK_BAD;
		}
		c->kind = SD_K_LEGACY_FILE;
		c->prefix = SD_LEGACY_PREFIX;
	} else
		c->kind = SD_K_LEGACY_MSG;

	*err = SD_ERR_LENGTH;
	if (c->length < SD_LEGACY_INNER)
		return CHK_BAD;
	body = c->length - SD_LEGACY_INNER;
	*err = SD_ERR_CAP;
	if (body > (c->kind == SD_K_LEGACY_MSG ? d->lim.max_msg :
	    d->lim.max_file))
		return CHK_BAD;
	if (n < SD_LEGACY_PREFIX) {
		*need = SD_LEGACY_PREFIX;
		return CHK_NEED;
	}
	*err = SD_ERR_LENGTH;
	return sd_get32(p + 14) == body ? CHK_OK : CHK_BAD;
need7:
	*need = 7;
	return CHK_NEED;
}

/*
 * Validate the header starting at p[0..n): CHK_OK with *c filled (and,
 * for a streamed frame, its whole prefix in p), CHK_NEED with the bytes
 * needed in *need, or CHK_BAD with *err. The answer depends only on the
 * bytes, never on how many more are there, so any split of a stream
 * decodes the same.
 */
static int
dec_check(const struct sd_proto_dec *d, const uint8_t *p, size_t n,
    struct sd_dec_cur *c, uint64_t *need, int *err)
{
	const struct sd_dec_spec *s;
	int r;

	if (n < SD_PROTO_HDR_LEN) {
		*need = SD_PROTO_HDR_LEN;
		return CHK_NEED;
	}
	c->type = sd_get16(p);
	c->length = sd_get32(p + 2);
	c->total = (uint64_t)SD_PROTO_HDR_LEN + c->length;
	c->prefix = 0;
	c->kind = SD_K_NONE;

	if (c->type == SD_T_LEGACY_MSG || c->type == SD_T_LEGACY_DATA) {
		r = dec_check_legacy(d, p, n, c, need, err);
		if (r != CHK_OK || c->prefix == 0)
			return r;
	} else {
		s = NULL;
		if ((c->type >> 8) == 0x53 && (c->type & 0xff) < 0x22)
			s = &sd_dec_ext[c->type & 0xff];
		if (s == NULL || s->kind == SD_K_NONE) {
			*err = SD_ERR_TYPE;
			return CHK_BAD;
		}
		c->kind = s->kind;
		*err = SD_ERR_LENGTH;
		if (c->length < s->min ||
		    (s->cap == CAP_FIXED && c->length != s->min))
			return CHK_BAD;
		*err = SD_ERR_CAP;
		if (c->length > dec_ext_max(d, s))
			return CHK_BAD;
		if (s->prefix == 0)
			return CHK_OK;
		c->prefix = SD_PROTO_HDR_LEN + s->prefix;
	}
	if (n < c->prefix) {
		*need = c->prefix;
		return CHK_NEED;
	}
	return CHK_OK;
}

/* Parse the payload of a hello or welcome (trailing bytes are for later
 * versions and ignored). */
static void
dec_parse_hello(struct sd_rd *r, struct sd_frame *f)
{
	struct sd_hello *h = &f->u.hello;
	struct sd_welcome *w = &f->u.welcome;
	const uint8_t *dev;

	if (f->kind == SD_K_HELLO) {
		h->version = sd_rd_u8(r);
		h->caps = sd_rd_u32(r);
		dev = sd_rd_take(r, SD_MAC_LEN);
		if (dev)
			memcpy(h->dev, dev, SD_MAC_LEN);
		h->name_len = sd_rd_u8(r);
		h->name = (const char *)sd_rd_take(r, h->name_len);
		h->token_len = sd_rd_u8(r);
		h->token = (const char *)sd_rd_take(r, h->token_len);
	} else {
		w->version = sd_rd_u8(r);
		w->caps = sd_rd_u32(r);
		w->client_id = sd_rd_u32(r);
		w->max_msg = sd_rd_u32(r);
		w->max_chunk = sd_rd_u32(r);
		w->max_file = sd_rd_u64(r);
		w->name_len = sd_rd_u8(r);
		w->name = (const char *)sd_rd_take(r, w->name_len);
	}
	r->pos = r->len;
}

/* Parse a batch and check that its readings fill it exactly. */
static void
dec_parse_batch(struct sd_rd *r, struct sd_frame *f)
{
	struct sd_sensor_batch *b = &f->u.batch;
	const uint8_t *dev;
	uint16_t i;

	b->seq = sd_rd_u64(r);
	dev = sd_rd_take(r, SD_MAC_LEN);
	if (dev)
		memcpy(b->dev, dev, SD_MAC_LEN);
	b->count = sd_rd_u16(r);
	b->recs = r->p + r->pos;
	b->recs_len = (uint32_t)sd_rd_left(r);
	for (i = 0; i < b->count && !r->bad; i++) {
		sd_rd_take(r, 16);
		sd_rd_take(r, sd_rd_u8(r));
	}
}

/* Parse the files frames with a name, both directions. */
static void
dec_parse_named(struct sd_rd *r, struct sd_frame *f)
{
	struct sd_file_offer *o = &f->u.offer;
	struct sd_file_result *res = &f->u.result;

	if (f->kind == SD_K_FILE_OFFER) {
		o->xfer = sd_rd_u32(r);
		o->size = sd_rd_u64(r);
		o->key = sd_rd_u64(r);
		o->name_len = sd_rd_u16(r);
		o->name = (const char *)sd_rd_take(r, o->name_len);
	} else {
		res->xfer = sd_rd_u32(r);
		res->status = sd_rd_u8(r);
		res->size = sd_rd_u64(r);
		res->xxh3 = sd_rd_u64(r);
		res->name_len = sd_rd_u16(r);
		res->name = (const char *)sd_rd_take(r, res->name_len);
	}
}

/* Parse a text-carrying frame: the text runs to the frame's end. */
static void
dec_parse_text(struct sd_rd *r, struct sd_frame *f)
{
	const char **text;
	uint32_t *len;

	switch (f->kind) {
	case SD_K_MSG:
		f->u.msg.id = sd_rd_u32(r);
		text = &f->u.msg.text;
		len = &f->u.msg.len;
		break;
	case SD_K_TEXT:
		f->u.text.kind = sd_rd_u8(r);
		f->u.text.ref = sd_rd_u32(r);
		text = &f->u.text.text;
		len = &f->u.text.len;
		break;
	default:
		f->u.error.code = sd_rd_u16(r);
		f->u.error.ref_type = sd_rd_u16(r);
		f->u.error.ref_id = sd_rd_u32(r);
		text = &f->u.error.text;
		len = &f->u.error.len;
		break;
	}
	*len = (uint32_t)sd_rd_left(r);
	*text = (const char *)sd_rd_take(r, *len);
}

/* Parse the fixed-size extension frames. */
static void
dec_parse_fixed(struct sd_rd *r, struct sd_frame *f)
{
	switch (f->kind) {
	case SD_K_PING:
	case SD_K_PONG:
		f->u.ping.token = sd_rd_u64(r);
		break;
	case SD_K_FILE_ACCEPT:
		f->u.accept.xfer = sd_rd_u32(r);
		f->u.accept.offset = sd_rd_u64(r);
		break;
	case SD_K_FILE_END:
		f->u.end.xfer = sd_rd_u32(r);
		f->u.end.size = sd_rd_u64(r);
		f->u.end.xxh3 = sd_rd_u64(r);
		break;
	case SD_K_FILE_CANCEL:
		f->u.cancel.xfer = sd_rd_u32(r);
		break;
	default:
		f->u.ack.seq = sd_rd_u64(r);
		break;
	}
}

/* Parse a legacy message or sensor reading (the header is valid). */
static void
dec_parse_legacy(const uint8_t *p, struct sd_frame *f)
{
	uint32_t bits;

	if (f->kind == SD_K_LEGACY_SENSOR) {
		memcpy(f->u.lsensor.dev, p + 7, SD_MAC_LEN);
		bits = sd_get32(p + 13);
		memcpy(&f->u.lsensor.value, &bits, sizeof(bits));
		return;
	}
	f->u.lmsg.sid = p[6];
	memcpy(f->u.lmsg.dev, p + 7, SD_MAC_LEN);
	f->u.lmsg.evt = p[13];
	f->u.lmsg.len = f->length - SD_LEGACY_INNER;
	f->u.lmsg.text = (const char *)p + SD_LEGACY_PREFIX;
	if (p[6] != SD_SID_MSG)
		f->flags |= SD_FRAME_ODD_SID;
	if (p[13] != SD_EVT_MSG)
		f->flags |= SD_FRAME_ODD_EVT;
}

/* Turn the complete small frame at p into *f: FRAME, or ERROR when its
 * fields do not fill its length exactly. */
static enum sd_dec_ev
dec_deliver(struct sd_proto_dec *d, const uint8_t *p, struct sd_frame *f)
{
	struct sd_rd r;

	f->kind = d->cur.kind;
	f->type = d->cur.type;
	f->length = d->cur.length;
	f->flags = 0;
	sd_rd_init(&r, p + SD_PROTO_HDR_LEN, d->cur.length);
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
	case SD_K_LEGACY_SENSOR:
		dec_parse_legacy(p, f);
		r.pos = r.len;
		break;
	case SD_K_HELLO:
	case SD_K_WELCOME:
		dec_parse_hello(&r, f);
		break;
	case SD_K_MSG:
	case SD_K_TEXT:
	case SD_K_ERROR:
		dec_parse_text(&r, f);
		break;
	case SD_K_FILE_OFFER:
	case SD_K_FILE_RESULT:
		dec_parse_named(&r, f);
		break;
	case SD_K_SENSOR_BATCH:
		dec_parse_batch(&r, f);
		break;
	default:
		dec_parse_fixed(&r, f);
		break;
	}
	if (r.bad || sd_rd_left(&r) != 0) {
		f->err = SD_ERR_MALFORMED;
		d->stats.errors++;
		return SD_DEC_ERROR;
	}
	d->stats.frames++;
	return SD_DEC_FRAME;
}

/* Report the head of a streamed frame from its prefix at p and move on
 * to its body. */
static enum sd_dec_ev
dec_begin_body(struct sd_proto_dec *d, const uint8_t *p, struct sd_frame *f)
{
	f->kind = d->cur.kind;
	f->type = d->cur.type;
	f->length = d->cur.length;
	f->flags = 0;
	if (f->kind == SD_K_LEGACY_FILE) {
		memcpy(f->u.lfile.dev, p + 7, SD_MAC_LEN);
		f->u.lfile.ext = p[13];
		f->u.lfile.size = sd_get32(p + 14);
	} else {
		f->u.chunk.xfer = sd_get32(p + 6);
		f->u.chunk.offset = sd_get64(p + 10);
		f->u.chunk.len = d->cur.length - 12;
	}
	d->body_left = d->cur.total - d->cur.prefix;
	d->body_off = 0;
	d->state = ST_BODY;
	d->stats.frames++;
	return SD_DEC_FRAME;
}

/* An invalid byte: count it, and report the start of a discarded run. */
static int
dec_bad(struct sd_proto_dec *d, int err, struct sd_frame *f)
{
	d->stats.discarded++;
	if (d->garbage)
		return DEC_AGAIN;
	d->garbage = 1;
	d->stats.errors++;
	f->kind = d->cur.kind;
	f->type = d->cur.type;
	f->length = d->cur.length;
	f->flags = 0;
	f->err = err;
	return SD_DEC_ERROR;
}

/* A valid header with its prefix at p: start the frame. Returns an event,
 * or DEC_AGAIN when a small frame must first be assembled. */
static int
dec_commit(struct sd_proto_dec *d, const uint8_t *p, struct sd_frame *f)
{
	d->garbage = 0;
	if (d->cur.prefix != 0) {
		d->have = 0;
		return dec_begin_body(d, p, f);
	}
	if (d->have >= d->cur.total) {
		/* A header window shifted past garbage can hold all of a
		 * short frame and the start of the next: deliver the frame,
		 * keep the rest for the next call. */
		d->pend = d->cur.total;
		return dec_deliver(d, d->acc, f);
	}
	if (d->cur.total > SD_DEC_INLINE) {
		/* The length was checked against its cap: bounded. */
		d->heap = malloc(d->cur.total);
		if (d->heap == NULL) {
			d->skip_left = d->cur.total - d->have;
			d->have = 0;
			d->state = ST_SKIP;
			d->stats.errors++;
			f->kind = d->cur.kind;
			f->type = d->cur.type;
			f->length = d->cur.length;
			f->err = SD_ERR_NOMEM;
			return SD_DEC_ERROR;
		}
		memcpy(d->heap, d->acc, d->have);
		d->acc = d->heap;
	}
	d->state = ST_FRAME;
	return DEC_AGAIN;
}

/* HEAD: find and validate the next header. */
static int
dec_head(struct sd_proto_dec *d, const uint8_t *buf, size_t len,
    size_t *pos, struct sd_frame *f)
{
	uint64_t need, n;
	int r, err;

	/* Fast path: the header is in the caller's slice. */
	while (d->have == 0 && *pos < len) {
		r = dec_check(d, buf + *pos, len - *pos, &d->cur, &need, &err);
		if (r == CHK_BAD) {
			*pos += 1;
			if (dec_bad(d, err, f) == SD_DEC_ERROR)
				return SD_DEC_ERROR;
			continue;
		}
		if (r == CHK_OK && d->cur.prefix != 0) {
			d->garbage = 0;
			*pos += d->cur.prefix;
			return dec_begin_body(d, buf + *pos - d->cur.prefix, f);
		}
		if (r == CHK_OK && d->cur.total <= len - *pos) {
			d->garbage = 0;
			*pos += d->cur.total;
			return dec_deliver(d, buf + *pos - d->cur.total, f);
		}
		break;
	}

	/* Slow path: gather the header in the inline buffer. */
	r = dec_check(d, d->acc, d->have, &d->cur, &need, &err);
	if (r == CHK_BAD) {
		d->have--;
		memmove(d->acc, d->acc + 1, d->have);
		return dec_bad(d, err, f);
	}
	if (r == CHK_OK)
		return dec_commit(d, d->acc, f);
	if (*pos == len)
		return SD_DEC_NEED_MORE;
	n = need - d->have;
	if (n > len - *pos)
		n = len - *pos;
	memcpy(d->acc + d->have, buf + *pos, n);
	d->have += n;
	*pos += n;
	return DEC_AGAIN;
}

/* FRAME: assemble a small frame that arrived split. */
static int
dec_frame(struct sd_proto_dec *d, const uint8_t *buf, size_t len,
    size_t *pos, struct sd_frame *f)
{
	uint64_t n = d->cur.total - d->have;

	if (n > len - *pos)
		n = len - *pos;
	memcpy(d->acc + d->have, buf + *pos, n);
	d->have += n;
	*pos += n;
	if (d->have < d->cur.total)
		return SD_DEC_NEED_MORE;
	d->state = ST_HEAD;
	d->have = 0;
	return dec_deliver(d, d->acc, f);
}

/* BODY: hand out the next piece of a streamed body, then its end. */
static int
dec_body(struct sd_proto_dec *d, const uint8_t *buf, size_t len,
    size_t *pos, struct sd_frame *f)
{
	uint64_t n = d->body_left;

	if (n == 0) {
		d->state = ST_HEAD;
		f->kind = d->cur.kind;
		f->type = d->cur.type;
		f->length = d->cur.length;
		return SD_DEC_END;
	}
	if (*pos == len)
		return SD_DEC_NEED_MORE;
	if (n > len - *pos)
		n = len - *pos;
	f->kind = d->cur.kind;
	f->data = buf + *pos;
	f->data_len = (size_t)n;
	f->data_off = d->body_off;
	d->body_off += n;
	d->body_left -= n;
	*pos += n;
	return SD_DEC_DATA;
}

/* SKIP: drop the rest of a frame that could not be assembled. */
static int
dec_skip(struct sd_proto_dec *d, size_t len, size_t *pos)
{
	uint64_t n = d->skip_left;

	if (n > len - *pos)
		n = len - *pos;
	d->skip_left -= n;
	*pos += n;
	if (d->skip_left > 0)
		return SD_DEC_NEED_MORE;
	d->state = ST_HEAD;
	return DEC_AGAIN;
}

/* Drop what the frame delivered by the previous call still held: its
 * assembly buffer, or its bytes at the front of the header window. */
static void
dec_release(struct sd_proto_dec *d)
{
	if (d->pend > 0) {
		d->have -= d->pend;
		memmove(d->acc, d->acc + d->pend, d->have);
		d->pend = 0;
	}
	if (d->heap == NULL || d->state == ST_FRAME)
		return;
	free(d->heap);
	d->heap = NULL;
	d->acc = d->inl;
}

/* Start a decoder with the given caps. */
void
sd_proto_dec_init(struct sd_proto_dec *d, const struct sd_proto_limits *lim)
{
	memset(d, 0, sizeof(*d));
	if (lim != NULL)
		d->lim = *lim;
	else
		sd_proto_limits_default(&d->lim);
	d->state = ST_HEAD;
	d->acc = d->inl;
}

/* Release the assembly buffer, if any. */
void
sd_proto_dec_done(struct sd_proto_dec *d)
{
	free(d->heap);
	d->heap = NULL;
	d->acc = d->inl;
	d->have = 0;
	d->pend = 0;
	d->state = ST_HEAD;
}

/* Decode the next event from buf[0..len). */
enum sd_dec_ev
sd_proto_dec_feed(struct sd_proto_dec *d, const uint8_t *buf, size_t len,
    size_t *used, struct sd_frame *f)
{
	size_t pos = 0;
	int ev;

	dec_release(d);
	do {
		switch (d->state) {
		case ST_HEAD:
			ev = dec_head(d, buf, len, &pos, f);
			break;
		case ST_FRAME:
			ev = dec_frame(d, buf, len, &pos, f);
			break;
		case ST_BODY:
			ev = dec_body(d, buf, len, &pos, f);
			break;
		default:
			ev = dec_skip(d, len, &pos);
			break;
		}
	} while (ev == DEC_AGAIN);
	*used = pos;
	return (enum sd_dec_ev)ev;
}

/* The stream ended: report a frame it cut short, and reset. */
enum sd_dec_ev
sd_proto_dec_finish(struct sd_proto_dec *d, struct sd_frame *f)
{
	enum sd_dec_ev ev = SD_DEC_NEED_MORE;

	dec_release(d);
	if (sd_proto_dec_busy(d)) {
		ev = SD_DEC_ERROR;
		d->stats.errors++;
		memset(f, 0, sizeof(*f));
		if (d->state != ST_HEAD) {
			f->kind = d->cur.kind;
			f->type = d->cur.type;
			f->length = d->cur.length;
		}
		f->err = SD_ERR_TRUNCATED;
	}
	sd_proto_dec_done(d);
	d->garbage = 0;
	return ev;
}

/* True while a frame or body is partly decoded. */
int
sd_proto_dec_busy(const struct sd_proto_dec *d)
{
	switch (d->state) {
	case ST_HEAD:
		return d->have > d->pend;
	case ST_BODY:
		return d->body_left > 0;
	case ST_SKIP:
		return 0;
	default:
		return 1;
	}
}
