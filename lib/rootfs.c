/* Container root file system (see rootfs.h). Runs in the container's
 * first process, as root of its new namespaces, before exec. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#endif
/* The new mount API (linux/mount.h clashes with sys/mount.h). */
#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 1
#define MOUNT_ATTR_RDONLY 1
#define MOUNT_ATTR_NOSUID 2
#define MOUNT_ATTR_NODEV 4
#define MOUNT_ATTR_NOEXEC 8
#define MOUNT_ATTR_STRICTATIME 0x20

struct mount_attr_v0 {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* The device nodes of a new /dev (runc's default ones). */
static const struct {
	const char *name;
	unsigned major, minor;
} devices[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* Docker's masked and read-only paths, as of Docker 28.0.2 (moby's
 * daemon/pkg/oci/defaults.go), which added /proc/interrupts and each
 * CPU's thermal_throttle (mask_thermal). Masked directories get an empty
 * read-only tmpfs, files /dev/null; the kind is the kernel's usual one
 * (the other is tried if the kernel differs). */
static const struct {
	const char *path;
	int dir;
} masked[] = {
	{ "/proc/acpi", 1 }, { "/proc/asound", 1 }, { "/proc/interrupts", 0 },
	{ "/proc/kcore", 0 }, { "/proc/keys", 0 }, { "/proc/latency_stats", 0 },
	{ "/proc/sched_debug", 0 }, { "/proc/scsi", 1 },
	{ "/proc/timer_list", 0 }, { "/proc/timer_stats", 0 },
	{ "/sys/devices/virtual/powercap", 1 }, { "/sys/firmware", 1 },
};
static const char *const readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* A kernel_compat bit (util.h) where no error can be told: an unknown
 * word is the child's to report. */
static int compat_set(int bit)
{
	const char *bad;
	int n, set = kernel_compat(&bad, &n);

	return set > 0 && (set & bit);
}

static int tree_of(const char *path, int recursive)
{
	return syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE |
		       O_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

/* Attaches the mount (tree) fd on dirfd/dst. */
static int tree_move_at(int fd, int dirfd, const char *dst)
{
	return syscall(SYS_move_mount, fd, "", dirfd, dst,
		       MOVE_MOUNT_F_EMPTY_PATH);
}

static int tree_move(int fd, const char *dst)
{
	return tree_move_at(fd, AT_FDCWD, dst);
}

/* A directory at path inside the new root: created if missing; an image
 * whose path is a symlink or a file is refused. */
static int ensure_dir(const char *path, struct md_err *err)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		return err_set(err, 0, "rootfs: %s is not a directory in the image",
			       path);
	}
	if (errno != ENOENT || mkdir_p_at(AT_FDCWD, path, 0755) < 0)
		return err_set(err, errno, "rootfs: mkdir %s", path);
	return 0;
}

/* A mount point for a file: path, or the regular file its symlinks lead
 * to (as runc does; after pivot_root and before /proc, nothing leads out
 * of the new root), made empty if missing, its directory too. The path to
 * mount on goes to out (size PATH_MAX). */
static int ensure_file(const char *path, char *out, struct md_err *err)
{
	char link[PATH_MAX], *slash;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(out, PATH_MAX, "%s", path);
	for (int hops = 0; hops < 16; hops++) {
		if (lstat(out, &st) == 0) {
			if (S_ISREG(st.st_mode) || (!hops && S_ISCHR(st.st_mode)))
				return 0;
			if (!S_ISLNK(st.st_mode))
				return err_set(err, 0, "rootfs: %s is not a file in "
					       "the image", path);
			if ((n = readlink(out, link, sizeof(link) - 1)) < 0)
				return err_set(err, errno, "rootfs: %s", out);
			link[n] = 0;
			slash = strrchr(out, '/');
			if (link[0] == '/')
				snprintf(out, PATH_MAX, "%s", link);
			else if (snprintf(slash + 1, PATH_MAX - (slash + 1 - out),
					  "%s", link) >= PATH_MAX - (slash + 1 - out))
				return err_set(err, ENAMETOOLONG, "rootfs: %s", path);
			continue;
		}
		if (errno != ENOENT)
			return err_set(err, errno, "rootfs: %s", out);
		/* Missing: its directory (which may be reached through
		 * symlinks), then the file. */
		slash = strrchr(out, '/');
		*slash = 0;
		if (out[0] && (stat(out, &st) < 0 || !S_ISDIR(st.st_mode)) &&
		    mkdir_p_at(AT_FDCWD, out, 0755) < 0)
			return err_set(err, errno, "rootfs: mkdir %s", out);
		*slash = '/';
		fd = openat(AT_FDCWD, out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			    O_NOFOLLOW, 0644);
		if (fd < 0)
			return err_set(err, errno, "rootfs: create %s", out);
		close(fd);
		return 0;
	}
	return err_set(err, ELOOP, "rootfs: %s", path);
}

static int do_mount(const char *src, const char *dst, const char *type,
		   unsigned long flags, const char *data, struct md_err *err)
{
	if (mount(src, dst, type, flags, data) < 0)
		return err_set(err, errno, "rootfs: mount %s on %s", type ? type : src,
			       dst);
	return 0;
}

/* Read-only, keeping the mount's nosuid, nodev, noexec and atime flags
 * (a remount drops what it does not restate; no atime flag is
 * strictatime). */
static int remount_ro(const char *dst, unsigned long extra, struct md_err *err)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (statvfs(dst, &sv) == 0)
		keep = (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
		       (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
		       (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) |
		       (sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) |
		       (sv.f_flag & ST_NOATIME ? MS_NOATIME :
			sv.f_flag & ST_RELATIME ? MS_RELATIME : MS_STRICTATIME);
	return do_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep |
			extra, NULL, err);
}

static int fs_set(int fs, const char *key, const char *value)
{
	return syscall(SYS_fsconfig, fs, value ? FSCONFIG_SET_STRING :
		       FSCONFIG_SET_FLAG, key, value, 0);
}

/* The file system being configured in fs (closed) as a detached mount,
 * or -1. */
static int fs_mount(int fs, unsigned attrs)
{
	int m = -1;

	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
	close(fs);
	return m;
}

/* A new file system of type from source with opts (key, value pairs; a
 * NULL value is a flag; NULL ends) as a detached mount, or -1. */
static int fs_new(const char *type, const char *source,
		  const char *const *opts, unsigned attrs)
{
	int fs = syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);

