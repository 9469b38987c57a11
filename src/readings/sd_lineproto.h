/*
 * sd_lineproto.h: InfluxDB line protocol, the format of the readings
 * store: escaping names and tag values, writing numbers and integers,
 * the one writer of the store's lines, and reading a line back (for
 * sinks that send something else than the line itself).
 */
#ifndef SD_LINEPROTO_H
#define SD_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#define SD_LP_TAGS_MAX	8
#define SD_LP_NAME_MAX	256
#define SD_LP_LINE_MAX	1024	/* the longest line the store writes */
#define SD_LP_INT_MAX	20	/* an int64 in decimal, its sign too */

/* A reading as the store takes it. */
struct sd_reading_in {
	const uint8_t	*dev;		/* SD_MAC_LEN bytes */
	int64_t		 ts_ns;		/* 0: now */
	double		 value;
	int		 single;	/* value came as a float32 */
	const char	*chan;		/* NULL: no channel tag */
	size_t		 chan_len;
	uint16_t	 port;		/* for --extra-tags port */
	const char	*peer;		/* for --extra-tags peer */
	int		 batched;	/* an extension batch's: bseq, bidx */
	uint64_t	 bseq;		/* the batch's sequence number */
	uint32_t	 bidx;		/* the reading's index in it, from 0 */
};

/* The fields that name an extension reading by its batch, after the
 * value: what a consumer of the Kafka records removes duplicates by.
 * Fields, not tags: tags are indexed, and one per reading would make
 * a new InfluxDB series each (unbounded cardinality); fields are
 * stored, not indexed. Integers ("i"): InfluxDB 1.x takes no "u", so
 * the sequence is written as its 64 bits read as signed. */
#define SD_LP_BSEQ	"batch_seq"
#define SD_LP_BIDX	"batch_idx"

/* v in decimal at out (no NUL), without printf (it runs for every
 * reading's timestamp): its length. */
size_t sd_lp_int(int64_t v, char out[SD_LP_INT_MAX]);

/* Escape s for line protocol into out (NUL-terminated): commas, spaces
 * and backslashes always, '=' too when eq (tag keys and values, field
 * keys); newlines dropped. Returns the bytes written. */
size_t sd_lp_escape(const char *s, size_t n, int eq, char *out, size_t len);

/* The shortest decimal that reads back as v (a float32 when single). */
void sd_lp_number(double v, int single, char *buf, size_t len);

/* The one writer of the store's lines: "<measurement>,<device tag>=<mac>
 * [,channel=<c>][,peer=<a>][,port=<p>] <field>=<value>[,batch_seq=<s>i,
 * batch_idx=<i>i] <ts>\n", names escaped once. NULL when out of memory. */
struct sd_lp_writer;

struct sd_lp_writer *sd_lp_writer_new(const char *measurement,
    const char *field, const char *device_tag);
void sd_lp_writer_free(struct sd_lp_writer *lw);

/* --extra-tags: the port and the peer's address as tags. */
void sd_lp_writer_tags(struct sd_lp_writer *lw, int port, int peer);

/* Write r's line, stamped ts, into buf; its length, or 0 when it does
 * not fit len or the value is not finite (line protocol has no NaN).
 * sd_lp_write() takes the fast path for a device's untagged readings
 * (its head of line, float32 texts and timestamps cached in lw);
 * sd_lp_write_line() writes the same bytes plainly. */
size_t sd_lp_write(struct sd_lp_writer *lw, const struct sd_reading_in *r,
    int64_t ts, char *buf, size_t len);
size_t sd_lp_write_line(const struct sd_lp_writer *lw,
    const struct sd_reading_in *r, int64_t ts, char *buf, size_t len);

/* A run of a line as written, escapes and all: a view, not a copy
 * (sinks read every record: no copying or unescaping where a byte
 * comparison does). esc says whether it holds a backslash escape. */
struct sd_lp_span {
	const char	*p;
	size_t		 n;
	int		 esc;
};

struct sd_lp_view {
	size_t			 head_len;	/* up to the field */
	struct sd_lp_span	 measurement;
	size_t			 ntags;
	struct sd_lp_span	 tag_key[SD_LP_TAGS_MAX];
	struct sd_lp_span	 tag_val[SD_LP_TAGS_MAX];
	struct sd_lp_span	 field;
	struct sd_lp_span	 value;		/* a decimal number */
	struct sd_lp_span	 ts_text;	/* ts as written */
	int64_t			 ts;
	int			 batched;	/* SD_LP_BSEQ/BIDX there */
	uint64_t		 bseq;
	int64_t			 bidx;
};

/* Read one line (without its newline) as the store writes it: one
 * float field (then batch_seq and batch_idx, or none: lines written
 * before them have none) and a timestamp; names and tag values shorter than
 * SD_LP_NAME_MAX once unescaped. The view points into line. SD_OK, or
 * SD_ERR_MALFORMED. */
int sd_lp_parse(const char *line, size_t len, struct sd_lp_view *out);

/* The rest of a line past its head_len bytes (the field, its value and
 * the timestamp) into out, leaving the head's spans as they are: for a
 * line whose head is the same bytes as one parsed before. */
int sd_lp_parse_field(const char *p, size_t len, struct sd_lp_view *out);

/* The span unescaped into out (NUL-terminated, cut at cap); its
 * length. */
size_t sd_lp_unescape(const struct sd_lp_span *s, char *out, size_t cap);

/* The timestamp of a stored line, its last field, read back from its
 * end (len may take in its newline): for the sinks, which look at each
 * line they deliver, without parsing the rest. SD_OK with *ts, or
 * SD_ERR_MALFORMED when the line does not end in " <int64>". */
int sd_lp_line_ts(const char *line, size_t len, int64_t *ts);

/* The field's value as a number. */
double sd_lp_value(const struct sd_lp_view *v);

/* The value of the tag whose unescaped key is key, or NULL. */
const struct sd_lp_span *sd_lp_tag(const struct sd_lp_view *v,
    const char *key);

#endif
