/* mbedtls client side. See tls.h. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/aesni.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pem.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "platform/tls.h"

#define TLS_READ_AHEAD 65536

struct tls_conn {
	int fd;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;		/* used when the CA set is not cached */
	mbedtls_x509_crt *cas;		/* ca or a cached set */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int io_errno;
	/* mbedtls reads a record's 5-byte header, then its body: one recv each. */
	size_t roff, rlen;
	unsigned char rbuf[TLS_READ_AHEAD];
};

/*
 * Parsed CA sets, per (CA file, certs.d directory): parsing the system
 * bundle (~140 PEM certificates) costs more than a handshake, and a pull
 * opens a connection per parallel download (the children inherit the
 * parsed set). A few sets at most, kept for the life of the process (a
 * CLI run, or one pull's child of the daemon).
 */
#define TLS_CA_CACHE 4
static struct {
	char key[1400];
	mbedtls_x509_crt ca;
	int count;
} ca_cache[TLS_CA_CACHE];
static int ca_cached;

static void tls_errstr(int rc, char *buf, size_t size)
{
	mbedtls_strerror(rc, buf, size);
}

/*
 * Cipher order: servers (Go's among them) take the client's first choice as
 * a hint. mbedtls 2.28's own AES-GCM runs one 16-byte block per call chain
 * even with AES-NI (~220-295 MB/s of CPU time on x86_64 here); its
 * ChaCha20-Poly1305 does ~510 MB/s built with -O2 (~250 with -Os), ~820
 * with tools/deps.sh's four-block ChaCha20. deps.sh says so in
 * <mbedtls/tug_build.h>. On x86_64 deps.sh also builds GCM through
 * MBEDTLS_GCM_ALT (tools/mbedtls_gcm_alt.c: AES-NI and PCLMULQDQ four
 * blocks at once, ~4 GB/s): there AES-GCM goes first when the CPU has both
 * (a 97 MB pull over TLS: ~0.03 s of CPU for the record cipher instead of
 * ~0.13 s with ChaCha). Otherwise ChaCha first with deps.sh's build or
 * without AES-NI (ARM, MIPS), AES-GCM first with an mbedtls from elsewhere
 * on a CPU with AES-NI.
 */
#if __has_include(<mbedtls/tug_build.h>)
#include <mbedtls/tug_build.h>
#endif
#ifndef TUG_MBEDTLS_FAST_CHACHA
#define TUG_MBEDTLS_FAST_CHACHA 0
#endif
#if defined(MBEDTLS_GCM_ALT)
#define TUG_MBEDTLS_FAST_GCM 1
#else
#define TUG_MBEDTLS_FAST_GCM 0
#endif

#if defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_HAVE_X86_64)
static bool aes_in_hardware(void)
{
	return mbedtls_aesni_has_support(MBEDTLS_AESNI_AES);
}

static bool gcm_in_hardware(void)
{
	return TUG_MBEDTLS_FAST_GCM && mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) &&
	       mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL);
}
#else
static bool aes_in_hardware(void)
{
	return false;
}

static bool gcm_in_hardware(void)
{
	return false;
}
#endif

static const int suites_aes_first[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

static const int suites_chacha_first[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	0,
};

/* Our own BIO: keeps errno (timeouts, resets) for the error message. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t n;

	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->io_errno = (errno == EAGAIN || errno == EWOULDBLOCK) ? ETIMEDOUT : errno;
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
	return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t n;

	if (c->roff < c->rlen) {
		n = (ssize_t)(c->rlen - c->roff < len ? c->rlen - c->roff : len);
		memcpy(buf, c->rbuf + c->roff, (size_t)n);
		c->roff += (size_t)n;
		return (int)n;
	}
	do
		n = len >= sizeof(c->rbuf) ? recv(c->fd, buf, len, 0)
					   : recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
	while (n < 0 && errno == EINTR);
	if (n > 0 && len < sizeof(c->rbuf)) {
		c->roff = 0;
		c->rlen = (size_t)n;
		n = (ssize_t)((size_t)n < len ? (size_t)n : len);
		memcpy(buf, c->rbuf, (size_t)n);
		c->roff = (size_t)n;
	}
	if (n < 0) {
		c->io_errno = (errno == EAGAIN || errno == EWOULDBLOCK) ? ETIMEDOUT : errno;
		return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
	}
	if (n == 0) {
		c->io_errno = ECONNRESET;
		return MBEDTLS_ERR_NET_CONN_RESET;
	}
	return (int)n;
}

static const char *certs_dir(void)
{
	const char *d = getenv("TUG_CERTS_DIR");

	return d && *d ? d : TLS_CERTS_DIR;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int tls_pem_next_cert(const char **pos, const char *end, unsigned char **der, size_t *len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char stop[] = "-----END CERTIFICATE-----";
	const char *p = *pos, *b, *e;
	unsigned acc = 0;
	int bits = 0, pad = 0;
	unsigned char *out;
	size_t n = 0;

	*der = NULL;
	*len = 0;
	b = memmem(p, (size_t)(end - p), begin, sizeof(begin) - 1);
	if (!b) {
		*pos = end;
		return 0;
	}
	b += sizeof(begin) - 1;
	e = memmem(b, (size_t)(end - b), stop, sizeof(stop) - 1);
	if (!e) {
		*pos = end;
		return -1;
	}
	*pos = e + sizeof(stop) - 1;
	out = malloc((size_t)(e - b) / 4 * 3 + 3);
	if (!out)
		return -1;
	for (p = b; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad) {
			free(out);
			return -1; /* not base64, or data after the padding */
		}
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (!n || pad > 2) {
		free(out);
		return -1;
	}
	*der = out;
	*len = n;
	return 1;
}

