#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/cgroup_resources.h"
#include "platform/json.h"

void cgroup_writes_free(struct cgroup_writes *w)
{
	free(w->v);
	w->v = NULL;
	w->n = w->cap = 0;
}

static int add(struct cgroup_writes *w, struct tug_err *err, const char *field,
	       const char *controller, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add(struct cgroup_writes *w, struct tug_err *err, const char *field,
	       const char *controller, const char *file, const char *fmt, ...)
{
	struct cgroup_write *e;
	va_list ap;
	int n;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct cgroup_write *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return tug_err_set(err, ENOMEM, "%s", field);
		w->v = v;
		w->cap = cap;
	}
	e = &w->v[w->n];
	e->field = field;
	snprintf(e->controller, sizeof(e->controller), "%s", controller);
	if ((size_t)snprintf(e->file, sizeof(e->file), "%s", file) >= sizeof(e->file))
		return tug_err_set(err, EINVAL, "%s: file name %s too long", field, file);
	va_start(ap, fmt);
	n = vsnprintf(e->value, sizeof(e->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(e->value))
		return tug_err_set(err, EINVAL, "%s: value for %s too long", field, file);
	w->n++;
	return 0;
}

/* Present integer member; 1 = found, 0 = absent, -1 = wrong type. */
static int get_i64(const cJSON *obj, const char *key, const char *field, int64_t *out,
		   struct tug_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!m || cJSON_IsNull(m))
		return 0;
	if (json_get_int(obj, key, out, err) < 0)
		return tug_err_wrap(err, "%s", field);
	return 1;
}

static int get_section(const cJSON *resources, const char *key, const char *field,
		       const cJSON **out, struct tug_err *err)
{
	*out = NULL;
	if (json_get_obj(resources, key, out, err) < 0)
		return tug_err_wrap(err, "linux.resources");
	return 0;
}

/* A limit: -1 (or any negative) means "no limit" in OCI. */
static void limit_str(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static int map_memory(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.memory";
	const cJSON *m;
	int64_t limit = 0, reservation = 0, swap = 0;
	int has_limit, has_res, has_swap;
	char buf[32];

	if (get_section(r, "memory", field, &m, err) < 0)
		return -1;
	if (!m)
		return 0;
	if ((has_limit = get_i64(m, "limit", field, &limit, err)) < 0 ||
	    (has_res = get_i64(m, "reservation", field, &reservation, err)) < 0 ||
	    (has_swap = get_i64(m, "swap", field, &swap, err)) < 0)
		return -1;
	if (has_limit) {
		limit_str(limit, buf, sizeof(buf));
		if (add(w, err, field, "memory", "memory.max", "%s", buf) < 0)
			return -1;
	}
	if (has_res) {
		limit_str(reservation, buf, sizeof(buf));
		if (add(w, err, field, "memory", "memory.low", "%s", buf) < 0)
			return -1;
	}
	if (has_swap) {
		/* OCI swap is memory+swap (v1's memsw); v2 limits swap alone. */
		if (swap < 0)
			return add(w, err, field, "memory", "memory.swap.max", "max");
		if (!has_limit || limit < 0)
			return tug_err_set(err, EINVAL,
					   "%s.swap: a swap limit needs a memory limit too", field);
		if (swap < limit)
			return tug_err_set(err, EINVAL,
					   "%s.swap: %lld is below memory.limit %lld (swap counts "
					   "memory plus swap)",
					   field, (long long)swap, (long long)limit);
		return add(w, err, field, "memory", "memory.swap.max", "%lld",
			   (long long)(swap - limit));
	}
	return 0;
}

/* (a * b) >> shift of the 128-bit product, 0 < shift < 64; 32-bit halves
 * so that 32-bit boards need no 128-bit type. */
static uint64_t mul_shr(uint64_t a, uint64_t b, unsigned int shift)
{
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t hi = ah * bh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	uint64_t lo = (mid << 32) | (uint32_t)ll;

	return (hi << (64 - shift)) | (lo >> shift);
}

#define Q 48			/* fraction bits of the fixed-point values below */
#define ONE62 (1ULL << 62)

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	/* log2(10) in Q60 and ln(2) in Q62 */
	static const uint64_t log2_10 = 0x35269e12f346e2bfULL, ln2 = 0x2c5c85fdf473de6aULL;
	uint64_t l, m, e, x, y, sum, term;
	unsigned int k, i, n;

	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	/*
	 * A curve through (2,1), (1024,100), (262144,10000): the default
	 * share maps to the default weight, which a straight line does not.
	 * weight = ceil(10^((l^2 + 125 l) / 612 - 7/34) - 1e-6), l = log2(shares),
	 * as crun computes it, in fixed point (no libm: its log2 and pow
	 * tables were 11 KB of the binary). tests/unit/test_cgroup.c compares
	 * every shares value with the floating-point formula.
	 */
	for (k = 0; shares >> (k + 1); k++)
		;
	l = (uint64_t)k << Q;
	m = shares << (62 - k); /* shares / 2^k in [1, 2), Q62 */
	for (i = 1; i <= Q; i++) {
		m = mul_shr(m, m, 62);
		if (m >= 2 * ONE62) {
			l |= 1ULL << (Q - i);
			m >>= 1;
		}
	}
	/* e = (l^2 + 125 l - 126) / 612, as 7/34 = 126/612 */
	e = (mul_shr(l, l + (125ULL << Q), Q) - (126ULL << Q)) / 612;
	/* 10^e = 2^i * exp(f ln 2), x = e log2(10) = i + f */
	x = mul_shr(e, log2_10, 60);
	i = (unsigned int)(x >> Q);
	y = mul_shr((x & ((1ULL << Q) - 1)) << (62 - Q), ln2, 62);
	sum = term = ONE62;
	for (n = 1; term; n++) {
		term = mul_shr(term, y, 62) / n;
		sum += term;
	}
	x = (sum >> (62 - Q)) << i; /* 10^e in QQ */
	/* ceil(x - 1e-6); 1e-6 is 281474977 / 2^48 */
	return (x - 281474977 + (1ULL << Q) - 1) >> Q;
}
#undef Q
#undef ONE62

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

