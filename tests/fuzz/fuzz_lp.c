/*
 * fuzz_lp.c: libFuzzer target for reading spool lines back (the line
 * protocol parser and the Kafka sink's records).
 *
 * The input is cut at newlines into lines, as a sink reads a segment.
 * Each line is parsed and every span unescaped (the sanitizers watch the
 * reads), and its Kafka record in each format is made twice: through one
 * head cache that lives across the lines, and from the line alone. The
 * two must be byte for byte the same, key included: the cache may only
 * ever save work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_lineproto.h"
#include "sd_kafka_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lp_touch(const char *line, size_t len)
{
	struct sd_lp_view v;
	char buf[SD_LP_NAME_MAX];
	size_t i;

	if (sd_lp_parse(line, len, &v) != 0)
		return;
	sd_lp_unescape(&v.measurement, buf, sizeof(buf));
	for (i = 0; i < v.ntags; i++) {
		sd_lp_unescape(&v.tag_key[i], buf, sizeof(buf));
		sd_lp_unescape(&v.tag_val[i], buf, sizeof(buf));
	}
	sd_lp_unescape(&v.field, buf, sizeof(buf));
	(void)sd_lp_value(&v);
	(void)sd_lp_tag(&v, "channel");
}

static void
lp_records(struct sd_kafka_record_head *h, int format, const char *line,
    size_t len)
{
	static char a[2048], b[2048], key[SD_LP_NAME_MAX];
	const char *hkey;
	size_t n, m, key_len, hkey_len;

	n = sd_kafka_record_make(h, format, "Mac-Address", line, len, a,
	    sizeof(a));
	m = sd_kafka_record_value(format, "Mac-Address", line, len, b,
	    sizeof(b), key, sizeof(key), &key_len);
	hkey = sd_kafka_record_head_key(h, &hkey_len);
	if (n != m || memcmp(a, b, n) != 0 ||
	    (n > 0 && (hkey_len != key_len || memcmp(hkey, key, key_len)))) {
		fprintf(stderr, "fuzz_lp: format %d: cached record (%zu) is "
		    "not the fresh one (%zu) for \"%.*s\"\n", format, n, m,
		    (int)len, line);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_kafka_record_head *h[3];
	const char *p = (const char *)data, *end = p + size, *nl;
	int f;

	for (f = 0; f < 3; f++) {
		h[f] = sd_kafka_record_head_new();
		if (h[f] == NULL)
			abort();
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		lp_touch(p, (size_t)(nl - p));
		for (f = SD_KAFKA_JSON; f <= SD_KAFKA_INFLUX; f++)
			lp_records(h[f], f, p, (size_t)(nl - p));
		p = nl + 1;
	}
	for (f = 0; f < 3; f++)
		free(h[f]);
	return 0;
}
