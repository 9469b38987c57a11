/*
 * fuzz_dec.c: libFuzzer target for the frame decoder.
 *
 * The first byte picks the caps (defaults, or small ones that push frames
 * over their caps and through the assembly buffer) and, with the next
 * bytes, where the input is cut into slices. The rest is decoded twice,
 * whole and sliced: both transcripts must be equal and the decoder must
 * keep its contract (see sd_dump_decode). Sanitizers catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CUTS 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_proto_limits lim;
	struct sd_dump whole, sliced;
	size_t cuts[MAX_CUTS], ncuts, i, len;
	const uint8_t *p;

	if (size < 1)
		return 0;
	sd_proto_limits_default(&lim);
	if (data[0] & 0x80) {
		lim.max_msg = 100;
		lim.max_file = 300;
		lim.max_chunk = 50;
		lim.max_batch = 120;
		lim.max_ctrl = 90;
	}
	ncuts = data[0] & 0x0f;
	if (size < 1 + ncuts)
		ncuts = size - 1;
	p = data + 1 + ncuts;
	len = size - 1 - ncuts;
	for (i = 0; i < ncuts; i++)
		cuts[i] = len ? (data[1 + i] * len) / 255 : 0;
	for (i = 1; i < ncuts; i++) {
		if (cuts[i] < cuts[i - 1])
			cuts[i] = cuts[i - 1];
	}

	sd_dump_init(&whole);
	sd_dump_init(&sliced);
	sd_dump_decode(&whole, &lim, p, len, NULL, 0);
	sd_dump_decode(&sliced, &lim, p, len, cuts, ncuts);
	if (whole.bad || sliced.bad || strcmp(whole.buf, sliced.buf) != 0) {
		fprintf(stderr, "bad=%d/%d\n-- whole:\n%s-- sliced:\n%s",
		    whole.bad, sliced.bad, whole.buf, sliced.buf);
		abort();
	}
	sd_dump_done(&whole);
	sd_dump_done(&sliced);
	return 0;
}
