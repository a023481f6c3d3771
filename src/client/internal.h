#ifndef BC_CLIENT_INTERNAL_H
#define BC_CLIENT_INTERNAL_H

/* Shared between the client's local and remote backends; not public. */

#include "client/client.h"

/* bucket op for backends holding the whole buckets.bin mapped (be->idx):
 * bucket i, checked against its hash in index.json ("bad_hash"). */
int bc_client_index_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			   struct bc_error *err);

#endif
