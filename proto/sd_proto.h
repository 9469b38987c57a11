/*
 * sd_proto.h: the sockdeck wire format, legacy and extension.
 *
 * Owns the frame layouts: type values, the fields of every frame kind, the
 * size caps and the extension-code table. Every frame is a 6-byte header
 * (type u16 LE, length u32 LE: the payload bytes after the header) and a
 * payload. Legacy devices use types 0x0000 and 0xFFFF; sockdeck's own
 * extension frames use 0x53xx. Every field is little-endian. The layouts
 * are documented field by field in man/sockdeck-protocol.7.
 *
 * The per-kind structs below serve both directions: an encoder reads one,
 * the decoder fills one. Pointers in a decoded struct point into the
 * decoder's input or its assembly buffer and stay valid until the next
 * sd_proto_dec_feed() call; they are not NUL-terminated.
 *
 * Pure C: no I/O, no allocation in this header's functions.
 */
#ifndef SD_PROTO_H
#define SD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SD_PROTO_VERSION	1
#define SD_PROTO_HDR_LEN	6

/* Frame types: the u16 at offset 0. */
#define SD_T_LEGACY_MSG		0x0000
#define SD_T_LEGACY_DATA	0xFFFF
#define SD_T_HELLO		0x5301
#define SD_T_WELCOME		0x5302
#define SD_T_MSG		0x5303
#define SD_T_TEXT		0x5304
#define SD_T_ERROR		0x5305
#define SD_T_PING		0x5306
#define SD_T_PONG		0x5307
#define SD_T_FILE_OFFER		0x5310
#define SD_T_FILE_ACCEPT	0x5311
#define SD_T_FILE_CHUNK		0x5312
#define SD_T_FILE_END		0x5313
#define SD_T_FILE_RESULT	0x5314
#define SD_T_FILE_CANCEL	0x5315
#define SD_T_SENSOR_BATCH	0x5320
#define SD_T_SENSOR_ACK		0x5321

/* Legacy frames: the sid byte at offset 6, the evt byte of a message. */
#define SD_SID_MSG		0x22
#define SD_SID_SENSOR		0x11
#define SD_EVT_MSG		1

/* Legacy layout: sid, 6-byte device id, evt, u32 size, then the body. */
#define SD_LEGACY_PREFIX	18	/* header + sid..size */
#define SD_LEGACY_SENSOR_LEN	11	/* payload of a sensor frame */
#define SD_LEGACY_INNER		12	/* payload bytes before the body */

/* Largest fixed part of any frame (header included) before a body. */
#define SD_PROTO_PREFIX_MAX	18

#define SD_MAC_LEN		6

/* What a decoded frame is. */
enum sd_kind {
	SD_K_NONE = 0,
	SD_K_LEGACY_MSG,
	SD_K_LEGACY_SENSOR,
	SD_K_LEGACY_FILE,	/* head of a streamed body */
	SD_K_HELLO,
	SD_K_WELCOME,
	SD_K_MSG,
	SD_K_TEXT,
	SD_K_ERROR,
	SD_K_PING,
	SD_K_PONG,
	SD_K_FILE_OFFER,
	SD_K_FILE_ACCEPT,
	SD_K_FILE_CHUNK,	/* head of a streamed body */
	SD_K_FILE_END,
	SD_K_FILE_RESULT,
	SD_K_FILE_CANCEL,
	SD_K_SENSOR_BATCH,
	SD_K_SENSOR_ACK,
	SD_K_COUNT
};

/* Capability bits of HELLO and WELCOME. */
#define SD_CAP_FILES		(1u << 0)
#define SD_CAP_RESUME		(1u << 1)
#define SD_CAP_SENSORS		(1u << 2)
#define SD_CAP_PING		(1u << 3)

/* TEXT kinds. */
#define SD_TEXT_REPLY		1
#define SD_TEXT_BROADCAST	2
#define SD_TEXT_NOTICE		3

