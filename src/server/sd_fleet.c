/*
 * sd_fleet.c: every device seen, its counts, interval and state (see
 * sd_fleet.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_events.h"
#include "sd_fleet.h"
#include "sd_proto.h"
#include "sd_registry.h"

#define HASH_SIZE	(2 * SD_FLEET_MAX)	/* a power of two */
#define NS		INT64_C(1000000000)
#define RATE_STEP	10			/* seconds a rate slot */

enum fleet_state { ST_ONLINE, ST_OFFLINE, ST_SILENT, ST_COUNT };

static const char *const state_names[ST_COUNT] = {
	"online", "offline", "silent"
};

struct fleet_dev {
	struct sd_fleet_rec r;
	uint32_t	 gen;		/* one more each time the slot is
					   given to a device; never 0 */
	uint32_t	 conns;		/* connections speaking for it */
	int64_t		 gap_from;	/* mono: last reading frame on a
					   connection; 0: no gap to count */
	int64_t		 watch;		/* mono: the silence clock's start */
	uint32_t	 rate_n[SD_FLEET_RATE_SLOTS];
	uint32_t	 rate_p[SD_FLEET_RATE_SLOTS];	/* their periods */
	/* The table's own links (indices, -1: none). */
	int		 hnext;
	int		 older, newer;	/* order last seen */
};

struct sd_fleet {
	struct fleet_dev *d;		/* SD_FLEET_MAX slots */
	size_t		 n;
	int		 head[HASH_SIZE];
	int		 oldest, newest;
	uint64_t	 seed;
	uint64_t	 forgotten;
	uint32_t	 gen;
	size_t		 cursor;	/* next slot the tick looks at */
	uint64_t	 nstate[ST_COUNT];
	int64_t		 wall0, mono0;	/* wall = wall0 + (mono - mono0) */
	uint64_t	 order;		/* the last order given */
	struct sd_events *bus;
};

