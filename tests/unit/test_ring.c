/* The ring between two threads: a byte sequence in slots of random fill
 * arrives whole and in order, close drains what is left, abort and fail
 * stop the other side wherever it waits. */
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "ring.h"

static int fails;

#define CHECK(cond, ...) do { if (!(cond)) { fails++; \
	printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
	printf("\n"); } } while (0)

#define SLOT 256
#define TOTAL (1u << 20)

struct run {
	struct ring r;
	size_t got, stop_after;	/* consumer: bytes checked; fail then */
	int bad, slow;
	unsigned seed;
};

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 16;
}

static void *consumer(void *arg)
{
	struct run *t = arg;
	const unsigned char *p;
	size_t len;

	while ((p = ring_get(&t->r, &len))) {
		for (size_t i = 0; i < len; i++, t->got++)
			if (p[i] != (unsigned char)(t->got * 7 + t->got / 251))
				t->bad = 1;
		if (t->slow == 1 && t->got % 4096 < len)
			usleep(1);
		if (t->slow == 2 && next(&t->seed) % 8 == 0)
			sched_yield();
		ring_release(&t->r);
		if (t->stop_after && t->got >= t->stop_after) {
			ring_fail(&t->r);
			break;
		}
	}
	return NULL;
}

/* Produces up to TOTAL bytes; returns how many were put. */
static size_t produce(struct run *t, int slow)
{
	size_t sent = 0;
	unsigned s = 1;

	while (sent < TOTAL) {
		unsigned char *p = ring_slot(&t->r);
		size_t n = 1 + next(&s) % SLOT;
		if (!p)
			break;
		if (n > TOTAL - sent)
			n = TOTAL - sent;
		for (size_t i = 0; i < n; i++, sent++)
			p[i] = (unsigned char)(sent * 7 + sent / 251);
		if (slow == 1 && sent % 8192 < n)
			usleep(1);
		if (slow == 2 && next(&s) % 8 == 0)
			sched_yield();
		ring_put(&t->r, n);
	}
	return sent;
}

static void stream(size_t nslots, int slow_producer, int slow_consumer)
{
	struct run t = { .slow = slow_consumer };
	pthread_t th;
	size_t sent;

	CHECK(ring_init(&t.r, nslots, SLOT) == 0, "init");
	pthread_create(&th, NULL, consumer, &t);
	sent = produce(&t, slow_producer);
	ring_close(&t.r);
	pthread_join(th, NULL);
	CHECK(sent == TOTAL && t.got == TOTAL && !t.bad,
	      "%zu slots: sent %zu, got %zu, bad %d", nslots, sent, t.got, t.bad);
	ring_free(&t.r);
}

static void consumer_fails(void)
{
	struct run t = { .stop_after = 100000 };
	pthread_t th;
	size_t sent;

	ring_init(&t.r, 4, SLOT);
	pthread_create(&th, NULL, consumer, &t);
	sent = produce(&t, 0);		/* returns once ring_slot says no */
	pthread_join(th, NULL);
	CHECK(sent < TOTAL && t.got >= 100000 && !t.bad,
	      "fail: producer went on to %zu", sent);
	ring_free(&t.r);
}

static void producer_aborts(void)
{
	struct run t = { 0 };
	pthread_t th;
	unsigned char *p;

	ring_init(&t.r, 4, SLOT);
	pthread_create(&th, NULL, consumer, &t);	/* waits in ring_get */
	usleep(10000);
	p = ring_slot(&t.r);
	memset(p, 0, SLOT);
	ring_abort(&t.r);
	pthread_join(th, NULL);		/* must return: abort wakes it */
	CHECK(t.got == 0, "abort: the consumer took %zu bytes", t.got);
	ring_free(&t.r);

	/* Abort with filled slots: they are dropped, not drained. */
	ring_init(&t.r, 4, SLOT);
	for (int i = 0; i < 4; i++) {
		p = ring_slot(&t.r);
		ring_put(&t.r, SLOT);
	}
	ring_abort(&t.r);
	t.got = 0;
	pthread_create(&th, NULL, consumer, &t);
	pthread_join(th, NULL);
	CHECK(t.got == 0, "abort after puts: the consumer took %zu", t.got);
	ring_free(&t.r);
}

int main(void)
{
	struct ring r;

	alarm(60);	/* a lost wake-up hangs: the alarm fails the test */
	CHECK(ring_init(&r, 0, SLOT) < 0, "0 slots accepted");
	CHECK(ring_init(&r, RING_SLOTS_MAX + 1, SLOT) < 0, "too many slots");
	for (size_t n = 1; n <= 8; n *= 2)
		stream(n, 0, 0);
	stream(4, 1, 0);
	stream(4, 0, 1);
	/* Both sides stall at random: each sleeps and wakes the other in
	 * every order. */
	for (int i = 0; i < 20; i++)
		stream(2 + i % 7, 2, 2);
	consumer_fails();
	producer_aborts();
	if (fails)
		printf("%d failures\n", fails);
	return fails != 0;
}