/*
 * A CA file: PEM certificates are decoded here and handed to mbedtls as
 * DER. mbedtls' PEM reader decodes base64 in constant time (made for
 * private keys), ~5 ms for the system bundle here before a pull's first
 * request, several times that on a small board; certificates are public.
 * Anything else (a DER file) goes to mbedtls as it is. Returns what
 * mbedtls_x509_crt_parse_file() would: failures when some parsed, else <0.
 */
static int parse_ca_file(mbedtls_x509_crt *ca, const char *path)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	const char *pos;
	long size;
	int ok = 0, failed = 0, first = 0;

	if (!f)
		return MBEDTLS_ERR_X509_FILE_IO_ERROR;
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (16L << 20) ||
	    fseek(f, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)size + 1)) ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return MBEDTLS_ERR_X509_FILE_IO_ERROR;
	}
	fclose(f);
	buf[size] = '\0';
	if (!strstr(buf, "-----BEGIN CERTIFICATE-----")) {
		free(buf);
		return mbedtls_x509_crt_parse_file(ca, path);
	}
	pos = buf;
	for (;;) {
		unsigned char *der;
		size_t len;
		int r = tls_pem_next_cert(&pos, buf + size, &der, &len);

		if (r == 0)
			break;
		if (r > 0)
			r = mbedtls_x509_crt_parse_der(ca, der, len);
		else
			r = MBEDTLS_ERR_PEM_INVALID_DATA;
		free(der);
		if (r == 0) {
			ok++;
		} else {
			failed++;
			if (!first)
				first = r;
		}
	}
	free(buf);
	if (ok)
		return failed;
	return first ? first : MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
}

/* Every *.crt in certs.d/<host:port>/ is a CA for that registry. */
static int load_registry_cas(mbedtls_x509_crt *ca, const char *host_port)
{
	char dir[512], path[800];
	DIR *d;
	struct dirent *de;
	int loaded = 0;

	snprintf(dir, sizeof(dir), "%s/%s", certs_dir(), host_port);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".crt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (parse_ca_file(ca, path) >= 0)
			loaded++;
	}
	closedir(d);
	return loaded;
}

static int load_cas(mbedtls_x509_crt *ca, const char *ca_file, const char *host_port)
{
	int n = 0;

	if (access(ca_file, R_OK) == 0 && parse_ca_file(ca, ca_file) >= 0)
		n++;
	return n + load_registry_cas(ca, host_port);
}

/* The CA set for this registry: cached, or parsed into c->ca. Returns how many sources. */
static int cas_for(struct tls_conn *c, const char *ca_file, const char *host_port)
{
	char key[sizeof(ca_cache[0].key)];
	int i;

	snprintf(key, sizeof(key), "%s\n%s/%s", ca_file, certs_dir(), host_port);
	for (i = 0; i < ca_cached; i++)
		if (!strcmp(ca_cache[i].key, key)) {
			c->cas = &ca_cache[i].ca;
			return ca_cache[i].count;
		}
	if (ca_cached == TLS_CA_CACHE) {
		c->cas = &c->ca;
		return load_cas(&c->ca, ca_file, host_port);
	}
	mbedtls_x509_crt_init(&ca_cache[i].ca);
	ca_cache[i].count = load_cas(&ca_cache[i].ca, ca_file, host_port);
	if (!ca_cache[i].count) {
		mbedtls_x509_crt_free(&ca_cache[i].ca);
		c->cas = &c->ca;
		return 0;
	}
	snprintf(ca_cache[i].key, sizeof(ca_cache[i].key), "%s", key);
	ca_cached++;
	c->cas = &ca_cache[i].ca;
	return ca_cache[i].count;
}

