/* Layer import: stream -> sha256 (blob digest) -> gzip framing -> sha256
 * (diff_id) -> tar -> a staging directory under tmp/, renamed to
 * layers/HEX once both digests are checked. A rename onto an existing
 * layer fails, so two processes importing the same layer both succeed and
 * the layer is stored once.
 *
 * Three threads per layer, a pipeline through two rings (ring.h):
 *   the caller's (md-pull's layer worker: with the socket reads and TLS;
 *   md-import's and md-load's main thread: with the file reads) hashes
 *   the blob and copies it into zring;
 *   the inflater takes it from zring and inflates it (or copies a plain
 *   tar) straight into the free slots of tring;
 *   the unpacker hashes the tar stream and unpacks it, making the files.
 * Inflate is the longest stage, about half of a layer's time, and runs at
 * a higher priority than the other two (see Priorities below), which
 * share what is left of the two cores.
 *
 * What the threads share. The rings, each with its own lock, and their
 * slots, which change hands as ring.h says. Each thread's own fields are
 * marked below: the caller's, the inflater's (kind, head, gz, tslot,
 * tfill, ifailed, ierr) and the unpacker's (diff, diff_bytes, up,
 * ufailed, uerr); a thread's fields are read by the caller only after it
 * has joined that thread. A stage that fails sets its error, then stops
 * the stage before it with ring_fail and the one after it with
 * ring_abort; the caller learns of it from ring_slot (NULL) or at the
 * end, and reads the errors once it has joined both threads. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gunzip.h"
#include "ini.h"
#include "ring.h"
#include "sha256.h"
#include "unpack.h"
#include "util.h"

/* In flight per layer: 2 slots of blob of 128 KiB, 2 of tar of 256 KiB
 * (768 KiB in all), enough to ride out a slow file or a slow read.
 *
 * Few large slots rather than many small ones: inflate stops at the end
 * of every input and output slot, and each such call of inflate() costs
 * a copy of 32 KiB into zlib's window and a slow decode of the bytes at
 * the edges. With 4 + 8 slots of 64 KiB, inflate, the longest stage, took
 * 7% longer than with the sizes here (the bench's text layer: 0.48 s
 * against 0.45 s). A side still sleeps until half its ring is ready (one
 * slot here, see ring.c), so wake-ups still come every 128 KiB of blob and
 * 256 KiB of tar.
 *
 * When more than two layers stream at once (layer_sink_share), their
 * slots shrink: all sinks keep at most 1.5 MiB in flight, less 128 KiB
 * for each sink past the second (each also has its connection, stacks and
 * state), so that md-pull stays well within its 4 MiB whatever the number
 * of workers. */
#define ZRING_SLOTS 2
#define TRING_SLOTS 2
#define TSLOT_ZSLOTS 2		/* a tar slot is this many blob slots */
#define ZSLOT_MAX (128 << 10)
#define ZSLOT_MIN (8 << 10)
#define SINK_BYTES(z) (((z) * ZRING_SLOTS) + (z) * TSLOT_ZSLOTS * TRING_SLOTS)

/* Set before the threads that make sinks start (pthread_create orders
 * it before their reads), never while they run. */
static size_t zslot_size = ZSLOT_MAX;

void layer_sink_share(unsigned n)
{
	size_t all = SINK_BYTES(ZSLOT_MAX) * 2, z;

	if (n <= 2) {
		zslot_size = ZSLOT_MAX;
		return;
	}
	all = (n - 2) * (128 << 10) < all / 2 ? all - (n - 2) * (128 << 10) :
	      all / 2;
	z = all / n / SINK_BYTES(1) & ~(size_t)4095;
	zslot_size = z < ZSLOT_MIN ? ZSLOT_MIN : z;
}

/* Priorities. Inflate is the one stage that cannot be spread over cores,
 * and in md-pull, on two cores, the others (each layer's fetch worker:
 * socket reads, TLS and the blob hash; its unpacker: the tar hash and the
 * file writes) together take about as much CPU as it does. At one
 * priority the scheduler shared the cores evenly among whichever were
 * runnable: while a second layer streamed, the inflater of the bench's
 * text layer got under half a core, and finished alone, with the other
 * core half idle. So md-pull's fetch workers run HELPER_NICE lower
 * (layer_feeder_priority), as the unpackers they start do (they inherit
 * it), while each inflater takes back the process's own priority: it gets
 * most of a core whenever it has work, and the others still run in its
 * waits and on the other core. Taking it back needs CAP_SYS_NICE (root has
 * it); without it, the inflater stays HELPER_NICE lower with the others,
 * as equals. md-import and md-load keep one priority: their caller only
 * reads a file, and there the unpacker needs its share. The threads are
 * named (md-inflate, md-unpack; md-pull's md-fetch) for top -H, perf and
 * tests. */
