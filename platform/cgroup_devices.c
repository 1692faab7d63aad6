#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/cgroup_devices.h"
#include "platform/cleanup.h"
#include "platform/json.h"

struct dev_rule {
	bool allow;
	int type;	 /* BPF_DEVCG_DEV_CHAR, BPF_DEVCG_DEV_BLOCK, 0 = any */
	int64_t major;	 /* -1 = any */
	int64_t minor;	 /* -1 = any */
	unsigned access; /* BPF_DEVCG_ACC_* bits */
};

/* runc's and crun's defaults: what the runtime creates in /dev. */
static const struct dev_rule default_rules[] = {
    {true, BPF_DEVCG_DEV_CHAR, -1, -1, BPF_DEVCG_ACC_MKNOD},
    {true, BPF_DEVCG_DEV_BLOCK, -1, -1, BPF_DEVCG_ACC_MKNOD},
    {true, BPF_DEVCG_DEV_CHAR, 1, 3, 7},    /* null */
    {true, BPF_DEVCG_DEV_CHAR, 1, 5, 7},    /* zero */
    {true, BPF_DEVCG_DEV_CHAR, 1, 7, 7},    /* full */
    {true, BPF_DEVCG_DEV_CHAR, 1, 8, 7},    /* random */
    {true, BPF_DEVCG_DEV_CHAR, 1, 9, 7},    /* urandom */
    {true, BPF_DEVCG_DEV_CHAR, 5, 0, 7},    /* tty */
    {true, BPF_DEVCG_DEV_CHAR, 5, 1, 7},    /* console */
    {true, BPF_DEVCG_DEV_CHAR, 5, 2, 7},    /* ptmx */
    {true, BPF_DEVCG_DEV_CHAR, 136, -1, 7}, /* pts */
};

static int parse_rule(const cJSON *d, int i, struct dev_rule *r, struct tug_err *err)
{
	const char *type = "a", *access = "rwm", *p;
	bool allow = false;
	const cJSON *has_allow = cJSON_GetObjectItemCaseSensitive(d, "allow");

	if (!cJSON_IsObject(d))
		return tug_err_set(err, EINVAL, "linux.resources.devices[%d]: expected an object",
				   i);
	if (!cJSON_IsBool(has_allow))
		return tug_err_set(err, EINVAL,
				   "linux.resources.devices[%d].allow: expected true or false", i);
	if (json_get_bool(d, "allow", &allow, err) < 0 || json_get_str(d, "type", &type, err) < 0 ||
	    json_get_str(d, "access", &access, err) < 0)
		return tug_err_wrap(err, "linux.resources.devices[%d]", i);
	r->allow = allow;
	r->major = r->minor = -1;
	if (json_get_int(d, "major", &r->major, err) < 0 ||
	    json_get_int(d, "minor", &r->minor, err) < 0)
		return tug_err_wrap(err, "linux.resources.devices[%d]", i);
	if (r->major < -1 || r->major > 0x7fffffff || r->minor < -1 || r->minor > 0x7fffffff)
		return tug_err_set(err, EINVAL, "linux.resources.devices[%d]: bad major/minor", i);
	if (!strcmp(type, "a"))
		r->type = 0;
	else if (!strcmp(type, "c"))
		r->type = BPF_DEVCG_DEV_CHAR;
	else if (!strcmp(type, "b"))
		r->type = BPF_DEVCG_DEV_BLOCK;
	else
		return tug_err_set(err, EINVAL,
				   "linux.resources.devices[%d].type: \"%s\" is not a, b or c", i,
				   type);
	r->access = 0;
	for (p = access; *p; p++) {
		if (*p == 'r')
			r->access |= BPF_DEVCG_ACC_READ;
		else if (*p == 'w')
			r->access |= BPF_DEVCG_ACC_WRITE;
		else if (*p == 'm')
			r->access |= BPF_DEVCG_ACC_MKNOD;
		else
			return tug_err_set(err, EINVAL,
					   "linux.resources.devices[%d].access: \"%s\" is not made "
					   "of r, w and m",
					   i, access);
	}
	/* "a" with both wildcards is the whole device space, whatever access. */
	return 0;
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* Registers the prologue fills from struct bpf_cgroup_dev_ctx. */
enum { R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5, R_TMP = 6 };

static size_t prologue(struct bpf_insn *p)
{
	/* access_type = (access << 16) | type */
	p[0] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_TYPE, 1,
		    offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	p[1] = INSN(BPF_ALU | BPF_MOV | BPF_X, R_ACCESS, R_TYPE, 0, 0);
	p[2] = INSN(BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	p[3] = INSN(BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
	p[4] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, 1,
		    offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	p[5] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_MINOR, 1,
		    offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	return 6;
}

/* One rule: compares that jump past the block when they fail, then
 * "return allow"; the jump offsets are patched once the block's length is
 * known. At most MAX_RULE_INSNS instructions. */
static size_t emit_rule(struct bpf_insn *p, const struct dev_rule *r)
{
	size_t n = 0, i;
	bool whole_access = r->access == 7;

	if (r->type) {
		p[n] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, 0, r->type);
		n++;
	}
	if (!whole_access) {
		p[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
		if (r->allow) {
			/* request within the rule: (req & ~rule) == 0 */
			p[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, ~r->access & 7);
			p[n] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_TMP, 0, 0, 0);
		} else {
			/* overlap: (req & rule) != 0 */
			p[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, r->access);
			p[n] = INSN(BPF_JMP | BPF_JEQ | BPF_K, R_TMP, 0, 0, 0);
		}
		n++;
	}
	if (r->major >= 0) {
		p[n] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int32_t)r->major);
		n++;
	}
	if (r->minor >= 0) {
		p[n] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int32_t)r->minor);
		n++;
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* Every jump of the block lands just past it. */
	for (i = 0; i < n; i++)
		if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_EXIT)
			p[i].off = (int16_t)(n - i - 1);
	return n;
}

