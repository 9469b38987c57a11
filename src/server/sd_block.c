/*
 * sd_block.c: blocked addresses and devices (see sd_block.h).
 */
#include <stdio.h>
#include <string.h>

#include "sd_block.h"

/* Drop the entries whose time is up. */
static void
block_expire(struct sd_blocks *b, int64_t now)
{
	size_t i = 0;

	while (i < b->n) {
		if (b->e[i].until > now) {
			i++;
			continue;
		}
		if (b->e[i].kind == SD_BLOCK_DEVICE)
			b->ndev--;
		b->e[i] = b->e[--b->n];
		b->gen++;
	}
}

static struct sd_block_entry *
block_find(struct sd_blocks *b, const char *key)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->e[i].key, key) == 0)
			return &b->e[i];
	return NULL;
}

/* The entry for key: the one there, a free one, or the one that ends
 * first. */
static struct sd_block_entry *
block_slot(struct sd_blocks *b, const char *key, int64_t now)
{
	struct sd_block_entry *e;
	size_t i, first = 0;

	block_expire(b, now);
	if ((e = block_find(b, key)) != NULL)
		return e;
	if (b->n < SD_BLOCK_MAX) {
		e = &b->e[b->n++];
		memset(e, 0, sizeof(*e));
		return e;
	}
	for (i = 1; i < b->n; i++)
		if (b->e[i].until < b->e[first].until)
			first = i;
	if (b->e[first].kind == SD_BLOCK_DEVICE)
		b->ndev--;
	e = &b->e[first];
	memset(e, 0, sizeof(*e));
	return e;
}

void
sd_block_addr(struct sd_blocks *b, const char *key, int64_t now,
    int64_t secs)
{
	struct sd_block_entry *e = block_slot(b, key, now);

	if (e->key[0] == '\0')
		snprintf(e->key, sizeof(e->key), "%s", key);
	e->kind = SD_BLOCK_ADDR;
	e->until = now + secs * 1000000000;
	b->gen++;
}

void
sd_block_device(struct sd_blocks *b, const uint8_t dev[SD_MAC_LEN],
    int64_t now, int64_t secs)
{
	struct sd_block_entry *e;
	char key[18];

	sd_proto_mac_str(dev, key);
	e = block_slot(b, key, now);
	if (e->key[0] == '\0') {
		snprintf(e->key, sizeof(e->key), "%s", key);
		memcpy(e->dev, dev, SD_MAC_LEN);
		e->kind = SD_BLOCK_DEVICE;
		b->ndev++;
	}
	e->until = now + secs * 1000000000;
	b->gen++;
}

int
sd_block_remove(struct sd_blocks *b, const char *key)
{
	struct sd_block_entry *e = block_find(b, key);

	if (e == NULL)
		return 0;
	e->until = 0;
	block_expire(b, 1);
	return 1;
}

int
sd_block_has_addr(struct sd_blocks *b, const char *key, int64_t now)
{
	struct sd_block_entry *e;

	if (b->n == 0)
		return 0;
	e = block_find(b, key);
	return e != NULL && e->kind == SD_BLOCK_ADDR && e->until > now;
}

int
sd_block_has_device(struct sd_blocks *b, const uint8_t dev[SD_MAC_LEN],
    int64_t now)
{
	size_t i;

	for (i = 0; i < b->n && b->ndev > 0; i++)
		if (b->e[i].kind == SD_BLOCK_DEVICE &&
		    memcmp(b->e[i].dev, dev, SD_MAC_LEN) == 0)
			return b->e[i].until > now;
	return 0;
}

json_t *
sd_block_json(struct sd_blocks *b, int64_t now)
{
	json_t *a = json_array();
	size_t i;

	block_expire(b, now);
	for (i = 0; i < b->n && a != NULL; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "kind",
		    b->e[i].kind == SD_BLOCK_DEVICE ? "device" : "address",
		    "key", b->e[i].key, "left", (json_int_t)
		    ((b->e[i].until - now + 999999999) / 1000000000)));
	return a;
}
