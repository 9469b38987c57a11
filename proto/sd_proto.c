/*
 * sd_proto.c: the tables of the wire format (kinds, extension codes,
 * default caps) and the small helpers that read them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sd_err.h"
#include "sd_proto.h"
#include "sd_proto_rw.h"

static const char *const sd_proto_kind_names[SD_K_COUNT] = {
	[SD_K_NONE] = "none",
	[SD_K_LEGACY_MSG] = "legacy-msg",
	[SD_K_LEGACY_SENSOR] = "legacy-sensor",
	[SD_K_LEGACY_FILE] = "legacy-file",
	[SD_K_HELLO] = "hello",
	[SD_K_WELCOME] = "welcome",
	[SD_K_MSG] = "msg",
	[SD_K_TEXT] = "text",
	[SD_K_ERROR] = "error",
	[SD_K_PING] = "ping",
	[SD_K_PONG] = "pong",
	[SD_K_FILE_OFFER] = "file-offer",
	[SD_K_FILE_ACCEPT] = "file-accept",
	[SD_K_FILE_CHUNK] = "file-chunk",
	[SD_K_FILE_END] = "file-end",
	[SD_K_FILE_RESULT] = "file-result",
	[SD_K_FILE_CANCEL] = "file-cancel",
	[SD_K_SENSOR_BATCH] = "sensor-batch",
	[SD_K_SENSOR_ACK] = "sensor-ack",
};

/* The legacy extension codes; 0 "null" and 1 "non" mean no extension. */
static const char *const sd_proto_exts[] = {
	NULL, NULL, "jpg", "png", "gif", "txt", "json", "xml", "mp4", "avi",
	"zip",
};
#define SD_PROTO_NEXT (sizeof(sd_proto_exts) / sizeof(sd_proto_exts[0]))

/* Fill in the default caps. */
void
sd_proto_limits_default(struct sd_proto_limits *lim)
{
	lim->max_msg = SD_PROTO_MAX_MSG;
	lim->max_file = SD_PROTO_MAX_FILE;
	lim->max_chunk = SD_PROTO_MAX_CHUNK;
	lim->max_batch = SD_PROTO_MAX_BATCH;
	lim->max_ctrl = SD_PROTO_MAX_CTRL;
}

/* Name of a frame kind. */
const char *
sd_proto_kind_name(enum sd_kind kind)
{
	if ((unsigned)kind >= SD_K_COUNT)
		return "unknown";
	return sd_proto_kind_names[kind];
}

/* Extension of a legacy code, or NULL when it names none. */
const char *
sd_proto_ext_name(uint8_t code)
{
	if (code >= SD_PROTO_NEXT)
		return NULL;
	return sd_proto_exts[code];
}

/* The code the original client sent for an extension: jpg to avi, case
 * ignored, have theirs; anything else (jpeg, zip, none) is 10, "zip". */
uint8_t
sd_proto_ext_code(const char *ext, size_t len)
{
	size_t i;

	for (i = 2; ext != NULL && i < SD_PROTO_NEXT - 1; i++) {
		if (strlen(sd_proto_exts[i]) == len &&
		    strncasecmp(ext, sd_proto_exts[i], len) == 0)
			return (uint8_t)i;
	}
	return SD_PROTO_NEXT - 1;
}

/* Walk the readings of a batch the decoder has validated. */
bool
sd_proto_batch_next(const struct sd_sensor_batch *b, size_t *pos,
    struct sd_reading *r)
{
	struct sd_rd rd;
	uint64_t bits;

	sd_rd_init(&rd, b->recs, b->recs_len);
	rd.pos = *pos;
	if (rd.pos >= rd.len)
		return false;
	r->ts_ns = (int64_t)sd_rd_u64(&rd);
	bits = sd_rd_u64(&rd);
	memcpy(&r->value, &bits, sizeof(r->value));
	r->chan_len = sd_rd_u8(&rd);
	r->chan = (const char *)sd_rd_take(&rd, r->chan_len);
	if (rd.bad)
		return false;
	*pos = rd.pos;
	return true;
}

/* Format a MAC address the way InfluxDB tags have always shown it. */
void
sd_proto_mac_str(const uint8_t mac[SD_MAC_LEN], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

int
sd_proto_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff". */
int
sd_proto_mac_parse(const char *s, uint8_t mac[SD_MAC_LEN])
{
	int i, hi, lo;

	if (s == NULL || strlen(s) != 17)
		return SD_ERR_INVAL;
	for (i = 0; i < SD_MAC_LEN; i++) {
		hi = sd_proto_hexval(s[i * 3]);
		lo = sd_proto_hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return SD_ERR_INVAL;
		if (i < SD_MAC_LEN - 1 && s[i * 3 + 2] != ':' &&
		    s[i * 3 + 2] != '-')
			return SD_ERR_INVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return SD_OK;
}
