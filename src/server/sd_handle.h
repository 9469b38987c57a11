/*
 * sd_handle.h: one handler per frame kind, called from the one switch in
 * sd_handle.c (sd_handle_event), which the connection calls for every
 * decoded event.
 */
#ifndef SD_HANDLE_H
#define SD_HANDLE_H

#include <stdint.h>

#include "sd_fleet.h"
#include "sd_proto.h"
#include "sd_proto_dec.h"
#include "sd_util.h"

struct sd_conn;

/* What a handler made of its frame. Handlers do not answer errors
 * themselves: they say so here, and sd_handle_event() alone turns it
 * into the ERROR frame an extension client hears and, for a refusal,
 * the drain (the connection closes once the answer is out), as
 * mosquitto's handle__packet acts on its handlers' return codes. */
enum sd_hres {
	SD_H_OK,		/* handled: nothing more to say */
	SD_H_ERROR,		/* answer an ERROR, and go on */
	SD_H_REFUSE,		/* answer an ERROR, then close */
	SD_H_CLOSE		/* close now, without an answer */
};

struct sd_hout {
	uint16_t	 code;		/* SD_EC_* */
	uint32_t	 ref_id;	/* the transfer or message, or 0 */
	const char	*reason;	/* for the log, when not why */
	char		 why[SD_ERR_LEN];	/* what the client hears */
};

/* Fill out and return res, so a handler ends with "return
 * sd_handle_say(out, SD_H_ERROR, SD_EC_OFFSET, id, "...");". */
enum sd_hres sd_handle_say(struct sd_hout *out, enum sd_hres res,
    uint16_t code, uint32_t ref_id, const char *why);

/* Handle one decoded event of c (sd_handle.c). */
void sd_handle_event(struct sd_conn *c, enum sd_dec_ev ev,
    const struct sd_frame *f);

/* The device frame f names (HELLO, a batch, legacy frames), or NULL. */
const uint8_t *sd_handle_frame_dev(const struct sd_frame *f);

/* The fleet (sd_fleet) hears that c's frame of device mac brought what
 * (n readings). */
void sd_handle_fleet(struct sd_conn *c, const uint8_t *mac,
    enum sd_fleet_what what, uint64_t n);

/* sd_handle_reg.c */
/* With a registry: whether c may send f (SD_H_OK), or the refusal. */
enum sd_hres sd_handle_registry(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out);

/* Whether c, admitted before, still is by srv's registry: SD_OK, or
 * SD_ERR_INVAL with why (a static string). */
int sd_handle_registry_recheck(struct sd_conn *c, const char **why);

/* sd_handle_msg.c */
enum sd_hres sd_handle_msg(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out);
/* Expand the reply format for text; a malloc'd string and its length. */
char *sd_handle_reply_text(const struct sd_conn *c, const char *text,
    size_t len, size_t *out_len);

/* A placeholder of a reply format ("text" for {text}) and its value. */
struct sd_fmt_var {
	const char	*name;
	const char	*val;
	size_t		 len;
};

/* fmt with each {name} of vars[0..n) replaced by its value; the rest,
 * unknown placeholders too, as it is. A malloc'd string and its length
 * in *out_len; NULL out of memory. */
char *sd_handle_format(const char *fmt, const struct sd_fmt_var *vars,
    size_t n, size_t *out_len);

/* The placeholders every reply format has, c's: {fd} {id} {port}
 * {device}, in vars[0..4); nums and dev hold their text. */
#define SD_FMT_CONN_VARS	4
void sd_handle_conn_vars(const struct sd_conn *c,
    struct sd_fmt_var vars[SD_FMT_CONN_VARS], char nums[3][24],
    char dev[18]);

/* sd_handle_file.c */
enum sd_hres sd_handle_file(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out);
void sd_handle_file_data(struct sd_conn *c, const struct sd_frame *f);
void sd_handle_file_body_end(struct sd_conn *c, const struct sd_frame *f);
/* The file store's callbacks (struct sd_files_cbs; arg: the server). */
extern const struct sd_files_cbs sd_handle_file_cbs;

/* sd_handle_sensor.c */
enum sd_hres sd_handle_sensor(struct sd_conn *c,
    const struct sd_frame *f, struct sd_hout *out);
/* The spool takes readings again: release c's SD_HOLD_SPOOL, unless it
 * waits for a batch's ACK (sd_handle_sensor_done() sends it). */
void sd_handle_sensor_resume(struct sd_conn *c);

/* The spool's writes finished: acknowledge each batch now on disk, in
 * order, and let its connection read on (unless the spool is full). */
void sd_handle_sensor_done(struct sd_server *srv);

#endif