	if (fs < 0)
		return -1;
	if (fs_set(fs, "source", source) < 0) {
		close(fs);
		return -1;
	}
	for (; *opts; opts += 2)
		if (fs_set(fs, opts[0], opts[1]) < 0) {
			close(fs);
			return -1;
		}
	return fs_mount(fs, attrs);
}

static const char *const dev_opts[] = { "mode", "755", "size", "65536k", NULL };

/* What a new /dev holds besides device nodes. */
static const char *const dev_own[] = {
	"fd", "stdin", "stdout", "stderr", "ptmx", "pts", "shm", "mqueue",
};

/* --privileged: the device nodes of the host's /dev (dir), made anew in m
 * with their numbers, modes and owners, in the directories they are in,
 * as runc does; not those of other file systems mounted there (pts, shm,
 * hugepages), nor what a new /dev has of its own. */
static int host_nodes(int m, int dir, int depth, struct md_err *err)
{
	struct stat top, st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (fstat(dir, &top) < 0 || !(d = fdopendir(dup(dir))))
		return err_set(err, errno, "rootfs: the host's /dev");
	while (rc == 0 && (de = readdir(d))) {
		size_t i = 0;
		while (!depth && i < ARRAY_SIZE(dev_own) &&
		       strcmp(de->d_name, dev_own[i]))
			i++;
		if (de->d_name[0] == '.' || (!depth && i < ARRAY_SIZE(dev_own)) ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			/* (mode again: mknod's is cut by the umask) */
			if ((mknodat(m, de->d_name, st.st_mode & (S_IFMT | 07777),
				     st.st_rdev) < 0 && errno != EEXIST) ||
			    fchownat(m, de->d_name, st.st_uid, st.st_gid,
				     AT_SYMLINK_NOFOLLOW) < 0 ||
			    fchmodat(m, de->d_name, st.st_mode & 07777, 0) < 0)
				rc = err_set(err, errno, "rootfs: /dev/%s", de->d_name);
		} else if (S_ISDIR(st.st_mode) && st.st_dev == top.st_dev &&
			   depth < 4) {
			int sub = openat(dir, de->d_name, O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC), msub = -1;
			if (sub >= 0 && (mkdirat(m, de->d_name, st.st_mode & 07777) == 0 ||
					 errno == EEXIST))
				msub = openat(m, de->d_name, O_RDONLY | O_DIRECTORY |
					      O_NOFOLLOW | O_CLOEXEC);
			rc = msub < 0 ? err_set(err, errno, "rootfs: /dev/%s",
						de->d_name) :
			     host_nodes(msub, sub, depth + 1, err);
			if (sub >= 0)
				close(sub);
			if (msub >= 0)
				close(msub);
		}
	}
	closedir(d);
	return rc;
}

