/*
 * SHA-256 behind an ops struct: the built-in implementation (always there,
 * small) or mbedtls when the build has it. Content addressing needs only
 * this, so a build without mbedtls still verifies every blob.
 */
#ifndef TUG_SHA256_H
#define TUG_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
/* "sha256:" + 64 hex + NUL */
#define SHA256_DIGEST_STR_LEN 72

/* Opaque state, big enough for every backend's context. */
struct sha256_ctx {
	_Alignas(16) unsigned char state[256];
};

struct sha256_ops {
	const char *name;
	void (*init)(struct sha256_ctx *ctx);
	void (*update)(struct sha256_ctx *ctx, const void *buf, size_t len);
	void (*final)(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_LEN]);
};

extern const struct sha256_ops sha256_builtin_ops;
/* Built-in on the CPU's SHA-256 instructions (x86 SHA-NI, ARMv8 crypto). */
extern const struct sha256_ops sha256_cpu_ops;
bool sha256_cpu_available(void);
#ifdef CONFIG_TLS_MBEDTLS
extern const struct sha256_ops sha256_mbedtls_ops;
#define SHA256_MBEDTLS_OPS (&sha256_mbedtls_ops)
#else
#define SHA256_MBEDTLS_OPS ((const struct sha256_ops *)0)
#endif

/* The backend chosen by the build (mbedtls when present). */
const struct sha256_ops *sha256_default(void);

/* Convenience on the default backend. */
void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *buf, size_t len);
/*
 * Two independent updates at once (a blob and its unpacked content): on the
 * CPU's SHA instructions the two streams interleave, else one after the other.
 */
void sha256_update2(struct sha256_ctx *a, const void *pa, size_t na, struct sha256_ctx *b,
		    const void *pb, size_t nb);
/* Finish into "sha256:<64 hex>". */
void sha256_final_str(struct sha256_ctx *ctx, char out[SHA256_DIGEST_STR_LEN]);
void sha256_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[65]);

#endif
