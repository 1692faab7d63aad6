/*
 * Random bytes for identifiers: container, exec, network, volume and
 * update-transaction IDs. They must be unique (in one store, across
 * processes and across boots), not secret: nothing here is fit for keys.
 * TLS seeds mbedtls' own entropy source (platform/tls.c), which may wait
 * for the kernel's pool; these never wait.
 */
#ifndef TUG_PLATFORM_RANDOM_H
#define TUG_PLATFORM_RANDOM_H

#include <stddef.h>

/*
 * Fill buf, never blocking: getrandom(GRND_NONBLOCK); before the kernel's
 * pool is initialised getrandom(GRND_INSECURE) (Linux 5.6+); on older
 * kernels /dev/urandom; with neither, random_bytes_mixed(). Cannot fail.
 */
void random_bytes(void *buf, size_t n);

/* 32 random bytes as 64 lowercase hex digits and a NUL. */
void random_hex_id(char out[65]);

/*
 * The last resort, exposed for tests: the clocks, the pid and thread id, a
 * counter, the kernel's per-exec AT_RANDOM and a stack address (ASLR) run
 * through splitmix64. Unique in practice, predictable to an attacker.
 */
void random_bytes_mixed(void *buf, size_t n);

#endif
