/*
 * udpecho: the Linux side of the UDP echo in `make bench-net` (docs/bench.md).
 * Echoes every datagram on UDP port 7 (RFC 862) back to its sender until a
 * datagram reading exactly "bench: stop" arrives (not echoed) or nothing has
 * arrived for IDLE seconds, then prints how many it echoed.
 *
 *   udpecho [IDLE]      default 20
 *
 * Prints `bench: net udpecho ready` once bound: the host peer starts timing
 * only after that line (tools/bench_io.py).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define STOP "bench: stop"

int main(int argc, char **argv)
{
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(7)};
	struct timeval idle = {.tv_sec = argc > 1 ? atoi(argv[1]) : 20};
	static char buf[65536];
	unsigned long echoed = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) < 0) {
		fprintf(stderr, "udpecho: %s\n", strerror(errno));
		return 1;
	}
	printf("bench: net udpecho ready\n");
	fflush(stdout);
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* idle: the peer is gone */
		if (n == (ssize_t)strlen(STOP) && memcmp(buf, STOP, (size_t)n) == 0)
			break;
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) == n)
			echoed++;
	}
	printf("udpecho: echoed %lu datagrams\n", echoed);
	fflush(stdout);
	return 0;
}