#define HELPER_NICE 10

/* The calling thread at the process's (its main thread's) priority plus
 * delta, if it may; best effort. */
static void thread_nice(int delta)
{
	int base;

	errno = 0;
	base = getpriority(PRIO_PROCESS, getpid());
	if (base == -1 && errno)
		return;
	/* who = 0: the calling thread alone (nice values are per thread). */
	setpriority(PRIO_PROCESS, 0, base + delta);
}

void layer_feeder_priority(void)
{
	thread_nice(HELPER_NICE);
}

enum { KIND_UNKNOWN, KIND_PLAIN, KIND_GZIP };

struct layer_sink {
	struct store *s;
	char tmp[40];		/* tmp/NAME of the staging dir */
	int dirfd, rootfd;
	int committed, ended;
	char digest[DIGEST_LEN + 1], diff_id[DIGEST_LEN + 1];
	struct sha256 blob;
	uint64_t blob_bytes, size;
	struct ring zring, tring;
	size_t zsize, tsize;	/* bytes per slot of zring, of tring */
	pthread_t inflater, unpacker;
	int threads;		/* started and not yet joined */
	unsigned char *zslot;	/* the slot of zring being filled */
	size_t zfill;
	/* The inflater's. */
	int kind;
	unsigned char head[4];
	size_t headlen;
	struct gunzip gz;
	unsigned char *tslot;	/* the slot of tring being filled */
	size_t tfill;
	int ifailed;
	struct md_err ierr;
	/* The unpacker's. */
	struct sha256 diff;
	uint64_t diff_bytes;
	struct unpack up;
	int ufailed;
	struct md_err uerr;
};

/* ---- the unpacker ---- */

static void *unpacker(void *arg)
{
	struct layer_sink *ls = arg;
	const unsigned char *p;
	size_t len;

	pthread_setname_np(pthread_self(), "md-unpack");
	while ((p = ring_get(&ls->tring, &len))) {
		sha256_update(&ls->diff, p, len);
		ls->diff_bytes += len;
		if (unpack_feed(&ls->up, p, len, &ls->uerr) < 0) {
			ls->ufailed = 1;
			ring_release(&ls->tring);
			ring_fail(&ls->tring);
			break;
		}
		ring_release(&ls->tring);
	}
	return NULL;
}

/* ---- the inflater ---- */

/* Its slot of tring is full: handed over, and the next free one taken.
 * -1 once the unpacker has failed. */
static int next_tslot(struct layer_sink *ls, struct md_err *err)
{
	ring_put(&ls->tring, ls->tfill);
	ls->tfill = 0;
	ls->tslot = ring_slot(&ls->tring);
	if (!ls->tslot)
		return err_set(err, ECANCELED, "layer: unpack stopped");
	return 0;
}

/* Tar bytes into tring. Inflate writes them in place (the gunzip window
 * is the slot's free part); a plain layer's are copied. */
static int tar_bytes(void *user, const void *buf, size_t len,
		     struct md_err *err)
{
	struct layer_sink *ls = user;
	const unsigned char *p = buf;

	if (p == ls->tslot + ls->tfill) {
		ls->tfill += len;
		len = 0;
	}
	for (;;) {
		size_t n = ls->tsize - ls->tfill < len ? ls->tsize - ls->tfill : len;
		memcpy(ls->tslot + ls->tfill, p, n);
		ls->tfill += n;
		p += n;
		len -= n;
		if (ls->tfill == ls->tsize && next_tslot(ls, err) < 0)
			return -1;
		if (!len)
			break;
	}
	if (ls->kind == KIND_GZIP)
		gunzip_window(&ls->gz, ls->tslot + ls->tfill,
			      ls->tsize - ls->tfill);
	return 0;
}

static int pick_kind(struct layer_sink *ls, struct md_err *err)
{
	static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (ls->headlen >= 2 && gunzip_magic(ls->head, ls->headlen)) {
		if (gunzip_init(&ls->gz, err) < 0)
			return -1;
		ls->kind = KIND_GZIP;
		gunzip_window(&ls->gz, ls->tslot + ls->tfill,
			      ls->tsize - ls->tfill);
	} else if (ls->headlen == 4 && !memcmp(ls->head, zstd, 4)) {
		return err_set(err, 0, "zstd-compressed layers are not supported");
	} else {
		ls->kind = KIND_PLAIN;
	}
	return 0;
}