static int map_cpu(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.cpu";
	const cJSON *c;
	int64_t shares = 0, quota = -1, period = 0, burst = 0, idle = 0;
	const char *cpus = NULL, *mems = NULL;
	int has_quota, has_period, has, r_;

	if (get_section(r, "cpu", field, &c, err) < 0)
		return -1;
	if (!c)
		return 0;
	if ((has = get_i64(c, "shares", field, &shares, err)) < 0)
		return -1;
	if (has && shares > 0 &&
	    add(w, err, field, "cpu", "cpu.weight", "%llu",
		(unsigned long long)cgroup_shares_to_weight((uint64_t)shares)) < 0)
		return -1;
	if ((has_quota = get_i64(c, "quota", field, &quota, err)) < 0 ||
	    (has_period = get_i64(c, "period", field, &period, err)) < 0)
		return -1;
	if (has_quota || has_period) {
		char q[32];

		if (has_period && period <= 0)
			return tug_err_set(err, EINVAL, "%s.period: must be positive", field);
		if (!has_period)
			period = 100000; /* the kernel's default period */
		limit_str(has_quota && quota > 0 ? quota : -1, q, sizeof(q));
		if (add(w, err, field, "cpu", "cpu.max", "%s %lld", q, (long long)period) < 0)
			return -1;
	}
	if ((has = get_i64(c, "burst", field, &burst, err)) < 0)
		return -1;
	if (has && add(w, err, field, "cpu", "cpu.max.burst", "%lld", (long long)burst) < 0)
		return -1;
	if ((has = get_i64(c, "idle", field, &idle, err)) < 0)
		return -1;
	if (has && add(w, err, field, "cpu", "cpu.idle", "%lld", (long long)idle) < 0)
		return -1;
	if ((r_ = get_i64(c, "realtimeRuntime", field, &burst, err)) < 0)
		return -1;
	if (r_ && burst != 0)
		return tug_err_set(err, ENOTSUP, "%s.realtimeRuntime: not available with cgroup v2",
				   field);
	if (json_get_str(c, "cpus", &cpus, err) < 0 || json_get_str(c, "mems", &mems, err) < 0)
		return tug_err_wrap(err, "%s", field);
	if (cpus && *cpus && add(w, err, field, "cpuset", "cpuset.cpus", "%s", cpus) < 0)
		return -1;
	if (mems && *mems && add(w, err, field, "cpuset", "cpuset.mems", "%s", mems) < 0)
		return -1;
	return 0;
}