/* ERROR codes carried on the wire. */
#define SD_EC_MALFORMED		1	/* a frame could not be parsed */
#define SD_EC_TOO_LARGE		2	/* over a limit of WELCOME */
#define SD_EC_UNSUPPORTED	3	/* a kind this peer does not do */
#define SD_EC_UNEXPECTED	4	/* a valid frame at the wrong time */
#define SD_EC_AUTH		5	/* HELLO's token was refused */
#define SD_EC_LIMIT		6	/* too many clients or transfers */
#define SD_EC_IO		7	/* the server could not store it */
#define SD_EC_NO_TRANSFER	8	/* chunk or end for an unknown xfer */
#define SD_EC_OFFSET		9	/* chunk offset is not the next byte */
#define SD_EC_INTERNAL		10

/* FILE_RESULT status. */
#define SD_FILE_OK		0
#define SD_FILE_CHECKSUM	1	/* stored bytes hash differently */
#define SD_FILE_SIZE		2	/* byte count differs from the offer */
#define SD_FILE_IO		3	/* the server could not write */
#define SD_FILE_CANCELLED	4
#define SD_FILE_REJECTED	5	/* name, size or limit refused */

/* Flags of a decoded legacy message whose sid/evt are not the documented
 * values: still a message, but worth counting. */
#define SD_FRAME_ODD_SID	(1u << 0)
#define SD_FRAME_ODD_EVT	(1u << 1)

/* Caps per kind: a length over its cap is invalid. Text and control frames
 * are assembled whole, so these caps bound a connection's memory; bodies
 * of files and chunks are streamed and cost no memory. */
struct sd_proto_limits {
	uint32_t max_msg;	/* text bytes of MSG, TEXT, legacy message */
	uint32_t max_file;	/* body of a legacy file frame */
	uint32_t max_chunk;	/* data bytes of one FILE_CHUNK */
	uint32_t max_batch;	/* payload of one SENSOR_BATCH */
	uint32_t max_ctrl;	/* payload of every other variable frame */
};

#define SD_PROTO_MAX_MSG	(1u << 20)
#define SD_PROTO_MAX_FILE	0xFFFFFFF3u	/* u32 size field, minus 12 */
#define SD_PROTO_MAX_CHUNK	(16u << 20)
#define SD_PROTO_MAX_BATCH	(64u << 10)
#define SD_PROTO_MAX_CTRL	4096u

/* Legacy frames. */
struct sd_legacy_msg {
	uint8_t		 sid;
	uint8_t		 dev[SD_MAC_LEN];
	uint8_t		 evt;
	const char	*text;
	uint32_t	 len;
};

struct sd_legacy_sensor {
	uint8_t		 dev[SD_MAC_LEN];
	float		 value;
};

struct sd_legacy_file {
	uint8_t		 dev[SD_MAC_LEN];
	uint8_t		 ext;		/* extension code */
	uint32_t	 size;		/* body bytes that follow */
};

/* Extension frames. */
struct sd_hello {
	uint8_t		 version;
	uint32_t	 caps;
	uint8_t		 dev[SD_MAC_LEN];
	const char	*name;
	uint8_t		 name_len;
	const char	*token;
	uint8_t		 token_len;
};

struct sd_welcome {
	uint8_t		 version;
	uint32_t	 caps;
	uint32_t	 client_id;
	uint32_t	 max_msg;
	uint32_t	 max_chunk;
	uint64_t	 max_file;
	const char	*name;
	uint8_t		 name_len;
};

struct sd_msg {
	uint32_t	 id;		/* echoed as TEXT's ref */
	const char	*text;
	uint32_t	 len;
};

struct sd_text {
	uint8_t		 kind;		/* SD_TEXT_* */
	uint32_t	 ref;		/* MSG id answered, or 0 */
	const char	*text;
	uint32_t	 len;
};

struct sd_error {
	uint16_t	 code;		/* SD_EC_* */
	uint16_t	 ref_type;	/* type of the frame at fault, or 0 */
	uint32_t	 ref_id;	/* its msg id, xfer id or seq, or 0 */
	const char	*text;
	uint32_t	 len;
};

struct sd_ping {
	uint64_t	 token;		/* PONG echoes it */
};

struct sd_file_offer {
	uint32_t	 xfer;		/* sender's id for this transfer */
	uint64_t	 size;		/* total bytes */
	uint64_t	 key;		/* sender's identity of the file */
	const char	*name;
	uint16_t	 name_len;
};

struct sd_file_accept {
	uint32_t	 xfer;
	uint64_t	 offset;	/* resume point: send from here */
};

