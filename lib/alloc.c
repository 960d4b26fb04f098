/* md's malloc: it replaces libc's (musl's mallocng, which maps and unmaps
 * memory for nearly every group of small blocks it needs: a short md
 * command paid some 25 mmap/munmap calls and their page faults).
 *
 * Size classes of powers of two from 16 bytes to 64 KiB, carved from
 * 256 KiB chunks and kept on a free list per class once freed (memory is
 * not given back: md's processes are short, or, like the monitor, reuse
 * what they free). Bigger blocks are mappings of their own, unmapped on
 * free. Each block has a 16-byte header with its class (or its mapping's
 * size); blocks are 16-byte aligned.
 *
 * Threads: md-pull's layer workers, and each layer's inflate and unpack
 * threads (lib/layer.c), allocate at the same time, so one mutex guards
 * the free lists and the chunk being carved (mappings need none).
 * Per-thread caches would not pay: md allocates little while it streams,
 * and an uncontended lock costs a few nanoseconds.
 *
 * Processes: md never shares its memory with another process (no
 * CLONE_VM): md-run's child and md-run --rm's remover are copies, and
 * each allocates from its own copy of the lists. A copy taken while
 * another thread held the lock would keep it held forever: md forks and
 * clones only while it has one thread (md-run and md-rm do not start
 * threads; md-pull's workers, and a layer's threads, end before md-pull
 * returns).
 *
 * Inside musl: FILE (fopen, fdopen) and DIR (opendir) come from here, as
 * do strdup, getline and the like. musl's own internal allocations
 * (time zone data, locales) call __libc_malloc, which with malloc
 * replaced is musl's small bump allocator (lite_malloc: a lock of its own,
 * nothing freed); mallocng is not linked at all. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HDR		16
#define MIN_SHIFT	4			/* 16 bytes */
#define NCLASS		13			/* up to 64 KiB */
#define CHUNK		(256 << 10)
#define BIG		0xffffffffu		/* class of a mapping */

struct hdr {
	uint32_t class;
	uint32_t offset;	/* of the block in its mapping (aligned ones) */
	uint64_t size;		/* a mapping's length */
};

/* Guards free_list and the chunk (see above). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *free_list[NCLASS];
static char *chunk_pos, *chunk_end;

static int class_of(size_t n)
{
	int c = 0;

	while (c < NCLASS && ((size_t)1 << (c + MIN_SHIFT)) < n)
		c++;
	return c;
}

static void *carve(size_t len)
{
	void *p;

	if ((size_t)(chunk_end - chunk_pos) < len) {
		p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		chunk_pos = p;
		chunk_end = chunk_pos + CHUNK;
	}
	p = chunk_pos;
	chunk_pos += len;
	return p;
}

/* A mapping of its own for n bytes aligned to align (a power of two,
 * at least HDR). */
static void *map_block(size_t n, size_t align)
{
	size_t len = n + HDR + align - HDR;
	char *base, *p;
	struct hdr *h;

	if (len < n || len > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	p = (char *)(((uintptr_t)base + HDR + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct hdr *)(p - HDR);
	h->class = BIG;
	h->offset = (uint32_t)((char *)h - base);
	h->size = len;
	return p;
}

/* A block of class c, from its free list or a chunk (lock held). */
static void *class_block(int c)
{
	struct hdr *h;
	void *p = free_list[c];

	if (p) {
		free_list[c] = *(void **)p;
		return p;
	}
	h = carve(((size_t)1 << (c + MIN_SHIFT)) + HDR);
	if (!h)
		return NULL;
	h->class = c;
	return (char *)h + HDR;
}

void *malloc(size_t n)
{
	int c = class_of(n);
	void *p;

	if (c == NCLASS)
		return map_block(n, HDR);
	pthread_mutex_lock(&lock);
	p = class_block(c);
	pthread_mutex_unlock(&lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

static struct hdr *hdr_of(void *p)
{
	return (struct hdr *)((char *)p - HDR);
}

static size_t capacity(const struct hdr *h)
{
	return h->class == BIG ? h->size - h->offset - HDR :
	       (size_t)1 << (h->class + MIN_SHIFT);
}

void free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	h = hdr_of(p);
	if (h->class == BIG) {
		munmap((char *)h - h->offset, h->size);
		return;
	}
	pthread_mutex_lock(&lock);
	*(void **)p = free_list[h->class];
	free_list[h->class] = p;
	pthread_mutex_unlock(&lock);
}

void *calloc(size_t n, size_t m)
{
	void *p;

	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	/* A mapping of its own comes zeroed: its pages stay untouched (and
	 * out of the RSS) until used. */
	if ((p = malloc(n * m)) && class_of(n * m) != NCLASS)
		memset(p, 0, n * m);
	return p;
}

void *realloc(void *p, size_t n)
{
	void *q;
	size_t cap;

	if (!p)
		return malloc(n);
	cap = capacity(hdr_of(p));
	if (n <= cap && (hdr_of(p)->class == BIG || n > cap / 4))
		return p;
	if (!(q = malloc(n)))
		return NULL;
	memcpy(q, p, n < cap ? n : cap);
	free(p);
	return q;
}

size_t malloc_usable_size(void *p)
{
	return p ? capacity(hdr_of(p)) : 0;
}

/* Alignments above 16 (nothing in md asks for them) get a mapping. */
void *aligned_alloc(size_t align, size_t n)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	return align <= HDR ? malloc(n) : map_block(n, align);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || align & (align - 1))
		return EINVAL;
	if (!(p = aligned_alloc(align, n)))
		return ENOMEM;
	*out = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}
