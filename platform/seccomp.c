/*
 * linux.seccomp -> a libseccomp filter. One walk of the JSON serves both
 * create-time validation (ctx == NULL: every name, op and index checked,
 * nothing built) and the load in the container init, so the two can never
 * disagree about what a bundle means.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <seccomp.h>

#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/seccomp.h"

struct named_u32 {
	const char *name;
	uint32_t value;
};

/* Architectures the OCI spec names. 0 = known to the spec but not to this
 * libseccomp: skipped, since the native arch is always in the filter. */
static const struct named_u32 arches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    {"SCMP_ARCH_LOONGARCH64", 0},
    {"SCMP_ARCH_M68K", 0},
    {"SCMP_ARCH_SH", 0},
    {"SCMP_ARCH_SHEB", 0},
};

static const struct named_u32 ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct named_u32 flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
};

enum { ACT_PLAIN, ACT_WITH_ERRNO, ACT_NOTIFY };

static const struct {
	const char *name;
	uint32_t action;
	int kind;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_NOTIFY},
};

static const struct named_u32 *lookup(const struct named_u32 *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* field = "linux.seccomp.defaultAction" or "linux.seccomp.syscalls[2]";
 * errno_field is the errnoRet member that goes with the action. */
static int parse_action(const cJSON *obj, const char *act_key, const char *errno_key,
			const char *field, uint32_t *out, struct tug_err *err)
{
	const char *name = NULL;
	int64_t ret = -1;
	size_t i;

	if (json_get_str(obj, act_key, &name, err) < 0)
		return tug_err_wrap(err, "%s", field);
	if (!name)
		return tug_err_set(err, EINVAL, "%s.%s: missing", field, act_key);
	if (json_get_int(obj, errno_key, &ret, err) < 0)
		return tug_err_wrap(err, "%s", field);
	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, name))
			break;
	if (i == ARRAY_SIZE(actions))
		return tug_err_set(err, EINVAL, "%s.%s: unknown action \"%s\"", field, act_key,
				   name);
	if (actions[i].kind == ACT_NOTIFY)
		return tug_err_set(err, ENOTSUP,
				   "%s.%s: SCMP_ACT_NOTIFY needs a seccomp listener "
				   "(listenerPath), which tug does not support",
				   field, act_key);
	if (actions[i].kind != ACT_WITH_ERRNO && ret != -1)
		return tug_err_set(err, EINVAL,
				   "%s.%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", field,
				   errno_key);
	if (ret == -1)
		ret = EPERM; /* runc's and crun's default */
	if (ret < 0 || ret > 0xffff)
		return tug_err_set(err, EINVAL, "%s.%s: %lld out of range", field, errno_key,
				   (long long)ret);
	*out = actions[i].action | (actions[i].kind == ACT_WITH_ERRNO ? (uint32_t)ret : 0);
	return 0;
}

static int get_u64(const cJSON *obj, const char *key, const char *field, uint64_t *out,
		   struct tug_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (!m || cJSON_IsNull(m))
		return 0;
	/* cJSON holds numbers as doubles: exact up to 2^53, which covers the
	 * masks and flags real profiles use. */
	if (!cJSON_IsNumber(m) || m->valuedouble < 0 || m->valuedouble >= 18446744073709551616.0 ||
	    m->valuedouble != (double)(uint64_t)m->valuedouble)
		return tug_err_set(err, EINVAL, "%s.%s: expected an unsigned integer", field, key);
	*out = (uint64_t)m->valuedouble;
	return 0;
}

