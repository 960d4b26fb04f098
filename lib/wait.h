/* md's side while a foreground container starts and runs: the signals
 * md catches (stop signals end a start that is under way; once the
 * command runs, every forwarded signal goes to it), the terminal relay,
 * and the wait for its end. The monitor of a detached container will
 * take this part's place. */
#ifndef MD_WAIT_H
#define MD_WAIT_H

#include <signal.h>
#include <sys/types.h>

/* Signals md forwards to the container (SIGWINCH resizes its pty). */
#define FG_NSIGS 7

struct fg_signals {
	sigset_t oldmask;			/* the caller's mask */
	struct sigaction old[FG_NSIGS];		/* the caller's actions */
};

/* Catches the forwarded signals and blocks them; they are taken only
 * while md waits (fg_wait_readable) or once fg_forward_to runs. */
void fg_signals_catch(struct fg_signals *s);
/* The caller's actions and mask again. */
void fg_signals_restore(const struct fg_signals *s);
/* In a child: default actions and the caller's mask (before it runs
 * anything of the container's). */
void fg_signals_child(const struct fg_signals *s);
/* Waits until fd is readable, taking INT, TERM, HUP and QUIT meanwhile:
 * 1 readable, 0 a stop signal came (fg_stop_signal()), -1 on error. */
int fg_wait_readable(int fd, const struct fg_signals *s);
/* The first stop signal taken before the command ran, or 0. */
int fg_stop_signal(void);
/* From now on signals go to pid (also those that came meanwhile); the
 * caller's mask is restored. */
void fg_forward_to(pid_t pid, int tty_master, const struct fg_signals *s);
/* Relays stdin/stdout and the pty (master >= 0; stdin only if
 * interactive) until pid ends, or just waits; returns its wait status.
 * *master is closed and set to -1 if our stdout went away. */
int fg_wait(pid_t pid, int *master, int interactive);
/* Published ports: fg_wait gives f (fwd.h) its turns while it waits
 * (NULL: none). */
struct fwd;
void fg_forwarder(struct fwd *f);
/* Forwarding ends (pid is reaped). */
void fg_forward_end(void);
/* The command (pid) runs: fg_forward_to, fg_wait, fg_forward_end, with
 * the pty (master, or -1; closed on return) sized as md's terminal and
 * that terminal raw meanwhile. Its Docker exit code: its status, or
 * 128+N if signal N ended it. */
int fg_wait_command(pid_t pid, int master, int interactive,
		    const struct fg_signals *s);

#endif
