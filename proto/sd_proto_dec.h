/*
 * sd_proto_dec.h: the incremental frame decoder.
 *
 * One decoder per byte stream (per connection). Feed it slices of any
 * size, one byte or a megabyte of coalesced frames; it reports one event
 * per call:
 *
 *   SD_DEC_FRAME	a complete small frame, or the head of a streamed one
 *			(legacy file, FILE_CHUNK) whose body follows as DATA
 *   SD_DEC_DATA	the next piece of a streamed body, pointing into the
 *			caller's slice (never copied, never buffered)
 *   SD_DEC_END		the streamed body is complete
 *   SD_DEC_ERROR	bytes were discarded; frame.err says why
 *   SD_DEC_NEED_MORE	the slice is used up; nothing more to report
 *
 * Every header is validated (known type and sid, length consistent with
 * the inner size fields and under its cap) before the decoder commits to
 * it. An invalid header is reported once, then skipped a byte at a time
 * until a valid header starts: a valid frame after garbage is never lost,
 * and bytes past a frame's length are read as the next frame. A header
 * whose frame then proves malformed inside is reported and skipped whole.
 *
 * Memory: the struct itself, plus, only while a small frame larger than
 * SD_DEC_INLINE arrives split across slices, one buffer of that frame's
 * validated size (at most a cap of struct sd_proto_limits). Frames that
 * arrive whole are decoded in place with no copy and no allocation.
 *
 * Pointers in the frame stay valid until the next feed call on the same
 * decoder and as long as the caller's slice does.
 */
#ifndef SD_PROTO_DEC_H
#define SD_PROTO_DEC_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"

enum sd_dec_ev {
	SD_DEC_NEED_MORE = 0,
	SD_DEC_FRAME,
	SD_DEC_DATA,
	SD_DEC_END,
	SD_DEC_ERROR
};

#define SD_DEC_INLINE	64

struct sd_proto_dec_stats {
	uint64_t	 frames;	/* FRAME events */
	uint64_t	 errors;	/* ERROR events */
	uint64_t	 discarded;	/* bytes skipped while resyncing */
};

/* What the header being decoded claims; private to the decoder. */
struct sd_dec_cur {
	enum sd_kind	 kind;
	uint16_t	 type;
	uint32_t	 length;
	uint32_t	 prefix;	/* bytes before a streamed body, or 0 */
	uint64_t	 total;		/* header + payload */
};

/* Embed one per stream; the fields are the decoder's own. */
struct sd_proto_dec {
	struct sd_proto_limits	 lim;
	int			 state;
	int			 garbage;	/* inside a discarded run */
	struct sd_dec_cur	 cur;
	uint64_t		 body_left;
	uint64_t		 body_off;
	uint64_t		 skip_left;
	uint8_t			*acc;		/* inl or heap */
	uint64_t		 have;		/* bytes in acc */
	uint64_t		 pend;		/* of them, already delivered */
	uint8_t			*heap;
	uint8_t			 inl[SD_DEC_INLINE];
	struct sd_proto_dec_stats stats;
};

/* Start a decoder; lim may be NULL for the defaults. */
void sd_proto_dec_init(struct sd_proto_dec *d,
    const struct sd_proto_limits *lim);

/* Release what the decoder holds; it may be initialised again. */
void sd_proto_dec_done(struct sd_proto_dec *d);

/*
 * Decode from buf[0..len). Sets *used to the bytes consumed (all of them
 * when it returns SD_DEC_NEED_MORE) and returns one SD_DEC_* event, with
 * *f filled for FRAME, DATA, END and ERROR. Call again with the rest of
 * the slice until it returns SD_DEC_NEED_MORE. A call with len 0 may still
 * report an END that is due.
 */
enum sd_dec_ev sd_proto_dec_feed(struct sd_proto_dec *d, const uint8_t *buf,
    size_t len, size_t *used, struct sd_frame *f);

/*
 * The stream has ended: SD_DEC_ERROR (SD_ERR_TRUNCATED, with what was
 * being decoded in *f) when it ended inside a frame, else
 * SD_DEC_NEED_MORE. Either way the decoder is ready for a new stream.
 */
enum sd_dec_ev sd_proto_dec_finish(struct sd_proto_dec *d, struct sd_frame *f);

/* True while a frame or body is partly decoded. */
int sd_proto_dec_busy(const struct sd_proto_dec *d);

#endif