/* The usual device nodes, made anew as runc makes them, never the host's
 * own inodes: root in the container may chmod or chown its /dev/null,
 * not the host's. The new /dev (m) is nodev, so that a node made in the
 * container stays unusable; each of these is mounted over itself without
 * nodev: cleared on a detached clone by md ahead (m detached: Linux
 * 6.15, which has mount_setattr), by a remount once attached where m is
 * attached at path at (the container's first process, on any kernel). */
static int dev_nodes(int m, const char *at, struct md_err *err)
{
	struct mount_attr_v0 dev = { .attr_clr = MOUNT_ATTR_NODEV };
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		const char *name = devices[i].name;
		int fd = -1, ok;

		/* (mode again: mknod's is cut by the umask) */
		ok = mknodat(m, name, S_IFCHR | 0666, makedev(devices[i].major,
							     devices[i].minor)) == 0 &&
		     fchmodat(m, name, 0666, 0) == 0 &&
		     (fd = syscall(SYS_open_tree, m, name, OPEN_TREE_CLONE |
				   O_CLOEXEC)) >= 0 &&
		     (at || syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &dev,
				    sizeof(dev)) == 0) &&
		     tree_move_at(fd, m, name) == 0;
		if (fd >= 0)
			close(fd);
		/* (m's flags but nodev) */
		snprintf(path, sizeof(path), "%s/%s", at ? at : "", name);
		if (ok && at)
			ok = mount(NULL, path, NULL, MS_REMOUNT | MS_BIND |
				   MS_NOSUID | MS_STRICTATIME, NULL) == 0;
		if (!ok)
			return err_set(err, errno, "rootfs: /dev/%s", name);
	}
	return 0;
}

/* A new /dev tmpfs whose root is fd m, attached at path at or not (NULL):
 * the usual device nodes (or, with --privileged, all of hostdev's, made
 * anew), the links, /dev/pts and /dev/shm mounted, /dev/mqueue a
 * directory (mqueue shows the IPC namespace of whoever mounts it: the
 * child does). */
static int dev_populate(int m, const char *at, int hostdev,
			struct md_err *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	static const char *const pts_opts[] = { "newinstance", NULL, "ptmxmode",
		"0666", "mode", "0620", "gid", "5", NULL };
	static const char *const shm_opts[] = { "mode", "1777", "size", "65536k",
		NULL };
	int pts, shm, rc;

	if (hostdev >= 0 ? host_nodes(m, hostdev, 0, err) < 0 :
	    dev_nodes(m, at, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], m, links[i][1]) < 0)
			return err_set(err, errno, "rootfs: /dev/%s", links[i][1]);
	if (mkdirat(m, "pts", 0755) < 0 || mkdirat(m, "shm", 0755) < 0 ||
	    mkdirat(m, "mqueue", 0755) < 0)
		return err_set(err, errno, "rootfs: mkdir in /dev");
	pts = fs_new("devpts", "devpts", pts_opts, MOUNT_ATTR_NOSUID |
		     MOUNT_ATTR_NOEXEC);
	shm = fs_new("tmpfs", "shm", shm_opts, MOUNT_ATTR_NOSUID |
		     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	rc = pts < 0 || shm < 0 || tree_move_at(pts, m, "pts") < 0 ||
	     tree_move_at(shm, m, "shm") < 0 ? -1 : 0;
	if (rc < 0)
		err_set(err, errno, "rootfs: /dev/pts, /dev/shm");
	if (pts >= 0)
		close(pts);
	if (shm >= 0)
		close(shm);
	return rc;
}

