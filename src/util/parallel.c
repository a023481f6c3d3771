#include "util/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

int bc_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (n > 256 ? 256 : (int)n);
}

struct pfor {
	size_t n, chunk;
	atomic_size_t next;
	void (*fn)(void *arg, size_t begin, size_t end);
	void *arg;
};

static void *pfor_worker(void *v)
{
	struct pfor *pf = v;

	for (;;) {
		size_t b = atomic_fetch_add(&pf->next, pf->chunk);

		if (b >= pf->n)
			break;
		pf->fn(pf->arg, b, b + pf->chunk < pf->n ? b + pf->chunk : pf->n);
	}
	return NULL;
}

int bc_parallel_for(size_t n, size_t chunk, int threads,
		    void (*fn)(void *arg, size_t begin, size_t end), void *arg)
{
	struct pfor pf;
	pthread_t tid[256];
	int i, started = 0, ret = 0;

	if (threads <= 0)
		threads = bc_ncpu();
	if (threads > 256)
		threads = 256;
	pf.n = n;
	pf.chunk = chunk ? chunk : 1;
	atomic_init(&pf.next, 0);
	pf.fn = fn;
	pf.arg = arg;
	for (i = 1; i < threads && (size_t)i * pf.chunk < n; i++) {
		if (pthread_create(&tid[started], NULL, pfor_worker, &pf) != 0) {
			ret = -1;
			break;
		}
		started++;
	}
	pfor_worker(&pf);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return ret;
}
