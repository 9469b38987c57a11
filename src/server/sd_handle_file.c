/*
 * sd_handle_file.c: files. A legacy file is one frame whose body streams
 * to the store; an extension transfer is an offer, chunks at their
 * offsets and an end with the checksum. Legacy clients hear back in raw
 * text, extension clients in ACCEPT, RESULT and ERROR frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_conn.h"
#include "sd_err.h"
#include "sd_files.h"
#include "sd_fleet.h"
#include "sd_handle.h"
#include "sd_pipeline.h"
#include "sd_proto_enc.h"
#include "sd_server.h"

static void
file_result(struct sd_conn *c, uint32_t xfer, int status, uint64_t size,
    uint64_t hash, const char *name)
{
	struct sd_file_result r = { xfer, (uint8_t)status, size, hash, name,
	    (uint16_t)strlen(name) };
	uint8_t buf[512];
	size_t n;

	if (sd_proto_enc_file_result(buf, sizeof(buf), &r, &n) == SD_OK)
		sd_conn_write(c, buf, n);
}

/* Tell a legacy client how its upload ended, in raw text. */
static void
file_legacy_say(struct sd_conn *c, const char *what, const char *arg)
{
	char text[512];
	int n = snprintf(text, sizeof(text), "%s%s", what, arg);

	if (n > 0)
		sd_conn_send_text(c, SD_TEXT_NOTICE, 0, text,
		    (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

/* A legacy upload stored: --file-reply-format, the original's
 * "file upload successful!!" unless told otherwise. */
static void
file_legacy_done(struct sd_conn *c, const struct sd_files_result *r)
{
	struct sd_fmt_var vars[SD_FMT_CONN_VARS + 2];
	char nums[3][24], dev[18], size[24], *text;
	size_t n;

	sd_handle_conn_vars(c, vars, nums, dev);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)r->size);
	vars[SD_FMT_CONN_VARS] = (struct sd_fmt_var){ "name", r->name,
	    strlen(r->name) };
	vars[SD_FMT_CONN_VARS + 1] = (struct sd_fmt_var){ "size", size,
	    strlen(size) };
	text = sd_handle_format(c->srv->cfg->file_reply_format, vars,
	    SD_FMT_CONN_VARS + 2, &n);
	if (text != NULL)
		sd_conn_send_text(c, SD_TEXT_NOTICE, 0, text, n);
	free(text);
}

static void
file_legacy_begin(struct sd_conn *c, const struct sd_frame *f)
{
	char err[SD_ERR_LEN];

	if (!c->ext) {
		memcpy(c->dev, f->u.lfile.dev, SD_MAC_LEN);
		c->has_dev = 1;
	}
	sd_handle_fleet(c, f->u.lfile.dev, SD_FLEET_SEEN, 0);
	if (sd_files_begin_legacy(c->srv->files, c->id, f->u.lfile.dev,
	    f->u.lfile.ext, f->u.lfile.size, &c->lxfer, err) != SD_OK) {
		file_legacy_say(c, "file upload failed: ", err);
		c->lxfer = NULL;
	}
	c->body = c->lxfer;
}

static enum sd_hres
file_offer(struct sd_conn *c, const struct sd_file_offer *o,
    struct sd_hout *out)
{
	struct sd_file_accept a = { o->xfer, 0 };
	static const uint8_t nodev[SD_MAC_LEN];
	struct sd_files_peer who;
	char err[SD_ERR_LEN];
	uint8_t buf[32];
	size_t n;
	int rc;

	if (c->xfer != NULL)
		return sd_handle_say(out, SD_H_ERROR, SD_EC_UNEXPECTED,
		    o->xfer, "one transfer at a time");
	if (o->size > c->srv->cfg->max_file)
		return sd_handle_say(out, SD_H_ERROR, SD_EC_TOO_LARGE,
		    o->xfer, "file larger than the server takes");
	who.client = c->id;
	who.dev = c->has_dev ? c->dev : nodev;
	who.addr = c->peer;
	who.authed = c->authed;		/* HELLO carried --token */
	rc = sd_files_offer(c->srv->files, &who, o, &c->xfer, err);
	if (rc != SD_OK) {
		c->xfer = NULL;
		return sd_handle_say(out, SD_H_ERROR, rc == SD_ERR_TOOBIG ?
		    SD_EC_LIMIT : SD_EC_IO, o->xfer, err);
	}
	a.offset = c->xfer->done;
	if (sd_proto_enc_file_accept(buf, sizeof(buf), &a, &n) == SD_OK)
		sd_conn_write(c, buf, n);
	return SD_H_OK;
}

/* The transfer a frame names, or NULL (no_transfer() says so). */
static struct sd_xfer *
file_named(struct sd_conn *c, uint32_t xfer)
{
	return c->xfer != NULL && c->xfer->xfer_id == xfer ? c->xfer : NULL;
}

static enum sd_hres
no_transfer(struct sd_hout *out, uint32_t xfer)
{
	return sd_handle_say(out, SD_H_ERROR, SD_EC_NO_TRANSFER, xfer,
	    "no such transfer");
}

static enum sd_hres
file_chunk(struct sd_conn *c, const struct sd_file_chunk *k,
    struct sd_hout *out)
{
	struct sd_xfer *x = file_named(c, k->xfer);

	c->body = NULL;
	if (x == NULL)
		return no_transfer(out, k->xfer);
	if (k->offset != x->done || k->len > x->size - x->done) {
		sd_files_abort(c->srv->files, x, SD_XS_FAILED,
		    "chunk out of order");
		c->xfer = NULL;
		return sd_handle_say(out, SD_H_ERROR, SD_EC_OFFSET, k->xfer,
		    "chunk is not the next part of the file");
	}
	c->body = x;
	return SD_H_OK;
}

static enum sd_hres
file_end(struct sd_conn *c, const struct sd_file_end *e,
    struct sd_hout *out)
{
	struct sd_xfer *x = file_named(c, e->xfer);

	if (x == NULL)
		return no_transfer(out, e->xfer);
	c->xfer = NULL;		/* the store's now; RESULT comes later */
	c->answers_owed++;
	sd_files_finish(c->srv->files, x, e->size, e->xxh3);
	return SD_H_OK;
}

static enum sd_hres
file_cancel(struct sd_conn *c, const struct sd_file_cancel *k,
    struct sd_hout *out)
{
	struct sd_xfer *x = file_named(c, k->xfer);
	char name[256];
	uint64_t done;

	if (x == NULL)
		return no_transfer(out, k->xfer);
	snprintf(name, sizeof(name), "%s", x->name);
	done = x->done;
	sd_files_abort(c->srv->files, x, SD_XS_CANCELLED,
	    "cancelled by the client");
	c->xfer = NULL;
	file_result(c, k->xfer, SD_FILE_CANCELLED, done, 0, name);
	return SD_H_OK;
}

/* x failed in the store, outside any handler: c drops it, and its
 * sender hears why (the caller aborts it). */
static void
file_forget(struct sd_conn *c, struct sd_xfer *x, const char *why)
{
	if (c->body == x)
		c->body = NULL;
	if (c->lxfer == x) {
		c->lxfer = NULL;
		file_legacy_say(c, "file upload failed: ", why);
	} else if (c->xfer == x) {
		c->xfer = NULL;
		sd_conn_send_error(c, SD_EC_IO, SD_T_FILE_CHUNK, x->xfer_id,
		    why);
	}
}

enum sd_hres
sd_handle_file(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	switch (f->kind) {
	case SD_K_LEGACY_FILE:
		file_legacy_begin(c, f);
		return SD_H_OK;
	case SD_K_FILE_OFFER:
		return file_offer(c, &f->u.offer, out);
	case SD_K_FILE_CHUNK:
		return file_chunk(c, &f->u.chunk, out);
	case SD_K_FILE_END:
		return file_end(c, &f->u.end, out);
	default:
		return file_cancel(c, &f->u.cancel, out);
	}
}

void
sd_handle_file_data(struct sd_conn *c, const struct sd_frame *f)
{
	struct sd_xfer *x = c->body;
	char err[SD_ERR_LEN], why[SD_ERR_LEN + 32];

	if (x == NULL)
		return;		/* the body of a refused file */
	if (sd_files_write(c->srv->files, x, f->data, f->data_len, err) ==
	    SD_OK) {
		if (sd_files_backlogged(c->srv->files, x))
			sd_conn_hold(c, SD_HOLD_DISK);
		return;
	}
	snprintf(why, sizeof(why), "cannot write: %s", err);
	file_forget(c, x, why);
	sd_files_abort(c->srv->files, x, SD_XS_FAILED, why);
}

void
sd_handle_file_body_end(struct sd_conn *c, const struct sd_frame *f)
{
	struct sd_xfer *x = c->lxfer;

	c->body = NULL;
	if (f->kind != SD_K_LEGACY_FILE || x == NULL)
		return;
	c->lxfer = NULL;	/* the store's now; the answer comes later */
	c->answers_owed++;
	sd_files_finish(c->srv->files, x, 0, 0);
}

/* The store wrote enough of what waited: the disk holds the sender no
 * more (another stage may still). */
static void
file_drained(uint32_t client, void *arg)
{
	struct sd_conn *c = sd_conn_find(arg, client);

	if (c != NULL)
		sd_conn_release(c, SD_HOLD_DISK);
}

static void
file_failed(uint32_t client, struct sd_xfer *x, const char *why, void *arg)
{
	struct sd_conn *c = sd_conn_find(arg, client);

	if (c != NULL)
		file_forget(c, x, why);
	file_drained(client, arg);
}

static void
file_finished(const struct sd_files_result *r, void *arg)
{
	struct sd_server *srv = arg;
	struct sd_conn *c = sd_conn_find(srv, r->client);

	if (r->status == SD_FILE_OK) {
		srv->totals.files++;
		sd_fleet_stored(srv->fleet, r->dev);
	}
	srv->totals.file_results[r->status >= 0 && r->status <=
	    SD_FILE_REJECTED ? r->status : SD_FILE_REJECTED + 1]++;
	if (c == NULL)
		return;
	if (c->answers_owed > 0)
		c->answers_owed--;
	if (!r->legacy)
		file_result(c, r->xfer_id, r->status, r->size, r->hash,
		    r->name);
	else if (r->status == SD_FILE_OK)
		file_legacy_done(c, r);
	else
		file_legacy_say(c, "file upload failed: could not store ",
		    r->name);
}

/* Why the server does not read the sender of a file now, or NULL: its
 * silence is then not a stall. */
static const char *
file_held(uint32_t client, void *arg)
{
	struct sd_conn *c = sd_conn_find(arg, client);
	unsigned held = c != NULL ? c->holds & ~(unsigned)SD_HOLD_TURN : 0;

	if (held == 0)
		return NULL;
	return held & SD_HOLD_DISK ? "disk" : held & SD_HOLD_SPOOL ?
	    "spool" : "rate";
}

const struct sd_files_cbs sd_handle_file_cbs = {
	file_drained, file_failed, file_finished, file_held, NULL
};
