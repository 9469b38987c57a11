/*
 * sd_prom.c: the Prometheus text format, escaped and bounded (see
 * sd_prom.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "sd_prom.h"

/* A line being built, in a fixed buffer: full marks it refused. */
struct prom_line {
	char	 s[SD_PROM_LINE];
	size_t	 len;
	int	 full;
};

void
sd_prom_init(struct sd_prom *w, struct evbuffer *buf, size_t max)
{
	w->buf = buf;
	w->max = max;
	w->over = 0;
	w->bad = 0;
}

int
sd_prom_name_ok(const char *s, int label)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	if (label && strncmp(s, "__", 2) == 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    (s[i] == ':' && !label))
			continue;
		return 0;
	}
	return 1;
}

/* Append n bytes of s. */
static void
prom_put(struct prom_line *l, const char *s, size_t n)
{
	if (l->full || n >= sizeof(l->s) - l->len) {
		l->full = 1;
		return;
	}
	memcpy(l->s + l->len, s, n);
	l->len += n;
}

static void
prom_puts(struct prom_line *l, const char *s)
{
	prom_put(l, s, strlen(s));
}

/* Append s escaped: backslash and newline always, the double quote in
 * a label value (quote set). */
static void
prom_put_esc(struct prom_line *l, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			prom_put(l, "\\\\", 2);
		else if (*s == '\n')
			prom_put(l, "\\n", 2);
		else if (*s == '"' && quote)
			prom_put(l, "\\\"", 2);
		else
			prom_put(l, s, 1);
	}
}

/* Add a whole line to the body, or refuse it (over the maximum, or
 * too long for one line). */
static void
prom_emit(struct sd_prom *w, struct prom_line *l)
{
	prom_put(l, "\n", 1);
	if (l->full) {
		w->bad = 1;
		return;
	}
	if (evbuffer_get_length(w->buf) + l->len > w->max) {
		w->over = 1;
		return;
	}
	if (evbuffer_add(w->buf, l->s, l->len) != 0)
		w->over = 1;
}

void
sd_prom_family(struct sd_prom *w, const char *name, const char *type,
    const char *help)
{
	struct prom_line l = { .len = 0 };

	if (!sd_prom_name_ok(name, 0)) {
		w->bad = 1;
		return;
	}
	prom_puts(&l, "# HELP ");
	prom_puts(&l, name);
	prom_puts(&l, " ");
	prom_put_esc(&l, help, 0);
	prom_emit(w, &l);
	l.len = 0;
	prom_puts(&l, "# TYPE ");
	prom_puts(&l, name);
	prom_puts(&l, " ");
	prom_puts(&l, type);
	prom_emit(w, &l);
}

/* A sample line with its value already as text. */
static void
prom_sample(struct sd_prom *w, const char *name,
    const struct sd_prom_label *lb, size_t nl, const char *value)
{
	struct prom_line l = { .len = 0 };
	size_t i;

	if (!sd_prom_name_ok(name, 0)) {
		w->bad = 1;
		return;
	}
	prom_puts(&l, name);
	for (i = 0; i < nl; i++) {
		if (!sd_prom_name_ok(lb[i].name, 1)) {
			w->bad = 1;
			return;
		}
		prom_puts(&l, i == 0 ? "{" : ",");
		prom_puts(&l, lb[i].name);
		prom_puts(&l, "=\"");
		prom_put_esc(&l, lb[i].value, 1);
		prom_puts(&l, "\"");
	}
	if (nl > 0)
		prom_puts(&l, "}");
	prom_puts(&l, " ");
	prom_puts(&l, value);
	prom_emit(w, &l);
}

/* A real number as the format writes it. */
static void
prom_num(double v, char num[32])
{
	if (isnan(v))
		snprintf(num, 32, "NaN");
	else if (isinf(v))
		snprintf(num, 32, "%cInf", v > 0 ? '+' : '-');
	else
		snprintf(num, 32, "%.15g", v);
}

void
sd_prom_u64(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	prom_sample(w, name, l, nl, num);
}

void
sd_prom_double(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, double v)
{
	char num[32];

	prom_num(v, num);
	prom_sample(w, name, l, nl, num);
}


void
sd_prom_histogram(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, const double *le, size_t nb,
    const uint64_t *counts, double sum)
{
	struct sd_prom_label lb[SD_PROM_LABELS];
	char full[SD_PROM_LINE], num[32];
	uint64_t total = 0;
	size_t i;

	if (nl >= SD_PROM_LABELS || strlen(name) + 8 >= sizeof(full)) {
		w->bad = 1;
		return;
	}
	if (nl > 0)
		memcpy(lb, l, nl * sizeof(*l));
	snprintf(full, sizeof(full), "%s_bucket", name);
	for (i = 0; i <= nb; i++) {
		total += counts[i];
		if (i < nb)
			prom_num(le[i], num);
		else
			snprintf(num, sizeof(num), "+Inf");
		lb[nl] = (struct sd_prom_label){ "le", num };
		sd_prom_u64(w, full, lb, nl + 1, total);
	}
	snprintf(full, sizeof(full), "%s_sum", name);
	sd_prom_double(w, full, l, nl, sum);
	snprintf(full, sizeof(full), "%s_count", name);
	sd_prom_u64(w, full, l, nl, total);
}
