/* linux.resources -> cgroup v2 files, and device rules -> an eBPF program
 * that a tiny interpreter below runs the way the kernel would. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "platform/cgroup.h"
#include "platform/cgroup_devices.h"
#include "platform/cgroup_resources.h"
#include "platform/json.h"
#include "test.h"

static struct tug_err err;
static struct cgroup_writes w;
static char joined[4096];

/* Map resources and join the writes as "file=value;..." ("ERR: msg" on error). */
static const char *map(const char *text)
{
	_cleanup_json_ cJSON *j = cJSON_Parse(text);
	size_t i, off = 0;

	joined[0] = '\0';
	if (!j)
		return "(bad test JSON)";
	tug_err_clear(&err);
	if (cgroup_resources_map(j, &w, &err) < 0) {
		snprintf(joined, sizeof(joined), "ERR: %s", err.msg);
		return joined;
	}
	for (i = 0; i < w.n; i++)
		off += (size_t)snprintf(joined + off, sizeof(joined) - off, "%s%s=%s", i ? ";" : "",
					w.v[i].file, w.v[i].value);
	cgroup_writes_free(&w);
	return joined;
}

TEST(nothing_asked_nothing_written)
{
	CHECK_STR(map("{}"), "");
	CHECK(cgroup_resources_map(NULL, &w, &err) == 0 && w.n == 0);
}

TEST(memory_limits)
{
	CHECK_STR(map("{\"memory\":{\"limit\":67108864,\"reservation\":33554432}}"),
		  "memory.max=67108864;memory.low=33554432");
	CHECK_STR(map("{\"memory\":{\"limit\":-1}}"), "memory.max=max");
}

TEST(swap_is_memory_plus_swap)
{
	/* docker run -m 64m gives swap = 2 x limit: 64 MiB of swap. */
	CHECK_STR(map("{\"memory\":{\"limit\":67108864,\"swap\":134217728}}"),
		  "memory.max=67108864;memory.swap.max=67108864");
	CHECK_STR(map("{\"memory\":{\"limit\":1000,\"swap\":1000}}"),
		  "memory.max=1000;memory.swap.max=0");
	CHECK_STR(map("{\"memory\":{\"limit\":1000,\"swap\":-1}}"),
		  "memory.max=1000;memory.swap.max=max");
	CHECK_STR(map("{\"memory\":{\"limit\":2000,\"swap\":1000}}"),
		  "ERR: linux.resources.memory.swap: 1000 is below memory.limit 2000 (swap counts "
		  "memory plus swap)");
	CHECK_STR(map("{\"memory\":{\"swap\":1000}}"),
		  "ERR: linux.resources.memory.swap: a swap limit needs a memory limit too");
}

TEST(cpu_shares_to_weight)
{
	CHECK(cgroup_shares_to_weight(1024) == 100);
	CHECK(cgroup_shares_to_weight(2) == 1);
	CHECK(cgroup_shares_to_weight(262144) == 10000);
	CHECK(cgroup_shares_to_weight(512) > 1 && cgroup_shares_to_weight(512) < 100);
	CHECK(cgroup_shares_to_weight(2048) > 100);
	CHECK(cgroup_shares_to_weight(0) == 1);
	CHECK(cgroup_shares_to_weight(3) == 2);
	CHECK(cgroup_shares_to_weight(10) == 4);
	CHECK(cgroup_shares_to_weight(100) == 17);
	CHECK(cgroup_shares_to_weight(512) == 59);
	CHECK(cgroup_shares_to_weight(1023) == 100);
	CHECK(cgroup_shares_to_weight(1025) == 101);
	CHECK(cgroup_shares_to_weight(2048) == 174);
	CHECK(cgroup_shares_to_weight(10000) == 627);
	CHECK(cgroup_shares_to_weight(65536) == 3023);
	CHECK(cgroup_shares_to_weight(100000) == 4340);
	CHECK(cgroup_shares_to_weight(262143) == 10000);
	CHECK(cgroup_shares_to_weight(1ULL << 40) == 10000);
	CHECK_STR(map("{\"cpu\":{\"shares\":1024}}"), "cpu.weight=100");
	CHECK_STR(map("{\"cpu\":{\"shares\":512}}"), "cpu.weight=59");
}