static const char *const etc_files[] = { "hostname", "hosts", "resolv.conf" };

/* /etc/hostname, hosts and resolv.conf: files written on the /dev tmpfs
 * m as .md-NAME, each taken as a detached mount into fds (no disk work).
 * Once they are mounted, mount_etc_files unlinks them from /dev. */
static int etc_trees(int m, const struct rootfs_spec *r, int *fds,
		     struct md_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		const char *data = r->etc_data[i] ? r->etc_data[i] : "";
		char name[32];
		int fd, ok;

		if (fds[i] >= 0)
			continue;
		snprintf(name, sizeof(name), ".md-%s", etc_files[i]);
		fd = openat(m, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			    O_NOFOLLOW, 0644);
		if (fd < 0)
			return err_set(err, errno, "rootfs: /etc/%s", etc_files[i]);
		ok = write_all(fd, data, strlen(data)) == 0;
		close(fd);
		if (!ok || (fds[i] = syscall(SYS_open_tree, m, name,
					     OPEN_TREE_CLONE | O_CLOEXEC)) < 0)
			return err_set(err, errno, "rootfs: /etc/%s", etc_files[i]);
	}
	return 0;
}

int rootfs_file_tree(const char *path)
{
	return path ? (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE |
				   O_CLOEXEC | AT_SYMLINK_NOFOLLOW) : -1;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int rootfs_overlay_tree(const struct rootfs_spec *r)
{
	char path[256];
	int fs;

	if (compat_set(COMPAT_NO_LOWERDIR_PLUS) ||
	    (fs = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)) < 0)
		return -1;
	if (fs_set(fs, "source", "overlay") < 0)
		goto fail;
	/* One layer per "lowerdir+" (Linux 6.8): a string may only have
	 * 255 bytes. */
	for (size_t i = 0; i < r->nlayers; i++)
		if (snprintf(path, sizeof(path), "%s/%s", r->layers_dir,
			     r->layers[i]) >= (int)sizeof(path) ||
		    fs_set(fs, "lowerdir+", path) < 0)
			goto fail;
	if (strlen(r->upper) >= sizeof(path) || strlen(r->work) >= sizeof(path) ||
	    fs_set(fs, "upperdir", r->upper) < 0 ||
	    fs_set(fs, "workdir", r->work) < 0)
		goto fail;
	/* nodev: device nodes shipped in the image stay unusable. */
	return fs_mount(fs, r->privileged ? 0 : MOUNT_ATTR_NODEV);
fail:
	close(fs);
	return -1;
}

/* /dev's tmpfs: nodev, unless --privileged (its nodes are usable). */
static int dev_tmpfs(const struct rootfs_spec *r)
{
	return fs_new("tmpfs", "tmpfs", dev_opts, MOUNT_ATTR_NOSUID |
		      (r->privileged ? 0 : MOUNT_ATTR_NODEV) |
		      MOUNT_ATTR_STRICTATIME);
}

/* --privileged: the host's /dev, whose nodes are made anew in the new
 * /dev; else -1. */
static int host_dev(const struct rootfs_spec *r, int *hostdev,
		    struct md_err *err)
{
	*hostdev = -1;
	if (r->privileged &&
	    (*hostdev = openat(AT_FDCWD, "/dev", O_RDONLY | O_DIRECTORY |
			       O_CLOEXEC)) < 0)
		return err_set(err, errno, "rootfs: the host's /dev");
	return 0;
}

