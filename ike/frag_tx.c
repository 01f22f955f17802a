// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fragmenting one message (RFC 7383 §2.5): the inner payloads are cut
 * into shares as large as a fragment of the given size can carry; each
 * share goes into an IKE message of its own -- the original header with
 * Next Payload SKF and its own Length, an Encrypted Fragment payload with
 * Fragment Number and Total Fragments -- encrypted and authenticated as
 * an SK payload would be (crypto.h ike_skf_encrypt).
 */
#include <errno.h>
#include <string.h>

#include "frag.h"

int ike_frag_split(struct ike_keys *k, enum ike_dir dir,
		   const uint8_t hdr[IKE_HDR_LEN], uint8_t first_next,
		   const uint8_t *plain, size_t n, size_t limit, uint8_t *out,
		   size_t cap, size_t *out_len, unsigned int *count)
{
	size_t icv, blk, fixed, chunk, nfrag, o = 0;
	const struct ike_encr *e;

	*out_len = 0;
	*count = 0;
	if (!k || !k->encr || (!k->encr->aead && !k->integ) || !hdr || !out)
		return -EINVAL;
	e = k->encr;
	icv = e->aead ? e->icv_len : k->integ->icv_len;
	blk = e->block_len ? e->block_len : 1;
	fixed = IKE_HDR_LEN + IKE_SKF_HDR_LEN + e->iv_len + icv;
	/* room for at least one block of share, padding and Pad Length */
	if (limit < IKE_FRAG_MSG_MIN || limit <= fixed + blk)
		return -EMSGSIZE;
	/* §3.14: share | Padding | Pad Length fill whole cipher blocks */
	chunk = (limit - fixed) / blk * blk - 1;
	nfrag = n ? (n + chunk - 1) / chunk : 1;
	/* §2.5: Total Fragments is 16 bits; we keep to our own bound */
	if (nfrag > IKE_FRAG_MAX)
		return -EMSGSIZE;
	for (size_t i = 0; i < nfrag; i++) {
		size_t take = n - i * chunk < chunk ? n - i * chunk : chunk;
		uint8_t *f = out + o, *skf;
		size_t flen = 0;
		int rc;

		if (cap - o < limit)
			return -ENOSPC;
		memcpy(f, hdr, IKE_HDR_LEN);
		f[IKE_HDR_OFF_NEXT] = IKE_PL_SKF;
		skf = f + IKE_HDR_LEN;
		/* §2.5: the first fragment names the first inner payload,
		 * the others carry 0; the critical bit is clear */
		skf[0] = i == 0 ? first_next : IKE_PL_NONE;
		skf[1] = 0;
		ike_put16(skf + 4, (uint16_t)(i + 1));
		ike_put16(skf + 6, (uint16_t)nfrag);
		if (take)
			memcpy(skf + IKE_SKF_HDR_LEN + e->iv_len, plain + i * chunk,
			       take);
		rc = ike_skf_encrypt(k, dir, f, cap - o, IKE_HDR_LEN, take, &flen);
		if (rc)
			return rc;
		o += flen;
	}
	*out_len = o;
	*count = (unsigned int)nfrag;
	return 0;
}