struct sd_file_chunk {
	uint32_t	 xfer;
	uint64_t	 offset;	/* of the chunk's first byte */
	uint32_t	 len;		/* data bytes that follow */
};

struct sd_file_end {
	uint32_t	 xfer;
	uint64_t	 size;
	uint64_t	 xxh3;		/* XXH3-64 of the whole file, seed 0 */
};

struct sd_file_result {
	uint32_t	 xfer;
	uint8_t		 status;	/* SD_FILE_* */
	uint64_t	 size;		/* bytes stored */
	uint64_t	 xxh3;		/* as the server computed it */
	const char	*name;		/* stored name */
	uint16_t	 name_len;
};

struct sd_file_cancel {
	uint32_t	 xfer;
};

/* A batch's readings are validated when decoded and walked with
 * sd_proto_batch_next(). */
struct sd_sensor_batch {
	uint64_t	 seq;
	uint8_t		 dev[SD_MAC_LEN];
	uint16_t	 count;
	const uint8_t	*recs;
	uint32_t	 recs_len;
};

struct sd_reading {
	int64_t		 ts_ns;		/* 0: the receiver's clock */
	double		 value;
	const char	*chan;
	uint8_t		 chan_len;
};

struct sd_sensor_ack {
	uint64_t	 seq;		/* every batch up to seq is durable */
};

#define SD_BATCH_HDR_LEN	16	/* seq, dev, count */
#define SD_READING_MIN_LEN	17	/* ts, value, chan_len */

/* One decoded frame, or the head of a streamed one. */
struct sd_frame {
	enum sd_kind	 kind;
	uint16_t	 type;
	uint32_t	 length;	/* payload length from the header */
	uint32_t	 flags;		/* SD_FRAME_* */
	union {
		struct sd_legacy_msg	 lmsg;
		struct sd_legacy_sensor	 lsensor;
		struct sd_legacy_file	 lfile;
		struct sd_hello		 hello;
		struct sd_welcome	 welcome;
		struct sd_msg		 msg;
		struct sd_text		 text;
		struct sd_error		 error;
		struct sd_ping		 ping;	/* PING and PONG */
		struct sd_file_offer	 offer;
		struct sd_file_accept	 accept;
		struct sd_file_chunk	 chunk;
		struct sd_file_end	 end;
		struct sd_file_result	 result;
		struct sd_file_cancel	 cancel;
		struct sd_sensor_batch	 batch;
		struct sd_sensor_ack	 ack;
	} u;

	/* SD_DEC_DATA: the next piece of a streamed body. */
	const uint8_t	*data;
	size_t		 data_len;
	uint64_t	 data_off;	/* of data[0] within the body */

	/* SD_DEC_ERROR: why bytes were discarded (SD_ERR_*). type, length
	 * and kind say what the bytes claimed to be, when known. */
	int		 err;
};

/* Default caps. */
void sd_proto_limits_default(struct sd_proto_limits *lim);

/* Name of a frame kind ("legacy-msg", "hello", ...). */
const char *sd_proto_kind_name(enum sd_kind kind);

/* File extension of a legacy extension code ("jpg"), or NULL for 0, 1 and
 * codes outside the table: the caller picks its fallback. */
const char *sd_proto_ext_name(uint8_t code);

/* The legacy extension code the original client sent for the len bytes
 * of ext (no dot, case ignored): 2 to 9 for jpg to avi, 10 ("zip") for
 * anything else, none (NULL) included. */
uint8_t sd_proto_ext_code(const char *ext, size_t len);

/* Walk a decoded batch: fills *r and returns true while readings remain.
 * *pos starts at 0. The decoder has validated the records already. */
bool sd_proto_batch_next(const struct sd_sensor_batch *b, size_t *pos,
    struct sd_reading *r);

/* Format a MAC as "aa:bb:cc:dd:ee:ff" into buf (at least 18 bytes). */
void sd_proto_mac_str(const uint8_t mac[SD_MAC_LEN], char buf[18]);

/* Parse "aa:bb:cc:dd:ee:ff" (or '-' separated); SD_OK or SD_ERR_INVAL. */
int sd_proto_mac_parse(const char *s, uint8_t mac[SD_MAC_LEN]);

/* The value of a hex digit (either case), or -1. */
int sd_proto_hexval(char c);

#endif
