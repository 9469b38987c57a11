/*
 * sd_proxyhdr.c: the PROXY protocol header (see sd_proxyhdr.h), read
 * exactly as haproxy's proxy-protocol.txt says: anything that does not
 * match is refused, with the reason.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "sd_proxyhdr.h"

static const uint8_t proxyhdr_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define V1_PREFIX	"PROXY "

/* Fail with why. */
static enum sd_proxyhdr_rc
proxyhdr_bad(struct sd_proxyhdr *h, const char *why)
{
	h->why = why;
	return SD_PROXYHDR_INVALID;
}

/* A v1 port: 1 to 5 digits, no leading zero, at most 65535. */
static int
proxyhdr_v1_port(const char *s, size_t n, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* A v1 address of family af (n bytes at s) with port into ss. The
 * spec's canonical forms: dotted quads without leading zeros (as
 * inet_pton takes them), IPv6 in hex groups (no dotted tail). */
static int
proxyhdr_v1_addr(int af, const char *s, size_t n, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char text[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return inet_pton(AF_INET, text, &s4->sin_addr) == 1 ? 0 : -1;
	}
	if (memchr(text, '.', n) != NULL)
		return -1;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	return inet_pton(AF_INET6, text, &s6->sin6_addr) == 1 ? 0 : -1;
}

/* Split line (n bytes, no CRLF) at single spaces into at most max
 * fields; the count, or -1 for an empty field (two spaces). */
static int
proxyhdr_fields(const char *line, size_t n, const char **f, size_t *fl,
    int max)
{
	size_t i, start = 0;
	int k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && line[i] != ' ')
			continue;
		if (i == start || k == max)
			return -1;
		f[k] = line + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	return k;
}

/* The v1 line: "PROXY TCP4|TCP6 SRC DST SPORT DPORT" or "PROXY
 * UNKNOWN[ anything]" (n bytes before the CRLF). */
static enum sd_proxyhdr_rc
proxyhdr_v1_line(const char *line, size_t n, struct sd_proxyhdr *h)
{
	const char *f[6];
	size_t fl[6];
	uint16_t sport, dport;
	int k, af;

	if (n >= 13 && memcmp(line, "PROXY UNKNOWN", 13) == 0 &&
	    (n == 13 || line[13] == ' ')) {
		h->local = 1;
		return SD_PROXYHDR_DONE;
	}
	k = proxyhdr_fields(line, n, f, fl, 6);
	if (k != 6)
		return proxyhdr_bad(h, "v1: not 6 fields");
	if (fl[1] == 4 && memcmp(f[1], "TCP4", 4) == 0)
		af = AF_INET;
	else if (fl[1] == 4 && memcmp(f[1], "TCP6", 4) == 0)
		af = AF_INET6;
	else
		return proxyhdr_bad(h, "v1: protocol not TCP4, TCP6 or "
		    "UNKNOWN");
	if (proxyhdr_v1_port(f[4], fl[4], &sport) != 0 ||
	    proxyhdr_v1_port(f[5], fl[5], &dport) != 0)
		return proxyhdr_bad(h, "v1: bad port");
	if (proxyhdr_v1_addr(af, f[2], fl[2], sport, &h->src) != 0 ||
	    proxyhdr_v1_addr(af, f[3], fl[3], dport, &h->dst) != 0)
		return proxyhdr_bad(h, "v1: bad address");
	return SD_PROXYHDR_DONE;
}

/* Version 1: "PROXY ...\r\n" within SD_PROXYHDR_V1_MAX bytes. */
static enum sd_proxyhdr_rc
proxyhdr_v1(const uint8_t *buf, size_t len, struct sd_proxyhdr *h)
{
	size_t i, max = len < SD_PROXYHDR_V1_MAX ? len : SD_PROXYHDR_V1_MAX;

	h->version = 1;
	for (i = 0; i < max; i++) {
		if (buf[i] == '\n')
			return proxyhdr_bad(h, "v1: LF without CR");
		if (buf[i] != '\r')
			continue;
		if (i + 2 > SD_PROXYHDR_V1_MAX)
			break;
		if (i + 1 == len)
			return SD_PROXYHDR_NEED;
		if (buf[i + 1] != '\n')
			return proxyhdr_bad(h, "v1: CR without LF");
		h->used = i + 2;
		return proxyhdr_v1_line((const char *)buf, i, h);
	}
	if (i < max || len >= SD_PROXYHDR_V1_MAX)
		return proxyhdr_bad(h, "v1: no CRLF in 107 bytes");
	return SD_PROXYHDR_NEED;
}