static int inflate_bytes(struct layer_sink *ls, const void *buf, size_t len,
			 struct md_err *err)
{
	if (ls->kind == KIND_GZIP)
		return gunzip_feed(&ls->gz, buf, len, tar_bytes, ls, err);
	return tar_bytes(ls, buf, len, err);
}

/* Blob bytes: the first 4 decide what the blob is. */
static int blob_bytes(struct layer_sink *ls, const unsigned char *p,
		      size_t len, struct md_err *err)
{
	if (ls->kind == KIND_UNKNOWN) {
		size_t n = 4 - ls->headlen < len ? 4 - ls->headlen : len;
		memcpy(ls->head + ls->headlen, p, n);
		ls->headlen += n;
		p += n;
		len -= n;
		if (ls->headlen < 4)
			return 0;
		if (pick_kind(ls, err) < 0 ||
		    inflate_bytes(ls, ls->head, ls->headlen, err) < 0)
			return -1;
	}
	return len ? inflate_bytes(ls, p, len, err) : 0;
}

/* The end of the blob: under 4 bytes in all still say what it is; the
 * gzip stream must be complete; the last slot goes to the unpacker. */
static int blob_end(struct layer_sink *ls, struct md_err *err)
{
	if (ls->kind == KIND_UNKNOWN &&
	    (pick_kind(ls, err) < 0 ||
	     inflate_bytes(ls, ls->head, ls->headlen, err) < 0))
		return -1;
	if (ls->kind == KIND_GZIP && gunzip_finish(&ls->gz, err) < 0)
		return -1;
	if (ls->tfill)
		ring_put(&ls->tring, ls->tfill);
	ls->tfill = 0;
	return 0;
}

static void *inflater(void *arg)
{
	struct layer_sink *ls = arg;
	const unsigned char *p;
	size_t len;
	int r = 0;

	pthread_setname_np(pthread_self(), "md-inflate");
	thread_nice(0);
	while (!r && (p = ring_get(&ls->zring, &len))) {
		r = blob_bytes(ls, p, len, &ls->ierr);
		ring_release(&ls->zring);
	}
	if (!r && ring_aborted(&ls->zring)) {	/* the caller gave up */
		ring_abort(&ls->tring);
		return NULL;
	}
	if (!r)
		r = blob_end(ls, &ls->ierr);
	if (r < 0) {
		ls->ifailed = 1;
		ring_fail(&ls->zring);
		ring_abort(&ls->tring);
		return NULL;
	}
	ring_close(&ls->tring);
	return NULL;
}

/* ---- the caller's side ---- */

static int threads_start(struct layer_sink *ls, struct md_err *err)
{
	int e;

	ls->zsize = zslot_size;
	ls->tsize = zslot_size * TSLOT_ZSLOTS;
	if (ring_init(&ls->zring, ZRING_SLOTS, ls->zsize) < 0 ||
	    ring_init(&ls->tring, TRING_SLOTS, ls->tsize) < 0)
		return err_set(err, errno, "layer");
	/* All slots are free: these never wait. */
	ls->zslot = ring_slot(&ls->zring);
	ls->tslot = ring_slot(&ls->tring);
	e = pthread_create(&ls->unpacker, NULL, unpacker, ls);
	if (e)
		return err_set(err, e, "layer: thread");
	e = pthread_create(&ls->inflater, NULL, inflater, ls);
	if (e) {
		ring_abort(&ls->tring);
		pthread_join(ls->unpacker, NULL);
		return err_set(err, e, "layer: thread");
	}
	ls->threads = 1;
	return 0;
}

/* The first failure of the pipeline, the furthest stage's: a stage only
 * stops the ones before it after it failed itself. */
static int failure(struct layer_sink *ls, struct md_err *err)
{
	if (ls->ufailed)
		*err = ls->uerr;
	else if (ls->ifailed)
		*err = ls->ierr;
	else
		return err_set(err, ECANCELED, "layer: internal: pipeline "
			       "stopped");
	return -1;
}

/* Ends the threads: after all that was put (close) or at once (abort).
 * -1 with err set if one failed. */
static int threads_stop(struct layer_sink *ls, int abort, struct md_err *err)
{
	if (ls->threads) {
		if (abort)
			ring_abort(&ls->zring);
		else
			ring_close(&ls->zring);
		pthread_join(ls->inflater, NULL);
		pthread_join(ls->unpacker, NULL);
		ls->threads = 0;
	}
	if (ls->ufailed || ls->ifailed)
		return err ? failure(ls, err) : -1;
	return 0;
}

