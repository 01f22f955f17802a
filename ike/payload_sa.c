// SPDX-License-Identifier: GPL-2.0-only
/*
 * Security Association payload: proposals, transforms and transform
 * attributes (RFC 7296 §3.3-§3.3.6), parsed over an (offset, left) cursor
 * and encoded from the same struct.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

/* Transform attributes in t[off, len), RFC 7296 §3.3.5. */
static int attrs_walk(const uint8_t *t, size_t off, size_t len,
		      struct ike_xform *xf, const char **why)
{
	while (off < len) {
		size_t left = len - off;
		uint16_t w, type;

		if (left < IKE_ATTR_HDR_LEN)
			return bad(why, "transform attribute truncated");
		w = ike_get16(t + off);
		type = w & IKE_ATTR_TYPE_MASK;
		if (w & IKE_ATTR_AF_TV) {
			uint16_t val = ike_get16(t + off + 2);

			if (type == IKE_ATTR_KEY_LENGTH) {
				/* §3.3.5: one Key Length per transform; a
				 * key of zero bits names nothing. */
				if (xf->keylen)
					return bad(why, "Key Length repeated");
				if (!val)
					return bad(why, "Key Length of zero");
				xf->keylen = val;
			} else {
				xf->unknown_attr = true;
			}
			off += IKE_ATTR_HDR_LEN;
			continue;
		}
		/* TLV: the length counts the value only. */
		if (ike_get16(t + off + 2) > left - IKE_ATTR_HDR_LEN)
			return bad(why, "transform attribute runs past transform");
		/* §3.3.5: Key Length is TV format only. */
		if (type == IKE_ATTR_KEY_LENGTH)
			return bad(why, "Key Length in TLV format");
		xf->unknown_attr = true;
		off += IKE_ATTR_HDR_LEN + ike_get16(t + off + 2);
	}
	return 0;
}

/* The transforms of one proposal, in b[off, end). */
static int xforms_walk(const uint8_t *b, size_t off, size_t end,
		       unsigned int n, struct ike_prop *pr, const char **why)
{
	for (unsigned int i = 0; i < n; i++) {
		size_t left = end - off;
		struct ike_xform xf = { 0 };
		uint16_t tlen;
		uint8_t last;
		int rc;

		/* §3.3.2: Last Substruc (1), RESERVED (1), Transform Length
		 * (2), Type (1), RESERVED (1), Transform ID (2), attributes. */
		if (left < IKE_XFORM_HDR_LEN)
			return bad(why, "transform header truncated");
		last = b[off];
		tlen = ike_get16(b + off + 2);
		if (tlen < IKE_XFORM_HDR_LEN)
			return bad(why, "transform length below header size");
		if (tlen > left)
			return bad(why, "transform runs past the proposal");
		/* §3.3.2: 3 before another transform, 0 on the last one. */
		if (last != (i + 1 < n ? IKE_XFORM_MORE : IKE_XFORM_LAST))
			return bad(why, "transform Last Substruc inconsistent");
		xf.type = b[off + 4];
		xf.id = ike_get16(b + off + 6);
		rc = attrs_walk(b + off, IKE_XFORM_HDR_LEN, tlen, &xf, why);
		if (rc)
			return rc;
		if (pr)
			pr->xf[i] = xf;
		off += tlen;
	}
	/* §3.3.1: Proposal Length covers exactly its transforms. */
	if (off != end)
		return bad(why, "transform count does not fill the proposal");
	return 0;
}

