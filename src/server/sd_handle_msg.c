/*
 * sd_handle_msg.c: text messages, legacy and extension. Each is logged
 * and answered with the reply format: raw text to a legacy client, as
 * the original server did, a TEXT reply to an extension client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_conn.h"
#include "sd_handle.h"
#include "sd_server.h"

char *
sd_handle_reply_text(const struct sd_conn *c, const char *text, size_t len,
    size_t *out_len)
{
	const char *fmt = c->srv->cfg->reply_format, *p;
	size_t cap = strlen(fmt) + 1, o = 0, n;
	char num[32], dev[18], *out;
	const char *val;

	/* Room for every placeholder at its largest. */
	for (p = strchr(fmt, '{'); p != NULL; p = strchr(p + 1, '{'))
		cap += len + 32;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	sd_conn_device(c, dev);
	for (p = fmt; *p != '\0';) {
		val = NULL;
		n = 0;
		if (strncmp(p, "{text}", 6) == 0) {
			val = text;
			n = len;
			p += 6;
		} else if (strncmp(p, "{device}", 8) == 0) {
			val = dev;
			n = strlen(dev);
			p += 8;
		} else if (strncmp(p, "{fd}", 4) == 0 ||
		    strncmp(p, "{id}", 4) == 0) {
			snprintf(num, sizeof(num), "%u", p[1] == 'f' ?
			    (unsigned)c->fd : c->id);
			val = num;
			n = strlen(num);
			p += 4;
		} else if (strncmp(p, "{port}", 6) == 0) {
			snprintf(num, sizeof(num), "%u", c->port);
			val = num;
			n = strlen(num);
			p += 6;
		}
		if (val == NULL) {
			out[o++] = *p++;
			continue;
		}
		memcpy(out + o, val, n);
		o += n;
	}
	*out_len = o;
	return out;
}

enum sd_hres
sd_handle_msg(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	struct sd_event e = { .kind = SD_EV_MESSAGE };
	const char *text;
	uint32_t len, ref = 0;
	size_t n;
	char dev[18], *reply;

	if (f->kind == SD_K_LEGACY_MSG) {
		text = f->u.lmsg.text;
		len = f->u.lmsg.len;
		if (!c->ext) {
			memcpy(c->dev, f->u.lmsg.dev, SD_MAC_LEN);
			c->has_dev = 1;
		}
		e.odd = f->flags != 0;
	} else {
		text = f->u.msg.text;
		len = f->u.msg.len;
		ref = f->u.msg.id;
	}
	c->srv->totals.messages++;
	sd_conn_device(c, dev);
	e.id = c->id;
	e.device = c->has_dev ? dev : NULL;
	e.text = text;
	e.text_len = len;
	sd_events_fire(c->srv->events, &e);

	reply = sd_handle_reply_text(c, text, len, &n);
	if (reply == NULL)
		return sd_handle_say(out, SD_H_CLOSE, 0, 0, "out of memory");
	sd_conn_send_text(c, SD_TEXT_REPLY, ref, reply, n);
	free(reply);
	return SD_H_OK;
}
