/*
 * test_admit.c: what admission control is made of: the rules and the
 * per-address table (sd_admit), the fixed-window throttle table
 * (sd_throttle) and the secret comparison.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sd_admit.h"
#include "sd_config.h"
#include "sd_err.h"
#include "sd_test.h"
#include "sd_throttle.h"
#include "sd_util.h"

/* A socket address for a numeric IPv4 or IPv6 address. */
static const struct sockaddr *
sa_of(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return (const struct sockaddr *)ss;
}

/* Deny wins; ports with --allow rules take only their addresses. */
static void
test_rules(void)
{
	struct sd_config cfg;
	struct sockaddr_storage ss;

	memset(&cfg, 0, sizeof(cfg));
	CHECK_EQ(sd_admit_parse("10.0.0.0/8@5000-5001,2001:db8::/32",
	    &cfg.allow, &cfg.nallow), SD_OK);
	CHECK_EQ(sd_admit_parse("10.1.2.3,10.9.0.0/17@5001", &cfg.deny,
	    &cfg.ndeny), SD_OK);
	CHECK(sd_admit_check(&cfg, sa_of("10.2.3.4", &ss), 5000) == NULL);
	CHECK(sd_admit_check(&cfg, sa_of("10.1.2.3", &ss), 5000) != NULL);
	CHECK(sd_admit_check(&cfg, sa_of("10.9.127.1", &ss), 5001) != NULL);
	CHECK(sd_admit_check(&cfg, sa_of("10.9.128.1", &ss), 5001) == NULL);
	CHECK(sd_admit_check(&cfg, sa_of("10.9.127.1", &ss), 5000) == NULL);
	CHECK(sd_admit_check(&cfg, sa_of("192.0.2.1", &ss), 5000) != NULL);
	/* The IPv6 rule names every port. */
	CHECK(sd_admit_check(&cfg, sa_of("2001:db8:1::5", &ss), 6000) ==
	    NULL);
	CHECK(sd_admit_check(&cfg, sa_of("2001:db9::5", &ss), 6000) != NULL);
	/* An IPv4 rule is not an IPv6 one. */
	CHECK(sd_admit_check(&cfg, sa_of("::a02:304", &ss), 5000) != NULL);
	CHECK_EQ(sd_admit_parse("10.0.0.0/33", &cfg.deny, &cfg.ndeny),
	    SD_ERR_INVAL);
	CHECK_EQ(sd_admit_parse("10.0.0.1@0", &cfg.deny, &cfg.ndeny),
	    SD_ERR_INVAL);
	CHECK_EQ(sd_admit_parse("::/0@70000", &cfg.deny, &cfg.ndeny),
	    SD_ERR_INVAL);
	CHECK_EQ(sd_admit_parse_legacy("off", &cfg.legacy, &cfg.nlegacy),
	    SD_OK);
	CHECK_EQ(sd_admit_parse_legacy("on@5001-5002", &cfg.legacy,
	    &cfg.nlegacy), SD_OK);
	CHECK_EQ(sd_admit_parse_legacy("of", &cfg.legacy, &cfg.nlegacy),
	    SD_ERR_INVAL);
	CHECK_EQ(sd_admit_legacy(&cfg, 5000), 0);
	CHECK_EQ(sd_admit_legacy(&cfg, 5002), 1);
	free(cfg.allow);
	free(cfg.deny);
	free(cfg.legacy);
}

/* Random takes and releases against a model, in a table small enough
 * that probe runs wrap and deletions shift entries back. */
static void
test_table(void)
{
	enum { NADDR = 40, CAP = 3 };
	struct sd_admit *a = sd_admit_new(30);
	struct sockaddr_storage ss;
	unsigned model[NADDR] = { 0 };
	uint64_t seed = 12345;
	const char *why;
	char ip[32];
	int i, k;

	CHECK(a != NULL);
	for (i = 0; a != NULL && i < 20000; i++) {
		k = (int)(sd_test_rand(&seed) % NADDR);
		snprintf(ip, sizeof(ip), k % 2 ? "10.0.%d.1" : "2001:db8:%x::1",
		    k);
		if (sd_test_rand(&seed) % 2) {
			why = NULL;
			if (sd_admit_take(a, sa_of(ip, &ss), CAP, &why) ==
			    SD_OK)
				model[k]++;
			else
				CHECK(model[k] == CAP && why != NULL);
		} else if (model[k] > 0) {
			sd_admit_release(a, ip);
			model[k]--;
		}
	}
	/* Every address holds what the model says: CAP - n more fit. */
	for (k = 0; a != NULL && k < NADDR; k++) {
		snprintf(ip, sizeof(ip), k % 2 ? "10.0.%d.1" : "2001:db8:%x::1",
		    k);
		while (model[k] < CAP && sd_admit_take(a, sa_of(ip, &ss), CAP,
		    &why) == SD_OK)
			model[k]++;
		CHECK_EQ(model[k], CAP);
		CHECK(sd_admit_take(a, sa_of(ip, &ss), CAP, &why) != SD_OK);
	}
	sd_admit_free(a);
}

