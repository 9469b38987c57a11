/* sd_dump.c: decoder transcripts for tests (see sd_dump.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_dump.h"
#include "sd_err.h"

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

static void sd_dump_add(struct sd_dump *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sd_dump_add(struct sd_dump *d, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *nb;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(d->buf + d->len, d->cap - d->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < d->cap - d->len) {
			d->len += (size_t)n;
			return;
		}
		d->cap = d->cap * 2 + (size_t)n + 64;
		nb = realloc(d->buf, d->cap);
		if (nb == NULL)
			abort();
		d->buf = nb;
	}
}

/* A string field: its length and hash (contents may be anything). */
static void
sd_dump_str(struct sd_dump *d, const char *name, const char *p, size_t n)
{
	sd_dump_add(d, " %s=%zu/%016llx", name, n,
	    (unsigned long long)fnv(FNV0, p, n));
}

static void
sd_dump_mac(struct sd_dump *d, const uint8_t *mac)
{
	char s[18];

	sd_proto_mac_str(mac, s);
	sd_dump_add(d, " dev=%s", s);
}

static void
sd_dump_batch(struct sd_dump *d, const struct sd_sensor_batch *b)
{
	struct sd_reading r;
	size_t pos = 0;
	unsigned n = 0;

	sd_dump_add(d, " seq=%llu count=%u", (unsigned long long)b->seq,
	    b->count);
	sd_dump_mac(d, b->dev);
	while (sd_proto_batch_next(b, &pos, &r)) {
		sd_dump_add(d, " [%lld %a", (long long)r.ts_ns, r.value);
		sd_dump_str(d, "chan", r.chan, r.chan_len);
		sd_dump_add(d, "]");
		n++;
	}
	if (n != b->count)
		d->bad = 1;
}

static void
sd_dump_frame(struct sd_dump *d, const struct sd_frame *f)
{
	sd_dump_add(d, "FRAME %s len=%u flags=%u", sd_proto_kind_name(f->kind),
	    f->length, f->flags);
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
		sd_dump_add(d, " sid=%u evt=%u", f->u.lmsg.sid, f->u.lmsg.evt);
		sd_dump_mac(d, f->u.lmsg.dev);
		sd_dump_str(d, "text", f->u.lmsg.text, f->u.lmsg.len);
		break;
	case SD_K_LEGACY_SENSOR:
		sd_dump_mac(d, f->u.lsensor.dev);
		sd_dump_add(d, " value=%a", (double)f->u.lsensor.value);
		break;
	case SD_K_LEGACY_FILE:
		sd_dump_mac(d, f->u.lfile.dev);
		sd_dump_add(d, " ext=%u size=%u", f->u.lfile.ext,
		    f->u.lfile.size);
		break;
	case SD_K_HELLO:
		sd_dump_add(d, " v=%u caps=%x", f->u.hello.version,
		    f->u.hello.caps);
		sd_dump_mac(d, f->u.hello.dev);
		sd_dump_str(d, "name", f->u.hello.name, f->u.hello.name_len);
		sd_dump_str(d, "token", f->u.hello.token,
		    f->u.hello.token_len);
		break;
	case SD_K_WELCOME:
		sd_dump_add(d, " v=%u caps=%x id=%u msg=%u chunk=%u file=%llu",
		    f->u.welcome.version, f->u.welcome.caps,
		    f->u.welcome.client_id, f->u.welcome.max_msg,
		    f->u.welcome.max_chunk,
		    (unsigned long long)f->u.welcome.max_file);
		sd_dump_str(d, "name", f->u.welcome.name,
		    f->u.welcome.name_len);
		break;
	case SD_K_MSG:
		sd_dump_add(d, " id=%u", f->u.msg.id);
		sd_dump_str(d, "text", f->u.msg.text, f->u.msg.len);
		break;
	case SD_K_TEXT:
		sd_dump_add(d, " kind=%u ref=%u", f->u.text.kind,
		    f->u.text.ref);
		sd_dump_str(d, "text", f->u.text.text, f->u.text.len);
		break;
	case SD_K_ERROR:
		sd_dump_add(d, " code=%u ref=%x/%u", f->u.error.code,
		    f->u.error.ref_type, f->u.error.ref_id);
		sd_dump_str(d, "text", f->u.error.text, f->u.error.len);
		break;
	case SD_K_PING:
	case SD_K_PONG:
		sd_dump_add(d, " token=%llx",
		    (unsigned long long)f->u.ping.token);
		break;
	case SD_K_FILE_OFFER:
		sd_dump_add(d, " xfer=%u size=%llu key=%llx", f->u.offer.xfer,
		    (unsigned long long)f->u.offer.size,
		    (unsigned long long)f->u.offer.key);
		sd_dump_str(d, "name", f->u.offer.name, f->u.offer.name_len);
		break;
	case SD_K_FILE_ACCEPT:
		sd_dump_add(d, " xfer=%u offset=%llu", f->u.accept.xfer,
		    (unsigned long long)f->u.accept.offset);
		break;
	case SD_K_FILE_CHUNK:
		sd_dump_add(d, " xfer=%u offset=%llu n=%u", f->u.chunk.xfer,
		    (unsigned long long)f->u.chunk.offset, f->u.chunk.len);
		break;
	case SD_K_FILE_END:
		sd_dump_add(d, " xfer=%u size=%llu xxh3=%llx", f->u.end.xfer,
		    (unsigned long long)f->u.end.size,
		    (unsigned long long)f->u.end.xxh3);
		break;
	case SD_K_FILE_RESULT:
		sd_dump_add(d, " xfer=%u status=%u size=%llu xxh3=%llx",
		    f->u.result.xfer, f->u.result.status,
		    (unsigned long long)f->u.result.size,
		    (unsigned long long)f->u.result.xxh3);
		sd_dump_str(d, "name", f->u.result.name, f->u.result.name_len);
		break;
	case SD_K_FILE_CANCEL:
		sd_dump_add(d, " xfer=%u", f->u.cancel.xfer);
		break;
	case SD_K_SENSOR_BATCH:
		sd_dump_batch(d, &f->u.batch);
		break;
	case SD_K_SENSOR_ACK:
		sd_dump_add(d, " seq=%llu", (unsigned long long)f->u.ack.seq);
		break;
	default:
		d->bad = 1;
		break;
	}
	sd_dump_add(d, "\n");
}