int rootfs_dev_tree(const struct rootfs_spec *r)
{
	int hostdev, m;
	struct md_err err;

	if (compat_set(COMPAT_NO_DETACHED_MOUNTS))
		return -1;
	/* (/dev first: mounts are listed in the order they were made.) */
	if ((m = dev_tmpfs(r)) < 0)
		return -1;
	if (host_dev(r, &hostdev, &err) < 0 ||
	    dev_populate(m, NULL, hostdev, &err) < 0) {
		close(m);
		m = -1;
	}
	close_all(&hostdev, 1);
	return m;
}

int rootfs_etc_trees(const struct rootfs_spec *r, int dev, int *fds)
{
	struct md_err err;

	if (etc_trees(dev, r, fds, &err) == 0)
		return 0;
	close_all(fds, ARRAY_SIZE(etc_files));
	return -1;
}

static int mount_overlay(struct rootfs_spec *r, int premounted,
			 struct md_err *err)
{
	char opts[4096];
	size_t len;

	if (premounted >= 0)
		return tree_move(premounted, r->target) < 0 ?
			err_set(err, errno, "rootfs: attach the overlay on %s",
				r->target) : 0;
	/* The layers joined by ':' into one option string, which the
	 * kernel takes up to a page long. */
	len = snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = 0; i < r->nlayers && len < sizeof(opts); i++)
		len += snprintf(opts + len, sizeof(opts) - len, "%s%s",
				i ? ":" : "", r->layers[i]);
	if (len < sizeof(opts))
		len += snprintf(opts + len, sizeof(opts) - len,
				",upperdir=%s,workdir=%s", r->upper, r->work);
	if (len >= sizeof(opts))
		return err_set(err, 0, "rootfs: too many layers for overlayfs");
	/* Short relative layer names keep the options within a page. */
	if (chdir(r->layers_dir) < 0)
		return err_set(err, errno, "rootfs: %s", r->layers_dir);
	/* nodev: device nodes shipped in the image stay unusable. */
	return do_mount("overlay", r->target, "overlay",
			r->privileged ? 0 : MS_NODEV, opts, err);
}

/* /dev, made before or here, and the /etc files' trees on it. */
static int mount_dev(const struct rootfs_spec *r, int *pre, int hostdev,
		     struct md_err *err)
{
	if (ensure_dir("/dev", err) < 0)
		return -1;
	if (pre[PRE_DEV] < 0) {
		int m = dev_tmpfs(r);
		if (m < 0)
			return err_set(err, errno, "rootfs: tmpfs for /dev");
		pre[PRE_DEV] = m;
		if (tree_move(m, "/dev") < 0)
			return err_set(err, errno, "rootfs: mount /dev");
		if (dev_populate(m, "/dev", hostdev, err) < 0)
			return -1;
	} else if (tree_move(pre[PRE_DEV], "/dev") < 0) {
		return err_set(err, errno, "rootfs: mount /dev");
	}
	if (pre[PRE_ETC] < 0 && etc_trees(pre[PRE_DEV], r, &pre[PRE_ETC], err) < 0)
		return -1;
	return do_mount("mqueue", "/dev/mqueue", "mqueue",
			MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
}

static int mask(const char *path, int dir)
{
	return dir ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") :
		     mount("/dev/null", path, NULL, MS_BIND, NULL);
}

/* Each CPU's thermal_throttle directory, where there is one, as Docker
 * masks them (it tries the CPUs that /sys/devices/system/cpu/possible
 * lists; only those can have a cpuN directory). */
static int mask_thermal(struct md_err *err)
{
	DIR *d = opendir("/sys/devices/system/cpu");
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		char p[128];
		if (strncmp(de->d_name, "cpu", 3) || de->d_name[3] < '0' ||
		    de->d_name[3] > '9')
			continue;
		snprintf(p, sizeof(p), "/sys/devices/system/cpu/%s/thermal_throttle",
			 de->d_name);
		if (mask(p, 1) < 0 && errno != ENOENT)
			rc = err_set(err, errno, "rootfs: mask %s", p);
	}
	closedir(d);
	return rc;
}

