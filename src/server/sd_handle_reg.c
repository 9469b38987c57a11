/*
 * sd_handle_reg.c: the device registry's gate (--devices): every frame
 * that names a device passes here before its handler.
 *
 * A HELLO is admitted by sd_registry_admit with its token's SHA-256,
 * and binds the connection to its device; a legacy frame by its MAC,
 * its address and (for a cert: device) the connection's certificate,
 * and a device proved by a certificate binds it too. A bound
 * connection may name no other device: such a frame is counted and
 * answered with an ERROR (extension; the connection stays, the frame
 * is not served) or closes the connection (legacy has no error reply,
 * and a device that names another is not one to keep hearing).
 *
 * A refusal is what a refused --token is: ERROR 5 "token refused" and
 * a close for an extension client, a close for a legacy one, counted
 * against the address in the refused-HELLO throttle. The peer hears
 * the same words whatever the reason (it learns no registered MAC);
 * the disconnect event says why.
 */
#include <stdio.h>
#include <string.h>

#include "sd_admit.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_handle.h"
#include "sd_registry.h"
#include "sd_server.h"
#include "sd_throttle.h"

/* The refusal's log reason: one thread, and handle_outcome copies it
 * (sd_conn_drain, sd_conn_close) before the next frame is handled. */
static char reg_reason[SD_ERR_LEN];

/* Whether f is answered as an extension frame. */
static int
reg_ext(const struct sd_conn *c, const struct sd_frame *f)
{
	return c->ext || f->kind == SD_K_HELLO ||
	    f->kind == SD_K_SENSOR_BATCH;
}

/* Refuse f: counted against the address and in the totals. */
static enum sd_hres
reg_refuse(struct sd_conn *c, const struct sd_frame *f, const char *why,
    const uint8_t *dev, struct sd_hout *out)
{
	char mac[18], who[SD_THROTTLE_KEY];

	if (sd_admit_peer_key(c->peer, who, sizeof(who)) != SD_OK)
		snprintf(who, sizeof(who), "%s", c->peer);
	sd_throttle_add(c->srv->hello_fails, who, 1, sd_mono_ns());
	c->srv->totals.reg_refused++;
	sd_proto_mac_str(dev, mac);
	snprintf(reg_reason, sizeof(reg_reason), "registry: %s (%s)", why,
	    mac);
	if (!reg_ext(c, f))
		return sd_handle_say(out, SD_H_CLOSE, 0, 0, reg_reason);
	c->ext = 1;
	sd_handle_say(out, SD_H_REFUSE, SD_EC_AUTH, 0, "token refused");
	out->reason = reg_reason;
	return SD_H_REFUSE;
}

/* f names another device than the one c is bound to. */
static enum sd_hres
reg_mismatch(struct sd_conn *c, const struct sd_frame *f,
    const uint8_t *dev, struct sd_hout *out)
{
	struct sd_event e = { .kind = SD_EV_BAD_FRAME };
	char mac[18], own[18];

	c->srv->totals.reg_mismatch++;
	sd_proto_mac_str(dev, mac);
	sd_proto_mac_str(c->reg_mac, own);
	snprintf(out->why, sizeof(out->why), "frame names device %s; this "
	    "connection is %s", mac, own);
	e.id = c->id;
	e.reason = out->why;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
	if (!reg_ext(c, f))
		return sd_handle_say(out, SD_H_CLOSE, 0, 0, out->why);
	return sd_handle_say(out, SD_H_ERROR, SD_EC_AUTH, 0, out->why);
}

/* d admitted f on c: remember it, and bind c when d is proved. */
static void
reg_admitted(struct sd_conn *c, const struct sd_frame *f,
    const struct sd_registry_dev *d, const uint8_t *sha)
{
	c->reg_seen = 1;
	c->reg_gen = c->srv->reg_gen;
	memcpy(c->reg_mac, d->mac, SD_MAC_LEN);
	snprintf(c->reg_name, sizeof(c->reg_name), "%s", d->name);
	if (f->kind != SD_K_HELLO && d->cred != SD_REGISTRY_CERT)
		return;
	c->reg_bound = 1;
	if (sha != NULL) {
		memcpy(c->reg_sha, sha, sizeof(c->reg_sha));
		c->has_reg_sha = 1;
	}
}