struct sd_fleet *
sd_fleet_new(struct sd_events *bus)
{
	struct sd_fleet *f = calloc(1, sizeof(*f));
	struct timespec ts;
	size_t i;

	if (f == NULL)
		return NULL;
	/* Pages of slots never used are never touched. */
	f->d = calloc(SD_FLEET_MAX, sizeof(*f->d));
	if (f->d == NULL) {
		free(f);
		return NULL;
	}
	for (i = 0; i < HASH_SIZE; i++)
		f->head[i] = -1;
	f->oldest = f->newest = -1;
	f->bus = bus;
	f->mono0 = sd_mono_ns();
	f->wall0 = sd_now_ns();
	/* A seed a peer cannot guess keeps its MACs from piling into one
	 * chain. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)(uintptr_t)f ^ (uint64_t)ts.tv_sec << 32;
	return f;
}

void
sd_fleet_free(struct sd_fleet *f)
{
	if (f == NULL)
		return;
	free(f->d);
	free(f);
}

/* The wall clock at mono time m. */
static int64_t
fleet_wall(const struct sd_fleet *f, int64_t m)
{
	return f->wall0 + (m - f->mono0);
}

static size_t
fleet_hash(const struct sd_fleet *f, const uint8_t *mac)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ f->seed;
	size_t i;

	for (i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (size_t)(h & (HASH_SIZE - 1));
}

static enum fleet_state
fleet_state(const struct fleet_dev *d)
{
	if (d->r.silent)
		return ST_SILENT;
	return d->conns > 0 ? ST_ONLINE : ST_OFFLINE;
}

/* Take d out of the counts by state (sign -1) or put it back (+1):
 * around every change of its state. */
static void
fleet_count(struct sd_fleet *f, const struct fleet_dev *d, int sign)
{
	f->nstate[fleet_state(d)] += (uint64_t)(int64_t)sign;
}

/* Take slot i out of the order last seen. */
static void
order_unlink(struct sd_fleet *f, int i)
{
	struct fleet_dev *d = &f->d[i];

	if (d->older >= 0)
		f->d[d->older].newer = d->newer;
	else
		f->oldest = d->newer;
	if (d->newer >= 0)
		f->d[d->newer].older = d->older;
	else
		f->newest = d->older;
}

/* Put slot i at the newest end. */
static void
order_push(struct sd_fleet *f, int i)
{
	f->d[i].older = f->newest;
	f->d[i].newer = -1;
	if (f->newest >= 0)
		f->d[f->newest].newer = i;
	else
		f->oldest = i;
	f->newest = i;
}

static void
hash_unlink(struct sd_fleet *f, int i)
{
	int *p = &f->head[fleet_hash(f, f->d[i].r.mac)];

	while (*p >= 0 && *p != i)
		p = &f->d[*p].hnext;
	if (*p == i)
		*p = f->d[i].hnext;
}

static int
fleet_find(const struct sd_fleet *f, const uint8_t *mac)
{
	int i;

	for (i = f->head[fleet_hash(f, mac)]; i >= 0; i = f->d[i].hnext) {
		if (memcmp(f->d[i].r.mac, mac, 6) == 0)
			return i;
	}
	return -1;
}

/* The slot of mac: found, or a free one, or the one seen longest ago
 * made over (counted as forgotten), at the newest end. */
static int
fleet_find_or_take(struct sd_fleet *f, const uint8_t *mac)
{
	struct fleet_dev *d;
	int i = fleet_find(f, mac);

	if (i >= 0)
		return i;
	if (f->n < SD_FLEET_MAX)
		i = (int)f->n++;
	else {
		i = f->oldest;
		fleet_count(f, &f->d[i], -1);
		hash_unlink(f, i);
		order_unlink(f, i);
		f->forgotten++;
	}
	d = &f->d[i];
	memset(d, 0, sizeof(*d));
	memcpy(d->r.mac, mac, 6);
	if (++f->gen == 0)
		f->gen = 1;
	d->gen = f->gen;
	d->hnext = f->head[fleet_hash(f, mac)];
	f->head[fleet_hash(f, mac)] = i;
	order_push(f, i);
	fleet_count(f, d, 1);
	return i;
}

/* The device ref names, or NULL when its slot went to another. */
static struct fleet_dev *
fleet_ref(struct sd_fleet *f, const struct sd_fleet_ref *ref)
{
	if (ref->gen == 0 || ref->slot >= f->n ||
	    f->d[ref->slot].gen != ref->gen)
		return NULL;
	return &f->d[ref->slot];
}

void
sd_fleet_leave(struct sd_fleet *f, struct sd_fleet_ref *ref)
{
	struct fleet_dev *d = fleet_ref(f, ref);

	ref->gen = 0;
	if (d == NULL || d->conns == 0)
		return;
	fleet_count(f, d, -1);
	d->conns--;
	/* The gap until its next connection is not an interval. */
	if (d->conns == 0)
		d->gap_from = 0;
	fleet_count(f, d, 1);
}

/* ref's connection speaks for slot i from now on. */
static void
fleet_join(struct sd_fleet *f, int i, struct sd_fleet_ref *ref,
    const struct sd_fleet_via *via)
{
	struct fleet_dev *d = &f->d[i];
	size_t n;

	sd_fleet_leave(f, ref);
	fleet_count(f, d, -1);
	d->conns++;
	fleet_count(f, d, 1);
	d->r.ext = via->ext != 0;
	d->r.tls = via->tls != 0;
	n = strnlen(via->addr, sizeof(d->r.addr) - 1);
	memcpy(d->r.addr, via->addr, n);
	d->r.addr[n] = '\0';
	ref->slot = (uint32_t)i;
	ref->gen = d->gen;
}

/* An event about d (device-silent or device-back). */
static void
fleet_event(struct sd_fleet *f, const struct fleet_dev *d,
    enum sd_ev_kind kind, int64_t now, const struct sd_registry *reg)
{
	const struct sd_registry_dev *rd = reg != NULL ?
	    sd_registry_find_mac(reg, d->r.mac) : NULL;
	struct sd_event e = { .kind = kind };
	char mac[18];

	sd_proto_mac_str(d->r.mac, mac);
	e.device = mac;
	e.device_name = rd != NULL ? rd->name : NULL;
	/* A last reading later than now (the clock stepped back, or a
	 * file from a host whose clock ran ahead) says nothing of how long
	 * the device was silent: 0, never a negative duration. */
	if (d->r.read_ns > 0 && fleet_wall(f, now) > d->r.read_ns)
		e.silent_s = (double)(fleet_wall(f, now) - d->r.read_ns) / NS;
	e.interval_s = (double)d->r.interval_ns / NS;
	sd_events_fire(f->bus, &e);
}

/* n readings of d in one frame at now. */
static void
fleet_readings(struct sd_fleet *f, struct fleet_dev *d, uint64_t n,
    int64_t now, const struct sd_registry *reg)
{
	int64_t gap = now - d->gap_from;
	uint32_t p = (uint32_t)(now / NS / RATE_STEP);
	size_t k = p % SD_FLEET_RATE_SLOTS;

	if (d->gap_from != 0 && gap > 0)
		d->r.interval_ns = d->r.interval_ns == 0 ? gap :
		    d->r.interval_ns + (gap - d->r.interval_ns) / 8;
	if (d->r.silent) {
		fleet_event(f, d, SD_EV_DEVICE_BACK, now, reg);
		fleet_count(f, d, -1);
		d->r.silent = 0;
		fleet_count(f, d, 1);
	}
	d->gap_from = now;
	d->watch = now;
	d->r.read_ns = fleet_wall(f, now);
	d->r.readings += n;
	if (d->rate_p[k] != p) {
		d->rate_p[k] = p;
		d->rate_n[k] = 0;
	}
	d->rate_n[k] += n > UINT32_MAX - d->rate_n[k] ?
	    UINT32_MAX - d->rate_n[k] : (uint32_t)n;
}

void
sd_fleet_note(struct sd_fleet *f, struct sd_fleet_ref *ref,
    const uint8_t mac[6], const struct sd_fleet_via *via,
    enum sd_fleet_what what, uint64_t n)
{
	int64_t now = via->now;
	struct fleet_dev *d = fleet_ref(f, ref);
	int i;

	if (d == NULL || memcmp(d->r.mac, mac, 6) != 0) {
		i = fleet_find_or_take(f, mac);
		fleet_join(f, i, ref, via);
		d = &f->d[i];
		if (d->r.first_ns == 0)
			d->r.first_ns = fleet_wall(f, now);
	}
	i = (int)(d - f->d);
	if (f->newest != i) {
		order_unlink(f, i);
		order_push(f, i);
	}
	d->r.last_ns = fleet_wall(f, now);
	d->r.order = ++f->order;
	if (what == SD_FLEET_READINGS)
		fleet_readings(f, d, n, now, via->reg);
	else if (what == SD_FLEET_MESSAGE)
		d->r.messages++;
}

void
sd_fleet_stored(struct sd_fleet *f, const uint8_t mac[6])
{
	int i = fleet_find(f, mac);

	if (i >= 0)
		f->d[i].r.files++;
}

/* The timeout of d in ns, 0: not watched (no reading, or no interval
 * to take 5 times and no --device-timeout). */
static int64_t
fleet_timeout(const struct fleet_dev *d, uint64_t timeout_s)
{
	int64_t t;

	if (d->r.readings == 0)
		return 0;
	if (timeout_s > 0)
		return (int64_t)timeout_s * NS;
	if (d->r.interval_ns == 0)
		return 0;
	/* An interval read from the file is bounded (sd_fleet_file.c);
	 * one of its own cannot come near this. */
	t = d->r.interval_ns > INT64_MAX / 5 ? INT64_MAX : 5 *
	    d->r.interval_ns;
	return t < SD_FLEET_MIN_TIMEOUT * NS ? SD_FLEET_MIN_TIMEOUT * NS : t;
}

void
sd_fleet_tick(struct sd_fleet *f, uint64_t timeout_s,
    const struct sd_registry *reg)
{
	int64_t now = sd_mono_ns(), to;
	size_t k = f->n < SD_FLEET_SLICE ? f->n : SD_FLEET_SLICE;
	struct fleet_dev *d;

	while (k-- > 0) {
		if (f->cursor >= f->n)
			f->cursor = 0;
		d = &f->d[f->cursor++];
		to = fleet_timeout(d, timeout_s);
		if (d->r.silent || to == 0 || now - d->watch <= to)
			continue;
		fleet_count(f, d, -1);
		d->r.silent = 1;
		d->gap_from = 0;
		fleet_count(f, d, 1);
		fleet_event(f, d, SD_EV_DEVICE_SILENT, now, reg);
	}
}

void
sd_fleet_counts(const struct sd_fleet *f, struct sd_fleet_counts *c)
{
	c->total = f->n;
	c->online = f->nstate[ST_ONLINE];
	c->offline = f->nstate[ST_OFFLINE];
	c->silent = f->nstate[ST_SILENT];
}

uint64_t
sd_fleet_forgotten(const struct sd_fleet *f)
{
	return f->forgotten;
}

/* Readings a second over the last minute (over less when d was first
 * seen later). */
static double
fleet_rate(const struct sd_fleet *f, const struct fleet_dev *d,
    int64_t now)
{
	uint32_t p = (uint32_t)(now / NS / RATE_STEP), q;
	int64_t from = ((int64_t)p - (SD_FLEET_RATE_SLOTS - 2)) * RATE_STEP *
	    NS, first = d->r.first_ns - f->wall0 + f->mono0;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < SD_FLEET_RATE_SLOTS - 1; i++) {
		q = p - (uint32_t)i;
		if (d->rate_p[q % SD_FLEET_RATE_SLOTS] == q)
			sum += d->rate_n[q % SD_FLEET_RATE_SLOTS];
	}
	if (first > from)
		from = first;
	if (now - from < NS)
		from = now - NS;
	return (double)sum * NS / (double)(now - from);
}

