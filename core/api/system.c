/* /_ping, /version, /info. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/image/store.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/json.h"

void h_ping(struct daemon *d, struct conn *c)
{
	buf_printf(&c->out,
		   "HTTP/1.1 200 OK\r\nApi-Version: " API_VERSION "\r\nBuilder-Version: 1\r\n"
		   "Docker-Experimental: false\r\nOstype: linux\r\nServer: tug\r\n"
		   "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
		   "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\n%s",
		   strcmp(c->req.method, "HEAD") ? "OK" : "");
}

void h_version(struct daemon *d, struct conn *c)
{
	struct utsname u;
	cJSON *o = cJSON_CreateObject(), *comps, *eng, *det;

	uname(&u);
	cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Platform"), "Name");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "Platform"), "Name", cJSON_CreateString("tug"));
	comps = cJSON_AddArrayToObject(o, "Components");
	eng = cJSON_CreateObject();
	cJSON_AddStringToObject(eng, "Name", "Engine");
	cJSON_AddStringToObject(eng, "Version", "0.1-tug");
	det = cJSON_AddObjectToObject(eng, "Details");
	cJSON_AddStringToObject(det, "ApiVersion", API_VERSION);
	cJSON_AddStringToObject(det, "MinAPIVersion", API_MIN_VERSION);
	cJSON_AddItemToArray(comps, eng);
	cJSON_AddStringToObject(o, "Version", "0.1-tug");
	cJSON_AddStringToObject(o, "ApiVersion", API_VERSION);
	cJSON_AddStringToObject(o, "MinAPIVersion", API_MIN_VERSION);
	cJSON_AddStringToObject(o, "GitCommit", "tug");
	cJSON_AddStringToObject(o, "GoVersion", "none (C)");
	cJSON_AddStringToObject(o, "Os", "linux");
	cJSON_AddStringToObject(o, "Arch", TUG_ARCH);
	cJSON_AddStringToObject(o, "KernelVersion", u.release);
	cJSON_AddStringToObject(o, "BuildTime", __DATE__);
	api_reply_json(c, 200, o);
}

/* Images in the store (one per manifest, whatever its tags), 0 if it cannot be read. */
static int image_count(void)
{
	struct image_store st;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	int n = 0;

	if (image_store_open(&st, &err))
		return 0;
	if (refs_read(&st, &refs, &err) == 0)
		n = cJSON_GetArraySize(cJSON_GetObjectItem(refs, "images"));
	image_store_close(&st);
	return n;
}

void h_info(struct daemon *d, struct conn *c)
{
	struct utsname u;
	char host[256] = "";
	int n = 0, run = 0, paused = 0, stopped = 0;
	cJSON *o = cJSON_CreateObject();
	long mem = sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	for (struct container *ctr = d->containers; ctr; ctr = ctr->next) {
		n++;
		if (ctr->state == CS_RUNNING || ctr->state == CS_RESTARTING)
			run++;
		else if (ctr->state == CS_PAUSED)
			paused++;
		else
			stopped++;
	}
	cJSON_AddStringToObject(o, "ID", "tug");
	cJSON_AddNumberToObject(o, "Containers", n);
	cJSON_AddNumberToObject(o, "ContainersRunning", run);
	cJSON_AddNumberToObject(o, "ContainersPaused", paused);
	cJSON_AddNumberToObject(o, "ContainersStopped", stopped);
	cJSON_AddNumberToObject(o, "Images", image_count());
	cJSON_AddStringToObject(o, "Driver", "overlay2");
	cJSON_AddArrayToObject(o, "DriverStatus");
	/* What the kernel lets tug enforce (the docker CLI warns on each false). */
	cJSON_AddBoolToObject(o, "MemoryLimit", cgroup_controller_usable("memory"));
	cJSON_AddBoolToObject(o, "SwapLimit", false);
	cJSON_AddBoolToObject(o, "KernelMemory", false);
	cJSON_AddBoolToObject(o, "CpuCfsPeriod", cgroup_controller_usable("cpu"));
	cJSON_AddBoolToObject(o, "CpuCfsQuota", cgroup_controller_usable("cpu"));
	cJSON_AddBoolToObject(o, "CPUShares", cgroup_controller_usable("cpu"));
	cJSON_AddBoolToObject(o, "CPUSet", cgroup_controller_usable("cpuset"));
	cJSON_AddBoolToObject(o, "PidsLimit", cgroup_controller_usable("pids"));
	cJSON_AddBoolToObject(o, "IPv4Forwarding", false);
	cJSON_AddBoolToObject(o, "Debug", false);
	cJSON_AddNumberToObject(o, "NFd", 0);
	cJSON_AddNumberToObject(o, "NGoroutines", 1);
	cJSON_AddStringToObject(o, "SystemTime", "");
	cJSON_AddStringToObject(o, "LoggingDriver", "local");
	cJSON_AddStringToObject(o, "CgroupDriver", "cgroupfs");
	cJSON_AddStringToObject(o, "CgroupVersion", "2");
	cJSON_AddNumberToObject(o, "NEventsListener", 0);
	cJSON_AddStringToObject(o, "KernelVersion", u.release);
	cJSON_AddStringToObject(o, "OperatingSystem", "tug");
	cJSON_AddStringToObject(o, "OSVersion", "");
	cJSON_AddStringToObject(o, "OSType", "linux");
	cJSON_AddStringToObject(o, "Architecture", u.machine);
	cJSON_AddNumberToObject(o, "NCPU", (double)sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_AddNumberToObject(o, "MemTotal", (double)mem);
	cJSON_AddStringToObject(o, "IndexServerAddress", "");
	cJSON_AddStringToObject(o, "DockerRootDir", d->cfg.state_dir);
	cJSON_AddStringToObject(o, "Name", host);
	cJSON_AddArrayToObject(o, "Labels");
	cJSON_AddBoolToObject(o, "ExperimentalBuild", false);
	cJSON_AddStringToObject(o, "ServerVersion", "0.1-tug");
	cJSON_AddStringToObject(o, "DefaultRuntime", "tug");
	cJSON_AddBoolToObject(o, "LiveRestoreEnabled", true);
	cJSON_AddStringToObject(o, "Isolation", "");
	cJSON_AddArrayToObject(o, "SecurityOptions");
	cJSON_AddArrayToObject(o, "Warnings");
	api_reply_json(c, 200, o);
}