static int parse_args(const cJSON *rule, const char *field, struct scmp_arg_cmp *cmps,
		      unsigned *ncmp, bool *same_index, struct tug_err *err)
{
	const cJSON *arr = NULL, *a;
	unsigned seen = 0;
	int i = 0;

	*ncmp = 0;
	*same_index = false;
	if (json_get_array(rule, "args", &arr, err) < 0)
		return tug_err_wrap(err, "%s", field);
	if (!arr)
		return 0;
	cJSON_ArrayForEach(a, arr)
	{
		char f[128];
		const char *opname = NULL;
		const struct named_u32 *op;
		uint64_t index, v1, v2;

		snprintf(f, sizeof(f), "%s.args[%d]", field, i);
		if (!cJSON_IsObject(a))
			return tug_err_set(err, EINVAL, "%s: expected an object", f);
		if (i >= 6)
			return tug_err_set(err, EINVAL, "%s: a syscall has at most 6 arguments", f);
		if (get_u64(a, "index", f, &index, err) < 0 ||
		    get_u64(a, "value", f, &v1, err) < 0 || get_u64(a, "valueTwo", f, &v2, err) < 0)
			return -1;
		if (index > 5)
			return tug_err_set(err, EINVAL, "%s.index: %llu is not 0..5", f,
					   (unsigned long long)index);
		if (json_get_str(a, "op", &opname, err) < 0)
			return tug_err_wrap(err, "%s", f);
		if (!opname)
			return tug_err_set(err, EINVAL, "%s.op: missing", f);
		op = lookup(ops, ARRAY_SIZE(ops), opname);
		if (!op)
			return tug_err_set(err, EINVAL, "%s.op: unknown operator \"%s\"", f,
					   opname);
		if (seen & (1u << index))
			*same_index = true;
		seen |= 1u << index;
		cmps[i] = (struct scmp_arg_cmp){.arg = (unsigned)index,
						.op = (enum scmp_compare)op->value,
						.datum_a = v1,
						.datum_b = v2};
		i++;
	}
	*ncmp = (unsigned)i;
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
		    const char *field, const struct scmp_arg_cmp *cmps, unsigned ncmp,
		    bool same_index, struct tug_err *err)
{
	unsigned i;
	int r;

	/* libseccomp takes one condition per argument in a rule; conditions on
	 * the same argument become separate rules (OR), as runc does. */
	if (same_index) {
		for (i = 0; i < ncmp; i++) {
			r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
			if (r < 0)
				return tug_err_set(err, -r, "%s: add rule for %s", field, name);
		}
		return 0;
	}
	r = seccomp_rule_add_array(ctx, action, nr, ncmp, ncmp ? cmps : NULL);
	if (r < 0)
		return tug_err_set(err, -r, "%s: add rule for %s", field, name);
	return 0;
}

static int walk_syscalls(const cJSON *seccomp, scmp_filter_ctx ctx, uint32_t def,
			 struct tug_err *err)
{
	const cJSON *arr = NULL, *rule;
	int i = 0;

	if (json_get_array(seccomp, "syscalls", &arr, err) < 0)
		return tug_err_wrap(err, "linux.seccomp");
	if (!arr)
		return 0;
	cJSON_ArrayForEach(rule, arr)
	{
		char field[64];
		const cJSON *names = NULL, *n;
		struct scmp_arg_cmp cmps[6];
		unsigned ncmp;
		bool same_index;
		uint32_t action;
		int j = 0;

		snprintf(field, sizeof(field), "linux.seccomp.syscalls[%d]", i);
		if (!cJSON_IsObject(rule))
			return tug_err_set(err, EINVAL, "%s: expected an object", field);
		if (parse_action(rule, "action", "errnoRet", field, &action, err) < 0)
			return -1;
		if (parse_args(rule, field, cmps, &ncmp, &same_index, err) < 0)
			return -1;
		if (json_get_array(rule, "names", &names, err) < 0)
			return tug_err_wrap(err, "%s", field);
		if (!names || !cJSON_GetArraySize(names))
			return tug_err_set(err, EINVAL, "%s.names: missing or empty", field);
		cJSON_ArrayForEach(n, names)
		{
			int nr;

			if (!cJSON_IsString(n))
				return tug_err_set(err, EINVAL, "%s.names[%d]: expected a string",
						   field, j);
			j++;
			if (!ctx)
				continue;
			/* A name this arch lacks is skipped, as runc does: one
			 * profile serves every architecture. */
			nr = seccomp_syscall_resolve_name(n->valuestring);
			if (nr == __NR_SCMP_ERROR)
				continue;
			/* libseccomp refuses a rule equal to the default. */
			if (action == def)
				continue;
			if (add_rule(ctx, action, nr, n->valuestring, field, cmps, ncmp, same_index,
				     err) < 0)
				return -1;
		}
		i++;
	}
	return 0;
}