void
sd_dump_init(struct sd_dump *d)
{
	memset(d, 0, sizeof(*d));
	d->cap = 256;
	d->buf = calloc(1, d->cap);
	if (d->buf == NULL)
		abort();
	d->body_hash = FNV0;
}

void
sd_dump_done(struct sd_dump *d)
{
	free(d->buf);
	d->buf = NULL;
}

void
sd_dump_event(struct sd_dump *d, enum sd_dec_ev ev, const struct sd_frame *f)
{
	switch (ev) {
	case SD_DEC_FRAME:
		d->frames++;
		sd_dump_frame(d, f);
		d->body_hash = FNV0;
		d->body_len = 0;
		break;
	case SD_DEC_DATA:
		if (f->data_off != d->body_len || f->data_len == 0)
			d->bad = 1;
		d->body_hash = fnv(d->body_hash, f->data, f->data_len);
		d->body_len += f->data_len;
		break;
	case SD_DEC_END:
		sd_dump_add(d, "END %s n=%llu hash=%016llx\n",
		    sd_proto_kind_name(f->kind),
		    (unsigned long long)d->body_len,
		    (unsigned long long)d->body_hash);
		break;
	case SD_DEC_ERROR:
		d->errors++;
		sd_dump_add(d, "ERROR %s kind=%s type=%x\n", sd_err_str(f->err),
		    sd_proto_kind_name(f->kind), f->type);
		break;
	default:
		d->bad = 1;
		break;
	}
}

/* Feed one slice until the decoder has used it all. */
static void
sd_dump_slice(struct sd_dump *d, struct sd_proto_dec *dec, const uint8_t *p,
    size_t n)
{
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t used;

	for (;;) {
		memset(&f, 0, sizeof(f));
		ev = sd_proto_dec_feed(dec, p, n, &used, &f);
		if (used > n) {
			d->bad = 1;
			return;
		}
		p += used;
		n -= used;
		if (ev == SD_DEC_NEED_MORE) {
			if (n != 0)
				d->bad = 1;
			return;
		}
		sd_dump_event(d, ev, &f);
	}
}

void
sd_dump_decode(struct sd_dump *d, const struct sd_proto_limits *lim,
    const uint8_t *buf, size_t len, const size_t *cuts, size_t ncuts)
{
	struct sd_proto_dec dec;
	struct sd_frame f;
	size_t i, at = 0, end;

	sd_proto_dec_init(&dec, lim);
	for (i = 0; i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		if (end < at || end > len) {
			d->bad = 1;
			break;
		}
		sd_dump_slice(d, &dec, buf + at, end - at);
		at = end;
	}
	memset(&f, 0, sizeof(f));
	if (sd_proto_dec_finish(&dec, &f) == SD_DEC_ERROR)
		sd_dump_event(d, SD_DEC_ERROR, &f);
	sd_proto_dec_done(&dec);
}