/* On the container's own /proc and /sys: a path this kernel lacks
 * (ENOENT) needs nothing. */
static int mask_paths(struct md_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		const char *p = masked[i].path;
		if (mask(p, masked[i].dir) < 0 && errno != ENOENT &&
		    (errno != ENOTDIR || mask(p, !masked[i].dir) < 0))
			return err_set(err, errno, "rootfs: mask %s", p);
	}
	if (mask_thermal(err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
		if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC,
			  NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return err_set(err, errno, "rootfs: bind %s", readonly[i]);
		}
		/* (All of /proc is nosuid, nodev, noexec: nothing to keep.) */
		if (do_mount(NULL, readonly[i], NULL, MS_REMOUNT | MS_BIND |
			     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			     err) < 0)
			return -1;
	}
	return 0;
}

/* mountinfo's escapes (\ooo for a space, a tab, a newline, a
 * backslash) undone in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++)
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 3;
		} else {
			*o = *s;
		}
	*o = 0;
}

/* The mount flags a mount's options (in mountinfo) name, as a remount
 * must restate them; no atime option is strictatime. */
static unsigned long opts_flags(const char *opts)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} known[] = {
		{ "nosuid", MS_NOSUID }, { "nodev", MS_NODEV },
		{ "noexec", MS_NOEXEC }, { "noatime", MS_NOATIME },
		{ "nodiratime", MS_NODIRATIME }, { "relatime", MS_RELATIME },
	};
	unsigned long flags = 0;

	for (const char *p = opts, *e; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ',');
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (strlen(known[i].name) == (size_t)(e - p) &&
			    !strncmp(p, known[i].name, e - p))
				flags |= known[i].flag;
	}
	return flags & (MS_NOATIME | MS_RELATIME) ? flags :
	       flags | MS_STRICTATIME;
}

/* For the read-only fallback: the mount points under v->src (this mount
 * namespace's, still the host's tree) relative to it, each with its
 * options, into v->submounts ("rel\0opts\0" pairs, "" at the end). */
static int vol_submounts(struct volume *v, struct md_err *err)
{
	char src[PATH_MAX], fdpath[32], *info, *line, *next, *out;
	int fd = open(v->src, O_PATH | O_CLOEXEC);
	ssize_t slen;
	size_t len;

	/* src as mountinfo names it: symlinks resolved, as open_tree did. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	slen = fd < 0 ? -1 : readlink(fdpath, src, sizeof(src) - 1);
	if (fd >= 0)
		close(fd);
	if (slen < 0)
		return err_set(err, errno, "volume %s", v->src);
	src[slen] = 0;
	if (!strcmp(src, "/"))
		slen = 0;
	info = file_read_at(AT_FDCWD, "/proc/self/mountinfo", 64 << 20, &len,
			    err);
	if (!info)
		return -1;
	/* What is kept is never longer than the lines it comes from. */
	if (!(v->submounts = out = malloc(len + 1))) {
		free(info);
		return err_set(err, ENOMEM, "volume %s", v->src);
	}
	for (line = info; *line; line = next) {
		char *f[6], *p = line;
		size_t n;

		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		/* ID, parent ID, major:minor, root, mount point, options */
		for (n = 0; n < 6 && p; n++) {
			f[n] = p;
			if ((p = strchr(p, ' ')))
				*p++ = 0;
		}
		if (n < 6)
			continue;
		unescape(f[4]);
		if (strncmp(f[4], src, slen) || f[4][slen] != '/' ||
		    !f[4][slen + 1])
			continue;
		out = stpcpy(out, f[4] + slen + 1) + 1;
		out = stpcpy(out, f[5]) + 1;
	}
	*out = 0;
	free(info);
	return 0;
}