struct layer_sink *layer_sink_new(struct store *s, struct md_err *err)
{
	struct layer_sink *ls = calloc(1, sizeof(*ls));
	unsigned char rnd[8];
	char hex[17];

	if (!ls) {
		err_set(err, ENOMEM, "layer");
		return NULL;
	}
	ls->s = s;
	ls->dirfd = ls->rootfd = -1;
	random_bytes(rnd, sizeof(rnd));
	hex_encode(hex, rnd, sizeof(rnd));
	snprintf(ls->tmp, sizeof(ls->tmp), "tmp/layer-%s", hex);
	if (mkdirat(s->fd, ls->tmp, 0700) < 0 ||
	    mkdirat(s->fd, strcat(strcpy((char[64]){0}, ls->tmp), "/root"),
		    0755) < 0) {
		err_set(err, errno, "layer staging %s/%s", s->root, ls->tmp);
		layer_sink_free(ls);
		return NULL;
	}
	ls->dirfd = openat(s->fd, ls->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ls->rootfd = ls->dirfd < 0 ? -1 :
		openat(ls->dirfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ls->rootfd < 0) {
		err_set(err, errno, "layer staging %s/%s", s->root, ls->tmp);
		layer_sink_free(ls);
		return NULL;
	}
	sha256_init(&ls->blob);
	sha256_init(&ls->diff);
	unpack_init(&ls->up, ls->rootfd);
	if (threads_start(ls, err) < 0) {
		layer_sink_free(ls);
		return NULL;
	}
	return ls;
}

void layer_sink_free(struct layer_sink *ls)
{
	if (!ls)
		return;
	threads_stop(ls, 1, NULL);
	ring_free(&ls->zring);
	ring_free(&ls->tring);
	if (!ls->ended) {
		unpack_free(&ls->up);
		if (ls->kind == KIND_GZIP)
			gunzip_end(&ls->gz);
	}
	if (ls->rootfd >= 0)
		close(ls->rootfd);
	if (ls->dirfd >= 0)
		close(ls->dirfd);
	if (!ls->committed)
		rm_rf_at(ls->s->fd, ls->tmp);
	free(ls);
}

int layer_sink_write(struct layer_sink *ls, const void *buf, size_t len,
		     struct md_err *err)
{
	const unsigned char *p = buf;

	if (ls->ended || !ls->zslot)
		return err_set(err, 0, "layer: written after its end or a "
			       "failure");
	sha256_update(&ls->blob, buf, len);
	ls->blob_bytes += len;
	while (len) {
		size_t n = ls->zsize - ls->zfill < len ? ls->zsize - ls->zfill : len;
		memcpy(ls->zslot + ls->zfill, p, n);
		ls->zfill += n;
		p += n;
		len -= n;
		if (ls->zfill < ls->zsize)
			break;
		ring_put(&ls->zring, ls->zfill);
		ls->zfill = 0;
		/* None: a later stage failed. Its error is safe to read
		 * once both threads are joined. */
		if (!(ls->zslot = ring_slot(&ls->zring)))
			return threads_stop(ls, 1, err) < 0 ? -1 :
			       failure(ls, err);
	}
	return 0;
}

int layer_sink_end(struct layer_sink *ls, char *digest, char *diff_id,
		   struct md_err *err)
{
	if (!ls->ended) {
		if (!ls->zslot)
			return err_set(err, 0, "layer: ended after a failure");
		if (ls->zfill)
			ring_put(&ls->zring, ls->zfill);
		ls->zfill = 0;
		ls->zslot = NULL;	/* nothing more goes in */
		/* All of it inflated and unpacked: the threads' state is the
		 * caller's from here on. */
		if (threads_stop(ls, 0, err) < 0 ||
		    unpack_finish(&ls->up, err) < 0)
			return -1;
		sha256_final_str(&ls->blob, ls->digest);
		sha256_final_str(&ls->diff, ls->diff_id);
		ls->size = ls->up.bytes;
		/* Drop the stream state: a caller may hold many ended sinks. */
		ring_free(&ls->zring);
		ring_free(&ls->tring);
		unpack_free(&ls->up);
		if (ls->kind == KIND_GZIP)
			gunzip_end(&ls->gz);
		ls->kind = KIND_PLAIN;
		ls->ended = 1;
	}
	if (digest)
		strcpy(digest, ls->digest);
	if (diff_id)
		strcpy(diff_id, ls->diff_id);
	return 0;
}

static int write_layer_ini(struct layer_sink *ls, const char *diff_id,
			   const char *digest, struct md_err *err)
{
	struct ini_out o = { 0 };
	int r;

	ini_kv(&o, "diff_id", diff_id);
	ini_kv(&o, "digest", digest);
	ini_kvf(&o, "size", "%llu", (unsigned long long)ls->size);
	ini_kvf(&o, "tar_size", "%llu", (unsigned long long)ls->diff_bytes);
	/* Not synced here: the syncfs before the commit covers it (an fsync
	 * would be one more journal commit to wait for). */
	r = ini_out_replace_at(&o, ls->dirfd, "layer.ini", 0644, 0, err);
	ini_out_free(&o);
	return r;
}

int layer_sink_commit(struct layer_sink *ls, const char *want_digest,
		      const char *want_diff_id, char *diff_id,
		      struct md_err *err)
{
	char digest[DIGEST_LEN + 1], dest[80];

