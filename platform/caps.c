/*
 * Capabilities without libcap: a name table built from <linux/capability.h>
 * (so the numbers are the kernel headers' own), prctl(2) for the bounding
 * and ambient sets, capset(2) for effective, permitted and inheritable.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "platform/caps.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define CAP_ENTRY(c) [c] = #c

static const char *const cap_names[] = {
    CAP_ENTRY(CAP_CHOWN),
    CAP_ENTRY(CAP_DAC_OVERRIDE),
    CAP_ENTRY(CAP_DAC_READ_SEARCH),
    CAP_ENTRY(CAP_FOWNER),
    CAP_ENTRY(CAP_FSETID),
    CAP_ENTRY(CAP_KILL),
    CAP_ENTRY(CAP_SETGID),
    CAP_ENTRY(CAP_SETUID),
    CAP_ENTRY(CAP_SETPCAP),
    CAP_ENTRY(CAP_LINUX_IMMUTABLE),
    CAP_ENTRY(CAP_NET_BIND_SERVICE),
    CAP_ENTRY(CAP_NET_BROADCAST),
    CAP_ENTRY(CAP_NET_ADMIN),
    CAP_ENTRY(CAP_NET_RAW),
    CAP_ENTRY(CAP_IPC_LOCK),
    CAP_ENTRY(CAP_IPC_OWNER),
    CAP_ENTRY(CAP_SYS_MODULE),
    CAP_ENTRY(CAP_SYS_RAWIO),
    CAP_ENTRY(CAP_SYS_CHROOT),
    CAP_ENTRY(CAP_SYS_PTRACE),
    CAP_ENTRY(CAP_SYS_PACCT),
    CAP_ENTRY(CAP_SYS_ADMIN),
    CAP_ENTRY(CAP_SYS_BOOT),
    CAP_ENTRY(CAP_SYS_NICE),
    CAP_ENTRY(CAP_SYS_RESOURCE),
    CAP_ENTRY(CAP_SYS_TIME),
    CAP_ENTRY(CAP_SYS_TTY_CONFIG),
    CAP_ENTRY(CAP_MKNOD),
    CAP_ENTRY(CAP_LEASE),
    CAP_ENTRY(CAP_AUDIT_WRITE),
    CAP_ENTRY(CAP_AUDIT_CONTROL),
    CAP_ENTRY(CAP_SETFCAP),
    CAP_ENTRY(CAP_MAC_OVERRIDE),
    CAP_ENTRY(CAP_MAC_ADMIN),
    CAP_ENTRY(CAP_SYSLOG),
    CAP_ENTRY(CAP_WAKE_ALARM),
    CAP_ENTRY(CAP_BLOCK_SUSPEND),
    CAP_ENTRY(CAP_AUDIT_READ),
    CAP_ENTRY(CAP_PERFMON),
    CAP_ENTRY(CAP_BPF),
    CAP_ENTRY(CAP_CHECKPOINT_RESTORE),
};

/* The OCI sets, in the order they are reported. */
static const char *const oci_sets[] = {"bounding", "effective", "permitted", "inheritable",
				       "ambient"};

int caps_last_known(void)
{
	return (int)ARRAY_SIZE(cap_names) - 1;
}

const char *caps_name(int cap)
{
	if (cap < 0 || cap > caps_last_known())
		return NULL;
	return cap_names[cap];
}

int caps_from_name(const char *name)
{
	int i;

	for (i = 0; i <= caps_last_known(); i++)
		if (cap_names[i] && !strcmp(cap_names[i], name))
			return i;
	return -1;
}

int caps_last_kernel(void)
{
	char buf[16] = "";
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	long v;

	if (fd < 0)
		return caps_last_known();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return caps_last_known();
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	/* A kernel newer than our table: we only name what we know. */
	if (v <= 0 || v > caps_last_known())
		return caps_last_known();
	return (int)v;
}

