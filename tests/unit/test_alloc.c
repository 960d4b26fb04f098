/* md's allocator (lib/alloc.c, linked into every unit test) under four
 * threads: malloc, calloc, realloc, posix_memalign and free of small
 * classes, sizes about the 64 KiB boundary and big mappings, blocks
 * handed between threads, every block's contents checked. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fails;

#define CHECK(cond, ...) do { if (!(cond)) { __atomic_add_fetch(&fails, 1, \
	__ATOMIC_RELAXED); printf("FAIL %s:%d: ", __FILE__, __LINE__); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

size_t malloc_usable_size(void *p);

#define THREADS	4
#define ITERS	60000
#define SLOTS	64

/* Blocks other threads take over and free. */
static void *shared[SLOTS];
static int started;	/* threads ready: all begin at once */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t pick_size(uint64_t *s)
{
	uint64_t r = rnd(s), k = r % 1000;

	r >>= 10;
	if (k < 940)
		return 16 + r % 1024;			/* small classes */
	if (k < 980)
		return 1024 + r % (64 << 10);		/* middle classes */
	if (k < 995)
		return (64 << 10) - 40 + r % 80;	/* the class/mapping edge */
	return (64 << 10) + r % (192 << 10);	/* mappings */
}

static uint64_t word(uint64_t tag, size_t j)
{
	return tag ^ (j * 0x9e3779b97f4a7c15ull);
}

/* A block: its size, its tag, then words of the tag's pattern, then
 * bytes of the tag. */
static void fill(void *p, size_t n, uint64_t tag)
{
	uint64_t *w = p;
	size_t j;

	w[0] = n;
	w[1] = tag;
	for (j = 2; j < n / 8; j++)
		w[j] = word(tag, j);
	memset((char *)p + j * 8, (int)(tag & 0xff), n - j * 8);
}

/* Checks the first n bytes (at most the block's size). */
static int intact(const void *p, size_t n)
{
	const uint64_t *w = p;
	uint64_t tag = w[1], x;
	size_t full = w[0] / 8, j;

	if (n > w[0])
		return 0;
	for (j = 2; j < n / 8 && j < full; j++)
		if (w[j] != word(tag, j))
			return 0;
	for (size_t i = j * 8; i < n; i++) {
		x = i / 8 < full ? word(tag, i / 8) >> (i % 8 * 8) : tag;
		if (((const unsigned char *)p)[i] != (x & 0xff))
			return 0;
	}
	return 1;
}

static void *alloc_one(uint64_t *s, size_t n)
{
	void *p;
	int how = rnd(s) % 16;

	if (how == 0) {
		if (posix_memalign(&p, 64, n))
			return NULL;
		CHECK(((uintptr_t)p & 63) == 0, "posix_memalign(64): %p", p);
		return p;
	}
	if (how < 5) {
		unsigned char *c = n % 8 ? calloc(n, 1) : calloc(n / 8, 8);
		size_t i = 0;
		if (!c)
			return NULL;
		while (i < n && !c[i])
			i++;
		CHECK(i == n, "calloc(%zu): byte %zu not zero", n, i);
		return c;
	}
	return malloc(n);
}

static void *worker(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1), serial = 0;
	void *mine[SLOTS] = { 0 };

	__atomic_add_fetch(&started, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < THREADS)
		sched_yield();
	for (int it = 0; it < ITERS && !fails; it++) {
		uint64_t r = rnd(&s);
		size_t k = r % SLOTS, n;
		void **slot = &mine[k];
		uint64_t tag = ((uint64_t)(uintptr_t)arg << 56) | ++serial;

		r >>= 8;
		if (r % 8 == 0 && *slot) {		/* realloc */
			size_t old = ((uint64_t *)*slot)[0];
			void *q = realloc(*slot, n = pick_size(&s));
			CHECK(q, "realloc(%zu)", n);
			CHECK(intact(q, n < old ? n : old), "realloc %zu -> %zu "
			      "lost the contents", old, n);
			fill(q, n, tag);
			*slot = q;
		} else if (r % 8 == 1) {		/* hand over */
			*slot = __atomic_exchange_n(&shared[r % SLOTS], *slot,
						    __ATOMIC_ACQ_REL);
			if (*slot)
				CHECK(intact(*slot, ((uint64_t *)*slot)[0]),
				      "block taken over corrupt");
		} else if (*slot) {
			CHECK(intact(*slot, ((uint64_t *)*slot)[0]),
			      "block of %zu corrupt", (size_t)((uint64_t *)*slot)[0]);
			free(*slot);
			*slot = NULL;
		} else {
			void *p = alloc_one(&s, n = pick_size(&s));
			CHECK(p, "alloc(%zu)", n);
			fill(p, n, tag);
			*slot = p;
		}
		/* Tiny blocks come and go at once. */
		unsigned char *t = malloc(1 + r % 15);
		CHECK(t, "malloc(tiny)");
		memset(t, 0x5a, 1 + r % 15);
		free(t);
	}
	for (int k = 0; k < SLOTS; k++)
		if (mine[k]) {
			CHECK(intact(mine[k], ((uint64_t *)mine[k])[0]), "corrupt at end");
			free(mine[k]);
		}
	return NULL;
}

/* The blocks are md's: powers of two up to 64 KiB, exact mappings above
 * (musl's mallocng rounds otherwise). */
static void is_mds_allocator(void)
{
	for (int k = 4; k < 16; k++) {
		void *p = malloc(((size_t)1 << k) + 1);
		CHECK(malloc_usable_size(p) == (size_t)1 << (k + 1),
		      "malloc(%zu): %zu usable: not lib/alloc.c's malloc",
		      ((size_t)1 << k) + 1, malloc_usable_size(p));
		free(p);
	}
	void *p = malloc((64 << 10) + 1);
	CHECK(malloc_usable_size(p) == (64 << 10) + 1, "malloc(64 KiB + 1): %zu "
	      "usable: not lib/alloc.c's malloc", malloc_usable_size(p));
	free(p);
}

int main(void)
{
	pthread_t th[THREADS];
	struct timespec a, b;

	is_mds_allocator();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (uintptr_t i = 0; i < THREADS; i++)
		CHECK(!pthread_create(&th[i], NULL, worker, (void *)i), "thread");
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < SLOTS; k++)
		if (shared[k]) {
			CHECK(intact(shared[k], ((uint64_t *)shared[k])[0]),
			      "shared block corrupt at end");
			free(shared[k]);
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%d threads x %d operations: %.2f s\n", THREADS, ITERS,
	       (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	if (fails)
		printf("%d failures\n", fails);
	return fails != 0;
}
