/*
 * sd_proto_enc.h: encoders for every frame kind.
 *
 * Each encoder writes one whole frame into buf[0..cap) and returns SD_OK
 * with the frame's size in *len; SD_ERR_NOSPACE with the size it needs in
 * *len when cap is too small (nothing useful written); SD_ERR_TOOBIG when
 * a field does not fit its width (a text over 4 GiB). Encoders for frames
 * with a streamed body (legacy file, FILE_CHUNK) write the head only; the
 * caller sends the body bytes after it.
 */
#ifndef SD_PROTO_ENC_H
#define SD_PROTO_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"

int sd_proto_enc_legacy_msg(uint8_t *buf, size_t cap,
    const struct sd_legacy_msg *m, size_t *len);
int sd_proto_enc_legacy_sensor(uint8_t *buf, size_t cap,
    const struct sd_legacy_sensor *m, size_t *len);
/* Head only: m->size body bytes follow. */
int sd_proto_enc_legacy_file(uint8_t *buf, size_t cap,
    const struct sd_legacy_file *m, size_t *len);

int sd_proto_enc_hello(uint8_t *buf, size_t cap, const struct sd_hello *m,
    size_t *len);
int sd_proto_enc_welcome(uint8_t *buf, size_t cap,
    const struct sd_welcome *m, size_t *len);
int sd_proto_enc_msg(uint8_t *buf, size_t cap, const struct sd_msg *m,
    size_t *len);
int sd_proto_enc_text(uint8_t *buf, size_t cap, const struct sd_text *m,
    size_t *len);
int sd_proto_enc_error(uint8_t *buf, size_t cap, const struct sd_error *m,
    size_t *len);
/* PING, or PONG when pong is non-zero. */
int sd_proto_enc_ping(uint8_t *buf, size_t cap, int pong,
    const struct sd_ping *m, size_t *len);

int sd_proto_enc_file_offer(uint8_t *buf, size_t cap,
    const struct sd_file_offer *m, size_t *len);
int sd_proto_enc_file_accept(uint8_t *buf, size_t cap,
    const struct sd_file_accept *m, size_t *len);
/* Head only: m->len data bytes follow. */
int sd_proto_enc_file_chunk(uint8_t *buf, size_t cap,
    const struct sd_file_chunk *m, size_t *len);
int sd_proto_enc_file_end(uint8_t *buf, size_t cap,
    const struct sd_file_end *m, size_t *len);
int sd_proto_enc_file_result(uint8_t *buf, size_t cap,
    const struct sd_file_result *m, size_t *len);
int sd_proto_enc_file_cancel(uint8_t *buf, size_t cap,
    const struct sd_file_cancel *m, size_t *len);
int sd_proto_enc_sensor_ack(uint8_t *buf, size_t cap,
    const struct sd_sensor_ack *m, size_t *len);

/*
 * A SENSOR_BATCH built in place: begin, add readings until one does not
 * fit (SD_ERR_NOSPACE: the batch is unchanged; send it and start
 * another), then finish, which patches the count and the length and
 * returns the frame's size.
 */
struct sd_batch_enc {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	uint16_t	 count;
};

int sd_proto_batch_begin(struct sd_batch_enc *b, uint8_t *buf, size_t cap,
    uint64_t seq, const uint8_t dev[SD_MAC_LEN]);
int sd_proto_batch_add(struct sd_batch_enc *b, const struct sd_reading *r);
size_t sd_proto_batch_finish(struct sd_batch_enc *b);

#endif
