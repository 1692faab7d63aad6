/* modules.dep lookups for PID 1's module loader. */
#include <stdlib.h>

#include "init/modules.h"
#include "test.h"

static const char dep[] =
	"kernel/drivers/block/loop.ko:\n"
	"kernel/fs/overlayfs/overlay.ko:\n"
	"kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko kernel/net/802/stp.ko kernel/net/llc/llc.ko\n"
	"kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio.ko\n";

TEST(names_from_paths)
{
	char n[64];

	module_name_of("kernel/drivers/char/hw_random/virtio-rng.ko.xz", 46, n, sizeof(n));
	CHECK_STR(n, "virtio_rng");
	module_name_of("loop.ko", 7, n, sizeof(n));
	CHECK_STR(n, "loop");
}

TEST(find_lines)
{
	const char *p = modules_dep_find(dep, sizeof(dep) - 1, "br_netfilter");

	CHECK(p && !strncmp(p, "kernel/net/bridge/br_netfilter.ko:", 34));
	/* '-' and '_' are the same to the kernel. */
	CHECK(modules_dep_find(dep, sizeof(dep) - 1, "virtio-rng"));
	CHECK(modules_dep_find(dep, sizeof(dep) - 1, "virtio_rng"));
	CHECK(modules_dep_find(dep, sizeof(dep) - 1, "bridge") == NULL); /* only as a dep */
	CHECK(modules_dep_find(dep, sizeof(dep) - 1, "over") == NULL);
}

TEST(aliases)
{
	char dir[] = "/tmp/test-modalias.XXXXXX", path[64], n[64];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	/* No modules.alias: a filesystem's "fs-NAME" is NAME, anything else itself. */
	module_alias_resolve(dir, "fs-overlay", n, sizeof(n));
	CHECK_STR(n, "overlay");
	module_alias_resolve(dir, "veth", n, sizeof(n));
	CHECK_STR(n, "veth");
	snprintf(path, sizeof(path), "%s/modules.alias", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("# Aliases extracted from modules themselves.\n"
	      "alias fs-overlay overlay\n"
	      "alias rtnl-link-bridge bridge\n", f);
	fclose(f);
	module_alias_resolve(dir, "rtnl-link-bridge", n, sizeof(n));
	CHECK_STR(n, "bridge");
	module_alias_resolve(dir, "rtnl-link", n, sizeof(n)); /* exact names only */
	CHECK_STR(n, "rtnl-link");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(names_from_paths);
	RUN(find_lines);
	RUN(aliases);
	return test_done();
}
