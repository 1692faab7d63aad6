/*
 * AES-GCM (NIST SP 800-38D) for mbedtls 2.28 through MBEDTLS_GCM_ALT, on
 * x86_64 only (tools/mbedtls_config.h). mbedtls' own GCM makes a chain of
 * calls per 16-byte block (cipher layer, AES, one GHASH multiply): ~300
 * MB/s with AES-NI here, slower than its ChaCha20-Poly1305, so a pull
 * spent more CPU on TLS than on anything else. This one runs four blocks
 * at a time: AES-CTR in AES-NI with the four blocks interleaved, GHASH
 * with PCLMULQDQ and one reduction per four blocks (H^4..H summed before
 * reducing). A CPU without AES-NI or PCLMULQDQ gets a plain block-at-a-time
 * path (mbedtls_aes_crypt_ecb and a bitwise GF(2^128) multiply).
 *
 * API and semantics as mbedtls/gcm.h (2.28): update may be called several
 * times, all but the last with a multiple of 16 bytes; the 32-bit counter
 * wraps as there. Built by tools/deps.sh into libmbedcrypto.
 */
#include <string.h>

#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"

#if defined(MBEDTLS_GCM_ALT)

#include <cpuid.h>
#include <immintrin.h>

#define FAST __attribute__((target("aes,pclmul,ssse3,sse4.1")))
/* Tests build the file a second time with this set to check the plain path. */
#ifndef TUG_GCM_PLAIN_ONLY
#define TUG_GCM_PLAIN_ONLY 0
#endif

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int cpu_fast(void)
{
	unsigned a, b, c, d;

	if (TUG_GCM_PLAIN_ONLY || !__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & bit_AES) && (c & bit_PCLMUL) && (c & bit_SSSE3) && (c & bit_SSE4_1);
}

/* ---- portable path: one block at a time ---- */

/* x = x * h in GF(2^128), bit order as the spec writes it (Algorithm 1). */
static void gf_mult_bits(unsigned char x[16], const unsigned char h[16])
{
	unsigned char z[16] = { 0 }, v[16];

	memcpy(v, h, 16);
	for (int i = 0; i < 128; i++) {
		unsigned char mask = (unsigned char)-(unsigned char)((x[i / 8] >> (7 - i % 8)) & 1);
		unsigned char lsb = v[15] & 1;

		for (int j = 0; j < 16; j++)
			z[j] ^= v[j] & mask;
		for (int j = 15; j > 0; j--)
			v[j] = (unsigned char)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		v[0] ^= (unsigned char)(0xe1 & -lsb);
	}
	memcpy(x, z, 16);
}

static void ghash_slow(mbedtls_gcm_context *ctx, const unsigned char *p, size_t n)
{
	while (n) {
		size_t k = n < 16 ? n : 16;

		for (size_t i = 0; i < k; i++)
			ctx->y[i] ^= p[i];
		gf_mult_bits(ctx->y, ctx->h[0]);
		p += k;
		n -= k;
	}
}

static int ctr_slow(mbedtls_gcm_context *ctx, const unsigned char *in, unsigned char *out,
		    size_t n)
{
	unsigned char cb[16], ks[16];
	int ret;

	memcpy(cb, ctx->j0, 12);
	while (n) {
		size_t k = n < 16 ? n : 16;

		put_be32(cb + 12, ctx->ctr++);
		ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, cb, ks);
		if (ret)
			return ret;
		if (ctx->mode == MBEDTLS_GCM_DECRYPT)
			ghash_slow(ctx, in, k);
		for (size_t i = 0; i < k; i++)
			out[i] = in[i] ^ ks[i];
		if (ctx->mode == MBEDTLS_GCM_ENCRYPT)
			ghash_slow(ctx, out, k);
		in += k;
		out += k;
		n -= k;
	}
	mbedtls_platform_zeroize(ks, sizeof(ks));
	return 0;
}

/* ---- AES-NI + PCLMULQDQ path ---- */

/*
 * GHASH in the byte-reversed representation (Intel's carry-less
 * multiplication white paper): blocks are byte-swapped, multiplied as
 * 128-bit polynomials into 256 bits, shifted left by one and reduced.
 * The shift and reduction are linear, so products summed before them
 * reduce once.
 */
FAST static __m128i bswap128(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
						15));
}

FAST static void clmul(__m128i a, __m128i b, __m128i *lo, __m128i *hi)
{
	__m128i t0 = _mm_clmulepi64_si128(a, b, 0x00);
	__m128i t1 = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10),
				   _mm_clmulepi64_si128(a, b, 0x01));
	__m128i t2 = _mm_clmulepi64_si128(a, b, 0x11);

	*lo = _mm_xor_si128(t0, _mm_slli_si128(t1, 8));
	*hi = _mm_xor_si128(t2, _mm_srli_si128(t1, 8));
}

