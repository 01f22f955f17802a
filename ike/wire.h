/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every IKEv2 wire constant and codec limit, in one place.
 *
 * Numbers are from RFC 7296 §3 and the IANA "IKEv2 Parameters" registry
 * (RFC 7296 §4 and the RFCs named next to each value). Only what the agent
 * speaks, or must recognise to reject or log, is listed.
 */
#ifndef IKE_WIRE_H
#define IKE_WIRE_H

#include <stdint.h>

/* UDP ports, RFC 7296 §2.23; RFC 3948 §2.2 non-ESP marker on port 4500. */
#define IKE_PORT 500u
#define IKE_NATT_PORT 4500u
#define IKE_NON_ESP_MARKER_LEN 4u

/* Header, RFC 7296 §3.1. */
#define IKE_HDR_LEN 28u
#define IKE_SPI_LEN 8u
#define IKE_MAJOR_VERSION 2u
#define IKE_MINOR_VERSION 0u
#define IKE_HDR_OFF_NEXT 16u
#define IKE_HDR_OFF_VERSION 17u
#define IKE_HDR_OFF_EXCH 18u
#define IKE_HDR_OFF_FLAGS 19u
#define IKE_HDR_OFF_MSGID 20u
#define IKE_HDR_OFF_LEN 24u

/* Header flags, RFC 7296 §3.1 (the other bits are ignored on receipt). */
#define IKE_FLAG_INITIATOR 0x08u
#define IKE_FLAG_VERSION 0x10u
#define IKE_FLAG_RESPONSE 0x20u

/* Exchange types, RFC 7296 §3.1. */
#define IKE_EXCH_IKE_SA_INIT 34u
#define IKE_EXCH_IKE_AUTH 35u
#define IKE_EXCH_CREATE_CHILD_SA 36u
#define IKE_EXCH_INFORMATIONAL 37u
#define IKE_EXCH_IKE_SESSION_RESUME 38u /* RFC 5723 */
#define IKE_EXCH_IKE_INTERMEDIATE 43u   /* RFC 9242 */

/* Generic payload header, RFC 7296 §3.2. */
#define IKE_PLD_HDR_LEN 4u
#define IKE_PLD_CRITICAL 0x80u
#define IKE_PLD_LEN_MAX 65535u

/* Payload types, RFC 7296 §3.2. */
#define IKE_PL_NONE 0u
#define IKE_PL_SA 33u
#define IKE_PL_KE 34u
#define IKE_PL_IDI 35u
#define IKE_PL_IDR 36u
#define IKE_PL_CERT 37u
#define IKE_PL_CERTREQ 38u
#define IKE_PL_AUTH 39u
#define IKE_PL_NONCE 40u
#define IKE_PL_NOTIFY 41u
#define IKE_PL_DELETE 42u
#define IKE_PL_VENDOR 43u
#define IKE_PL_TSI 44u
#define IKE_PL_TSR 45u
#define IKE_PL_SK 46u
#define IKE_PL_CP 47u
#define IKE_PL_EAP 48u
#define IKE_PL_SKF 53u                  /* RFC 7383 Encrypted Fragment */

/* Protocol IDs in proposals, notifies and deletes, RFC 7296 §3.3.1. */
#define IKE_PROTO_NONE 0u
#define IKE_PROTO_IKE 1u
#define IKE_PROTO_AH 2u
#define IKE_PROTO_ESP 3u

/* Security Association payload substructures, RFC 7296 §3.3.1-§3.3.5. */
#define IKE_PROP_HDR_LEN 8u
#define IKE_PROP_LAST 0u
#define IKE_PROP_MORE 2u
#define IKE_XFORM_HDR_LEN 8u
#define IKE_XFORM_LAST 0u
#define IKE_XFORM_MORE 3u
#define IKE_ATTR_HDR_LEN 4u
#define IKE_ATTR_AF_TV 0x8000u
#define IKE_ATTR_TYPE_MASK 0x7fffu
#define IKE_ATTR_KEY_LENGTH 14u
#define IKE_CHILD_SPI_LEN 4u            /* ESP and AH, RFC 7296 §3.3.1 */

