/* HostConfig CapAdd, CapDrop, Privileged, SecurityOpt -> the OCI spec (security.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/daemon/security.h"
#include "platform/caps.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/kconfig.h"

/* dockerd's default set. */
static const char *const default_caps[] = {
	"CAP_CHOWN",	  "CAP_DAC_OVERRIDE",	  "CAP_FSETID",	    "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW",	  "CAP_SETGID",		  "CAP_SETUID",	    "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",	    "CAP_AUDIT_WRITE",
};

/* "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "all" -> "ALL". */
static void cap_normalize(const char *in, char *out, size_t size)
{
	char up[64];
	size_t i;

	for (i = 0; in[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)in[i]);
	up[i] = '\0';
	if (!strcmp(up, "ALL") || !strncmp(up, "CAP_", 4))
		snprintf(out, size, "%s", up);
	else
		snprintf(out, size, "CAP_%s", up);
}

static int check_caps(const cJSON *list, const char *field, struct tug_err *err)
{
	const cJSON *it;
	char name[72];

	if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list))
		return tug_err_set(err, EINVAL, "invalid %s: not a list", field);
	cJSON_ArrayForEach (it, list) {
		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "invalid %s: not a string", field);
		cap_normalize(it->valuestring, name, sizeof(name));
		if (strcmp(name, "ALL") && caps_from_name(name) < 0)
			return tug_err_set(err, EINVAL, "invalid %s: unknown capability: \"%s\"", field,
					   name);
	}
	return 0;
}

static bool has_all(const cJSON *list)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, list)
		if (cJSON_IsString(it) && !strcasecmp(it->valuestring, "ALL"))
			return true;
	return false;
}

/* The capability numbers a container gets, as a mask. */
static uint64_t cap_set(const cJSON *hc, bool privileged)
{
	const cJSON *add = cJSON_GetObjectItem(hc, "CapAdd"), *drop = cJSON_GetObjectItem(hc, "CapDrop");
	uint64_t all = 0, set = 0;
	const cJSON *it;
	char name[72];
	int n;

	if (privileged || cJSON_IsTrue(cJSON_GetObjectItem(hc, "Privileged")) || has_all(add)) {
		/* "All" is what tugd itself may hand out: its bounding set (as dockerd). */
		for (int i = 0; i <= caps_last_known() && i < 64; i++)
			if (caps_name(i) && prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
				all |= 1ULL << i;
		return all;
	}
	if (!has_all(drop))
		for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
			if ((n = caps_from_name(default_caps[i])) >= 0)
				set |= 1ULL << n;
	cJSON_ArrayForEach (it, add) {
		cap_normalize(cJSON_GetStringValue(it) ?: "", name, sizeof(name));
		if ((n = caps_from_name(name)) >= 0 && n < 64)
			set |= 1ULL << n;
	}
	/* Docker: a cap both added and dropped is dropped, unless the drop is ALL. */
	if (!has_all(drop))
		cJSON_ArrayForEach (it, drop) {
			cap_normalize(cJSON_GetStringValue(it) ?: "", name, sizeof(name));
			if ((n = caps_from_name(name)) >= 0 && n < 64)
				set &= ~(1ULL << n);
		}
	return set;
}

static cJSON *cap_list(uint64_t set)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < 64; i++)
		if ((set >> i & 1) && caps_name(i))
			cJSON_AddItemToArray(a, cJSON_CreateString(caps_name(i)));
	return a;
}

/* One SecurityOpt: its key, and its value after '=' or ':' ("" when none). */
static void split_opt(const char *opt, char *key, size_t ksize, const char **val)
{
	size_t n = strcspn(opt, "=:");

	snprintf(key, ksize, "%.*s", (int)n, opt);
	*val = opt[n] ? opt + n + 1 : "";
}