static json_t *
fleet_time(int64_t ns)
{
	char buf[40];

	if (ns <= 0)
		return json_null();
	sd_fmt_rfc3339(ns, buf, sizeof(buf));
	return json_string(buf);
}

/* A number to a tenth (to a thousandth under 1), or null for 0. */
static json_t *
fleet_real(double v, int zero_null)
{
	double k = v < 1 ? 1000 : 10;

	if (v <= 0 && zero_null)
		return json_null();
	return json_real((double)(int64_t)(v * k + 0.5) / k);
}

static json_t *
fleet_dev_json(const struct sd_fleet *f, const struct fleet_dev *d,
    int64_t now, const struct sd_registry *reg)
{
	const struct sd_registry_dev *rd = reg != NULL ?
	    sd_registry_find_mac(reg, d->r.mac) : NULL;
	int64_t wall = fleet_wall(f, now);
	char mac[18];
	json_t *o;

	sd_proto_mac_str(d->r.mac, mac);
	o = json_pack("{s:s,s:o,s:s,s:o,s:o,s:I,s:s,s:s,s:b,s:I,s:I,s:I}",
	    "mac", mac,
	    "name", rd != NULL ? json_string(rd->name) : json_null(),
	    "state", state_names[fleet_state(d)],
	    "first_seen", fleet_time(d->r.first_ns),
	    "last_seen", fleet_time(d->r.last_ns),
	    "last_seen_ms", (json_int_t)((wall - d->r.last_ns) / 1000000),
	    "address", d->r.addr[0] != '\0' ? d->r.addr : "-",
	    "protocol", d->r.ext ? "ext" : "legacy",
	    "tls", d->r.tls,
	    "readings", (json_int_t)d->r.readings,
	    "files", (json_int_t)d->r.files,
	    "messages", (json_int_t)d->r.messages);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "last_reading", fleet_time(d->r.read_ns));
	json_object_set_new(o, "interval_s",
	    fleet_real((double)d->r.interval_ns / NS, 1));
	json_object_set_new(o, "rate", fleet_real(fleet_rate(f, d, now), 0));
	return o;
}