/* Transform types, RFC 7296 §3.3.2. */
#define IKE_XFORM_ENCR 1u
#define IKE_XFORM_PRF 2u
#define IKE_XFORM_INTEG 3u
#define IKE_XFORM_DH 4u                 /* "Key Exchange Method", RFC 9370 */
#define IKE_XFORM_ESN 5u

/* Transform type 1: encryption algorithms. */
#define IKE_ENCR_3DES 3u
#define IKE_ENCR_NULL 11u
#define IKE_ENCR_AES_CBC 12u            /* RFC 3602, key length attribute */
#define IKE_ENCR_AES_CTR 13u
#define IKE_ENCR_AES_CCM_8 14u
#define IKE_ENCR_AES_CCM_12 15u
#define IKE_ENCR_AES_CCM_16 16u
#define IKE_ENCR_AES_GCM_8 18u
#define IKE_ENCR_AES_GCM_12 19u
#define IKE_ENCR_AES_GCM_16 20u         /* RFC 4106, RFC 5282 */
#define IKE_ENCR_NULL_AUTH_AES_GMAC 21u
#define IKE_ENCR_CAMELLIA_CBC 23u
#define IKE_ENCR_CHACHA20_POLY1305 28u  /* RFC 7634, no key length attribute */

/* Transform type 2: pseudorandom functions. */
#define IKE_PRF_HMAC_MD5 1u
#define IKE_PRF_HMAC_SHA1 2u
#define IKE_PRF_AES128_XCBC 4u
#define IKE_PRF_HMAC_SHA2_256 5u        /* RFC 4868 */
#define IKE_PRF_HMAC_SHA2_384 6u
#define IKE_PRF_HMAC_SHA2_512 7u
#define IKE_PRF_AES128_CMAC 8u

/* Transform type 3: integrity algorithms. */
#define IKE_INTEG_NONE 0u
#define IKE_INTEG_HMAC_MD5_96 1u
#define IKE_INTEG_HMAC_SHA1_96 2u
#define IKE_INTEG_AES_XCBC_96 5u
#define IKE_INTEG_AES_CMAC_96 8u
#define IKE_INTEG_HMAC_SHA2_256_128 12u /* RFC 4868 */
#define IKE_INTEG_HMAC_SHA2_384_192 13u
#define IKE_INTEG_HMAC_SHA2_512_256 14u

/* Transform type 4: Diffie-Hellman groups. */
#define IKE_DH_NONE 0u
#define IKE_DH_MODP1024 2u
#define IKE_DH_MODP1536 5u
#define IKE_DH_MODP2048 14u             /* RFC 3526 §3 */
#define IKE_DH_MODP3072 15u
#define IKE_DH_MODP4096 16u
#define IKE_DH_MODP6144 17u
#define IKE_DH_MODP8192 18u
#define IKE_DH_ECP256 19u               /* RFC 5903 */
#define IKE_DH_ECP384 20u
#define IKE_DH_ECP521 21u
#define IKE_DH_CURVE25519 31u           /* RFC 8031 */
#define IKE_DH_CURVE448 32u

/* Key Exchange Data lengths of the groups in scope: RFC 3526 §3 (the
 * modulus length), RFC 5903 §7 (x || y), RFC 8031 §2 (u coordinate). */
#define IKE_KE_LEN_MODP2048 256u
#define IKE_KE_LEN_ECP256 64u
#define IKE_KE_LEN_CURVE25519 32u

/* Transform type 5: extended sequence numbers. */
#define IKE_ESN_NONE 0u
#define IKE_ESN_ON 1u

/* Identification payload, RFC 7296 §3.5. */
#define IKE_ID_HDR_LEN 4u
#define IKE_ID_IPV4_ADDR 1u
#define IKE_ID_FQDN 2u
#define IKE_ID_RFC822_ADDR 3u
#define IKE_ID_IPV6_ADDR 5u
#define IKE_ID_DER_ASN1_DN 9u
#define IKE_ID_DER_ASN1_GN 10u
#define IKE_ID_KEY_ID 11u
#define IKE_ID_NULL 13u                 /* RFC 7619 */