int security_validate(const cJSON *hc, struct tug_err *err)
{
	const cJSON *it;

	if (check_caps(cJSON_GetObjectItem(hc, "CapAdd"), "CapAdd", err) < 0 ||
	    check_caps(cJSON_GetObjectItem(hc, "CapDrop"), "CapDrop", err) < 0)
		return -1;
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(hc, "SecurityOpt")) {
		const char *v = cJSON_GetStringValue(it), *val;
		char key[40];

		if (!v)
			return tug_err_set(err, EINVAL, "invalid --security-opt: not a string");
		split_opt(v, key, sizeof(key), &val);
		if (!strcmp(key, "no-new-privileges")) {
			if (*val && strcmp(val, "true") && strcmp(val, "false"))
				return tug_err_set(err, EINVAL,
						   "invalid --security-opt 2: \"%s\": no-new-privileges "
						   "takes true or false",
						   v);
		} else if (!strcmp(key, "seccomp")) {
			_cleanup_json_ cJSON *p = NULL;

			if (!strcmp(val, "unconfined"))
				continue;
			p = cJSON_Parse(val);
			if (!cJSON_IsObject(p))
				return tug_err_set(err, EINVAL,
						   "Decoding seccomp profile failed: not a JSON object "
						   "(--security-opt seccomp=unconfined or a profile file)");
			if (!cJSON_IsString(cJSON_GetObjectItem(p, "defaultAction")))
				return tug_err_set(err, EINVAL,
						   "seccomp profile: defaultAction is required");
		} else if (strcmp(key, "apparmor") && strcmp(key, "label") &&
			   strcmp(key, "systempaths") && strcmp(key, "mask") && strcmp(key, "unmask")) {
			return tug_err_set(err, EINVAL, "invalid --security-opt 1: \"%s\"", v);
		}
	}
	return 0;
}

static const char *security_opt(const cJSON *hc, const char *want)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, cJSON_GetObjectItem(hc, "SecurityOpt")) {
		const char *v = cJSON_GetStringValue(it), *val;
		char key[40];

		if (!v)
			continue;
		split_opt(v, key, sizeof(key), &val);
		if (!strcmp(key, want))
			return val;
	}
	return NULL;
}

int security_process(const cJSON *hc, bool privileged, cJSON *proc, struct tug_err *err)
{
	uint64_t set = cap_set(hc, privileged);
	const char *nnp = security_opt(hc, "no-new-privileges");
	cJSON *caps = cJSON_CreateObject();

	(void)err;
	cJSON_AddItemToObject(caps, "bounding", cap_list(set));
	cJSON_AddItemToObject(caps, "effective", cap_list(set));
	cJSON_AddItemToObject(caps, "permitted", cap_list(set));
	cJSON_DeleteItemFromObject(proc, "capabilities");
	cJSON_AddItemToObject(proc, "capabilities", caps);
	cJSON_DeleteItemFromObject(proc, "noNewPrivileges");
	cJSON_AddBoolToObject(proc, "noNewPrivileges", nnp && strcmp(nnp, "false"));
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Every device node below dir (as runc's HostDevices: not pts, shm, mqueue, fd, console). */
static void host_devices(const char *dir, int depth, cJSON *devs)
{
	__attribute__((cleanup(closedirp))) DIR *d = opendir(dir);
	struct dirent *e;

	if (!d || depth > 4)
		return;
	while ((e = readdir(d))) {
		char path[512];
		struct stat st;
		cJSON *o;

		static const char *const skip[] = {"pts", "shm", "mqueue", "fd", "console", "ptmx",
						   /* the runtime's own nodes */
						   "null", "zero", "full", "random", "urandom", "tty"};
		bool skipped = e->d_name[0] == '.';

		for (size_t i = 0; i < ARRAY_SIZE(skip) && !skipped; i++)
			skipped = depth == 0 && !strcmp(e->d_name, skip[i]);
		if (skipped)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			host_devices(path, depth + 1, devs);
			continue;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", path);
		cJSON_AddStringToObject(o, "type", S_ISCHR(st.st_mode) ? "c" : "b");
		cJSON_AddNumberToObject(o, "major", major(st.st_rdev));
		cJSON_AddNumberToObject(o, "minor", minor(st.st_rdev));
		cJSON_AddNumberToObject(o, "fileMode", st.st_mode & 07777);
		cJSON_AddNumberToObject(o, "uid", st.st_uid);
		cJSON_AddNumberToObject(o, "gid", st.st_gid);
		cJSON_AddItemToArray(devs, o);
	}
}

static void privileged_spec(cJSON *spec)
{
	cJSON *lx = json_object_at(spec, "linux"), *rules, *all, *m;

	/* Every /proc path visible and writable, /sys writable, every device. */
	cJSON_DeleteItemFromObject(lx, "maskedPaths");
	cJSON_DeleteItemFromObject(lx, "readonlyPaths");
	cJSON_ArrayForEach (m, cJSON_GetObjectItem(spec, "mounts")) {
		cJSON *opts = cJSON_GetObjectItem(m, "options");

		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "destination")) ?: "", "/sys"))
			continue;
		for (int i = cJSON_GetArraySize(opts) - 1; i >= 0; i--)
			if (!strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(opts, i)) ?: "", "ro"))
				cJSON_DeleteItemFromArray(opts, i);
	}
	host_devices("/dev", 0, json_array_at(lx, "devices"));
	rules = json_array_at(json_object_at(lx, "resources"), "devices");
	all = cJSON_CreateObject();
	cJSON_AddBoolToObject(all, "allow", true);
	cJSON_AddStringToObject(all, "access", "rwm");
	cJSON_AddItemToArray(rules, all);
}

