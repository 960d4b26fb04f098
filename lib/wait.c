/* Foreground waiting: signals, terminal relay, exit status (wait.h). */
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fwd.h"
#include "util.h"

static const int fg_sigs[FG_NSIGS] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				       SIGUSR1, SIGUSR2, SIGWINCH };
/* The signal handler's state, written by md's one thread only (and read
 * by the handler, which runs on that thread): the pid it forwards to
 * (0: the command does not run yet), a pidfd of it (signalled through
 * it, a pid that was reaped and reused can never be hit; -1: none could
 * be opened, the pid is used) and the pty to resize. The first stop
 * signal that came before the command ran is util's stop_request. */
static volatile pid_t fwd_pid;
static volatile int fwd_pidfd = -1;
static volatile int fwd_master = -1;
/* Published ports of a foreground container (fg_forwarder). */
static struct fwd *fg_fwd;

static int is_stop(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

static void on_signal(int sig)
{
	int e = errno;

	if (sig == SIGWINCH) {
		struct winsize ws;
		if (fwd_master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(fwd_master, TIOCSWINSZ, &ws);
	} else if (fwd_pid > 0) {
		if (fwd_pidfd < 0)
			kill(fwd_pid, sig);
		else
			syscall(SYS_pidfd_send_signal, fwd_pidfd, sig, NULL, 0);
	} else if (is_stop(sig)) {
		stop_request(sig);
	}
	errno = e;
}

void fg_signals_catch(struct fg_signals *s)
{
	/* No SA_RESTART: a stop signal interrupts what md waits for. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t held;

	fwd_pid = 0;
	fwd_master = -1;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < FG_NSIGS; i++)
		sigaddset(&sa.sa_mask, fg_sigs[i]);
	/* Stop signals are taken at once (stop_request); the others wait
	 * for the command. */
	sigemptyset(&held);
	for (int i = 0; i < FG_NSIGS; i++)
		if (!is_stop(fg_sigs[i]))
			sigaddset(&held, fg_sigs[i]);
	sigprocmask(SIG_BLOCK, &held, &s->oldmask);
	for (int i = 0; i < FG_NSIGS; i++)
		sigaction(fg_sigs[i], &sa, &s->old[i]);
}

void fg_signals_restore(const struct fg_signals *s)
{
	sigset_t block;

	sigemptyset(&block);
	for (int i = 0; i < FG_NSIGS; i++)
		sigaddset(&block, fg_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, NULL);
	fwd_pid = 0;
	fwd_master = -1;
	/* USR1, USR2 and WINCH held for a command that never ran (the start
	 * failed or was handed to a monitor) are dropped: restored to the
	 * caller's action (terminate, for USR1), they would end md. */
	{
		const struct timespec now = { 0, 0 };
		sigset_t held;
		sigemptyset(&held);
		for (int i = 0; i < FG_NSIGS; i++)
			if (!is_stop(fg_sigs[i]))
				sigaddset(&held, fg_sigs[i]);
		while (sigtimedwait(&held, NULL, &now) > 0)
			;
	}
	for (int i = 0; i < FG_NSIGS; i++)
		sigaction(fg_sigs[i], &s->old[i], NULL);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

void fg_signals_child(const struct fg_signals *s)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int i = 0; i < FG_NSIGS; i++)
		sigaction(fg_sigs[i], &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

int fg_wait_readable(int fd, const struct fg_signals *s)
{
	/* Stop signals are held from the check to ppoll, which takes them:
	 * none is lost in between. The others stay pending for the
	 * command. */
	sigset_t stop, before, during;
	struct pollfd p = { fd, POLLIN, 0 };
	int rc = 0;

	sigemptyset(&stop);
	for (int i = 0; i < FG_NSIGS; i++)
		if (is_stop(fg_sigs[i]))
			sigaddset(&stop, fg_sigs[i]);
	sigprocmask(SIG_BLOCK, &stop, &before);
	during = before;
	for (int i = 0; i < FG_NSIGS; i++)
		if (is_stop(fg_sigs[i]))
			sigdelset(&during, fg_sigs[i]);
	while (!stop_requested()) {
		int n = ppoll(&p, 1, NULL, &during);
		if (n > 0) {
			rc = 1;
			break;
		}
		if (n < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &before, NULL);
	return rc;
}

int fg_stop_signal(void)
{
	return stop_requested();
}

void fg_forward_to(pid_t pid, int tty_master, const struct fg_signals *s)
{
	fwd_master = tty_master;
	fwd_pidfd = syscall(SYS_pidfd_open, pid, 0);
	fwd_pid = pid;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout must not orphan it */
	if (stop_requested())
		kill(pid, stop_requested());
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

void fg_forward_end(void)
{
	int fd = fwd_pidfd;

	fwd_pid = 0;
	fwd_pidfd = -1;
	fwd_master = -1;
	if (fd >= 0)
		close(fd);
}

/* What the command wrote to the pty before it ended and md has not read
 * yet (more than one read's worth, at a fast end): out, up to what is
 * there now. */
static void drain_pty(int master)
{
	char buf[8192];

	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		ssize_t k;
		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return;
		if ((k = read(master, buf, sizeof(buf))) <= 0 ||
		    write_all(1, buf, k) < 0)
			return;
	}
}

/* Copies between our stdin/stdout and the pty until the child exits.
 * Input goes to the pty without blocking (the master is O_NONBLOCK): a
 * command that reads none of it must not stop md relaying its output,
 * which would leave both waiting on each other. Until a read of input
 * has gone in whole, no more is read (our stdin waits, as a pipe
 * would). Output is written as it comes: a slow reader of md's stdout
 * slows the command, as it would outside. */
static int relay_tty(int *masterp, pid_t pid, int interactive)
{
	char buf[8192], in[8192];
	size_t in_off = 0, in_len = 0;
	int status, in_open = interactive, eof_due = 0, master = *masterp;

	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int want_out = in_len || eof_due, want_in = in_open && !want_out;
		struct pollfd p[3] = { { master, POLLIN | (want_out ? POLLOUT : 0), 0 },
				       { want_in ? 0 : -1, POLLIN, 0 },
				       { fg_fwd ? fwd_fd(fg_fwd) : -1, POLLIN, 0 } };
		int n = poll(p, 3, 100);
		if (n > 0 && p[2].revents)
			fwd_handle(fg_fwd);
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = read(master, buf, sizeof(buf));
			/* Nobody reads our output any more: hang up the
			 * terminal, as closing a terminal window does (its
			 * processes get SIGHUP), and wait for the end. */
			if (k > 0 && write_all(1, buf, k) < 0) {
				fwd_master = -1;
				close(master);
				*masterp = -1;
				break;
			}
			if (k < 0 && errno != EINTR && errno != EAGAIN)
				break;	/* EIO: the container closed the pty */
		}
		if (n > 0 && (p[0].revents & POLLOUT)) {
			if (in_len) {
				ssize_t k = write(master, in + in_off, in_len);
				if (k > 0) {
					in_off += k;
					in_len -= k;
				} else if (k < 0 && errno != EINTR && errno != EAGAIN) {
					in_len = eof_due = 0;	/* (gone) */
				}
			} else if (eof_due) {
				/* End of input is the terminal's EOF key,
				 * after what came before it. */
				struct termios t;
				char eof = tcgetattr(master, &t) == 0 ? t.c_cc[VEOF] : 4;
				if (write(master, &eof, 1) == 1 ||
				    (errno != EINTR && errno != EAGAIN))
					eof_due = 0;
			}
		}
		if (n > 0 && want_in && (p[1].revents & (POLLIN | POLLHUP |
							  POLLERR | POLLNVAL))) {
			ssize_t k = (p[1].revents & POLLNVAL) ? (errno = EBADF, -1) :
				read(0, in, sizeof(in));
			if (k > 0) {
				in_off = 0;
				in_len = k;
			} else if (k == 0 || errno != EINTR) {
				in_open = 0;
				eof_due = 1;
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			drain_pty(master);
			return status;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

void fg_forwarder(struct fwd *f)
{
	fg_fwd = f;
}

int fg_wait(pid_t pid, int *master, int interactive)
{
	int st;

	if (*master >= 0)
		return relay_tty(master, pid, interactive);
	/* (With ports, the forwarder's turns between looks at pid.) */
	while (fg_fwd) {
		struct pollfd p = { fwd_fd(fg_fwd), POLLIN, 0 };
		if (poll(&p, 1, 100) > 0)
			fwd_handle(fg_fwd);
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

int fg_wait_command(pid_t pid, int master, int interactive,
		    const struct fg_signals *s)
{
	struct termios saved;
	int raw = 0, st;

	if (master >= 0) {
		struct winsize ws;
		if (ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
		if (isatty(0) && tcgetattr(0, &saved) == 0) {
			struct termios t = saved;
			cfmakeraw(&t);
			raw = tcsetattr(0, TCSANOW, &t) == 0;
		}
	}
	fg_forward_to(pid, master, s);
	st = fg_wait(pid, &master, interactive);
	fg_forward_end();
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	if (master >= 0)
		close(master);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