FAST static __m128i reduce(__m128i lo, __m128i hi)
{
	__m128i t7, t8, t9, t2, t4, t5;

	/* The 256-bit product shifted left by one bit (the reflection). */
	t7 = _mm_srli_epi32(lo, 31);
	t8 = _mm_srli_epi32(hi, 31);
	lo = _mm_slli_epi32(lo, 1);
	hi = _mm_slli_epi32(hi, 1);
	t9 = _mm_srli_si128(t7, 12);
	t8 = _mm_slli_si128(t8, 4);
	t7 = _mm_slli_si128(t7, 4);
	lo = _mm_or_si128(lo, t7);
	hi = _mm_or_si128(hi, t8);
	hi = _mm_or_si128(hi, t9);
	/* Reduction modulo x^128 + x^7 + x^2 + x + 1. */
	t7 = _mm_slli_epi32(lo, 31);
	t8 = _mm_slli_epi32(lo, 30);
	t9 = _mm_slli_epi32(lo, 25);
	t7 = _mm_xor_si128(t7, t8);
	t7 = _mm_xor_si128(t7, t9);
	t8 = _mm_srli_si128(t7, 4);
	t7 = _mm_slli_si128(t7, 12);
	lo = _mm_xor_si128(lo, t7);
	t2 = _mm_srli_epi32(lo, 1);
	t4 = _mm_srli_epi32(lo, 2);
	t5 = _mm_srli_epi32(lo, 7);
	t2 = _mm_xor_si128(t2, t4);
	t2 = _mm_xor_si128(t2, t5);
	t2 = _mm_xor_si128(t2, t8);
	lo = _mm_xor_si128(lo, t2);
	return _mm_xor_si128(hi, lo);
}

FAST static __m128i gfmul(__m128i a, __m128i b)
{
	__m128i lo, hi;

	clmul(a, b, &lo, &hi);
	return reduce(lo, hi);
}

FAST static void fast_powers(mbedtls_gcm_context *ctx, const unsigned char h[16])
{
	__m128i h1 = bswap128(_mm_loadu_si128((const __m128i *)h));
	__m128i hn = h1;

	_mm_storeu_si128((__m128i *)ctx->h[0], h1);
	for (int i = 1; i < 4; i++) {
		hn = gfmul(hn, h1);
		_mm_storeu_si128((__m128i *)ctx->h[i], hn);
	}
}

/* y ^= blocks, times H, for whole blocks and then a zero-padded tail. */
FAST static void ghash_fast(mbedtls_gcm_context *ctx, const unsigned char *p, size_t n)
{
	__m128i y = bswap128(_mm_loadu_si128((const __m128i *)ctx->y));
	__m128i h1 = _mm_loadu_si128((const __m128i *)ctx->h[0]);

	for (; n >= 16; n -= 16, p += 16)
		y = gfmul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)p))), h1);
	if (n) {
		unsigned char last[16] = { 0 };

		memcpy(last, p, n);
		y = gfmul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)last))), h1);
	}
	_mm_storeu_si128((__m128i *)ctx->y, bswap128(y));
}

/* Four blocks into y at once: ((y ^ c0) H^4) ^ (c1 H^3) ^ (c2 H^2) ^ (c3 H). */
FAST static __m128i ghash4(const mbedtls_gcm_context *ctx, __m128i y, __m128i c0, __m128i c1,
			   __m128i c2, __m128i c3)
{
	__m128i lo, hi, l, h;

	clmul(_mm_xor_si128(y, bswap128(c0)), _mm_loadu_si128((const __m128i *)ctx->h[3]), &lo,
	      &hi);
	clmul(bswap128(c1), _mm_loadu_si128((const __m128i *)ctx->h[2]), &l, &h);
	lo = _mm_xor_si128(lo, l);
	hi = _mm_xor_si128(hi, h);
	clmul(bswap128(c2), _mm_loadu_si128((const __m128i *)ctx->h[1]), &l, &h);
	lo = _mm_xor_si128(lo, l);
	hi = _mm_xor_si128(hi, h);
	clmul(bswap128(c3), _mm_loadu_si128((const __m128i *)ctx->h[0]), &l, &h);
	lo = _mm_xor_si128(lo, l);
	hi = _mm_xor_si128(hi, h);
	return reduce(lo, hi);
}

FAST static __m128i counter_block(__m128i prefix, uint32_t ctr)
{
	return _mm_insert_epi32(prefix, (int)__builtin_bswap32(ctr), 3);
}