#define MAX_RULE_INSNS 9

int cgroup_devices_program(const cJSON *devices, struct bpf_insn **insns, size_t *n,
			   struct tug_err *err)
{
	_cleanup_free_ struct dev_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t nrules = 0, ndef = ARRAY_SIZE(default_rules), i, len;
	const cJSON *d;
	int count;

	*insns = NULL;
	*n = 0;
	if (!devices || cJSON_IsNull(devices))
		return 0;
	if (!cJSON_IsArray(devices))
		return tug_err_set(err, EINVAL, "linux.resources.devices: expected an array");
	count = cJSON_GetArraySize(devices);
	if (count == 0)
		return 0;
	if (count > 4096)
		return tug_err_set(err, EINVAL, "linux.resources.devices: too many rules");
	rules = calloc((size_t)count + ndef, sizeof(*rules));
	p = calloc(6 + ((size_t)count + ndef) * MAX_RULE_INSNS + 2, sizeof(*p));
	if (!rules || !p)
		return tug_err_set(err, ENOMEM, "linux.resources.devices");
	cJSON_ArrayForEach(d, devices)
	{
		if (parse_rule(d, (int)nrules, &rules[nrules], err) < 0)
			return -1;
		nrules++;
	}
	memcpy(&rules[nrules], default_rules, sizeof(default_rules));
	nrules += ndef;
	len = prologue(p);
	/* Last rule first: the first block that matches returns. A rule that
	 * matches everything ends the program: the verifier refuses code it
	 * can never reach. */
	for (i = nrules; i-- > 0;) {
		const struct dev_rule *r = &rules[i];

		len += emit_rule(p + len, r);
		if (!r->type && r->major < 0 && r->minor < 0 && r->access == 7)
			break;
	}
	if (i == (size_t)-1) {
		p[len++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[len++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	*insns = take_ptr(p);
	*n = len;
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Ids of the device programs attached to the cgroup now. */
static int query_attached(int cgroup_fd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgroup_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return -1;
	*n = a.query.prog_cnt;
	return 0;
}

/*
 * Load the program: without the verifier's log (it writes a line per
 * instruction), and only when it failed again with the log, for its reason.
 * The last program loaded is kept: a keeper starts container after
 * container with the same rules, and attaching one loaded program to many
 * cgroups is what BPF_F_ALLOW_MULTI allows; its fd is close-on-exec.
 */
static int load_program(const struct bpf_insn *insns, size_t n, struct tug_err *err)
{
	static struct bpf_insn *last;
	static size_t last_n;
	static int last_fd = -1;
	char log[4096];
	union bpf_attr a;
	int prog;

	if (last_fd >= 0 && last_n == n && !memcmp(last, insns, n * sizeof(*insns)))
		return fcntl(last_fd, F_DUPFD_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "Apache";
	prog = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (prog < 0 && errno != ENOSYS && errno != EPERM) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		log[0] = '\0';
		prog = (int)sys_bpf(BPF_PROG_LOAD, &a);
		if (prog < 0) {
			log[strcspn(log, "\n")] = '\0'; /* the verifier's first line says why */
			return tug_err_sys(err, "linux.resources.devices: load the device program%s%.200s",
					   log[0] ? ": " : "", log);
		}
	}
	if (prog < 0)
		return tug_err_sys(err, "linux.resources.devices: load the device program");
	free(last);
	last = malloc(n * sizeof(*insns));
	if (last) {
		memcpy(last, insns, n * sizeof(*insns));
		last_n = n;
		if (last_fd >= 0)
			close(last_fd);
		last_fd = fcntl(prog, F_DUPFD_CLOEXEC, 0);
	}
	return prog;
}

int cgroup_devices_attach(int cgroup_fd, const struct bpf_insn *insns, size_t n,
			  struct tug_err *err)
{
	union bpf_attr a;
	uint32_t old[64], nold = ARRAY_SIZE(old), i;
	_cleanup_close_ int prog = -1;

	if (!n)
		return 0;
	if (query_attached(cgroup_fd, old, &nold) < 0)
		nold = 0;
	prog = load_program(insns, n, err);
	if (prog < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return tug_err_sys(err, "linux.resources.devices: attach the device program");
	/* The new program is in place; the old ones would still veto. */
	for (i = 0; i < nold; i++) {
		_cleanup_close_ int fd = -1;

		memset(&a, 0, sizeof(a));
		a.prog_id = old[i];
		fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgroup_fd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0)
			return tug_err_sys(err, "linux.resources.devices: detach the old program");
	}
	return 0;
}
