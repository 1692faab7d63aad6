/*
 * config.json (runtime-spec 1.0 to 1.2) parsed and validated up front, so a
 * bad bundle fails before anything is created, with the field named:
 * "process.args: expected an array", "root.path: escapes the bundle".
 * Strings point into the kept cJSON tree; oci_spec_free() releases all.
 */
#ifndef TUG_OCI_SPEC_H
#define TUG_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "platform/err.h"
#include "platform/mount.h"
#include "platform/ns.h"
#include "platform/process.h"

#define OCI_MAX_NS 8

struct oci_process {
	bool terminal;
	unsigned console_rows, console_cols;
	const char **args; /* NULL-terminated */
	const char **env;  /* NULL-terminated, maybe empty */
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	int umask; /* -1 = leave as is */
	struct process_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	const cJSON *capabilities; /* NULL = none */
};

struct oci_namespace {
	int flag;	  /* CLONE_NEW* */
	const char *path; /* join it, or NULL for a new one */
};

struct oci_spec {
	cJSON *json;
	const char *version;
	char *bundle;	 /* absolute */
	char *root_path; /* absolute */
	bool root_readonly;
	const char *hostname;
	const char *domainname;
	struct oci_process process;
	bool has_process;
	struct mount_entry *mounts;
	size_t n_mounts;
	/* linux */
	struct oci_namespace ns[OCI_MAX_NS];
	size_t n_ns;
	struct ns_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	struct mount_device *devices;
	size_t n_devices;
	const cJSON *sysctl;
	const char **masked_paths, **readonly_paths;
	unsigned long rootfs_propagation; /* 0 = default (rslave) */
	const char *cgroups_path;
	const cJSON *resources;
	const cJSON *seccomp;
	const cJSON *hooks;
	const cJSON *annotations;
	int64_t time_offset_mono_s, time_offset_mono_ns;
	int64_t time_offset_boot_s, time_offset_boot_ns;
	bool has_time_offsets;
};

/* Parse config text for a bundle (absolute or relative path). */
int oci_spec_parse(const char *text, size_t len, const char *bundle, struct oci_spec *spec,
		   struct tug_err *err);
/* Read bundle/config.json and parse it. */
int oci_spec_load(const char *bundle, struct oci_spec *spec, struct tug_err *err);
void oci_spec_free(struct oci_spec *spec);

/* A process object alone (exec --process); field names are prefixed with what. */
int oci_process_parse(const cJSON *j, const char *what, struct oci_process *p, struct tug_err *err);
void oci_process_free(struct oci_process *p);

/* Mount options -> flags; unknown ones go to data. Exposed for tests. */
int oci_mount_options(const cJSON *options, const char *field, struct mount_entry *m,
		      struct tug_err *err);
/* "pid" -> CLONE_NEWPID; 0 if unknown. */
int oci_ns_flag(const char *type);
const char *oci_ns_proc_name(int flag);
/* runc-style container id check: [A-Za-z0-9_.+-], no leading dot. */
int oci_id_validate(const char *id, struct tug_err *err);

static inline bool oci_spec_has_ns(const struct oci_spec *s, int flag, const char **path)
{
	for (size_t i = 0; i < s->n_ns; i++)
		if (s->ns[i].flag == flag) {
			if (path)
				*path = s->ns[i].path;
			return true;
		}
	return false;
}

#endif
