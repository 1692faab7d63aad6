/* linux.seccomp as a bundle author meets it: typos are named at create time,
 * and a loaded filter really changes what a syscall returns. */
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/seccomp.h"
#include "test.h"

static struct tug_err err;

/* Validate text; return the error message or "" on success. */
static const char *check(const char *text)
{
	_cleanup_json_ cJSON *j = cJSON_Parse(text);

	if (!j)
		return "(bad test JSON)";
	tug_err_clear(&err);
	if (seccomp_validate_oci(j, &err) == 0)
		return "";
	return err.msg;
}

TEST(compiled_out_refuses)
{
	if (IS_ENABLED(CONFIG_SECCOMP))
		SKIP("built with CONFIG_SECCOMP");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"),
		  "not supported by this build (CONFIG_SECCOMP)");
	CHECK(seccomp_validate_oci(NULL, &err) == 0);
}

#define NEED_SECCOMP()                                                                             \
	do {                                                                                       \
		if (!IS_ENABLED(CONFIG_SECCOMP))                                                   \
			SKIP("built without CONFIG_SECCOMP");                                      \
	} while (0)

TEST(valid_profile_passes)
{
	NEED_SECCOMP();
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
			"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_AARCH64\","
			"\"SCMP_ARCH_MIPSEL\",\"SCMP_ARCH_LOONGARCH64\"],"
			"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
			"\"syscalls\":[{\"names\":[\"read\",\"no_such_syscall\"],"
			"\"action\":\"SCMP_ACT_ALLOW\"},"
			"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
			"\"args\":[{\"index\":0,\"value\":131080,\"op\":\"SCMP_CMP_EQ\"}]},"
			"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\","
			"\"args\":[{\"index\":0,\"value\":2114060288,\"valueTwo\":0,"
			"\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"),
		  "");
	CHECK(seccomp_validate_oci(NULL, &err) == 0);
}

TEST(every_action_name_is_known)
{
	static const char *const ok[] = {
	    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",	       "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG"};
	char buf[256];
	size_t i;

	NEED_SECCOMP();
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(buf, sizeof(buf),
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			 "[\"read\"],\"action\":\"%s\"}]}",
			 ok[i]);
		CHECK_STR(check(buf), "");
	}
}

TEST(unknown_action_names_the_rule)
{
	NEED_SECCOMP();
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			"{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			"{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			"{\"names\":[\"open\"],\"action\":\"X\"}]}"),
		  "linux.seccomp.syscalls[2].action: unknown action \"X\"");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_NOPE\"}"),
		  "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
	CHECK_STR(check("{\"syscalls\":[]}"), "linux.seccomp.defaultAction: missing");
}

TEST(notify_is_refused_clearly)
{
	NEED_SECCOMP();
	CHECK(strstr(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			   "[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
		     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs a seccomp "
		     "listener") != NULL);
	CHECK(strstr(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\"}"),
		     "linux.seccomp.listenerPath") != NULL);
}

TEST(errno_ret_only_with_errno_or_trace)
{
	NEED_SECCOMP();
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			"[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":5}]}"),
		  "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or "
		  "SCMP_ACT_TRACE");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}"),
		  "linux.seccomp.defaultErrnoRet: 70000 out of range");
}

TEST(bad_arches_ops_flags_and_args)
{
	NEED_SECCOMP();
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
			"[\"SCMP_ARCH_X86\",\"SCMP_ARCH_VAX\"]}"),
		  "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"FLAG_X\"]}"),
		  "linux.seccomp.flags[0]: unknown flag \"FLAG_X\"");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			"[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
			"\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":7,\"value\":1,"
			"\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		  "linux.seccomp.syscalls[0].args[1].index: 7 is not 0..5");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			"[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
			"\"value\":1,\"op\":\"SCMP_CMP_ABOUT\"}]}]}"),
		  "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			"[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
			"\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		  "linux.seccomp.syscalls[0].args[0].value: expected an unsigned integer");
	CHECK_STR(check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":"
			"\"SCMP_ACT_ERRNO\"}]}"),
		  "linux.seccomp.syscalls[0].names: missing or empty");
}

/* Load a filter in a child: 0 = syscall saw the errno, 77 = the kernel (or
 * qemu-user) cannot load filters here. no_new_privs first, as the runtime
 * does with process.noNewPrivileges, so this runs without CAP_SYS_ADMIN. */
static int child_with_filter(const char *text)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		cJSON *j = cJSON_Parse(text);
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(77);
		if (seccomp_apply_oci(j, &err) < 0)
			_exit(err.code == EINVAL || err.code == ENOSYS || err.code == EFAULT ? 77
											     : 2);
		/* The rule: getpgid(4242) fails with errno 42; getpgid(0) works. */
		r = syscall(SYS_getpgid, 4242);
		if (r != -1 || errno != 42)
			_exit(3);
		if (syscall(SYS_getpgid, 0) < 0)
			_exit(4);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(loaded_filter_returns_errno)
{
	int r;

	NEED_SECCOMP();
	r = child_with_filter("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			      "[\"getpgid\",\"not_a_syscall\"],\"action\":\"SCMP_ACT_ERRNO\","
			      "\"errnoRet\":42,\"args\":[{\"index\":0,\"value\":4242,"
			      "\"op\":\"SCMP_CMP_EQ\"}]}]}");
	if (r == 77)
		SKIP("this kernel or emulator does not load seccomp filters");
	CHECK(r == 0);
}

/* Without no_new_privs and without CAP_SYS_ADMIN the load fails and says
 * why; it must not set no_new_privs behind the bundle's back. */
TEST(without_nnp_or_sys_admin_fails_clearly)
{
	pid_t pid;
	int st;

	NEED_SECCOMP();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		cJSON *j = cJSON_Parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2] = {0};

		if (syscall(SYS_capset, &hdr, data) < 0)
			_exit(77);
		if (seccomp_apply_oci(j, &err) == 0)
			_exit(2);
		if (err.code == EINVAL || err.code == ENOSYS || err.code == EFAULT)
			_exit(77);
		if (!strstr(err.msg, "noNewPrivileges"))
			_exit(3);
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 ? 0 : 4);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		SKIP("this kernel or emulator does not load seccomp filters");
	CHECK(WEXITSTATUS(st) == 0);
}

int main(void)
{
	RUN(compiled_out_refuses);
	RUN(valid_profile_passes);
	RUN(every_action_name_is_known);
	RUN(unknown_action_names_the_rule);
	RUN(notify_is_refused_clearly);
	RUN(errno_ret_only_with_errno_or_trace);
	RUN(bad_arches_ops_flags_and_args);
	RUN(loaded_filter_returns_errno);
	RUN(without_nnp_or_sys_admin_fails_clearly);
	return test_done();
}
