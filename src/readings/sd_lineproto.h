/*
 * sd_lineproto.h: InfluxDB line protocol, the format of the readings
 * store: escaping names and tag values, writing numbers, and reading a
 * line back (for sinks that send something else than the line itself).
 */
#ifndef SD_LINEPROTO_H
#define SD_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#define SD_LP_TAGS_MAX	8
#define SD_LP_NAME_MAX	256

/* Escape s for line protocol into out (NUL-terminated): commas, spaces
 * and backslashes always, '=' too when eq (tag keys and values, field
 * keys); newlines dropped. Returns the bytes written. */
size_t sd_lp_escape(const char *s, size_t n, int eq, char *out, size_t len);

/* The shortest decimal that reads back as v (a float32 when single). */
void sd_lp_number(double v, int single, char *buf, size_t len);

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
};

/* Read one line (without its newline) as the store writes it: one
 * float field and a timestamp; names and tag values shorter than
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

/* The field's value as a number. */
double sd_lp_value(const struct sd_lp_view *v);

/* The value of the tag whose unescaped key is key, or NULL. */
const struct sd_lp_span *sd_lp_tag(const struct sd_lp_view *v,
    const char *key);

#endif
