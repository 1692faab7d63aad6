#include <stdio.h>
#include <string.h>

#include "core/oci/defaults.h"
#include "platform/caps.h"
#include "platform/cleanup.h"

/* A JSON literal keeps the default readable; only rootless edits it. */
static const char default_spec[] =
    "{\"ociVersion\":\"1.0.2-dev\","
    "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/"
    "bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\","
    "\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"tug\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/"
    "dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode="
    "755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/"
    "pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\","
    "\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/"
    "shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
    "\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/"
    "mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\",\"noexec\","
    "\"nodev\"]},"
    "{\"destination\":\"/"
    "sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
    "\"ro\"]},"
    "{\"destination\":\"/sys/fs/"
    "cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\","
    "\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":"
    "\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/"
    "latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/"
    "scsi\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/"
    "sysrq-trigger\"]}}";

static cJSON *idmap(unsigned host)
{
	cJSON *arr = cJSON_CreateArray(), *m = cJSON_CreateObject();

	cJSON_AddNumberToObject(m, "containerID", 0);
	cJSON_AddNumberToObject(m, "hostID", host);
	cJSON_AddNumberToObject(m, "size", 1);
	cJSON_AddItemToArray(arr, m);
	return arr;
}

cJSON *oci_default_spec(bool rootless, unsigned uid, unsigned gid)
{
	cJSON *j = cJSON_Parse(default_spec), *lx, *ns, *mounts, *it;

	if (!j || !rootless)
		return j;
	/* As runc: a user namespace, no network namespace, /sys bound, no cgroup limits. */
	lx = cJSON_GetObjectItem(j, "linux");
	ns = cJSON_GetObjectItem(lx, "namespaces");
	for (int i = cJSON_GetArraySize(ns) - 1; i >= 0; i--) {
		const char *t = cJSON_GetObjectItem(cJSON_GetArrayItem(ns, i), "type")->valuestring;

		if (!strcmp(t, "network") || !strcmp(t, "cgroup"))
			cJSON_DeleteItemFromArray(ns, i);
	}
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "type", "user");
	cJSON_AddItemToArray(ns, it);
	cJSON_AddItemToObject(lx, "uidMappings", idmap(uid));
	cJSON_AddItemToObject(lx, "gidMappings", idmap(gid));
	cJSON_DeleteItemFromObject(lx, "resources");
	mounts = cJSON_GetObjectItem(j, "mounts");
	for (int i = cJSON_GetArraySize(mounts) - 1; i >= 0; i--) {
		cJSON *m = cJSON_GetArrayItem(mounts, i);
		const char *d = cJSON_GetObjectItem(m, "destination")->valuestring;

		if (!strcmp(d, "/sys/fs/cgroup"))
			cJSON_DeleteItemFromArray(mounts, i);
		else if (!strcmp(d, "/sys"))
			cJSON_ReplaceItemInArray(
			    mounts, i,
			    cJSON_Parse(
				"{\"destination\":\"/sys\",\"type\":\"none\",\"source\":\"/sys\","
				"\"options\":[\"rbind\",\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}"));
		else if (!strcmp(d, "/dev/pts"))
			cJSON_ReplaceItemInArray(
			    mounts, i,
			    cJSON_Parse("{\"destination\":\"/dev/"
					"pts\",\"type\":\"devpts\",\"source\":\"devpts\","
					"\"options\":[\"nosuid\",\"noexec\",\"newinstance\","
					"\"ptmxmode=0666\",\"mode=0620\"]}"));
	}
	return j;
}

static cJSON *strings(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

cJSON *oci_features(void)
{
	static const char *const hooks[] = {"prestart",
					    "createRuntime",
					    "createContainer",
					    "startContainer",
					    "poststart",
					    "poststop",
					    NULL};
	static const char *const opts[] = {
	    "async",	  "atime",	   "bind",	  "dev",	 "diratime",   "dirsync",
	    "exec",	  "iversion",	   "lazytime",	  "loud",	 "mand",       "noatime",
	    "nodev",	  "nodiratime",	   "noexec",	  "noiversion",	 "nolazytime", "nomand",
	    "norelatime", "nostrictatime", "nosuid",	  "nosymfollow", "private",    "rbind",
	    "relatime",	  "remount",	   "ro",	  "rprivate",	 "rro",	       "rrw",
	    "rshared",	  "rslave",	   "runbindable", "rw",		 "shared",     "silent",
	    "slave",	  "strictatime",   "suid",	  "symfollow",	 "sync",       "unbindable",
	    NULL};
	static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
					 "time",   "user", "uts",   NULL};
	cJSON *j = cJSON_CreateObject(), *lx, *caps, *cg, *sc, *ann;

	cJSON_AddStringToObject(j, "ociVersionMin", "1.0.0");
	cJSON_AddStringToObject(j, "ociVersionMax", "1.2.0");
	cJSON_AddItemToObject(j, "hooks", strings(hooks));
	cJSON_AddItemToObject(j, "mountOptions", strings(opts));
	lx = cJSON_AddObjectToObject(j, "linux");
	cJSON_AddItemToObject(lx, "namespaces", strings(ns));
	caps = cJSON_AddArrayToObject(lx, "capabilities");
	for (int i = 0; i <= caps_last_known(); i++)
		if (caps_name(i))
			cJSON_AddItemToArray(caps, cJSON_CreateString(caps_name(i)));
	cg = cJSON_AddObjectToObject(lx, "cgroup");
	cJSON_AddBoolToObject(cg, "v1", false);
	cJSON_AddBoolToObject(cg, "v2", true);
	cJSON_AddBoolToObject(cg, "systemd", false);
	cJSON_AddBoolToObject(cg, "systemdUser", false);
	sc = cJSON_AddObjectToObject(lx, "seccomp");
	cJSON_AddBoolToObject(sc, "enabled", IS_ENABLED(CONFIG_SECCOMP));
	cJSON_AddObjectToObject(cJSON_AddObjectToObject(lx, "apparmor"), "enabled");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(lx, "apparmor"), "enabled",
				  cJSON_CreateFalse());
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(lx, "selinux"), "enabled", false);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(lx, "intelRdt"), "enabled", false);
	cJSON_AddBoolToObject(
	    cJSON_AddObjectToObject(cJSON_AddObjectToObject(lx, "mountExtensions"), "idmap"),
	    "enabled", false);
	ann = cJSON_AddObjectToObject(j, "annotations");
	cJSON_AddStringToObject(ann, "io.github.tug.arch", TUG_ARCH);
	return j;
}
