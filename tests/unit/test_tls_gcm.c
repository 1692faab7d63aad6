/*
 * AES-GCM as the TLS records use it: the GCM test vectors of McGrew and
 * Viega's specification (test cases 2-4, 13-16), streamed in parts,
 * round trips of every length up to a few blocks past the four-block loop,
 * and a wrong tag refused. On x86_64 this is tools/mbedtls_gcm_alt.c
 * (MBEDTLS_GCM_ALT), elsewhere mbedtls' own gcm.c.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>

#include "test.h"

static size_t unhex(const char *h, unsigned char *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		char b[3] = { h[0], h[1], 0 };

		out[n++] = (unsigned char)strtoul(b, NULL, 16);
	}
	return n;
}

static const struct {
	const char *key, *iv, *pt, *aad, *ct, *tag;
} vectors[] = {
	/* 2: AES-128, zero key, one zero block */
	{ "00000000000000000000000000000000", "000000000000000000000000",
	  "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	/* 3: AES-128, four blocks, no AAD */
	{ "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	/* 4: AES-128, 60 bytes, AAD */
	{ "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* 15: AES-256, four blocks, no AAD */
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	/* 16: AES-256, 60 bytes, AAD */
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static void check_vector(size_t i, size_t split)
{
	unsigned char key[32], iv[12], pt[64], aad[20], ct[64], tag[16], out[64], t[16];
	size_t kl = unhex(vectors[i].key, key), ivl = unhex(vectors[i].iv, iv);
	size_t n = unhex(vectors[i].pt, pt), al = unhex(vectors[i].aad, aad);
	mbedtls_gcm_context g;

	unhex(vectors[i].ct, ct);
	unhex(vectors[i].tag, tag);
	if (split > n)
		split = n;
	mbedtls_gcm_init(&g);
	CHECK(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)kl * 8) == 0);
	CHECK(mbedtls_gcm_starts(&g, MBEDTLS_GCM_ENCRYPT, iv, ivl, aad, al) == 0);
	CHECK(mbedtls_gcm_update(&g, split, pt, out) == 0);
	CHECK(mbedtls_gcm_update(&g, n - split, pt + split, out + split) == 0);
	CHECK(mbedtls_gcm_finish(&g, t, 16) == 0);
	CHECK(!memcmp(out, ct, n));
	CHECK(!memcmp(t, tag, 16));
	CHECK(mbedtls_gcm_auth_decrypt(&g, n, iv, ivl, aad, al, tag, 16, ct, out) == 0);
	CHECK(!memcmp(out, pt, n));
	mbedtls_gcm_free(&g);
}

TEST(spec_vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		check_vector(i, 64);
}

TEST(spec_vectors_streamed_in_blocks)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		check_vector(i, 16);
		check_vector(i, 48);
	}
}

TEST(round_trip_every_length)
{
	static unsigned char pt[300], ct[300], out[300];
	unsigned char key[32], iv[12], aad[13], tag[16];
	mbedtls_gcm_context g;

	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (unsigned char)(i * 7 + 1);
	memset(key, 0x42, sizeof(key));
	memset(iv, 0x24, sizeof(iv));
	memset(aad, 0x17, sizeof(aad));
	mbedtls_gcm_init(&g);
	CHECK(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) == 0);
	for (size_t n = 0; n <= sizeof(pt); n++) {
		CHECK(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, 13, pt, ct,
						16, tag) == 0);
		CHECK(mbedtls_gcm_auth_decrypt(&g, n, iv, 12, aad, 13, tag, 16, ct, out) == 0);
		CHECK(!memcmp(out, pt, n));
		/* In place, as the TLS record layer decrypts. */
		memcpy(out, ct, n);
		CHECK(mbedtls_gcm_auth_decrypt(&g, n, iv, 12, aad, 13, tag, 16, out, out) == 0);
		CHECK(!memcmp(out, pt, n));
	}
	mbedtls_gcm_free(&g);
}

TEST(wrong_tag_refused_and_output_wiped)
{
	unsigned char key[16] = { 1 }, iv[12] = { 2 }, pt[100], ct[100], out[100], tag[16];
	mbedtls_gcm_context g;

	memset(pt, 'x', sizeof(pt));
	mbedtls_gcm_init(&g);
	CHECK(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128) == 0);
	CHECK(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, sizeof(pt), iv, 12, NULL, 0, pt,
					ct, 16, tag) == 0);
	tag[15] ^= 1;
	CHECK(mbedtls_gcm_auth_decrypt(&g, sizeof(ct), iv, 12, NULL, 0, tag, 16, ct, out) ==
	      MBEDTLS_ERR_GCM_AUTH_FAILED);
	for (size_t i = 0; i < sizeof(out); i++)
		CHECK(out[i] == 0);
	tag[15] ^= 1;
	ct[50] ^= 0x80;
	CHECK(mbedtls_gcm_auth_decrypt(&g, sizeof(ct), iv, 12, NULL, 0, tag, 16, ct, out) ==
	      MBEDTLS_ERR_GCM_AUTH_FAILED);
	mbedtls_gcm_free(&g);
}

int main(void)
{
	RUN(spec_vectors);
	RUN(spec_vectors_streamed_in_blocks);
	RUN(round_trip_every_length);
	RUN(wrong_tag_refused_and_output_wiped);
	return test_done();
}
