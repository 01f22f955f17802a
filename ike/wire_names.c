// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names of IKEv2 wire values for logs, as the IANA registry spells them.
 */
#include "wire.h"

const char *ike_exch_name(unsigned int exch)
{
	switch (exch) {
	case IKE_EXCH_IKE_SA_INIT: return "IKE_SA_INIT";
	case IKE_EXCH_IKE_AUTH: return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL: return "INFORMATIONAL";
	case IKE_EXCH_IKE_SESSION_RESUME: return "IKE_SESSION_RESUME";
	case IKE_EXCH_IKE_INTERMEDIATE: return "IKE_INTERMEDIATE";
	default: return "?";
	}
}

const char *ike_pld_name(unsigned int type)
{
	static const char *const names[] = {
		[IKE_PL_NONE] = "NONE", [IKE_PL_SA] = "SA", [IKE_PL_KE] = "KE",
		[IKE_PL_IDI] = "IDi", [IKE_PL_IDR] = "IDr",
		[IKE_PL_CERT] = "CERT", [IKE_PL_CERTREQ] = "CERTREQ",
		[IKE_PL_AUTH] = "AUTH", [IKE_PL_NONCE] = "Nonce",
		[IKE_PL_NOTIFY] = "N", [IKE_PL_DELETE] = "D",
		[IKE_PL_VENDOR] = "V", [IKE_PL_TSI] = "TSi",
		[IKE_PL_TSR] = "TSr", [IKE_PL_SK] = "SK", [IKE_PL_CP] = "CP",
		[IKE_PL_EAP] = "EAP", [IKE_PL_SKF] = "SKF",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "?";
}

const char *ike_notify_name(unsigned int type)
{
	switch (type) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_N_INVALID_IKE_SPI: return "INVALID_IKE_SPI";
	case IKE_N_INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case IKE_N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case IKE_N_INVALID_MESSAGE_ID: return "INVALID_MESSAGE_ID";
	case IKE_N_INVALID_SPI: return "INVALID_SPI";
	case IKE_N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case IKE_N_INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case IKE_N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case IKE_N_SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case IKE_N_NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case IKE_N_INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case IKE_N_FAILED_CP_REQUIRED: return "FAILED_CP_REQUIRED";
	case IKE_N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case IKE_N_INVALID_SELECTORS: return "INVALID_SELECTORS";
	case IKE_N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case IKE_N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	case IKE_N_INITIAL_CONTACT: return "INITIAL_CONTACT";
	case IKE_N_SET_WINDOW_SIZE: return "SET_WINDOW_SIZE";
	case IKE_N_ADDITIONAL_TS_POSSIBLE: return "ADDITIONAL_TS_POSSIBLE";
	case IKE_N_IPCOMP_SUPPORTED: return "IPCOMP_SUPPORTED";
	case IKE_N_NAT_DETECTION_SOURCE_IP: return "NAT_DETECTION_SOURCE_IP";
	case IKE_N_NAT_DETECTION_DESTINATION_IP: return "NAT_DETECTION_DESTINATION_IP";
	case IKE_N_COOKIE: return "COOKIE";
	case IKE_N_USE_TRANSPORT_MODE: return "USE_TRANSPORT_MODE";
	case IKE_N_HTTP_CERT_LOOKUP_SUPPORTED: return "HTTP_CERT_LOOKUP_SUPPORTED";
	case IKE_N_REKEY_SA: return "REKEY_SA";
	case IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED: return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case IKE_N_NON_FIRST_FRAGMENTS_ALSO: return "NON_FIRST_FRAGMENTS_ALSO";
	case IKE_N_MOBIKE_SUPPORTED: return "MOBIKE_SUPPORTED";
	case IKE_N_MULTIPLE_AUTH_SUPPORTED: return "MULTIPLE_AUTH_SUPPORTED";
	case IKE_N_REDIRECT_SUPPORTED: return "REDIRECT_SUPPORTED";
	case IKE_N_EAP_ONLY_AUTHENTICATION: return "EAP_ONLY_AUTHENTICATION";
	case IKE_N_CHILDLESS_IKEV2_SUPPORTED: return "CHILDLESS_IKEV2_SUPPORTED";
	case IKE_N_IKEV2_FRAGMENTATION_SUPPORTED: return "IKEV2_FRAGMENTATION_SUPPORTED";
	case IKE_N_SIGNATURE_HASH_ALGORITHMS: return "SIGNATURE_HASH_ALGORITHMS";
	default: return "?";
	}
}

const char *ike_proto_name(unsigned int proto)
{
	switch (proto) {
	case IKE_PROTO_NONE: return "NONE";
	case IKE_PROTO_IKE: return "IKE";
	case IKE_PROTO_AH: return "AH";
	case IKE_PROTO_ESP: return "ESP";
	default: return "?";
	}
}

const char *ike_xform_type_name(unsigned int type)
{
	switch (type) {
	case IKE_XFORM_ENCR: return "ENCR";
	case IKE_XFORM_PRF: return "PRF";
	case IKE_XFORM_INTEG: return "INTEG";
	case IKE_XFORM_DH: return "DH";
	case IKE_XFORM_ESN: return "ESN";
	default: return "?";
	}
}

