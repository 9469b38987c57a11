/*
 * sd_dump.h: a text transcript of a decoder's events, for tests.
 *
 * Two decodes of the same bytes must give the same transcript however the
 * bytes were sliced: streamed bodies are summed up (length and hash) at
 * their END rather than listed piece by piece, since slicing changes the
 * pieces but must not change the bytes.
 */
#ifndef SD_DUMP_H
#define SD_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"
#include "sd_proto_dec.h"

struct sd_dump {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	uint64_t	 body_hash;
	uint64_t	 body_len;
	uint64_t	 frames;
	uint64_t	 errors;
	int		 bad;	/* an event broke the decoder's contract */
};

void sd_dump_init(struct sd_dump *d);
void sd_dump_done(struct sd_dump *d);

/* Append one event. */
void sd_dump_event(struct sd_dump *d, enum sd_dec_ev ev,
    const struct sd_frame *f);

/*
 * Decode buf[0..len) fed in slices that end at cuts[0..ncuts) (increasing
 * offsets; the last slice runs to len), then finish, appending every
 * event. Checks the decoder's contract on the way (used <= slice, progress
 * on every event) and sets d->bad when it breaks.
 */
void sd_dump_decode(struct sd_dump *d, const struct sd_proto_limits *lim,
    const uint8_t *buf, size_t len, const size_t *cuts, size_t ncuts);

#endif
