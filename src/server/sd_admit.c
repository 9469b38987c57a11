/*
 * sd_admit.c: admission at accept (see sd_admit.h). The per-address
 * table is open addressing with linear probing and backward-shift
 * deletion, keyed by a seeded hash, sized once from --max-clients: an
 * entry lives while its address has a connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xxhash.h>

#include "sd_admit.h"
#include "sd_config.h"
#include "sd_err.h"

struct sd_admit_slot {
	uint8_t		 key[16];
	uint32_t	 count;		/* 0: free */
};

struct sd_admit {
	struct sd_admit_slot	*slots;
	size_t			 mask;
	size_t			 used;
	uint64_t		 seed;
};

/* IPv4 as ::ffff:a.b.c.d, so one prefix test serves both. */
static void
admit_map4(const uint8_t v4[4], uint8_t key[16])
{
	memset(key, 0, 10);
	key[10] = key[11] = 0xff;
	memcpy(key + 12, v4, 4);
}

/* The 16-byte key of a socket address; SD_OK or SD_ERR_INVAL. */
static int
admit_key_sa(const struct sockaddr *sa, uint8_t key[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		admit_map4((const uint8_t *)&s4->sin_addr, key);
		return SD_OK;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(key, &s6->sin6_addr, 16);
		return SD_OK;
	}
	return SD_ERR_INVAL;
}

/* Whether key is an IPv4 address (mapped). */
static int
admit_is_v4(const uint8_t key[16])
{
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(key, v4, sizeof(v4)) == 0;
}

/* What one peer is, for counting: an IPv4 address, or an IPv6 /64
 * (every host is given one, so its addresses are one peer). */
static void
admit_peer_prefix(uint8_t key[16])
{
	if (!admit_is_v4(key))
		memset(key + 8, 0, 8);
}

/* The key of a numeric address as text. */
static int
admit_key_str(const char *s, uint8_t key[16])
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		admit_map4(v4, key);
		return SD_OK;
	}
	return inet_pton(AF_INET6, s, key) == 1 ? SD_OK : SD_ERR_INVAL;
}

int
sd_admit_peer_key(const char *peer, char *out, size_t len)
{
	uint8_t key[16];
	size_t n;

	if (admit_key_str(peer, key) != SD_OK)
		return SD_ERR_INVAL;
	if (admit_is_v4(key))
		return inet_ntop(AF_INET, key + 12, out, (socklen_t)len) !=
		    NULL ? SD_OK : SD_ERR_INVAL;
	admit_peer_prefix(key);
	if (inet_ntop(AF_INET6, key, out, (socklen_t)len) == NULL)
		return SD_ERR_INVAL;
	n = strlen(out);
	if (n + 4 > len)
		return SD_ERR_INVAL;
	memcpy(out + n, "/64", 4);
	return SD_OK;
}

/* "lo" or "lo-hi" into a port range. */
static int
admit_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint64_t a, b;

	if (sd_parse_ports(s, &a, &b) != SD_OK)
		return SD_ERR_INVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return SD_OK;
}

/* Append r to a list, at most SD_ADMIT_MAX_RULES long. */
static int
admit_append(struct sd_admit_rule **rules, size_t *n,
    const struct sd_admit_rule *r)
{
	struct sd_admit_rule *nl;

	if (*n >= SD_ADMIT_MAX_RULES)
		return SD_ERR_INVAL;
	nl = realloc(*rules, (*n + 1) * sizeof(*nl));
	if (nl == NULL)
		return SD_ERR_NOMEM;
	nl[(*n)++] = *r;
	*rules = nl;
	return SD_OK;
}

/* One "CIDR[@PORTS]" item. */
static int
admit_item(char *item, struct sd_admit_rule *r)
{
	char *at = strchr(item, '@'), *slash;
	uint64_t bits;
	int v4;

	r->lo = 1;
	r->hi = 65535;
	if (at != NULL) {
		*at = '\0';
		if (admit_ports(at + 1, &r->lo, &r->hi) != SD_OK)
			return SD_ERR_INVAL;
	}
	slash = strchr(item, '/');
	if (slash != NULL)
		*slash = '\0';
	if (admit_key_str(item, r->addr) != SD_OK)
		return SD_ERR_INVAL;
	v4 = strchr(item, ':') == NULL;
	bits = v4 ? 32 : 128;
	if (slash != NULL && sd_parse_u64(slash + 1, 0, bits, &bits) != SD_OK)
		return SD_ERR_INVAL;
	r->bits = (uint8_t)(v4 ? bits + 96 : bits);
	return SD_OK;
}

int
sd_admit_parse(const char *list, struct sd_admit_rule **rules, size_t *n)
{
	struct sd_admit_rule r;
	char *copy, *item, *save = NULL;
	int rc = SD_ERR_INVAL;

	copy = strdup(list);
	if (copy == NULL)
		return SD_ERR_NOMEM;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		memset(&r, 0, sizeof(r));
		if (admit_item(item, &r) != SD_OK ||
		    admit_append(rules, n, &r) != SD_OK)
			goto out;
		rc = SD_OK;
	}
out:
	free(copy);
	return rc;
}

int
sd_admit_parse_legacy(const char *v, struct sd_admit_rule **rules,
    size_t *n)
{
	struct sd_admit_rule r = { .lo = 1, .hi = 65535 };
	const char *at = strchr(v, '@');
	size_t len = at != NULL ? (size_t)(at - v) : strlen(v);

	if (len == 2 && strncmp(v, "on", 2) == 0)
		r.on = 1;
	else if (len != 3 || strncmp(v, "off", 3) != 0)
		return SD_ERR_INVAL;
	if (at != NULL && admit_ports(at + 1, &r.lo, &r.hi) != SD_OK)
		return SD_ERR_INVAL;
	return admit_append(rules, n, &r);
}

