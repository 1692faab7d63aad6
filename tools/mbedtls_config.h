/*
 * Trimmed mbedtls 2.28 configuration for tug: a TLS 1.2 client for image
 * registries (ECDHE-ECDSA / ECDHE-RSA with AES-GCM or ChaCha20-Poly1305),
 * X.509 parsing and chain verification, PEM, SHA-256/384/512 for digests and
 * signatures, entropy + CTR_DRBG, BSD sockets. No server, no DTLS, no
 * SSL 3.0 / TLS 1.0 / 1.1, no debug, no CBC, no SHA-1/MD5.
 *
 * tools/deps.sh builds the library with -DMBEDTLS_CONFIG_FILE pointing here
 * and installs this file as <sysroot>/include/mbedtls/config.h, so tug's own
 * sources see the same configuration (struct layouts must match) with no
 * extra flag.
 */
#ifndef TUG_MBEDTLS_CONFIG_H
#define TUG_MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE		/* certificate validity dates */
#define MBEDTLS_FS_IO			/* CA bundle files */
#define MBEDTLS_DEPRECATED_REMOVED

/* Symmetric ciphers and AEAD */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_FEWER_TABLES	/* -6 KB rodata, slightly slower */
#define MBEDTLS_AESNI_C			/* x86_64 only; empty elsewhere */
#define MBEDTLS_GCM_C
#if defined(__x86_64__)
#define MBEDTLS_GCM_ALT			/* tools/mbedtls_gcm_alt.c: AES-NI + PCLMULQDQ */
#endif
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_CHACHA20_ALT		/* tools/mbedtls_chacha20_alt.c: 4 blocks at once */
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* Hashes (SHA-384 comes with SHA512_C) */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SHA512_SMALLER		/* SHA-384 only in handshakes: -2 KB */

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C		/* needed by ECDSA */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21		/* RSASSA-PSS signed certificates */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

/* Certificates */
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

/* Random numbers */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* TLS 1.2 client */
#define MBEDTLS_NET_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_SESSION_TICKETS	/* parallel downloads resume one session */

/* Error strings (tug reports "what failed", not a number) and version */
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C

#include "mbedtls/check_config.h"

#endif /* TUG_MBEDTLS_CONFIG_H */