/* Certificate encodings, RFC 7296 §3.6 (recognised, not used). */
#define IKE_CERT_X509_SIG 4u
#define IKE_CERT_HASH_URL_X509 12u

/* Authentication methods, RFC 7296 §3.8. */
#define IKE_AUTH_HDR_LEN 4u
#define IKE_AUTH_RSA_SIG 1u
#define IKE_AUTH_SHARED_KEY_MIC 2u
#define IKE_AUTH_DSS_SIG 3u
#define IKE_AUTH_ECDSA_256 9u           /* RFC 4754 */
#define IKE_AUTH_ECDSA_384 10u
#define IKE_AUTH_ECDSA_521 11u
#define IKE_AUTH_NULL 13u               /* RFC 7619 */
#define IKE_AUTH_DIGITAL_SIGNATURE 14u  /* RFC 7427 */

/* Nonce, RFC 7296 §3.9: 16 to 256 octets, at least half the PRF key. */
#define IKE_NONCE_MIN 16u
#define IKE_NONCE_MAX 256u

/* Notify payload, RFC 7296 §3.10. */
#define IKE_NOTIFY_HDR_LEN 4u
#define IKE_NOTIFY_ERROR_MAX 16383u     /* types below 16384 are errors */

/* Notify error types, RFC 7296 §3.10.1. */
#define IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD 1u
#define IKE_N_INVALID_IKE_SPI 4u
#define IKE_N_INVALID_MAJOR_VERSION 5u
#define IKE_N_INVALID_SYNTAX 7u
#define IKE_N_INVALID_MESSAGE_ID 9u
#define IKE_N_INVALID_SPI 11u
#define IKE_N_NO_PROPOSAL_CHOSEN 14u
#define IKE_N_INVALID_KE_PAYLOAD 17u
#define IKE_N_AUTHENTICATION_FAILED 24u
#define IKE_N_SINGLE_PAIR_REQUIRED 34u
#define IKE_N_NO_ADDITIONAL_SAS 35u
#define IKE_N_INTERNAL_ADDRESS_FAILURE 36u
#define IKE_N_FAILED_CP_REQUIRED 37u
#define IKE_N_TS_UNACCEPTABLE 38u
#define IKE_N_INVALID_SELECTORS 39u
#define IKE_N_TEMPORARY_FAILURE 43u     /* RFC 7296 §2.25 */
#define IKE_N_CHILD_SA_NOT_FOUND 44u

/* Notify status types, RFC 7296 §3.10.1 and the RFCs named. */
#define IKE_N_INITIAL_CONTACT 16384u
#define IKE_N_SET_WINDOW_SIZE 16385u
#define IKE_N_ADDITIONAL_TS_POSSIBLE 16386u
#define IKE_N_IPCOMP_SUPPORTED 16387u
#define IKE_N_NAT_DETECTION_SOURCE_IP 16388u
#define IKE_N_NAT_DETECTION_DESTINATION_IP 16389u
#define IKE_N_COOKIE 16390u
#define IKE_N_USE_TRANSPORT_MODE 16391u
#define IKE_N_HTTP_CERT_LOOKUP_SUPPORTED 16392u
#define IKE_N_REKEY_SA 16393u
#define IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED 16394u
#define IKE_N_NON_FIRST_FRAGMENTS_ALSO 16395u
#define IKE_N_MOBIKE_SUPPORTED 16396u          /* RFC 4555 */
#define IKE_N_MULTIPLE_AUTH_SUPPORTED 16404u   /* RFC 4739 */
#define IKE_N_REDIRECT_SUPPORTED 16406u        /* RFC 5685 */
#define IKE_N_EAP_ONLY_AUTHENTICATION 16417u   /* RFC 5998 */
#define IKE_N_CHILDLESS_IKEV2_SUPPORTED 16418u /* RFC 6023 */
#define IKE_N_IKEV2_FRAGMENTATION_SUPPORTED 16430u /* RFC 7383 */
#define IKE_N_SIGNATURE_HASH_ALGORITHMS 16431u /* RFC 7427 §4 */