/* This build's architecture in a Docker profile's archMap and "arches" words. */
#if defined(__x86_64__)
#define SCMP_NATIVE "SCMP_ARCH_X86_64"
#define DOCKER_ARCH "amd64"
#elif defined(__aarch64__)
#define SCMP_NATIVE "SCMP_ARCH_AARCH64"
#define DOCKER_ARCH "arm64"
#elif defined(__arm__)
#define SCMP_NATIVE "SCMP_ARCH_ARM"
#define DOCKER_ARCH "arm"
#elif defined(__mips__) && defined(__MIPSEL__)
#define SCMP_NATIVE "SCMP_ARCH_MIPSEL"
#define DOCKER_ARCH "mipsle"
#else
#define SCMP_NATIVE ""
#define DOCKER_ARCH ""
#endif

static bool str_in(const cJSON *list, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, list)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	return false;
}

/* A profile rule's includes/excludes against this container's caps and arch. */
static bool rule_applies(const cJSON *rule, uint64_t caps)
{
	const cJSON *inc = cJSON_GetObjectItem(rule, "includes"),
		    *exc = cJSON_GetObjectItem(rule, "excludes"), *it;
	char name[72];
	int n;

	cJSON_ArrayForEach (it, cJSON_GetObjectItem(inc, "caps")) {
		cap_normalize(cJSON_GetStringValue(it) ?: "", name, sizeof(name));
		if ((n = caps_from_name(name)) < 0 || n >= 64 || !(caps >> n & 1))
			return false;
	}
	if (cJSON_GetObjectItem(inc, "arches") && !str_in(cJSON_GetObjectItem(inc, "arches"), DOCKER_ARCH))
		return false;
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(exc, "caps")) {
		cap_normalize(cJSON_GetStringValue(it) ?: "", name, sizeof(name));
		if ((n = caps_from_name(name)) >= 0 && n < 64 && (caps >> n & 1))
			return false;
	}
	return !str_in(cJSON_GetObjectItem(exc, "arches"), DOCKER_ARCH);
}

