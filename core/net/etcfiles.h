/*
 * A container's /etc/hosts, /etc/resolv.conf and /etc/hostname. Rendering
 * is pure; etc_write_in_place() writes without rename because the runtime
 * bind-mounts these files, and a bind mount keeps the old inode: an atomic
 * rename would leave the container reading the stale file. They are derived
 * data (rebuilt from the network records), so a torn write costs nothing
 * that the next refresh does not repair.
 */
#ifndef TUG_NET_ETCFILES_H
#define TUG_NET_ETCFILES_H

#include <stddef.h>
#include <stdint.h>

#include "platform/err.h"

struct hosts_entry {
	uint32_t ip;		/* host order */
	const char *names;	/* "name alias ..." */
};

/*
 * localhost lines, the container's own address(es) with its hostname, then
 * one line per peer (containers sharing a user-defined network). *out is
 * malloc'd.
 */
int etc_hosts_render(const char *hostname, const uint32_t *self_ips, size_t n_self,
		     const struct hosts_entry *peers, size_t n_peers, char **out,
		     struct tug_err *err);
/*
 * From the host's resolv.conf text: keep nameserver, search and options
 * lines, drop loopback nameservers (unreachable from a network namespace);
 * dns[] (if any) replaces the nameservers. Nothing left: Docker's fallback
 * 8.8.8.8 and 8.8.4.4.
 */
int etc_resolv_render(const char *host_text, const char *const *dns, size_t n_dns, char **out,
		      struct tug_err *err);
/*
 * The container's own additions, written by whoever created it (the
 * daemon, from --add-host and --dns*): <dir>/hosts.extra is appended to
 * *hosts; <dir>/resolv.override replaces *resolv. Absent files: nothing.
 */
int etc_apply_extras(const char *dir, char **hosts, char **resolv, struct tug_err *err);
int etc_write_in_place(const char *dir, const char *name, const char *text,
		       struct tug_err *err);

#endif
