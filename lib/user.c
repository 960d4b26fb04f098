/* Users and groups from the container's own files (see user.h). */
#include "user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>

#include "util.h"

#define USER_FILE_MAX (64 << 20)

static int numeric(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno && *out < 0xffffffffUL;
}

/* Splits a colon-separated line into at most n fields (in place). */
static int fields(char *line, char **f, int n)
{
	int k = 0;

	line[strcspn(line, "\n")] = 0;
	for (char *p = line; k < n; k++) {
		f[k] = p;
		p = strchr(p, ':');
		if (!p)
			return k + 1;
		*p++ = 0;
	}
	return k;
}

int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user_ids *u, struct md_err *err)
{
	char user[256] = "", grp[256] = "", name[256] = "", *buf, *next, *line;
	const char *colon = strchr(spec, ':');
	unsigned long n;
	int have_user = 0, have_group = 0;
	struct md_err missing;

	memset(u, 0, sizeof(*u));
	strcpy(u->home, "/");
	snprintf(user, sizeof(user), "%.*s", colon ? (int)(colon - spec) : 255, spec);
	if (colon)
		snprintf(grp, sizeof(grp), "%s", colon + 1);
	if (!user[0])
		strcpy(user, "0");
	/* A file that is not there (or unreadable) holds no one; one that is
	 * not a regular file (an image's FIFO would hang a read) is an error. */
	if (!(buf = file_read_at(AT_FDCWD, passwd, USER_FILE_MAX, NULL, &missing)) &&
	    missing.errnum == EINVAL) {
		*err = missing;
		return -1;
	}
	if (buf) {
		for (next = buf; (line = strsep(&next, "\n")); ) {
			char *p[7];
			unsigned long uid, gid;
			if (fields(line, p, 7) < 7 || !numeric(p[2], &uid) ||
			    !numeric(p[3], &gid))
				continue;
			if (strcmp(p[0], user) && !(numeric(user, &n) && n == uid))
				continue;
			u->uid = uid;
			u->gid = gid;
			snprintf(u->home, sizeof(u->home), "%s", p[5]);
			snprintf(name, sizeof(name), "%s", p[0]);
			have_user = 1;
			break;
		}
		free(buf);
	}
	if (!have_user) {
		if (!numeric(user, &n)) {
			return err_set(err, 0, "unable to find user %s: no matching "
				       "entries in passwd file", user);
		}
		u->uid = n;
		u->gid = 0;
	}
	if (grp[0] && numeric(grp, &n)) {
		u->gid = n;
		have_group = 1;
	}
	if (!(buf = file_read_at(AT_FDCWD, group, USER_FILE_MAX, NULL, &missing)) &&
	    missing.errnum == EINVAL) {
		*err = missing;
		return -1;
	}
	if (buf) {
		for (next = buf; (line = strsep(&next, "\n")); ) {
			char *p[4];
			unsigned long gid;
			if (fields(line, p, 4) < 4 || !numeric(p[2], &gid))
				continue;
			if (grp[0] && !have_group && !strcmp(p[0], grp)) {
				u->gid = gid;
				have_group = 1;
			}
			/* Supplementary groups: those listing the user. */
			if (!name[0] || grp[0])
				continue;
			for (char *m = strtok(p[3], ","); m; m = strtok(NULL, ","))
				if (!strcmp(m, name) && u->ngroups < USER_GROUPS_MAX)
					u->groups[u->ngroups++] = gid;
		}
		free(buf);
	}
	if (grp[0] && !have_group)
		return err_set(err, 0, "unable to find group %s: no matching "
			       "entries in group file", grp);
	return 0;
}
