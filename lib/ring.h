/* A ring of buffers between two threads, one producer and one consumer:
 * the producer fills a free slot and puts it, the consumer gets the
 * oldest filled slot, uses it in place, and releases it. A layer's
 * inflate runs on one thread and its file creation on another through it
 * (lib/layer.c).
 *
 * Protocol. Producer: ring_slot (waits for a free slot; NULL once the
 * consumer has failed), fill it, ring_put(len); at the end ring_close, or
 * ring_abort to stop the consumer without its draining the rest.
 * Consumer: ring_get (waits for a filled slot; NULL after the last slot of
 * a closed ring, or once aborted: ring_aborted tells which), use it,
 * ring_release; ring_fail to say it will take no more (the producer's
 * ring_slot then returns NULL). Each
 * side calls only its own functions; ring_init and ring_free run while no
 * other thread uses the ring. */
#ifndef MD_RING_H
#define MD_RING_H

#include <pthread.h>
#include <stddef.h>

#define RING_SLOTS_MAX 16

struct ring {
	/* mu guards every field below it; the slots' bytes belong to one
	 * side at a time, as the protocol hands them over. */
	pthread_mutex_t mu;
	pthread_cond_t filled;	/* a slot was put, or the ring closed */
	pthread_cond_t freed;	/* a slot was released, or the consumer failed */
	unsigned char *buf;	/* nslots * size bytes */
	size_t size, nslots;
	size_t len[RING_SLOTS_MAX];	/* bytes in each filled slot */
	size_t head;		/* slots put so far (the producer's next: head % nslots) */
	size_t tail;		/* slots released so far */
	int closed, aborted, failed;
	int pwait, cwait;	/* the producer, the consumer sleeps */
};

/* nslots (1 to RING_SLOTS_MAX) slots of size bytes each; -1 (errno) if
 * they cannot be had. */
int ring_init(struct ring *r, size_t nslots, size_t size);
void ring_free(struct ring *r);

unsigned char *ring_slot(struct ring *r);
void ring_put(struct ring *r, size_t len);
void ring_close(struct ring *r);
void ring_abort(struct ring *r);

const unsigned char *ring_get(struct ring *r, size_t *len);
void ring_release(struct ring *r);
void ring_fail(struct ring *r);
/* After ring_get returned NULL: 1 if the producer aborted, 0 if it
 * closed the ring and all was taken. */
int ring_aborted(struct ring *r);

#endif