int rootfs_unmount_under(const char *dir, struct md_err *err)
{
	size_t dlen = strlen(dir), len;
	char *info, *line, *next;
	int n = 0, ret = 0;

	info = file_read_at(AT_FDCWD, "/proc/self/mountinfo", 64 << 20, &len, err);
	if (!info)
		return -1;
	for (line = info; *line; line = next) {
		char *f[5], *p = line;
		size_t k;

		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		/* ID, parent ID, major:minor, root, mount point */
		for (k = 0; k < 5 && p; k++) {
			f[k] = p;
			if ((p = strchr(p, ' ')))
				*p++ = 0;
		}
		if (k < 5)
			continue;
		unescape(f[4]);
		if (strncmp(f[4], dir, dlen) || (f[4][dlen] && f[4][dlen] != '/'))
			continue;
		n++;
		/* (One under another detached already is gone: EINVAL.) */
		if (umount2(f[4], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT && !ret)
			ret = err_set(err, errno, "unmount %s", f[4]);
	}
	free(info);
	return ret < 0 ? -1 : n;
}

/* A :ro volume's tree read-only, the mounts under src included (as
 * Docker 25 makes it): mount_setattr on the detached tree (Linux 5.12);
 * without it, its mount points are listed now, while the host's tree is
 * in reach, and vol_remount_ro remounts each once it is attached. */
static int vol_tree_ro(struct volume *v, int compat, struct md_err *err)
{
	struct mount_attr_v0 ro = { .attr_set = MOUNT_ATTR_RDONLY };

	if (!(compat & COMPAT_NO_MOUNT_SETATTR)) {
		if (syscall(SYS_mount_setattr, v->fd, "", AT_EMPTY_PATH |
			    AT_RECURSIVE, &ro, sizeof(ro)) == 0)
			return 0;
		if (errno != ENOSYS)
			return err_set(err, errno, "volume %s: read-only", v->src);
	}
	return vol_submounts(v, err);
}

/* The fallback: the volume's own mount (at dst), then each mount point
 * under it. One that a mount made after it hides (one stacked on the
 * same mount point, or on a directory above) cannot be reached by its
 * path (EINVAL: the path leads into the mount over it; ENOENT, ENOTDIR:
 * not there), nor by anything in the container without CAP_SYS_ADMIN to
 * unmount what hides it: it stays as it is. */
static int vol_remount_ro(const struct volume *v, const char *dst,
			  struct md_err *err)
{
	char path[PATH_MAX];

	if (remount_ro(dst, 0, err) < 0)
		return -1;
	for (const char *p = v->submounts, *opts; *p; p = opts + strlen(opts) + 1) {
		opts = p + strlen(p) + 1;
		if (snprintf(path, sizeof(path), "%s/%s", dst, p) >=
		    (int)sizeof(path))
			return err_set(err, ENAMETOOLONG, "volume %s: %s", v->src, p);
		if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
			  opts_flags(opts), NULL) < 0 && errno != EINVAL &&
		    errno != ENOENT && errno != ENOTDIR)
			return err_set(err, errno, "volume %s: read-only %s",
				       v->src, path);
	}
	return 0;
}

static int mount_volumes(struct rootfs_spec *r, struct md_err *err)
{
	for (size_t i = 0; i < r->nvols; i++) {
		struct volume *v = &r->vols[i];
		char dst[PATH_MAX];
		struct stat st;
		if (fstat(v->fd, &st) < 0)
			return err_set(err, errno, "volume %s", v->src);
		snprintf(dst, sizeof(dst), "%s", v->dst);
		if ((S_ISDIR(st.st_mode) ? ensure_dir(v->dst, err) :
		     ensure_file(v->dst, dst, err)) < 0)
			return -1;
		if (tree_move(v->fd, dst) < 0)
			return err_set(err, errno, "volume %s:%s", v->src, v->dst);
		if (v->submounts && vol_remount_ro(v, dst, err) < 0)
			return -1;
	}
	return 0;
}

