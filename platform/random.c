/*
 * Identifiers' random bytes (platform/random.h). getrandom(flags 0) waits
 * until the kernel's pool is initialised: at boot on a board without a
 * hardware RNG (or QEMU without RDRAND) that is seconds to minutes, and the
 * boot manifest's first container would wait with it. IDs need uniqueness,
 * not secrecy, so nothing here ever waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "platform/random.h"

#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 0x0001
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004 /* Linux 5.6+; older kernels answer EINVAL */
#endif

/* All of buf from getrandom(flags), or false (errno says why). */
static bool fill_getrandom(unsigned char *p, size_t n, unsigned int flags)
{
	while (n) {
		long r = syscall(SYS_getrandom, p, n, flags);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/*
 * /dev/urandom never blocks (before the pool is ready the kernel only logs
 * "uninitialized urandom read"). It may be missing: PID 1 before /dev is
 * mounted, a chroot without /dev.
 */
static bool fill_urandom(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return false;
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		p += r;
		n -= (size_t)r;
	}
	close(fd);
	return n == 0;
}

/* splitmix64's output function (Steele, Lea, Flood 2014): a good 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts = {0, 0};

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void random_bytes_mixed(void *buf, size_t n)
{
	static uint32_t counter; /* 32 bits: MIPS32 has no 64-bit atomics (libatomic) */
	const unsigned char *aux = (const unsigned char *)getauxval(AT_RANDOM);
	unsigned char *p = buf;
	uint64_t s = 0, a[2] = {0, 0};

	/*
	 * The clocks set two calls apart; pid, tid and the counter two
	 * processes or threads; AT_RANDOM (16 bytes the kernel gives each exec,
	 * without waiting) and the stack address (ASLR) two boots whose clocks
	 * and pids match, as on a board without an RTC.
	 */
	if (aux)
		for (int i = 0; i < 16; i++)
			a[i / 8] = a[i / 8] << 8 | aux[i];
	s = mix64(s ^ clock_ns(CLOCK_REALTIME));
	s = mix64(s ^ clock_ns(CLOCK_MONOTONIC));
	s = mix64(s ^ clock_ns(CLOCK_BOOTTIME));
	s = mix64(s ^ ((uint64_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid)));
	s = mix64(s ^ __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
	s = mix64(s ^ (uint64_t)(uintptr_t)&s);
	s = mix64(s ^ a[0]);
	s = mix64(s ^ a[1]);
	/* Then splitmix64's stream from that seed. */
	while (n) {
		uint64_t v = mix64(s += 0x9e3779b97f4a7c15ULL);
		size_t k = n < 8 ? n : 8;

		for (size_t i = 0; i < k; i++, v >>= 8)
			*p++ = (unsigned char)v;
		n -= k;
	}
}

static void fill(void *buf, size_t n)
{
	if (fill_getrandom(buf, n, GRND_NONBLOCK))
		return;
	/* EAGAIN: the pool is not initialised yet. */
	if (errno == EAGAIN && fill_getrandom(buf, n, GRND_INSECURE))
		return;
	/* ENOSYS (Linux < 3.17), EINVAL (no GRND_INSECURE: < 5.6), EPERM (a filter). */
	if (fill_urandom(buf, n))
		return;
	random_bytes_mixed(buf, n);
}

void random_bytes(void *buf, size_t n)
{
	int saved = errno;

	fill(buf, n);
	errno = saved;
}

void random_hex_id(char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];

	random_bytes(r, sizeof(r));
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[64] = '\0';
}
