/*
 * bench_decode.c: how fast the decoder runs from memory on one core.
 *
 * Not a test: nothing here passes or fails. Each figure is the median of
 * several runs and comes with a baseline measured in the same run, since
 * these machines are shared and noisy:
 *
 *   sensor   legacy 17-byte sensor frames fed in 64 KiB slices, each
 *            handed to a consumer function, against a loop that reads
 *            the same fixed fields with no validation and hands them to
 *            the same consumer (the floor for any parser of this layout)
 *   file     a legacy file body fed in 64 KiB slices and copied out of
 *            each DATA event (what a writer to disk does), against a
 *            plain memcpy of the same bytes (memory speed)
 *
 * Usage: bench_decode [--quick]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_proto.h"
#include "sd_proto_dec.h"
#include "sd_proto_enc.h"

#define SLICE	(64u << 10)
#define RUNS	7

static volatile uint64_t sink;

/* What a server does with a reading, kept out of line so that neither
 * loop can be vectorised away. */
__attribute__((noinline)) static void
consume(const uint8_t *dev, float value)
{
	sink += dev[5] + (uint64_t)value;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Decode buf in SLICE-sized slices; copy bodies to out when non-NULL. */
static uint64_t
decode_all(const uint8_t *buf, size_t len, uint8_t *out)
{
	struct sd_proto_dec d;
	struct sd_frame f;
	size_t off = 0, n, used;
	uint64_t frames = 0;
	enum sd_dec_ev ev;

	sd_proto_dec_init(&d, NULL);
	while (off < len) {
		n = len - off < SLICE ? len - off : SLICE;
		for (;;) {
			ev = sd_proto_dec_feed(&d, buf + off, n, &used, &f);
			off += used;
			n -= used;
			if (ev == SD_DEC_NEED_MORE)
				break;
			if (ev == SD_DEC_FRAME) {
				frames++;
				consume(f.u.lsensor.dev, f.u.lsensor.value);
			} else if (ev == SD_DEC_DATA && out != NULL)
				memcpy(out + f.data_off, f.data, f.data_len);
		}
	}
	sd_proto_dec_done(&d);
	return frames;
}

/* The floor: read the fixed fields of each 17-byte frame, no checks. */
static uint64_t
floor_sensor(const uint8_t *buf, size_t len)
{
	uint64_t frames = 0;
	float value;
	size_t off;

	for (off = 0; off + 17 <= len; off += 17) {
		memcpy(&value, buf + off + 13, 4);
		consume(buf + off + 7, value);
		frames++;
	}
	return frames;
}

static void
bench_sensor(size_t nframes, int runs)
{
	struct sd_legacy_sensor ls = { { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0 },
	    0 };
	uint8_t *buf = malloc(nframes * 17);
	double t_dec[RUNS], t_floor[RUNS], t0;
	size_t i, n;
	int r;

	for (i = 0; i < nframes; i++) {
		ls.value = (float)i;
		ls.dev[5] = (uint8_t)i;
		sd_proto_enc_legacy_sensor(buf + i * 17, 17, &ls, &n);
	}
	for (r = 0; r < runs; r++) {
		t0 = now();
		if (decode_all(buf, nframes * 17, NULL) != nframes)
			abort();
		t_dec[r] = now() - t0;
		t0 = now();
		if (floor_sensor(buf, nframes * 17) != nframes)
			abort();
		t_floor[r] = now() - t0;
	}
	printf("sensor  decoder %7.1f M frames/s   floor %7.1f M frames/s"
	    "   ratio %.2f\n", nframes / median(t_dec, runs) / 1e6,
	    nframes / median(t_floor, runs) / 1e6,
	    median(t_floor, runs) / median(t_dec, runs));
	free(buf);
}

static void
bench_file(size_t size, int runs)
{
	struct sd_legacy_file lf = { { 0 }, 2, (uint32_t)size };
	uint8_t *buf = malloc(size + 18), *out = malloc(size);
	double t_dec[RUNS], t_copy[RUNS], t0;
	size_t n;
	int r;

	sd_proto_enc_legacy_file(buf, 18, &lf, &n);
	memset(buf + 18, 0x5a, size);
	memset(out, 0, size);
	for (r = 0; r < runs; r++) {
		t0 = now();
		decode_all(buf, size + 18, out);
		t_dec[r] = now() - t0;
		t0 = now();
		memcpy(out, buf + 18, size);
		t_copy[r] = now() - t0;
		sink += out[r];
	}
	printf("file    decoder %7.2f GB/s           memcpy %7.2f GB/s"
	    "          ratio %.2f\n", size / median(t_dec, runs) / 1e9,
	    size / median(t_copy, runs) / 1e9,
	    median(t_copy, runs) / median(t_dec, runs));
	free(buf);
	free(out);
}

int
main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	int runs = quick ? 3 : RUNS;

	printf("bench_decode: median of %d runs, %u KiB slices, one core\n",
	    runs, SLICE >> 10);
	bench_sensor(quick ? 1000000 : 4000000, runs);
	bench_file(quick ? (64u << 20) : (512u << 20), runs);
	return 0;
}