static int mount_etc_files(const int *etcfd, struct md_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		char path[64], dst[PATH_MAX];

		snprintf(path, sizeof(path), "/etc/%s", etc_files[i]);
		if (ensure_file(path, dst, err) < 0)
			return -1;
		if (tree_move(etcfd[i], dst) < 0)
			return err_set(err, errno, "rootfs: %s", dst);
		/* (EBUSY: the image's link led onto it; it stays. ENOENT:
		 * the host's file, rootfs_spec.hosts_path.) */
		snprintf(dst, sizeof(dst), "/dev/.md-%s", etc_files[i]);
		if (unlink(dst) < 0 && errno != EBUSY && errno != ENOENT)
			return err_set(err, errno, "rootfs: %s", dst);
	}
	return 0;
}

static int setup(struct rootfs_spec *r, int *pre, int *hostdev, int compat,
		 struct md_err *err)
{
	/* Nothing done here may propagate back to the host. */
	if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, err) < 0)
		return -1;
	/* Host objects, taken before the host's tree is out of reach. */
	if (pre[PRE_DEV] < 0 && host_dev(r, hostdev, err) < 0)
		return -1;
	for (size_t i = 0; i < r->nvols; i++) {
		struct volume *v = &r->vols[i];
		if ((v->fd = tree_of(v->src, 1)) < 0)
			return err_set(err, errno, "volume %s", v->src);
		if (v->ro && vol_tree_ro(v, compat, err) < 0)
			return -1;
	}
	if (mount_overlay(r, pre[PRE_OVERLAY], err) < 0)
		return -1;
	if (chdir(r->target) < 0)
		return err_set(err, errno, "rootfs: %s", r->target);
	/* The old root ends up stacked under "/" and is detached. */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
			return err_set(err, errno, "rootfs: detach the old root");
	} else if (errno == EINVAL) {
		/* "/" is the initramfs, which cannot be pivoted away: move the
		 * new root over it and chroot, as runc's --no-pivot does. */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
		    chdir("/") < 0)
			return err_set(err, errno, "rootfs: move root (initramfs)");
	} else {
		return err_set(err, errno, "rootfs: pivot_root");
	}
	/* What the image's paths decide (mount targets under /dev, /etc and
	 * volumes) is set up before /proc exists: no magic link such as
	 * /proc/self/fd/N can then lead a path out of the new root. */
	if (mount_dev(r, pre, *hostdev, err) < 0)
		return -1;
	if (mount_etc_files(&pre[PRE_ETC], err) < 0)
		return -1;
	if (mount_volumes(r, err) < 0)
		return -1;
	if (ensure_dir("/proc", err) < 0 ||
	    do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV,
		     NULL, err) < 0 ||
	    ensure_dir("/sys", err) < 0 ||
	    do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV |
		     (r->privileged ? 0 : MS_RDONLY), NULL, err) < 0)
		return -1;
	if (r->cgroupns_v2 &&
	    do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID |
		     MS_NOEXEC | MS_NODEV | (r->privileged ? 0 : MS_RDONLY),
		     NULL, err) < 0)
		return -1;
	if (!r->privileged && mask_paths(err) < 0)
		return -1;
	if (r->readonly && remount_ro("/", 0, err) < 0)
		return -1;
	return 0;
}

int rootfs_setup(struct rootfs_spec *r, int *pre, struct md_err *err)
{
	int hostdev = -1, compat, n, rc;
	const char *bad;

	for (size_t i = 0; i < r->nvols; i++) {
		r->vols[i].fd = -1;
		r->vols[i].submounts = NULL;
	}
	if ((compat = kernel_compat(&bad, &n)) < 0)
		rc = err_set(err, 0, "MD_KERNEL_COMPAT: unknown switch '%.*s'",
			     n, bad);
	else
		rc = setup(r, pre, &hostdev, compat, err);
	close_all(&hostdev, 1);
	close_all(pre, PRE_N);
	for (size_t i = 0; i < r->nvols; i++) {
		if (r->vols[i].fd >= 0)
			close(r->vols[i].fd);
		free(r->vols[i].submounts);
		r->vols[i].submounts = NULL;
	}
	return rc;
}
