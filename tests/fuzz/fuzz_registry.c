/*
 * fuzz_registry.c: libFuzzer target for the device registry's parser
 * (sd_registry_parse in src/server/sd_registry.c): the file is the
 * operator's, but a parser that reads past a line or trusts a count is
 * cheap to shake.
 *
 * Whatever the input, the parse succeeds or fails with "NAME:..." in
 * err and nothing allocated; when it succeeds, every device is found
 * by its MAC (and by its identity, when it has one), its name is 1 to
 * 63 bytes of '!'..'~', and its line written back parses to the same
 * device.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* d's line, parsed again, is d. */
static void
fuzz_roundtrip(const struct sd_registry_dev *d)
{
	char line[SD_REGISTRY_MAX_LINE], err[SD_ERR_LEN];
	const struct sd_registry_dev *e;
	struct sd_registry *one;

	if (sd_registry_format(d, line, sizeof(line)) != SD_OK)
		return;		/* %XX grew it past a line: not written */
	if (sd_registry_parse("f", line, strlen(line), &one, err) != SD_OK)
		abort();
	e = &one->devs[0];
	if (one->ndevs != 1 || memcmp(e->mac, d->mac, SD_MAC_LEN) != 0 ||
	    strcmp(e->name, d->name) != 0 || e->cred != d->cred ||
	    e->enabled != d->enabled || e->ident_len != d->ident_len ||
	    (d->ident != NULL && memcmp(e->ident, d->ident,
	    d->ident_len) != 0) || memcmp(e->sha, d->sha, sizeof(d->sha)))
		abort();
	sd_registry_free(one);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sd_registry_dev *d;
	struct sd_registry *reg;
	char err[SD_ERR_LEN];
	size_t i;

	if (sd_registry_parse("in", (const char *)data, size, &reg, err) !=
	    SD_OK) {
		if (reg != NULL || strncmp(err, "in:", 3) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < reg->ndevs; i++) {
		d = &reg->devs[i];
		if (sd_registry_find_mac(reg, d->mac) != d ||
		    !sd_registry_name_ok(d->name) ||
		    (d->ident != NULL &&
		    sd_registry_find_ident(reg, d->ident) != d))
			abort();
		fuzz_roundtrip(d);
	}
	sd_registry_free(reg);
	return 0;
}
