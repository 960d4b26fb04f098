/* The floor for "md-run --rm busybox /bin/true": the least a container
 * start needs, and nothing else. New mount, PID, UTS, IPC, network and
 * cgroup namespaces; / made private; an overlay of LOWERDIR with a fresh
 * upper and work dir; pivot_root into it; /proc; exec /bin/true; wait;
 * remove the temp dirs. No cgroups, capabilities, seccomp, /dev, /sys,
 * state files or image lookup. Prints nothing; exits with the child's
 * status (125 if the setup failed).
 *
 * usage: floor LOWERDIR TMPDIR   (the temp dirs are made under TMPDIR) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char upper[4096], work[4096], merged[4096], opts[3 * 4096 + 64];
static const char *lower;
static char stack[64 << 10] __attribute__((aligned(16)));

static int child(void *arg)
{
	(void)arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("overlay", merged, "overlay", 0, opts) ||
	    chdir(merged) ||
	    syscall(SYS_pivot_root, ".", ".") ||
	    umount2(".", MNT_DETACH) ||
	    chdir("/") ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		_exit(125);
	execl("/bin/true", "true", (char *)NULL);
	_exit(127);
}

int main(int argc, char **argv)
{
	char base[2048], ww[4096 + 8];
	int status;
	pid_t pid;

	if (argc != 3 || strlen(argv[1]) > 4000 || strlen(argv[2]) > 2000)
		return 2;
	lower = argv[1];
	snprintf(base, sizeof(base), "%s/floor.XXXXXX", argv[2]);
	if (!mkdtemp(base))
		return 125;
	snprintf(upper, sizeof(upper), "%s/upper", base);
	snprintf(work, sizeof(work), "%s/work", base);
	snprintf(merged, sizeof(merged), "%s/merged", base);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 lower, upper, work);
	status = 125 << 8;
	if (mkdir(upper, 0755) == 0 && mkdir(work, 0700) == 0 &&
	    mkdir(merged, 0755) == 0) {
		pid = clone(child, stack + sizeof(stack),
			    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
			    CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | SIGCHLD,
			    NULL);
		if (pid > 0)
			while (waitpid(pid, &status, 0) < 0)
				;
	}
	/* The overlay went with the child's mount namespace. Overlay's
	 * work dir holds an empty work/work; /bin/true wrote nothing up. */
	snprintf(ww, sizeof(ww), "%s/work", work);
	rmdir(ww);
	rmdir(work);
	rmdir(upper);
	rmdir(merged);
	rmdir(base);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
