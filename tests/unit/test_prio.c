/*
 * test_prio.c: the loop's priorities (src/common/sd_prio): a pass over
 * the floods' queue is bounded in time, so input that came during it
 * is read after about SD_PRIO_TURN_US, not after every flood had its
 * turn.
 *
 * The floods are events in SD_PRIO_BULK that each spin for SPIN_NS of
 * the clock; the first writes a byte into a pipe whose read end is an
 * event in SD_PRIO_CLIENT (a quiet client's message). What counts is
 * how many floods ran before it: a preempted spin takes longer, so a
 * loaded machine only lowers the count.
 */
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sd_prio.h"
#include "sd_test.h"

#define FLOODS		64
#define SPIN_NS		100000LL	/* a flood's turn */
#define ROUNDS		6
/* SD_PRIO_TURN_US of turns, the one that crosses it, and slack. libevent
 * on its default clock (CLOCK_MONOTONIC_COARSE, a jiffy a tick) ran
 * passes of anything up to 4 ms: most rounds would cross this. */
#define FLOODS_MAX	(SD_PRIO_TURN_US * 1000LL / SPIN_NS + 3)

struct round {
	int	 pipefd[2];
	int	 ran;		/* floods run */
	int	 ran_before;	/* floods run before the quiet one's read */
	struct event *quiet;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
flood_cb(evutil_socket_t fd, short what, void *arg)
{
	struct round *r = arg;
	int64_t until = mono_ns() + SPIN_NS;

	(void)fd;
	(void)what;
	if (r->ran++ == 0 && write(r->pipefd[1], "m", 1) != 1)
		CHECK(!"write to the pipe");
	while (mono_ns() < until)
		;
}

static void
quiet_cb(evutil_socket_t fd, short what, void *arg)
{
	struct round *r = arg;
	char c;

	(void)what;
	if (read(fd, &c, 1) != 1)
		CHECK(!"read from the pipe");
	r->ran_before = r->ran;
	event_del(r->quiet);
}

/* One round: FLOODS floods and the quiet one; how many floods ran
 * before the quiet one was read (-1 on a setup failure). */
static int
one_round(void)
{
	struct event_base *base = sd_prio_base_new();
	struct event *floods[FLOODS] = { NULL };
	struct round r = { { -1, -1 }, 0, -1, NULL };
	int i;

	CHECK(base != NULL);
	if (base == NULL || pipe(r.pipefd) != 0)
		goto out;
	r.quiet = event_new(base, r.pipefd[0], EV_READ | EV_PERSIST,
	    quiet_cb, &r);
	CHECK(r.quiet != NULL);
	if (r.quiet == NULL)
		goto out;
	sd_prio_event(r.quiet, SD_PRIO_CLIENT);
	event_add(r.quiet, NULL);
	for (i = 0; i < FLOODS; i++) {
		floods[i] = event_new(base, -1, 0, flood_cb, &r);
		CHECK(floods[i] != NULL);
		if (floods[i] == NULL)
			goto out;
		sd_prio_event(floods[i], SD_PRIO_BULK);
		event_active(floods[i], EV_TIMEOUT, 0);
	}
	event_base_dispatch(base);
	CHECK_EQ(r.ran, FLOODS);
out:
	for (i = 0; i < FLOODS; i++)
		if (floods[i] != NULL)
			event_free(floods[i]);
	if (r.quiet != NULL)
		event_free(r.quiet);
	if (r.pipefd[0] >= 0) {
		close(r.pipefd[0]);
		close(r.pipefd[1]);
	}
	if (base != NULL)
		event_base_free(base);
	return r.ran_before;
}

/* Every round: the quiet one is read within the bound, long before the
 * floods are done. */
static void
test_pass_bound(void)
{
	int i, n;

	for (i = 0; i < ROUNDS; i++) {
		n = one_round();
		if (n < 0 || n > FLOODS_MAX)
			fprintf(stderr, "round %d: %d floods of %lld us before "
			    "the quiet one (at most %lld)\n", i, n,
			    SPIN_NS / 1000, FLOODS_MAX);
		CHECK(n >= 1);
		CHECK(n <= FLOODS_MAX);
	}
}

static const struct sd_test_case cases[] = {
	{ "pass_bound", test_pass_bound },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
