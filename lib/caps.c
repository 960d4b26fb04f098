/* Capability names, Docker's --cap-add/--cap-drop rules, and setting the
 * bounding/permitted/effective/inheritable/ambient sets of this process.
 * See caps.h for the order a container init must call these in. */
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capset(2)/capget(2) ABI; musl has no <sys/capability.h>. */
#define CAPS_ABI_VERSION_3 0x20080522

struct caps_header {
	uint32_t version;
	int pid;
};

struct caps_data {
	uint32_t effective, permitted, inheritable;
};

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static const char *const cap_names[CAPS_LAST + 1] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
	"CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

const char *caps_name(int cap)
{
	if (cap < 0 || cap > CAPS_LAST)
		return NULL;
	return cap_names[cap];
}

int caps_from_name(const char *name, struct md_err *err)
{
	const char *bare = name;
	int i;

	if (strcasecmp(name, "ALL") == 0)
		return CAPS_NAME_ALL;
	if (strncasecmp(name, "CAP_", 4) == 0)
		bare = name + 4;
	for (i = 0; i <= CAPS_LAST; i++)
		if (strcasecmp(bare, cap_names[i] + 4) == 0)
			return i;
	return err_set(err, 0, "unknown capability: \"%.64s\"", name);
}

static int change_one(uint64_t *set, int *all, const char *name,
		      struct md_err *err)
{
	int cap = caps_from_name(name, err);

	if (cap < 0)
		return -1;
	if (cap == CAPS_NAME_ALL)
		*all = 1;
	else
		*set |= CAPS_BIT(cap);
	return 0;
}

int caps_change_add(struct caps_change *c, const char *name,
		    struct md_err *err)
{
	return change_one(&c->add, &c->add_all, name, err);
}

int caps_change_drop(struct caps_change *c, const char *name,
		     struct md_err *err)
{
	return change_one(&c->drop, &c->drop_all, name, err);
}

uint64_t caps_resolve(const struct caps_change *c, int privileged)
{
	if (privileged)
		return CAPS_ALL;
	if (c->add_all)
		return CAPS_ALL & ~c->drop;
	if (c->drop_all)
		return c->add;
	return (CAPS_DEFAULT & ~c->drop) | c->add;
}

size_t caps_format(uint64_t set, char *buf, size_t len)
{
	size_t n = 0;
	char num[16];
	const char *name;
	int i, w;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < 64; i++) {
		if (!(set & CAPS_BIT(i)))
			continue;
		name = caps_name(i);
		if (!name) {
			snprintf(num, sizeof(num), "CAP_%d", i);
			name = num;
		}
		w = snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
			     "%s%s", n ? "," : "", name);
		n += w;
	}
	return n;
}

int caps_last_cap(void)
{
	static int last = -1;
	int lo = 0, hi = 64;

	/* Probing works before /proc is mounted, unlike
	 * /proc/sys/kernel/cap_last_cap, and on every kernel since 2.6.25:
	 * PR_CAPBSET_READ fails for a number past the last. A binary search
	 * (lo known, hi not), once per process (and its forks). */
	if (last >= 0)
		return last;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) < 0)
			hi = mid;
		else
			lo = mid;
	}
	return last = lo;
}

static uint64_t valid_caps(void)
{
	return (CAPS_BIT(caps_last_cap()) << 1) - 1;
}

int caps_drop_bounding(uint64_t set, struct md_err *err)
{
	int c, last = caps_last_cap();

	/* EINVAL: a kernel before 4.3 has no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return err_set(err, errno, "clear ambient capabilities");
	/* Dropping one that is not in the set is a harmless no-op. */
	for (c = 0; c <= last; c++)
		if (!(set & CAPS_BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return err_set(err, errno,
				       "drop capability %d from the bounding set",
				       c);
	return 0;
}

int caps_apply(uint64_t set, struct md_err *err)
{
	struct caps_header hdr = { CAPS_ABI_VERSION_3, 0 };
	struct caps_data data[2];
	uint64_t have;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return err_set(err, errno, "read capabilities");
	have = data[0].permitted | (uint64_t)data[1].permitted << 32;
	set &= have & valid_caps();
	/* A non-root user gets nothing beyond the bounding set, as execve
	 * would give it (and as Docker does); inheritable stays empty so a
	 * binary with inheritable file capabilities cannot pick them up. */
	if (geteuid() != 0)
		set = 0;
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = (uint32_t)set;
	data[1].permitted = data[1].effective = (uint32_t)(set >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, errno, "set capabilities");
	return 0;
}
