/* HostConfig fields checked at create: what is refused, with the field named. */
#include <string.h>

#include "core/daemon/hostconfig_check.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "test.h"

/* The message of the check of hc_json, "" when it passes. */
static const char *check(const char *hc_json)
{
	static struct tug_err err;
	_cleanup_json_ cJSON *hc = cJSON_Parse(hc_json);

	memset(&err, 0, sizeof(err));
	return hostconfig_check(hc, &err) < 0 ? err.msg : "";
}

TEST(nothing_or_valid_passes)
{
	CHECK_STR(check("{}"), "");
	CHECK_STR(check("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200},"
			"{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1}],\"OomScoreAdj\":-1000,"
			"\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"1\"},"
			"\"DeviceCgroupRules\":[\"c 1:3 rwm\",\"a *:* r\",\"b 8:* m\"],"
			"\"PidMode\":\"host\",\"IpcMode\":\"shareable\",\"UTSMode\":\"\"}"),
		  "");
	CHECK_STR(check("{\"PidMode\":\"container:web\",\"IpcMode\":\"container:web\"}"), "");
}

TEST(ulimits)
{
	CHECK_STR(check("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1,\"Hard\":1},"
			"{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}"),
		  "HostConfig.Ulimits[1].Name: invalid ulimit type: bogus");
	CHECK_STR(check("{\"Ulimits\":[{\"Soft\":1,\"Hard\":1}]}"),
		  "HostConfig.Ulimits[0].Name: invalid ulimit type: (none)");
	CHECK_STR(
	    check("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":300,\"Hard\":200}]}"),
	    "HostConfig.Ulimits[0]: ulimit soft limit must be less than or equal to hard limit");
	CHECK_STR(
	    check("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":-1,\"Hard\":200}]}"),
	    "HostConfig.Ulimits[0]: ulimit soft limit must be less than or equal to hard limit");
	CHECK_STR(check("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":\"1\",\"Hard\":2}]}"),
		  "HostConfig.Ulimits[0]: Soft and Hard must be numbers");
}

TEST(oom_score_adj_range)
{
	CHECK_STR(
	    check("{\"OomScoreAdj\":1001}"),
	    "HostConfig.OomScoreAdj: Invalid value 1001, range for oom score adj is [-1000, 1000]");
	CHECK_STR(check("{\"OomScoreAdj\":1000}"), "");
}

TEST(sysctls_reaching_the_host)
{
	CHECK_STR(check("{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}"),
		  "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
	CHECK_STR(check("{\"NetworkMode\":\"host\",\"Sysctls\":{\"kernel.msgmax\":\"1\"}}"), "");
	CHECK_STR(check("{\"IpcMode\":\"host\",\"Sysctls\":{\"fs.mqueue.msg_max\":\"1\"}}"),
		  "sysctl \"fs.mqueue.msg_max\" not allowed in host ipc namespace");
	CHECK_STR(check("{\"Sysctls\":[\"a=b\"]}"), "HostConfig.Sysctls: expected an object");
	CHECK_STR(check("{\"Sysctls\":{\"kernel.msgmax\":1}}"),
		  "HostConfig.Sysctls.kernel.msgmax: expected a string");
}

TEST(device_cgroup_rules)
{
	CHECK_STR(check("{\"DeviceCgroupRules\":[\"x 1:3 rwm\"]}"),
		  "invalid device cgroup rule format: 'x 1:3 rwm'");
	CHECK_STR(check("{\"DeviceCgroupRules\":[\"c 1:3 rwx\"]}"),
		  "invalid device cgroup rule format: 'c 1:3 rwx'");
	CHECK_STR(check("{\"DeviceCgroupRules\":[\"c 1:3\"]}"),
		  "invalid device cgroup rule format: 'c 1:3'");
	CHECK_STR(check("{\"DeviceCgroupRules\":[\"c 1*:3 r\"]}"),
		  "invalid device cgroup rule format: 'c 1*:3 r'");
	CHECK_STR(check("{\"DeviceCgroupRules\":[\"c 1:3 r extra\"]}"),
		  "invalid device cgroup rule format: 'c 1:3 r extra'");
	CHECK_STR(check("{\"DeviceCgroupRules\":[3]}"), "invalid device cgroup rule format: ''");
}

TEST(namespace_modes)
{
	CHECK_STR(check("{\"UTSMode\":\"container:web\"}"),
		  "HostConfig.UTSMode: invalid uts mode: container:web");
	CHECK_STR(check("{\"PidMode\":\"private\"}"),
		  "HostConfig.PidMode: invalid pid mode: private");
	CHECK_STR(check("{\"IpcMode\":\"container:\"}"),
		  "HostConfig.IpcMode: invalid ipc mode: container:");
	CHECK_STR(check("{\"PidMode\":\"bogus\"}"), "HostConfig.PidMode: invalid pid mode: bogus");
}

int main(void)
{
	RUN(nothing_or_valid_passes);
	RUN(ulimits);
	RUN(oom_score_adj_range);
	RUN(sysctls_reaching_the_host);
	RUN(device_cgroup_rules);
	RUN(namespace_modes);
	return test_done();
}
