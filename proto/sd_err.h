/*
 * sd_err.h: the error codes every sockdeck module returns.
 *
 * Functions return an int: SD_OK (0) or one of SD_ERR_* below; results
 * travel through out-parameters. sd_err_str() names a code for a log line.
 */
#ifndef SD_ERR_H
#define SD_ERR_H

enum sd_err {
	SD_OK = 0,
	SD_ERR_NOMEM,		/* an allocation failed */
	SD_ERR_INVAL,		/* a caller passed an invalid argument */
	SD_ERR_NOSPACE,		/* the output buffer is too small */
	SD_ERR_TOOBIG,		/* a value does not fit its field */
	SD_ERR_TYPE,		/* unknown frame type */
	SD_ERR_SID,		/* unknown sid in a legacy data frame */
	SD_ERR_LENGTH,		/* length disagrees with the frame's fields */
	SD_ERR_CAP,		/* length over the configured cap */
	SD_ERR_MALFORMED,	/* fields inside a frame are inconsistent */
	SD_ERR_TRUNCATED,	/* the stream ended inside a frame */
	SD_ERR_COUNT
};

/* Describe an error code in a few words, for logs and error frames. */
const char *sd_err_str(int err);

#endif