/*
 * Sessions to resume, per (server name, CA set): a pull opens a connection
 * per parallel download, each in a forked child, which inherits this
 * table. Resuming the session of the connection before (a session ticket,
 * RFC 5077; Go's server issues them) skips the ECDHE and both signature
 * checks of a full handshake: ~5 ms of CPU each on x86_64, far more on an
 * ARM board at -Os. The full handshake that made the session verified the
 * certificate for this server name against this CA set; the IP address
 * check below runs on the kept peer certificate after every handshake. A
 * server that refuses the ticket simply does a full handshake.
 */
#define TLS_SESSION_CACHE 4
static struct {
	char key[sizeof(ca_cache[0].key) + 300];
	mbedtls_ssl_session s;
} sessions[TLS_SESSION_CACHE];
static int sessions_used;

static mbedtls_ssl_session *session_find(const char *key)
{
	for (int i = 0; i < sessions_used; i++)
		if (!strcmp(sessions[i].key, key))
			return &sessions[i].s;
	return NULL;
}

static void session_keep(struct tls_conn *c, const char *key)
{
	int i;

	for (i = 0; i < sessions_used; i++)
		if (!strcmp(sessions[i].key, key))
			break;
	if (i == TLS_SESSION_CACHE)
		i = 0; /* full: the first slot goes */
	if (i == sessions_used)
		sessions_used++;
	else
		mbedtls_ssl_session_free(&sessions[i].s);
	mbedtls_ssl_session_init(&sessions[i].s);
	if (mbedtls_ssl_get_session(&c->ssl, &sessions[i].s) != 0) {
		mbedtls_ssl_session_free(&sessions[i].s);
		sessions[i].key[0] = '\0';
		return;
	}
	snprintf(sessions[i].key, sizeof(sessions[i].key), "%s", key);
}

void tls_close(struct tls_conn *c)
{
	if (!c)
		return;
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	free(c);
}

/*
 * mbedtls 2.28 checks DNS names and the CN only, so a registry reached by
 * IP address (127.0.0.1:5000, a LAN box) is checked here against the
 * certificate's iPAddress subjectAltName entries, as Go and OpenSSL do.
 */
static bool cert_has_ip(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t len)
{
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && s->buf.len == len &&
		    !memcmp(s->buf.p, ip, len))
			return true;
	return false;
}

static int fail(struct tls_conn *c, struct tug_err *err, int rc, const char *what,
		const char *server)
{
	char e[160];

	tls_errstr(rc, e, sizeof(e));
	tls_close(c);
	return tug_err_set(err, EPROTO, "tls %s: %s: %s", server, what, e);
}

