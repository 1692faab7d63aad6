/*
 * ChaCha20 (RFC 8439) for mbedtls 2.28 through MBEDTLS_CHACHA20_ALT: four
 * blocks at a time in 128-bit vectors (GCC vector extensions: SSE2 on
 * x86_64, NEON on aarch64), one block at a time in plain C elsewhere and for
 * the tail. A pull over TLS spends most of its CPU here: mbedtls' one block
 * at a time runs at ~700 MB/s on x86_64; four at a time is ~2-3x that.
 * Built by tools/deps.sh into libmbedcrypto; API and semantics as
 * mbedtls/chacha20.h (the counter is 32-bit and wraps, as there).
 */
#include <string.h>

#include "mbedtls/chacha20.h"
#include "mbedtls/platform_util.h"

#if defined(MBEDTLS_CHACHA20_ALT)

#if (defined(__x86_64__) || defined(__aarch64__)) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CHACHA_VECTOR 1
#else
#define CHACHA_VECTOR 0
#endif

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                   \
	do {                             \
		a += b, d ^= a, d = ROTL(d, 16); \
		c += d, b ^= c, b = ROTL(b, 12); \
		a += b, d ^= a, d = ROTL(d, 8);  \
		c += d, b ^= c, b = ROTL(b, 7);  \
	} while (0)
#define DOUBLE_ROUND(x)                        \
	do {                                   \
		QR(x[0], x[4], x[8], x[12]);   \
		QR(x[1], x[5], x[9], x[13]);   \
		QR(x[2], x[6], x[10], x[14]);  \
		QR(x[3], x[7], x[11], x[15]);  \
		QR(x[0], x[5], x[10], x[15]);  \
		QR(x[1], x[6], x[11], x[12]);  \
		QR(x[2], x[7], x[8], x[13]);   \
		QR(x[3], x[4], x[9], x[14]);   \
	} while (0)

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* One 64-byte keystream block for the state as it is (counter not advanced). */
static void block1(const uint32_t in[16], unsigned char out[64])
{
	uint32_t x[16];

	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++)
		DOUBLE_ROUND(x);
	for (int i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + in[i]);
	mbedtls_platform_zeroize(x, sizeof(x));
}

#if CHACHA_VECTOR
typedef uint32_t v4u32 __attribute__((vector_size(16)));

/* Four blocks (counters c, c+1, c+2, c+3) XORed into out from in: 256 bytes. */
static void block4_xor(const uint32_t st[16], const unsigned char *in, unsigned char *out)
{
	v4u32 x[16], s[16];
	uint32_t ks[16][4];

	for (int i = 0; i < 16; i++)
		s[i] = (v4u32){ st[i], st[i], st[i], st[i] };
	s[12] += (v4u32){ 0, 1, 2, 3 };
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++)
		DOUBLE_ROUND(x);
	for (int i = 0; i < 16; i++)
		x[i] += s[i];
	memcpy(ks, x, sizeof(ks));
	/* Lane b of word w is word w of block b (little-endian hosts only). */
	for (int b = 0; b < 4; b++)
		for (int w = 0; w < 16; w++) {
			uint32_t v;

			memcpy(&v, in + 64 * b + 4 * w, 4);
			v ^= ks[w][b];
			memcpy(out + 64 * b + 4 * w, &v, 4);
		}
	mbedtls_platform_zeroize(ks, sizeof(ks));
}
#endif

void mbedtls_chacha20_init(mbedtls_chacha20_context *ctx)
{
	mbedtls_platform_zeroize(ctx, sizeof(*ctx));
	ctx->keystream_bytes_used = 64;
}

void mbedtls_chacha20_free(mbedtls_chacha20_context *ctx)
{
	if (ctx)
		mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}

int mbedtls_chacha20_setkey(mbedtls_chacha20_context *ctx, const unsigned char key[32])
{
	ctx->state[0] = 0x61707865; /* "expand 32-byte k" */
	ctx->state[1] = 0x3320646e;
	ctx->state[2] = 0x79622d32;
	ctx->state[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		ctx->state[4 + i] = get_le32(key + 4 * i);
	return 0;
}

int mbedtls_chacha20_starts(mbedtls_chacha20_context *ctx, const unsigned char nonce[12],
			    uint32_t counter)
{
	ctx->state[12] = counter;
	for (int i = 0; i < 3; i++)
		ctx->state[13 + i] = get_le32(nonce + 4 * i);
	mbedtls_platform_zeroize(ctx->keystream8, sizeof(ctx->keystream8));
	ctx->keystream_bytes_used = 64;
	return 0;
}

int mbedtls_chacha20_update(mbedtls_chacha20_context *ctx, size_t size,
			    const unsigned char *input, unsigned char *output)
{
	/* Leftover keystream first. */
	while (size && ctx->keystream_bytes_used < 64) {
		*output++ = *input++ ^ ctx->keystream8[ctx->keystream_bytes_used++];
		size--;
	}
#if CHACHA_VECTOR
	/* The four counters must not wrap inside one call (as one at a time would not). */
	while (size >= 256 && ctx->state[12] <= 0xfffffffcu) {
		block4_xor(ctx->state, input, output);
		ctx->state[12] += 4;
		input += 256, output += 256, size -= 256;
	}
#endif
	while (size >= 64) {
		block1(ctx->state, ctx->keystream8);
		ctx->state[12]++;
		for (int i = 0; i < 64; i++)
			output[i] = input[i] ^ ctx->keystream8[i];
		input += 64, output += 64, size -= 64;
	}
	if (size) {
		block1(ctx->state, ctx->keystream8);
		ctx->state[12]++;
		for (size_t i = 0; i < size; i++)
			output[i] = input[i] ^ ctx->keystream8[i];
		ctx->keystream_bytes_used = size;
	}
	return 0;
}

int mbedtls_chacha20_crypt(const unsigned char key[32], const unsigned char nonce[12],
			   uint32_t counter, size_t data_len, const unsigned char *input,
			   unsigned char *output)
{
	mbedtls_chacha20_context ctx;
	int ret;

	mbedtls_chacha20_init(&ctx);
	ret = mbedtls_chacha20_setkey(&ctx, key);
	if (!ret)
		ret = mbedtls_chacha20_starts(&ctx, nonce, counter);
	if (!ret)
		ret = mbedtls_chacha20_update(&ctx, data_len, input, output);
	mbedtls_chacha20_free(&ctx);
	return ret;
}

#endif /* MBEDTLS_CHACHA20_ALT */
