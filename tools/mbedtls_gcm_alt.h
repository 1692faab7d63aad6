/*
 * AES-GCM context for MBEDTLS_GCM_ALT (tools/mbedtls_config.h, x86_64
 * only). tools/deps.sh installs this as <mbedtls/gcm_alt.h> and links
 * tools/mbedtls_gcm_alt.c into libmbedcrypto.
 */
#ifndef TUG_MBEDTLS_GCM_ALT_H
#define TUG_MBEDTLS_GCM_ALT_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/aes.h"

typedef struct mbedtls_gcm_context {
	mbedtls_aes_context aes;	/* the key schedule (its rk points into it) */
	unsigned char h[4][16];		/* H, H^2, H^3, H^4 (byte-reversed for PCLMUL) */
	unsigned char j0[16];		/* the pre-counter block, for the tag */
	unsigned char y[16];		/* GHASH state, as the spec writes it */
	uint32_t ctr;			/* the next block's counter */
	uint64_t len, add_len;		/* bytes of text and of additional data */
	int mode;			/* MBEDTLS_GCM_ENCRYPT or MBEDTLS_GCM_DECRYPT */
	int fast;			/* AES-NI and PCLMULQDQ there */
	int ended;			/* a partial block went through: update no more */
} mbedtls_gcm_context;

#endif
