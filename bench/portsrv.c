/* make bench's server for the published-ports section, run inside a
 * container: portsrv PORT takes one connection at a time; its first
 * byte asks: 's' for a stream of 1 GiB (1 MiB writes), anything else
 * for that byte back (a connection's set-up and one round trip). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 20];

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_port = htons(argc > 1 ? atoi(argv[1]) : 9000);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0)
		return 1;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		char q;
		if (c < 0)
			continue;
		if (read(c, &q, 1) == 1) {
			if (q == 's')
				for (int i = 0; i < 1024; i++) {
					size_t off = 0;
					while (off < sizeof(buf)) {
						ssize_t n = write(c, buf + off, sizeof(buf) - off);
						if (n <= 0)
							goto done;
						off += n;
					}
				}
			else
				write(c, &q, 1);
		}
done:
		close(c);
	}
}
