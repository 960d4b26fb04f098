/* Layer import: stream -> sha256 (blob digest) -> gzip framing -> sha256
 * (diff_id) -> tar -> a staging directory under tmp/, renamed to
 * layers/HEX once both digests are checked. A rename onto an existing
 * layer fails, so two processes importing the same layer both succeed and
 * the layer is stored once.
 *
 * Two threads per layer. The caller's thread (the producer: md-pull's
 * layer worker, md-import's and md-load's main thread) hashes the blob and
 * inflates it straight into the free slots of a ring (ring.h); the
 * sink's own thread (the consumer) hashes the tar stream and unpacks it,
 * making the files. Inflate and file creation each take about half of a
 * layer's time, so on two cores they overlap instead of adding up.
 *
 * What the threads share: the ring (its own lock), and cerr, the
 * consumer's error, written before ring_fail and read by the producer
 * after ring_slot has returned NULL, or after the join. The consumer alone
 * touches diff, diff_bytes and up until it is joined; the producer the
 * rest. The ring's slots change hands as ring.h says. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gunzip.h"
#include "ini.h"
#include "ring.h"
#include "sha256.h"
#include "unpack.h"
#include "util.h"

/* 512 KiB in flight per layer: enough to ride out a slow file or a slow
 * read, small enough for two layers at once within md-pull's 4 MiB. */
#define RING_SLOTS 8
#define RING_SLOT (64 << 10)

enum { KIND_UNKNOWN, KIND_PLAIN, KIND_GZIP };

struct layer_sink {
	struct store *s;
	char tmp[40];		/* tmp/NAME of the staging dir */
	int dirfd, rootfd;
	int kind, committed, ended;
	char digest[DIGEST_LEN + 1], diff_id[DIGEST_LEN + 1];
	unsigned char head[4];
	size_t headlen;
	struct sha256 blob, diff;
	uint64_t blob_bytes, diff_bytes, size;
	struct unpack up;
	struct gunzip gz;
	/* The two threads (see the top of this file). */
	struct ring ring;
	unsigned char *slot;	/* the producer's slot being filled */
	size_t fill;		/* bytes in it */
	pthread_t consumer;
	int running;		/* consumer started and not yet joined */
	int cfailed;		/* the consumer stopped on cerr */
	struct md_err cerr;
};

/* The consumer: every filled slot into the diff_id hash and the tar
 * reader, in order. After a failure it takes no more (ring_fail). */
static void *consume(void *arg)
{
	struct layer_sink *ls = arg;
	const unsigned char *p;
	size_t len;

	while ((p = ring_get(&ls->ring, &len))) {
		sha256_update(&ls->diff, p, len);
		ls->diff_bytes += len;
		if (unpack_feed(&ls->up, p, len, &ls->cerr) < 0) {
			ls->cfailed = 1;
			ring_release(&ls->ring);
			ring_fail(&ls->ring);
			break;
		}
		ring_release(&ls->ring);
	}
	return NULL;
}

/* Ends the consumer: after what was put (close) or at once (abort).
 * -1 with err set if it failed. */
static int consumer_stop(struct layer_sink *ls, int abort, struct md_err *err)
{
	if (ls->running) {
		if (abort)
			ring_abort(&ls->ring);
		else
			ring_close(&ls->ring);
		pthread_join(ls->consumer, NULL);
		ls->running = 0;
	}
	if (ls->cfailed && err)
		*err = ls->cerr;
	return ls->cfailed ? -1 : 0;
}

static int consumer_start(struct layer_sink *ls, struct md_err *err)
{
	int e;

	if (ring_init(&ls->ring, RING_SLOTS, RING_SLOT) < 0)
		return err_set(err, errno, "layer");
	ls->slot = ring_slot(&ls->ring);	/* all free: never waits */
	e = pthread_create(&ls->consumer, NULL, consume, ls);
	if (e)
		return err_set(err, e, "layer: thread");
	ls->running = 1;
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
	if (consumer_start(ls, err) < 0) {
		layer_sink_free(ls);
		return NULL;
	}
	return ls;
}