static const char *encr_name(unsigned int id)
{
	switch (id) {
	case IKE_ENCR_3DES: return "3DES";
	case IKE_ENCR_NULL: return "NULL";
	case IKE_ENCR_AES_CBC: return "AES_CBC";
	case IKE_ENCR_AES_CTR: return "AES_CTR";
	case IKE_ENCR_AES_CCM_8: return "AES_CCM_8";
	case IKE_ENCR_AES_CCM_12: return "AES_CCM_12";
	case IKE_ENCR_AES_CCM_16: return "AES_CCM_16";
	case IKE_ENCR_AES_GCM_8: return "AES_GCM_8";
	case IKE_ENCR_AES_GCM_12: return "AES_GCM_12";
	case IKE_ENCR_AES_GCM_16: return "AES_GCM_16";
	case IKE_ENCR_NULL_AUTH_AES_GMAC: return "NULL_AUTH_AES_GMAC";
	case IKE_ENCR_CAMELLIA_CBC: return "CAMELLIA_CBC";
	case IKE_ENCR_CHACHA20_POLY1305: return "CHACHA20_POLY1305";
	default: return "?";
	}
}

static const char *prf_name(unsigned int id)
{
	switch (id) {
	case IKE_PRF_HMAC_MD5: return "PRF_HMAC_MD5";
	case IKE_PRF_HMAC_SHA1: return "PRF_HMAC_SHA1";
	case IKE_PRF_AES128_XCBC: return "PRF_AES128_XCBC";
	case IKE_PRF_HMAC_SHA2_256: return "PRF_HMAC_SHA2_256";
	case IKE_PRF_HMAC_SHA2_384: return "PRF_HMAC_SHA2_384";
	case IKE_PRF_HMAC_SHA2_512: return "PRF_HMAC_SHA2_512";
	case IKE_PRF_AES128_CMAC: return "PRF_AES128_CMAC";
	default: return "?";
	}
}

static const char *integ_name(unsigned int id)
{
	switch (id) {
	case IKE_INTEG_NONE: return "NONE";
	case IKE_INTEG_HMAC_MD5_96: return "AUTH_HMAC_MD5_96";
	case IKE_INTEG_HMAC_SHA1_96: return "AUTH_HMAC_SHA1_96";
	case IKE_INTEG_AES_XCBC_96: return "AUTH_AES_XCBC_96";
	case IKE_INTEG_AES_CMAC_96: return "AUTH_AES_CMAC_96";
	case IKE_INTEG_HMAC_SHA2_256_128: return "AUTH_HMAC_SHA2_256_128";
	case IKE_INTEG_HMAC_SHA2_384_192: return "AUTH_HMAC_SHA2_384_192";
	case IKE_INTEG_HMAC_SHA2_512_256: return "AUTH_HMAC_SHA2_512_256";
	default: return "?";
	}
}

static const char *dh_name(unsigned int id)
{
	switch (id) {
	case IKE_DH_NONE: return "NONE";
	case IKE_DH_MODP1024: return "MODP_1024";
	case IKE_DH_MODP1536: return "MODP_1536";
	case IKE_DH_MODP2048: return "MODP_2048";
	case IKE_DH_MODP3072: return "MODP_3072";
	case IKE_DH_MODP4096: return "MODP_4096";
	case IKE_DH_MODP6144: return "MODP_6144";
	case IKE_DH_MODP8192: return "MODP_8192";
	case IKE_DH_ECP256: return "ECP_256";
	case IKE_DH_ECP384: return "ECP_384";
	case IKE_DH_ECP521: return "ECP_521";
	case IKE_DH_CURVE25519: return "CURVE25519";
	case IKE_DH_CURVE448: return "CURVE448";
	default: return "?";
	}
}

const char *ike_xform_name(unsigned int type, unsigned int id)
{
	switch (type) {
	case IKE_XFORM_ENCR: return encr_name(id);
	case IKE_XFORM_PRF: return prf_name(id);
	case IKE_XFORM_INTEG: return integ_name(id);
	case IKE_XFORM_DH: return dh_name(id);
	case IKE_XFORM_ESN:
		return id == IKE_ESN_NONE ? "NO_ESN" : id == IKE_ESN_ON ? "ESN" : "?";
	default: return "?";
	}
}

const char *ike_id_type_name(unsigned int type)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR: return "ID_IPV4_ADDR";
	case IKE_ID_FQDN: return "ID_FQDN";
	case IKE_ID_RFC822_ADDR: return "ID_RFC822_ADDR";
	case IKE_ID_IPV6_ADDR: return "ID_IPV6_ADDR";
	case IKE_ID_DER_ASN1_DN: return "ID_DER_ASN1_DN";
	case IKE_ID_DER_ASN1_GN: return "ID_DER_ASN1_GN";
	case IKE_ID_KEY_ID: return "ID_KEY_ID";
	case IKE_ID_NULL: return "ID_NULL";
	default: return "?";
	}
}

const char *ike_auth_method_name(unsigned int method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG: return "RSA_SIG";
	case IKE_AUTH_SHARED_KEY_MIC: return "SHARED_KEY_MIC";
	case IKE_AUTH_DSS_SIG: return "DSS_SIG";
	case IKE_AUTH_ECDSA_256: return "ECDSA_256";
	case IKE_AUTH_ECDSA_384: return "ECDSA_384";
	case IKE_AUTH_ECDSA_521: return "ECDSA_521";
	case IKE_AUTH_NULL: return "NULL_AUTH";
	case IKE_AUTH_DIGITAL_SIGNATURE: return "DIGITAL_SIGNATURE";
	default: return "?";
	}
}

const char *ike_ts_type_name(unsigned int type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE: return "TS_IPV4_ADDR_RANGE";
	case IKE_TS_IPV6_ADDR_RANGE: return "TS_IPV6_ADDR_RANGE";
	case IKE_TS_SECLABEL: return "TS_SECLABEL";
	default: return "?";
	}
}
