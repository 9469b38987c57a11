/*
 * sd_throttle.c: fixed-window counters in a direct-mapped table (see
 * sd_throttle.h).
 */
#include <string.h>

#include "sd_throttle.h"

void
sd_throttle_init(struct sd_throttle *t, int64_t window_ns)
{
	memset(t, 0, sizeof(*t));
	t->window = window_ns;
}

/* FNV-1a: keys are short, and an attacker gains nothing by colliding
 * (a collision only resets a counter). */
static size_t
throttle_index(const char *key)
{
	uint32_t h = 2166136261u;

	while (*key != '\0')
		h = (h ^ (uint8_t)*key++) * 16777619u;
	return h % SD_THROTTLE_SLOTS;
}

/* key's slot if it holds key in a window still open, else NULL. */
static const struct sd_throttle_slot *
throttle_find(const struct sd_throttle *t, const char *key, int64_t now)
{
	const struct sd_throttle_slot *s = &t->slot[throttle_index(key)];

	if (strncmp(s->key, key, sizeof(s->key) - 1) != 0 ||
	    now - s->start >= t->window)
		return NULL;
	return s;
}

uint64_t
sd_throttle_add(struct sd_throttle *t, const char *key, uint64_t n,
    int64_t now)
{
	struct sd_throttle_slot *s = &t->slot[throttle_index(key)];

	if (throttle_find(t, key, now) == NULL) {
		memset(s, 0, sizeof(*s));
		memcpy(s->key, key, strnlen(key, sizeof(s->key) - 1));
		s->start = now;
	}
	s->count = n > UINT64_MAX - s->count ? UINT64_MAX : s->count + n;
	return s->count;
}

uint64_t
sd_throttle_count(const struct sd_throttle *t, const char *key, int64_t now)
{
	const struct sd_throttle_slot *s = throttle_find(t, key, now);

	return s != NULL ? s->count : 0;
}

int64_t
sd_throttle_left(const struct sd_throttle *t, const char *key, int64_t now)
{
	const struct sd_throttle_slot *s = throttle_find(t, key, now);

	return s != NULL ? s->start + t->window - now : 0;
}