void layer_sink_free(struct layer_sink *ls)
{
	if (!ls)
		return;
	consumer_stop(ls, 1, NULL);
	ring_free(&ls->ring);
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

/* The producer's slot is full: hands it over and takes the next free one.
 * -1 if the consumer has failed (its error). */
static int next_slot(struct layer_sink *ls, struct md_err *err)
{
	ring_put(&ls->ring, ls->fill);
	ls->fill = 0;
	ls->slot = ring_slot(&ls->ring);
	if (!ls->slot) {	/* the consumer failed: cerr is set */
		*err = ls->cerr;
		return -1;
	}
	return 0;
}

/* Uncompressed tar bytes into the ring. Inflate writes them in place
 * (the gunzip window is the slot's free part); plain layers are copied. */
static int tar_bytes(void *user, const void *buf, size_t len,
		     struct md_err *err)
{
	struct layer_sink *ls = user;
	const unsigned char *p = buf;

	if (p == ls->slot + ls->fill) {
		ls->fill += len;
		len = 0;
	}
	for (;;) {
		size_t n = RING_SLOT - ls->fill < len ? RING_SLOT - ls->fill : len;
		memcpy(ls->slot + ls->fill, p, n);
		ls->fill += n;
		p += n;
		len -= n;
		if (ls->fill == RING_SLOT && next_slot(ls, err) < 0)
			return -1;
		if (!len)
			break;
	}
	if (ls->kind == KIND_GZIP)
		gunzip_window(&ls->gz, ls->slot + ls->fill, RING_SLOT - ls->fill);
	return 0;
}

static int pick_kind(struct layer_sink *ls, struct md_err *err)
{
	static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (ls->headlen >= 2 && gunzip_magic(ls->head, ls->headlen)) {
		if (gunzip_init(&ls->gz, err) < 0)
			return -1;
		ls->kind = KIND_GZIP;
		gunzip_window(&ls->gz, ls->slot + ls->fill, RING_SLOT - ls->fill);
	} else if (ls->headlen == 4 && !memcmp(ls->head, zstd, 4)) {
		return err_set(err, 0, "zstd-compressed layers are not supported");
	} else {
		ls->kind = KIND_PLAIN;
	}
	return 0;
}

static int sink_feed(struct layer_sink *ls, const void *buf, size_t len,
		     struct md_err *err)
{
	if (ls->kind == KIND_GZIP)
		return gunzip_feed(&ls->gz, buf, len, tar_bytes, ls, err);
	return tar_bytes(ls, buf, len, err);
}

int layer_sink_write(struct layer_sink *ls, const void *buf, size_t len,
		     struct md_err *err)
{
	const unsigned char *p = buf;

	sha256_update(&ls->blob, buf, len);
	ls->blob_bytes += len;
	if (ls->kind == KIND_UNKNOWN) {	/* sniff the first 4 bytes */
		size_t n = 4 - ls->headlen < len ? 4 - ls->headlen : len;
		memcpy(ls->head + ls->headlen, p, n);
		ls->headlen += n;
		p += n;
		len -= n;
		if (ls->headlen < 4)
			return 0;
		if (pick_kind(ls, err) < 0 ||
		    sink_feed(ls, ls->head, ls->headlen, err) < 0)
			return -1;
	}
	return len ? sink_feed(ls, p, len, err) : 0;
}

int layer_sink_end(struct layer_sink *ls, char *digest, char *diff_id,
		   struct md_err *err)
{
	if (!ls->ended) {
		if (ls->kind == KIND_UNKNOWN) {	/* under 4 bytes in all */
			if (pick_kind(ls, err) < 0 ||
			    sink_feed(ls, ls->head, ls->headlen, err) < 0)
				return -1;
		}
		if (ls->kind == KIND_GZIP && gunzip_finish(&ls->gz, err) < 0)
			return -1;
		/* The last slot, then all of it unpacked: the consumer's
		 * state is the producer's from here on. */
		if (ls->fill)
			ring_put(&ls->ring, ls->fill);
		ls->fill = 0;
		if (consumer_stop(ls, 0, err) < 0 ||
		    unpack_finish(&ls->up, err) < 0)
			return -1;
		sha256_final_str(&ls->blob, ls->digest);
		sha256_final_str(&ls->diff, ls->diff_id);
		ls->size = ls->up.bytes;
		/* Drop the stream state: a caller may hold many ended sinks. */
		ring_free(&ls->ring);
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
	r = ini_out_write_at(&o, ls->dirfd, "layer.ini", 0644, err);
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