/* The fixed-point conversion against crun's floating-point formula, for
 * every shares value in between the clamps. */
static uint64_t shares_to_weight_libm(uint64_t shares)
{
	double l = log2((double)shares);

	return (uint64_t)ceil(pow(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0) - 1e-6);
}

TEST(cpu_shares_to_weight_every_value)
{
	uint64_t s, bad = 0;

	for (s = 3; s < 262144; s++)
		if (cgroup_shares_to_weight(s) != shares_to_weight_libm(s) && !bad++)
			CHECK(cgroup_shares_to_weight(s) == shares_to_weight_libm(s));
	CHECK(bad == 0);
}

TEST(blkio_weight_to_io_weight)
{
	CHECK(cgroup_blkio_to_io_weight(0) == 1);
	CHECK(cgroup_blkio_to_io_weight(10) == 1);
	CHECK(cgroup_blkio_to_io_weight(100) == 910);
	CHECK(cgroup_blkio_to_io_weight(500) == 4950);
	CHECK(cgroup_blkio_to_io_weight(1000) == 10000);
	CHECK(cgroup_blkio_to_io_weight(5000) == 10000);
}

TEST(cpu_quota_period_and_sets)
{
	CHECK_STR(map("{\"cpu\":{\"quota\":50000,\"period\":100000}}"), "cpu.max=50000 100000");
	CHECK_STR(map("{\"cpu\":{\"quota\":20000}}"), "cpu.max=20000 100000");
	CHECK_STR(map("{\"cpu\":{\"quota\":-1,\"period\":250000}}"), "cpu.max=max 250000");
	CHECK_STR(map("{\"cpu\":{\"cpus\":\"0-1\",\"mems\":\"0\"}}"),
		  "cpuset.cpus=0-1;cpuset.mems=0");
	CHECK_STR(map("{\"cpu\":{\"period\":0}}"),
		  "ERR: linux.resources.cpu.period: must be positive");
}

TEST(pids_limit)
{
	CHECK_STR(map("{\"pids\":{\"limit\":32}}"), "pids.max=32");
	CHECK_STR(map("{\"pids\":{\"limit\":-1}}"), "pids.max=max");
	CHECK_STR(map("{\"pids\":{\"limit\":0}}"), "");
}

TEST(block_io)
{
	CHECK_STR(map("{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,"
		      "\"weight\":1000}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
		      "\"rate\":1048576}],\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,"
		      "\"rate\":100}]}}"),
		  "io.weight=default 4950;io.weight=8:0 10000;io.max=8:0 rbps=1048576;"
		  "io.max=8:16 wiops=100");
	CHECK_STR(map("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"rate\":1}]}}"),
		  "ERR: linux.resources.blockIO.throttleReadBpsDevice[0]: major and minor are "
		  "required");
}

TEST(hugetlb_and_rdma)
{
	CHECK_STR(map("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}"),
		  "hugetlb.2MB.max=4194304");
	CHECK_STR(map("{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}"),
		  "ERR: linux.resources.hugepageLimits[0].pageSize: \"../x\" is not like 2MB");
	CHECK_STR(map("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}"),
		  "rdma.max=mlx5_1 hca_handle=3 hca_object=max");
}

TEST(unified_written_as_is_and_last)
{
	CHECK_STR(map("{\"unified\":{\"memory.high\":\"50M\"},\"pids\":{\"limit\":5}}"),
		  "pids.max=5;memory.high=50M");
	CHECK_STR(map("{\"unified\":{\"../../etc/passwd\":\"x\"}}"),
		  "ERR: linux.resources.unified: invalid key \"../../etc/passwd\"");
	CHECK_STR(map("{\"unified\":{\"memory/../x.max\":\"x\"}}"),
		  "ERR: linux.resources.unified: invalid key \"memory/../x.max\"");
	CHECK_STR(map("{\"unified\":{\"memory.high\":5}}"),
		  "ERR: linux.resources.unified.memory.high: expected a string");
}

