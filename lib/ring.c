/* The ring of buffers (see ring.h). Slot i of the sequence is
 * buf + (i % nslots) * size. Between tail and head lie the filled slots
 * (the consumer's, from get to release); from head on, free ones, the
 * one at head the producer's between ring_slot and ring_put.
 *
 * A side that finds nothing to do sleeps on a condition until half the
 * ring is ready for it (or the stream ends), and the other side signals
 * only then: a wake-up costs a few microseconds (a futex call, another
 * CPU to rouse), and one per slot added up to a tenth of a layer's time
 * when one side is faster and waits on every slot. Both never sleep at
 * once: the producer sleeps only on a full ring, the consumer only on one
 * less than half full. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>

int ring_init(struct ring *r, size_t nslots, size_t size)
{
	if (!nslots || nslots > RING_SLOTS_MAX || !size) {
		errno = EINVAL;
		return -1;
	}
	r->buf = malloc(nslots * size);
	if (!r->buf)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->freed, NULL);
	r->size = size;
	r->nslots = nslots;
	r->head = r->tail = 0;
	r->closed = r->aborted = r->failed = r->pwait = r->cwait = 0;
	return 0;
}

void ring_free(struct ring *r)
{
	if (!r->buf)
		return;
	free(r->buf);
	r->buf = NULL;
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->freed);
	pthread_mutex_destroy(&r->mu);
}

/* Half the ring, at least one slot. */
static size_t half(const struct ring *r)
{
	return (r->nslots + 1) / 2;
}

/* A side's flag tells the other it sleeps: one flag per side, as a side
 * just woken may not have run yet when the other goes to sleep. */
static void wait_on(struct ring *r, pthread_cond_t *c, int *flag)
{
	*flag = 1;
	pthread_cond_wait(c, &r->mu);
	*flag = 0;
}

unsigned char *ring_slot(struct ring *r)
{
	unsigned char *p = NULL;

	pthread_mutex_lock(&r->mu);
	if (!r->failed && r->head - r->tail == r->nslots)
		while (!r->failed && r->nslots - (r->head - r->tail) < half(r))
			wait_on(r, &r->freed, &r->pwait);
	if (!r->failed)
		p = r->buf + r->head % r->nslots * r->size;
	pthread_mutex_unlock(&r->mu);
	return p;
}

void ring_put(struct ring *r, size_t len)
{
	pthread_mutex_lock(&r->mu);
	r->len[r->head % r->nslots] = len;
	r->head++;
	if (r->cwait && r->head - r->tail >= half(r))
		pthread_cond_signal(&r->filled);
	pthread_mutex_unlock(&r->mu);
}

static void finish(struct ring *r, int abort)
{
	pthread_mutex_lock(&r->mu);
	r->closed = 1;
	r->aborted |= abort;
	pthread_cond_signal(&r->filled);
	pthread_mutex_unlock(&r->mu);
}

void ring_close(struct ring *r)
{
	finish(r, 0);
}

void ring_abort(struct ring *r)
{
	finish(r, 1);
}

const unsigned char *ring_get(struct ring *r, size_t *len)
{
	const unsigned char *p = NULL;

	pthread_mutex_lock(&r->mu);
	if (r->head == r->tail)
		while (!r->aborted && !r->closed && r->head - r->tail < half(r))
			wait_on(r, &r->filled, &r->cwait);
	if (!r->aborted && r->head != r->tail) {
		p = r->buf + r->tail % r->nslots * r->size;
		*len = r->len[r->tail % r->nslots];
	}
	pthread_mutex_unlock(&r->mu);
	return p;
}

void ring_release(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->tail++;
	if (r->pwait && r->nslots - (r->head - r->tail) >= half(r))
		pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->mu);
}

void ring_fail(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->failed = 1;
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->mu);
}

int ring_aborted(struct ring *r)
{
	int a;

	pthread_mutex_lock(&r->mu);
	a = r->aborted;
	pthread_mutex_unlock(&r->mu);
	return a;
}
