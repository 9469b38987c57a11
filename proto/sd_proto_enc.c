/*
 * sd_proto_enc.c: frame encoders (see sd_proto_enc.h and the layouts in
 * man/sockdeck-protocol.7).
 */
#include <string.h>

#include "sd_err.h"
#include "sd_proto_enc.h"
#include "sd_proto_rw.h"

/* Start a frame: type and a length patched by enc_finish(). */
static void
enc_begin(struct sd_wr *w, uint8_t *buf, size_t cap, uint16_t type)
{
	sd_wr_init(w, buf, cap);
	sd_wr_u16(w, type);
	sd_wr_u32(w, 0);
}

/* Close a frame whose payload is what was written plus body bytes the
 * caller sends after it. */
static int
enc_finish(struct sd_wr *w, uint64_t body, size_t *len)
{
	uint64_t payload = w->len - SD_PROTO_HDR_LEN + body;

	*len = w->len;
	if (payload > UINT32_MAX)
		return SD_ERR_TOOBIG;
	if (w->len > w->cap)
		return SD_ERR_NOSPACE;
	sd_put32(w->p + 2, (uint32_t)payload);
	return SD_OK;
}

/* The legacy prefix: sid, device id, evt, size. */
static void
enc_legacy(struct sd_wr *w, uint8_t sid, const uint8_t *dev, uint8_t evt,
    uint32_t size)
{
	sd_wr_u8(w, sid);
	sd_wr_bytes(w, dev, SD_MAC_LEN);
	sd_wr_u8(w, evt);
	sd_wr_u32(w, size);
}

