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

struct sd_lp_line {
	char	 measurement[SD_LP_NAME_MAX];
	size_t	 ntags;
	char	 tag_key[SD_LP_TAGS_MAX][SD_LP_NAME_MAX];
	char	 tag_val[SD_LP_TAGS_MAX][SD_LP_NAME_MAX];
	char	 field[SD_LP_NAME_MAX];
	char	 value_text[64];	/* the field's value as written */
	int64_t	 ts;
};

/* Read one line (without its newline) as the store writes it: one
 * float field and a timestamp. SD_OK, or SD_ERR_MALFORMED. */
int sd_lp_parse(const char *line, size_t len, struct sd_lp_line *out);

/* The field's value as a number. */
double sd_lp_value(const struct sd_lp_line *l);

/* The value of tag key, or NULL. */
const char *sd_lp_tag(const struct sd_lp_line *l, const char *key);

#endif