/* A Docker seccomp profile -> linux.seccomp (the OCI fields are the same names). */
static cJSON *profile_to_oci(const cJSON *p, uint64_t caps)
{
	static const char *const keep[] = {"defaultAction", "defaultErrnoRet", "flags",
					   "listenerPath", "listenerMetadata"};
	static const char *const rule_keep[] = {"names", "action", "errnoRet", "args"};
	cJSON *o = cJSON_CreateObject(), *arches, *rules;
	const cJSON *it;

	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (cJSON_GetObjectItem(p, keep[i]))
			cJSON_AddItemToObject(o, keep[i],
					      cJSON_Duplicate(cJSON_GetObjectItem(p, keep[i]), true));
	arches = cJSON_AddArrayToObject(o, "architectures");
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(p, "archMap")) {
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(it, "architecture"));
		const cJSON *sub;

		if (!a || strcmp(a, SCMP_NATIVE))
			continue;
		cJSON_AddItemToArray(arches, cJSON_CreateString(a));
		cJSON_ArrayForEach (sub, cJSON_GetObjectItem(it, "subArchitectures"))
			if (cJSON_IsString(sub))
				cJSON_AddItemToArray(arches, cJSON_CreateString(sub->valuestring));
	}
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(p, "architectures"))
		if (cJSON_IsString(it) && !str_in(arches, it->valuestring))
			cJSON_AddItemToArray(arches, cJSON_CreateString(it->valuestring));
	if (!cJSON_GetArraySize(arches))
		cJSON_DeleteItemFromObject(o, "architectures");
	rules = cJSON_AddArrayToObject(o, "syscalls");
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(p, "syscalls")) {
		cJSON *r;

		if (!rule_applies(it, caps))
			continue;
		r = cJSON_CreateObject();
		for (size_t i = 0; i < ARRAY_SIZE(rule_keep); i++)
			if (cJSON_GetObjectItem(it, rule_keep[i]))
				cJSON_AddItemToObject(
				    r, rule_keep[i],
				    cJSON_Duplicate(cJSON_GetObjectItem(it, rule_keep[i]), true));
		/* Old profiles name one syscall as "name". */
		if (!cJSON_GetObjectItem(r, "names") && cJSON_IsString(cJSON_GetObjectItem(it, "name")))
			cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "names"),
					     cJSON_CreateString(cJSON_GetObjectItem(it, "name")->valuestring));
		cJSON_AddItemToArray(rules, r);
	}
	return o;
}

/*
 * tug's default seccomp profile, for a container given none (dockerd gives
 * its own): everything is allowed but what reaches past the container,
 * unless the container has the capability that makes it its business
 * (as dockerd's profile does): module loading (CAP_SYS_MODULE), reboot and
 * kexec (CAP_SYS_BOOT), the clock (CAP_SYS_TIME), mounts, namespaces and
 * new-style mount calls, clone with namespace flags, quotas, bpf, perf,
 * fanotify, swap (CAP_SYS_ADMIN), ptrace and other processes' memory
 * (CAP_SYS_PTRACE), accounting (CAP_SYS_PACCT), I/O ports (CAP_SYS_RAWIO),
 * NUMA policy (CAP_SYS_NICE), the kernel log (CAP_SYSLOG), file handles
 * (CAP_DAC_READ_SEARCH); always: the kernel keyrings (not namespaced),
 * userfaultfd, io_uring, and old calls nothing needs. A denylist rather than
 * dockerd's allowlist: a newer libc's new syscall keeps working. Names this
 * arch lacks are skipped by the runtime. EPERM, as dockerd answers;
 * clone3 ENOSYS, so that libc falls back to clone, whose flags are checked.
 */
static const struct {
	const char *cap; /* NULL: always denied */
	const char *names;
} denied[] = {
	{"CAP_SYS_MODULE", "init_module finit_module delete_module create_module query_module "
			   "get_kernel_syms"},
	{"CAP_SYS_BOOT", "reboot kexec_load kexec_file_load"},
	{"CAP_SYS_TIME", "settimeofday clock_settime clock_settime64 clock_adjtime "
			 "clock_adjtime64 stime"},
	{"CAP_SYS_ADMIN", "mount umount umount2 pivot_root unshare setns fsopen fsconfig fsmount "
			  "fspick move_mount open_tree mount_setattr quotactl quotactl_fd "
			  "lookup_dcookie bpf perf_event_open fanotify_init swapon swapoff "
			  "name_to_handle_at vhangup"},
	{"CAP_SYS_PTRACE", "ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd"},
	{"CAP_SYS_PACCT", "acct"},
	{"CAP_SYS_RAWIO", "iopl ioperm"},
	{"CAP_SYS_NICE", "get_mempolicy set_mempolicy mbind move_pages set_mempolicy_home_node"},
	{"CAP_SYSLOG", "syslog"},
	{"CAP_DAC_READ_SEARCH", "open_by_handle_at"},
	{NULL, "add_key request_key keyctl userfaultfd io_uring_setup io_uring_enter "
	       "io_uring_register uselib ustat sysfs _sysctl nfsservctl vm86 vm86old"},
};

