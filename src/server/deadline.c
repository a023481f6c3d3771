/*
 * The request and response deadlines. libmicrohttpd 0.9.75 only has an idle
 * timeout (see below); this file adds a deadline on receiving each request
 * in full, and one on sending each response (a minimum send rate: issue #14
 * item 8, slow readers).
 */

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "server/internal.h"
#include "server/ratelimit.h"

/*
 * libmicrohttpd 0.9.75 only has an idle timeout: a client sending one header
 * or body byte within each timeout holds its connection for ever. Every API
 * connection is listed here; the reaper shuts down (the socket, so that
 * libmicrohttpd closes the connection in its own thread) any connection
 * whose current request has not been received in full within the timeout of
 * the connection's opening or of the end of its previous response.
 * A connection leaves the list in the CLOSED notification, which
 * libmicrohttpd makes before it closes the descriptor, under conns_lock:
 * the reaper never shuts down a descriptor that was reused.
 */
void bc_server_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe)
{
	struct bc_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	struct bc_server_conn *k;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = calloc(1, sizeof(*k));
		if (!k || !ci) {
			free(k);
			*socket_context = NULL;
			return;
		}
		k->fd = ci->connect_fd;
		atomic_init(&k->responding, 0);
		atomic_init(&k->since, bc_server_ratelimit_now());
		atomic_init(&k->respond_by, 0.0);
		pthread_mutex_lock(&srv->conns_lock);
		k->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = k;
		srv->conns = k;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = k;
		return;
	}
	k = *socket_context;
	if (!k)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	if (k->prev)
		k->prev->next = k->next;
	else
		srv->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&srv->conns_lock);
	*socket_context = NULL;
	free(k);
}

static void *reaper_main(void *arg)
{
	struct bc_server *srv = arg;
	struct timespec ts;
	struct bc_server_conn *k;
	double now;

	pthread_mutex_lock(&srv->conns_lock);
	while (!srv->reaper_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&srv->reaper_cond, &srv->conns_lock, &ts);
		now = bc_server_ratelimit_now();
		for (k = srv->conns; k; k = k->next) {
			atomic_uint_fast64_t *counter;
			double by;

			if (k->cut)
				continue;
			if (atomic_load(&k->responding)) {
				by = atomic_load(&k->respond_by);
				if (by <= 0 || now <= by)
					continue;
				counter = &srv->metrics.response_deadline_closed;
			} else {
				if (now - atomic_load(&k->since) <= (double)srv->opt.timeout)
					continue;
				counter = &srv->metrics.deadline_closed;
			}
			shutdown(k->fd, SHUT_RDWR);
			k->cut = 1;
			atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&srv->conns_lock);
	return NULL;
}

int bc_server_reaper_start(struct bc_server *srv)
{
	pthread_condattr_t attr;
	int ret = -1;

	if (pthread_condattr_init(&attr))
		return -1;
	if (!pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) &&
	    !pthread_cond_init(&srv->reaper_cond, &attr)) {
		if (!pthread_create(&srv->reaper, NULL, reaper_main, srv)) {
			srv->reaper_running = 1;
			ret = 0;
		} else {
			pthread_cond_destroy(&srv->reaper_cond);
		}
	}
	pthread_condattr_destroy(&attr);
	return ret;
}

void bc_server_reaper_stop(struct bc_server *srv)
{
	if (!srv->reaper_running)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	srv->reaper_stop = 1;
	pthread_cond_signal(&srv->reaper_cond);
	pthread_mutex_unlock(&srv->conns_lock);
	pthread_join(srv->reaper, NULL);
	pthread_cond_destroy(&srv->reaper_cond);
	srv->reaper_running = 0;
}


double bc_server_respond_by(const struct bc_server *srv, uint64_t bytes)
{
	if (!srv->opt.min_send_rate)
		return 0;
	return bc_server_ratelimit_now() + (double)srv->opt.timeout +
	       (double)bytes / (double)srv->opt.min_send_rate;
}
