/* -u USER[:GROUP] resolved against the container's /etc/passwd and
 * /etc/group, read by md itself (no NSS inside a container). */
#ifndef MD_USER_H
#define MD_USER_H

#include <sys/types.h>

#include "err.h"

#define USER_GROUPS_MAX 64

struct user_ids {
	uid_t uid;
	gid_t gid;
	gid_t groups[USER_GROUPS_MAX];	/* supplementary */
	int ngroups;
	char home[256];
};

/* spec: "", "name", "uid", "name:group", "uid:gid", ... Paths are those
 * of the container's files (the caller has pivoted into it). */
int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user_ids *u, struct md_err *err);

#endif
