/* /etc/hosts and /etc/resolv.conf text for containers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net/etcfiles.h"
#include "core/net/ipam.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"

int etc_hosts_render(const char *hostname, const uint32_t *self_ips, size_t n_self,
		     const struct hosts_entry *peers, size_t n_peers, char **out,
		     struct tug_err *err)
{
	char *buf = NULL, ip[16];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return tug_err_sys(err, "render hosts");
	fprintf(f, "127.0.0.1\tlocalhost\n"
		   "::1\tlocalhost ip6-localhost ip6-loopback\n"
		   "fe00::0\tip6-localnet\n"
		   "ff00::0\tip6-mcastprefix\n"
		   "ff02::1\tip6-allnodes\n"
		   "ff02::2\tip6-allrouters\n");
	for (size_t i = 0; i < n_self; i++)
		if (hostname && *hostname)
			fprintf(f, "%s\t%s\n", ip4_format(self_ips[i], ip), hostname);
	for (size_t i = 0; i < n_peers; i++)
		fprintf(f, "%s\t%s\n", ip4_format(peers[i].ip, ip), peers[i].names);
	if (fclose(f) != 0) {
		free(buf);
		return tug_err_sys(err, "render hosts");
	}
	*out = buf;
	return 0;
}

static bool is_loopback_ns(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1");
}

int etc_resolv_render(const char *host_text, const char *const *dns, size_t n_dns, char **out,
		      struct tug_err *err)
{
	_cleanup_free_ char *copy = strdup(host_text ? host_text : "");
	char *buf = NULL, *save = NULL;
	size_t len = 0, n_ns = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || !copy) {
		if (f)
			fclose(f);
		free(buf);
		return tug_err_set(err, ENOMEM, "render resolv.conf");
	}
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char word[32], arg[256];

		if (sscanf(line, " %31s %255s", word, arg) != 2)
			continue;
		if (!strcmp(word, "nameserver")) {
			if (n_dns || is_loopback_ns(arg))
				continue;
			fprintf(f, "nameserver %s\n", arg);
			n_ns++;
		} else if (!strcmp(word, "search") || !strcmp(word, "options") ||
			   !strcmp(word, "domain")) {
			fprintf(f, "%s\n", line + strspn(line, " \t"));
		}
	}
	for (size_t i = 0; i < n_dns; i++, n_ns++)
		fprintf(f, "nameserver %s\n", dns[i]);
	if (!n_ns)
		fprintf(f, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	if (fclose(f) != 0) {
		free(buf);
		return tug_err_sys(err, "render resolv.conf");
	}
	*out = buf;
	return 0;
}

int etc_write_in_place(const char *dir, const char *name, const char *text,
		       struct tug_err *err)
{
	char path[4096];
	_cleanup_close_ int fd = -1;

	if (mkdir_p(dir, 0755, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return tug_err_sys(err, "write %s", path);
	return 0;
}

int etc_apply_extras(const char *dir, char **hosts, char **resolv, struct tug_err *err)
{
	char path[4200], *extra = NULL, *joined;
	struct tug_err e2;

	snprintf(path, sizeof(path), "%s/hosts.extra", dir);
	if (read_file(AT_FDCWD, path, 1 << 16, &extra, NULL, &e2) == 0) {
		if (asprintf(&joined, "%s%s", *hosts, extra) < 0) {
			free(extra);
			return tug_err_set(err, ENOMEM, "hosts of %s", dir);
		}
		free(extra);
		free(*hosts);
		*hosts = joined;
	}
	snprintf(path, sizeof(path), "%s/resolv.override", dir);
	if (read_file(AT_FDCWD, path, 1 << 16, &extra, NULL, &e2) == 0) {
		free(*resolv);
		*resolv = extra;
	}
	return 0;
}