int
sd_proto_enc_legacy_msg(uint8_t *buf, size_t cap,
    const struct sd_legacy_msg *m, size_t *len)
{
	struct sd_wr w;

	if (m->len > SD_PROTO_MAX_FILE)
		return SD_ERR_TOOBIG;
	enc_begin(&w, buf, cap, SD_T_LEGACY_MSG);
	enc_legacy(&w, m->sid, m->dev, m->evt, m->len);
	sd_wr_bytes(&w, m->text, m->len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_legacy_sensor(uint8_t *buf, size_t cap,
    const struct sd_legacy_sensor *m, size_t *len)
{
	struct sd_wr w;
	uint32_t bits;

	memcpy(&bits, &m->value, sizeof(bits));
	enc_begin(&w, buf, cap, SD_T_LEGACY_DATA);
	sd_wr_u8(&w, SD_SID_SENSOR);
	sd_wr_bytes(&w, m->dev, SD_MAC_LEN);
	sd_wr_u32(&w, bits);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_legacy_file(uint8_t *buf, size_t cap,
    const struct sd_legacy_file *m, size_t *len)
{
	struct sd_wr w;

	if (m->size > SD_PROTO_MAX_FILE)
		return SD_ERR_TOOBIG;
	enc_begin(&w, buf, cap, SD_T_LEGACY_DATA);
	enc_legacy(&w, SD_SID_MSG, m->dev, m->ext, m->size);
	return enc_finish(&w, m->size, len);
}

int
sd_proto_enc_hello(uint8_t *buf, size_t cap, const struct sd_hello *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_HELLO);
	sd_wr_u8(&w, m->version);
	sd_wr_u32(&w, m->caps);
	sd_wr_bytes(&w, m->dev, SD_MAC_LEN);
	sd_wr_u8(&w, m->name_len);
	sd_wr_bytes(&w, m->name, m->name_len);
	sd_wr_u8(&w, m->token_len);
	sd_wr_bytes(&w, m->token, m->token_len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_welcome(uint8_t *buf, size_t cap, const struct sd_welcome *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_WELCOME);
	sd_wr_u8(&w, m->version);
	sd_wr_u32(&w, m->caps);
	sd_wr_u32(&w, m->client_id);
	sd_wr_u32(&w, m->max_msg);
	sd_wr_u32(&w, m->max_chunk);
	sd_wr_u64(&w, m->max_file);
	sd_wr_u8(&w, m->name_len);
	sd_wr_bytes(&w, m->name, m->name_len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_msg(uint8_t *buf, size_t cap, const struct sd_msg *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_MSG);
	sd_wr_u32(&w, m->id);
	sd_wr_bytes(&w, m->text, m->len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_text(uint8_t *buf, size_t cap, const struct sd_text *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_TEXT);
	sd_wr_u8(&w, m->kind);
	sd_wr_u32(&w, m->ref);
	sd_wr_bytes(&w, m->text, m->len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_error(uint8_t *buf, size_t cap, const struct sd_error *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_ERROR);
	sd_wr_u16(&w, m->code);
	sd_wr_u16(&w, m->ref_type);
	sd_wr_u32(&w, m->ref_id);
	sd_wr_bytes(&w, m->text, m->len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_ping(uint8_t *buf, size_t cap, int pong, const struct sd_ping *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, pong ? SD_T_PONG : SD_T_PING);
	sd_wr_u64(&w, m->token);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_file_offer(uint8_t *buf, size_t cap,
    const struct sd_file_offer *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_OFFER);
	sd_wr_u32(&w, m->xfer);
	sd_wr_u64(&w, m->size);
	sd_wr_u64(&w, m->key);
	sd_wr_u16(&w, m->name_len);
	sd_wr_bytes(&w, m->name, m->name_len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_file_accept(uint8_t *buf, size_t cap,
    const struct sd_file_accept *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_ACCEPT);
	sd_wr_u32(&w, m->xfer);
	sd_wr_u64(&w, m->offset);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_file_chunk(uint8_t *buf, size_t cap,
    const struct sd_file_chunk *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_CHUNK);
	sd_wr_u32(&w, m->xfer);
	sd_wr_u64(&w, m->offset);
	return enc_finish(&w, m->len, len);
}

int
sd_proto_enc_file_end(uint8_t *buf, size_t cap, const struct sd_file_end *m,
    size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_END);
	sd_wr_u32(&w, m->xfer);
	sd_wr_u64(&w, m->size);
	sd_wr_u64(&w, m->xxh3);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_file_result(uint8_t *buf, size_t cap,
    const struct sd_file_result *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_RESULT);
	sd_wr_u32(&w, m->xfer);
	sd_wr_u8(&w, m->status);
	sd_wr_u64(&w, m->size);
	sd_wr_u64(&w, m->xxh3);
	sd_wr_u16(&w, m->name_len);
	sd_wr_bytes(&w, m->name, m->name_len);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_file_cancel(uint8_t *buf, size_t cap,
    const struct sd_file_cancel *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_FILE_CANCEL);
	sd_wr_u32(&w, m->xfer);
	return enc_finish(&w, 0, len);
}

int
sd_proto_enc_sensor_ack(uint8_t *buf, size_t cap,
    const struct sd_sensor_ack *m, size_t *len)
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_SENSOR_ACK);
	sd_wr_u64(&w, m->seq);
	return enc_finish(&w, 0, len);
}

/* Start a batch: header and batch head, count patched at the end. */
int
sd_proto_batch_begin(struct sd_batch_enc *b, uint8_t *buf, size_t cap,
    uint64_t seq, const uint8_t dev[SD_MAC_LEN])
{
	struct sd_wr w;

	enc_begin(&w, buf, cap, SD_T_SENSOR_BATCH);
	sd_wr_u64(&w, seq);
	sd_wr_bytes(&w, dev, SD_MAC_LEN);
	sd_wr_u16(&w, 0);
	b->buf = buf;
	b->cap = cap;
	b->len = w.len;
	b->count = 0;
	return w.len > cap ? SD_ERR_NOSPACE : SD_OK;
}

/* Append one reading, or leave the batch as it was when it cannot. */
int
sd_proto_batch_add(struct sd_batch_enc *b, const struct sd_reading *r)
{
	struct sd_wr w;
	uint64_t bits;

	if (b->count == UINT16_MAX)
		return SD_ERR_TOOBIG;
	memcpy(&bits, &r->value, sizeof(bits));
	sd_wr_init(&w, b->buf, b->cap);
	w.len = b->len;
	sd_wr_u64(&w, (uint64_t)r->ts_ns);
	sd_wr_u64(&w, bits);
	sd_wr_u8(&w, r->chan_len);
	sd_wr_bytes(&w, r->chan, r->chan_len);
	if (w.len > b->cap)
		return SD_ERR_NOSPACE;
	b->len = w.len;
	b->count++;
	return SD_OK;
}

/* Patch count and length; the frame's size. */
size_t
sd_proto_batch_finish(struct sd_batch_enc *b)
{
	sd_put32(b->buf + 2, (uint32_t)(b->len - SD_PROTO_HDR_LEN));
	sd_put16(b->buf + 6 + 14, b->count);
	return b->len;
}
