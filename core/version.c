/* `tug version`: what this binary is and what it was built with. */
#include <stdio.h>
#include <string.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "generated/version.h"
#include "platform/libversions.h"

#define FEATURE(name, sym) { name, #sym, IS_ENABLED(sym) }

static const struct {
	const char *name;
	const char *symbol;
	int enabled;
} features[] = {
	FEATURE("cli", CONFIG_CLI),
	FEATURE("daemon", CONFIG_DAEMON),
	FEATURE("docker-api", CONFIG_DOCKER_API),
	FEATURE("oci-runtime", CONFIG_OCI_RUNTIME),
	FEATURE("init", CONFIG_INIT),
	FEATURE("seccomp", CONFIG_SECCOMP),
	FEATURE("image-archive", CONFIG_IMAGE_ARCHIVE),
	FEATURE("squashfs", CONFIG_SQUASHFS),
	FEATURE("registry", CONFIG_REGISTRY),
	FEATURE("tls-mbedtls", CONFIG_TLS_MBEDTLS),
	FEATURE("crypto-builtin", CONFIG_CRYPTO_BUILTIN),
	FEATURE("net-bridge", CONFIG_NET_BRIDGE),
	FEATURE("ipv6", CONFIG_IPV6),
	FEATURE("update", CONFIG_UPDATE),
};

static void print_json(void)
{
	printf("{\"Version\":\"%s\",\"Arch\":\"%s\",\"Board\":\"%s\",\"Libc\":\"musl\","
	       "\"Features\":[",
	       TUG_VERSION, TUG_ARCH, TUG_BOARD);
	for (size_t i = 0, n = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].enabled)
			printf("%s\"%s\"", n++ ? "," : "", features[i].name);
	printf("],\"Libraries\":{");
	for (const struct lib_version *l = lib_versions, *first = l; l->name; l++)
		if (l->version)
			printf("%s\"%s\":\"%s\"", l == first ? "" : ",", l->name, l->version());
	printf("}}\n");
}

int cmd_version(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--format") && !strcmp(argv[2], "json")) {
		print_json();
		return EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "Usage: tug version [--format json]\n");
		return EXIT_USAGE;
	}
	printf("tug %s\n", TUG_VERSION);
	printf(" arch:      %s (board %s)\n", TUG_ARCH, TUG_BOARD);
	printf(" libc:      musl, static\n");
	printf(" features: ");
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].enabled)
			printf(" %s", features[i].name);
	printf("\n libraries:\n");
	for (const struct lib_version *l = lib_versions; l->name; l++)
		if (l->version)
			printf("  %-11s %s\n", l->name, l->version());
	if (IS_ENABLED(CONFIG_CLI))
		cli_version_server();
	return EXIT_OK;
}