int tls_connect(struct tls_conn **out, int fd, const char *server, const char *host_port,
		struct tug_err *err)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	const char *ca_file = getenv("TUG_CA_FILE");
	int rc, cas = 0;
	uint32_t flags;
	unsigned char ip[16];
	size_t iplen = 0;
	char skey[sizeof(sessions[0].key)];
	mbedtls_ssl_session *sess;

	*out = NULL;
	if (!c)
		return tug_err_set(err, ENOMEM, "tls");
	c->fd = fd;
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_ctr_drbg_init(&c->drbg);
	mbedtls_entropy_init(&c->entropy);
	rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
				   (const unsigned char *)"tug", 3);
	if (rc)
		return fail(c, err, rc, "seed random generator", server);
	if (!ca_file || !*ca_file)
		ca_file = TLS_SYSTEM_CA_FILE;
	cas = cas_for(c, ca_file, host_port);
	if (!cas) {
		tls_close(c);
		return tug_err_set(err, ENOENT,
				   "tls %s: no CA certificates (%s, %s/%s/*.crt)", server,
				   ca_file, certs_dir(), host_port);
	}
	rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		return fail(c, err, rc, "config", server);
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&c->conf,
				      gcm_in_hardware() || (!TUG_MBEDTLS_FAST_CHACHA && aes_in_hardware())
					      ? suites_aes_first
					      : suites_chacha_first);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&c->conf, c->cas, NULL);
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
	rc = mbedtls_ssl_setup(&c->ssl, &c->conf);
	if (rc)
		return fail(c, err, rc, "setup", server);
	/* SNI and the name the certificate must carry (IP addresses: below). */
	if (inet_pton(AF_INET, server, ip) == 1)
		iplen = 4;
	else if (inet_pton(AF_INET6, server, ip) == 1)
		iplen = 16;
	rc = iplen ? 0 : mbedtls_ssl_set_hostname(&c->ssl, server);
	if (rc)
		return fail(c, err, rc, "set hostname", server);
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	snprintf(skey, sizeof(skey), "%s\n%s\n%s/%s", server, ca_file, certs_dir(), host_port);
	sess = session_find(skey);
	if (sess)
		mbedtls_ssl_set_session(&c->ssl, sess); /* failing that, a full handshake */
	while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			char info[512];

			flags = mbedtls_ssl_get_verify_result(&c->ssl);
			mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
			info[strcspn(info, "\n")] = '\0';
			tls_close(c);
			return tug_err_set(err, EPROTO,
					   "tls %s: certificate verification failed: %s "
					   "(CA from %s and %s/%s/*.crt)",
					   server, info, ca_file, certs_dir(), host_port);
		}
		if (c->io_errno) {
			int e = c->io_errno;

			tls_close(c);
			return tug_err_set(err, e, "tls %s: handshake", server);
		}
		return fail(c, err, rc, "handshake", server);
	}
	if (iplen && !cert_has_ip(mbedtls_ssl_get_peer_cert(&c->ssl), ip, iplen)) {
		tls_close(c);
		return tug_err_set(err, EPROTO,
				   "tls %s: certificate verification failed: the certificate is "
				   "not valid for IP address %s", server, server);
	}
	session_keep(c, skey);
	*out = c;
	return 0;
}

/* Another application-data record is decrypted or whole in the read-ahead: no wait. */
static bool record_ready(struct tls_conn *c)
{
	const unsigned char *h = c->rbuf + c->roff;

	if (mbedtls_ssl_get_bytes_avail(&c->ssl))
		return true;
	return c->rlen - c->roff >= 5 && h[0] == MBEDTLS_SSL_MSG_APPLICATION_DATA &&
	       c->rlen - c->roff >= 5 + ((size_t)h[3] << 8 | h[4]);
}

/*
 * A read gives one record (16 KB at most) as mbedtls returns it; records
 * already here are added while they fit, so the caller's writes come in
 * pieces as big as over plain HTTP (a pull spooled 100 MB in 6,500 writes
 * instead of 1,900). A failure on a later record fails the read.
 */
static int read_more(struct tls_conn *c, unsigned char *buf, size_t len, size_t got)
{
	while (len - got >= MBEDTLS_SSL_MAX_CONTENT_LEN && record_ready(c)) {
		int rc;

		c->io_errno = 0;
		rc = mbedtls_ssl_read(&c->ssl, buf + got, len - got);
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (rc < 0)
			return rc; /* the records read here are dropped with the connection */
		got += (size_t)rc;
	}
	return (int)got;
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, struct tug_err *err)
{
	int rc;

	for (;;) {
		c->io_errno = 0;
		rc = mbedtls_ssl_read(&c->ssl, buf, len);
		if (rc > 0)
			rc = read_more(c, buf, len, (size_t)rc);
		if (rc >= 0)
			return rc;
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
			return 0;
		if (c->io_errno)
			return tug_err_set(err, c->io_errno, "tls read");
		{
			char e[160];

			tls_errstr(rc, e, sizeof(e));
			return tug_err_set(err, EPROTO, "tls read: %s", e);
		}
	}
}

int tls_write_all(struct tls_conn *c, const void *buf, size_t len, struct tug_err *err)
{
	const unsigned char *p = buf;

	while (len) {
		int rc;

		c->io_errno = 0;
		rc = mbedtls_ssl_write(&c->ssl, p, len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc < 0) {
			char e[160];

			if (c->io_errno)
				return tug_err_set(err, c->io_errno, "tls write");
			tls_errstr(rc, e, sizeof(e));
			return tug_err_set(err, EPROTO, "tls write: %s", e);
		}
		p += rc;
		len -= (size_t)rc;
	}
	return 0;
}
