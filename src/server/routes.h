#ifndef BC_SERVER_ROUTES_H
#define BC_SERVER_ROUTES_H

/*
 * Route ids, as the metrics and the log see them: 0..n-1 are the lines of
 * the routing table (routes.c, in its order), and three fixed ids follow.
 * A route id is only ever shown as its template, never as a raw path.
 */

#define BC_SERVER_ROUTES_MAX 32
#define BC_SERVER_ROUTE_METRICS (BC_SERVER_ROUTES_MAX - 3) /* /metrics, own listener */
#define BC_SERVER_ROUTE_PAGE (BC_SERVER_ROUTES_MAX - 2)    /* / and the page's files */
#define BC_SERVER_ROUTE_UNKNOWN (BC_SERVER_ROUTES_MAX - 1) /* anything else (404) */

/* The number of lines in the routing table (< BC_SERVER_ROUTE_METRICS). */
unsigned bc_server_route_count(void);

/* The template of route id, e.g. "/v1/buckets/{index_id}/{bucket}",
 * "/metrics", "/{page}"; "unknown" for UNKNOWN or an id out of range. */
const char *bc_server_route_template(unsigned route);

/* The route id whose template is template, or BC_SERVER_ROUTE_UNKNOWN. */
unsigned bc_server_route_find(const char *template);

#endif