static int map_pids(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.pids";
	const cJSON *p;
	int64_t limit = 0;
	int has;
	char buf[32];

	if (get_section(r, "pids", field, &p, err) < 0)
		return -1;
	if (!p)
		return 0;
	if ((has = get_i64(p, "limit", field, &limit, err)) < 0)
		return -1;
	/* runc: 0 leaves the limit alone, negative is unlimited. */
	if (!has || limit == 0)
		return 0;
	limit_str(limit, buf, sizeof(buf));
	return add(w, err, field, "pids", "pids.max", "%s", buf);
}

/* One of blockIO's per-device arrays; key NULL = weightDevice. */
static int map_io_devices(const cJSON *b, const char *member, const char *key,
			  struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.blockIO";
	const cJSON *arr = NULL, *d;
	int i = 0;

	if (json_get_array(b, member, &arr, err) < 0)
		return tug_err_wrap(err, "%s", field);
	if (!arr)
		return 0;
	cJSON_ArrayForEach(d, arr)
	{
		int64_t major = -1, minor = -1, v = -1;
		int hv;

		if (!cJSON_IsObject(d))
			return tug_err_set(err, EINVAL, "%s.%s[%d]: expected an object", field,
					   member, i);
		if (get_i64(d, "major", field, &major, err) < 0 ||
		    get_i64(d, "minor", field, &minor, err) < 0 ||
		    (hv = get_i64(d, key ? "rate" : "weight", field, &v, err)) < 0)
			return -1;
		if (major < 0 || minor < 0)
			return tug_err_set(err, EINVAL, "%s.%s[%d]: major and minor are required",
					   field, member, i);
		i++;
		if (!hv || v < 0)
			continue; /* weightDevice may carry only leafWeight */
		if (key) {
			if (add(w, err, field, "io", "io.max", "%lld:%lld %s=%lld",
				(long long)major, (long long)minor, key, (long long)v) < 0)
				return -1;
		} else if (add(w, err, field, "io", "io.weight", "%lld:%lld %llu", (long long)major,
			       (long long)minor,
			       (unsigned long long)cgroup_blkio_to_io_weight((uint64_t)v)) < 0) {
			return -1;
		}
	}
	return 0;
}

static int map_blockio(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.blockIO";
	const cJSON *b;
	int64_t weight = 0;
	int has;

	if (get_section(r, "blockIO", field, &b, err) < 0)
		return -1;
	if (!b)
		return 0;
	if ((has = get_i64(b, "weight", field, &weight, err)) < 0)
		return -1;
	if (has && weight > 0 &&
	    add(w, err, field, "io", "io.weight", "default %llu",
		(unsigned long long)cgroup_blkio_to_io_weight((uint64_t)weight)) < 0)
		return -1;
	if (map_io_devices(b, "weightDevice", NULL, w, err) < 0 ||
	    map_io_devices(b, "throttleReadBpsDevice", "rbps", w, err) < 0 ||
	    map_io_devices(b, "throttleWriteBpsDevice", "wbps", w, err) < 0 ||
	    map_io_devices(b, "throttleReadIOPSDevice", "riops", w, err) < 0 ||
	    map_io_devices(b, "throttleWriteIOPSDevice", "wiops", w, err) < 0)
		return -1;
	return 0;
}

/* "2MB", "1GB", "64KB": the names the kernel gives hugetlb.<size>.max. */
static int valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return digits > 0 && digits < 8 &&
	       (!strcmp(s + digits, "KB") || !strcmp(s + digits, "MB") ||
		!strcmp(s + digits, "GB"));
}

