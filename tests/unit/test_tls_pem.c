/*
 * CA files: PEM certificates decoded by tls_pem_next_cert() give the same
 * DER as mbedtls' own PEM reader; bundles with text, CRLF and a damaged
 * block in between; padding and stray characters refused.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "platform/tls.h"
#include "test.h"

static const char cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBgzCCASmgAwIBAgIUCv2lmpshjCwH5k8Z9UB3pOx3uV8wCgYIKoZIzj0EAwIw\n"
	"FzEVMBMGA1UEAwwMdHVnIHBlbSB0ZXN0MB4XDTI2MTEyOTExNDQyOVoXDTM2MTEy\n"
	"NjExNDQyOVowFzEVMBMGA1UEAwwMdHVnIHBlbSB0ZXN0MFkwEwYHKoZIzj0CAQYI\n"
	"KoZIzj0DAQcDQgAEoJqHO99jw7Gy3C8n0BJadAfngE0ohm6rt2iA1QM/wSQf3MAU\n"
	"ZZ/qmHEOWjS9njG7LIZUvMTxFONCXf2+9L7NZ6NTMFEwHQYDVR0OBBYEFH4XkimT\n"
	"hWaNRZS6FawdzIf7hj1eMB8GA1UdIwQYMBaAFH4XkimThWaNRZS6FawdzIf7hj1e\n"
	"MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgTF5Zy9TIMg5aJNfV\n"
	"0nqq7xoCJuVMFg7tTH/hAj9Q/AsCIQDwejBpTTUPS2s6axNojUnXu9Dyolr6/Xmv\n"
	"aiBURBtMNQ==\n"
	"-----END CERTIFICATE-----\n";

TEST(same_der_as_mbedtls)
{
	mbedtls_x509_crt crt;
	const char *pos = cert;
	unsigned char *der;
	size_t len;

	mbedtls_x509_crt_init(&crt);
	CHECK(mbedtls_x509_crt_parse(&crt, (const unsigned char *)cert, sizeof(cert)) == 0);
	CHECK(tls_pem_next_cert(&pos, cert + strlen(cert), &der, &len) == 1);
	CHECK(len == crt.raw.len);
	CHECK(!memcmp(der, crt.raw.p, len));
	CHECK(tls_pem_next_cert(&pos, cert + strlen(cert), &der, &len) == 0);
	free(der);
	mbedtls_x509_crt_free(&crt);
}

TEST(bundle_with_text_crlf_and_a_damaged_block)
{
	char *bundle = malloc(4 * sizeof(cert) + 200), *crlf = bundle;
	const char *pos, *end;
	unsigned char *der;
	size_t len, first;
	int found = 0, bad = 0, r;

	CHECK(bundle);
	strcpy(bundle, "# a comment\n");
	strcat(bundle, cert);
	/* The same certificate with CRLF line ends. */
	crlf = bundle + strlen(bundle);
	for (const char *c = cert; *c; c++) {
		if (*c == '\n')
			*crlf++ = '\r';
		*crlf++ = *c;
	}
	*crlf = '\0';
	strcat(bundle, "-----BEGIN CERTIFICATE-----\nMIIB*gz\n-----END CERTIFICATE-----\n");
	strcat(bundle, cert);
	strcat(bundle, "trailing text\n");
	pos = bundle;
	end = bundle + strlen(bundle);
	CHECK(tls_pem_next_cert(&pos, end, &der, &first) == 1);
	free(der);
	found = 1;
	while ((r = tls_pem_next_cert(&pos, end, &der, &len)) != 0) {
		if (r < 0) {
			bad++;
			continue;
		}
		CHECK(len == first);
		free(der);
		found++;
	}
	CHECK(found == 3);
	CHECK(bad == 1);
	free(bundle);
}

TEST(malformed_blocks)
{
	static const char *const cases[] = {
		"-----BEGIN CERTIFICATE-----\nQUJD=QUJD\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nQUJD\n",
	};
	static const char plain[] = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----";
	unsigned char *der;
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *pos = cases[i];

		CHECK(tls_pem_next_cert(&pos, cases[i] + strlen(cases[i]), &der, &len) == -1);
		CHECK(der == NULL);
	}
	{
		const char *pos = plain;

		CHECK(tls_pem_next_cert(&pos, plain + strlen(plain), &der, &len) == 1);
		CHECK(len == 3 && !memcmp(der, "ABC", 3));
		free(der);
	}
	{
		const char *none = "no certificates here", *pos = none;

		CHECK(tls_pem_next_cert(&pos, none + strlen(none), &der, &len) == 0);
	}
}

int main(void)
{
	RUN(same_der_as_mbedtls);
	RUN(bundle_with_text_crlf_and_a_damaged_block);
	RUN(malformed_blocks);
	return test_done();
}
