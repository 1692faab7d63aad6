/*
 * TLS client connections for registries through mbedtls 2.28: TLS 1.2+,
 * SNI, hostname verification, the system CA bundle (or TUG_CA_FILE) plus the
 * per-registry CA directory certs.d/HOST:PORT/ (every .crt file), like Docker's
 * /etc/docker/certs.d (tug's is /etc/tug/certs.d, or TUG_CERTS_DIR).
 * Without CONFIG_TLS_MBEDTLS every call fails with "not supported by this
 * build (CONFIG_TLS_MBEDTLS)".
 */
#ifndef TUG_TLS_H
#define TUG_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "platform/err.h"

#define TLS_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define TLS_CERTS_DIR "/etc/tug/certs.d"

struct tls_conn;

#ifdef CONFIG_TLS_MBEDTLS
/*
 * Handshake over a connected fd (owned by the caller, closed by it).
 * host_port names the certs.d subdirectory ("reg.example:5000"); server
 * is what the certificate must name (SNI and verification).
 */
int tls_connect(struct tls_conn **out, int fd, const char *server, const char *host_port,
		struct tug_err *err);
/* Bytes read (0 at a clean close) or -1. */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, struct tug_err *err);
int tls_write_all(struct tls_conn *c, const void *buf, size_t len, struct tug_err *err);
void tls_close(struct tls_conn *c);
/*
 * The next "-----BEGIN CERTIFICATE-----" block in [*pos, end), base64
 * decoded into *der (malloc'd, *len bytes); *pos moves past it. 1: one
 * found, 0: none left, -1: a malformed block (skipped).
 */
int tls_pem_next_cert(const char **pos, const char *end, unsigned char **der, size_t *len);
#else
static inline int tls_connect(struct tls_conn **out, int fd, const char *server,
			      const char *host_port, struct tug_err *err)
{
	*out = NULL;
	return tug_err_set(err, ENOTSUP, "https://%s: not supported by this build "
				       "(CONFIG_TLS_MBEDTLS)", host_port);
}
static inline ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_TLS_MBEDTLS);
}
static inline int tls_write_all(struct tls_conn *c, const void *buf, size_t len,
				struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_TLS_MBEDTLS);
}
static inline void tls_close(struct tls_conn *c)
{
}
#endif

#endif