/* Whether key is inside r's prefix. */
static int
admit_match(const struct sd_admit_rule *r, const uint8_t key[16])
{
	size_t whole = r->bits / 8;
	unsigned rest = r->bits % 8;
	uint8_t m;

	if (memcmp(r->addr, key, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - rest));
	return (r->addr[whole] & m) == (key[whole] & m);
}

/* Whether key is inside one of the n rules' prefixes. */
static int
admit_rules_key(const struct sd_admit_rule *rules, size_t n,
    const uint8_t key[16])
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (admit_match(&rules[i], key))
			return 1;
	}
	return 0;
}

int
sd_admit_rules_match(const struct sd_admit_rule *rules, size_t n,
    const char *peer)
{
	uint8_t key[16];

	if (admit_key_str(peer, key) != SD_OK)
		return 0;
	return admit_rules_key(rules, n, key);
}

int
sd_admit_rules_match_sa(const struct sd_admit_rule *rules, size_t n,
    const struct sockaddr *sa)
{
	uint8_t key[16];

	if (admit_key_sa(sa, key) != SD_OK)
		return 0;
	return admit_rules_key(rules, n, key);
}

const char *
sd_admit_check(const struct sd_config *cfg, const struct sockaddr *sa,
    uint16_t port)
{
	const struct sd_admit_rule *r;
	uint8_t key[16];
	int allow_rules = 0;
	size_t i;

	if (cfg->ndeny == 0 && cfg->nallow == 0)
		return NULL;
	if (admit_key_sa(sa, key) != SD_OK)
		return "address not allowed";
	for (i = 0; i < cfg->ndeny; i++) {
		r = &cfg->deny[i];
		if (port >= r->lo && port <= r->hi && admit_match(r, key))
			return "address denied";
	}
	for (i = 0; i < cfg->nallow; i++) {
		r = &cfg->allow[i];
		if (port < r->lo || port > r->hi)
			continue;
		if (admit_match(r, key))
			return NULL;
		allow_rules = 1;
	}
	return allow_rules ? "address not allowed" : NULL;
}

int
sd_admit_legacy(const struct sd_config *cfg, uint16_t port)
{
	int on = 1;
	size_t i;

	for (i = 0; i < cfg->nlegacy; i++) {
		if (port >= cfg->legacy[i].lo && port <= cfg->legacy[i].hi)
			on = cfg->legacy[i].on;
	}
	return on;
}

struct sd_admit *
sd_admit_new(uint64_t max_clients)
{
	struct sd_admit *a = calloc(1, sizeof(*a));
	size_t n = 64;

	if (a == NULL)
		return NULL;
	/* Twice the addresses there can be, so probes stay short. */
	while (n < SD_ADMIT_MAX_SLOTS && n < 2 * max_clients)
		n *= 2;
	a->slots = calloc(n, sizeof(*a->slots));
	if (a->slots == NULL) {
		free(a);
		return NULL;
	}
	a->mask = n - 1;
	a->seed = (uint64_t)sd_now_ns() ^ ((uint64_t)getpid() << 32);
	return a;
}

void
sd_admit_free(struct sd_admit *a)
{
	if (a == NULL)
		return;
	free(a->slots);
	free(a);
}

/* The slot holding key, or the free one where it would go. */
static size_t
admit_find(const struct sd_admit *a, const uint8_t key[16])
{
	size_t i = (size_t)XXH3_64bits_withSeed(key, 16, a->seed) & a->mask;

	while (a->slots[i].count != 0 && memcmp(a->slots[i].key, key, 16))
		i = (i + 1) & a->mask;
	return i;
}

int
sd_admit_take(struct sd_admit *a, const struct sockaddr *sa, uint64_t cap,
    const char **why)
{
	struct sd_admit_slot *s;
	uint8_t key[16];

	if (cap == 0 || a == NULL || admit_key_sa(sa, key) != SD_OK)
		return SD_OK;
	admit_peer_prefix(key);
	s = &a->slots[admit_find(a, key)];
	if (s->count >= cap) {
		*why = "too many clients from this address";
		return SD_ERR_NOSPACE;
	}
	if (s->count == 0) {
		/* Keep a free slot, so every probe ends. */
		if (a->used + 1 >= a->mask) {
			*why = "too many client addresses";
			return SD_ERR_NOSPACE;
		}
		memcpy(s->key, key, 16);
		a->used++;
	}
	s->count++;
	return SD_OK;
}

/* Empty slot i, moving later entries of its probe run back into it. */
static void
admit_remove(struct sd_admit *a, size_t i)
{
	size_t j = i, home;

	for (;;) {
		j = (j + 1) & a->mask;
		if (a->slots[j].count == 0)
			break;
		home = (size_t)XXH3_64bits_withSeed(a->slots[j].key, 16,
		    a->seed) & a->mask;
		/* j's entry may fill i if its home is not in (i, j]. */
		if (((j - home) & a->mask) >= ((j - i) & a->mask)) {
			a->slots[i] = a->slots[j];
			i = j;
		}
	}
	a->slots[i].count = 0;
	a->used--;
}

void
sd_admit_release(struct sd_admit *a, const char *peer)
{
	uint8_t key[16];
	size_t i;

	if (a == NULL || admit_key_str(peer, key) != SD_OK)
		return;
	admit_peer_prefix(key);
	i = admit_find(a, key);
	if (a->slots[i].count == 0)
		return;
	if (--a->slots[i].count == 0)
		admit_remove(a, i);
}
