/*
 * sd_proto_rw.h: little-endian field readers and writers for proto/ only.
 *
 * struct sd_rd reads a payload with a sticky "bad" flag: a read past the
 * end returns zero/NULL and marks the reader bad, so a parser reads every
 * field and checks once. struct sd_wr writes into a caller's buffer and
 * keeps counting past its end, so an encoder learns the size it needed.
 */
#ifndef SD_PROTO_RW_H
#define SD_PROTO_RW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
sd_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t
sd_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
sd_get64(const uint8_t *p)
{
	return (uint64_t)sd_get32(p) | (uint64_t)sd_get32(p + 4) << 32;
}

static inline void
sd_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
sd_put32(uint8_t *p, uint32_t v)
{
	sd_put16(p, (uint16_t)v);
	sd_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void
sd_put64(uint8_t *p, uint64_t v)
{
	sd_put32(p, (uint32_t)v);
	sd_put32(p + 4, (uint32_t)(v >> 32));
}

struct sd_rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 pos;
	bool		 bad;
};

static inline void
sd_rd_init(struct sd_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

static inline size_t
sd_rd_left(const struct sd_rd *r)
{
	return r->len - r->pos;
}

/* Take n bytes: a pointer to them, or NULL (and bad) when fewer remain. */
static inline const uint8_t *
sd_rd_take(struct sd_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

static inline uint8_t
sd_rd_u8(struct sd_rd *r)
{
	const uint8_t *p = sd_rd_take(r, 1);

	return p ? p[0] : 0;
}

static inline uint16_t
sd_rd_u16(struct sd_rd *r)
{
	const uint8_t *p = sd_rd_take(r, 2);

	return p ? sd_get16(p) : 0;
}

static inline uint32_t
sd_rd_u32(struct sd_rd *r)
{
	const uint8_t *p = sd_rd_take(r, 4);

	return p ? sd_get32(p) : 0;
}

static inline uint64_t
sd_rd_u64(struct sd_rd *r)
{
	const uint8_t *p = sd_rd_take(r, 8);

	return p ? sd_get64(p) : 0;
}

struct sd_wr {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
};

static inline void
sd_wr_init(struct sd_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
}

/* Reserve n bytes: where to write them, or NULL past the buffer's end
 * (the length still counts them). */
static inline uint8_t *
sd_wr_room(struct sd_wr *w, size_t n)
{
	uint8_t *p = NULL;

	if (w->p != NULL && w->len <= w->cap && n <= w->cap - w->len)
		p = w->p + w->len;
	w->len += n;
	return p;
}

static inline void
sd_wr_u8(struct sd_wr *w, uint8_t v)
{
	uint8_t *p = sd_wr_room(w, 1);

	if (p)
		p[0] = v;
}

static inline void
sd_wr_u16(struct sd_wr *w, uint16_t v)
{
	uint8_t *p = sd_wr_room(w, 2);

	if (p)
		sd_put16(p, v);
}

static inline void
sd_wr_u32(struct sd_wr *w, uint32_t v)
{
	uint8_t *p = sd_wr_room(w, 4);

	if (p)
		sd_put32(p, v);
}

static inline void
sd_wr_u64(struct sd_wr *w, uint64_t v)
{
	uint8_t *p = sd_wr_room(w, 8);

	if (p)
		sd_put64(p, v);
}

static inline void
sd_wr_bytes(struct sd_wr *w, const void *src, size_t n)
{
	uint8_t *p = sd_wr_room(w, n);

	if (p && n > 0)
		memcpy(p, src, n);
}

#endif
