/* rm_rf_at and rm_contents_at: trees of any depth in bounded memory and
 * file descriptors, mode 000 directories, symlinks never followed. Runs
 * on a scratch directory under /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	printf("FAIL %s:%d: %s (errno %s)\n", __FILE__, __LINE__, #c, \
	       strerror(errno)); } } while (0)

/* A chain of n directories below dirfd/name, each with a file and a
 * fifo, every 1000th level also holding 50 empty directories. */
static int make_deep(int dirfd, const char *name, int n)
{
	int fd, next;

	if (mkdirat(dirfd, name, 0755) < 0 ||
	    (fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int f = openat(fd, "f", O_WRONLY | O_CREAT, 0644);
		if (f < 0 || write(f, "x", 1) != 1 || mkfifoat(fd, "p", 0600) < 0)
			return -1;
		close(f);
		if (i % 1000 == 0)
			for (int k = 0; k < 50; k++) {
				char w[16];
				snprintf(w, sizeof(w), "w%d", k);
				if (mkdirat(fd, w, 0755) < 0)
					return -1;
			}
		if (mkdirat(fd, "d", i % 997 == 5 ? 0 : 0755) < 0 ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) < 0)
			return -1;
		close(fd);
		fd = next;
	}
	close(fd);
	return 0;
}

static int top_fd;

static int remove_deep(void *arg)
{
	(void)arg;
	_exit(rm_rf_at(top_fd, "deep") != 0);
}

/* rm_rf_at on a 64 KiB stack with a guard page below it, as the --rm
 * remover's: a removal that recurses per level dies of SIGSEGV. */
static int rm_on_small_stack(int t)
{
	size_t page = sysconf(_SC_PAGESIZE), len = (64 << 10) + page;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t pid;

	if (m == MAP_FAILED || mprotect(m, page, PROT_NONE) < 0)
		return -1;
	top_fd = t;
	pid = clone(remove_deep, m + len, SIGCHLD, NULL);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	munmap(m, len);
	if (WIFSIGNALED(st))
		printf("rm_rf_at on a 64 KiB stack: signal %d\n", WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(void)
{
	char top[] = "/tmp/md-rmtree.XXXXXX";
	struct rlimit rl = { 64, 64 };
	struct rusage ru0, ru1;
	struct stat st;
	int t;

	if (!mkdtemp(top) || (t = open(top, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("scratch");
		return 1;
	}
	/* A target outside, reached by a symlink and a hard link inside. */
	CHECK(mkdirat(t, "outside", 0755) == 0);
	CHECK(close(openat(t, "outside/keep", O_WRONLY | O_CREAT, 0644)) == 0);
	CHECK(make_deep(t, "deep", 10000) == 0);
	CHECK(symlinkat("../../outside", t, "deep/d/link") == 0);
	CHECK(linkat(t, "outside/keep", t, "deep/d/d/hard", 0) == 0);
	/* Few fds: the removal may not keep one per level. */
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	getrusage(RUSAGE_SELF, &ru0);
	CHECK(rm_rf_at(t, "deep") == 0);
	getrusage(RUSAGE_SELF, &ru1);
	/* again, 2000 levels, on a small stack */
	CHECK(make_deep(t, "deep", 2000) == 0);
	CHECK(rm_on_small_stack(t) == 0);
	CHECK(fstatat(t, "deep", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	CHECK(fstatat(t, "outside/keep", &st, 0) == 0 && st.st_nlink == 1);
	/* bounded memory: not a frame or buffer per level */
	CHECK(ru1.ru_maxrss - ru0.ru_maxrss < 1024);
	/* a missing name is not an error */
	CHECK(rm_rf_at(t, "deep") == 0);
	/* rm_contents_at keeps the directory itself */
	CHECK(make_deep(t, "keep", 40) == 0);
	CHECK(rm_contents_at(t, "keep") == 0);
	CHECK(fstatat(t, "keep", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	      st.st_nlink == 2);
	/* a plain file, and a symlink to a directory (the link goes, not
	 * what it points to) */
	CHECK(symlinkat("outside", t, "sl") == 0);
	CHECK(rm_rf_at(t, "sl") == 0);
	CHECK(fstatat(t, "outside/keep", &st, 0) == 0);
	CHECK(rm_rf_at(t, "keep") == 0 && rm_rf_at(t, "outside") == 0);
	close(t);
	CHECK(rmdir(top) == 0);
	printf("%s: %d failed\n", __FILE__, fails);
	return fails != 0;
}
