/*
 * fuzz_proxyhdr.c: libFuzzer target for the PROXY protocol header
 * parser (sd_proxyhdr_parse in src/common/sd_proxyhdr.c): its input is
 * the first bytes of any connection to a proxied port.
 *
 * Whatever the input: a whole header is at most SD_PROXYHDR_MAX bytes
 * (v1: SD_PROXYHDR_V1_MAX) and within the input; a header needing more
 * is shorter than the bound; each shorter prefix of a whole header
 * needs more (so what a caller takes off the socket while waiting is
 * all header), and the header alone parses to the same addresses;
 * a refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd_proxyhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header of a done parse, taken alone, parses the same. */
static void
fuzz_done(const uint8_t *data, size_t size, const struct sd_proxyhdr *h)
{
	struct sd_proxyhdr p;
	size_t i;

	if (h->used == 0 || h->used > size || h->used > SD_PROXYHDR_MAX ||
	    (h->version == 1 && h->used > SD_PROXYHDR_V1_MAX))
		abort();
	for (i = 0; i < h->used; i++) {
		if (sd_proxyhdr_parse(data, i, &p) != SD_PROXYHDR_NEED)
			abort();
	}
	if (sd_proxyhdr_parse(data, h->used, &p) != SD_PROXYHDR_DONE ||
	    p.used != h->used || p.local != h->local ||
	    p.version != h->version ||
	    (!p.local && memcmp(&p.src, &h->src, sizeof(p.src)) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_proxyhdr h;

	switch (sd_proxyhdr_parse(data, size, &h)) {
	case SD_PROXYHDR_DONE:
		fuzz_done(data, size, &h);
		break;
	case SD_PROXYHDR_NEED:
		if (size >= SD_PROXYHDR_MAX ||
		    (h.version == 1 && size >= SD_PROXYHDR_V1_MAX))
			abort();
		break;
	case SD_PROXYHDR_INVALID:
	default:
		if (h.why == NULL)
			abort();
		break;
	}
	return 0;
}