FAST static void ctr_fast(mbedtls_gcm_context *ctx, const unsigned char *in, unsigned char *out,
			  size_t n)
{
	const __m128i *rk = (const __m128i *)ctx->aes.rk;
	const int nr = ctx->aes.nr;
	const int dec = ctx->mode == MBEDTLS_GCM_DECRYPT;
	__m128i prefix = _mm_loadu_si128((const __m128i *)ctx->j0);
	__m128i y = bswap128(_mm_loadu_si128((const __m128i *)ctx->y));
	__m128i h1 = _mm_loadu_si128((const __m128i *)ctx->h[0]);

	for (; n >= 64; n -= 64, in += 64, out += 64) {
		__m128i k = _mm_loadu_si128(rk);
		__m128i b0 = _mm_xor_si128(counter_block(prefix, ctx->ctr), k);
		__m128i b1 = _mm_xor_si128(counter_block(prefix, ctx->ctr + 1), k);
		__m128i b2 = _mm_xor_si128(counter_block(prefix, ctx->ctr + 2), k);
		__m128i b3 = _mm_xor_si128(counter_block(prefix, ctx->ctr + 3), k);
		__m128i c0, c1, c2, c3;

		ctx->ctr += 4;
		for (int r = 1; r < nr; r++) {
			k = _mm_loadu_si128(rk + r);
			b0 = _mm_aesenc_si128(b0, k);
			b1 = _mm_aesenc_si128(b1, k);
			b2 = _mm_aesenc_si128(b2, k);
			b3 = _mm_aesenc_si128(b3, k);
		}
		k = _mm_loadu_si128(rk + nr);
		b0 = _mm_aesenclast_si128(b0, k);
		b1 = _mm_aesenclast_si128(b1, k);
		b2 = _mm_aesenclast_si128(b2, k);
		b3 = _mm_aesenclast_si128(b3, k);
		c0 = _mm_loadu_si128((const __m128i *)in);
		c1 = _mm_loadu_si128((const __m128i *)in + 1);
		c2 = _mm_loadu_si128((const __m128i *)in + 2);
		c3 = _mm_loadu_si128((const __m128i *)in + 3);
		b0 = _mm_xor_si128(b0, c0);
		b1 = _mm_xor_si128(b1, c1);
		b2 = _mm_xor_si128(b2, c2);
		b3 = _mm_xor_si128(b3, c3);
		_mm_storeu_si128((__m128i *)out, b0);
		_mm_storeu_si128((__m128i *)out + 1, b1);
		_mm_storeu_si128((__m128i *)out + 2, b2);
		_mm_storeu_si128((__m128i *)out + 3, b3);
		/* GHASH runs over the ciphertext: the input when decrypting. */
		y = dec ? ghash4(ctx, y, c0, c1, c2, c3) : ghash4(ctx, y, b0, b1, b2, b3);
	}
	while (n) {
		size_t k = n < 16 ? n : 16;
		unsigned char ks[16], c[16] = { 0 };
		__m128i b = _mm_xor_si128(counter_block(prefix, ctx->ctr++), _mm_loadu_si128(rk));

		for (int r = 1; r < nr; r++)
			b = _mm_aesenc_si128(b, _mm_loadu_si128(rk + r));
		b = _mm_aesenclast_si128(b, _mm_loadu_si128(rk + nr));
		_mm_storeu_si128((__m128i *)ks, b);
		if (dec)
			memcpy(c, in, k);
		for (size_t i = 0; i < k; i++)
			out[i] = in[i] ^ ks[i];
		if (!dec)
			memcpy(c, out, k);
		y = gfmul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)c))), h1);
		mbedtls_platform_zeroize(ks, sizeof(ks));
		in += k;
		out += k;
		n -= k;
	}
	_mm_storeu_si128((__m128i *)ctx->y, bswap128(y));
}

/* ---- mbedtls/gcm.h ---- */

static void ghash(mbedtls_gcm_context *ctx, const unsigned char *p, size_t n)
{
	if (ctx->fast)
		ghash_fast(ctx, p, n);
	else
		ghash_slow(ctx, p, n);
}

void mbedtls_gcm_init(mbedtls_gcm_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	mbedtls_aes_init(&ctx->aes);
}

int mbedtls_gcm_setkey(mbedtls_gcm_context *ctx, mbedtls_cipher_id_t cipher,
		       const unsigned char *key, unsigned int keybits)
{
	unsigned char h[16] = { 0 };
	int ret;

	if (cipher != MBEDTLS_CIPHER_ID_AES || (keybits != 128 && keybits != 192 && keybits != 256))
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	mbedtls_aes_free(&ctx->aes);
	mbedtls_aes_init(&ctx->aes);
	ret = mbedtls_aes_setkey_enc(&ctx->aes, key, keybits);
	if (!ret)
		ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, h, h);
	if (ret)
		return ret;
	ctx->fast = cpu_fast();
	if (ctx->fast)
		fast_powers(ctx, h);
	else
		memcpy(ctx->h[0], h, 16);
	mbedtls_platform_zeroize(h, sizeof(h));
	return 0;
}

