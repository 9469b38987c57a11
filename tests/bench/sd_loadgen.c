/*
 * sd_loadgen.c: a load generator for the benchmarks. N connections send
 * legacy sensor frames (17 bytes each, one device per connection) as fast
 * as the server reads them, from one thread with poll(2).
 *
 * Usage: sd_loadgen HOST PORT CONNS READINGS_PER_CONN
 * Prints "sent N readings in S s: R readings/s" when every byte is out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sd_proto.h"
#include "sd_proto_enc.h"

#define CHUNK	4096	/* readings per pre-built buffer */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
arg(const char *s, long min)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || v < min) {
		fprintf(stderr, "sd_loadgen: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sd_legacy_sensor ls = { { 0x02, 0, 0, 0, 0, 0 }, 0 };
	struct pollfd *pfd;
	uint8_t **bufs;
	size_t *sent, total, n, i, k, open_conns;
	long conns, per;
	double t0, t;
	ssize_t w;
	int one = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: sd_loadgen HOST PORT CONNS READINGS\n");
		return 2;
	}
	conns = arg(argv[3], 1);
	per = arg(argv[4], 1);
	sa.sin_port = htons((uint16_t)arg(argv[2], 1));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "sd_loadgen: %s: not an IPv4 address\n",
		    argv[1]);
		return 2;
	}
	pfd = calloc((size_t)conns, sizeof(*pfd));
	bufs = calloc((size_t)conns, sizeof(*bufs));
	sent = calloc((size_t)conns, sizeof(*sent));
	if (pfd == NULL || bufs == NULL || sent == NULL)
		return 1;
	total = (size_t)per * 17;
	for (i = 0; i < (size_t)conns; i++) {
		bufs[i] = malloc(CHUNK * 17);
		if (bufs[i] == NULL)
			return 1;
		ls.dev[4] = (uint8_t)(i >> 8);
		ls.dev[5] = (uint8_t)i;
		for (k = 0; k < CHUNK; k++) {
			/* Values like a thermometer's: 20.00 to 29.99. */
			ls.value = (float)(20.0 + (double)(k % 1000) / 100.0);
			sd_proto_enc_legacy_sensor(bufs[i] + k * 17, 17, &ls,
			    &n);
		}
		pfd[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (pfd[i].fd < 0 || connect(pfd[i].fd, (struct sockaddr *)&sa,
		    sizeof(sa)) != 0) {
			perror("sd_loadgen: connect");
			return 1;
		}
		setsockopt(pfd[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		pfd[i].events = POLLOUT;
	}
	t0 = now();
	open_conns = (size_t)conns;
	while (open_conns > 0) {
		if (poll(pfd, (nfds_t)conns, -1) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < (size_t)conns; i++) {
			if (!(pfd[i].revents & POLLOUT))
				continue;
			k = sent[i] % (CHUNK * 17);
			n = CHUNK * 17 - k;
			if (n > total - sent[i])
				n = total - sent[i];
			w = send(pfd[i].fd, bufs[i] + k, n, MSG_DONTWAIT);
			if (w > 0)
				sent[i] += (size_t)w;
			if (sent[i] == total) {
				pfd[i].events = 0;
				pfd[i].fd = -pfd[i].fd - 1;
				open_conns--;
			}
		}
	}
	t = now() - t0;
	printf("sent %ld readings in %.3f s: %.0f readings/s\n",
	    conns * per, t, (double)(conns * per) / t);
	for (i = 0; i < (size_t)conns; i++)
		close(-pfd[i].fd - 1);
	return 0;
}