/* The first device a legacy frame brought on c was admitted: say which
 * (extension clients say it with their hello event). Once a
 * connection, however many devices it carries. */
static void
reg_identified(struct sd_conn *c)
{
	struct sd_event e = { .kind = SD_EV_IDENTIFIED };
	char mac[18];

	sd_proto_mac_str(c->reg_mac, mac);
	e.id = c->id;
	e.device = mac;
	e.auth = sd_conn_auth(c);
	e.device_name = c->reg_name;
	sd_events_fire(c->srv->events, &e);
}

enum sd_hres
sd_handle_registry(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	const uint8_t *dev = sd_handle_frame_dev(f);
	const struct sd_registry_dev *d;
	struct sd_registry_claim cl = { dev, c->peer, c->tls_identity, NULL };
	enum sd_registry_verdict v;
	uint8_t sha[SD_REGISTRY_SHA_LEN];
	char who[SD_THROTTLE_KEY];
	int first;

	if (dev == NULL)
		return SD_H_OK;
	if (c->reg_bound)
		return memcmp(dev, c->reg_mac, SD_MAC_LEN) == 0 ? SD_H_OK :
		    reg_mismatch(c, f, dev, out);
	/* The device admitted last, under the same registry: a flood of
	 * one device's readings is looked up once. */
	if (c->reg_seen && c->reg_gen == c->srv->reg_gen &&
	    f->kind != SD_K_HELLO && memcmp(dev, c->reg_mac, SD_MAC_LEN) == 0)
		return SD_H_OK;
	if (sd_admit_peer_key(c->peer, who, sizeof(who)) != SD_OK)
		snprintf(who, sizeof(who), "%s", c->peer);
	if (sd_throttle_count(c->srv->hello_fails, who, sd_mono_ns()) >=
	    SD_HELLO_FAIL_MAX)
		return reg_refuse(c, f, "too many refusals from this "
		    "address", dev, out);
	if (f->kind == SD_K_HELLO) {
		if (sd_registry_sha256(f->u.hello.token, f->u.hello.token_len,
		    sha) != SD_OK)
			return reg_refuse(c, f, "out of memory", dev, out);
		cl.sha = sha;
	}
	v = sd_registry_admit(c->srv->registry, &cl, &d);
	if (v != SD_REGISTRY_OK)
		return reg_refuse(c, f, sd_registry_why(v), dev, out);
	first = !c->reg_seen;
	reg_admitted(c, f, d, cl.sha);
	if (first && f->kind != SD_K_HELLO)
		reg_identified(c);
	return SD_H_OK;
}

int
sd_handle_registry_recheck(struct sd_conn *c, const char **why)
{
	const struct sd_registry *reg = c->srv->registry;
	const struct sd_registry_dev *d;
	struct sd_registry_claim cl = { c->reg_mac, c->peer, c->tls_identity,
	    c->has_reg_sha ? c->reg_sha : NULL };
	enum sd_registry_verdict v;

	if (reg == NULL)
		return SD_OK;
	/* A client from before any registry is held to what a legacy
	 * frame of its device would be. */
	if (!c->reg_seen) {
		if (!c->has_dev)
			return SD_OK;
		cl.mac = c->dev;
	}
	v = sd_registry_admit(reg, &cl, &d);
	if (v != SD_REGISTRY_OK) {
		*why = sd_registry_why(v);
		return SD_ERR_INVAL;
	}
	c->reg_seen = 1;
	c->reg_gen = c->srv->reg_gen;
	memcpy(c->reg_mac, d->mac, SD_MAC_LEN);
	snprintf(c->reg_name, sizeof(c->reg_name), "%s", d->name);
	return SD_OK;
}