int mbedtls_gcm_starts(mbedtls_gcm_context *ctx, int mode, const unsigned char *iv,
		       size_t iv_len, const unsigned char *add, size_t add_len)
{
	if (iv_len == 0 || (uint64_t)iv_len >> 61 || (uint64_t)add_len >> 61)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	ctx->mode = mode;
	ctx->len = 0;
	ctx->add_len = add_len;
	ctx->ended = 0;
	memset(ctx->y, 0, 16);
	if (iv_len == 12) {
		memcpy(ctx->j0, iv, 12);
		put_be32(ctx->j0 + 12, 1);
	} else {
		unsigned char lens[16] = { 0 };
		uint64_t bits = (uint64_t)iv_len * 8;

		ghash(ctx, iv, iv_len);
		put_be32(lens + 8, (uint32_t)(bits >> 32));
		put_be32(lens + 12, (uint32_t)bits);
		ghash(ctx, lens, 16);
		memcpy(ctx->j0, ctx->y, 16);
		memset(ctx->y, 0, 16);
	}
	ctx->ctr = get_be32(ctx->j0 + 12) + 1;
	if (add_len)
		ghash(ctx, add, add_len);
	return 0;
}

int mbedtls_gcm_update(mbedtls_gcm_context *ctx, size_t length, const unsigned char *input,
		       unsigned char *output)
{
	if (output > input && (size_t)(output - input) < length)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	/* At most 2^36 - 32 bytes; a partial block only last. */
	if (ctx->len + length < ctx->len || (uint64_t)ctx->len + length > 0xFFFFFFFE0ull ||
	    (length && ctx->ended))
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	ctx->len += length;
	if (length % 16)
		ctx->ended = 1;
	if (ctx->fast) {
		ctr_fast(ctx, input, output, length);
		return 0;
	}
	return ctr_slow(ctx, input, output, length);
}

int mbedtls_gcm_finish(mbedtls_gcm_context *ctx, unsigned char *tag, size_t tag_len)
{
	unsigned char lens[16], ek[16];
	uint64_t abits = ctx->add_len * 8, bits = ctx->len * 8;
	int ret;

	if (tag_len > 16 || tag_len < 4)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	put_be32(lens, (uint32_t)(abits >> 32));
	put_be32(lens + 4, (uint32_t)abits);
	put_be32(lens + 8, (uint32_t)(bits >> 32));
	put_be32(lens + 12, (uint32_t)bits);
	ghash(ctx, lens, 16);
	ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, ctx->j0, ek);
	if (ret)
		return ret;
	for (size_t i = 0; i < tag_len; i++)
		tag[i] = ek[i] ^ ctx->y[i];
	mbedtls_platform_zeroize(ek, sizeof(ek));
	return 0;
}

int mbedtls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
			      const unsigned char *iv, size_t iv_len, const unsigned char *add,
			      size_t add_len, const unsigned char *input, unsigned char *output,
			      size_t tag_len, unsigned char *tag)
{
	int ret = mbedtls_gcm_starts(ctx, mode, iv, iv_len, add, add_len);

	if (!ret)
		ret = mbedtls_gcm_update(ctx, length, input, output);
	if (!ret)
		ret = mbedtls_gcm_finish(ctx, tag, tag_len);
	return ret;
}

int mbedtls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
			     size_t iv_len, const unsigned char *add, size_t add_len,
			     const unsigned char *tag, size_t tag_len,
			     const unsigned char *input, unsigned char *output)
{
	unsigned char check[16];
	int diff = 0;
	int ret = mbedtls_gcm_crypt_and_tag(ctx, MBEDTLS_GCM_DECRYPT, length, iv, iv_len, add,
					    add_len, input, output, tag_len, check);

	if (ret)
		return ret;
	for (size_t i = 0; i < tag_len; i++)
		diff |= tag[i] ^ check[i];
	if (diff) {
		mbedtls_platform_zeroize(output, length);
		return MBEDTLS_ERR_GCM_AUTH_FAILED;
	}
	return 0;
}

void mbedtls_gcm_free(mbedtls_gcm_context *ctx)
{
	if (!ctx)
		return;
	mbedtls_aes_free(&ctx->aes);
	mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}

#else
typedef int tug_gcm_alt_unused; /* not x86_64: mbedtls' own gcm.c */
#endif
