/*
 * test_proxyhdr.c: the PROXY protocol header parser (sd_proxyhdr)
 * against haproxy's proxy-protocol.txt: its examples, each byte count
 * of them (need more, never a wrong answer), and hostile inputs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "sd_proxyhdr.h"
#include "sd_test.h"

/* Parse s (n bytes); the result code. */
static enum sd_proxyhdr_rc
parse(const void *s, size_t n, struct sd_proxyhdr *h)
{
	return sd_proxyhdr_parse(s, n, h);
}

/* The text of a parsed address, and its port. */
static const char *
addr_of(const struct sockaddr_storage *ss, char *buf, uint16_t *port)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	const struct sockaddr_in6 *s6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*port = ntohs(s4->sin_port);
		return inet_ntop(AF_INET, &s4->sin_addr, buf, 64);
	}
	*port = ntohs(s6->sin6_port);
	return inet_ntop(AF_INET6, &s6->sin6_addr, buf, 64);
}

/* Every prefix of a whole header needs more; the whole is done. */
static void
check_prefixes(const uint8_t *b, size_t n)
{
	struct sd_proxyhdr h;
	size_t i;

	for (i = 0; i < n; i++)
		CHECK_EQ(parse(b, i, &h), SD_PROXYHDR_NEED);
	CHECK_EQ(parse(b, n, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.used, n);
}

/* The spec's v1 lines. */
static void
test_v1_examples(void)
{
	const char *l4 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	const char *l6 = "PROXY TCP6 2001:db8::1 ffff:ffff:ffff:ffff:ffff:"
	    "ffff:ffff:ffff 65535 0\r\nGET /";
	const char *wc = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	struct sd_proxyhdr h;
	char a[64];
	uint16_t port;

	check_prefixes((const uint8_t *)l4, strlen(l4));
	parse(l4, strlen(l4), &h);
	CHECK_EQ(h.local, 0);
	CHECK_EQ(h.version, 1);
	CHECK(strcmp(addr_of(&h.src, a, &port), "192.168.0.1") == 0);
	CHECK_EQ(port, 56324);
	CHECK(strcmp(addr_of(&h.dst, a, &port), "192.168.0.11") == 0);
	CHECK_EQ(port, 443);
	/* Bytes after the CRLF are not the header's. */
	CHECK_EQ(parse(l6, strlen(l6), &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.used, strlen(l6) - 5);
	CHECK(strcmp(addr_of(&h.src, a, &port), "2001:db8::1") == 0);
	CHECK_EQ(port, 65535);
	CHECK_EQ(parse("PROXY UNKNOWN\r\n", 15, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
	CHECK_EQ(h.used, 15);
	/* The worst case is 107 bytes, and it is taken. */
	CHECK_EQ(strlen(wc), 107);
	check_prefixes((const uint8_t *)wc, strlen(wc));
	CHECK_EQ(parse(wc, strlen(wc), &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
}

/* What the spec says must not be: each refused, with a reason. */
static void
test_v1_hostile(void)
{
	static const char *bad[] = {
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",	/* LF alone */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",	/* CR alone */
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",	/* leading zero */
		"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n",
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",	/* two spaces */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
		"PROXY TCP4 ::1 ::1 1 2\r\n",		/* wrong family */
		"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n",
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
		"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY \r\n",
		"PROXY\r\n",
		"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"GET / HTTP/1.0\r\n",
		"\x01\x02",
	};
	char longline[200];
	struct sd_proxyhdr h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CHECK_EQ(parse(bad[i], strlen(bad[i]), &h),
		    SD_PROXYHDR_INVALID);
		CHECK(h.why != NULL);
	}
	/* No CRLF within 107 bytes. */
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "PROXY UNKNOWN ", 14);
	CHECK_EQ(parse(longline, 106, &h), SD_PROXYHDR_NEED);
	CHECK_EQ(parse(longline, 107, &h), SD_PROXYHDR_INVALID);
	CHECK_EQ(parse(longline, sizeof(longline), &h), SD_PROXYHDR_INVALID);
	/* A CRLF at bytes 107-108 is one too far. */
	longline[106] = '\r';
	longline[107] = '\n';
	CHECK_EQ(parse(longline, 108, &h), SD_PROXYHDR_INVALID);
	/* Not a header, known at its first byte; none yet is need. */
	CHECK_EQ(parse("X", 1, &h), SD_PROXYHDR_INVALID);
	CHECK_EQ(h.version, 0);
	CHECK_EQ(parse("", 0, &h), SD_PROXYHDR_NEED);
}

#define SIG "0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a"

/* v2: TCP over IPv4 and IPv6, LOCAL, TLVs, and fall-backs. */
static void
test_v2_examples(void)
{
	uint8_t b[1024];
	struct sd_proxyhdr h;
	char a[64];
	uint16_t port;
	long n;

	/* PROXY TCP4 10.1.2.3:4000 -> 10.9.9.9:5000, then a byte. */
	n = sd_test_unhex(SIG " 21 11 00 0c 0a 01 02 03 0a 09 09 09 0f a0 "
	    "13 88 ff", b, sizeof(b));
	check_prefixes(b, (size_t)n - 1);
	CHECK_EQ(parse(b, (size_t)n, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.used, 28);
	CHECK_EQ(h.version, 2);
	CHECK_EQ(h.local, 0);
	CHECK(strcmp(addr_of(&h.src, a, &port), "10.1.2.3") == 0);
	CHECK_EQ(port, 4000);
	CHECK(strcmp(addr_of(&h.dst, a, &port), "10.9.9.9") == 0);
	CHECK_EQ(port, 5000);
	/* TCP6 with a TLV (PP2_TYPE_ALPN "h2") and a NOOP of 0 bytes. */
	n = sd_test_unhex(SIG " 21 21 00 2c 20 01 0d b8 00 00 00 00 00 00 00 "
	    "00 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "
	    "d4 31 00 50 01 00 02 68 32 04 00 00", b, sizeof(b));
	check_prefixes(b, (size_t)n);
	parse(b, (size_t)n, &h);
	CHECK(strcmp(addr_of(&h.src, a, &port), "2001:db8::7") == 0);
	CHECK_EQ(port, 54321);
	/* LOCAL (haproxy's health checks): family ignored, length
	 * skipped. */
	n = sd_test_unhex(SIG " 20 00 00 00", b, sizeof(b));
	check_prefixes(b, (size_t)n);
	parse(b, (size_t)n, &h);
	CHECK_EQ(h.local, 1);
	n = sd_test_unhex(SIG " 20 ff 00 03 01 02 03", b, sizeof(b));
	CHECK_EQ(parse(b, (size_t)n, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
	CHECK_EQ(h.used, 19);
	/* UNSPEC, UDP and UNIX fall back to the connection's own. */
	n = sd_test_unhex(SIG " 21 00 00 00", b, sizeof(b));
	CHECK_EQ(parse(b, (size_t)n, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
	n = sd_test_unhex(SIG " 21 12 00 0c 0a 01 02 03 0a 09 09 09 0f a0 "
	    "13 88", b, sizeof(b));
	CHECK_EQ(parse(b, (size_t)n, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
	memset(b + 16, 0, 216);
	b[13] = 0x31;
	b[14] = 0;
	b[15] = 216;
	CHECK_EQ(parse(b, 16 + 216, &h), SD_PROXYHDR_DONE);
	CHECK_EQ(h.local, 1);
}

/* v2's hostile inputs. */
static void
test_v2_hostile(void)
{
	static const char *bad[] = {
		"0d 0a 0d 0a 00 0d 0a 51 55 49 54 0b",	/* signature */
		"0d 0a 0d 0a 01",
		SIG " 11 11 00 0c",			/* version 1 */
		SIG " 31 11 00 0c",			/* version 3 */
		SIG " 22 11 00 0c",			/* command 2 */
		SIG " 21 11 00 0b 01 02 03 04 05 06 07 08 09 0a 0b",
		SIG " 21 21 00 0c 01 02 03 04 05 06 07 08 09 0a 0b 0c",
		SIG " 21 41 00 00",			/* family 4 */
		SIG " 21 13 00 00",			/* transport 3 */
		/* A TLV longer than what is left. */
		SIG " 21 11 00 10 01 02 03 04 05 06 07 08 09 0a 0b 0c "
		"04 00 02 00",
		/* Two bytes that are no whole TLV. */
		SIG " 21 11 00 0e 01 02 03 04 05 06 07 08 09 0a 0b 0c "
		"04 00",
		SIG " 21 11 ff ff",			/* too long */
	};
	uint8_t b[64];
	struct sd_proxyhdr h;
	size_t i;
	long n;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		n = sd_test_unhex(bad[i], b, sizeof(b));
		CHECK(n > 0);
		CHECK_EQ(parse(b, (size_t)n, &h), SD_PROXYHDR_INVALID);
		CHECK(h.why != NULL);
	}
	/* The longest taken, and one byte more refused. */
	n = sd_test_unhex(SIG " 20 00", b, sizeof(b));
	b[14] = (SD_PROXYHDR_MAX - 16) >> 8;
	b[15] = (SD_PROXYHDR_MAX - 16) & 0xff;
	CHECK_EQ(parse(b, 16, &h), SD_PROXYHDR_NEED);
	b[15]++;
	CHECK_EQ(parse(b, 16, &h), SD_PROXYHDR_INVALID);
	/* The first 12 bytes, any prefix, need more. */
	for (i = 1; i < 16; i++)
		CHECK_EQ(parse(b, i, &h), SD_PROXYHDR_NEED);
}

static const struct sd_test_case cases[] = {
	{ "v1_examples", test_v1_examples },
	{ "v1_hostile", test_v1_hostile },
	{ "v2_examples", test_v2_examples },
	{ "v2_hostile", test_v2_hostile },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