/* Notification data sizes the codec checks (RFC 7296 §2.23, §2.6, §3.10.1;
 * RFC 7427 §4). */
#define IKE_NATD_HASH_LEN 20u           /* SHA-1 of SPIs, address, port */
#define IKE_COOKIE_MIN 1u
#define IKE_COOKIE_MAX 64u
#define IKE_INVALID_KE_DATA_LEN 2u      /* the accepted group, 16 bits */
#define IKE_SET_WINDOW_SIZE_DATA_LEN 4u

/* Hash algorithms of SIGNATURE_HASH_ALGORITHMS, RFC 7427 §7, RFC 8420. */
#define IKE_HASH_SHA1 1u
#define IKE_HASH_SHA2_256 2u
#define IKE_HASH_SHA2_384 3u
#define IKE_HASH_SHA2_512 4u
#define IKE_HASH_IDENTITY 5u

/* Encrypted Fragment payload, RFC 7383 §2.5: generic header, Fragment
 * Number (2), Total Fragments (2), then as SK. */
#define IKE_SKF_HDR_LEN 8u

/* Delete payload, RFC 7296 §3.11. */
#define IKE_DELETE_HDR_LEN 4u

/* Traffic selectors, RFC 7296 §3.13 and §3.13.1. */
#define IKE_TS_HDR_LEN 4u
#define IKE_TS_SEL_HDR_LEN 8u
#define IKE_TS_IPV4_ADDR_RANGE 7u
#define IKE_TS_IPV6_ADDR_RANGE 8u
#define IKE_TS_IPV4_LEN 16u
#define IKE_TS_IPV6_LEN 40u
#define IKE_TS_SECLABEL 10u             /* RFC 9478, recognised, skipped */

/* Configuration payload, RFC 7296 §3.15 (parsed for structure only). */
#define IKE_CP_HDR_LEN 4u
#define IKE_CP_ATTR_HDR_LEN 4u
#define IKE_CFG_REQUEST 1u
#define IKE_CFG_REPLY 2u
#define IKE_CFG_SET 3u
#define IKE_CFG_ACK 4u
#define IKE_CP_ATTR_TYPE_MASK 0x7fffu
#define IKE_CP_INTERNAL_IP4_ADDRESS 1u
#define IKE_CP_INTERNAL_IP4_NETMASK 2u
#define IKE_CP_INTERNAL_IP4_DNS 3u
#define IKE_CP_INTERNAL_IP6_ADDRESS 8u
#define IKE_CP_INTERNAL_IP6_DNS 10u

/*
 * Codec limits. A message is one UDP datagram or, reassembled, the
 * fragments of RFC 7383; RFC 7296 §2 requires accepting 1280 octets and
 * recommends 3000. The largest messages are an IKE_AUTH with a chain of
 * RSA-4096 certificates (about 5 KiB) and an IKE_SA_INIT with a MODP-8192
 * key share, well under this bound.
 */
#define IKE_MSG_MAX 16384u
#define IKE_MSG_MIN_ACCEPT 1280u
#define IKE_MAX_PAYLOADS 64u            /* outer + decrypted, per message */
#define IKE_MAX_PROPOSALS 16u           /* per SA payload */
#define IKE_MAX_TRANSFORMS 64u          /* per proposal */
#define IKE_MAX_TS 16u                  /* per TS payload */
#define IKE_MAX_SPI_LEN 8u              /* IKE SPI; ESP/AH use 4 */

/* Names for logs (wire_names.c); unknown values give "?". */
const char *ike_exch_name(unsigned int exch);
const char *ike_pld_name(unsigned int type);
const char *ike_notify_name(unsigned int type);
const char *ike_proto_name(unsigned int proto);
const char *ike_xform_type_name(unsigned int type);
const char *ike_xform_name(unsigned int type, unsigned int id);
const char *ike_id_type_name(unsigned int type);
const char *ike_auth_method_name(unsigned int method);
const char *ike_ts_type_name(unsigned int type);

#endif