static int map_hugetlb(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.hugepageLimits";
	const cJSON *arr = NULL, *h;
	int i = 0;

	if (json_get_array(r, "hugepageLimits", &arr, err) < 0)
		return tug_err_wrap(err, "linux.resources");
	if (!arr)
		return 0;
	cJSON_ArrayForEach(h, arr)
	{
		const char *size = NULL;
		int64_t limit = 0;
		char file[48];

		if (!cJSON_IsObject(h) || json_get_str(h, "pageSize", &size, err) < 0)
			return tug_err_set(err, EINVAL, "%s[%d]: expected an object with pageSize",
					   field, i);
		if (!size || !valid_page_size(size))
			return tug_err_set(err, EINVAL, "%s[%d].pageSize: \"%s\" is not like 2MB",
					   field, i, size ? size : "");
		if (get_i64(h, "limit", field, &limit, err) < 0)
			return -1;
		snprintf(file, sizeof(file), "hugetlb.%s.max", size);
		if (add(w, err, field, "hugetlb", file, "%lld", (long long)limit) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int map_rdma(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.rdma";
	const cJSON *rd = NULL, *dev;

	if (get_section(r, "rdma", field, &rd, err) < 0)
		return -1;
	if (!rd)
		return 0;
	cJSON_ArrayForEach(dev, rd)
	{
		int64_t handles = -1, objects = -1;
		char a[32], b[32];

		if (!cJSON_IsObject(dev) || strpbrk(dev->string, " \n/"))
			return tug_err_set(err, EINVAL, "%s.%s: expected an object", field,
					   dev->string);
		if (get_i64(dev, "hcaHandles", field, &handles, err) < 0 ||
		    get_i64(dev, "hcaObjects", field, &objects, err) < 0)
			return -1;
		limit_str(handles, a, sizeof(a));
		limit_str(objects, b, sizeof(b));
		if (add(w, err, field, "rdma", "rdma.max", "%s hca_handle=%s hca_object=%s",
			dev->string, a, b) < 0)
			return -1;
	}
	return 0;
}

/* unified: written as given, after everything else so it wins. */
static int map_unified(const cJSON *r, struct cgroup_writes *w, struct tug_err *err)
{
	static const char field[] = "linux.resources.unified";
	const cJSON *u = NULL, *kv;

	if (get_section(r, "unified", field, &u, err) < 0)
		return -1;
	if (!u)
		return 0;
	cJSON_ArrayForEach(kv, u)
	{
		const char *key = kv->string, *dot = strchr(key, '.');
		char ctl[32];

		if (!*key || strchr(key, '/') || strstr(key, "..") || !dot || dot == key)
			return tug_err_set(err, EINVAL, "%s: invalid key \"%s\"", field, key);
		if (!cJSON_IsString(kv))
			return tug_err_set(err, EINVAL, "%s.%s: expected a string", field, key);
		/* The controller is the key's prefix ("memory" of memory.high). */
		snprintf(ctl, sizeof(ctl), "%.*s", (int)(dot - key), key);
		if (add(w, err, field, ctl, key, "%s", kv->valuestring) < 0)
			return -1;
	}
	return 0;
}

int cgroup_resources_map(const cJSON *resources, struct cgroup_writes *w, struct tug_err *err)
{
	memset(w, 0, sizeof(*w));
	if (!resources || cJSON_IsNull(resources))
		return 0;
	if (!cJSON_IsObject(resources))
		return tug_err_set(err, EINVAL, "linux.resources: expected an object");
	if (map_memory(resources, w, err) < 0 || map_cpu(resources, w, err) < 0 ||
	    map_pids(resources, w, err) < 0 || map_blockio(resources, w, err) < 0 ||
	    map_hugetlb(resources, w, err) < 0 || map_rdma(resources, w, err) < 0 ||
	    map_unified(resources, w, err) < 0) {
		cgroup_writes_free(w);
		return -1;
	}
	return 0;
}
