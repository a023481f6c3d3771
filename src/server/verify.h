#ifndef BC_SERVER_VERIFY_H
#define BC_SERVER_VERIFY_H

/*
 * Email verification, the proof tier's second way in (DESIGN.md §6, §8;
 * docs/verify.md): POST /v1/verify/start mails a 6-digit code to an
 * address; POST /v1/verify/evaluate evaluates one blinded element with the
 * POPRF under skV, the verified address as info. The bodies are parsed
 * apart from the HTTP handling so that they can be fuzzed.
 */

#include <stddef.h>
#include <stdint.h>

#include "normalize/normalize.h"
#include "oprf/oprf.h"
#include "server/evaluate.h"
#include "server/verify_store.h"

#define BC_VERIFY_CODE_DIGITS 6

/*
 * {"email": "..."}: the canonical address into email (BC_EMAIL_MAX bytes).
 * Returns 0, or -1 with *e (bad_json, bad_field; the message names the
 * field, never the value).
 */
int bc_server_verify_start_parse(const char *body, size_t len, char email[BC_EMAIL_MAX],
				 struct bc_server_body_error *e);

/*
 * {"verification_id": "<base64url of 16 bytes>", "code": "<6 digits>",
 *  "blinded_element": "<base64url of 32 bytes>"}: exactly one element.
 * code: 7 bytes (6 digits and a NUL). Returns 0, or -1 with *e (bad_json,
 * bad_field, invalid_element for an encoding that is not 32 bytes).
 */
int bc_server_verify_evaluate_parse(const char *body, size_t len, uint8_t id[BC_VERIFY_ID_BYTES],
				    char code[BC_VERIFY_CODE_DIGITS + 1],
				    uint8_t blinded[OPRF_ELEMENT_BYTES], struct bc_server_body_error *e);

#endif
