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

/* The placeholder of vars at p ("{name}"), or n when there is none. */
static size_t
fmt_match(const char *p, const struct sd_fmt_var *vars, size_t n)
{
	size_t i, k;

	for (i = 0; *p == '{' && i < n; i++) {
		k = strlen(vars[i].name);
		if (strncmp(p + 1, vars[i].name, k) == 0 && p[k + 1] == '}')
			return i;
	}
	return n;
}

char *
sd_handle_format(const char *fmt, const struct sd_fmt_var *vars, size_t n,
    size_t *out_len)
{
	size_t need = 1, o = 0, i;
	const char *p;
	char *out;

	/* Sized for what is used: a format without {text} answers a
	 * large message with a small allocation. */
	for (p = fmt; *p != '\0';) {
		i = fmt_match(p, vars, n);
		need += i < n ? vars[i].len : 1;
		p += i < n ? strlen(vars[i].name) + 2 : 1;
	}
	out = malloc(need);
	if (out == NULL)
		return NULL;
	for (p = fmt; *p != '\0';) {
		i = fmt_match(p, vars, n);
		if (i == n) {
			out[o++] = *p++;
			continue;
		}
		memcpy(out + o, vars[i].val, vars[i].len);
		o += vars[i].len;
		p += strlen(vars[i].name) + 2;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

void
sd_handle_conn_vars(const struct sd_conn *c,
    struct sd_fmt_var vars[SD_FMT_CONN_VARS], char nums[3][24], char dev[18])
{
	snprintf(nums[0], sizeof(nums[0]), "%d", c->fd);
	snprintf(nums[1], sizeof(nums[1]), "%u", c->id);
	snprintf(nums[2], sizeof(nums[2]), "%u", c->port);
	sd_conn_device(c, dev);
	vars[0] = (struct sd_fmt_var){ "fd", nums[0], strlen(nums[0]) };
	vars[1] = (struct sd_fmt_var){ "id", nums[1], strlen(nums[1]) };
	vars[2] = (struct sd_fmt_var){ "port", nums[2], strlen(nums[2]) };
	vars[3] = (struct sd_fmt_var){ "device", dev, strlen(dev) };
}

char *
sd_handle_reply_text(const struct sd_conn *c, const char *text, size_t len,
    size_t *out_len)
{
	struct sd_fmt_var vars[SD_FMT_CONN_VARS + 1];
	char nums[3][24], dev[18];

	sd_handle_conn_vars(c, vars, nums, dev);
	vars[SD_FMT_CONN_VARS] = (struct sd_fmt_var){ "text", text, len };
	return sd_handle_format(c->srv->cfg->reply_format, vars,
	    SD_FMT_CONN_VARS + 1, out_len);
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
	if (c->has_dev)
		sd_handle_fleet(c, c->dev, SD_FLEET_MESSAGE, 1);
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