TEST(controllers_are_named)
{
	_cleanup_json_ cJSON *j = cJSON_Parse("{\"unified\":{\"io.latency\":\"8:0 target=10\"},"
					      "\"cpu\":{\"cpus\":\"0\"}}");

	CHECK(cgroup_resources_map(j, &w, &err) == 0);
	CHECK(w.n == 2);
	CHECK_STR(w.v[0].controller, "cpuset");
	CHECK_STR(w.v[1].controller, "io");
	CHECK_STR(w.v[0].field, "linux.resources.cpu");
	cgroup_writes_free(&w);
}

TEST(wrong_types_name_the_field)
{
	CHECK_STR(map("{\"memory\":{\"limit\":\"1g\"}}"),
		  "ERR: linux.resources.memory: limit: expected an integer");
	CHECK_STR(map("{\"pids\":[]}"), "ERR: linux.resources: pids: expected an object");
}

/* ---- device programs -------------------------------------------------- */

/* Run the program like the kernel: returns r0 (1 allow, 0 deny). */
static int run_prog(const struct bpf_insn *p, size_t n, int type, int major, int minor, int access)
{
	uint32_t ctx[3] = {(uint32_t)((access << 16) | type), (uint32_t)major, (uint32_t)minor};
	uint64_t r[11] = {0};
	size_t pc = 0, steps = 0;

	while (pc < n && steps++ < 100000) {
		const struct bpf_insn *i = &p[pc++];
		uint64_t *d = &r[i->dst_reg], s = r[i->src_reg], k = (uint64_t)(int64_t)i->imm;

		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			*d = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			*d = (uint32_t)s;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			*d = (uint32_t)(*d & k);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			*d = (uint32_t)*d >> k;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			*d = k;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (*d != k)
				pc += i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (*d == k)
				pc += i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -1;
		}
	}
	return -2;
}

static struct bpf_insn *prog;
static size_t nprog;

