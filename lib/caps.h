/* Linux capabilities of a container: names, Docker's default set, the
 * --cap-add/--cap-drop/--privileged arithmetic, and applying a set to the
 * current process before it execs the container's command.
 *
 * A set is a uint64_t with bit N for capability N. The order a container
 * init must use (runc does the same):
 *
 *   1. still root with all capabilities: namespaces, mounts, pivot_root
 *   2. caps_drop_bounding(set)      bounding set, ambient cleared
 *   3. setgroups, setresgid, setresuid to the container's user (if any);
 *      the effective set is still full here, so this works even when
 *      --cap-drop removed SETUID/SETGID (a switch away from uid 0 clears
 *      the permitted set, which is what step 4 wants for such a user)
 *   4. caps_apply(set)              permitted/effective/inheritable
 *   5. prctl(PR_SET_NO_NEW_PRIVS, 1)
 *   6. seccomp_install_default(set) (seccomp.h): last, it forbids mount...
 *   7. execve
 *
 * Result after execve, as Docker (20.10.14+, CVE-2022-24769) gives it:
 * euid 0: bounding = permitted = effective = set, inheritable = ambient = 0.
 * Other users: bounding = set, everything else 0 (a setuid-root or
 * file-capability binary could only gain within the bounding set, and
 * no_new_privs stops even that). --privileged: set = all, skip 5 and 6. */
#ifndef MD_CAPS_H
#define MD_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Capability numbers as in <linux/capability.h>, which musl lacks. */
enum {
	MD_CAP_CHOWN, MD_CAP_DAC_OVERRIDE, MD_CAP_DAC_READ_SEARCH,
	MD_CAP_FOWNER, MD_CAP_FSETID, MD_CAP_KILL, MD_CAP_SETGID,
	MD_CAP_SETUID, MD_CAP_SETPCAP, MD_CAP_LINUX_IMMUTABLE,
	MD_CAP_NET_BIND_SERVICE, MD_CAP_NET_BROADCAST, MD_CAP_NET_ADMIN,
	MD_CAP_NET_RAW, MD_CAP_IPC_LOCK, MD_CAP_IPC_OWNER, MD_CAP_SYS_MODULE,
	MD_CAP_SYS_RAWIO, MD_CAP_SYS_CHROOT, MD_CAP_SYS_PTRACE,
	MD_CAP_SYS_PACCT, MD_CAP_SYS_ADMIN, MD_CAP_SYS_BOOT, MD_CAP_SYS_NICE,
	MD_CAP_SYS_RESOURCE, MD_CAP_SYS_TIME, MD_CAP_SYS_TTY_CONFIG,
	MD_CAP_MKNOD, MD_CAP_LEASE, MD_CAP_AUDIT_WRITE, MD_CAP_AUDIT_CONTROL,
	MD_CAP_SETFCAP, MD_CAP_MAC_OVERRIDE, MD_CAP_MAC_ADMIN, MD_CAP_SYSLOG,
	MD_CAP_WAKE_ALARM, MD_CAP_BLOCK_SUSPEND, MD_CAP_AUDIT_READ,
	MD_CAP_PERFMON, MD_CAP_BPF, MD_CAP_CHECKPOINT_RESTORE,
};

#define CAPS_LAST	MD_CAP_CHECKPOINT_RESTORE	/* last one we can name */
#define CAPS_BIT(c)	(UINT64_C(1) << (c))
#define CAPS_ALL	((CAPS_BIT(CAPS_LAST) << 1) - 1)
/* Docker's 14: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
 * NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP. */
#define CAPS_DEFAULT	UINT64_C(0x00000000a80425fb)
#define CAPS_NAME_ALL	64	/* caps_from_name() for "ALL" */

/* "CAP_CHOWN" for 0, NULL past CAPS_LAST. */
const char *caps_name(int cap);

/* One --cap-add/--cap-drop word, as Docker takes it: case-insensitive,
 * with or without "CAP_" ("net_admin", "CAP_NET_ADMIN"), or "ALL".
 * Returns the number, CAPS_NAME_ALL, or -1 (unknown capability). */
int caps_from_name(const char *name, struct md_err *err);

/* The --cap-add/--cap-drop options of one run, in any order. */
struct caps_change {
	uint64_t add, drop;
	int add_all, drop_all;
};
int caps_change_add(struct caps_change *c, const char *name,
		    struct md_err *err);
int caps_change_drop(struct caps_change *c, const char *name,
		     struct md_err *err);

/* Docker's rule: --privileged gives all; else "--cap-add ALL" gives all
 * but the dropped; else "--cap-drop ALL" gives just the added; else the
 * default minus the dropped plus the added (add wins over drop). */
uint64_t caps_resolve(const struct caps_change *c, int privileged);

/* "CAP_CHOWN,CAP_KILL" (empty for 0; unnamed bits as "CAP_41"). Returns
 * the length the full text needs, as snprintf; buf is always terminated
 * when len > 0. */
size_t caps_format(uint64_t set, char *buf, size_t len);

/* Highest capability number the running kernel knows. */
int caps_last_cap(void);

/* Step 2 above: clears the ambient set and drops from the bounding set
 * every capability not in set. Needs CAP_SETPCAP. */
int caps_drop_bounding(uint64_t set, struct md_err *err);

/* Step 4 above: permitted = effective = set if the effective uid is 0,
 * else nothing; inheritable empty. Capabilities
 * this process does not hold (a restricted host) are left out silently. */
int caps_apply(uint64_t set, struct md_err *err);

#endif