static cJSON *names_rule(const char *names, const char *action, int errno_ret)
{
	cJSON *r = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(r, "names");
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", names);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		cJSON_AddItemToArray(a, cJSON_CreateString(t));
	cJSON_AddStringToObject(r, "action", action);
	cJSON_AddNumberToObject(r, "errnoRet", errno_ret);
	return r;
}

static bool has_cap(uint64_t caps, const char *name)
{
	int n = caps_from_name(name);

	return n >= 0 && n < 64 && (caps >> n & 1);
}

static cJSON *default_profile(uint64_t caps)
{
	static const unsigned long ns_flags[] = {0x00020000, 0x02000000, 0x04000000, 0x08000000,
						 0x10000000, 0x20000000, 0x40000000};
	cJSON *p = cJSON_CreateObject(), *rules;

	cJSON_AddStringToObject(p, "defaultAction", "SCMP_ACT_ALLOW");
	rules = cJSON_AddArrayToObject(p, "syscalls");
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		if (!denied[i].cap || !has_cap(caps, denied[i].cap))
			cJSON_AddItemToArray(rules, names_rule(denied[i].names, "SCMP_ACT_ERRNO", EPERM));
	if (has_cap(caps, "CAP_SYS_ADMIN"))
		return p;
	cJSON_AddItemToArray(rules, names_rule("clone3", "SCMP_ACT_ERRNO", ENOSYS));
	/* clone with any namespace flag: one rule a flag, (flags & f) == f. */
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++) {
		cJSON *r = names_rule("clone", "SCMP_ACT_ERRNO", EPERM);
		cJSON *arg = cJSON_CreateObject();

		cJSON_AddNumberToObject(arg, "index", 0);
		cJSON_AddNumberToObject(arg, "value", (double)ns_flags[i]);
		cJSON_AddNumberToObject(arg, "valueTwo", (double)ns_flags[i]);
		cJSON_AddStringToObject(arg, "op", "SCMP_CMP_MASKED_EQ");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "args"), arg);
		cJSON_AddItemToArray(rules, r);
	}
	return p;
}

int security_spec(const cJSON *hc, cJSON *spec, struct tug_err *err)
{
	bool privileged = cJSON_IsTrue(cJSON_GetObjectItem(hc, "Privileged"));
	const char *sc = security_opt(hc, "seccomp");

	if (privileged) {
		privileged_spec(spec);
	} else {
		/*
		 * dockerd's device policy: nothing but what the runtime adds
		 * after these rules (null, zero, full, random, urandom, tty,
		 * console, ptmx, pts; mknod of any node, which cannot be opened
		 * then). First, so that --device rules after it allow more.
		 * Without a rule there is no device program at all: with
		 * CAP_MKNOD a container could open the board's flash.
		 */
		cJSON *rules = json_array_at(json_object_at(json_object_at(spec, "linux"), "resources"), "devices");
		cJSON *deny = cJSON_CreateObject();

		cJSON_AddBoolToObject(deny, "allow", false);
		cJSON_AddStringToObject(deny, "access", "rwm");
		cJSON_InsertItemInArray(rules, 0, deny);
	}
	/* Privileged containers run unconfined, as dockerd's. */
	if (!sc && !privileged && IS_ENABLED(CONFIG_SECCOMP))
		cJSON_AddItemToObject(json_object_at(spec, "linux"), "seccomp",
				      default_profile(cap_set(hc, false)));
	if (sc && *sc && strcmp(sc, "unconfined") && !privileged) {
		_cleanup_json_ cJSON *p = cJSON_Parse(sc);

		if (!cJSON_IsObject(p))
			return tug_err_set(err, EINVAL, "Decoding seccomp profile failed");
		cJSON_AddItemToObject(json_object_at(spec, "linux"), "seccomp",
				      profile_to_oci(p, cap_set(hc, false)));
	}
	return 0;
}
