/* sd_err.c: names of the SD_ERR_* codes. */
#include "sd_err.h"

static const char *const sd_err_names[SD_ERR_COUNT] = {
	[SD_OK] = "ok",
	[SD_ERR_NOMEM] = "out of memory",
	[SD_ERR_INVAL] = "invalid argument",
	[SD_ERR_NOSPACE] = "buffer too small",
	[SD_ERR_TOOBIG] = "value too large for its field",
	[SD_ERR_TYPE] = "unknown frame type",
	[SD_ERR_SID] = "unknown sid",
	[SD_ERR_LENGTH] = "length inconsistent with frame fields",
	[SD_ERR_CAP] = "frame larger than the configured cap",
	[SD_ERR_MALFORMED] = "malformed frame",
	[SD_ERR_TRUNCATED] = "stream ended inside a frame",
};

/* Describe an error code in a few words. */
const char *
sd_err_str(int err)
{
	if (err < 0 || err >= SD_ERR_COUNT)
		return "unknown error";
	return sd_err_names[err];
}
