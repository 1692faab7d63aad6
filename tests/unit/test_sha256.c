/* SHA-256 against the FIPS 180-2 / NIST CAVS vectors, on every backend. */
#include <stdlib.h>

#include "platform/sha256.h"
#include "test.h"

static void digest_with(const struct sha256_ops *ops, const void *buf, size_t len, size_t chunk,
			char out[65])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_LEN];
	const unsigned char *p = buf;

	ops->init(&ctx);
	while (len) {
		size_t n = chunk < len ? chunk : len;

		ops->update(&ctx, p, n);
		p += n, len -= n;
	}
	ops->final(&ctx, d);
	sha256_hex(d, out);
}

static const struct {
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static void check_backend(const struct sha256_ops *ops)
{
	char hex[65];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		for (size_t chunk = 1; chunk <= 128; chunk = chunk * 3 + 1) {
			digest_with(ops, vectors[i].msg, strlen(vectors[i].msg), chunk, hex);
			if (strcmp(hex, vectors[i].hex)) {
				snprintf(test_why, sizeof(test_why), "%s: vector %zu chunk %zu: %s",
					 ops->name, i, chunk, hex);
				test_state = "FAIL";
				return;
			}
		}
}

TEST(builtin_fips_vectors)
{
	check_backend(&sha256_builtin_ops);
}

TEST(mbedtls_fips_vectors)
{
	if (!IS_ENABLED(CONFIG_TLS_MBEDTLS))
		SKIP("mbedtls not in this build (CONFIG_TLS_MBEDTLS)");
	check_backend(SHA256_MBEDTLS_OPS);
}

TEST(cpu_fips_vectors)
{
	if (!sha256_cpu_available())
		SKIP("this CPU has no SHA-256 instructions");
	check_backend(&sha256_cpu_ops);
}

TEST(cpu_agrees_with_builtin_on_long_input)
{
	size_t len = 100000;
	unsigned char *buf = malloc(len);
	char a[65], b[65];

	if (!sha256_cpu_available()) {
		free(buf);
		SKIP("this CPU has no SHA-256 instructions");
	}
	CHECK(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 131 + (i >> 8));
	for (size_t chunk = 1; chunk < 70000; chunk = chunk * 5 + 3) {
		digest_with(&sha256_builtin_ops, buf, len - chunk % 61, 64, a);
		digest_with(&sha256_cpu_ops, buf, len - chunk % 61, chunk, b);
		CHECK_STR(a, b);
	}
	free(buf);
}

TEST(million_a)
{
	char *buf = malloc(1000000), hex[65];

	CHECK(buf);
	memset(buf, 'a', 1000000);
	digest_with(sha256_default(), buf, 1000000, 4096, hex);
	free(buf);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(backends_agree_on_odd_lengths)
{
	unsigned char buf[300];
	char a[65], b[65];

	if (!IS_ENABLED(CONFIG_TLS_MBEDTLS))
		SKIP("mbedtls not in this build (CONFIG_TLS_MBEDTLS)");
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(buf); len += 13) {
		digest_with(&sha256_builtin_ops, buf, len, 17, a);
		digest_with(SHA256_MBEDTLS_OPS, buf, len, 64, b);
		CHECK_STR(a, b);
	}
}

TEST(final_str_has_prefix)
{
	struct sha256_ctx ctx;
	char s[SHA256_DIGEST_STR_LEN];

	sha256_init(&ctx);
	sha256_update(&ctx, "abc", 3);
	sha256_final_str(&ctx, s);
	CHECK_STR(s, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Two streams hashed together give what each gives alone, whatever the chunking. */
TEST(update2_agrees_with_two_updates)
{
	size_t len = 70000;
	unsigned char *x = malloc(len), *y = malloc(len);
	char a[SHA256_DIGEST_STR_LEN], b[SHA256_DIGEST_STR_LEN];
	char a2[SHA256_DIGEST_STR_LEN], b2[SHA256_DIGEST_STR_LEN];

	CHECK(x && y);
	for (size_t i = 0; i < len; i++) {
		x[i] = (unsigned char)(i * 131 + (i >> 8));
		y[i] = (unsigned char)(i * 7 + (i >> 5));
	}
	for (size_t cx = 1; cx < 40000; cx = cx * 3 + 5) {
		size_t cy = (cx * 7) % 5003 + 1, ox = 0, oy = 0, lx = len - cx % 61, ly = len - cx % 67;
		struct sha256_ctx ca, cb, sa, sb;

		sha256_init(&ca);
		sha256_init(&cb);
		sha256_init(&sa);
		sha256_init(&sb);
		while (ox < lx || oy < ly) {
			size_t nx = lx - ox < cx ? lx - ox : cx, ny = ly - oy < cy ? ly - oy : cy;

			sha256_update2(&ca, x + ox, nx, &cb, y + oy, ny);
			ox += nx, oy += ny;
		}
		sha256_update(&sa, x, lx);
		sha256_update(&sb, y, ly);
		sha256_final_str(&ca, a);
		sha256_final_str(&cb, b);
		sha256_final_str(&sa, a2);
		sha256_final_str(&sb, b2);
		CHECK_STR(a, a2);
		CHECK_STR(b, b2);
	}
	free(x);
	free(y);
}

int main(void)
{
	RUN(builtin_fips_vectors);
	RUN(mbedtls_fips_vectors);
	RUN(cpu_fips_vectors);
	RUN(cpu_agrees_with_builtin_on_long_input);
	RUN(million_a);
	RUN(backends_agree_on_odd_lengths);
	RUN(final_str_has_prefix);
	RUN(update2_agrees_with_two_updates);
	return test_done();
}
