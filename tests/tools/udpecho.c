/* A UDP echo server for tests/ports.test (busybox's nc has no UDP):
 * udpecho PORT answers each datagram with itself. Built static by the
 * test, run inside a container. */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[65536];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_port = htons(argc > 1 ? atoi(argv[1]) : 7);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 1;
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &len);
		if (n >= 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, len);
	}
}