static int walk_arches(const cJSON *seccomp, scmp_filter_ctx ctx, struct tug_err *err)
{
	const cJSON *arr = NULL, *a;
	int i = 0;

	if (json_get_array(seccomp, "architectures", &arr, err) < 0)
		return tug_err_wrap(err, "linux.seccomp");
	if (!arr)
		return 0;
	cJSON_ArrayForEach(a, arr)
	{
		const struct named_u32 *arch;
		int r;

		if (!cJSON_IsString(a))
			return tug_err_set(err, EINVAL,
					   "linux.seccomp.architectures[%d]: expected a string", i);
		arch = lookup(arches, ARRAY_SIZE(arches), a->valuestring);
		if (!arch)
			return tug_err_set(err, EINVAL,
					   "linux.seccomp.architectures[%d]: unknown architecture "
					   "\"%s\"",
					   i, a->valuestring);
		i++;
		if (!ctx || !arch->value)
			continue;
		r = seccomp_arch_add(ctx, arch->value);
		if (r < 0 && r != -EEXIST)
			return tug_err_set(err, -r, "linux.seccomp.architectures: add %s",
					   a->valuestring);
	}
	return 0;
}

static int walk_flags(const cJSON *seccomp, scmp_filter_ctx ctx, struct tug_err *err)
{
	const cJSON *arr = NULL, *f;
	int i = 0;

	if (json_get_array(seccomp, "flags", &arr, err) < 0)
		return tug_err_wrap(err, "linux.seccomp");
	if (!arr)
		return 0;
	cJSON_ArrayForEach(f, arr)
	{
		const struct named_u32 *flag;
		int r;

		if (!cJSON_IsString(f))
			return tug_err_set(err, EINVAL,
					   "linux.seccomp.flags[%d]: expected a string", i);
		flag = lookup(flags, ARRAY_SIZE(flags), f->valuestring);
		if (!flag)
			return tug_err_set(err, EINVAL,
					   "linux.seccomp.flags[%d]: unknown flag \"%s\"", i,
					   f->valuestring);
		i++;
		if (!ctx)
			continue;
		r = seccomp_attr_set(ctx, (enum scmp_filter_attr)flag->value, 1);
		if (r < 0)
			return tug_err_set(err, -r, "linux.seccomp.flags: %s not supported here",
					   f->valuestring);
	}
	return 0;
}

static int listener_unsupported(const cJSON *seccomp, struct tug_err *err)
{
	const char *path = NULL;

	if (json_get_str(seccomp, "listenerPath", &path, err) < 0)
		return tug_err_wrap(err, "linux.seccomp");
	if (path && *path)
		return tug_err_set(err, ENOTSUP,
				   "linux.seccomp.listenerPath: seccomp listeners are not "
				   "supported by tug");
	return 0;
}

