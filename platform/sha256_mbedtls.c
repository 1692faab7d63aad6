/* SHA-256 through mbedtls (hardware-accelerated where mbedtls is). */
#include <mbedtls/sha256.h>

#include "platform/sha256.h"

_Static_assert(sizeof(mbedtls_sha256_context) <= sizeof(struct sha256_ctx), "ctx too small");

static void mbed_init(struct sha256_ctx *ctx)
{
	mbedtls_sha256_context *c = (void *)ctx->state;

	mbedtls_sha256_init(c);
	mbedtls_sha256_starts_ret(c, 0);
}

static void mbed_update(struct sha256_ctx *ctx, const void *buf, size_t len)
{
	mbedtls_sha256_update_ret((void *)ctx->state, buf, len);
}

static void mbed_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_LEN])
{
	mbedtls_sha256_context *c = (void *)ctx->state;

	mbedtls_sha256_finish_ret(c, out);
	mbedtls_sha256_free(c);
}

const struct sha256_ops sha256_mbedtls_ops = {
	.name = "mbedtls",
	.init = mbed_init,
	.update = mbed_update,
	.final = mbed_final,
};