static int build(const char *text)
{
	_cleanup_json_ cJSON *j = cJSON_Parse(text);

	free(prog);
	prog = NULL;
	tug_err_clear(&err);
	return cgroup_devices_program(j, &prog, &nprog, &err);
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

TEST(no_rules_no_program)
{
	CHECK(build("[]") == 0 && nprog == 0 && prog == NULL);
	CHECK(cgroup_devices_program(NULL, &prog, &nprog, &err) == 0 && nprog == 0);
}

TEST(program_shape)
{
	size_t base;

	CHECK(build("[{\"allow\":false,\"access\":\"rwm\"}]") == 0);
	/* 6 prologue + 11 default rules + deny-all (2) + final deny (2). */
	base = nprog;
	CHECK(prog[0].code == (BPF_LDX | BPF_MEM | BPF_W));
	CHECK(prog[nprog - 1].code == (BPF_JMP | BPF_EXIT));
	CHECK(prog[nprog - 2].code == (BPF_ALU64 | BPF_MOV | BPF_K) && prog[nprog - 2].imm == 0);
	CHECK(build("[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
		    "\"major\":10,\"minor\":200,\"access\":\"rw\"}]") == 0);
	/* type, access (3), major, minor, mov, exit = 8 more. */
	CHECK(nprog == base + 8);
}

TEST(docker_style_rules_behave)
{
	CHECK(build("[{\"allow\":false,\"access\":\"rwm\"},"
		    "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rw\"},"
		    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"w\"}]") ==
	      0);
	CHECK(run_prog(prog, nprog, C, 10, 200, R | W) == 1); /* /dev/net/tun */
	CHECK(run_prog(prog, nprog, C, 10, 201, R) == 0);
	CHECK(run_prog(prog, nprog, B, 8, 0, R) == 0);	     /* /dev/sda denied */
	CHECK(run_prog(prog, nprog, C, 1, 3, R | W) == 1);   /* /dev/null default */
	CHECK(run_prog(prog, nprog, C, 136, 4, R | W) == 1); /* a pts */
	CHECK(run_prog(prog, nprog, B, 8, 0, M) == 1);	     /* mknod of anything */
	/* The defaults come after the user's rules (as in runc), so a bundle
	 * cannot take /dev/urandom away from its own process. */
	CHECK(run_prog(prog, nprog, C, 1, 9, W) == 1);
}

TEST(last_rule_wins)
{
	CHECK(build("[{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"rwm\"},"
		    "{\"allow\":false,\"type\":\"b\",\"major\":8,\"minor\":1,\"access\":\"w\"}]") ==
	      0);
	CHECK(run_prog(prog, nprog, B, 8, 0, R | W) == 1);
	CHECK(run_prog(prog, nprog, B, 8, 1, R) == 1);
	CHECK(run_prog(prog, nprog, B, 8, 1, R | W) == 0);
	CHECK(run_prog(prog, nprog, B, 9, 0, R) == 0);
	CHECK(run_prog(prog, nprog, C, 8, 0, R) == 0);
}

TEST(bad_rules_name_the_field)
{
	CHECK(build("[{\"allow\":true,\"type\":\"x\"}]") < 0);
	CHECK_STR(err.msg, "linux.resources.devices[0].type: \"x\" is not a, b or c");
	CHECK(build("[{\"allow\":true},{\"allow\":true,\"access\":\"rwx\"}]") < 0);
	CHECK_STR(err.msg, "linux.resources.devices[1].access: \"rwx\" is not made of r, w and m");
	CHECK(build("[{\"type\":\"c\"}]") < 0);
	CHECK_STR(err.msg, "linux.resources.devices[0].allow: expected true or false");
}

TEST(validate_covers_devices_and_resources)
{
	_cleanup_json_ cJSON *a = cJSON_Parse("{\"devices\":[{\"allow\":true,\"type\":\"z\"}]}");
	_cleanup_json_ cJSON *b = cJSON_Parse("{\"memory\":{\"limit\":1048576},\"devices\":"
					      "[{\"allow\":false,\"access\":\"rwm\"}]}");

	CHECK(cgroup_validate_oci(a, &err) < 0);
	CHECK(cgroup_validate_oci(b, &err) == 0);
	CHECK(cgroup_validate_oci(NULL, &err) == 0);
}

TEST(empty_path_is_a_noop)
{
	struct cgroup_stats st = {.mem_current = 5};
	pid_t *pids = (pid_t *)1;
	size_t n = 9;

	CHECK(cgroup_enter("", 1, &err) == 0);
	CHECK(cgroup_kill_all("", 9, &err) == 0);
	CHECK(cgroup_pids("", &pids, &n, &err) == 0 && n == 0 && pids == NULL);
	CHECK(cgroup_destroy("", &err) == 0);
	CHECK(cgroup_stats("", &st, &err) == 0 && st.mem_current == 0);
	CHECK(cgroup_freeze("", true, &err) < 0);
	CHECK_STR(err.msg, "no cgroup v2: cannot pause");
}

int main(void)
{
	RUN(nothing_asked_nothing_written);
	RUN(memory_limits);
	RUN(swap_is_memory_plus_swap);
	RUN(cpu_shares_to_weight);
	RUN(cpu_shares_to_weight_every_value);
	RUN(blkio_weight_to_io_weight);
	RUN(cpu_quota_period_and_sets);
	RUN(pids_limit);
	RUN(block_io);
	RUN(hugetlb_and_rdma);
	RUN(unified_written_as_is_and_last);
	RUN(controllers_are_named);
	RUN(wrong_types_name_the_field);
	RUN(no_rules_no_program);
	RUN(program_shape);
	RUN(docker_style_rules_behave);
	RUN(last_rule_wins);
	RUN(bad_rules_name_the_field);
	RUN(validate_covers_devices_and_resources);
	RUN(empty_path_is_a_noop);
	free(prog);
	return test_done();
}
