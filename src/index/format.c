#include <string.h>

#include <sodium.h>

#include "index/index.h"
#include "index/index_internal.h"

static int append(char *buf, size_t bufsize, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= bufsize)
		return -1;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
	return 0;
}

static int nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int bc_token_input(int kind, const char *a, const char *b, const char *c,
		   char *buf, size_t bufsize)
{
	size_t pos = 0;
	int ret = -1;

	/* The claim kind's input has its own shape (DESIGN.md §6): not built here. */
	if (buf == NULL || bufsize == 0 || kind < BC_TOKEN_NIR || kind > BC_TOKEN_VERIFIED ||
	    !nonempty(a))
		goto out;
	buf[0] = '\0';
	if (kind == BC_TOKEN_NAMEDOB) {
		if (!nonempty(b) || !nonempty(c))
			goto out;
	} else if (b != NULL || c != NULL) {
		goto out;
	}
	if (append(buf, bufsize, &pos, "bc1|") || append(buf, bufsize, &pos, bc_token_kind_name(kind)) ||
	    append(buf, bufsize, &pos, "|") || append(buf, bufsize, &pos, a))
		goto out;
	if (kind == BC_TOKEN_NAMEDOB &&
	    (append(buf, bufsize, &pos, "|") || append(buf, bufsize, &pos, b) ||
	     append(buf, bufsize, &pos, "|") || append(buf, bufsize, &pos, c)))
		goto out;
	ret = (int)pos;
out:
	if (ret < 0 && buf != NULL && bufsize > 0)
		buf[0] = '\0';
	return ret;
}

static void derive(const uint8_t y[64], const char *label, const uint8_t salt[32],
		   const uint32_t *breach_id, uint8_t *out, size_t outlen)
{
	/* label || salt || breach id (LE32), hashed in one call: the same bytes
	 * as an init/update/final sequence, with less overhead per entry */
	uint8_t msg[16 + BC_SALT_BYTES + 4];
	size_t n = strlen(label);

	memcpy(msg, label, n);
	memcpy(msg + n, salt, BC_SALT_BYTES);
	n += BC_SALT_BYTES;
	if (breach_id != NULL) {
		msg[n++] = (uint8_t)(*breach_id);
		msg[n++] = (uint8_t)(*breach_id >> 8);
		msg[n++] = (uint8_t)(*breach_id >> 16);
		msg[n++] = (uint8_t)(*breach_id >> 24);
	}
	crypto_generichash(out, outlen, msg, n, y, BC_Y_BYTES);
}

uint32_t bc_index_bucket32(const uint8_t y[64], const uint8_t salt[32])
{
	uint8_t h[32];

	derive(y, "bucket", salt, NULL, h, sizeof(h));
	return ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
}

uint32_t bc_index_bucket_of(uint32_t bucket32, unsigned bucket_bits)
{
	if (bucket_bits == 0)
		return 0;
	return bucket32 >> (32 - bucket_bits);
}

uint32_t bc_index_bucket(const uint8_t y[64], const uint8_t salt[32], unsigned bucket_bits)
{
	return bc_index_bucket_of(bc_index_bucket32(y, salt), bucket_bits);
}

void bc_index_tag(const uint8_t y[64], const uint8_t salt[32], uint32_t breach_id,
		  uint8_t tag[16])
{
	derive(y, "tag", salt, &breach_id, tag, BC_TAG_BYTES);
}

void bc_index_key(const uint8_t y[64], const uint8_t salt[32], uint32_t breach_id,
		  uint8_t k[32])
{
	derive(y, "key", salt, &breach_id, k, BC_ENTRY_KEY_BYTES);
}

void bc_entry_seal(const uint8_t k[32], const uint8_t payload[16], const uint8_t tag[16],
		   uint8_t entry[48])
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	unsigned long long clen = 0;

	memmove(entry, tag, BC_TAG_BYTES);
	crypto_aead_chacha20poly1305_ietf_encrypt(entry + BC_TAG_BYTES, &clen, payload,
						  BC_PAYLOAD_BYTES, NULL, 0, NULL, nonce, k);
}

int bc_entry_open(const uint8_t k[32], const uint8_t entry[48], uint8_t payload[16])
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	unsigned long long mlen = 0;

	if (crypto_aead_chacha20poly1305_ietf_decrypt(payload, &mlen, NULL, entry + BC_TAG_BYTES,
						      BC_ENTRY_BYTES - BC_TAG_BYTES, NULL, 0,
						      nonce, k) != 0) {
		memset(payload, 0, BC_PAYLOAD_BYTES);
		return -1;
	}
	return 0;
}

const uint8_t *bc_index_lookup(const uint8_t *bucket, size_t n_entries, const uint8_t tag[16])
{
	size_t lo = 0, hi = n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint8_t *e = bucket + mid * BC_ENTRY_BYTES;
		int c = memcmp(e, tag, BC_TAG_BYTES);

		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int bc_index_hash_check(const uint8_t *data, size_t len, const uint8_t expected[32])
{
	uint8_t h[BC_HASH_BYTES];

	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	return sodium_memcmp(h, expected, sizeof(h)) == 0 ? 0 : -1;
}

void bc_index_compute_id(const uint8_t *bucket_hashes, uint32_t n_buckets,
			 const uint8_t verified_hash[32], const uint8_t salt[32], char out[33])
{
	crypto_generichash_state st;
	uint8_t h[16];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, bucket_hashes, (size_t)n_buckets * BC_HASH_BYTES);
	crypto_generichash_update(&st, verified_hash, BC_HASH_BYTES);
	crypto_generichash_update(&st, salt, BC_SALT_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 33, h, sizeof(h));
}
