/* The container's file system, set up by its first process inside its new
 * mount namespace: overlayfs of the image layers and an upper dir,
 * pivot_root, then /proc, /sys, /dev and the rest mounted *inside* the new
 * root, where an image's symlinks cannot lead out of it. Host objects it
 * needs (volumes; with --privileged, the host's /dev) are taken before
 * pivot_root, volumes as detached mount trees (open_tree), and moved in
 * after. */
#ifndef MD_ROOTFS_H
#define MD_ROOTFS_H

#include <stddef.h>

#include "err.h"

struct volume {
	char src[4096];		/* host path */
	char dst[4096];		/* container path */
	int ro;			/* read-only, mounts under src included */
	/* rootfs_setup's own: */
	int fd;			/* open_tree of src, or -1 */
	char *submounts;	/* :ro without mount_setattr: the mount points
				 * under src and their options, to remount
				 * one by one; or NULL */
};

struct rootfs_spec {
	const char *layers_dir;	/* MD_ROOT/l, where the layers' names live */
	char **layers;		/* names relative to layers_dir, top first */
	size_t nlayers;
	char upper[4096], work[4096];
	char target[4096];	/* mount point (the container's directory) */
	/* Contents of /etc/hostname, /etc/hosts, /etc/resolv.conf: files of
	 * the container's /dev tmpfs (unlinked), bind-mounted there (no disk
	 * work). */
	const char *etc_data[3];
	/* Or /etc/hosts a file of the host's that md writes again while
	 * the container runs (names.h); NULL: none. */
	const char *hosts_path;
	struct volume *vols;
	size_t nvols;
	int readonly;		/* --read-only */
	int privileged;		/* no masked or read-only paths, no nodev,
				 * all of the host's device nodes */
	int cgroupns_v2;	/* mount cgroup2 at /sys/fs/cgroup */
};

/* Parts of the root made ahead, before the new root exists, as detached
 * mounts (fds), -1 where this kernel cannot (rootfs_setup then makes
 * them). The overlay needs Linux 6.8 ("lowerdir+"), the /dev tree 6.15
 * (mounts on a detached tree). The environment's MD_KERNEL_COMPAT
 * (md-run(1)) makes md act as if the kernel lacked them, and
 * mount_setattr (5.12), so that the older kernels' paths run here too. */
enum { PRE_OVERLAY, PRE_DEV, PRE_ETC, PRE_N = PRE_ETC + 3 };
/* md makes these in its own mount namespace while the container's first
 * process makes its namespaces. Each is an fd or -1. */
int rootfs_overlay_tree(const struct rootfs_spec *r);
/* tmpfs, device nodes (made anew; all of the host's with r->privileged),
 * links, pts, shm */
int rootfs_dev_tree(const struct rootfs_spec *r);
/* A detached bind mount of the file path (never a link), or -1 (also
 * for path NULL). */
int rootfs_file_tree(const char *path);
/* The /etc files on the /dev tree dev, into fds[3] (those still -1);
 * -1 if it cannot. */
int rootfs_etc_trees(const struct rootfs_spec *r, int dev, int *fds);
/* Builds the root in the caller's new mount namespace and enters it.
 * pre: PRE_N fds made ahead, or -1 (all closed here). */
int rootfs_setup(struct rootfs_spec *r, int *pre, struct md_err *err);
/* Detaches whatever this mount namespace still has mounted at or under
 * dir (a container's root is mounted in its own namespace only, which
 * ends with it: md-rm finds nothing here unless something went wrong).
 * How many mounts were found, or -1. */
int rootfs_unmount_under(const char *dir, struct md_err *err);

#endif
