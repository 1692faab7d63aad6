/* Capability names and OCI capability sets, as a bundle author meets them. */
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "platform/caps.h"
#include "platform/json.h"
#include "test.h"

static struct tug_err err;

TEST(names_match_kernel_numbers)
{
	CHECK(caps_from_name("CAP_CHOWN") == 0);
	CHECK(caps_from_name("CAP_NET_ADMIN") == 12);
	CHECK(caps_from_name("CAP_SYS_ADMIN") == 21);
	CHECK(caps_from_name("CAP_CHECKPOINT_RESTORE") == 40);
	CHECK_STR(caps_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE");
	CHECK(caps_name(-1) == NULL);
	CHECK(caps_name(caps_last_known() + 1) == NULL);
}

TEST(every_name_round_trips)
{
	int i;

	CHECK(caps_last_known() >= 40);
	for (i = 0; i <= caps_last_known(); i++) {
		CHECK(caps_name(i) != NULL);
		CHECK(caps_from_name(caps_name(i)) == i);
	}
}

TEST(names_are_exact)
{
	/* runc and crun want the CAP_ prefix and upper case. */
	CHECK(caps_from_name("NET_ADMIN") == -1);
	CHECK(caps_from_name("cap_net_admin") == -1);
	CHECK(caps_from_name("") == -1);
}

TEST(parse_set_builds_mask)
{
	_cleanup_json_ cJSON *c =
	    cJSON_Parse("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_RAW\"]}");
	uint64_t m = 1;

	CHECK(caps_parse_set(c, "bounding", 40, &m, &err) == 0);
	CHECK(m == ((1u << 0) | (1u << 5) | (1u << 13)));
	CHECK(caps_parse_set(c, "ambient", 40, &m, &err) == 0);
	CHECK(m == 0);
}

TEST(caps_newer_than_kernel_are_skipped)
{
	_cleanup_json_ cJSON *c = cJSON_Parse("{\"effective\":[\"CAP_BPF\",\"CAP_KILL\"]}");
	uint64_t m;

	CHECK(caps_parse_set(c, "effective", 38, &m, &err) == 0);
	CHECK(m == (1u << 5));
}

TEST(unknown_name_is_refused_naming_the_set)
{
	_cleanup_json_ cJSON *c =
	    cJSON_Parse("{\"effective\":[\"CAP_KILL\"],\"bounding\":[\"CAP_CHOWN\",\"CAP_FOO\"]}");

	CHECK(caps_validate_oci(c, &err) < 0);
	CHECK_STR(err.msg, "process.capabilities.bounding: unknown capability CAP_FOO");
}

TEST(wrong_types_are_refused)
{
	_cleanup_json_ cJSON *a = cJSON_Parse("{\"permitted\":[\"CAP_KILL\",3]}");
	_cleanup_json_ cJSON *b = cJSON_Parse("{\"ambient\":\"CAP_KILL\"}");
	_cleanup_json_ cJSON *c = cJSON_Parse("[]");

	CHECK(caps_validate_oci(a, &err) < 0);
	CHECK_STR(err.msg, "process.capabilities.permitted[1]: expected a string");
	CHECK(caps_validate_oci(b, &err) < 0);
	CHECK_STR(err.msg, "process.capabilities: ambient: expected an array");
	CHECK(caps_validate_oci(c, &err) < 0);
}

TEST(null_and_empty_are_valid)
{
	_cleanup_json_ cJSON *c = cJSON_Parse("{}");

	CHECK(caps_validate_oci(NULL, &err) == 0);
	CHECK(caps_validate_oci(c, &err) == 0);
}

TEST(kernel_last_cap_is_sane)
{
	int last = caps_last_kernel();

	CHECK(last >= 30 && last <= caps_last_known());
}

/* Lowering one's own capabilities needs no privilege: a child applies a
 * small set and reads it back with capget(2). */
TEST(apply_lowers_to_the_requested_sets)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];
		cJSON *c = cJSON_Parse("{\"effective\":[],\"permitted\":[],\"inheritable\":[]}");

		if (caps_apply_oci(c, &err) < 0)
			_exit(2);
		if (syscall(SYS_capget, &hdr, d) < 0)
			_exit(3);
		_exit(d[0].effective || d[0].permitted || d[1].permitted || d[0].inheritable ? 4
											     : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* `runc spec` lists ambient caps but no inheritable set: like runc and crun,
 * the ones the kernel refuses (EPERM) are skipped, not an error. */
TEST(ambient_outside_inheritable_is_skipped)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		cJSON *c =
		    cJSON_Parse("{\"effective\":[],\"permitted\":[],\"ambient\":[\"CAP_KILL\"]}");

		if (caps_apply_oci(c, &err) < 0)
			_exit(2);
		_exit(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) == 1 ? 3 : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(effective_outside_permitted_is_refused)
{
	_cleanup_json_ cJSON *c = cJSON_Parse("{\"effective\":[\"CAP_KILL\"],\"permitted\":[]}");

	CHECK(caps_apply_oci(c, &err) < 0);
	CHECK(strstr(err.msg, "CAP_KILL") != NULL);
}

int main(void)
{
	RUN(names_match_kernel_numbers);
	RUN(every_name_round_trips);
	RUN(names_are_exact);
	RUN(parse_set_builds_mask);
	RUN(caps_newer_than_kernel_are_skipped);
	RUN(unknown_name_is_refused_naming_the_set);
	RUN(wrong_types_are_refused);
	RUN(null_and_empty_are_valid);
	RUN(kernel_last_cap_is_sane);
	RUN(apply_lowers_to_the_requested_sets);
	RUN(ambient_outside_inheritable_is_skipped);
	RUN(effective_outside_permitted_is_refused);
	return test_done();
}