	if (layer_sink_end(ls, digest, diff_id, err) < 0)
		return -1;
	if (want_digest && strcmp(want_digest, digest))
		return err_set(err, 0, "layer %s: digest mismatch: got %s",
			       want_digest, digest);
	if (want_diff_id && strcmp(want_diff_id, diff_id))
		return err_set(err, 0, "layer %s: diff_id mismatch: got %s",
			       want_diff_id, diff_id);
	if (write_layer_ini(ls, diff_id, digest, err) < 0)
		return -1;
	/* The layer must be on disk before its name says it is complete. */
	if (syncfs(ls->rootfd) < 0)
		return err_set(err, errno, "layer %s: sync", diff_id);
	snprintf(dest, sizeof(dest), "layers/%s", diff_id + 7);
	if (renameat(ls->s->fd, ls->tmp, ls->s->fd, dest) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return err_set(err, errno, "layer %s: rename", diff_id);
		return 0;	/* stored already: ours is dropped by free */
	}
	ls->committed = 1;
	return 0;
}

int store_layer_exists(struct store *s, const char *diff_id)
{
	char path[96];
	struct stat st;

	if (strncmp(diff_id, "sha256:", 7) || !is_hex(diff_id + 7, 64))
		return 0;
	snprintf(path, sizeof(path), "layers/%s/layer.ini", diff_id + 7);
	return fstatat(s->fd, path, &st, 0) == 0;
}

int store_layer_link(struct store *s, const char *diff_id, char *out,
		     size_t outlen, struct md_err *err)
{
	char target[96], got[96], name[80];

	snprintf(target, sizeof(target), "../layers/%s/root", diff_id + 7);
	/* The shortest prefix not taken by another layer. */
	for (int n = 10; n <= 64; n += 6) {
		ssize_t len;
		snprintf(name, sizeof(name), "l/%.*s", n, diff_id + 7);
		if (symlinkat(target, s->fd, name) == 0)
			break;
		if (errno != EEXIST)
			return err_set(err, errno, "layer link %s", name);
		len = readlinkat(s->fd, name, got, sizeof(got) - 1);
		if (len >= 0) {
			got[len] = 0;
			if (!strcmp(got, target))
				break;
		}
		if (n + 6 > 64)
			return err_set(err, 0, "layer link for %s: no free name",
				       diff_id);
	}
	if (snprintf(out, outlen, "%s", name) >= (int)outlen)
		return err_set(err, ENAMETOOLONG, "layer link %s", name);
	return 0;
}

/* Unpacking keeps what a layer says, which only root may: any owner
 * (CAP_CHOWN), device nodes and whiteouts (CAP_MKNOD), overlay's trusted.*
 * xattrs (CAP_SYS_ADMIN), modes, times and writes on files of other owners
 * (CAP_FOWNER, CAP_DAC_OVERRIDE). */
int layer_check_privileges(struct md_err *err)
{
	static const struct { int cap; const char *name; } need[] = {
		{ 0, "CAP_CHOWN" }, { 1, "CAP_DAC_OVERRIDE" }, { 3, "CAP_FOWNER" },
		{ 27, "CAP_MKNOD" }, { 21, "CAP_SYS_ADMIN" },
	};
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t effective, permitted, inheritable; } data[2] = { 0 };
	char missing[100] = "";
	size_t n = 0;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return err_set(err, errno, "read capabilities");
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(data[need[i].cap / 32].effective & (1u << need[i].cap % 32)))
			n += snprintf(missing + n, sizeof(missing) - n, "%s%s",
				      n ? ", " : "", need[i].name);
	if (n)
		return err_set(err, 0, "must run as root: unpacking layers "
			       "needs %s, which uid %u lacks", missing,
			       (unsigned)geteuid());
	return 0;
}