int caps_parse_set(const cJSON *capabilities, const char *set, int last_cap, uint64_t *mask,
		   struct tug_err *err)
{
	const cJSON *arr = NULL, *it;
	int i = 0;

	*mask = 0;
	if (!capabilities || cJSON_IsNull(capabilities))
		return 0;
	if (!cJSON_IsObject(capabilities))
		return tug_err_set(err, EINVAL, "process.capabilities: expected an object");
	if (json_get_array(capabilities, set, &arr, err) < 0)
		return tug_err_wrap(err, "process.capabilities");
	if (!arr)
		return 0;
	cJSON_ArrayForEach(it, arr)
	{
		int cap;

		if (!cJSON_IsString(it))
			return tug_err_set(
			    err, EINVAL, "process.capabilities.%s[%d]: expected a string", set, i);
		cap = caps_from_name(it->valuestring);
		if (cap < 0)
			return tug_err_set(err, EINVAL,
					   "process.capabilities.%s: unknown capability %s", set,
					   it->valuestring);
		/* Newer than the running kernel: skipped, as runc does. */
		if (cap <= last_cap)
			*mask |= UINT64_C(1) << cap;
		i++;
	}
	return 0;
}

int caps_validate_oci(const cJSON *capabilities, struct tug_err *err)
{
	uint64_t mask;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(oci_sets); i++)
		if (caps_parse_set(capabilities, oci_sets[i], caps_last_known(), &mask, err) < 0)
			return -1;
	return 0;
}

int caps_drop_bounding_oci(const cJSON *capabilities, struct tug_err *err)
{
	int last = caps_last_kernel(), cap;
	uint64_t keep;

	if (caps_parse_set(capabilities, "bounding", last, &keep, err) < 0)
		return -1;
	for (cap = 0; cap <= last; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return tug_err_sys(err, "drop %s from the bounding set", caps_name(cap));
	}
	return 0;
}

int caps_prepare_uid_change(struct tug_err *err)
{
	/* Without it setresuid() to a non-zero uid clears the permitted set,
	 * and caps_apply_oci() could no longer give the user its caps. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return tug_err_sys(err, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

static int capset_masks(uint64_t eff, uint64_t perm, uint64_t inh, struct tug_err *err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].permitted = (uint32_t)perm;
	data[1].permitted = (uint32_t)(perm >> 32);
	data[0].inheritable = (uint32_t)inh;
	data[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return tug_err_sys(err, "capset");
	return 0;
}

int caps_apply_oci(const cJSON *capabilities, struct tug_err *err)
{
	int last = caps_last_kernel(), cap;
	uint64_t eff, perm, inh, amb;

	if (caps_parse_set(capabilities, "effective", last, &eff, err) < 0 ||
	    caps_parse_set(capabilities, "permitted", last, &perm, err) < 0 ||
	    caps_parse_set(capabilities, "inheritable", last, &inh, err) < 0 ||
	    caps_parse_set(capabilities, "ambient", last, &amb, err) < 0)
		return -1;
	if (eff & ~perm)
		return tug_err_set(
		    err, EINVAL, "process.capabilities: effective holds %s, which is not permitted",
		    caps_name(__builtin_ctzll(eff & ~perm)));
	if (capset_masks(eff, perm, inh, err) < 0)
		return tug_err_wrap(err, "apply process.capabilities");
	/* Ambient may be unsupported (kernel < 4.3): then there is none to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return tug_err_sys(err, "clear the ambient capabilities");
	/*
	 * The kernel raises an ambient cap only when it is both permitted and
	 * inheritable. `runc spec` lists ambient caps without an inheritable
	 * set: runc and crun skip those (EPERM) rather than fail, and so do we;
	 * the container then shows CapAmb 0 under all three.
	 */
	for (cap = 0; cap <= last; cap++) {
		if (!(amb & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM &&
		    errno != EINVAL)
			return tug_err_sys(err, "process.capabilities.ambient: raise %s",
					   caps_name(cap));
	}
	return 0;
}
