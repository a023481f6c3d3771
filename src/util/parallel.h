#ifndef BC_UTIL_PARALLEL_H
#define BC_UTIL_PARALLEL_H

#include <stddef.h>

/* Number of online CPUs, in 1..256. */
int bc_ncpu(void);

/*
 * Run fn(arg, begin, end) over [0, n) in chunks of `chunk` items (0 is 1)
 * on `threads` threads (0 or less: bc_ncpu(); at most 256; the caller's
 * thread takes part). fn must be safe to run concurrently on disjoint ranges.
 * Returns 0, or -1 if a thread could not be started (the others, and the
 * caller, still cover the whole range).
 */
int bc_parallel_for(size_t n, size_t chunk, int threads,
		    void (*fn)(void *arg, size_t begin, size_t end), void *arg);

#endif