/* ctx NULL: validate only. */
static int walk(const cJSON *seccomp, scmp_filter_ctx ctx, struct tug_err *err)
{
	uint32_t def;

	if (!cJSON_IsObject(seccomp))
		return tug_err_set(err, EINVAL, "linux.seccomp: expected an object");
	if (parse_action(seccomp, "defaultAction", "defaultErrnoRet", "linux.seccomp", &def, err) <
	    0)
		return -1;
	if (listener_unsupported(seccomp, err) < 0 || walk_arches(seccomp, ctx, err) < 0 ||
	    walk_flags(seccomp, ctx, err) < 0)
		return -1;
	return walk_syscalls(seccomp, ctx, def, err);
}

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* libseccomp's context for a validated linux.seccomp, or NULL with err set. */
static scmp_filter_ctx build_ctx(const cJSON *seccomp, struct tug_err *err)
{
	scmp_filter_ctx ctx;
	uint32_t def;

	/* Validated already, so this only fills def. */
	parse_action(seccomp, "defaultAction", "defaultErrnoRet", "linux.seccomp", &def, err);
	ctx = seccomp_init(def);
	if (!ctx) {
		tug_err_set(err, EINVAL,
			    "linux.seccomp.defaultAction: not supported by this kernel or libseccomp");
		return NULL;
	}
	/* process.noNewPrivileges is the runtime's business, not the filter's. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* Kernel errors as they are (EACCES), not libseccomp's -ECANCELED. */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (walk(seccomp, ctx, err) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * Filters compiled in the runtime's process at create, before it clones the
 * container's init, which then loads the program as it is: libseccomp's
 * compile (a millisecond and more for a few dozen rules) runs once per
 * profile in a keeper that starts container after container with the same
 * one, not in every init. Keyed by the profile's text; a profile with
 * flags (attributes libseccomp sets at load) is compiled in the init.
 */
#define FILTER_CACHE 4
static struct {
	char *text;
	struct sock_filter *prog;
	unsigned short len;
} cache[FILTER_CACHE];
static unsigned cache_next;

static int cache_find(const char *text)
{
	for (int i = 0; i < FILTER_CACHE; i++)
		if (cache[i].text && !strcmp(cache[i].text, text))
			return i;
	return -1;
}

static void cache_add(const cJSON *seccomp, char *text)
{
	__attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	struct tug_err err;
	struct stat st;
	struct sock_filter *prog;
	unsigned i;

	ctx = build_ctx(seccomp, &err);
	fd = memfd_create("tug-seccomp", MFD_CLOEXEC);
	if (!ctx || fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 ||
	    !st.st_size || st.st_size % sizeof(*prog) || st.st_size / sizeof(*prog) > 0xffff)
		goto drop;
	prog = malloc((size_t)st.st_size);
	if (!prog || pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
		free(prog);
		goto drop;
	}
	i = cache_next++ % FILTER_CACHE;
	free(cache[i].text);
	free(cache[i].prog);
	cache[i].text = text;
	cache[i].prog = prog;
	cache[i].len = (unsigned short)(st.st_size / sizeof(*prog));
	return;
drop:
	free(text);
}

int seccomp_validate_oci(const cJSON *seccomp, struct tug_err *err)
{
	char *text;

	if (!seccomp || cJSON_IsNull(seccomp))
		return 0;
	if (walk(seccomp, NULL, err) < 0)
		return -1;
	if (cJSON_GetObjectItem(seccomp, "flags"))
		return 0;
	text = cJSON_PrintUnformatted(seccomp);
	if (text && cache_find(text) < 0)
		cache_add(seccomp, text);
	else
		free(text);
	return 0;
}

/* The program compiled at create, if this profile's is there: 1 loaded, 0 not there. */
static int load_cached(const cJSON *seccomp, struct tug_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct sock_fprog fp;
	int i;

	if (cJSON_GetObjectItem(seccomp, "flags") || !(text = cJSON_PrintUnformatted(seccomp)) ||
	    (i = cache_find(text)) < 0)
		return 0;
	fp.len = cache[i].len;
	fp.filter = cache[i].prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
		return 1;
	if (errno == EACCES || errno == EPERM)
		return tug_err_sys(err, "load the seccomp filter (without process.noNewPrivileges it "
					"needs CAP_SYS_ADMIN)");
	return tug_err_sys(err, "load the seccomp filter");
}

int seccomp_apply_oci(const cJSON *seccomp, struct tug_err *err)
{
	__attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = NULL;
	int r;

	if (!seccomp || cJSON_IsNull(seccomp))
		return 0;
	r = load_cached(seccomp, err);
	if (r)
		return r < 0 ? -1 : 0;
	if (walk(seccomp, NULL, err) < 0)
		return -1;
	ctx = build_ctx(seccomp, err);
	if (!ctx)
		return -1;
	r = seccomp_load(ctx);
	if (r == -EACCES || r == -EPERM)
		return tug_err_set(err, -r,
				   "load the seccomp filter (without process.noNewPrivileges it "
				   "needs CAP_SYS_ADMIN)");
	if (r < 0)
		return tug_err_set(err, -r, "load the seccomp filter");
	return 0;
}