/* An IPv6 host holds a /64: its addresses are one peer for the cap
 * and for the refused-HELLO count; IPv4 addresses are each their own. */
static void
test_ipv6_prefix(void)
{
	struct sd_admit *a = sd_admit_new(100);
	struct sockaddr_storage ss;
	const char *why = NULL;
	char key[64];

	CHECK(a != NULL);
	if (a == NULL)
		return;
	CHECK_EQ(sd_admit_take(a, sa_of("2001:db8:1:2::1", &ss), 2, &why),
	    SD_OK);
	CHECK_EQ(sd_admit_take(a, sa_of("2001:db8:1:2:ffff::9", &ss), 2,
	    &why), SD_OK);
	CHECK(sd_admit_take(a, sa_of("2001:db8:1:2::77", &ss), 2, &why) !=
	    SD_OK);
	CHECK_EQ(sd_admit_take(a, sa_of("2001:db8:1:3::1", &ss), 2, &why),
	    SD_OK);
	sd_admit_release(a, "2001:db8:1:2::abcd");
	CHECK_EQ(sd_admit_take(a, sa_of("2001:db8:1:2::77", &ss), 2, &why),
	    SD_OK);
	CHECK_EQ(sd_admit_take(a, sa_of("10.0.0.1", &ss), 1, &why), SD_OK);
	CHECK_EQ(sd_admit_take(a, sa_of("10.0.0.2", &ss), 1, &why), SD_OK);
	sd_admit_free(a);

	CHECK_EQ(sd_admit_peer_key("2001:db8:1:2:3:4:5:6", key,
	    sizeof(key)), SD_OK);
	CHECK(strcmp(key, "2001:db8:1:2::/64") == 0);
	CHECK_EQ(sd_admit_peer_key("192.0.2.7", key, sizeof(key)), SD_OK);
	CHECK(strcmp(key, "192.0.2.7") == 0);
	CHECK_EQ(sd_admit_peer_key("::ffff:192.0.2.7", key, sizeof(key)),
	    SD_OK);
	CHECK(strcmp(key, "192.0.2.7") == 0);
	CHECK(sd_admit_peer_key("host", key, sizeof(key)) != SD_OK);
	CHECK(sd_admit_peer_key("2001:db8::1", key, 8) != SD_OK);
}

#define SEC	INT64_C(1000000000)

static struct sd_throttle t;

/* Counts add up inside a window and start again after it. */
static void
test_throttle_window(void)
{
	sd_throttle_init(&t, 10 * SEC);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 0), 0);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 1, 0), 1);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 4, 5 * SEC), 5);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 9 * SEC), 5);
	CHECK_EQ(sd_throttle_left(&t, "10.0.0.1", 9 * SEC), SEC);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 10 * SEC), 0);
	CHECK_EQ(sd_throttle_left(&t, "10.0.0.1", 10 * SEC), 0);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 2, 11 * SEC), 2);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", UINT64_MAX, 11 * SEC),
	    UINT64_MAX);
}

/* Keys do not share counts unless they share a slot, and then the
 * newcomer takes the slot over: memory stays constant for any number of
 * keys. */
static void
test_throttle_keys(void)
{
	char key[SD_THROTTLE_KEY];
	unsigned i, seen = 0;

	sd_throttle_init(&t, 10 * SEC);
	sd_throttle_add(&t, "a", 3, 0);
	CHECK_EQ(sd_throttle_count(&t, "b", 0), 0);
	CHECK_EQ(sd_throttle_count(&t, "a", 0), 3);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		sd_throttle_add(&t, key, 1, 0);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		seen += sd_throttle_count(&t, key, 0) > 0;
	}
	CHECK(seen <= SD_THROTTLE_SLOTS);
	CHECK(seen > SD_THROTTLE_SLOTS / 2);
	/* A key longer than a slot is cut, not overrun. */
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK_EQ(sd_throttle_add(&t, key, 1, 0), 1);
	CHECK_EQ(sd_throttle_add(&t, key, 1, 0), 2);
}

/* Equal only when every byte and the length match. */
static void
test_secret_equal(void)
{
	static const char s[] = "s3cret-tok";

	CHECK(sd_secret_equal("s3cret-tok", 10, s, 10));
	CHECK(!sd_secret_equal("s", 1, s, 10));
	CHECK(!sd_secret_equal("", 0, s, 10));
	CHECK(!sd_secret_equal("s3cret-to", 9, s, 10));
	CHECK(!sd_secret_equal("s3cret-tokx", 11, s, 10));
	CHECK(!sd_secret_equal("s3cret-toK", 10, s, 10));
	CHECK(!sd_secret_equal("t3cret-tok", 10, s, 10));
	CHECK(!sd_secret_equal("s3cret-tok\0", 11, s, 10));
}

static const struct sd_test_case cases[] = {
	{ "rules", test_rules },
	{ "table", test_table },
	{ "ipv6_prefix", test_ipv6_prefix },
	{ "throttle_window", test_throttle_window },
	{ "throttle_keys", test_throttle_keys },
	{ "secret_equal", test_secret_equal },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