/* The TLVs of a v2 header (n bytes at p): each whole, none past the
 * end. Skipped: nothing of theirs is used. */
static int
proxyhdr_v2_tlvs(const uint8_t *p, size_t n)
{
	size_t off = 0, l;

	while (off < n) {
		if (n - off < 3)
			return -1;
		l = (size_t)p[off + 1] << 8 | p[off + 2];
		if (l > n - off - 3)
			return -1;
		off += 3 + l;
	}
	return 0;
}

/* A v2 header's addresses (the block of alen bytes at p, family and
 * transport in fam) into h; UNSPEC, UNIX and datagrams fall back to the
 * connection's own addresses, as the spec allows. */
static enum sd_proxyhdr_rc
proxyhdr_v2_addrs(uint8_t fam, const uint8_t *p, size_t alen,
    struct sd_proxyhdr *h)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->src;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&h->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&h->dst;
	size_t need = 0;

	if ((fam >> 4) > 3 || (fam & 0x0f) > 2)
		return proxyhdr_bad(h, "v2: unknown family or protocol");
	if (fam == 0x11 || fam == 0x12)
		need = 12;
	else if (fam == 0x21 || fam == 0x22)
		need = 36;
	else if (fam == 0x31 || fam == 0x32)
		need = 216;
	if (alen < need)
		return proxyhdr_bad(h, "v2: length short for its family");
	if (proxyhdr_v2_tlvs(p + need, alen - need) != 0)
		return proxyhdr_bad(h, "v2: bad TLV");
	memset(&h->src, 0, sizeof(h->src));
	memset(&h->dst, 0, sizeof(h->dst));
	if (fam == 0x11) {
		s4->sin_family = d4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, p, 4);
		memcpy(&d4->sin_addr, p + 4, 4);
		memcpy(&s4->sin_port, p + 8, 2);
		memcpy(&d4->sin_port, p + 10, 2);
	} else if (fam == 0x21) {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, p, 16);
		memcpy(&d6->sin6_addr, p + 16, 16);
		memcpy(&s6->sin6_port, p + 32, 2);
		memcpy(&d6->sin6_port, p + 34, 2);
	} else
		h->local = 1;
	return SD_PROXYHDR_DONE;
}

/* Version 2: the signature, version 2, LOCAL or PROXY, the length. */
static enum sd_proxyhdr_rc
proxyhdr_v2(const uint8_t *buf, size_t len, struct sd_proxyhdr *h)
{
	size_t alen;

	h->version = 2;
	if (len < 16)
		return SD_PROXYHDR_NEED;
	if ((buf[12] >> 4) != 2)
		return proxyhdr_bad(h, "v2: version not 2");
	if ((buf[12] & 0x0f) > 1)
		return proxyhdr_bad(h, "v2: command not LOCAL or PROXY");
	alen = (size_t)buf[14] << 8 | buf[15];
	if (alen > SD_PROXYHDR_MAX - 16)
		return proxyhdr_bad(h, "v2: header too long");
	if (len < 16 + alen)
		return SD_PROXYHDR_NEED;
	h->used = 16 + alen;
	if ((buf[12] & 0x0f) == 0) {
		/* LOCAL: the block, whatever it says, is skipped. */
		h->local = 1;
		return SD_PROXYHDR_DONE;
	}
	return proxyhdr_v2_addrs(buf[13], buf + 16, alen, h);
}

enum sd_proxyhdr_rc
sd_proxyhdr_parse(const uint8_t *buf, size_t len, struct sd_proxyhdr *h)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	if (len == 0)
		return SD_PROXYHDR_NEED;
	if (buf[0] == proxyhdr_sig[0]) {
		n = len < sizeof(proxyhdr_sig) ? len : sizeof(proxyhdr_sig);
		if (memcmp(buf, proxyhdr_sig, n) != 0)
			return proxyhdr_bad(h, "no PROXY header");
		return proxyhdr_v2(buf, len, h);
	}
	n = len < strlen(V1_PREFIX) ? len : strlen(V1_PREFIX);
	if (memcmp(buf, V1_PREFIX, n) != 0)
		return proxyhdr_bad(h, "no PROXY header");
	return proxyhdr_v1(buf, len, h);
}
