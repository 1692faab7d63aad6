/*
 * ChaCha20 context for MBEDTLS_CHACHA20_ALT (tools/mbedtls_config.h): the
 * same layout as mbedtls' own, so code built against either header agrees.
 * tools/deps.sh installs this as <mbedtls/chacha20_alt.h> and links
 * tools/mbedtls_chacha20_alt.c into libmbedcrypto.
 */
#ifndef TUG_MBEDTLS_CHACHA20_ALT_H
#define TUG_MBEDTLS_CHACHA20_ALT_H

#include <stddef.h>
#include <stdint.h>

typedef struct mbedtls_chacha20_context {
	uint32_t state[16];		/* before the rounds; state[12] is the counter */
	uint8_t keystream8[64];		/* leftover keystream bytes */
	size_t keystream_bytes_used;	/* of keystream8; 64: none left */
} mbedtls_chacha20_context;

#endif