json_t *
sd_fleet_json(const struct sd_fleet *f, json_t *req,
    const struct sd_registry *reg)
{
	json_t *jlim = json_object_get(req, "limit"), *a;
	json_t *joff = json_object_get(req, "offset");
	json_int_t limit = SD_FLEET_LIST_DEF, skip = 0;
	int64_t now = sd_mono_ns();
	int i;

	if (jlim != NULL && (!json_is_integer(jlim) ||
	    json_integer_value(jlim) < 1 ||
	    json_integer_value(jlim) > SD_FLEET_LIST_MAX))
		return json_pack("{s:b,s:s}", "ok", 0, "error",
		    "\"limit\" must be a whole number from 1 to 2000");
	if (joff != NULL && (!json_is_integer(joff) ||
	    json_integer_value(joff) < 0 ||
	    json_integer_value(joff) >= SD_FLEET_MAX))
		return json_pack("{s:b,s:s}", "ok", 0, "error",
		    "\"offset\" must be a whole number from 0 to 65535");
	if (jlim != NULL)
		limit = json_integer_value(jlim);
	if (joff != NULL)
		skip = json_integer_value(joff);
	a = json_array();
	/* At most SD_FLEET_MAX steps to the offset: links, not rows. */
	for (i = f->newest; i >= 0 && skip > 0; i = f->d[i].older)
		skip--;
	for (; i >= 0 && limit-- > 0; i = f->d[i].older)
		json_array_append_new(a, fleet_dev_json(f, &f->d[i], now, reg));
	return json_pack("{s:b,s:o,s:I,s:I,s:I,s:I,s:I}", "ok", 1,
	    "devices", a, "total", (json_int_t)f->n,
	    "online", (json_int_t)f->nstate[ST_ONLINE],
	    "offline", (json_int_t)f->nstate[ST_OFFLINE],
	    "silent", (json_int_t)f->nstate[ST_SILENT],
	    "forgotten", (json_int_t)f->forgotten);
}

size_t
sd_fleet_snapshot(const struct sd_fleet *f, struct sd_fleet_rec *out)
{
	size_t k;

	/* In slot order, one pass through memory: the order last seen,
	 * a link per slot, would cost a cache miss a device. */
	for (k = 0; k < f->n; k++)
		out[k] = f->d[k].r;
	return f->n;
}

void
sd_fleet_restore(struct sd_fleet *f, const struct sd_fleet_rec *rec)
{
	int i = fleet_find_or_take(f, rec->mac);
	struct fleet_dev *d = &f->d[i];

	if (f->newest != i) {	/* a MAC twice in the file: the later */
		order_unlink(f, i);
		order_push(f, i);
	}
	fleet_count(f, d, -1);
	d->r = *rec;
	d->r.addr[sizeof(d->r.addr) - 1] = '\0';
	d->r.silent = rec->silent != 0;
	d->r.order = ++f->order;
	/* The server's own downtime is not the device's silence. */
	d->watch = sd_mono_ns();
	fleet_count(f, d, 1);
}