static int sa_walk(const uint8_t *b, size_t len, struct ike_sa_pld *out,
		   uint8_t *nprops, const char **why)
{
	size_t off = 0;
	unsigned int n = 0;
	uint8_t prev = 0;

	if (out)
		memset(out, 0, sizeof(*out));
	while (off < len) {
		size_t left = len - off;
		struct ike_prop *pr = out ? &out->prop[n] : NULL;
		uint8_t last, num, spi_len, nxf;
		uint16_t plen;
		int rc;

		/* §3.3.1: Last Substruc (1), RESERVED (1), Proposal Length
		 * (2), Num (1), Protocol ID (1), SPI Size (1), #Transforms
		 * (1), SPI, transforms. */
		if (left < IKE_PROP_HDR_LEN)
			return bad(why, "proposal header truncated");
		if (n == IKE_MAX_PROPOSALS)
			return bad(why, "too many proposals");
		last = b[off];
		plen = ike_get16(b + off + 2);
		num = b[off + 4];
		spi_len = b[off + 6];
		nxf = b[off + 7];
		if (plen < IKE_PROP_HDR_LEN)
			return bad(why, "proposal length below header size");
		if (plen > left)
			return bad(why, "proposal runs past the SA payload");
		/* §3.3.1: 2 before another proposal, 0 on the last one. */
		if (last != (plen < left ? IKE_PROP_MORE : IKE_PROP_LAST))
			return bad(why, "proposal Last Substruc inconsistent");
		/* §3.3.1: numbered from 1, each one more than the previous
		 * (an answer carries the one number it accepted). */
		if (!num || (n && num != (uint8_t)(prev + 1)))
			return bad(why, "proposal numbers not consecutive");
		/* §3.3.1: SPI Size is 0 (initial IKE SA), 8 (IKE) or 4. */
		if (spi_len != 0 && spi_len != IKE_CHILD_SPI_LEN &&
		    spi_len != IKE_SPI_LEN)
			return bad(why, "proposal SPI size not 0, 4 or 8");
		if (spi_len > plen - IKE_PROP_HDR_LEN)
			return bad(why, "proposal SPI runs past the proposal");
		if (!nxf)
			return bad(why, "proposal without transforms");
		if (nxf > IKE_MAX_TRANSFORMS)
			return bad(why, "too many transforms");
		if (pr) {
			pr->num = num;
			pr->proto = b[off + 5];
			pr->spi_len = spi_len;
			memcpy(pr->spi, b + off + IKE_PROP_HDR_LEN, spi_len);
			pr->nxforms = nxf;
		}
		rc = xforms_walk(b, off + IKE_PROP_HDR_LEN + spi_len,
				 off + plen, nxf, pr, why);
		if (rc)
			return rc;
		prev = num;
		n++;
		off += plen;
	}
	/* §3.3: one or more proposals. */
	if (!n)
		return bad(why, "SA payload without proposals");
	if (out)
		out->nprops = (uint8_t)n;
	if (nprops)
		*nprops = (uint8_t)n;
	return 0;
}

int ike_sa_validate(const uint8_t *body, size_t len, uint8_t *nprops,
		    const char **why)
{
	return sa_walk(body, len, NULL, nprops, why);
}

int ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_pld *out,
		 const char **why)
{
	return sa_walk(body, len, out, NULL, why);
}

static size_t xform_len(const struct ike_xform *xf)
{
	return IKE_XFORM_HDR_LEN + (xf->keylen ? IKE_ATTR_HDR_LEN : 0);
}

static size_t prop_len(const struct ike_prop *pr)
{
	size_t n = IKE_PROP_HDR_LEN + pr->spi_len;

	for (unsigned int i = 0; i < pr->nxforms; i++)
		n += xform_len(&pr->xf[i]);
	return n;
}

/* What sa_walk accepts, so the peer (and we) can read it back. */
static bool sa_encodable(const struct ike_sa_pld *sa)
{
	if (!sa->nprops || sa->nprops > IKE_MAX_PROPOSALS)
		return false;
	for (unsigned int i = 0; i < sa->nprops; i++) {
		const struct ike_prop *pr = &sa->prop[i];

		if (!pr->num || (i && pr->num != (uint8_t)(sa->prop[i - 1].num + 1)))
			return false;
		if (pr->spi_len != 0 && pr->spi_len != IKE_CHILD_SPI_LEN &&
		    pr->spi_len != IKE_SPI_LEN)
			return false;
		if (!pr->nxforms || pr->nxforms > IKE_MAX_TRANSFORMS)
			return false;
		if (prop_len(pr) > IKE_PLD_LEN_MAX)
			return false;
	}
	return true;
}

int ike_enc_sa(struct ike_enc *e, const struct ike_sa_pld *sa)
{
	size_t total = 0, off = 0;
	uint8_t *b;
	int rc;

	if (!sa_encodable(sa)) {
		if (!e->err)
			e->err = -EINVAL;
		return e->err;
	}
	for (unsigned int i = 0; i < sa->nprops; i++)
		total += prop_len(&sa->prop[i]);
	rc = ike_enc_begin(e, IKE_PL_SA, false, total, &b);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < sa->nprops; i++) {
		const struct ike_prop *pr = &sa->prop[i];

		b[off] = i + 1 < sa->nprops ? IKE_PROP_MORE : IKE_PROP_LAST;
		ike_put16(b + off + 2, (uint16_t)prop_len(pr));
		b[off + 4] = pr->num;
		b[off + 5] = pr->proto;
		b[off + 6] = pr->spi_len;
		b[off + 7] = pr->nxforms;
		memcpy(b + off + IKE_PROP_HDR_LEN, pr->spi, pr->spi_len);
		off += IKE_PROP_HDR_LEN + pr->spi_len;
		for (unsigned int j = 0; j < pr->nxforms; j++) {
			const struct ike_xform *xf = &pr->xf[j];

			b[off] = j + 1 < pr->nxforms ? IKE_XFORM_MORE :
						       IKE_XFORM_LAST;
			ike_put16(b + off + 2, (uint16_t)xform_len(xf));
			b[off + 4] = xf->type;
			ike_put16(b + off + 6, xf->id);
			if (xf->keylen) {
				ike_put16(b + off + 8, IKE_ATTR_AF_TV |
						       IKE_ATTR_KEY_LENGTH);
				ike_put16(b + off + 10, xf->keylen);
			}
			off += xform_len(xf);
		}
	}
	return 0;
}
