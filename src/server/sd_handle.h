/*
 * sd_handle.h: one handler per frame kind, called from the one switch in
 * sd_handle.c (sd_handle_event), which the connection calls for every
 * decoded event.
 */
#ifndef SD_HANDLE_H
#define SD_HANDLE_H

#include "sd_proto.h"
#include "sd_proto_dec.h"

struct sd_conn;

/* Handle one decoded event of c (sd_handle.c). */
void sd_handle_event(struct sd_conn *c, enum sd_dec_ev ev,
    const struct sd_frame *f);

/* sd_handle_msg.c */
void sd_handle_msg(struct sd_conn *c, const struct sd_frame *f);
/* Expand the reply format for text; a malloc'd string and its length. */
char *sd_handle_reply_text(const struct sd_conn *c, const char *text,
    size_t len, size_t *out_len);

/* sd_handle_file.c */
void sd_handle_file(struct sd_conn *c, const struct sd_frame *f);
void sd_handle_file_data(struct sd_conn *c, const struct sd_frame *f);
void sd_handle_file_body_end(struct sd_conn *c, const struct sd_frame *f);
/* The file store's callbacks (struct sd_files_cbs; arg: the server). */
extern const struct sd_files_cbs sd_handle_file_cbs;

/* sd_handle_sensor.c */
void sd_handle_sensor(struct sd_conn *c, const struct sd_frame *f);
/* The spool takes readings again: send c its pending ACK and release
 * its SD_HOLD_SPOOL. */
void sd_handle_sensor_resume(struct sd_conn *c);

#endif
